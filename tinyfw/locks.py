"""Locks between tinyfw commands that share folders (two builds, a build and a generate).

A lock is `flock` on a folder itself (no lock file to leave behind or to be deleted by a clean):
exclusive for a writer, shared for readers. Where `fcntl` does not exist (Windows) locking is
skipped: the commands still work, one at a time as the user runs them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from tinyfw.errors import TinyfwError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

# How long a command waits for another one holding the same folder.
LOCK_WAIT_S = 60.0


class Busy(TinyfwError):
    """Another tinyfw command holds the folder for longer than we wait. Exit status 1."""


@contextlib.contextmanager
def folder_lock(
    folder: Path, *, shared: bool = False, what: str, wait_s: float = LOCK_WAIT_S
) -> Iterator[None]:
    """Hold `folder` (created if missing) exclusively, or shared with other readers.

    Waits up to `wait_s` seconds for another holder, then raises Busy naming the folder and
    `what` the other command is doing there."""
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Busy(
                        f"{folder}: another tinyfw command has been {what} here for "
                        f"{wait_s:.0f} s; try again when it has finished"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def build_lock(build_dir: Path, generated: Path) -> Iterator[None]:
    """A build: its output folder exclusively (two builds into one folder would interleave
    objects and fail in ld), and the generated sources' folder shared, so `tinyfw generate`
    (which takes it exclusively to swap the folder) waits until the compiler has read them."""
    with (
        folder_lock(generated.parent, shared=True, what="generating sources"),
        folder_lock(build_dir.parent, what="building"),
    ):
        yield
