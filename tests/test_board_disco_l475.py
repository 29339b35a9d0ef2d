"""The real board: ST B-L475E-IOT01A (STM32L475VG), the board the st-har traces were recorded on.

Nothing here can run the firmware (no simulator models this board in QEMU 7.2): the tests
build it with the real PlatformIO platform, check what a flash programmer and the chip's boot
see (vector table at 0x08000000, sizes within 1 MB / 96 KB), that the LSM6DSL driver, not the
trace player, is linked, that no semihosting call is left, that `tinyfw cost` estimates its
instructions on a simulated board with the same core, and, on the host, the sensor's conversion to milli-g.
"""

from __future__ import annotations

import io
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
from tinyfw.sim.cost import board_cost
from tinyfw.sim.elfsize import elf_sizes

pytestmark = pytest.mark.toolchain

BOARD = "disco_l475vg_iot01a"
STM32L4 = ROOT / "firmware" / "board" / "stm32l4"


@pytest.fixture(scope="module")
def build(cfg, tmp_path_factory):
    """`pio run -e disco_l475vg_iot01a` (the real platform) on the benchmark model."""
    work = tmp_path_factory.mktemp("disco")
    generate_project(cfg, BENCH_MODEL, work / "generated")
    env = pio_environment({"TINYFW_GENERATED": str(work / "generated"),
                           "PLATFORMIO_BUILD_DIR": str(work / "pio")})
    r = subprocess.run([pio_executable(), "run", "-e", BOARD, "-d", str(ROOT)], env=env, check=False,
                       capture_output=True, text=True, timeout=600)
    return work, r


def _elf(work: Path) -> Path:
    return work / "pio" / BOARD / "firmware.elf"


def test_the_firmware_builds_warning_free_with_the_real_platform(build):
    work, r = build
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    assert "warning" not in out.lower(), [ln for ln in out.splitlines() if "warning" in ln.lower()]
    for product in ("firmware.elf", "firmware.bin", "firmware.hex", "firmware.map"):
        assert (work / "pio" / BOARD / product).is_file(), product


def test_the_elf_fits_and_the_chip_boots_from_its_vector_table_at_0x08000000(build):
    work, _ = build
    info = load_board(BOARD)
    sizes = elf_sizes(_elf(work))
    assert sizes.flash <= info.flash_bytes == 1024 * 1024
    assert sizes.ram_total <= info.ram_bytes == 96 * 1024
    with _elf(work).open("rb") as fp:
        elf = ELFFile(fp)
        vectors = elf.get_section_by_name(".isr_vector")
        assert vectors["sh_addr"] == 0x08000000 == info.flash_origin
        msp, reset, *handlers = struct.unpack_from("<16I", vectors.data())
        symbols = elf.get_section_by_name(".symtab")
        reset_handler = symbols.get_symbol_by_name("Reset_Handler")[0]["st_value"]
    assert 0x20000000 < msp <= 0x20000000 + 96 * 1024 and msp % 8 == 0  # in SRAM1
    assert reset == reset_handler | 1  # a Thumb address
    for h in [reset, *handlers[:4]]:  # reset, NMI, HardFault, MemManage, BusFault
        assert h & 1 and 0x08000000 <= h < 0x08000000 + sizes.flash


def test_the_lsm6dsl_driver_replaces_the_trace_player_and_no_semihosting_call_is_left(build):
    work, _ = build
    mapfile = (work / "pio" / BOARD / "firmware.map").read_text()
    discarded, linked = mapfile.split("Linker script and memory map", 1)
    assert "sensor_trace.o" in discarded  # the weak trace player was there and gave way
    for fn in ("sensor_open", "sensor_read", "sensor_burst_frames"):
        m = re.search(rf"^ \.text\.{fn}\s*\n?\s+0x[0-9a-f]+\s+0x[0-9a-f]+ (\S+)$", linked,
                      re.MULTILINE)
        assert m and m.group(1).endswith("board/stm32l4/sensor_lsm6dsl.o"), fn
    dis = subprocess.run(["arm-none-eabi-objdump", "-d", str(_elf(work))], capture_output=True,
                         text=True, check=True).stdout
    # semihosting is `bkpt 0xab`: without a debugger it would stop the board at boot
    assert re.findall(r"\bbkpt\s+(0x[0-9a-f]+)", dis) == ["0x0000"]  # only the debugger exit


def test_tinyfw_cost_reports_flash_and_ram_and_estimates_instructions_on_the_same_core(cfg, build):
    """No simulator for this board: instructions come from mps2_an386 (same Cortex-M4F code),
    labelled as an estimate, at this board's 80 MHz clock."""
    work, _ = build
    cost = board_cost(cfg, BOARD, data_dir=cfg.data_dir(), gen_dir=work / "generated", work=work)
    proxy = board_cost(cfg, "mps2_an386", data_dir=cfg.data_dir(), gen_dir=work / "generated",
                       work=work / "proxy")
    assert cost.fits
    assert cost.measured_on.startswith("estimated on mps2_an386")
    assert cost.instructions_per_inference == proxy.instructions_per_inference > 0
    assert cost.core_clock_hz == 80_000_000
    assert cost.latency_ms_min == pytest.approx(cost.instructions_per_inference / 80e3)
    assert cost.flash_bytes == elf_sizes(_elf(work)).flash
    line = cost.line()
    assert line.startswith(f"{BOARD:20s} fits: flash {cost.flash_bytes}/1048576 B, RAM ")
    assert "/98304 B" in line and "~" in line and "at 80 MHz" in line


def test_the_manifest_says_where_instructions_are_estimated():
    info = load_board(BOARD)
    proxy = load_board("mps2_an386")
    assert (info.cpu, info.fpu, info.float_abi) == (proxy.cpu, proxy.fpu, proxy.float_abi)
    assert "estimated on mps2_an386" in info.real_hardware
    assert info.f_cpu_hz == info.uart.clock_hz == info.timer.clock_hz == 80_000_000


def test_lsm6dsl_counts_become_milli_g_exactly_like_st_s_float_formula(tmp_path):
    """Every int16 raw count: the firmware's integer conversion equals (int16)(raw * 0.122f)."""
    gcc = shutil.which("gcc")
    assert gcc, "the host gcc is needed (apt-get install -y gcc)"
    src = tmp_path / "conv.c"
    src.write_text(
        '#include <stdio.h>\n#include "lsm6dsl.h"\n'
        "int main(void)\n{\n"
        "    for (int32_t raw = -32768; raw <= 32767; ++raw) {\n"
        '        printf("%d\\n", lsm6dsl_raw_to_mg((int16_t)raw));\n'
        "    }\n    return 0;\n}\n"
    )
    exe = tmp_path / "conv"
    subprocess.run([gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined",
                    "-I", str(STM32L4), str(src), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    firmware = np.loadtxt(io.StringIO(out), dtype=np.int64)
    raw = np.arange(-32768, 32768, dtype=np.int32)
    st = (raw.astype(np.float32) * np.float32(0.122)).astype(np.int16)  # C's float -> int16
    assert np.array_equal(firmware, st)
    assert (firmware.min(), firmware.max()) == (-3997, 3997)
