"""Renode's Robot Framework keywords played on QEMU: `robot <board>.robot` where Renode is not
installed (Renode is not obtainable here; QEMU is).

The `.robot` files `tinyfw renode` writes import `Resource ${RENODEKEYWORDS}`. Renode's
runner, `renode-test`, sets that variable to its own `renode-keywords.robot` (and starts Renode
behind its Remote library); plain `robot` leaves the file's default, `qemu-keywords.resource`
beside it, which imports this library. The same file therefore runs unchanged under both.

What is implemented is what Renode 1.16.1's keywords do for the commands the generated files
use (renode src/Renode/RobotFrameworkEngine/{Renode,Uart}Keywords.cs, renode-infrastructure
src/Emulator/Main/Testing/TerminalTester.cs), with the same names and arguments:

- `Execute Command` / `Execute Script` interpret the Monitor commands of the generated scripts
  (`$var=`, `$var?=`, `@paths` with `\\ ` escapes, `$ORIGIN`, `mach create`, `machine
  LoadPlatformDescription`, `sysbus LoadELF`, `sysbus LoadBinary`, `macro`/`runMacro`,
  `cpu VectorTableOffset`, `cpu PerformanceInMips`, `nvic FilterCcrDiv0Write`, `include`,
  `showAnalyzer`, `start`); any other command fails, naming it, so a generated file cannot use
  something this stand-in does not check.
- The `.repl` is read (entries, types, addresses, properties) and mapped to the one simulated
  board whose core, flash, RAM and UART it describes; that board's QEMU machine runs the ELF
  with every `LoadBinary` blob preloaded at its address (`-device loader`). A platform no board
  matches fails, naming what differs.
- The terminal tester sees UART bytes as ISO-8859-1 characters, lines end at LF, CR and NUL are
  dropped, SGR colour sequences removed; `Wait For Line On Uart` consumes lines in order,
  matches a substring or (treatAsRegex) searches with a regular expression, and fails on a
  registered failing string seen first, as Renode does when emulation pauses at each match.

Difference: QEMU runs the firmware to its end (or for at most the tester's timeout, in host
seconds) when the emulation starts, and the waits then read its output; Renode counts the
timeout in virtual seconds per wait.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from tinyfw.errors import InputError

from .boards import BoardInfo, simulated_boards
from .preload import loader_args
from .qemu import INSTALL_HINT, QEMU, run_elf
from .renode import platform_context

DEFAULT_UART_TIMEOUT = 8.0  # seconds, as renode-keywords.robot's ${DEFAULT_UART_TIMEOUT}


class MonitorError(AssertionError):
    """A Monitor command this stand-in does not know or that Renode would refuse."""


# -- Monitor commands ----------------------------------------------------------------------------

# The token kinds of Renode's Monitor tokenizer (Tokenizer.cs) that the generated scripts use,
# tried in its order.
_TOKENS = [
    ("comment", re.compile(r"#.*")),
    ("variable", re.compile(r"\$[0-9A-Za-z_.]+")),
    ("string", re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')),
    ("path", re.compile(r"@(?:(?!;)(?:\\ |\S))+")),
    ("hex", re.compile(r"0x[0-9A-Fa-f]+")),
    ("int", re.compile(r"[+-]?\d+")),
    ("bool", re.compile(r"(?i)(?:true|false)\b")),
    ("condeq", re.compile(r"\?=")),
    ("eq", re.compile(r"=")),
    ("literal", re.compile(r"[\w.\-?]+")),
    ("space", re.compile(r"\s+")),
]


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # as written (what re-tokenizing after a variable expansion sees)

    @property
    def value(self) -> Any:
        if self.kind == "path":
            return self.text[1:].replace("\\ ", " ")
        if self.kind == "string":
            return self.text[1:-1].replace('\\"', '"')
        if self.kind in ("hex", "int"):
            return int(self.text, 0)
        if self.kind == "bool":
            return self.text.lower() == "true"
        return self.text


def tokenize(command: str, variables: dict[str, Token]) -> list[Token]:
    """Renode's rule for `$ORIGIN/file`: when characters are left after a variable, the
    variable's text replaces it and the line is tokenized again."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(command):
        for kind, rx in _TOKENS:
            m = rx.match(command, pos)
            if m and m.end() > pos:
                if kind not in ("space", "comment"):
                    tokens.append(Token(kind, m.group()))
                pos = m.end()
                break
        else:
            if tokens and tokens[-1].kind == "variable":
                var = tokens.pop()
                if var.text[1:] not in variables:
                    raise MonitorError(f"No such variable: {var.text}")
                head = " ".join(t.text for t in tokens)
                return tokenize(f"{head} {variables[var.text[1:]].text}{command[pos:]}",
                                variables)
            raise MonitorError(f"Could not tokenize here: {command!r} at {pos}")
    return tokens


# -- platform descriptions -----------------------------------------------------------------------


@dataclass
class ReplEntry:
    name: str
    type: str | None
    address: int | None
    props: dict[str, str] = field(default_factory=dict)
    irqs: list[str] = field(default_factory=list)
    init: list[str] = field(default_factory=list)


_ENTRY = re.compile(
    r"^(\w+):\s*(?:([\w.]+)\s*)?(?:@\s*sysbus(?:\s+(0x[0-9A-Fa-f_]+|\d+))?)?\s*$"
)


def parse_repl(text: str) -> dict[str, ReplEntry]:
    """The entries of a platform description in the form the generated ones use: `name: Type @
    sysbus 0xADDR`, indented `key: value` properties, `-> target@n` connections, `init:`."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    entries: dict[str, ReplEntry] = {}
    current: ReplEntry | None = None
    in_init = False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            m = _ENTRY.match(line)
            if m is None:
                raise MonitorError(f"platform description line {n} not understood: {line!r}")
            address = None if m.group(3) is None else int(m.group(3).replace("_", ""), 0)
            current = ReplEntry(m.group(1), m.group(2), address)
            entries[current.name] = current
            in_init = False
            continue
        if current is None:
            raise MonitorError(f"platform description line {n}: no entry to belong to")
        body = line.strip()
        if in_init and len(line) - len(line.lstrip()) > 4:
            current.init.append(body)
        elif body == "init:":
            in_init = True
        elif "->" in body:
            current.irqs.append(body)
        elif ":" in body:
            key, value = (s.strip() for s in body.split(":", 1))
            current.props[key] = value.strip('"')
        else:
            raise MonitorError(f"platform description line {n} not understood: {body!r}")
    return entries


def _facts(entries: dict[str, ReplEntry]) -> dict[str, object]:
    """What decides the QEMU machine: the core, the memories, the UART model and place."""
    def first(type_: str) -> list[ReplEntry]:
        return [e for e in entries.values() if e.type == type_]

    cpus = first("CPU.CortexM")
    memories = sorted((e.address, int(e.props.get("size", "0"), 0))
                      for e in first("Memory.MappedMemory"))
    uarts = sorted((e.type, e.address, e.props.get("frequency")) for e in entries.values()
                   if (e.type or "").startswith("UART."))
    return {
        "cpuType": [c.props.get("cpuType") for c in cpus],
        "memories": memories,
        "uarts": uarts,
    }


def board_for_platform(entries: dict[str, ReplEntry]) -> BoardInfo:
    """The one simulated board whose core, flash, RAM and UART the platform describes."""
    want = _facts(entries)
    found = []
    for info in simulated_boards():
        try:
            ctx = platform_context(info)
        except InputError:
            continue  # a board Renode files are not written for
        p = ctx["peripherals"][0]  # the UART
        have = {
            "cpuType": [ctx["cpu_type"]],
            "memories": sorted([(info.flash_origin, info.flash_bytes),
                                (info.ram_origin, info.ram_bytes)]),
            "uarts": [(p.type, p.address, dict(p.params)["frequency"])],
        }
        if have == want:
            found.append(info)
    if len(found) != 1:
        raise MonitorError(
            f"the platform ({want}) matches {len(found)} simulated boards "
            f"({', '.join(b.id for b in found) or 'none'}): no QEMU machine to run it on"
        )
    return found[0]


# -- the terminal tester -------------------------------------------------------------------------


def uart_lines(raw: bytes) -> tuple[list[str], str]:
    """(finished lines, unfinished last line) as Renode's TerminalTester builds them: bytes as
    ISO-8859-1 characters, LF ends a line, CR and NUL dropped, SGR sequences removed."""
    text = raw.decode("latin-1").replace("\r", "").replace("\0", "")
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    *lines, rest = text.split("\n")
    return lines, rest


@dataclass
class Tester:
    uart: str
    timeout: float
    pause: bool
    failing: list[tuple[str, bool]] = field(default_factory=list)
    pos: int = 0  # lines before it are consumed

    def matches(self, pattern: str, regex: bool, line: str) -> re.Match[str] | bool:
        return re.search(pattern, line) if regex else pattern in line


# -- the library ---------------------------------------------------------------------------------


class RenodeQemu:
    """Renode's keywords (names and arguments as in Renode 1.16.1) over QEMU."""

    ROBOT_LIBRARY_SCOPE = "SUITE"

    def __init__(self) -> None:
        self._default_timeout = DEFAULT_UART_TIMEOUT
        self.reset_emulation()

    # renode-keywords.robot's suite and test keywords

    def setup(self) -> None:
        """Suite setup: QEMU must be there (renode-test starts Renode here)."""
        if shutil.which(QEMU) is None:
            raise AssertionError(f"{QEMU} is not installed: {INSTALL_HINT}")
        self.reset_emulation()

    def teardown(self) -> None:
        """Suite teardown: nothing runs between keywords (each QEMU run ends in Start
        Emulation), so there is nothing to stop."""
        self.reset_emulation()

    def test_teardown(self) -> None:
        """Test teardown: on failure, log the UART output (Renode saves its log), then reset."""
        if BuiltIn().get_variable_value("${TEST STATUS}") == "FAIL" and self._run is not None:
            logger.info("UART output under QEMU:\n" + "\n".join(self._lines + [self._rest])
                        + "\nQEMU stderr:\n" + self._run.stderr)
        self.reset_emulation()

    def set_default_uart_timeout(self, timeout: float) -> None:
        self._default_timeout = timeout

    def reset_emulation(self) -> None:
        self._vars: dict[str, Token] = {}
        self._macros: dict[str, list[str]] = {}
        self._machine: str | None = None
        self._platform: dict[str, ReplEntry] | None = None
        self._board: BoardInfo | None = None
        self._elf: Path | None = None
        self._blobs: list[tuple[Path, int]] = []
        self._vtor: int | None = None
        self._testers: list[Tester] = []
        self._run: Any = None
        self._lines: list[str] = []
        self._rest = ""

    # the Monitor

    def execute_command(self, command: str, machine: str | None = None) -> str:
        if machine is not None and machine != self._machine:
            raise MonitorError(f"no machine {machine!r}")
        self._command(command, origin=None)
        return ""

    def execute_script(self, path: str) -> str:
        self._script(Path(path))
        return ""

    def _script(self, path: Path) -> None:
        if not path.is_file():
            raise MonitorError(f"Could not find file '{path}'")
        origin = str(path.resolve().parent).replace(" ", "\\ ")
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            i += 1
            if not line or line.startswith(("#", ":")):
                continue
            m = re.fullmatch(r"macro\s+(\w+)", line)
            if m:
                if i >= len(lines) or lines[i].strip() != '"""':
                    raise MonitorError(f"{path.name}: macro {m.group(1)} without a \"\"\" block")
                end = next((k for k in range(i + 1, len(lines)) if lines[k].strip() == '"""'),
                           None)
                if end is None:
                    raise MonitorError(f"{path.name}: macro {m.group(1)} is not closed")
                self._macros[m.group(1)] = [ln.strip() for ln in lines[i + 1:end]]
                i = end + 1
                continue
            self._command(line, origin=origin)

    def _command(self, command: str, origin: str | None) -> None:
        variables = dict(self._vars)
        if origin is not None:
            variables["ORIGIN"] = Token("path", "@" + origin)
        toks = tokenize(command, variables)
        if not toks:
            return
        if len(toks) == 3 and toks[0].kind == "variable" and toks[1].kind in ("eq", "condeq"):
            name = toks[0].text[1:]
            if toks[1].kind == "condeq" and name in self._vars:
                return
            self._vars[name] = self._expand(toks[2], variables)
            return
        head = toks[0].text
        if head == "runMacro" and len(toks) == 2:
            name = toks[1].text.lstrip("$")
            if name not in self._macros:
                raise MonitorError(f"No such macro: {name}")
            for line in self._macros[name]:
                self._command(line, origin)
            return
        args = [self._expand(t, variables) for t in toks[1:]]
        words = [head] + [a.text for a in args[:1]]
        if head == "using" and [a.text for a in args] == ["sysbus"]:
            return
        if head == "showAnalyzer" and len(args) == 1:
            self._tester_uart(args[0].text)
            return
        if head == "mach" and args and args[0].text == "create":
            self._machine = args[1].value if len(args) > 1 else "machine-0"
            return
        if head in ("i", "include") and len(args) == 1:
            self._script(Path(args[0].value))
            return
        if head == "start" and not args:
            self.start_emulation()
            return
        self._machine_command(words, args, command)

    def _expand(self, tok: Token, variables: dict[str, Token]) -> Token:
        if tok.kind == "variable":
            name = tok.text[1:]
            if name not in variables:
                raise MonitorError(f"No such variable: {tok.text}")
            return variables[name]
        return tok

    def _machine_command(self, words: list[str], args: list[Token], command: str) -> None:
        if self._machine is None:
            raise MonitorError(f"{command!r}: no machine (mach create first)")
        rest = [a.value for a in args[1:]]
        key = " ".join(words)
        if key == "machine LoadPlatformDescription" and len(rest) == 1:
            path = Path(rest[0])
            self._platform = parse_repl(path.read_text(encoding="utf-8"))
            self._board = board_for_platform(self._platform)
            return
        if self._platform is None:
            raise MonitorError(f"{command!r}: no platform loaded")
        peripheral = words[0]
        if peripheral not in self._platform and peripheral != "sysbus":
            raise MonitorError(f"No such command or device: {peripheral}")
        if key == "sysbus LoadELF" and len(rest) == 1:
            self._elf = self._file(rest[0])
        elif key == "sysbus LoadBinary" and len(rest) == 2 and isinstance(rest[1], int):
            self._blobs.append((self._file(rest[0]), rest[1]))
        elif key == "cpu VectorTableOffset" and len(rest) == 1 and isinstance(rest[0], int):
            self._vtor = rest[0]
        elif key == "cpu PerformanceInMips" and len(rest) == 1 and isinstance(rest[0], int):
            pass  # QEMU runs with -icount: virtual time per instruction is fixed there
        elif key == "nvic FilterCcrDiv0Write" and rest == [False]:
            pass  # QEMU never filters CCR.DIV_0_TRP: a division by zero faults as on silicon
        else:
            raise MonitorError(f"command not supported by the QEMU stand-in: {command!r}")

    @staticmethod
    def _file(value: str) -> Path:
        path = Path(value)
        if not path.is_file():
            raise MonitorError(f"Could not find file '{value}'")
        return path

    def _tester_uart(self, uart: str) -> str:
        name = uart.removeprefix("sysbus.")
        entry = (self._platform or {}).get(name)
        if entry is None or not (entry.type or "").startswith("UART."):
            raise MonitorError(f"no UART {uart!r} in the platform")
        return name

    # the emulation

    def start_emulation(self) -> None:
        if self._run is not None:
            return
        if self._board is None or self._elf is None:
            raise MonitorError("Start Emulation: no platform or no ELF loaded")
        board = self._board
        if self._vtor is not None and self._vtor != board.flash_origin:
            raise MonitorError(
                f"VectorTableOffset 0x{self._vtor:08X}: QEMU {board.qemu_machine} boots from "
                f"0x{board.flash_origin:08X}"
            )
        ram = (board.ram_origin, board.ram_origin + board.ram_bytes)
        extra: list[str] = []
        for blob, address in self._blobs:
            if not (ram[0] <= address and address + blob.stat().st_size <= ram[1]):
                raise MonitorError(f"LoadBinary {blob.name} at 0x{address:08X} is outside RAM")
            extra += loader_args(blob, address)
        limit = max((t.timeout for t in self._testers), default=self._default_timeout)
        self._run = run_elf(self._elf, board, argv0="firmware.elf", timeout_s=limit,
                            extra_qemu_args=extra)
        self._lines, self._rest = uart_lines(self._run.raw_uart)
        logger.info(f"QEMU {board.qemu_machine} ({board.id}): exit {self._run.exit_code}, "
                    f"{len(self._lines)} UART lines, {self._run.wall_s:.2f} s")

    # the UART tester

    def create_terminal_tester(
        self,
        uart: str,
        timeout: float | None = None,
        machine: str | None = None,
        endLineOption: str | None = None,  # Renode's argument names
        defaultPauseEmulation: bool | None = None,
        defaultWaitForEcho: bool | None = None,
        defaultMatchNextLine: bool | None = None,
        binaryMode: bool = False,
    ) -> int:
        if machine is not None and machine != self._machine:
            raise MonitorError(f"no machine {machine!r}")
        if endLineOption not in (None, "TreatLineFeedAsEndLine") or binaryMode:
            raise MonitorError("only line-feed-ended text lines are supported here")
        self._tester_uart(uart)
        self._testers.append(Tester(uart, self._default_timeout if timeout is None else timeout,
                                    bool(defaultPauseEmulation)))
        return len(self._testers) - 1

    def _tester(self, tester_id: int | None) -> Tester:
        if not self._testers:
            raise AssertionError("no terminal tester (Create Terminal Tester first)")
        return self._testers[-1 if tester_id is None else tester_id]

    def register_failing_uart_string(self, pattern: str, treatAsRegex: bool = False,
                                     testerId: int | None = None) -> None:
        self._tester(testerId).failing.append((pattern, treatAsRegex))

    def wait_for_line_on_uart(
        self,
        content: str,
        timeout: float | None = None,
        testerId: int | None = None,
        treatAsRegex: bool = False,
        includeUnfinishedLine: bool = False,
        pauseEmulation: bool | None = None,
        matchNextLine: bool | None = None,
    ) -> dict[str, Any]:
        """The first line from the tester's position that contains `content` (or, with
        treatAsRegex, in which the regular expression finds a match); the lines up to it are
        consumed. A registered failing string on any line before or on it fails the test."""
        tester = self._tester(testerId)
        self.start_emulation()  # Renode starts the emulation if it is not running
        lines = self._lines + ([self._rest] if includeUnfinishedLine and self._rest else [])
        for i in range(tester.pos, len(lines)):
            line = lines[i]
            for pattern, regex in tester.failing:
                if tester.matches(pattern, regex, line):
                    raise AssertionError(f"Terminal tester failed!\nFailing string on the UART "
                                         f"(>>{pattern}<<): {line!r}")
            m = tester.matches(content, treatAsRegex, line)
            if m:
                tester.pos = i + 1
                groups = list(m.groups()) if isinstance(m, re.Match) else []
                return {"line": line, "groups": groups}
            if matchNextLine:
                break
        seen = "\n".join(lines[tester.pos:]) or "(nothing)"
        run = self._run
        end = (f"QEMU was stopped after {tester.timeout:g} s" if run.timed_out
               else f"the firmware exited with status {run.exit_code}")
        raise AssertionError(
            f"Terminal tester failed!\nLine containing{' regex' if treatAsRegex else ''} "
            f">>{content}<< not found ({end}); the UART showed after the last match:\n{seen}"
        )
