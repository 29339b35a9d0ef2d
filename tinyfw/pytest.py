"""tinyfw's pytest plugin: firmware tests you write yourself, in pytest, on simulated boards.

Loaded automatically where tinyfw is installed (entry point `pytest11`), or with
`pytest -p tinyfw.pytest`. A test reads like a Renode robot test:

    from tinyfw.pytest import assert_activities

    def test_should_detect_walking_after_sitting(firmware):
        result = firmware.replay("traces/sit_then_walk.csv")
        assert_activities(result, ["stationary", "walking"])

Fixtures:
  firmware         the project's firmware built once per session for `--tinyfw-board`
                   (default: the board of tinyfw.toml); `firmware.replay(csv)` runs a recorded
                   trace (a path relative to the test file's folder, or absolute) in QEMU.
  tinyfw_firmware  `tinyfw_firmware(board)`: the same for another board.
  tinyfw_project   the project (tinyfw.toml: `--tinyfw-project`, else found upward from the
                   folder pytest runs in).

Options: --tinyfw-board ID, --tinyfw-project DIR, --tinyfw-build-dir DIR (default PlatformIO's,
.pio/build), --tinyfw-timeout S (per replay, default 60).

Runs under pytest-xdist: every worker builds once; builds into one folder take the build lock
(sim/build.py) so the others wait and find the firmware up to date; every replay has its own
trace folder. The UART lines come back through sim/protocol.py, the one reader of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tinyfw.config import Config, find_project, load_config
from tinyfw.errors import InputError

__all__ = ["Event", "Firmware", "Replay", "Window", "assert_activities", "assert_no_fault"]


@dataclass(frozen=True)
class Window:
    """One inference: the model's raw int8 outputs, their argmax and the post-processed
    activity (its class name; None while post-processing has not decided)."""

    index: int
    outputs: tuple[int, ...]
    cls: int
    activity: str | None


@dataclass(frozen=True)
class Event:
    """The detected activity changed at window `window` (`time_s` after the trace started:
    the end of that window)."""

    window: int
    activity: str
    time_s: float


@dataclass
class Replay:
    """What the firmware did with one trace."""

    trace: Path
    board: str
    windows: list[Window]
    events: list[Event]
    instructions_min: int | None
    instructions_max: int | None
    instructions_mean: float | None
    stack_bytes: int | None
    exit_code: int  # -1: timed out
    fault: str | None
    uart: list[str] = field(repr=False)
    host_mismatch: str | None = None  # with replay(compare=True): first window unlike the host

    @property
    def outputs(self) -> list[tuple[int, ...]]:
        return [w.outputs for w in self.windows]

    @property
    def activities(self) -> list[str]:
        """The detected activities in order (one per change event)."""
        return [e.activity for e in self.events]

    @property
    def instructions(self) -> int | None:
        """Instructions of the slowest inference (exact: QEMU -icount)."""
        return self.instructions_max

    def log(self) -> str:
        return "\n".join(self.uart)


class Firmware:
    """The firmware of a project built for one board; `replay` runs traces through it."""

    def __init__(self, cfg: Config, board: str, elf: Path, *, base: Path,
                 timeout_s: float) -> None:
        self.cfg = cfg
        self.board = board
        self.elf = elf
        self.base = base
        self.timeout_s = timeout_s

    def at(self, base: Path) -> Firmware:
        """The same firmware, resolving relative trace paths against `base`."""
        return Firmware(self.cfg, self.board, self.elf, base=base, timeout_s=self.timeout_s)

    def replay(self, trace: str | Path, *, compare: bool = False,
               timeout_s: float | None = None) -> Replay:
        """Run one recorded trace (a CSV in the project's format: data.columns, data.range)
        in QEMU. compare=True also runs the host pipeline (TFLite Micro oracle) and sets
        `host_mismatch` to the first window that differs (None: every byte equal)."""
        from tinyfw.codegen.generate import read_generated
        from tinyfw.model.data import check_rate_in_name, read_trace_csv
        from tinyfw.model.evaluate import host_pipeline
        from tinyfw.sim import simulate
        from tinyfw.sim.qemu import ICOUNT_SHIFT, ticks_to_instructions

        path = Path(trace)
        path = path if path.is_absolute() else self.base / path
        d = self.cfg.data
        check_rate_in_name(path, d.rate_hz)
        samples = read_trace_csv(path, len(d.columns), d.range, column_names=d.columns)
        if len(samples) < self.cfg.window.length:
            raise InputError(f"{len(samples)} samples is shorter than one window "
                             f"({self.cfg.window.length} samples)", file=path,
                             field="window.length")
        timeout = self.timeout_s if timeout_s is None else timeout_s
        runs = self.cfg.root / "build" / "sim" / self.board
        with simulate.run_folder(runs) as folder:
            result, run = simulate.replay_samples(samples, self.elf, self.board, folder, timeout)
        generated = read_generated(self.cfg.root / "firmware" / "generated")
        simulate.check_firmware_model(run.boot, generated.sha256, self.elf)
        classes = d.classes

        def name(act: int) -> str | None:
            return classes[act] if 0 <= act < len(classes) else None

        hop_s = self.cfg.window.hop / d.rate_hz
        length_s = self.cfg.window.length / d.rate_hz
        events = [Event(c.index, c.label, round(c.index * hop_s + length_s, 6))
                  for c in run.changes]
        stats = run.stats

        def instr(t: int | None) -> int | None:
            return None if t is None else ticks_to_instructions(t, self.board, ICOUNT_SHIFT)

        fault = None
        if result.timed_out:
            fault = f"timed out after {timeout:g} s"
        elif result.fault:
            fault = str(result.fault)
        replay = Replay(
            trace=path, board=self.board,
            windows=[Window(w.index, w.outputs, w.cls, name(w.act)) for w in run.wins],
            events=events,
            instructions_min=instr(stats.ticks_min) if stats else None,
            instructions_max=instr(stats.ticks_max) if stats else None,
            instructions_mean=(instr(stats.ticks_total) / stats.windows
                               if stats and stats.windows else None),
            stack_bytes=stats.stack if stats else None,
            exit_code=-1 if result.timed_out else result.exit_code,
            fault=fault,
            uart=list(result.uart_lines),
        )
        if compare:
            host = host_pipeline(samples, generated.tflite, self.cfg)
            _, replay.host_mismatch = simulate.compare(host, run.wins)
        return replay


def _failure(result: Replay, what: str) -> AssertionError:
    return AssertionError(f"{what}\n--- UART of {result.trace.name} on {result.board} ---\n"
                          f"{result.log()}")


def assert_no_fault(result: Replay) -> None:
    """The firmware ran the whole trace and exited 0 (no fault, no timeout)."""
    if result.exit_code != 0 or result.fault:
        raise _failure(result, f"firmware exit {result.exit_code}"
                       + (f": {result.fault}" if result.fault else ""))


def assert_activities(result: Replay, expected: Sequence[str]) -> None:
    """The firmware ran cleanly and detected exactly these activities, in this order (its
    change events). On failure the message shows both sequences and the whole UART log."""
    assert_no_fault(result)
    got = result.activities
    if list(got) != list(expected):
        when = ", ".join(f"{e.activity} at {e.time_s:g} s" for e in result.events)
        raise _failure(result, f"detected activities {got} ({when or 'none'}), "
                       f"expected {list(expected)}")


# -- the plugin --------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("tinyfw", "tinyfw firmware tests")
    g.addoption("--tinyfw-board", metavar="ID", default=None,
                help="board the `firmware` fixture builds for (default: tinyfw.toml's)")
    g.addoption("--tinyfw-project", metavar="DIR", default=None,
                help="tinyfw project folder (default: tinyfw.toml found upward from the "
                     "folder pytest runs in)")
    g.addoption("--tinyfw-build-dir", metavar="DIR", default=None,
                help="PlatformIO build folder (default: the project's .pio/build)")
    g.addoption("--tinyfw-timeout", metavar="S", type=float, default=60.0,
                help="seconds one replay may take (default 60)")


@pytest.fixture(scope="session")
def tinyfw_project(pytestconfig: pytest.Config) -> Config:
    given = pytestconfig.getoption("tinyfw_project")
    if given:
        p = Path(given)
        path = p / "tinyfw.toml" if p.is_dir() else p
    else:
        found = find_project(Path.cwd())
        if found is None:
            raise pytest.UsageError("tinyfw: no tinyfw.toml here or above; pass "
                                    "--tinyfw-project DIR")
        path = found
    return load_config(path)


@pytest.fixture(scope="session")
def tinyfw_firmware(
    pytestconfig: pytest.Config, tinyfw_project: Config
) -> Callable[[str], Firmware]:
    """`tinyfw_firmware(board)`: the project's firmware built for `board` (once per session
    and board; under pytest-xdist once per worker, the build lock making the others wait)."""
    from tinyfw.sim.build import build_firmware

    build_dir = pytestconfig.getoption("tinyfw_build_dir")
    timeout = pytestconfig.getoption("tinyfw_timeout")
    built: dict[str, Firmware] = {}

    def get(board: str) -> Firmware:
        if board not in built:
            res = build_firmware(tinyfw_project.root, board,
                                 build_dir=Path(build_dir).resolve() if build_dir else None)
            built[board] = Firmware(tinyfw_project, board, res.elf, base=Path.cwd(),
                                    timeout_s=timeout)
        return built[board]

    return get


@pytest.fixture
def firmware(
    request: pytest.FixtureRequest, pytestconfig: pytest.Config, tinyfw_project: Config,
    tinyfw_firmware: Callable[[str], Firmware],
) -> Firmware:
    """The project's firmware for --tinyfw-board; relative traces are found beside the test."""
    board = pytestconfig.getoption("tinyfw_board") or tinyfw_project.board.id
    return tinyfw_firmware(board).at(Path(request.path).parent)
