"""The board layer on every board: built by the in-repo PlatformIO platform, run in QEMU.

The self-test firmware (firmware/board/selftest/main.c) runs the commands given on its
semihosting command line; these tests check what it prints on the UART and how it exits.
Missing tools make the tests fail with the install command (they are not skipped).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from tinyfw.sim.boards import ARMV6M_CPUS, BoardInfo, load_board, simulated_boards
from tinyfw.sim.elfsize import elf_sizes, symbol_sizes
from tinyfw.sim.qemu import (
    ICOUNT_SHIFT,
    QemuResult,
    run_elf,
    tick_resolution,
    ticks_to_instructions,
)

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

ROOT = Path(__file__).resolve().parent.parent
BOARD_IDS = [b.id for b in simulated_boards(ROOT)]  # every board QEMU runs, from boards/*.json
# QEMU's legacy lm3s6965evb machine ignores failed bus transactions (no BusFault there), and so
# does its micro:bit, whose ARMv6-M core has no BusFault (nor BFAR) anyway.
BUS_ERROR_BOARDS = [b.id for b in simulated_boards(ROOT)
                    if b.qemu_machine not in ("lm3s6965evb", "microbit")]
ARMV8M_CPUS = ("cortex-m33", "cortex-m55")  # PSPLIM/MSPLIM stack limits
SELFTEST_FILTER = "+<board/selftest/> +<board/common/> +<board/$TINYFW_BOARD_FAMILY/>"
APT = "apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
BUILD_TIMEOUT_S = 120


def require_tools() -> None:
    missing = [t for t in ("arm-none-eabi-gcc", "qemu-system-arm") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: run `make setup` or `{APT}`")
    if not pio_executable().is_file():
        pytest.fail(f"PlatformIO not installed in {sys.executable}'s environment: run `make setup`")


def pio_executable() -> Path:
    return Path(sys.executable).parent / "pio"


def pio_env(build_dir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORMIO_", "TINYFW_"))}
    env.update(
        PLATFORMIO_SETTING_ENABLE_TELEMETRY="no",
        PLATFORMIO_DISABLE_UPGRADE_CHECK="true",
        PLATFORMIO_NO_ANSI="true",
        PLATFORMIO_BUILD_DIR=str(build_dir),
        PLATFORMIO_BUILD_SRC_FILTER=SELFTEST_FILTER,
        TINYFW_APP="board/selftest",
        TINYFW_GENERATED="none",
    )
    env.update(overrides)
    return env


def pio_run(
    board: str, build_dir: Path, *extra: str, root: Path = ROOT, **overrides: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(pio_executable()), "run", "-e", board, "-d", str(root), *extra],
        env=pio_env(build_dir, **overrides),
        check=False,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )


def build_selftest(board: str, build_dir: Path, **overrides: str) -> Path:
    r = pio_run(board, build_dir, **overrides)
    assert r.returncode == 0, f"pio run -e {board} failed:\n{r.stdout}\n{r.stderr}"
    return build_dir / board / "firmware.elf"


@pytest.fixture(scope="session")
def selftest_elfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One build folder per board: PlatformIO wipes a whole build folder (every environment in
    it) when the project's file list changes, e.g. while someone adds a file to firmware/."""
    require_tools()
    build_root = tmp_path_factory.mktemp("board-selftest-build")
    return {board: build_selftest(board, build_root / board) for board in BOARD_IDS}


@pytest.fixture(params=BOARD_IDS)
def board(request: pytest.FixtureRequest) -> BoardInfo:
    return load_board(request.param, ROOT)


def run(
    elf: Path,
    board: BoardInfo,
    *args: str,
    timeout_s: float = 20.0,
    cwd: Path | None = None,
    extra_qemu_args: tuple[str, ...] | list[str] = (),
) -> QemuResult:
    return run_elf(
        elf, board, args=list(args), timeout_s=timeout_s, cwd=cwd, extra_qemu_args=extra_qemu_args
    )


def uart(result: QemuResult) -> str:
    return "\n".join(result.uart_lines) + f"\n[stderr]\n{result.stderr}"


def line_starting(result: QemuResult, prefix: str) -> str:
    found = [line for line in result.uart_lines if line.startswith(prefix)]
    assert found, f"no UART line starting with {prefix!r}:\n{uart(result)}"
    return found[0]


# -- UART, command line, semihosting, exit -------------------------------------------------------


def test_firmware_prints_its_board_and_command_line_on_the_uart(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    elf = selftest_elfs[board.id]
    r = run(elf, board, "exit", "0")
    assert r.exit_code == 0, uart(r)
    assert r.uart_lines[0] == f"selftest board={board.id} stack_size={board.stack_bytes}"
    assert r.uart_lines[1] == f"cmdline {elf} exit 0"
    assert r.uart_lines[-1] == "done 0"
    assert r.fault is None and not r.timed_out


def test_main_return_value_becomes_the_qemu_exit_status(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    r = run(selftest_elfs[board.id], board, "exit", "42,7")  # comma survives QEMU's syntax
    assert r.uart_lines[1].endswith(" exit 42,7"), uart(r)
    assert (r.exit_code, r.uart_lines[-1]) == (42, "done 42")


def test_firmware_reads_a_host_file_through_semihosting_exactly(
    selftest_elfs: dict[str, Path], board: BoardInfo, tmp_path: Path
) -> None:
    data = np.random.default_rng(20240611).integers(0, 256, size=100_003, dtype=np.uint8)
    (tmp_path / "trace.bin").write_bytes(data.tobytes())
    r = run(selftest_elfs[board.id], board, "file", "trace.bin", cwd=tmp_path)
    assert r.exit_code == 0, uart(r)
    crc = zlib.crc32(data.tobytes())
    assert line_starting(r, "file ") == f"file len=100003 read=100003 crc32=0x{crc:08x}"


def test_a_missing_host_file_is_an_error_not_a_crash(
    selftest_elfs: dict[str, Path], tmp_path: Path
) -> None:
    board = load_board("mps2_an386", ROOT)
    r = run(selftest_elfs[board.id], board, "file", "absent.bin", cwd=tmp_path)
    assert (r.exit_code, line_starting(r, "file ")) == (3, "file error open")


def test_semihosting_write0_reaches_the_host_console(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    r = run(selftest_elfs[board.id], board, "note", "hello")
    assert r.exit_code == 0, uart(r)
    assert "note hello\n" in r.stderr and not any("note" in x for x in r.uart_lines[2:])


def test_bytes_fed_to_the_uart_receiver_do_not_disturb_a_run(
    selftest_elfs: dict[str, Path],
) -> None:
    board = load_board("mps2_an386", ROOT)
    r = run_elf(selftest_elfs[board.id], board, args=["exit", "0"], stdin=b"\x01\x03abc\n")
    assert (r.exit_code, r.uart_lines[-1]) == (0, "done 0")


def test_the_fpu_is_usable_from_main(selftest_elfs: dict[str, Path], board: BoardInfo) -> None:
    r = run(selftest_elfs[board.id], board, "fpu")
    assert r.exit_code == 0, uart(r)
    assert line_starting(r, "fpu ") == "fpu 450"


# -- timer and instruction counting --------------------------------------------------------------


def loop_ticks(result: QemuResult) -> list[int]:
    found = (re.match(r"^loop n=\d+ ticks=(\d+)$", line) for line in result.uart_lines)
    return [int(m[1]) for m in found if m]


def test_the_timer_counts_two_instructions_per_iteration_of_a_known_loop(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    """spin() is `subs; bne` (checked in the disassembly below): 2 instructions per pass."""
    r = run(selftest_elfs[board.id], board, "loop", "1000", "loop", "5000", "loop", "100000")
    assert r.exit_code == 0, uart(r)
    t1k, t5k, t100k = (ticks_to_instructions(t, board, ICOUNT_SHIFT) for t in loop_ticks(r))
    assert t5k - t1k == 2 * 4000  # exact: a tick lasts less than half an instruction
    assert t100k - t1k == 2 * 99000
    overhead = t1k - 2000  # call, return and the two timer reads
    assert 0 < overhead < 40


def test_the_lm3s6965evb_timer_keeps_counting_across_systick_wraps(
    selftest_elfs: dict[str, Path],
) -> None:
    """SysTick is 24 bits: 3e7 passes = 6e7 instructions = 1.9e8 ticks at ICOUNT_SHIFT 8,
    eleven wraps, each counted by a 5-instruction SysTick_Handler."""
    board = load_board("lm3s6965evb", ROOT)
    r = run_elf(selftest_elfs[board.id], board, args=["loop", "1000", "loop", "30000000"])
    short, long = (ticks_to_instructions(t, board, ICOUNT_SHIFT) for t in loop_ticks(r))
    wraps = loop_ticks(r)[1] >> 24
    assert wraps >= 2
    assert (long - 60_000_000) - (short - 2000) == 5 * wraps


def test_a_smaller_icount_shift_counts_with_the_coarser_documented_resolution(
    selftest_elfs: dict[str, Path],
) -> None:
    """shift=2: 4 ns per instruction, one 40 ns tick = 10 instructions on mps2-an386."""
    board = load_board("mps2_an386", ROOT)
    r = run_elf(
        selftest_elfs[board.id], board, args=["loop", "1000", "loop", "5000"], icount_shift=2
    )
    t1k, t5k = (ticks_to_instructions(t, board, 2) for t in loop_ticks(r))
    assert abs((t5k - t1k) - 2 * 4000) <= 10


def test_the_same_firmware_and_input_give_the_same_tick_count(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    runs = [loop_ticks(run(selftest_elfs[board.id], board, "loop", "777")) for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) == 1


def test_the_instruction_count_does_not_depend_on_what_ran_before_the_interval(
    selftest_elfs: dict[str, Path], board: BoardInfo, tmp_path: Path
) -> None:
    """A longer command line (the ELF's path is argv[0]) changes how many instructions ran
    before the interval, so where it starts within a timer tick. At ICOUNT_SHIFT a tick is under
    half an instruction, so the count is the same to the instruction. (At shift 6 a tick was
    0.625-1.25 instructions: the app, whose timer starts before it parses the command line,
    counted 51,512 or 51,513 for the same code depending on the trace file's path.)"""
    assert tick_resolution(board, ICOUNT_SHIFT) < 0.5

    loops = [str(n) for n in range(777, 782)]  # five lengths: every remainder mod 5

    def counts(shift: int) -> list[set[int]]:
        seen: list[set[int]] = [set() for _ in loops]
        for n in range(1, 17):
            elf = tmp_path / ("d" * n) / "fw.elf"
            elf.parent.mkdir(exist_ok=True)
            shutil.copyfile(selftest_elfs[board.id], elf)
            r = run_elf(elf, board, args=[a for n in loops for a in ("loop", n)],
                        icount_shift=shift)
            assert r.exit_code == 0, uart(r)
            for s, t in zip(seen, loop_ticks(r), strict=True):
                s.add(ticks_to_instructions(t, board, shift))
        return seen

    exact = counts(ICOUNT_SHIFT)
    assert all(len(s) == 1 for s in exact), exact
    values = [min(s) for s in exact]
    assert [b - a for a, b in itertools.pairwise(values)] == [2, 2, 2, 2]  # one more spin pass


def executed_pcs(log: Path) -> list[int]:
    """PCs QEMU executed, one per instruction (-singlestep), from a `-d exec,nochain` log.

    A translation block QEMU rewinds to redo an I/O access is logged twice; drop the first.
    """
    lines = log.read_text().splitlines()
    pcs = []
    for i, line in enumerate(lines):
        m = re.match(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/", line)
        if not m:
            continue
        if i + 1 < len(lines) and lines[i + 1].startswith("cpu_io_recompile"):
            continue
        pcs.append(int(m[1], 16))
    return pcs


def symbol_address(elf: Path, name: str) -> int:
    with elf.open("rb") as fp:
        symtab = ELFFile(fp).get_section_by_name(".symtab")
        for sym in symtab.iter_symbols():  # type: ignore[union-attr]
            if sym.name == name:
                return sym["st_value"] & ~1
    raise AssertionError(f"{name} not in {elf}")


def test_timer_ticks_convert_to_the_instructions_qemu_actually_executed(
    selftest_elfs: dict[str, Path], board: BoardInfo, tmp_path: Path
) -> None:
    """Oracle: QEMU's own execution trace, one instruction per block (-singlestep)."""
    elf = selftest_elfs[board.id]
    log = tmp_path / "exec.log"
    r = run(
        elf,
        board,
        "loop",
        "300",
        extra_qemu_args=["-singlestep", "-d", "exec,nochain", "-D", str(log)],
    )
    assert r.exit_code == 0, uart(r)
    (ticks,) = loop_ticks(r)
    pcs = executed_pcs(log)
    entry = symbol_address(elf, "board_timer_ticks")
    calls = [i for i, pc in enumerate(pcs) if pc == entry]
    executed = calls[-1] - calls[-2]  # from one timer read to the next
    assert ticks_to_instructions(ticks, board, ICOUNT_SHIFT) == executed, (ticks, executed)
    spin = symbol_address(elf, "spin")
    assert sum(1 for pc in pcs if pc == spin) == 300  # the loop head ran 300 times


def test_the_calibration_loop_is_two_instructions(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    elf = selftest_elfs[board.id]
    out = subprocess.run(
        ["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(elf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    body = out.split("<spin>:\n", 1)[1].split("\n\n", 1)[0]
    mnemonics = [line.split("\t")[1].split()[0] for line in body.splitlines() if "\t" in line]
    assert mnemonics[:3] == ["subs", "bne.n", "bx"]  # then alignment padding


# -- stack ---------------------------------------------------------------------------------------


def stack_used(result: QemuResult) -> int:
    m = re.match(r"^stack used=(\d+) size=(\d+)$", line_starting(result, "stack "))
    assert m
    return int(m[1])


def test_the_stack_high_water_mark_follows_the_stack_the_firmware_used(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    elf = selftest_elfs[board.id]
    depth = min(4096, board.stack_bytes // 2)  # the micro:bit's stack is 4 KB (16 KB of RAM)
    small = stack_used(run(elf, board, "stack", "0"))
    big = stack_used(run(elf, board, "stack", str(depth)))
    assert 0 < small < 1024
    # depth / 256 more frames of 256 bytes of locals plus saved registers
    assert depth <= big - small <= depth + depth // 256 * 32
    assert big < board.stack_bytes


# -- faults and timeouts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "status", "cfsr_bit"),
    [("div0", "usagefault", 73, "DIVBYZERO"), ("undef", "usagefault", 73, "UNDEFINSTR")],
)
def test_a_deliberate_fault_prints_one_fault_line_and_a_distinct_exit_status(
    selftest_elfs: dict[str, Path],
    board: BoardInfo,
    kind: str,
    name: str,
    status: int,
    cfsr_bit: str,
) -> None:
    r = run(selftest_elfs[board.id], board, "fault", kind)
    if board.cpu in ARMV6M_CPUS:  # no configurable faults, no fault status registers
        if kind == "div0":  # no divide instruction: libgcc's __aeabi_idiv0 returns 0
            assert (r.exit_code, r.fault, r.uart_lines[-1]) == (0, None, "done 0"), uart(r)
            return
        name, status, cfsr_bit = "hardfault", 70, ""
    assert r.exit_code == status, uart(r)
    assert r.fault is not None and r.fault["source"] == "firmware"
    assert r.fault["name"] == name
    assert cfsr_bit in r.fault["cfsr_bits"] if cfsr_bit else r.fault["cfsr"] == 0
    assert sum(1 for line in r.uart_lines if line.startswith("fault ")) == 1
    assert r.uart_lines[-1] == r.fault["line"]  # nothing runs after the fault
    assert r.fault["pc"] != 0  # the stacked frame was readable


@pytest.mark.parametrize("board_id", BUS_ERROR_BOARDS)
def test_a_load_from_an_unmapped_address_is_a_busfault_with_its_address(
    selftest_elfs: dict[str, Path], board_id: str
) -> None:
    board = load_board(board_id, ROOT)
    r = run(selftest_elfs[board_id], board, "fault", "bus")
    assert r.exit_code == 72, uart(r)
    assert r.fault is not None and r.fault["name"] == "busfault"
    assert r.fault["bfar"] == 0xF0000000 and "BFARVALID" in r.fault["cfsr_bits"]


def test_a_stack_overflow_faults_instead_of_overwriting_memory(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    r = run(selftest_elfs[board.id], board, "fault", "overflow")
    assert r.fault is not None and r.fault["source"] == "firmware", uart(r)
    if board.cpu in ARMV8M_CPUS:  # ARMv8-M: the PSPLIM stack limit
        assert (r.exit_code, r.fault["name"], r.fault["cfsr_bits"]) == (73, "usagefault", ["STKOF"])
    elif board.cpu in ARMV6M_CPUS:  # no MPU, no limit: the bus error below RAM (HardFault)
        assert (r.exit_code, r.fault["name"], r.fault["pc"]) == (70, "hardfault", 0)
    else:  # ARMv7-M: the MPU guard below the stack
        assert (r.exit_code, r.fault["name"]) == (71, "memmanage")
        assert "MSTKERR" in r.fault["cfsr_bits"] or "DACCVIOL" in r.fault["cfsr_bits"]
        assert board.ram_origin - 0x10000 <= r.fault["mmfar"] < board.ram_origin


def test_firmware_that_never_exits_is_killed_within_the_timeout(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    start = time.monotonic()
    r = run(selftest_elfs[board.id], board, "hang", timeout_s=1.5)
    elapsed = time.monotonic() - start
    assert r.timed_out and r.exit_code == -1
    assert "hang" in r.uart_lines  # output before the kill is kept
    assert "timed out after 1.5 s" in r.stderr
    assert elapsed < 1.5 + 2.0


# -- the PlatformIO platform ---------------------------------------------------------------------


def test_the_build_writes_elf_bin_hex_and_map_with_the_manifest_memory_map(
    selftest_elfs: dict[str, Path], board: BoardInfo
) -> None:
    elf = selftest_elfs[board.id]
    for suffix in (".bin", ".hex", ".map"):
        assert elf.with_suffix(suffix).is_file()
    sizes = elf_sizes(elf)
    assert elf.with_suffix(".bin").stat().st_size == sizes.flash
    assert sizes.stack_reserved == board.stack_bytes + board.handler_stack_bytes
    with elf.open("rb") as fp:
        f = ELFFile(fp)
        assert f.get_section_by_name(".isr_vector")["sh_addr"] == board.flash_origin
        assert f.get_section_by_name(".stack")["sh_addr"] == board.ram_origin
        assert f.get_section_by_name(".stack")["sh_size"] == board.stack_bytes


def test_elf_sizes_agree_with_arm_none_eabi_size(selftest_elfs: dict[str, Path]) -> None:
    elf = selftest_elfs["mps2_an386"]
    out = subprocess.run(
        ["arm-none-eabi-size", "-A", "-d", str(elf)], capture_output=True, text=True, check=True
    ).stdout
    rows = (line.split() for line in out.splitlines())
    section = {p[0]: int(p[1]) for p in rows if len(p) == 3 and p[1].isdigit()}
    sizes = elf_sizes(elf)
    assert sizes.data == section[".data"] and sizes.bss == section[".bss"]
    assert sizes.flash == sum(section[s] for s in (".isr_vector", ".text", ".rodata", ".data"))
    assert symbol_sizes(elf, "board_fault_")["board_fault_report"] > 0


def test_the_size_target_prints_flash_and_ram_against_the_board_limits(
    selftest_elfs: dict[str, Path], tmp_path: Path
) -> None:
    r = pio_run("lm3s6965evb", tmp_path, "-t", "size")
    assert r.returncode == 0, r.stdout + r.stderr
    sizes = elf_sizes(tmp_path / "lm3s6965evb" / "firmware.elf")
    assert f"(used {sizes.flash} bytes from 262144 bytes)" in r.stdout
    assert f"(used {sizes.ram_total} bytes from 65536 bytes)" in r.stdout
    assert re.search(r"^\s*text\s+data\s+bss", r.stdout, re.MULTILINE)


def test_the_upload_target_runs_the_firmware_in_qemu(tmp_path: Path) -> None:
    require_tools()
    ok = pio_run("mps2_an386", tmp_path, "-t", "upload", "-a", "exit", "-a", "0")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "done 0" in ok.stdout and "QEMU exit status 0" in ok.stdout
    failing = pio_run("mps2_an386", tmp_path, "-t", "upload", "-a", "exit", "-a", "9")
    assert failing.returncode != 0 and "done 9" in failing.stdout


def test_two_builds_in_different_build_dirs_do_not_interfere(tmp_path: Path) -> None:
    require_tools()
    jobs = {
        board: subprocess.Popen(
            [str(pio_executable()), "run", "-e", board, "-d", str(ROOT)],
            env=pio_env(tmp_path / board),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for board in ("mps2_an386", "lm3s6965evb")
    }
    for board, job in jobs.items():
        out, _ = job.communicate(timeout=BUILD_TIMEOUT_S)
        assert job.returncode == 0, out
        r = run_elf(tmp_path / board / board / "firmware.elf", board, args=["exit", "0"])
        assert r.uart_lines[0].startswith(f"selftest board={board} "), uart(r)


def test_generated_and_extra_source_folders_outside_the_repository_are_built(
    tmp_path: Path,
) -> None:
    require_tools()
    generated, extra = tmp_path / "generated", tmp_path / "extra"
    generated.mkdir()
    extra.mkdir()
    (generated / "probe.h").write_text("#include <stdint.h>\nint32_t probe_value(void);\n")
    (generated / "probe.c").write_text(
        '#include "probe.h"\nint32_t probe_value(void) { return PROBE_BASE + 2; }\n'
    )
    (extra / "main.c").write_text(
        '#include "board.h"\n#include "probe.h"\n'
        'int main(void) {\n    board_init();\n    board_uart_puts("probe ");\n'
        '    board_put_i32(probe_value());\n    board_uart_puts("\\n");\n    return 5;\n}\n'
    )
    elf = build_selftest(
        "mps2_an386",
        tmp_path / "build",
        TINYFW_APP="none",
        TINYFW_GENERATED=str(generated),
        TINYFW_EXTRA_SRC=str(extra),
        PLATFORMIO_BUILD_SRC_FILTER="+<board/common/> +<board/$TINYFW_BOARD_FAMILY/>",
        PLATFORMIO_BUILD_FLAGS="-DPROBE_BASE=40",
    )
    r = run_elf(elf, "mps2_an386")
    assert (r.uart_lines, r.exit_code) == (["probe 42"], 5)


def test_a_wrong_app_folder_is_reported_by_name(tmp_path: Path) -> None:
    require_tools()
    r = pio_run("mps2_an386", tmp_path, TINYFW_APP="no/such/app")
    assert r.returncode != 0
    assert "custom_tinyfw_app: 'no/such/app' is not a folder" in r.stdout + r.stderr


def test_a_fresh_checkout_with_an_empty_home_builds_offline(tmp_path: Path) -> None:
    """No ~/.platformio, no .pio: nothing may come from the PlatformIO registry (it would stall
    about 61 s and fail), including a first `pio run -t clean`."""
    require_tools()
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy2(ROOT / "platformio.ini", checkout)
    for folder in ("platform", "boards", "sim", "tinyfw"):
        shutil.copytree(
            ROOT / folder, checkout / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copytree(ROOT / "firmware" / "board", checkout / "firmware" / "board")
    home = tmp_path / "home"
    home.mkdir()
    for target in (["-t", "clean"], []):
        start = time.monotonic()
        r = pio_run("mps2_an386", tmp_path / "build", *target, root=checkout, HOME=str(home))
        assert r.returncode == 0, r.stdout + r.stderr
        assert time.monotonic() - start < 30
    assert not (home / ".platformio").exists()
    elf = tmp_path / "build" / "mps2_an386" / "firmware.elf"
    assert run_elf(elf, "mps2_an386", args=["exit", "0"]).exit_code == 0


def test_a_board_option_in_platformio_ini_overrides_the_manifest_field(tmp_path: Path) -> None:
    """`board_tinyfw.stack_size = ...` in an environment: the builder reads the manifest after
    PlatformIO applied it (linker script and firmware agree); a bad value names the field."""
    require_tools()
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for folder in ("platform", "boards", "sim", "tinyfw"):
        shutil.copytree(ROOT / folder, checkout / folder,
                        ignore=shutil.ignore_patterns("__pycache__"), symlinks=True)
    shutil.copytree(ROOT / "firmware" / "board", checkout / "firmware" / "board")
    ini = (ROOT / "platformio.ini").read_text()
    env = "[env:mps2_an386]\nboard = mps2_an386\n"
    assert env in ini
    (checkout / "platformio.ini").write_text(
        ini.replace(env, env + "board_tinyfw.stack_size = 32768\n"))
    built = pio_run("mps2_an386", tmp_path / "build", root=checkout)
    assert built.returncode == 0, built.stdout + built.stderr
    elf = tmp_path / "build" / "mps2_an386" / "firmware.elf"
    board = load_board("mps2_an386", ROOT)
    r = run(elf, board, "exit", "0")
    assert r.uart_lines[0] == "selftest board=mps2_an386 stack_size=32768", uart(r)
    assert elf_sizes(elf).stack_reserved == 32768 + board.handler_stack_bytes
    (checkout / "platformio.ini").write_text(
        ini.replace(env, env + "board_tinyfw.stack_size = 32766\n"))
    bad = pio_run("mps2_an386", tmp_path / "bad", root=checkout)
    assert bad.returncode != 0
    assert (f"tinyfw: error: {checkout / 'boards' / 'mps2_an386.json'}: tinyfw.stack_size: "
            "32766: use a multiple of 8") in bad.stderr, bad.stdout + bad.stderr
