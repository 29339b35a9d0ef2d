"""The pytest plugin (tinyfw/pytest.py) as a user runs it: the example of examples/pytest passes
(also under pytest-xdist), and the same test with a wrong expectation fails, showing the UART."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tinyfw.paths import ROOT

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

EXAMPLE = ROOT / "examples" / "pytest"


def _pytest(tmp, folder, *extra):
    cmd = [sys.executable, "-m", "pytest", "-p", "tinyfw.pytest", "-p", "no:cacheprovider",
           "-q", str(folder), "--tinyfw-project", str(ROOT),
           "--tinyfw-build-dir", str(tmp / "pio"), *extra]
    # a user's own run: not the options or the xdist worker of the pytest running this test
    env = {k: v for k, v in os.environ.items()
           if k != "PYTEST_ADDOPTS" and not k.startswith("PYTEST_XDIST")}
    return subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600,
                          check=False)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plugin")
    shutil.copytree(EXAMPLE, tmp / "example")
    return tmp


def test_the_example_firmware_tests_pass_on_two_workers(workdir):
    r = _pytest(workdir, workdir / "example", "-n", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 passed" in r.stdout


def test_a_wrong_expected_activity_fails_and_shows_what_the_firmware_said(workdir):
    """(and a trace that is not there is named)"""
    wrong = workdir / "wrong"
    shutil.copytree(EXAMPLE, wrong)
    test = wrong / "test_activity_detection.py"
    text = test.read_text()
    assert '["stationary", "walking", "running"]' in text
    test.write_text(text.replace('["stationary", "walking", "running"]',
                                 '["stationary", "running"]'))
    (wrong / "test_missing.py").write_text(
        "def test_should_replay(firmware):\n"
        "    firmware.replay('nowhere_26Hz_4g_mg.csv')\n")
    r = _pytest(workdir, wrong, "-k", "should_detect or should_replay")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "2 failed" in r.stdout
    assert "detected activities ['stationary', 'walking', 'running']" in r.stdout
    assert "expected ['stationary', 'running']" in r.stdout
    assert "change 29 1 walking" in r.stdout  # the UART log is attached
    assert "nowhere_26Hz_4g_mg.csv" in r.stdout
