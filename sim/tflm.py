"""The TensorFlow Lite Micro backend's build: TFLM compiled once per board, kernels and flags
into a cached static library, outside the source tree.

Users bring their own TFLM tree and name it with the environment variable TFLM_DIR. The tree is
a TFLM source checkout with its third-party downloads in place (what
../shared/tools/build_tflm_tree.sh, or TFLM's own `make ... third_party_downloads`, produces):

    $TFLM_DIR/tensorflow/lite/micro/tools/make/Makefile
    $TFLM_DIR/tensorflow/lite/micro/tools/make/downloads/{flatbuffers,gemmlowp,ruy,kissfft,
        pigweed,cmsis,cmsis_nn}      (cmsis_nn only for TFLM_KERNELS=cmsis_nn)

The library is built with TFLM's own Makefile (its file lists and flags, TARGET=cortex_m_generic,
TARGET_ARCH from the board), into build/tflm/<key>/ of the checkout (or $TINYFW_TFLM_CACHE):
libtflm.a plus flags.json (the defines and include folders the generated model.cc must be
compiled with, so that its view of TFLM's structs is the library's). <key> is a hash of the
tree (its folder and Makefile), the TFLM_DIR target arch, the kernels, the optimization level
and the compiler version; a second build with the same key reuses the library.

Choices (environment variables): TFLM_KERNELS = reference | cmsis_nn (default reference),
TFLM_OPT = -O2 | -Os | ... (all of TFLM's optimization levels; default -O2, tinyfw's own),
TFLM_BUILD_TYPE = TFLM's BUILD_TYPE (default release_with_logs: -DNDEBUG, TFLM's DCHECKs off,
the build bench/ANCHORS.md's numbers were measured with: its reference -O2 count, 329,592, is
reproduced to 2 instructions with it and is 3.8x lower than with TFLM's own `default` build,
which keeps the DCHECKs; TFLM_BUILD_TYPE=default selects that one), TFLM_JOBS (make -j; default the number of cores), TFLM_PYTHON (a python3
with Pillow: TFLM's Makefile runs a script while it parses).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tinyfw import fileio, procs
from tinyfw.errors import InputError, RunFailed, ToolMissing
from tinyfw.paths import ROOT
from tinyfw.sim.boards import BoardInfo

KERNELS = ("reference", "cmsis_nn")
MAKEFILE = Path("tensorflow/lite/micro/tools/make/Makefile")
DOWNLOADS = Path("tensorflow/lite/micro/tools/make/downloads")
TFLM_DIR_HINT = (
    "set TFLM_DIR to a TensorFlow Lite Micro source tree with its downloads "
    "(README.md, 'TFLite Micro backend', says how to make one)"
)
BUILD_TIMEOUT_S = 3600.0
# Appended to TFLM's Makefile (make -f Makefile -f this): prints the flags it compiles with.
_PRINT_MK = """\
tinyfw_print_flags:
\t@echo "TINYFW_CXXFLAGS=$(CXXFLAGS)"
\t@echo "TINYFW_INCLUDES=$(INCLUDES)"
\t@echo "TINYFW_LIBS=$(MICROLITE_LIBS)"
"""


def tflm_dir(env: dict[str, str] | None = None) -> Path:
    """The TFLM tree named by $TFLM_DIR, checked; InputError (exit 2, one line) otherwise."""
    env = os.environ if env is None else env
    value = env.get("TFLM_DIR", "").strip()
    if not value:
        raise InputError(f"TFLM_DIR is not set: {TFLM_DIR_HINT}", field="TFLM_DIR")
    d = Path(value).expanduser()
    if not (d / MAKEFILE).is_file():
        raise InputError(f"no {MAKEFILE} here: {TFLM_DIR_HINT}", file=d, field="TFLM_DIR")
    return d.resolve()


def kernels_choice(value: str | None = None) -> str:
    k = (value if value is not None else os.environ.get("TFLM_KERNELS", "")).strip() or "reference"
    if k not in KERNELS:
        raise InputError(f"{k!r} is not one of {', '.join(KERNELS)}", field="TFLM_KERNELS")
    return k


def opt_choice(value: str | None = None) -> str:
    o = (value if value is not None else os.environ.get("TFLM_OPT", "")).strip() or "-O2"
    if o not in ("-O0", "-O1", "-O2", "-O3", "-Os", "-Og"):
        raise InputError(f"{o!r} is not an optimization level (-O2, -Os, ...)", field="TFLM_OPT")
    return o


BUILD_TYPES = ("default", "release_with_logs", "release", "debug")
DEFAULT_BUILD_TYPE = "release_with_logs"  # as bench/ANCHORS.md (module docstring)


def build_type_choice() -> str:
    b = os.environ.get("TFLM_BUILD_TYPE", "").strip() or DEFAULT_BUILD_TYPE
    if b not in BUILD_TYPES:
        raise InputError(f"{b!r} is not one of {', '.join(BUILD_TYPES)}", field="TFLM_BUILD_TYPE")
    return b


def target_arch(info: BoardInfo) -> str:
    """TFLM's cortex_m_generic TARGET_ARCH for a board (its -mcpu and float ABI)."""
    cpu = info.cpu
    if cpu in ("cortex-m0", "cortex-m0plus", "cortex-m3"):
        return cpu
    if cpu in ("cortex-m4", "cortex-m7"):
        return cpu + ("+fp" if info.float_abi == "hard" else "")
    if cpu in ("cortex-m33", "cortex-m55", "cortex-m85"):
        return cpu
    raise InputError(f"TFLM's cortex_m_generic target has no arch for -mcpu={cpu}",
                     file=info.manifest, field="build.cpu")


@dataclass(frozen=True)
class TflmLibrary:
    """A built library and what code that includes TFLM's headers must be compiled with."""

    folder: Path
    lib: Path
    defines: list[str]  # -DNAME[=VALUE], as TFLM compiles its own C++
    includes: list[Path]  # absolute
    cxxflags: list[str]  # language flags (-std=c++17 -fno-rtti ...)
    arch: str
    kernels: str
    opt: str
    build_seconds: float
    reused: bool

    def as_json(self) -> dict:
        return {"lib": str(self.lib), "defines": self.defines,
                "includes": [str(p) for p in self.includes], "cxxflags": self.cxxflags,
                "arch": self.arch, "kernels": self.kernels, "opt": self.opt,
                "build_seconds": self.build_seconds}


def _gcc() -> Path:
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        raise ToolMissing("arm-none-eabi-gcc is not installed: run `make setup`")
    return Path(gcc)


def _gcc_version(gcc: Path) -> str:
    out = subprocess.run([str(gcc), "-dumpfullversion"], capture_output=True, text=True,
                         check=False)
    return out.stdout.strip()


def cache_root() -> Path:
    value = os.environ.get("TINYFW_TFLM_CACHE", "").strip()
    return Path(value).resolve() if value else ROOT / "build" / "tflm"


def cache_key(tree: Path, arch: str, kernels: str, opt: str, build_type: str = "default") -> str:
    gcc = _gcc()
    ident = {
        "tree": str(tree),
        "makefile_sha256": hashlib.sha256((tree / MAKEFILE).read_bytes()).hexdigest(),
        "arch": arch,
        "kernels": kernels,
        "opt": opt,
        "gcc": _gcc_version(gcc),
        "format": 1,
    }
    if build_type != "default":  # (keys of default builds stay what they were)
        ident["build_type"] = build_type
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]


_LANG_FLAGS = ("-std=", "-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics",
               "-fno-unwind-tables", "-fno-asynchronous-unwind-tables")


def _parse_flags(out: str, tree: Path) -> tuple[list[str], list[Path], list[str]]:
    vals = {}
    for line in out.splitlines():
        if line.startswith("TINYFW_") and "=" in line:
            k, _, v = line.partition("=")
            vals[k] = shlex.split(v)
    if "TINYFW_CXXFLAGS" not in vals or "TINYFW_INCLUDES" not in vals:
        raise RunFailed("TFLM's Makefile did not print its flags (tinyfw_print_flags)")
    defines = [f for f in vals["TINYFW_CXXFLAGS"] if f.startswith("-D")]
    cxx = [f for f in vals["TINYFW_CXXFLAGS"] if f.startswith(_LANG_FLAGS)]
    includes: list[Path] = []
    for f in vals["TINYFW_INCLUDES"]:
        if f.startswith("-I"):
            p = Path(f[2:])
            p = p if p.is_absolute() else tree / p
            if p not in includes:
                includes.append(p)
    return list(dict.fromkeys(defines)), includes, list(dict.fromkeys(cxx))


def build_library(info: BoardInfo, *, kernels: str | None = None, opt: str | None = None,
                  tree: Path | None = None, jobs: int | None = None,
                  log=None) -> TflmLibrary:
    """The cached TFLM library for this board, kernels and optimization; built if missing."""
    tree = tree if tree is not None else tflm_dir()
    kernels = kernels_choice(kernels)
    opt = opt_choice(opt)
    arch = target_arch(info)
    if kernels == "cmsis_nn" and not (tree / DOWNLOADS / "cmsis_nn").is_dir():
        raise InputError(f"TFLM_KERNELS=cmsis_nn but the tree has no {DOWNLOADS / 'cmsis_nn'}",
                         file=tree, field="TFLM_KERNELS")
    build_type = build_type_choice()
    key = cache_key(tree, arch, kernels, opt, build_type)
    folder = cache_root() / key
    folder.mkdir(parents=True, exist_ok=True)
    meta = folder / "flags.json"
    lib = folder / "libtflm.a"
    with fileio.folder_lock(folder, what="TFLM library build", timeout=BUILD_TIMEOUT_S):
        if meta.is_file() and lib.is_file():
            m = json.loads(meta.read_text())
            return TflmLibrary(folder, lib, m["defines"], [Path(p) for p in m["includes"]],
                               m["cxxflags"], arch, kernels, opt, m["build_seconds"], True)
        if log is not None:
            log(f"building TFLM ({arch}, {kernels} kernels, {opt}) into {folder} "
                "(once per board, kernels and flags; minutes)")
        (folder / "print_flags.mk").write_text(_PRINT_MK)
        gcc = _gcc()
        env = dict(os.environ)
        py = os.environ.get("TFLM_PYTHON", "").strip()
        if py:
            env["PATH"] = str(Path(py).parent) + os.pathsep + env.get("PATH", "")
        n = jobs or int(os.environ.get("TFLM_JOBS", "0") or 0) or (os.cpu_count() or 1)
        cmd = ["make", f"-j{n}", "-f", str(MAKEFILE), "-f", str(folder / "print_flags.mk"),
               "TARGET=cortex_m_generic", f"TARGET_ARCH={arch}",
               f"TARGET_TOOLCHAIN_ROOT={gcc.parent}/", f"GENDIR={folder}/gen/",
               f"CORE_OPTIMIZATION_LEVEL={opt}", f"KERNEL_OPTIMIZATION_LEVEL={opt}",
               f"THIRD_PARTY_KERNEL_OPTIMIZATION_LEVEL={opt}"]
        if kernels == "cmsis_nn":
            cmd.append("OPTIMIZED_KERNEL_DIR=cmsis_nn")
        if build_type != "default":
            cmd.append(f"BUILD_TYPE={build_type}")
        t0 = time.monotonic()
        done = procs.run(cmd + ["microlite", "tinyfw_print_flags"], cwd=tree,
                         timeout_s=BUILD_TIMEOUT_S, env=env)
        seconds = round(time.monotonic() - t0, 1)
        out = done.stdout.decode(errors="replace")
        err = done.stderr.decode(errors="replace")
        (folder / "build.log").write_text(" ".join(cmd) + "\n" + out + err)
        if done.timed_out or done.returncode != 0:
            last = [ln for ln in err.splitlines() if "rror" in ln][:2] or err.splitlines()[-2:]
            raise RunFailed(f"TFLM library build failed ({folder / 'build.log'}): "
                            + " | ".join(s.strip() for s in last))
        built = list((folder / "gen").rglob("libtensorflow-microlite.a"))
        if not built:
            raise RunFailed(f"TFLM's Makefile made no libtensorflow-microlite.a ({folder})")
        defines, includes, cxx = _parse_flags(out, tree)
        shutil.copyfile(built[0], lib)
        result = TflmLibrary(folder, lib, defines, includes, cxx, arch, kernels, opt, seconds,
                             False)
        fileio.atomic_write_text(meta, json.dumps(result.as_json(), indent=2) + "\n")
        shutil.rmtree(folder / "gen" / "obj", ignore_errors=True)  # 2 MB .a kept, objects not
        return result


def backend_of(gen_dir: Path) -> str:
    """The backend a generated folder was written for: tflm if it holds model.cc."""
    return "tflm" if (Path(gen_dir) / "model.cc").is_file() else "native"


def check_backend(gen_dir: Path, backend: str | None) -> None:
    """`tinyfw build [--backend B]`: the generated folder is B's; a tflm one needs TFLM_DIR
    (and valid TFLM_KERNELS / TFLM_OPT), checked before PlatformIO starts."""
    have = backend_of(gen_dir)
    if backend is not None and have != backend:
        raise InputError(f"holds the {have} backend's code; run `tinyfw generate --backend "
                         f"{backend}` first", file=gen_dir)
    if have == "tflm":
        tflm_dir()
        kernels_choice()
        opt_choice()
        build_type_choice()


def ensure_library(board: str, gen_dir: Path, *, kernels: str | None = None) -> TflmLibrary | None:
    """Before a PlatformIO build of `gen_dir`: the TFLM library for `board` built (or found in
    the cache) here, outside PlatformIO's build timeout; None for native code."""
    if backend_of(gen_dir) != "tflm":
        return None
    from tinyfw.sim.boards import load_board

    return build_library(load_board(board), kernels=kernels, log=print)
