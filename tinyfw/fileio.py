"""Writing files so that edits and outputs never vanish (standard library only; imports on
Windows too, where `fcntl` and `renameat2` are missing and the fallbacks below take over).

- atomic_write_bytes / atomic_write_text: one file, all or nothing (temporary sibling, fsync,
  os.replace); a symlinked target is written where the link points, the link stays.
- check_writable_dir / check_output_file / check_output_folder: called by a command before its
  work starts, so that an output it cannot write stops it at once with one line (exit 2).
- write_folder: a whole folder, all or nothing (written aside, then swapped in), never over a
  file the user edited or added (unless force=True, which keeps the old folder as a backup),
  never over the user's project folder; a symlinked folder is followed.
- folder_lock: one writer per folder at a time, waiting at most a timeout.

Every OSError (disk full, read-only, quota, permissions) becomes an InputError: one line naming
the file, saying that the previous content is unchanged.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath

from tinyfw.errors import InputError, TinyfwError

try:  # POSIX
    import fcntl
except ImportError:  # Windows: msvcrt locks a file inside the folder instead
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

# How long a command waits for another one writing into the same folder.
LOCK_WAIT_S = 30.0
# Files whose presence marks a folder as the user's project, never an output folder.
PROJECT_MARKERS = ("tinyfw.toml", ".git", "platformio.ini")

# (relative posix path, file) -> None if the existing file may be replaced, else why not; a
# reason starting with EDITED marks a file the writer made and someone changed.
Checker = Callable[[str, Path], "str | None"]
EDITED = "edited by hand"


def _reason(e: OSError) -> str:
    return e.strerror or str(e) or type(e).__name__


def follow_link(path: Path) -> Path:
    """Where writing `path` must go: the target of a symlink (chains followed), else `path`."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _blocker(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` that is not a folder (a file in the way)."""
    for p in [path, *path.parents]:
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None


# -- checks before the work -----------------------------------------------------------------------


def check_writable_dir(path: Path, *, shown: Path | None = None) -> Path:
    """Make sure files can be created in folder `path` (created with its parents if missing).

    InputError (one line naming `shown`, default `path`) when a file stands where a folder
    should be, the folder cannot be created, or nothing can be written in it (read-only
    folder or file system, permissions). Returns the folder (symlinks followed).
    """
    shown = Path(shown if shown is not None else path)
    folder = follow_link(Path(path))
    blocker = _blocker(folder)
    if blocker is not None:
        raise InputError(f"cannot create it: {blocker} is a file, not a folder", file=shown)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create {folder}: {_reason(e)}", file=shown) from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".tinyfw-probe-", dir=folder)
    except OSError as e:
        raise InputError(f"cannot write in {folder}: {_reason(e)}", file=shown) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return folder


def check_output_file(path: Path) -> Path:
    """Before the work: `path` can be written atomically (its folder is writable and it is not
    a device, a pipe or a folder, e.g. /dev/full). Returns where it will be written."""
    path = Path(path)
    target = follow_link(path)
    if target.exists() and not target.is_file():
        what = "a folder" if target.is_dir() else "not a regular file (a device or a pipe)"
        raise InputError(f"is {what}; give a file name for this output", file=path)
    check_writable_dir(target.parent, shown=path)
    return target


def _is_same_or_inside(a: Path, b: Path) -> bool:
    """True if folder `b` is `a` or inside it."""
    try:
        b.relative_to(a)
    except ValueError:
        return False
    return True


def check_output_folder(
    out_dir: Path, check: Checker, *, force: bool = False, hint: str = "regenerate with --force",
    subfolders: tuple[str, ...] = (),
) -> Path:
    """Before the work: `out_dir` can be replaced as a whole by write_folder. Returns the
    folder that will be written (symlinks followed).

    Refused, even with force: a file where the folder should be; the current folder or one
    that holds it; a project folder (tinyfw.toml, .git, platformio.ini); a folder holding
    files and none that tinyfw made. Refused unless force: a file tinyfw made and someone
    edited, a file or folder someone added. InputError names the first file in question.
    `subfolders`: the folders inside `out_dir` that the writer itself makes (their files are
    checked one by one).
    """
    out_dir = Path(out_dir)
    real = follow_link(out_dir)
    if real.exists() and not real.is_dir():
        raise InputError("exists and is not a folder", file=out_dir)
    check_writable_dir(real.parent, shown=out_dir)
    problems = _foreign_files(out_dir, real, check, subfolders)
    if problems and not force:
        _refuse(problems, real, hint)
    return real


def _refuse(problems: list[tuple[Path, str]], real: Path, hint: str) -> None:
    f, why = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise InputError(f"{why}{more}; {hint} (keeps the old folder as {backup_path(real)})", file=f)


def _foreign_files(
    shown: Path, real: Path, check: Checker, subfolders: tuple[str, ...] = ()
) -> list[tuple[Path, str]]:
    """What in folder `real` (shown as `shown`) is not an unedited output of `check`'s writer.

    Raises InputError for a folder that must never be replaced (see check_output_folder)."""
    if not real.is_dir():
        return []
    resolved = real.resolve()
    cwd = Path.cwd().resolve()
    if _is_same_or_inside(resolved, cwd):
        here = "the current folder" if resolved == cwd else "a folder holding the current one"
        raise InputError(
            f"is {here}: an output folder is replaced as a whole, so it must be a folder of "
            "its own (e.g. firmware/generated); choose another output folder", file=shown,
        )
    for marker in PROJECT_MARKERS:
        if (real / marker).exists():
            raise InputError(
                f"holds {marker}: it is a project folder, not an output folder (it would be "
                "replaced as a whole); choose a folder of its own, e.g. firmware/generated",
                file=shown,
            )
    problems: list[tuple[Path, str]] = []
    ours = 0
    for f, rel in _walk(real, shown, subfolders):
        if f.is_dir() and not f.is_symlink():
            problems.append((rel, "is a folder, not a generated file"))
            continue
        try:
            why = check(rel.relative_to(shown).as_posix(), f)
        except OSError as e:
            why = f"cannot be read ({_reason(e)})"
        if why is None or why.startswith(EDITED):
            ours += 1
        if why is not None:
            problems.append((rel, why))
    if problems and ours == 0:
        f, why = problems[0]
        raise InputError(
            f"{why}, and {shown} holds no file tinyfw generated: it is not an output folder "
            "of tinyfw (--force would replace it as a whole); choose a new or empty folder",
            file=f,
        )
    return problems


def _walk(real: Path, shown: Path, subfolders: tuple[str, ...]) -> Iterator[tuple[Path, Path]]:
    """(entry, the same path under `shown`) for what `real` holds; `subfolders` are entered."""
    for f in sorted(real.iterdir()):
        if f.is_dir() and not f.is_symlink() and f.name in subfolders:
            for g in sorted(f.iterdir()):
                yield g, shown / f.name / g.name
        else:
            yield f, shown / f.name


# -- one file -------------------------------------------------------------------------------------


def _fsync_dir(d: Path) -> None:
    """Make a rename in `d` durable (not possible on Windows, where folders cannot be opened)."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Replace `path` with `data` all at once: a reader (or a crash) sees the old file or the
    new one, never a part. A symlink is followed (its target is replaced, the link stays); a
    missing folder is created. An OSError becomes InputError naming `path`, the previous file
    unchanged and no temporary file left. Returns the file written."""
    path = Path(path)
    target = follow_link(path)
    if target.exists() and not target.is_file():
        raise InputError("is not a regular file; give a file name for this output", file=path)
    existed = target.exists()
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        mode = stat.S_IMODE(target.stat().st_mode) if existed else _new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
        _fsync_dir(target.parent)
    except OSError as e:
        blocker = _blocker(target.parent)
        if blocker is not None:
            msg = f"cannot create it: {blocker} is a file, not a folder"
        else:
            after = "the previous file is unchanged" if existed else "nothing was written"
            msg = f"cannot write: {_reason(e)}; {after}"
        raise InputError(msg, file=path) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def atomic_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """atomic_write_bytes of `text` with LF line ends on every system."""
    return atomic_write_bytes(path, text.encode(encoding))


# -- a lock ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def folder_lock(
    folder: Path, *, what: str = "tinyfw", timeout: float = LOCK_WAIT_S,
    shown: Path | None = None, shared: bool = False,
) -> Iterator[None]:
    """One writer in `folder` at a time (or, shared=True, any number of readers and no
    writer): waits up to `timeout` s for another, then one line (TinyfwError naming `shown`,
    default `folder`: `another <what> has been writing here`).

    POSIX: flock on the folder itself (no lock file; the kernel drops it when a process dies).
    Windows: msvcrt lock on `folder/.tinyfw.lock` (always exclusive).
    """
    folder = Path(folder)
    shown = Path(shown if shown is not None else folder)
    if fcntl is None and msvcrt is None:  # pragma: no cover - neither POSIX nor Windows
        yield
        return
    if fcntl is not None:
        fd = os.open(folder, os.O_RDONLY)

        def try_lock() -> bool:
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
    else:  # pragma: no cover - Windows
        fd = os.open(folder / ".tinyfw.lock", os.O_RDWR | os.O_CREAT, 0o666)

        def try_lock() -> bool:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                return False
            return True
    try:
        deadline = time.monotonic() + timeout
        while not try_lock():
            if time.monotonic() > deadline:
                raise TinyfwError(
                    f"{shown}: another {what} has been writing here for {timeout:.0f} s; "
                    "try again when it has finished"
                )
            time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


# -- a whole folder -------------------------------------------------------------------------------


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directory entries atomically (Linux renameat2 RENAME_EXCHANGE).

    False when the system cannot (other kernels, other C libraries, Windows, some file
    systems): the caller falls back to two renames.
    """
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def recover(out_dir: Path) -> None:
    """Undo what a run killed mid-way (SIGKILL, power loss) left next to `out_dir`.

    Temporary folders (`.<name>.tmp-*`) only ever hold generated files, never the user's: they
    are deleted. A `.<name>.old-*` folder is the previous output moved aside by the two-rename
    fallback; if `out_dir` itself is missing it is put back, otherwise deleted.
    """
    parent, name = out_dir.parent, out_dir.name
    for old in sorted(parent.glob(f".{name}.old-*")):
        if not out_dir.exists():
            os.rename(old, out_dir)
        else:
            _remove(old)
    for tmp in parent.glob(f".{name}.tmp-*"):
        _remove(tmp)


def _remove(p: Path) -> None:
    """Delete a leftover folder (or a link or file that a run of an older tinyfw left)."""
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            p.unlink()


def backup_path(out_dir: Path) -> Path:
    """`<out_dir>.bak`, or `.bak-2`, `.bak-3`, ...: an existing backup is never replaced."""
    bak = out_dir.with_name(f"{out_dir.name}.bak")
    n = 2
    while bak.exists() or bak.is_symlink():
        bak = out_dir.with_name(f"{out_dir.name}.bak-{n}")
        n += 1
    return bak


@contextlib.contextmanager
def no_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM back for the few system calls of a swap; they take
    effect right after it. (Handlers, not a signal mask: a mask covers one thread only, and
    numpy's worker threads would still take the signal.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)

    old = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        for s in caught[:1]:
            handler = old[s]
            if callable(handler):
                handler(s, None)  # SIGINT: default_int_handler raises KeyboardInterrupt
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), s)


def _swap_by_renames(new: Path, out_dir: Path, aside: Path) -> None:
    """`out_dir` -> `aside`, then `new` -> `out_dir`; on failure put `out_dir` back."""
    try:
        os.rename(out_dir, aside)
        os.rename(new, out_dir)
    except BaseException:
        if aside.exists() and not out_dir.exists():
            os.rename(aside, out_dir)
        raise


def _folder_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def _check_names(files: Mapping[str, bytes | str]) -> None:
    for name in files:
        parts = PurePosixPath(name).parts
        if (not parts or PurePosixPath(name).is_absolute() or "\\" in name
                or any(p in ("", ".", "..") or p.startswith(".") for p in parts)):
            raise ValueError(f"output file name {name!r} is not a plain relative path")


def write_folder(
    out_dir: Path,
    files: Mapping[str, bytes | str],
    *,
    check: Checker,
    force: bool = False,
    what: str = "tinyfw generate",
    hint: str = "regenerate with --force",
) -> list[Path]:
    """Write `files` (relative posix path -> text or bytes) as the whole content of `out_dir`:
    all or nothing, user edits never lost.

    The files are written (and fsynced) into a temporary sibling folder, which then replaces
    `out_dir` in one atomic exchange (two renames where the system cannot exchange). An error,
    Ctrl-C or kill at any point leaves the previous `out_dir` complete; leftovers of a killed
    run are cleaned (or put back) by the next one. `out_dir` may be a symlink: the folder it
    points to is replaced (beside itself), the link stays. An existing file for which
    `check(relative path, file)` gives a reason (edited by hand, not generated) stops the run
    (InputError naming it, `hint` saying how to go on) unless force=True: then the old folder is
    kept as `<out_dir>.bak` (`.bak-2`, ... if that exists). Folders that must never be replaced
    are refused even with force (see check_output_folder). Returns the backups made.
    """
    out_dir = Path(out_dir)
    _check_names(files)
    subfolders = tuple(sorted({PurePosixPath(n).parts[0] for n in files if "/" in n}))
    try:
        real = check_output_folder(out_dir, check, force=force, hint=hint, subfolders=subfolders)
        with folder_lock(real.parent, what=what, shown=out_dir):
            return _write_swapped(out_dir, real, files, check, subfolders, force, hint)
    except (FileExistsError, NotADirectoryError) as e:
        raise InputError(
            f"cannot create it: {e.filename} is a file, not a folder", file=out_dir
        ) from None
    except OSError as e:  # disk full, read-only, quota...
        name = f" {Path(e.filename).name}" if e.filename else ""
        raise InputError(
            f"cannot write{name}: {_reason(e)}; the previous output is unchanged", file=out_dir
        ) from None


def _write_swapped(
    out_dir: Path, real: Path, files: Mapping[str, bytes | str], check: Checker,
    subfolders: tuple[str, ...], force: bool, hint: str,
) -> list[Path]:
    parent = real.parent
    backups: list[Path] = []
    recover(real)
    # again under the lock: another writer may have changed the folder since the check
    problems = _foreign_files(out_dir, real, check, subfolders)
    if problems and not force:
        _refuse(problems, real, hint)
    tmp = Path(tempfile.mkdtemp(prefix=f".{real.name}.tmp-", dir=parent))
    try:
        os.chmod(tmp, _folder_mode())  # mkdtemp makes it private (0700)
        for sub in subfolders:
            (tmp / sub).mkdir(parents=True, exist_ok=True)
        for name, content in sorted(files.items()):
            data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
            dest = tmp / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for d in sorted({(tmp / n).parent for n in files}, reverse=True):
            _fsync_dir(d)
        with no_interrupts():
            if not real.exists():
                os.rename(tmp, real)
            elif problems:  # force: the old folder (with the edits) becomes the backup
                bak = backup_path(real)
                _swap_by_renames(tmp, real, bak)
                backups.append(bak)
            elif not _exchange(tmp, real):
                old = parent / f".{real.name}.old-{os.getpid()}"
                _swap_by_renames(tmp, real, old)
        _fsync_dir(parent)
        for old in parent.glob(f".{real.name}.old-*"):
            _remove(old)
    finally:
        if tmp.exists():  # the new files after a failure, or the old ones after exchange
            shutil.rmtree(tmp, ignore_errors=True)
    return backups
