"""Host builds of generated models (gcc, x86): the verification app compiled with the same
kernels the firmware uses, with sanitizers, so pytest can compare every byte with the oracle.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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


def build_verify_host(gen_dir: Path, out: Path, *, prefix: str = "model", sanitize: bool = True,
                      extra_cflags: list[str] | None = None) -> Path:
    """Compile kernels + generated model + the verification app for the host; returns the binary."""
    if prefix != "model":
        raise ValueError("the verification app calls model_*(); generate with prefix 'model'")
    verify = FIRMWARE / "verify"
    sources = sorted(KERNELS.glob("*.c")) + [gen_dir / f"{prefix}.c", verify / "verify_main.c",
                                             verify / "verify_io_host.c"]
    cmd = [host_cc(), *CFLAGS, *(SANITIZE if sanitize else []), *(extra_cflags or []),
           "-I", str(KERNELS), "-I", str(gen_dir), "-I", str(verify),
           "-include", str(verify / "verify_trace.h"),
           *map(str, sources), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RunFailed(f"host build failed: {r.stderr.strip().splitlines()[:20]}")
    return out


def run_verify_host(binary: Path, records: bytes, *, trace: bool = False, timeout_s: float = 60) -> list[str]:
    """Run the host verification binary on concatenated input records; returns stdout lines."""
    env = {"TFW_VERIFY_TRACE": "1" if trace else "0", "ASAN_OPTIONS": "detect_leaks=0",
           "UBSAN_OPTIONS": "print_stacktrace=1", "PATH": "/usr/bin:/bin"}
    r = subprocess.run([str(binary)], input=records, capture_output=True, timeout=timeout_s, env=env)
    if r.returncode != 0:
        raise RunFailed(f"{binary.name} exited {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
    return r.stdout.decode().splitlines()
