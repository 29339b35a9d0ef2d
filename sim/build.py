"""`tinyfw build`: the firmware through PlatformIO (the in-repo offline platform), then what it
costs on the board: flash and static RAM from the ELF against the board manifest's limits.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tinyfw import fileio, procs
from tinyfw.errors import InputError, RunFailed, ToolMissing
from tinyfw.sim.boards import BoardInfo, load_board
from tinyfw.sim.elfsize import elf_sizes
from tinyfw.sim.fit import check_model_fits
from tinyfw.sim.sensor_config import SensorSettings, driver_settings

# ld names the memory region that is too small: "region `RAM' overflowed by 123 bytes",
# "section `.bss' will not fit in region `RAM'".
_REGION = re.compile(r"region [`']?(\w+)")

# The manifest fields a firmware too big for its board is reported against (InputError.field).
LIMIT_FIELDS = ("upload.maximum_size", "upload.maximum_ram_size")

# How long a build waits for another build or a generate holding its folders.
BUILD_LOCK_WAIT_S = 600.0

PIO_ENV = {
    "PLATFORMIO_SETTING_ENABLE_TELEMETRY": "no",
    "PLATFORMIO_DISABLE_UPGRADE_CHECK": "true",
    "PLATFORMIO_NO_ANSI": "true",
}


def pio_executable() -> str:
    here = Path(sys.executable).parent / "pio"
    if here.is_file():
        return str(here)
    found = shutil.which("pio") or shutil.which("platformio")
    if found is None:
        raise ToolMissing("PlatformIO (pio) is not installed: run `make setup`")
    return found


def pio_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PIO_ENV)
    env.update(extra or {})
    return env


@dataclass
class BuildResult:
    board: BoardInfo
    elf: Path
    flash: int
    ram_static: int
    output: str
    sensor: SensorSettings | None = None  # a real sensor, configured from the model's contract

    def summary(self) -> str:
        b = self.board
        return (f"{self.sensor.summary()}\n" if self.sensor is not None else "") + (
            f"built {self.elf} for {b.id} ({b.name})\n"
            f"flash {self.flash} B of {b.flash_bytes} B ({100.0 * self.flash / b.flash_bytes:.2f} %), "
            f"static RAM {self.ram_static} B of {b.ram_bytes} B "
            f"({100.0 * self.ram_static / b.ram_bytes:.2f} %; data + bss, stacks not included)"
        )


def firmware_elf(root: Path, board: str, build_dir: Path | None = None) -> Path:
    """Where PlatformIO puts the ELF: build_dir, else $PLATFORMIO_BUILD_DIR, else .pio/build."""
    env_dir = os.environ.get("PLATFORMIO_BUILD_DIR")
    base = (build_dir if build_dir is not None else root / env_dir if env_dir
            else root / ".pio" / "build")  # (a relative $PLATFORMIO_BUILD_DIR: the project's)
    return base / board / "firmware.elf"


@contextlib.contextmanager
def build_lock(build_dir: Path, generated: Path) -> Iterator[None]:
    """A build holds its output folder exclusively (two builds into one folder interleave
    objects and fail in ld; the second waits and finds everything up to date) and the generated
    sources' folder shared, so `tinyfw generate` (which swaps that folder under an exclusive
    lock on its parent) waits until the compiler has read them, and the other way round."""
    generated = fileio.follow_link(generated)
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    with (
        fileio.folder_lock(generated.parent, what="tinyfw generate", shared=True,
                           timeout=BUILD_LOCK_WAIT_S),
        fileio.folder_lock(build_dir.parent, what="tinyfw build", timeout=BUILD_LOCK_WAIT_S),
    ):
        yield


def check_build_inputs(root: Path, board: str, generated: Path | None = None) -> BoardInfo:
    """What a build needs before it starts: a known board, a PlatformIO project and, for the
    app with a generated model (`generated`, its model.json), a model that can fit the board
    (sim/fit.py: refused with the numbers before the compiler runs)."""
    info = load_board(board, root / "boards")
    if generated is not None:
        try:
            desc = json.loads((Path(generated) / "model.json").read_text(encoding="utf-8"))
            arena, const = int(desc["arena_bytes"]), int(desc["const_bytes"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no readable description: the build reports what is wrong
        else:
            check_model_fits(info, arena, const)
    if not (root / "platformio.ini").is_file():
        raise InputError(
            "no platformio.ini here: tinyfw builds the firmware in a PlatformIO project "
            "(a checkout of tinyfw holds one); run tinyfw from there or pass --project",
            file=root / "platformio.ini",
        )
    return info


def build_firmware(
    root: Path,
    board: str,
    *,
    app: str | None = None,
    generated: Path | None = None,
    build_dir: Path | None = None,
    extra_flags: str | None = None,
    verbose: bool = False,
    timeout_s: float = 600,
) -> BuildResult:
    """`pio run -e <board>` in the project `root`; returns the ELF and its sizes.

    app / generated / build_dir / extra_flags select a test build (TINYFW_APP,
    TINYFW_GENERATED, PLATFORMIO_BUILD_DIR, PLATFORMIO_BUILD_FLAGS) without touching the
    default one. A board with a real sensor gets its driver configured from the model's
    contract (sim/sensor_config.py), or the build is refused before it starts.
    """
    model_dir = (generated or root / "firmware" / "generated") if app is None else None
    info = check_build_inputs(root, board, model_dir)
    sensor = None
    if info.sensor is not None and app in (None, "app"):
        sensor = driver_settings(info, root, generated or root / "firmware" / "generated")
        if sensor is not None:
            extra_flags = " ".join(f for f in (extra_flags, sensor.flags()) if f)
    if shutil.which("arm-none-eabi-gcc") is None:
        raise ToolMissing(
            "arm-none-eabi-gcc is not installed: run `make setup` or "
            "`apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi`"
        )
    extra: dict[str, str] = {}
    if app is not None:
        extra["TINYFW_APP"] = app
    if generated is not None:
        extra["TINYFW_GENERATED"] = str(generated)
    if build_dir is not None:
        extra["PLATFORMIO_BUILD_DIR"] = str(build_dir)
    if extra_flags:
        extra["PLATFORMIO_BUILD_FLAGS"] = extra_flags
    cmd = [pio_executable(), "run", "-e", board, "-d", str(root)]
    if verbose:
        cmd.append("-v")
    elf = firmware_elf(root, board, build_dir)
    with build_lock(elf.parent, generated or root / "firmware" / "generated"):
        done = procs.run(cmd, timeout_s=timeout_s, env=pio_environment(extra))
    out = (done.stdout + done.stderr).decode("utf-8", errors="replace")
    if done.timed_out:
        raise RunFailed(f"PlatformIO build for {board} timed out after {timeout_s:g} s")
    if verbose:
        print(out)
    if done.returncode != 0:
        _raise_build_error(out, board, info)
    elf = firmware_elf(root, board, build_dir)
    sizes = elf_sizes(elf)
    result = BuildResult(info, elf, sizes.flash, sizes.ram_static, out, sensor)
    return result


def _raise_build_error(out: str, board: str, info: BoardInfo) -> None:
    lines = out.splitlines()
    overflow = [ln for ln in lines if "will not fit in region" in ln or "overflowed by" in ln]
    if overflow:
        regions = [m[1] for ln in overflow for m in [_REGION.search(ln)] if m]
        detail = next((ln.strip() for ln in overflow if "overflowed" in ln), overflow[0].strip())
        raise InputError(
            f"the firmware does not fit the board ({info.flash_bytes} B flash, "
            f"{info.ram_bytes} B RAM): {detail}",
            file=info.manifest,
            field="upload.maximum_ram_size" if "RAM" in regions else "upload.maximum_size",
        )
    errors = [ln for ln in lines if "error" in ln.lower()]
    detail = " | ".join(e.strip() for e in errors[:3]) or (lines[-1] if lines else "")
    raise RunFailed(f"PlatformIO build for {board} failed: {detail}")
