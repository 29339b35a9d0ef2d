"""Board manifests, the QEMU command line and the tick conversion (no build, no QEMU run)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from tinyfw.errors import InputError, ToolMissing
from tinyfw.sim.boards import list_boards, load_board
from tinyfw.sim.qemu import parse_fault, qemu_command, run_elf, split_uart, ticks_to_instructions

ROOT = Path(__file__).resolve().parent.parent
BOARDS = ROOT / "boards"
EXPECTED_BOARDS = {"mps2_an386", "mps2_an500", "lm3s6965evb", "mps2_an505"}
REAL_BOARDS = {"disco_l475vg_iot01a"}  # not simulated (tests/test_board_disco_l475.py)


def test_every_board_manifest_loads_with_the_fields_the_simulator_needs() -> None:
    boards = {b.id: b for b in list_boards(ROOT)}
    assert set(boards) == EXPECTED_BOARDS | REAL_BOARDS
    for b in boards.values():
        if b.id in REAL_BOARDS:
            assert b.qemu_machine is None and not b.semihosting and b.real_hardware
            continue
        assert b.qemu_machine and b.semihosting
        assert b.flash_bytes > 0 and b.ram_bytes > b.stack_bytes + b.handler_stack_bytes
        assert b.stack_bytes % 8 == 0 and b.handler_stack_bytes % 8 == 0
        assert (b.float_abi == "soft") == (b.fpu is None)
        assert (ROOT / "firmware" / "board" / b.family).is_dir()
        # whole nanoseconds per tick keep the instruction conversion exact
        assert b.timer.period_ns.denominator == 1
        assert b.real_hardware


def test_the_default_board_is_the_cortex_m4f_mps2_an386() -> None:
    b = load_board("mps2_an386", BOARDS)
    assert (b.cpu, b.float_abi, b.fpu, b.qemu_machine) == (
        "cortex-m4",
        "hard",
        "fpv4-sp-d16",
        "mps2-an386",
    )
    assert (b.uart.kind, b.uart.base, b.timer.base, b.timer.clock_hz) == (
        "cmsdk",
        0x40004000,
        0x40000000,
        25_000_000,
    )


def test_lm3s6965evb_is_a_soft_float_cortex_m3_with_256k_flash_and_64k_ram() -> None:
    b = load_board("lm3s6965evb", ROOT)
    assert (b.cpu, b.float_abi, b.flash_bytes, b.ram_bytes) == (
        "cortex-m3",
        "soft",
        256 * 1024,
        64 * 1024,
    )
    assert (b.uart.kind, b.uart.base, b.timer.kind) == ("pl011", 0x4000C000, "systick")


def test_an_unknown_board_names_the_boards_folder_and_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as err:
        load_board("esp32", BOARDS)
    message = err.value.one_line()
    assert str(BOARDS) in message
    for known in EXPECTED_BOARDS:
        assert known in message


def test_a_board_id_cannot_point_outside_the_boards_folder() -> None:
    with pytest.raises(InputError):
        load_board("../pyproject", BOARDS)


def test_a_manifest_with_a_bad_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    data = json.loads((BOARDS / "mps2_an386.json").read_text())
    data["tinyfw"]["timer"]["clock_hz"] = "fast"
    (tmp_path / "broken.json").write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        load_board("broken", tmp_path)
    assert err.value.field == "tinyfw.timer.clock_hz"
    assert err.value.file == str(tmp_path / "broken.json")


def test_ticks_convert_to_instructions_with_the_manifest_timer_clock() -> None:
    # mps2 at 25 MHz: 40 ns per tick; -icount shift=6: 64 ns per instruction
    assert ticks_to_instructions(64, "mps2_an386", 6) == 40
    assert ticks_to_instructions(3214, "mps2_an386", 6) == 2009  # 2008.75
    assert ticks_to_instructions(1, "mps2_an386", 0) == 40
    # lm3s6965evb at 12.5 MHz: 80 ns per tick
    assert ticks_to_instructions(4, "lm3s6965evb", 6) == 5
    # mps2-an505 at 20 MHz: 50 ns per tick
    assert ticks_to_instructions(128, "mps2_an505", 6) == 100
    assert ticks_to_instructions(0, "mps2_an500", 6) == 0


def test_the_qemu_command_passes_argv_through_semihosting_and_counts_instructions() -> None:
    cmd = qemu_command(Path("/fw/app.elf"), "mps2_an386", ["trace,1.bin", "x"], icount_shift=6)
    assert cmd[:3] == ["qemu-system-arm", "-M", "mps2-an386"]
    assert "-serial" in cmd and cmd[cmd.index("-serial") + 1] == "stdio"
    assert cmd[cmd.index("-monitor") + 1] == "none"
    semi = cmd[cmd.index("-semihosting-config") + 1]
    assert semi == "enable=on,target=native,arg=/fw/app.elf,arg=trace,,1.bin,arg=x"
    assert cmd[cmd.index("-icount") + 1] == "shift=6,sleep=off"
    assert cmd[-2:] == ["-kernel", "/fw/app.elf"]


def test_an_argument_with_a_space_is_refused_because_the_firmware_could_not_split_it() -> None:
    with pytest.raises(InputError):
        qemu_command(Path("fw.elf"), "mps2_an386", ["two words"])


def test_a_missing_qemu_is_reported_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elf = tmp_path / "fw.elf"
    elf.write_bytes(b"\x7fELF")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissing) as err:
        run_elf(elf, "mps2_an386")
    assert "apt-get install -y qemu-system-arm" in str(err.value)


def test_uart_output_is_split_into_lines_without_carriage_returns() -> None:
    assert split_uart(b"a\r\nb\nc") == ["a", "b", "c"]
    assert split_uart(b"one\n") == ["one"]
    assert split_uart(b"") == []


def test_a_fault_line_is_parsed_into_registers_and_decoded_bits() -> None:
    line = (
        "fault usagefault cfsr=0x02000000 hfsr=0x00000000 mmfar=0x00000000 "
        "bfar=0x00000000 pc=0x00000a94 lr=0x0000097b psr=0x21000000"
    )
    fault = parse_fault(["boot", line])
    assert fault is not None
    assert (fault["name"], fault["pc"], fault["cfsr_bits"], fault["exit_status"]) == (
        "usagefault",
        0xA94,
        ["DIVBYZERO"],
        73,
    )


def test_a_qemu_lockup_is_reported_as_a_fault() -> None:
    stderr = (
        "qemu: fatal: Lockup: can't escalate 3 to HardFault (current priority -1)\n\nR15=00000290\n"
    )
    fault = parse_fault([], stderr)
    assert fault is not None and fault["name"] == "lockup" and fault["pc"] == 0x290


def test_the_timer_period_is_exact() -> None:
    assert load_board("mps2_an386").timer.period_ns == Fraction(40)
