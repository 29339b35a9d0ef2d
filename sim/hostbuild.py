"""Host builds of generated models (gcc, x86): the verification app compiled with the same
kernels the firmware uses, with sanitizers, so pytest can compare every byte with the oracle.

The kernels can be compiled once into a static library (build_kernel_lib) and linked into many
verification binaries (one per generated model), which is what the op tests do.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tinyfw import procs
from tinyfw.errors import RunFailed, ToolMissing
from tinyfw.paths import FIRMWARE, KERNELS

CFLAGS = ["-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wconversion",
          "-Wno-sign-conversion"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def host_cc() -> str:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise ToolMissing("no host C compiler: install gcc (apt-get install gcc)")
    return cc


def _run(cmd: list[str], what: str, timeout_s: float = 600) -> None:
    r = procs.run(cmd, timeout_s=timeout_s)
    if r.timed_out:
        raise RunFailed(f"{what} timed out after {timeout_s:g} s")
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", errors="replace")
        raise RunFailed(f"{what} failed: {err.strip().splitlines()[:20]}")


def _flags(sanitize: bool, extra_cflags: list[str] | None) -> list[str]:
    return [*CFLAGS, *(SANITIZE if sanitize else []), *(extra_cflags or [])]


def build_kernel_lib(out_dir: Path, *, sanitize: bool = True,
                     extra_cflags: list[str] | None = None) -> Path:
    """Compile every kernel once into `out_dir/libtfw_kernels-<hash>.a` (reused while the
    kernel sources and flags are unchanged); returns the archive."""
    flags = _flags(sanitize, extra_cflags)
    sources = sorted(KERNELS.glob("*.c"))
    h = hashlib.sha256(" ".join(flags).encode())
    for f in sorted(KERNELS.glob("*.[ch]")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    out_dir = Path(out_dir)
    lib = out_dir / f"libtfw_kernels-{h.hexdigest()[:16]}.a"
    if lib.is_file():
        return lib
    obj_dir = out_dir / f"obj-{h.hexdigest()[:16]}"
    obj_dir.mkdir(parents=True, exist_ok=True)
    objs = []
    for src in sources:
        obj = obj_dir / (src.stem + ".o")
        _run([host_cc(), *flags, "-I", str(KERNELS), "-c", str(src), "-o", str(obj)],
             f"host build of {src.name}")
        objs.append(str(obj))
    tmp = lib.with_suffix(".tmp")
    _run(["ar", "rcs", str(tmp), *objs], "ar")
    tmp.rename(lib)
    return lib


def build_verify_host(gen_dir: Path, out: Path, *, prefix: str = "model", sanitize: bool = True,
                      extra_cflags: list[str] | None = None,
                      kernel_lib: Path | None = None) -> Path:
    """Compile kernels (or link `kernel_lib`) + generated model + the verification app for the
    host; returns the binary."""
    if prefix != "model":
        raise ValueError("the verification app calls model_*(); generate with prefix 'model'")
    verify = FIRMWARE / "verify"
    sources = [] if kernel_lib is not None else sorted(KERNELS.glob("*.c"))
    sources += [Path(gen_dir) / f"{prefix}.c", verify / "verify_main.c",
                verify / "verify_io_host.c"]
    cmd = [host_cc(), *_flags(sanitize, extra_cflags),
           "-I", str(KERNELS), "-I", str(gen_dir), "-I", str(verify),
           "-include", str(verify / "verify_trace.h"),
           *map(str, sources), *([str(kernel_lib)] if kernel_lib is not None else []),
           "-o", str(out)]
    _run(cmd, "host build")
    return out


def run_verify_host(binary: Path, records: bytes, *, trace: bool = False, timeout_s: float = 120) -> list[str]:
    """Run the host verification binary on concatenated input records; returns stdout lines."""
    env = {"TFW_VERIFY_TRACE": "1" if trace else "0", "ASAN_OPTIONS": "detect_leaks=0",
           "UBSAN_OPTIONS": "print_stacktrace=1", "PATH": "/usr/bin:/bin"}
    r = procs.run([str(binary)], input=records, timeout_s=timeout_s, env=env)
    if r.timed_out:
        raise RunFailed(f"{binary.name} timed out after {timeout_s:g} s")
    if r.returncode != 0:
        raise RunFailed(f"{binary.name} exited {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
    return r.stdout.decode().splitlines()
