"""PlatformIO's custom test runner for `pio test -e <board>` (platformio.ini:
test_framework = custom): builds test/<suite>/ for the simulated board and runs it in QEMU.
The runner lives in tinyfw (tinyfw/piotest.py); write tests with firmware/test/tfw_unit.h."""

from tinyfw.piotest import CustomTestRunner

__all__ = ["CustomTestRunner"]
