"""The real boards that only build here: ST Nucleo-F411RE (STM32F411, no sensor on the board)
and Arduino Nano 33 BLE (nRF52840, on-board LSM9DS1 IMU). No simulator models them in QEMU
7.2: the tests build them with the in-repo PlatformIO platform and check what the chip's boot
and a flash programmer see, that `-t size` reports use against the board's real limits, that
the IMU driver (not the trace player) is linked where the board has an IMU, that no
semihosting call is left, and that `-t upload` without pyocd stops in one line. The STM32F4
board support itself runs in QEMU on netduinoplus2 (tests/test_board_firmware.py)."""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from tinyfw.paths import BENCH_MODEL, ROOT
from tinyfw.project import generate_project
from tinyfw.sim.boards import load_board
from tinyfw.sim.build import pio_environment, pio_executable
from tinyfw.sim.elfsize import elf_sizes

pytestmark = pytest.mark.toolchain

BOARDS = ["nucleo_f411re", "nano33ble"]
SENSOR_DRIVER = {"nucleo_f411re": None, "nano33ble": "board/nrf/sensor_lsm9ds1.o"}


def pio(board: str, work: Path, *extra: str, path: str | None = None):
    env = pio_environment({"TINYFW_GENERATED": str(work / "generated"),
                           "PLATFORMIO_BUILD_DIR": str(work / "pio")})
    if path is not None:
        env["PATH"] = path
    return subprocess.run([pio_executable(), "run", "-e", board, "-d", str(ROOT), *extra],
                          env=env, check=False, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(cfg, tmp_path_factory):
    """`pio run -e <board> -t size` on the benchmark model, once per board."""
    out = {}
    for board in BOARDS:
        work = tmp_path_factory.mktemp(board)
        generate_project(cfg, BENCH_MODEL, work / "generated")
        out[board] = (work, pio(board, work, "-t", "size"))
    return out


@pytest.mark.parametrize("board", BOARDS)
def test_the_firmware_builds_warning_free_and_size_shows_the_board_limits(built, board):
    work, r = built[board]
    text = r.stdout + r.stderr
    assert r.returncode == 0, text[-3000:]
    assert "warning" not in text.lower(), [ln for ln in text.splitlines() if "warning" in ln.lower()]
    info = load_board(board)
    sizes = elf_sizes(work / "pio" / board / "firmware.elf")
    assert f"(used {sizes.flash} bytes from {info.flash_bytes} bytes)" in r.stdout
    assert f"(used {sizes.ram_total} bytes from {info.ram_bytes} bytes)" in r.stdout


@pytest.mark.parametrize("board", BOARDS)
def test_the_chip_boots_from_the_vector_table_at_the_manifest_flash_origin(built, board):
    work, _ = built[board]
    info = load_board(board)
    elf_path = work / "pio" / board / "firmware.elf"
    sizes = elf_sizes(elf_path)
    with elf_path.open("rb") as fp:
        elf = ELFFile(fp)
        vectors = elf.get_section_by_name(".isr_vector")
        assert vectors["sh_addr"] == info.flash_origin
        msp, reset, *handlers = struct.unpack_from("<16I", vectors.data())
        reset_handler = elf.get_section_by_name(".symtab").get_symbol_by_name("Reset_Handler")
    assert info.ram_origin < msp <= info.ram_origin + info.ram_bytes and msp % 8 == 0
    assert reset == reset_handler[0]["st_value"] | 1
    for h in [reset, *handlers[:4]]:
        assert h & 1 and info.flash_origin <= h < info.flash_origin + sizes.flash


@pytest.mark.parametrize("board", BOARDS)
def test_the_board_sensor_driver_is_linked_and_no_semihosting_call_is_left(built, board):
    work, _ = built[board]
    mapfile = (work / "pio" / board / "firmware.map").read_text()
    discarded, linked = mapfile.split("Linker script and memory map", 1)
    driver = SENSOR_DRIVER[board]
    for fn in ("sensor_open", "sensor_read"):
        m = re.search(rf"^ \.text\.{fn}\s*\n?\s+0x[0-9a-f]+\s+0x[0-9a-f]+ (\S+)$", linked,
                      re.MULTILINE)
        assert m, fn
        # the IMU driver where the board has one, else the trace player (sensor.h)
        assert m.group(1).endswith(driver or "app/sensor_trace.o"), (fn, m.group(1))
    if driver:
        assert "sensor_trace.o" in discarded
    dis = subprocess.run(["arm-none-eabi-objdump", "-d", str(work / "pio" / board /
                          "firmware.elf")], capture_output=True, text=True, check=True).stdout
    assert "0xab" not in re.findall(r"\bbkpt\s+(0x[0-9a-f]+)", dis)  # semihosting would halt


@pytest.mark.parametrize("board", BOARDS)
def test_upload_without_pyocd_stops_in_one_line_saying_how_to_get_it(built, board, tmp_path):
    work, _ = built[board]
    # a PATH with the toolchain but without pyocd (nor is it in PlatformIO's environment)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("arm-none-eabi-gcc", "arm-none-eabi-g++", "arm-none-eabi-ar",
                 "arm-none-eabi-objcopy", "arm-none-eabi-size", "arm-none-eabi-ranlib"):
        (bin_dir / tool).symlink_to(Path("/usr/bin") / tool)
    assert not (Path(pio_executable()).parent / "pyocd").exists(), "pyocd is installed here"
    r = pio(board, work, "-t", "upload", path=f"{bin_dir}{os.pathsep}/bin")
    assert r.returncode != 0
    errors = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.startswith("tinyfw: error:")]
    info = load_board(board)
    expected = (f"tinyfw: error: `-t upload` on {board} needs pyocd: `pip install pyocd` "
                f"(target {info.pyocd_target}, through the board's ST-LINK or CMSIS-DAP probe)")
    assert errors == [expected], r.stdout + r.stderr


def test_lsm9ds1_counts_become_milli_g_exactly_like_the_float_formula(tmp_path):
    """Every int16 raw count at +-4 g (0.122 mg/LSB): the firmware's integer conversion equals
    (int16)(raw * 0.122f), so the Nano 33 BLE feeds the model the units of the recordings."""
    gcc = shutil.which("gcc")
    assert gcc, "the host gcc is needed (apt-get install -y gcc)"
    src = tmp_path / "conv.c"
    src.write_text(
        '#include <stdio.h>\n#include "lsm9ds1.h"\n'
        "int main(void)\n{\n"
        "    for (int32_t raw = -32768; raw <= 32767; ++raw) {\n"
        '        printf("%d\\n", lsm9ds1_raw_to_mg((int16_t)raw));\n'
        "    }\n    return 0;\n}\n"
    )
    exe = tmp_path / "conv"
    subprocess.run([gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined",
                    "-I", str(ROOT / "firmware" / "board" / "nrf"), str(src), "-o", str(exe)],
                   check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    firmware = np.loadtxt(io.StringIO(out), dtype=np.int64)
    raw = np.arange(-32768, 32768, dtype=np.int32)
    expected = (raw.astype(np.float32) * np.float32(0.122)).astype(np.int16)
    assert np.array_equal(firmware, expected)
