"""`pio test -e <board>` on the simulated boards: PlatformIO's custom test runner
(`test_framework = custom`; test/test_custom_runner.py imports this class).

PlatformIO builds the suite (test/<suite>/*.c with the firmware's kernels, board layer,
and firmware/user/; the platform's builder leaves out the app and puts
firmware/test/tfw_unit.h on the include path). This runner then runs the ELF in QEMU through
sim/qemu.py, like `tinyfw simulate`, and reads tfw_unit.h's lines, which are Unity's:
`<file>:<line>:<test>:PASS` and `<file>:<line>:<test>:FAIL: <message>`. A firmware that
faults, hangs (option `custom_tinyfw_timeout_s`, default 60 s) or exits non-zero without a
failed test is an errored case naming why, with the last UART lines.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
from platformio.public import TestCase, TestCaseSource, TestRunnerBase, TestStatus

from tinyfw.errors import TinyfwError

_RESULT = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<name>[^:\s]+):(?P<status>PASS|FAIL)"
    r"(?::\s*(?P<message>.*))?$"
)


class CustomTestRunner(TestRunnerBase):
    NAME = "tinyfw"

    def _option(self, name: str, default: str) -> str:
        value = self.project_config.get(f"env:{self.test_suite.env_name}", name, default)
        return str(default if value is None else value)

    def stage_testing(self) -> None:
        if self.options.without_testing:
            return
        from tinyfw.sim.qemu import run_elf

        env = self.test_suite.env_name
        build_dir = Path(self.project_config.get("platformio", "build_dir"))
        elf = build_dir / env / "firmware.elf"
        board = self._option("board", env)
        timeout = float(os.environ.get("TINYFW_TIMEOUT_S")
                        or self._option("custom_tinyfw_timeout_s", "60"))
        click.secho(f"Testing in QEMU ({board})...", bold=True)
        try:
            result = run_elf(elf, board, timeout_s=timeout,
                             cwd=self.project_config.get("platformio", "test_dir"))
        except TinyfwError as e:
            self._errored(e.one_line(), [])
            return
        for line in result.uart_lines:
            self.on_testing_line_output(line + "\n")
        failed = any(c.status == TestStatus.FAILED for c in self.test_suite.cases)
        why = None
        if result.timed_out:
            why = f"timed out after {timeout:g} s (custom_tinyfw_timeout_s)"
        elif result.fault:
            why = f"firmware fault: {result.fault}"
        elif result.exit_code != 0 and not failed:
            why = f"firmware exit {result.exit_code} without a failed test"
        elif not self.test_suite.cases:
            why = "no test results on the UART (TFW_RUN from tfw_unit.h prints them)"
        if why:
            self._errored(why, result.uart_lines[-5:])

    def _errored(self, why: str, tail: list[str]) -> None:
        click.secho(why, fg="red", err=True)
        self.test_suite.add_case(TestCase(
            name=f"{self.test_suite.env_name}:{self.test_suite.test_name}",
            status=TestStatus.ERRORED, message=why, stdout="\n".join(tail)))

    def on_testing_line_output(self, line: str) -> None:
        if self.options.verbose:
            click.echo(line, nl=False)
        m = _RESULT.match(line.strip())
        if m is None:
            return
        status = TestStatus.PASSED if m["status"] == "PASS" else TestStatus.FAILED
        self.test_suite.add_case(TestCase(
            name=m["name"], status=status, message=m["message"],
            stdout=line.strip(), source=TestCaseSource(m["file"], int(m["line"]))))
