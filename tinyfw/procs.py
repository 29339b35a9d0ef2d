"""Child processes that end with the run: QEMU, PlatformIO, host test programs.

Every child starts in its own process group (its own session), so that a timeout or a stop can
end it together with everything it started (PlatformIO runs SCons, which runs gcc and ld). The
children alive at any moment are registered here; `stop_children()` ends them all at once.

`install_signal_handlers()` (called by the `tinyfw` command) makes Ctrl-C, SIGTERM and SIGHUP
end every child immediately, in the signal handler itself, before the exception unwinds: a
thread pool waiting for its workers then sees them return at once instead of after their
timeouts. Once a stop was requested no new child starts (`Stopped` is raised instead).
"""

from __future__ import annotations

import atexit
import math
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tinyfw.errors import InputError, TinyfwError

# Re-entrant: the signal handler (stop_children) runs in the main thread, possibly while that
# same thread holds the lock in run().
_lock = threading.RLock()
_live: set[subprocess.Popen[bytes]] = set()
_stopping = threading.Event()


class Stopped(TinyfwError):
    """A stop (Ctrl-C, SIGTERM, SIGHUP) was requested: no new child process starts."""

    exit_status = 130


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class Completed:
    """What a child process did: exit status (None after a timeout), output, wall time."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    wall_s: float
    command: list[str]


def check_timeout(seconds: float, *, field: str = "--timeout") -> float:
    """A timeout must be a finite number of seconds above 0 (nan, inf, 0 and below are bugs)."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise InputError(f"{seconds!r} is not a number of seconds", field=field) from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{seconds!r} must be a finite number of seconds above 0", field=field)
    return value


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole process group (it leads its own session); where there are no
    process groups (Windows), the child itself."""
    if not hasattr(os, "killpg"):  # pragma: no cover - Windows
        if proc.poll() is None:
            proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_requested() -> bool:
    return _stopping.is_set()


def stop_children() -> None:
    """Request a stop: every live child group is killed and no new child starts."""
    _stopping.set()
    with _lock:
        live = list(_live)
    for proc in live:
        _kill_group(proc)


def reset() -> None:
    """Allow children again after a stop (for long-lived callers such as tests)."""
    _stopping.clear()


def run(
    cmd: Sequence[str],
    *,
    timeout_s: float,
    input: bytes | None = None,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
) -> Completed:
    """Run `cmd` to its end or for at most `timeout_s` seconds, whichever comes first.

    The child and all it started are killed on the timeout, on any exception here (Ctrl-C
    included) and, after a normal exit, whatever of its group is still running. Output is
    captured (stdout, stderr as bytes).
    """
    timeout_s = check_timeout(timeout_s, field="timeout")
    if _stopping.is_set():
        raise Stopped("stopped: no new process is started")
    start = time.monotonic()
    proc = subprocess.Popen(
        list(cmd),
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=None if cwd is None else str(cwd),
        env=None if env is None else dict(env),
        start_new_session=True,
    )
    timed_out = False
    try:
        with _lock:
            _live.add(proc)
        if _stopping.is_set():  # a stop came while it was starting
            _kill_group(proc)
        try:
            out, err = proc.communicate(input=input, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            out, err = proc.communicate()
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        _kill_group(proc)  # grandchildren left behind by a child that exited
        with _lock:
            _live.discard(proc)
    if _stopping.is_set():
        raise Stopped("stopped while a process was running")
    return Completed(
        returncode=None if timed_out else proc.returncode,
        stdout=out,
        stderr=err,
        timed_out=timed_out,
        wall_s=time.monotonic() - start,
        command=list(cmd),
    )


def _on_signal(signum: int, frame: object) -> None:
    stop_children()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """Ctrl-C, SIGTERM and SIGHUP stop every child at once and unwind the main thread.

    Call from the main thread of a command-line program. Children are also ended at exit."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # no SIGHUP on Windows
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)
    atexit.register(stop_children)
