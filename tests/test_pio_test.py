"""`pio test -e mps2_an386`: the user's C unit tests (test/<suite>/ with
firmware/test/tfw_unit.h) built with their firmware/user code and run in QEMU by the custom
test runner (test/test_custom_runner.py -> tinyfw/piotest.py). PlatformIO's exit status and
summary are what a user and CI see."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinyfw.paths import ROOT

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

PIO = str(Path(sys.executable).parent / "pio")

USER_C = """#include "clamp.h"
int32_t user_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}
"""
USER_H = """#include <stdint.h>
int32_t user_clamp(int32_t v, int32_t lo, int32_t hi);
"""
TEST_C = """#include "clamp.h"
#include "tfw_unit.h"

static void test_values_inside_stay(void)
{
    TFW_ASSERT_EQ(5, user_clamp(5, 0, 10));
}

static void test_values_above_become_the_upper_bound(void)
{
    TFW_ASSERT_EQ(%s, user_clamp(99, 0, 10));
}

int main(void)
{
    TFW_BEGIN();
    TFW_RUN(test_values_inside_stay);
    TFW_RUN(test_values_above_become_the_upper_bound);
    return TFW_END();
}
"""


def _pio_test(tmp: Path, test_dir: Path, extra_src: Path | None = None):
    env = dict(os.environ, PLATFORMIO_SETTING_ENABLE_TELEMETRY="no",
               PLATFORMIO_DISABLE_UPGRADE_CHECK="true", PLATFORMIO_TEST_DIR=str(test_dir),
               PLATFORMIO_BUILD_DIR=str(tmp / "pio"))
    if extra_src is not None:
        env["TINYFW_EXTRA_SRC"] = str(extra_src)
    r = subprocess.run([PIO, "test", "-e", "mps2_an386", "-d", str(ROOT)], env=env,
                       capture_output=True, text=True, timeout=600, check=False)
    return r.returncode, r.stdout + r.stderr


def _user_suite(tmp: Path, name: str, expected_upper: str) -> Path:
    shutil.copytree(ROOT / "firmware" / "user", tmp / name / "user")
    (tmp / name / "user" / "clamp.c").write_text(USER_C)
    (tmp / name / "user" / "clamp.h").write_text(USER_H)
    tests = tmp / name / "test"
    (tests / "test_clamp").mkdir(parents=True)
    shutil.copy(ROOT / "test" / "test_custom_runner.py", tests)
    (tests / "test_clamp" / "test_main.c").write_text(TEST_C % expected_upper)
    return tmp / name


def test_pio_test_runs_the_projects_example_suite_in_qemu_and_passes(tmp_path):
    status, out = _pio_test(tmp_path, ROOT / "test")
    assert status == 0, out
    assert "Testing in QEMU (mps2_an386)" in out
    assert "3 test cases: 3 succeeded" in out


def test_pio_test_of_user_code_passes_and_a_wrong_expectation_fails(tmp_path):
    good = _user_suite(tmp_path, "good", "10")
    status, out = _pio_test(tmp_path, good / "test", good / "user")
    assert status == 0, out
    assert "2 test cases: 2 succeeded" in out
    bad = _user_suite(tmp_path, "bad", "11")
    status, out = _pio_test(tmp_path, bad / "test", bad / "user")
    assert status != 0, out
    assert "2 test cases: 1 failed, 1 succeeded" in out
    assert ("test_values_above_become_the_upper_bound:FAIL: user_clamp(99, 0, 10) "
            "expected 11 was 10") in out
