"""Board manifests, the QEMU command line and the tick conversion (no build, no QEMU run)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from tinyfw.errors import InputError, ToolMissing
from tinyfw.sim.boards import (
    FAMILIES,
    board_from_dict,
    board_from_manifest,
    check_board_id,
    estimate_board,
    list_boards,
    load_board,
    simulated_boards,
)
from tinyfw.sim.qemu import (
    ICOUNT_SHIFT,
    parse_fault,
    qemu_command,
    run_elf,
    split_uart,
    ticks_to_instructions,
)

ROOT = Path(__file__).resolve().parent.parent
BOARDS = ROOT / "boards"
BOARD_IDS = sorted(p.stem for p in BOARDS.glob("*.json"))


def test_every_board_manifest_loads_with_the_fields_the_simulator_needs() -> None:
    boards = {b.id: b for b in list_boards(ROOT)}
    assert sorted(boards) == BOARD_IDS and len(boards) >= 2
    assert [b.id for b in simulated_boards(ROOT)] == [
        i for i in BOARD_IDS if boards[i].qemu_machine is not None]
    for b in boards.values():
        if b.qemu_machine is None:  # real hardware (tests/test_board_disco_l475.py)
            assert not b.semihosting and b.real_hardware
            if b.estimate_on is not None:
                assert estimate_board(b, ROOT).qemu_machine  # type: ignore[union-attr]
            continue
        assert b.qemu_machine and b.semihosting
        assert b.flash_bytes > 0 and b.ram_bytes > b.stack_bytes + b.handler_stack_bytes
        assert b.stack_bytes % 8 == 0 and b.handler_stack_bytes % 8 == 0
        assert (b.float_abi == "soft") == (b.fpu is None)
        assert (ROOT / "firmware" / "board" / b.family).is_dir()
        # a tick under half an instruction at the shift QEMU runs at: exact counts
        assert b.timer.period_ns / 2**ICOUNT_SHIFT < Fraction(1, 2), b.id
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
    for known in BOARD_IDS:
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


def test_every_board_has_a_platformio_environment_of_its_name() -> None:
    import configparser

    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "platformio.ini")
    envs = {s[len("env:"):]: ini[s].get("board") for s in ini.sections() if s.startswith("env:")}
    # `<board>_tflm`: the same board, built with the TFLite Micro backend (README)
    tflm = {e: b for e, b in envs.items() if e.endswith("_tflm")}
    assert {e: b for e, b in envs.items() if e not in tflm} == {i: i for i in BOARD_IDS}
    assert all(e == f"{b}_tflm" and ini[f"env:{e}"].get("custom_tinyfw_backend") == "tflm"
               for e, b in tflm.items())


def test_every_simulated_board_names_a_machine_the_installed_qemu_has() -> None:
    import subprocess

    out = subprocess.run(["qemu-system-arm", "-M", "help"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    machines = {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
    for b in simulated_boards(ROOT):
        assert b.qemu_machine in machines, b.id


def test_every_board_family_has_its_driver_folder_and_implements_its_kinds() -> None:
    for b in list_boards(ROOT):
        family = FAMILIES[b.family]
        assert (ROOT / "firmware" / "board" / b.family).is_dir()
        assert b.uart.kind in family.uarts and b.timer.kind in family.timers, b.id
    assert set(FAMILIES) == {p.name for p in (ROOT / "firmware" / "board").iterdir()
                             if p.is_dir() and p.name not in ("common", "selftest")}


def an386(**changes: object) -> dict:
    """The mps2_an386 manifest with some fields changed ("tinyfw.uart.kind": "pl011")."""
    data = json.loads((BOARDS / "mps2_an386.json").read_text())
    for path, value in changes.items():
        *parents, last = path.split("__")
        d = data
        for key in parents:
            d = d.setdefault(key, {})
        if value is None:
            del d[last]
        else:
            d[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"tinyfw__uart__kind": "pl011"}, "tinyfw.uart.kind", "mps2 drivers"),
        ({"tinyfw__timer__kind": "stm32_tim"}, "tinyfw.timer.kind", "kind cmsdk_timer, systick"),
        ({"tinyfw__family": "esp32"}, "tinyfw.family", "use mps2, nrf, stellaris, stm32f4, stm32l4"),
        ({"tinyfw__sensor": {"kind": "lsm6dsl", "i2c_base": "0x40005800", "i2c_address": 106}},
         "tinyfw.sensor.kind", "implement no sensor"),
        ({"tinyfw__stack_size": 1004}, "tinyfw.stack_size", "multiple of 8"),
        ({"tinyfw__trace_region": {"size": 4194304}}, "tinyfw.trace_region.size", "smaller"),
        ({"tinyfw__estimate_on": "mps2_an500"}, "tinyfw.estimate_on", "without"),
        ({"tinyfw__semihosting": "maybe"}, "tinyfw.semihosting", "true or false"),
        ({"tinyfw__uart__base": "0x140004000"}, "tinyfw.uart.base", "32-bit address"),
        ({"build__float_abi": "double"}, "build.float_abi", "use soft, softfp, hard"),
        ({"build__ldscript": None}, "build.ldscript", "missing"),
        ({"upload__protocol": "jlink"}, "upload.protocol", "use qemu, pyocd, custom"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_manifest_field_that_contradicts_the_schema_is_named_in_one_line(
    changes: dict, field: str, words: str
) -> None:
    path = BOARDS / "mps2_an386.json"
    with pytest.raises(InputError) as err:
        board_from_dict(an386(**changes), path)
    assert (err.value.file, err.value.field) == (str(path), field)
    assert words in err.value.one_line() and "\n" not in str(err.value)


def test_platformio_override_strings_are_read_like_the_manifest_values() -> None:
    """PlatformIO's board_<path> options for a field the manifest lacks arrive as strings."""
    b = board_from_dict(
        an386(tinyfw__semihosting="false", tinyfw__trace_region={"size": "4096"},
              tinyfw__stack_size="0x2000"), BOARDS / "mps2_an386.json")
    assert (b.semihosting, b.trace_region_bytes, b.stack_bytes) == (False, 4096, 8192)


def test_the_builder_inputs_come_from_the_board_info() -> None:
    b = load_board("mps2_an505", ROOT)
    assert b.machine_flags() == ["-mcpu=cortex-m33", "-mthumb", "-mfloat-abi=hard",
                                 "-mfpu=fpv5-sp-d16"]
    assert dict(b.c_defines()) == {
        "TINYFW_BOARD_ID": '"mps2_an505"', "TINYFW_CPU_CLOCK_HZ": "20000000u",
        "F_CPU": "20000000L", "TINYFW_UART_BASE": "0x50200000u",
        "TINYFW_UART_CLOCK_HZ": "20000000u", "TINYFW_UART_BAUD": "115200u",
        "TINYFW_TIMER_BASE": "0x50000000u", "TINYFW_TIMER_CLOCK_HZ": "20000000u",
        "TINYFW_TIMER_INPUT_HZ": "20000000u", "TINYFW_SEMIHOSTING": "1",
        "TINYFW_UART_KIND_CMSDK": "1", "TINYFW_TIMER_KIND_CMSDK_TIMER": "1"}
    ld = b.memory_ld("boards/mps2_an505.json")
    assert "RAM   (rwx) : ORIGIN = 0x38000000, LENGTH = 1048576\n" in ld
    assert "TRACE (rw)  : ORIGIN = 0x38100000, LENGTH = 1048576\n" in ld
    assert "__stack_size = 16384;\n__handler_stack_size = 1024;\n" in ld
    disco = load_board("disco_l475vg_iot01a", ROOT)
    assert ("TINYFW_SENSOR_I2C_ADDRESS", "0x6Au") in disco.c_defines()
    assert ("TINYFW_SENSOR_KIND_LSM6DSL", "1") in disco.c_defines()
    # a prescaled timer: netduinoplus2's TIM2 input (QEMU: 1 GHz) divided to 100 MHz ticks
    nd = dict(load_board("netduinoplus2", ROOT).c_defines())
    assert (nd["TINYFW_TIMER_INPUT_HZ"], nd["TINYFW_TIMER_CLOCK_HZ"]) == ("1000000000u",
                                                                          "100000000u")
    assert "-masm-syntax-unified" in load_board("microbit", ROOT).machine_flags()


@pytest.mark.parametrize("bad", ["", "../pyproject", "mps2 an386", "a" * 65, "x.json", 386])
def test_a_board_id_that_is_not_a_name_is_refused_by_the_one_rule(bad: object) -> None:
    with pytest.raises(InputError) as err:
        check_board_id(bad, file="tinyfw.toml", line=3, field="board.id")
    assert err.value.one_line().startswith("tinyfw.toml:3: board.id: board id ")
    assert check_board_id("mps2_an386") == "mps2_an386"


def test_a_manifest_whose_file_name_is_not_a_board_id_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "mps2-an386.json"
    bad.write_text((BOARDS / "mps2_an386.json").read_text())
    with pytest.raises(InputError) as err:
        board_from_manifest(bad)
    assert err.value.file == str(bad) and "is not a board name" in str(err.value)


def test_estimates_on_a_board_with_another_core_are_refused(tmp_path: Path) -> None:
    disco = json.loads((BOARDS / "disco_l475vg_iot01a.json").read_text())
    disco["tinyfw"]["estimate_on"] = "lm3s6965evb"
    for name in ("lm3s6965evb.json", "mps2_an386.json"):
        (tmp_path / name).write_text((BOARDS / name).read_text())
    (tmp_path / "disco.json").write_text(json.dumps(disco))
    with pytest.raises(InputError) as err:
        estimate_board(load_board("disco", tmp_path), tmp_path)
    assert err.value.field == "tinyfw.estimate_on" and "same core" in str(err.value)
    proxy = estimate_board(load_board("disco_l475vg_iot01a"), ROOT)
    assert proxy is not None and proxy.id == "mps2_an386"
