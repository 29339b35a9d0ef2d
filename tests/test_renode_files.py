"""Renode files: what a Renode user runs shows what the firmware prints.

Renode itself is not installed here, so the generated .robot suite runs unchanged under Robot
Framework with `QemuRenode` below standing in for Renode's keywords: it follows the scripts
(`$elf`, `$trace`, `sysbus LoadBinary <address>`), runs the firmware in QEMU with the trace blob
preloaded at that address, and matches `Wait For Line On Uart` the way Renode's terminal
tester does (a line containing the text, UART bytes read as ISO-8859-1, lines consumed in
order, failing strings). Robot Framework's own parser therefore checks the escaping of every
recording and class name, and QEMU checks every expectation.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

try:
    import robot
    from robot.api import ExecutionResult, SuiteVisitor
except ImportError as exc:  # fail loudly, never skip
    raise ImportError(
        "Robot Framework runs the generated .robot suites here: "
        "`.venv/bin/pip install robotframework==7.5` (requirements.txt)"
    ) from exc

from tinyfw.config import load_config
from tinyfw.errors import InputError
from tinyfw.model.data import load_dataset
from tinyfw.model.split import split_recordings
from tinyfw.paths import BENCH_MODEL, ROOT
from tinyfw.project import generate_project
from tinyfw.sim.boards import load_board
from tinyfw.sim.build import build_firmware
from tinyfw.sim.preload import read_blob, run_preloaded, trace_region
from tinyfw.sim.renode import (
    check_generated,
    platform_context,
    robot_text,
    robot_uart,
    write_renode,
)

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

BOARD = "mps2_an386"
TESTS = Path(__file__).resolve().parent


class QemuRenode:
    """The Renode keywords the generated suite uses, played on QEMU (see the module doc)."""

    ROBOT_LIBRARY_SCOPE = "TEST"  # a fresh machine per test, like Renode's Reset Emulation

    def __init__(self, board: str) -> None:
        self.board = board
        self.vars: dict[str, Path] = {}
        self.failing: list[tuple[str, bool]] = []
        self.load_address: int | None = None
        self.vector_table: int | None = None
        self.lines: list[str] = []
        self.pos = 0

    def execute_command(self, command: str) -> None:
        m = re.fullmatch(r"\$(\w+)=@(\S+)", command)
        assert m, f"unexpected command {command!r}"
        self.vars[m.group(1)] = Path(m.group(2))

    def execute_script(self, path: str) -> None:
        script = Path(path)
        text = script.read_text(encoding="utf-8")
        origin = script.parent
        for rel in re.findall(r"\$ORIGIN/(\S+)", text):
            assert (origin / rel).is_file(), f"{script.name} names {rel}, which does not exist"
        for name, rel in re.findall(r"^\$(\w+)\?=\$ORIGIN/(\S+)$", text, re.MULTILINE):
            self.vars.setdefault(name, origin / rel)
        assert "    sysbus LoadELF $elf\n" in text
        self.load_address = int(re.search(r"sysbus LoadBinary \$trace (0x\w+)", text).group(1), 16)
        self.vector_table = int(re.search(r"cpu VectorTableOffset (0x\w+)", text).group(1), 16)

    def create_terminal_tester(self, uart: str, timeout: float | None = None,
                               defaultPauseEmulation: bool = False) -> None:
        assert uart == "sysbus.uart0"

    def register_failing_uart_string(self, pattern: str, treatAsRegex: bool = False) -> None:
        self.failing.append((pattern, treatAsRegex))

    def start_emulation(self) -> None:
        elf, blob = self.vars["elf"], self.vars["trace"]
        assert self.load_address == trace_region(elf).start, "LoadBinary misses the TRACE region"
        assert self.vector_table == load_board(self.board).flash_origin
        r = run_preloaded(elf, self.board, blob, timeout_s=30)
        assert not r.timed_out
        self.lines = [ln.removesuffix("\r") for ln in r.raw_uart.decode("latin-1").split("\n")]

    def wait_for_line_on_uart(self, content: str, timeout: float | None = None,
                              treatAsRegex: bool = False) -> str:
        assert not treatAsRegex
        for i in range(self.pos, len(self.lines)):
            line = self.lines[i]
            for pattern, regex in self.failing:
                if re.search(pattern, line) if regex else pattern in line:
                    raise AssertionError(f"failing string on the UART: {line!r}")
            if content in line:
                self.pos = i + 1
                return line
        raise AssertionError(f"no line containing {content!r}; UART: {self.lines[self.pos:]}")


class _UseQemuRenode(SuiteVisitor):
    def __init__(self, board: str) -> None:
        self.board = board

    def start_suite(self, suite) -> None:
        suite.resource.imports.library(f"{Path(__file__).stem}.QemuRenode", args=(self.board,))


def run_robot(
    robot_file: Path, board: str, only: str | None = None
) -> tuple[int, str, list[robot.result.TestCase]]:
    """(failed tests, console output, executed tests) of the suite run with QemuRenode;
    `only`: the name of the one test to run."""
    out = io.StringIO()
    xml = robot_file.with_suffix(".output.xml")
    options = {"test": [only]} if only else {}
    failed = robot.run(
        str(robot_file), prerunmodifier=_UseQemuRenode(board), pythonpath=[str(TESTS)],
        output=str(xml), report="NONE", log="NONE", console="verbose", stdout=out, stderr=out,
        **options,
    )
    tests = list(ExecutionResult(str(xml)).suite.all_tests)
    xml.unlink()
    return failed, out.getvalue(), tests


@pytest.fixture(scope="module")
def firmware(bench_firmware):
    """(ELF, generated folder): the app with the benchmark model, shared with the preload tests."""
    return bench_firmware(BOARD)


@pytest.fixture(scope="module")
def test_recordings(cfg):
    return split_recordings(load_dataset(cfg.data_dir(), cfg), cfg.split).test


@pytest.fixture(scope="module")
def written(cfg, firmware, test_recordings, tmp_path_factory):
    elf, gen = firmware
    out = tmp_path_factory.mktemp("renode") / BOARD
    return write_renode(cfg, BOARD, test_recordings, out, elf=elf, gen_dir=gen)


def test_the_robot_suite_expects_exactly_what_the_firmware_prints_under_qemu(written):
    failed, console, _ = run_robot(written.out_dir / f"{BOARD}.robot", BOARD)
    assert failed == 0, console
    assert f"{len(written.cases)} tests, {len(written.cases)} passed, 0 failed" in console


def test_every_change_line_the_firmware_prints_is_one_the_robot_test_waits_for(written):
    """Renode's `Wait For Line On Uart` skips lines; this makes extra changes visible too."""
    elf = written.out_dir / "firmware.elf"
    for case in written.cases[:6]:
        r = run_preloaded(elf, BOARD, written.out_dir / "traces" / case.blob, timeout_s=30)
        printed = [ln for ln in r.uart_lines if ln.startswith(("change ", "win ", "warn "))]
        expected = [ln for ln in case.lines if ln.startswith("change ")]
        assert [ln for ln in printed if ln.startswith("change ")] == expected, case.recording
        last_win = [ln for ln in printed if ln.startswith("win ")][-1]
        assert last_win in case.lines
        assert r.exit_code == 0


def test_a_robot_test_fails_when_the_firmware_prints_something_else(written, tmp_path):
    robot_file = tmp_path / "wrong.robot"
    shutil.copytree(written.out_dir, tmp_path, dirs_exist_ok=True)
    text = (written.out_dir / f"{BOARD}.robot").read_text(encoding="utf-8")
    first_change = re.search(r"Wait For Line On Uart    (change \d+ )(\d)", text)
    wrong = str((int(first_change.group(2)) + 1) % 3)
    robot_file.write_text(text[: first_change.start(2)] + wrong + text[first_change.end(2) :],
                          encoding="utf-8")
    failed, console, tests = run_robot(robot_file, BOARD, only=written.cases[0].name)
    assert failed == 1 and len(tests) == 1, console


def test_the_scripts_load_the_elf_and_the_blobs_at_the_addresses_of_the_build(written, cfg):
    out, info = written.out_dir, load_board(BOARD)
    elf = out / "firmware.elf"
    region = trace_region(elf)
    machine = (out / f"{BOARD}_machine.resc").read_text()
    assert f"sysbus LoadBinary $trace 0x{region.start:08X}\n" in machine
    assert f"machine LoadPlatformDescription $ORIGIN/{BOARD}.repl\n" in machine
    assert f"i $ORIGIN/{BOARD}_machine.resc\n" in (out / f"{BOARD}.resc").read_text()
    repl = (out / f"{BOARD}.repl").read_text()
    assert f"flash: Memory.MappedMemory @ sysbus 0x{info.flash_origin:08X}\n    size: 0x400000" in repl
    assert f"ram: Memory.MappedMemory @ sysbus 0x{info.ram_origin:08X}\n    size: 0x400000" in repl
    assert "uart0: UART.CMSDK_APB_UART @ sysbus 0x40004000\n    frequency: 25000000" in repl
    assert "timer0: Timers.Arm_CMSDK_Timer @ sysbus 0x40000000\n    frequency: 25000000" in repl
    assert 'cpuType: "cortex-m4f"' in repl
    # every blob the suite names exists, holds its recording, and nothing else is there
    robot_text_ = (out / f"{BOARD}.robot").read_text()
    named = re.findall(r"Create Machine With Trace    (\S+)", robot_text_)
    assert sorted(named) == sorted(p.name for p in (out / "traces").iterdir())
    recs = {r.name: r for r in load_dataset(cfg.data_dir(), cfg)}
    for case in written.cases:
        samples = read_blob((out / "traces" / case.blob).read_bytes())
        assert np.array_equal(samples, recs[case.recording].samples)


def test_the_same_inputs_give_the_same_bytes_and_a_rewrite_changes_nothing(
    cfg, firmware, test_recordings, written, tmp_path
):
    elf, gen = firmware
    again = write_renode(cfg, BOARD, test_recordings, tmp_path / "again", elf=elf, gen_dir=gen)
    names = sorted(p.relative_to(written.out_dir) for p in written.out_dir.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again.out_dir) for p in again.out_dir.rglob("*")
                           if p.is_file())
    for name in names:
        assert (written.out_dir / name).read_bytes() == (again.out_dir / name).read_bytes(), name
    # fewer recordings into the same folder: the old blobs go, the rest is rewritten
    fewer = write_renode(cfg, BOARD, test_recordings[:2], again.out_dir, elf=elf, gen_dir=gen)
    assert len(list((again.out_dir / "traces").iterdir())) == 2 == len(fewer.cases)


def test_the_generated_files_carry_the_banner_and_hand_edits_are_detected(written):
    for name in (f"{BOARD}.repl", f"{BOARD}.resc", f"{BOARD}_machine.resc", f"{BOARD}.robot"):
        text = (written.out_dir / name).read_text()
        assert "Generated by tinyfw" in text.splitlines()[0]
        assert check_generated(text) is None, name
        assert check_generated(text + "start\n") is not None, name


ODD_CLASSES = [" sit  still #1", "walk ${x}=2 \\ @{y}", "rünning %{z} &{w} *** x"]
ODD_FILES = ["a  b #1 ${HOME}", "trailing ", "ü=ß \\t"]


def test_unusual_class_and_recording_names_reach_the_robot_suite_intact(tmp_path):
    """Labels and file names are data: spaces, #, ${...}, =, backslashes and UTF-8 pass through
    Robot Framework's parser and match the bytes the firmware prints."""
    project = ROOT / "tinyfw.toml"
    data = tmp_path / "data"
    source_cfg = load_config(project)
    source = load_dataset(source_cfg.data_dir(), source_cfg)
    for i, cls in enumerate(ODD_CLASSES):
        (data / cls).mkdir(parents=True)
        rec = next(r for r in source if r.label == i)
        shutil.copy(rec.path, data / cls / f"{ODD_FILES[i]}_26Hz_4g_mg.csv")
    text = project.read_text(encoding="utf-8")
    classes = "classes = [" + ", ".join(map(_toml, ODD_CLASSES)) + "]"
    text = re.sub(r"(?m)^dir = .*$", lambda _: f"dir = {_toml(str(data))}", text)
    text = re.sub(r"(?m)^classes = .*$", lambda _: classes, text)
    (tmp_path / "tinyfw.toml").write_text(text, encoding="utf-8")
    cfg = load_config(tmp_path / "tinyfw.toml")
    assert list(cfg.data.classes) == ODD_CLASSES
    generate_project(cfg, BENCH_MODEL, tmp_path / "gen")
    res = build_firmware(ROOT, BOARD, generated=tmp_path / "gen", build_dir=tmp_path / "pio")
    recs = load_dataset(data, cfg)
    files = write_renode(cfg, BOARD, recs, tmp_path / "renode", elf=res.elf, gen_dir=tmp_path / "gen")
    failed, console, tests = run_robot(files.out_dir / f"{BOARD}.robot", BOARD)
    assert failed == 0, console
    # the names Robot Framework reads are the labels and file names, white space collapsed
    expected = []
    for case, rec in zip(files.cases, recs):
        label = " ".join(ODD_CLASSES[case.final_activity].split())
        expected.append(f"Should Report {label[0].upper()}{label[1:]} In "
                        + " ".join(rec.path.stem.split()))
    assert [t.name for t in tests] == expected
    assert [list(t.tags) for t in tests] == [[" ".join(c.split())] for c in ODD_CLASSES]


def _toml(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


NASTY = ["timeout=5", "  lead", "trail  ", "a  b", "#x", "${x}", "@{y}", "&{z}", "%{ENV}", "\\n",
         "a\\b", "ü€", "", "x=y=z", "=", " "]


def test_robot_cells_read_back_as_the_uart_bytes_through_robot_framework(tmp_path):
    lib = tmp_path / "echo_lib.py"
    lib.write_text("got = []\ndef echo(content, timeout=None):\n    got.append(content)\n")
    body = "".join(f"    Echo    {robot_uart(s)}\n" for s in NASTY)
    name = robot_text(" odd   name #1 ${x} =y ")
    (tmp_path / "s.robot").write_text(f"*** Test Cases ***\n{name}\n{body}", encoding="utf-8")

    class UseEcho(SuiteVisitor):
        def start_suite(self, suite) -> None:
            suite.resource.imports.library("echo_lib")

    out = io.StringIO()
    failed = robot.run(str(tmp_path / "s.robot"), prerunmodifier=UseEcho(),
                       pythonpath=[str(tmp_path)], output="NONE", report="NONE", log="NONE",
                       stdout=out, stderr=out)
    assert failed == 0, out.getvalue()
    import echo_lib  # imported by Robot Framework from tmp_path

    assert echo_lib.got == [s.encode("utf-8").decode("latin-1") for s in NASTY]
    assert "odd name \\#1 \\${x} =y" == name


def test_boards_renode_cannot_model_are_refused_naming_the_field(tmp_path):
    info = load_board("mps2_an386")
    assert "timer0" not in str(platform_context(info, timer=False)["peripherals"])
    lm3s = platform_context(load_board("lm3s6965evb"))
    assert [p.type for p in lm3s["peripherals"]] == ["UART.PL011"]  # SysTick is in the NVIC
    assert lm3s["systick_hz"] == 12_500_000 and lm3s["cpu_type"] == "cortex-m3"
    odd = tmp_path / "odd.json"
    odd.write_text(info.manifest.read_text().replace('"kind": "cmsdk"', '"kind": "usart"'))
    with pytest.raises(InputError) as err:
        platform_context(load_board("odd", tmp_path))
    assert "tinyfw.uart.kind" in err.value.one_line()
