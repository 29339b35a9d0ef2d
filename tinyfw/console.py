"""What tinyfw prints, and how: its own lines, progress, and the machine-readable summary.

- Normal: tinyfw's lines on stdout; long steps show a progress bar (rich) when stderr is a
  terminal, and plain lines otherwise (CI logs).
- `--quiet`: nothing but errors.
- `--json`: stdout holds only the JSON summary at the end; tinyfw's lines go to stderr.

The console keeps its own copy of descriptor 2, so its lines and bars still reach the terminal
while tinyfw.quiet.captured_fd2() keeps TensorFlow's C++ logging off it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

Advance = Callable[[str], None]


class Console:
    def __init__(self, *, quiet: bool = False, json_mode: bool = False,
                 tty: bool | None = None) -> None:
        self.quiet = quiet
        self.json_mode = json_mode
        self._err: IO[str] = _own_stderr()
        if tty is None:
            tty = _is_terminal(self._err)
        self.tty = tty and not quiet and not json_mode
        self._bar: Any = None  # the live rich Progress, while a task runs on a terminal
        self._out: IO[str] = sys.stdout  # where --json puts the summary
        self._summarized = False

    # -- lines -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        """One of tinyfw's own lines (stdout; stderr under --json; nothing under --quiet)."""
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
            return
        out = self._err if self.json_mode else sys.stdout
        print(text, file=out, flush=True)

    def summary(self, data: Any) -> None:
        """The machine-readable result: printed on stdout under --json only."""
        if self.json_mode:
            self._summarized = True
            self._out.write(json.dumps(data, indent=2) + "\n")
            self._out.flush()

    def run(self, func: Callable[[Any], int], args: Any) -> int:
        """Run a command: under --quiet its printed lines are dropped, under --json they go
        to stderr and stdout gets the summary (the command's, or its exit status)."""
        if not (self.quiet or self.json_mode):
            return func(args)
        self._out = sys.stdout
        target: IO[str] = io.StringIO() if self.quiet else self._err
        with contextlib.redirect_stdout(target):
            status = func(args)
        if self.json_mode and not self._summarized:
            self.summary({"command": getattr(args, "command", None), "status": status})
        return status

    def close(self) -> None:
        if self._err is not sys.stderr and self._err is not sys.__stderr__:
            with contextlib.suppress(OSError, ValueError):
                self._err.close()

    # -- progress ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def task(self, label: str, total: int | None = None) -> Iterator[Advance]:
        """A long step. The yielded `advance(detail)` marks one unit done (total given) or
        just shows `detail` (no total). On a terminal: a bar (or a spinner) that disappears at
        the end; elsewhere: a plain line at each quarter of the way (nothing without total)."""
        if self.tty:
            from rich.console import Console as RichConsole
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
            if total:
                columns += [BarColumn(), MofNCompleteColumn()]
            columns.append(TimeElapsedColumn())
            bar = Progress(*columns, console=RichConsole(file=self._err), transient=True)
            tid = bar.add_task(label, total=total)
            outer, self._bar = self._bar, bar

            def advance(detail: str = "") -> None:
                desc = f"{label}: {detail}" if detail else label
                bar.update(tid, advance=1 if total else 0, description=desc)

            with bar:
                try:
                    yield advance
                finally:
                    self._bar = outer
            return
        done = 0
        shown = -1

        def advance(detail: str = "") -> None:
            nonlocal done, shown
            if total:
                done += 1
                quarter = done * 4 // total
                if quarter != shown and (quarter > 0):
                    shown = quarter
                    self.say(f"{label}: {done}/{total}" + (f" ({detail})" if detail else ""))

        yield advance

    def log_lines(self, label: str, total: int, pattern: str) -> Callable[[str], None]:
        """A `log` callback for code that reports progress as lines (training: `epoch k/N`):
        on a terminal, lines matching `pattern` move a bar (and are not printed); elsewhere
        every line is printed. Use inside `with console.task(label, total)`."""
        rx = re.compile(pattern)

        def log(line: str) -> None:
            if self.tty and self._bar is not None and rx.match(line):
                tid = self._bar.task_ids[-1]
                self._bar.update(tid, advance=1, description=f"{label}: {line}")
            else:
                self.say(line)

        return log


def _own_stderr() -> IO[str]:
    """A text stream on a copy of descriptor 2 (unaffected by later dup2 onto 2)."""
    try:
        sys.stderr.flush()
        return os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1, closefd=True)
    except (AttributeError, OSError, ValueError):  # a replaced sys.stderr (tests): use it
        return sys.stderr


def _is_terminal(stream: IO[str]) -> bool:
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
