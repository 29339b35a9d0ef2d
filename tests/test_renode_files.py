"""Renode files: what a Renode user runs shows what the firmware prints.

Renode itself is not installed here, so the generated .robot suite runs unchanged under plain
Robot Framework: its `Resource ${RENODEKEYWORDS}` falls back to the generated
qemu-keywords.resource, whose library (tinyfw.sim.renode_qemu) plays Renode's keywords on QEMU:
it follows the scripts (`$elf`, `$trace`, `sysbus LoadBinary <address>`), maps the .repl to the
simulated board it describes, runs the firmware in QEMU with the trace blob preloaded at that
address, and matches `Wait For Line On Uart` the way Renode's terminal tester does. Robot
Framework's own parser therefore checks the escaping of every recording and class name, and
QEMU checks every expectation.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
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

from tinyfw import procs
from tinyfw.config import load_config
from tinyfw.errors import InputError
from tinyfw.model.data import load_dataset
from tinyfw.model.split import split_recordings
from tinyfw.paths import BENCH_MODEL, ROOT
from tinyfw.project import generate_project
from tinyfw.sim.boards import load_board, simulated_boards
from tinyfw.sim.build import build_firmware
from tinyfw.sim.preload import read_blob, run_preloaded, trace_region
from tinyfw.sim.renode import (
    RENODE_MODELS,
    RENODE_TARGETS,
    _environment,
    check_generated,
    platform_context,
    robot_text,
    robot_uart,
    uart_regex,
    write_renode,
)
from tinyfw.sim.renode_qemu import (
    MonitorError,
    RenodeQemu,
    board_for_platform,
    parse_repl,
    tokenize,
)

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

BOARD = "mps2_an386"


def run_robot(robot_file: Path, only: str | None = None) -> tuple[int, str, list]:
    """(failed tests, console output, executed tests) of the suite run by Robot Framework as
    it is (no modifier, no extra library); `only`: the name of the one test to run."""
    out = io.StringIO()
    xml = robot_file.with_suffix(".output.xml")
    options = {"test": [only]} if only else {}
    failed = robot.run(
        str(robot_file), output=str(xml), report="NONE", log="NONE", console="verbose",
        stdout=out, stderr=out, **options,
    )
    tests = list(ExecutionResult(str(xml)).suite.all_tests)
    xml.unlink()
    return failed, out.getvalue(), tests


@pytest.fixture(scope="module")
def firmware(project_firmware):
    """(ELF, generated folder): the demo firmware (the project's model), shared with the
    end-to-end tests."""
    _, gen, result = project_firmware
    return result.elf, gen


@pytest.fixture(scope="module")
def test_recordings(cfg):
    return split_recordings(load_dataset(cfg.data_dir(), cfg), cfg.split).test


@pytest.fixture(scope="module")
def written(cfg, firmware, test_recordings, tmp_path_factory):
    elf, gen = firmware
    out = tmp_path_factory.mktemp("renode") / BOARD
    return write_renode(cfg, BOARD, test_recordings, out, elf=elf, gen_dir=gen)


def test_robot_runs_the_generated_suite_unchanged_and_every_test_passes_under_qemu(written):
    """The `robot` command, as a user runs it, with nothing but the file: the suite's
    ${RENODEKEYWORDS} falls back to the generated qemu-keywords.resource."""
    robot_file = written.out_dir / f"{BOARD}.robot"
    done = procs.run(
        [str(Path(sys.executable).parent / "robot"), "--output", "NONE", "--report", "NONE",
         "--log", "NONE", str(robot_file)],
        timeout_s=300, cwd=written.out_dir.parent,
    )
    console = (done.stdout + done.stderr).decode("utf-8", "replace")
    n = len(written.cases)
    assert done.returncode == 0, console
    assert f"{n} tests, {n} passed, 0 failed" in console


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


def _edited_suite(written, tmp_path: Path, edit) -> Path:
    """A copy of the written folder whose .robot has its first `change` expectation edited."""
    shutil.copytree(written.out_dir, tmp_path, dirs_exist_ok=True)
    text = (written.out_dir / f"{BOARD}.robot").read_text(encoding="utf-8")
    m = re.search(r"Wait For Line On Uart    \^(change \d+ \d+ \w+)\\\$", text)
    assert m, "no change expectation in the suite"
    robot_file = tmp_path / "edited.robot"
    robot_file.write_text(text[: m.start(1)] + edit(m.group(1)) + text[m.end(1):],
                          encoding="utf-8")
    return robot_file


def test_a_robot_test_fails_when_the_firmware_prints_another_activity(written, tmp_path):
    def other_activity(line: str) -> str:
        word, index, act, label = line.split(" ")
        return f"{word} {index} {(int(act) + 1) % 3} {label}"

    failed, console, tests = run_robot(_edited_suite(written, tmp_path, other_activity),
                                       only=written.cases[0].name)
    assert failed == 1 and len(tests) == 1, console
    assert "not found" in tests[0].message


def test_a_line_that_is_only_part_of_a_printed_line_does_not_match(written, tmp_path):
    """`change 1 0` must not match `change 11 0`: the expectations are anchored regexes.
    Dropping the first character leaves a substring of the printed line, which Renode's
    plain `Wait For Line On Uart` would accept."""
    failed, console, tests = run_robot(_edited_suite(written, tmp_path, lambda ln: ln[1:]),
                                       only=written.cases[0].name)
    assert failed == 1 and len(tests) == 1, console
    line = written.cases[0].lines[1]
    assert re.search(uart_regex(line), line) and not re.search(uart_regex(line[1:]), line)
    assert re.search(uart_regex("change 1 0"), "change 11 0") is None


def test_a_registered_failing_string_on_the_uart_fails_the_test_that_waits_past_it(
    written, tmp_path
):
    """As in Renode: a line matching a failing string, seen before the awaited line, fails the
    wait. Here `change` lines are made failing: the boot line still matches, then the test
    fails on the first change."""
    shutil.copytree(written.out_dir, tmp_path, dirs_exist_ok=True)
    text = (written.out_dir / f"{BOARD}.robot").read_text(encoding="utf-8")
    assert text.count("^(fault|warn) .*") == 1
    robot_file = tmp_path / "failing.robot"
    robot_file.write_text(text.replace("^(fault|warn) .*", "^(fault|warn|change) .*"),
                          encoding="utf-8")
    failed, console, tests = run_robot(robot_file, only=written.cases[0].name)
    assert failed == 1 and len(tests) == 1, console
    assert "Failing string" in tests[0].message and "change" in tests[0].message


def test_the_scripts_load_the_elf_and_the_blobs_at_the_addresses_of_the_build(written, cfg):
    out, info = written.out_dir, load_board(BOARD)
    elf = out / "firmware.elf"
    region = trace_region(elf)
    machine = (out / f"{BOARD}_machine.resc").read_text()
    assert f"sysbus LoadBinary $trace 0x{region.start:08X}\n" in machine
    assert f"machine LoadPlatformDescription $ORIGIN/{BOARD}.repl\n" in machine
    assert "FilterCcrDiv0Write" not in machine  # not in Renode 1.16.1
    assert f"i $ORIGIN/{BOARD}_machine.resc\n" in (out / f"{BOARD}.resc").read_text()
    repl = parse_repl((out / f"{BOARD}.repl").read_text())
    assert (repl["flash"].address, repl["flash"].props) == (info.flash_origin, {"size": "0x400000"})
    assert (repl["ram"].address, repl["ram"].props) == (info.ram_origin, {"size": "0x400000"})
    assert repl["uart0"].type == "UART.CMSDK_APB_UART" and repl["uart0"].address == 0x40004000
    assert repl["uart0"].irqs == ["RxInterrupt -> nvic@0", "TxInterrupt -> nvic@1"]
    assert repl["nvic"].props["priorityMask"] == "0xE0"
    assert repl["cpu"].props["cpuType"] == "cortex-m4f"
    assert repl["dwt"].address == 0xE0001000 and repl["dwt"].props == {"frequency": "25000000"}
    assert repl["sysbus"].init == ['Tag <0x40000000 0x1000> "TIMER0"']  # no timer model in 1.16.1
    assert "timer0" not in repl
    # every blob the suite names exists, holds its recording, and nothing else is there
    robot_text_ = (out / f"{BOARD}.robot").read_text()
    named = re.findall(r"Create Machine With Trace    (\S+)", robot_text_)
    assert sorted(named) == sorted(p.name for p in (out / "traces").iterdir())
    recs = {r.name: r for r in load_dataset(cfg.data_dir(), cfg)}
    for case in written.cases:
        samples = read_blob((out / "traces" / case.blob).read_bytes())
        assert np.array_equal(samples, recs[case.recording].samples)


def test_the_nightly_files_add_the_cmsdk_timer_and_let_the_division_trap_through(
    cfg, firmware, test_recordings, tmp_path
):
    elf, gen = firmware
    files = write_renode(cfg, BOARD, test_recordings[:1], tmp_path / "n", elf=elf, gen_dir=gen,
                         target="nightly")
    repl = parse_repl((files.out_dir / f"{BOARD}.repl").read_text())
    assert repl["timer0"].type == "Timers.Arm_CMSDK_Timer"
    assert (repl["timer0"].address, repl["timer0"].irqs) == (0x40000000, ["-> nvic@8"])
    assert "sysbus" not in repl
    machine = (files.out_dir / f"{BOARD}_machine.resc").read_text()
    assert "\nnvic FilterCcrDiv0Write false\n" in machine
    for name in (f"{BOARD}.repl", f"{BOARD}.resc", f"{BOARD}_machine.resc", f"{BOARD}.robot"):
        assert "Renode 1.16.1 does not load it" in (files.out_dir / name).read_text(), name
    failed, console, _ = run_robot(files.out_dir / f"{BOARD}.robot")
    assert failed == 0, console


@pytest.mark.parametrize("target", sorted(RENODE_TARGETS))
def test_every_board_platform_uses_only_models_checked_in_its_renode_and_maps_back_to_it(target):
    """The QEMU stand-in reads each platform back to the board it was written for, and every
    peripheral type and property is one read in that Renode's sources (RENODE_MODELS)."""
    env = _environment()
    boards = []
    for info in simulated_boards():
        try:
            ctx = platform_context(info, target)
        except InputError:
            continue  # refused with a field (test below)
        ctx.update(trace_start=info.ram_origin, trace_size=4096)
        text = env.get_template("platform.repl.j2").render(**ctx)
        assert text.startswith(f"/* Loads in {RENODE_TARGETS[target].needs}.")
        repl = parse_repl(text)
        for entry in repl.values():
            if entry.name == "sysbus":
                continue
            models = RENODE_MODELS[target]
            assert entry.type in models, (info.id, entry.type)
            assert set(entry.props) <= models[entry.type], (info.id, entry.name, entry.props)
        assert board_for_platform(repl).id == info.id
        boards.append(info.id)
    assert {"mps2_an386", "mps2_an500", "mps2_an505", "lm3s6965evb", "mps2_an385"} <= set(boards)
    lm3s = parse_repl(env.get_template("platform.repl.j2").render(
        **platform_context(load_board("lm3s6965evb"), target), trace_start=0, trace_size=0))
    assert lm3s["uart0"].irqs == ["-> nvic@5"]
    assert {'Tag <0x400FE000 0x1000> "SYSCTL"', 'Tag <0x40004000 0x1000> "GPIOA"'} <= set(
        lm3s["sysbus"].init)


def test_the_monitor_reads_escaped_paths_and_origin_with_spaces_and_refuses_the_unknown(tmp_path):
    folder = tmp_path / "a dir with spaces"
    folder.mkdir()
    (folder / "x.tfwt").write_bytes(b"")
    origin = {"ORIGIN": tokenize("@" + str(folder).replace(" ", "\\ "), {})[0]}
    (path,) = tokenize("$ORIGIN/x.tfwt", origin)
    assert path.value == str(folder / "x.tfwt")
    var, eq, value = tokenize("$trace=@" + str(folder).replace(" ", "\\ ") + "/x.tfwt", {})
    assert (var.text, eq.kind, value.value) == ("$trace", "eq", str(folder / "x.tfwt"))
    lib = RenodeQemu()
    with pytest.raises(MonitorError, match="no machine"):
        lib.execute_command("sysbus LoadELF @/nonexistent")
    lib.execute_command("mach create")
    with pytest.raises(MonitorError, match="no platform"):
        lib.execute_command("cpu PerformanceInMips 25")
    with pytest.raises(MonitorError, match="No such macro: reset"):
        lib.execute_command("runMacro $reset")
    repl = folder / "p.repl"
    repl.write_text(_environment().get_template("platform.repl.j2").render(
        **platform_context(load_board(BOARD)), trace_start=0, trace_size=0))
    lib.execute_command("machine LoadPlatformDescription @" + str(repl).replace(" ", "\\ "))
    with pytest.raises(MonitorError, match="No such command or device: emulation"):
        lib.execute_command('emulation RunFor "1"')
    with pytest.raises(MonitorError, match="not supported by the QEMU stand-in"):
        lib.execute_command("sysbus LoadSymbolsFrom @/x.elf")
    with pytest.raises(MonitorError, match="not supported by the QEMU stand-in"):
        lib.execute_command("nvic FilterCcrDiv0Write true")  # QEMU cannot filter it


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
    for name in (f"{BOARD}.repl", f"{BOARD}.resc", f"{BOARD}_machine.resc", f"{BOARD}.robot",
                 "qemu-keywords.resource"):
        text = (written.out_dir / name).read_text()
        assert "Renode 1.16.1" in text or "renode-test never reads" in text, name
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
    # a folder with spaces: the suite escapes them for Renode's monitor (`@a\\ b`)
    files = write_renode(cfg, BOARD, recs, tmp_path / "ren ode  out", elf=res.elf,
                         gen_dir=tmp_path / "gen")
    failed, console, tests = run_robot(files.out_dir / f"{BOARD}.robot")
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
    assert "timer0" not in str(platform_context(info)["peripherals"])
    assert "Arm_CMSDK_Timer" in str(platform_context(info, "nightly")["peripherals"])
    lm3s = platform_context(load_board("lm3s6965evb"))
    assert [p.type for p in lm3s["peripherals"]] == ["UART.PL011"]  # SysTick is in the NVIC
    assert lm3s["systick_hz"] == 12_500_000 and lm3s["cpu_type"] == "cortex-m3"
    odd = tmp_path / "odd.json"
    odd.write_text(info.manifest.read_text().replace('"kind": "cmsdk"', '"kind": "usart"'))
    with pytest.raises(InputError) as err:
        platform_context(load_board("odd", tmp_path))
    assert "tinyfw.uart.kind" in err.value.one_line()
    moved = tmp_path / "moved.json"
    moved.write_text(info.manifest.read_text().replace('"0x40004000"', '"0x40005000"'))
    with pytest.raises(InputError) as err:
        platform_context(load_board("moved", tmp_path))
    assert "tinyfw.uart.base" in err.value.one_line() and "interrupt" in err.value.one_line()
    with pytest.raises(InputError, match="unknown Renode target"):
        platform_context(info, "1.15.0")


# Renode 1.16.1's keywords the suites call, with their parameters in order (renode
# src/Renode/RobotFrameworkEngine/RenodeKeywords.cs and UartKeywords.cs at tag v1.16.1).
RENODE_KEYWORDS = {
    "Reset Emulation": [],
    "Start Emulation": [],
    "Execute Command": ["command", "machine"],
    "Execute Script": ["path"],
    "Create Terminal Tester": ["uart", "timeout", "machine", "endLineOption",
                               "defaultPauseEmulation", "defaultWaitForEcho",
                               "defaultMatchNextLine", "binaryMode"],
    "Register Failing Uart String": ["pattern", "treatAsRegex", "testerId"],
    "Wait For Line On Uart": ["content", "timeout", "testerId", "treatAsRegex",
                              "includeUnfinishedLine", "pauseEmulation", "matchNextLine"],
}
FAKE_RENODE = '''
calls = []


class fake_renode:
    """Stands for Renode's Remote library: records every keyword call."""

    def get_keyword_names(self):
        return list(KEYWORDS)

    def run_keyword(self, name, args, kwargs):
        calls.append((name, list(args), dict(kwargs)))
        return 0

    def get_keyword_arguments(self, name):  # Renode's own: the first required, the rest not
        params = KEYWORDS[name]
        return params[:1] + [p + "=None" for p in params[1:]]
'''


def test_under_renode_tests_runner_the_suite_calls_renode_keywords_by_their_names(
    written, tmp_path
):
    """What renode-test does (tests/robot_tests_provider.py, v1.16.1): it passes
    RENODEKEYWORDS as a variable and imports that resource itself. Then the fallback resource
    is not read, and every call goes to one of Renode's keywords with its own argument names;
    our QEMU library has the same signatures."""
    lib = tmp_path / "fake_renode.py"
    lib.write_text(f"KEYWORDS = {RENODE_KEYWORDS!r}\n" + FAKE_RENODE)
    keywords = tmp_path / "renode-keywords.robot"
    keywords.write_text("*** Settings ***\nLibrary    fake_renode.py\n\n*** Keywords ***\n"
                        "Setup\n    No Operation\nTeardown\n    No Operation\n"
                        "Test Teardown\n    No Operation\n")
    suite = robot.running.builder.TestSuiteBuilder().build(
        str(written.out_dir / f"{BOARD}.robot"))
    suite.resource.imports.create(type="Resource", name=str(keywords))
    out = io.StringIO()
    sys.path.insert(0, str(tmp_path))
    try:
        result = suite.run(variable=[f"RENODEKEYWORDS:{keywords}"], output=None, log=None,
                           report=None, stdout=out, stderr=out)
        import fake_renode
    finally:
        sys.path.remove(str(tmp_path))
    assert result.return_code == 0, out.getvalue()
    calls = fake_renode.calls
    assert {name for name, _, _ in calls} == set(RENODE_KEYWORDS)
    for name, args, kwargs in calls:
        params = RENODE_KEYWORDS[name]
        assert len(args) <= len(params) and set(kwargs) <= set(params[len(args):]), (name, kwargs)
    waits = [c for c in calls if c[0] == "Wait For Line On Uart"]
    assert len(waits) == sum(len(c.lines) for c in written.cases)
    assert all(kw == {"treatAsRegex": "true"} for _, _, kw in waits)
    assert next(a[0] for n, a, _ in calls if n == "Execute Command") == (
        "$trace=@" + str(written.out_dir / "traces" / written.cases[0].blob).replace(" ", "\\ "))
    # the QEMU stand-in answers to the same names with the same parameters
    import inspect

    for name, params in RENODE_KEYWORDS.items():
        method = getattr(RenodeQemu, name.lower().replace(" ", "_"))
        assert list(inspect.signature(method).parameters)[1:] == params, name
