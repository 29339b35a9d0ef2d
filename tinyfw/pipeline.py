"""`tinyfw all`: train -> generate -> build -> simulate, each step run only when it is stale.

A step is stale when the content hash of one of its inputs differs from the one its stamp
(`build/stamps/<step>.json`, written atomically after the step succeeded) recorded, or when one
of its outputs is missing or is not the file the step wrote. Inputs are content, never times:

| step     | inputs                                                               | outputs |
|----------|----------------------------------------------------------------------|---------|
| train    | every recording under the data folder, [data] [window] [model] [split] [post], tinyfw's training code, TensorFlow/Keras versions | build/model/{model_int8.tflite, model_float.keras, report.json} |
| generate | model_int8.tflite, [data] [window] [post], the code generator and its templates | firmware/generated/* |
| build    | every file under firmware/ (generated included), platformio.ini, the board manifest, the offline platform, the build's environment variables | the ELF |
| simulate | the ELF, the generated model, the recordings, [data] [window] [split] [post], the simulator code, the split | the JSON report |

`--force` reruns every step. After the run, the build summary (tinyfw.summary) is written and,
when the model or firmware changed, compared with the previous one.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tinyfw import __version__, fileio
from tinyfw.config import Config
from tinyfw.console import Console
from tinyfw.errors import InputError
from tinyfw.paths import ROOT
from tinyfw.quiet import captured_fd2

STAMP_FORMAT = 1
STEPS = ("train", "generate", "build", "simulate")

# tinyfw's own files each step's result depends on (relative to the checkout it runs from).
CODE = {
    "train": ["model", "tinyfw/config.py"],
    "generate": ["codegen", "tinyfw/project.py", "model/contract.py", "model/preprocess.py",
                 "model/postprocess.py"],
    "build": ["sim/build.py", "sim/boards.py", "sim/sensor_config.py", "platform"],
    "simulate": ["sim", "model"],
}
# Config sections each step reads.
SECTIONS = {
    "train": ("data", "window", "model", "preprocess", "split", "post"),
    "generate": ("data", "window", "preprocess", "post"),
    "simulate": ("data", "window", "split", "post"),
}
# Environment variables that change what PlatformIO builds.
BUILD_ENV = ("TINYFW_APP", "TINYFW_EXTRA_SRC", "TINYFW_GENERATED", "PLATFORMIO_BUILD_FLAGS",
             "PLATFORMIO_BUILD_DIR")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files(base: Path, names: Iterable[str]) -> Iterable[tuple[str, Path]]:
    """(name relative to base, path) of every file of the named files and folders, sorted;
    hidden files and folders, caches and editor backups left out."""
    for name in names:
        p = base / name
        if p.is_file():
            yield name, p
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(base)
                if not f.is_file() or any(part.startswith(".") or part == "__pycache__"
                                          for part in rel.parts) or f.name.endswith("~"):
                    continue
                yield rel.as_posix(), f


def hash_files(base: Path, names: Iterable[str], prefix: str = "") -> dict[str, str]:
    return {prefix + rel: sha256_file(p) for rel, p in _files(base, names)}


def digest(items: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()


def _config_inputs(cfg: Config, step: str) -> dict[str, str]:
    return {f"tinyfw.toml [{s}]": digest({"v": repr(asdict(getattr(cfg, s)))})
            for s in SECTIONS[step]}


def _code_input(step: str) -> dict[str, str]:
    code = hash_files(ROOT, CODE[step])
    code["version"] = __version__
    if step == "train":
        for dist in ("tensorflow-cpu", "tensorflow", "keras"):
            try:
                code[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                pass
    return {f"tinyfw {step} code": digest(code)}


def data_inputs(cfg: Config, data_dir: Path) -> dict[str, str]:
    if not data_dir.is_dir():
        raise InputError("the data folder does not exist", file=data_dir, field="data.dir")
    folders = sorted(p.name for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    files = hash_files(data_dir, folders, prefix="data/")
    files["data folders"] = digest({"folders": ",".join(folders)})
    return files


@dataclass
class Ctx:
    cfg: Config
    board: str
    data_dir: Path
    split: str
    console: Console
    force: bool = False
    ran: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.cfg.root

    @property
    def model_dir(self) -> Path:
        return self.root / "build" / "model"

    @property
    def gen_dir(self) -> Path:
        return self.root / "firmware" / "generated"

    @property
    def elf(self) -> Path:
        from tinyfw.sim.build import firmware_elf

        return firmware_elf(self.root, self.board)

    @property
    def report(self) -> Path:
        """The simulation report of this board (`tinyfw all` copies it where --report says)."""
        return self.root / "build" / "sim" / self.board / "report.json"

    def stamp_path(self, step: str) -> Path:
        suffix = f"-{self.board}" if step in ("build", "simulate") else ""
        return self.root / "build" / "stamps" / f"{step}{suffix}.json"


# -- the steps -------------------------------------------------------------------------------


def _train_inputs(c: Ctx) -> dict[str, str]:
    return {**data_inputs(c.cfg, c.data_dir), **_config_inputs(c.cfg, "train"),
            **_code_input("train")}


def _train_outputs(c: Ctx) -> list[Path]:
    return [c.model_dir / n for n in ("model_int8.tflite", "model_float.keras", "report.json")]


def _train_run(c: Ctx) -> str:
    from tinyfw.model.train import train

    epochs = c.cfg.model.epochs
    with c.console.task("train", total=epochs):
        log = c.console.log_lines("train", epochs, r"epoch \d+/")
        r = train(c.cfg, c.data_dir, c.model_dir, log=log)
    return (f"float accuracy {r.float_accuracy:.4f}, int8 accuracy {r.int8_accuracy:.4f} "
            f"({r.test_windows} test windows)")


def _generate_inputs(c: Ctx) -> dict[str, str]:
    return {"build/model/model_int8.tflite": sha256_file(c.model_dir / "model_int8.tflite"),
            **_config_inputs(c.cfg, "generate"), **_code_input("generate")}


def _generate_outputs(c: Ctx) -> list[Path]:
    return [p for _, p in _files(c.gen_dir.parent, [c.gen_dir.name])]


def _generate_run(c: Ctx) -> str:
    from tinyfw.project import generate_project

    code = generate_project(c.cfg, c.model_dir / "model_int8.tflite", c.gen_dir)
    return (f"{len(code.graph.ops)} ops, {code.macs} MACs, arena {code.plan.arena_size} B, "
            f"weights {code.const_bytes} B (model sha256 {code.graph.sha256[:12]})")


def _build_inputs(c: Ctx) -> dict[str, str]:
    from tinyfw.sim.boards import load_board

    manifest = load_board(c.board, c.root / "boards").manifest
    files = hash_files(c.root, ["firmware", "platformio.ini"])
    files[f"board {c.board}"] = sha256_file(Path(manifest))
    files["environment"] = digest({k: os.environ.get(k, "") for k in BUILD_ENV})
    return {**files, **_code_input("build")}


def _build_outputs(c: Ctx) -> list[Path]:
    return [c.elf]


def _build_run(c: Ctx) -> str:
    from tinyfw.model.contract import check_generated
    from tinyfw.sim.build import build_firmware, check_build_inputs

    check_build_inputs(c.root, c.board)
    check_generated(c.cfg, c.gen_dir)
    with c.console.task(f"build {c.board}"):
        res = build_firmware(c.root, c.board)
    return res.summary().splitlines()[-1]


def _simulate_inputs(c: Ctx) -> dict[str, str]:
    return {"firmware.elf": sha256_file(c.elf),
            "firmware/generated/model.json": sha256_file(c.gen_dir / "model.json"),
            **data_inputs(c.cfg, c.data_dir), **_config_inputs(c.cfg, "simulate"),
            "split": digest({"split": c.split}), **_code_input("simulate")}


def _simulate_outputs(c: Ctx) -> list[Path]:
    return [c.report]


def _simulate_run(c: Ctx) -> str:
    from tinyfw.sim.simulate import select_recordings, simulate

    total = len(select_recordings(c.cfg, c.data_dir, c.split))
    with c.console.task(f"simulate {c.board}", total=total) as advance:
        report = simulate(c.cfg, board=c.board, data_dir=c.data_dir, split=c.split,
                          json_path=c.report, build=False,
                          on_recording=lambda r: advance(r.name))
    c.results["simulate_ok"] = report.ok
    return f"{report.windows} windows, firmware accuracy {report.firmware_accuracy:.4f}"


@dataclass(frozen=True)
class Step:
    name: str
    inputs: Callable[[Ctx], dict[str, str]]
    outputs: Callable[[Ctx], list[Path]]
    run: Callable[[Ctx], str]


PIPELINE = (
    Step("train", _train_inputs, _train_outputs, _train_run),
    Step("generate", _generate_inputs, _generate_outputs, _generate_run),
    Step("build", _build_inputs, _build_outputs, _build_run),
    Step("simulate", _simulate_inputs, _simulate_outputs, _simulate_run),
)


# -- stamps ----------------------------------------------------------------------------------


def _read_stamp(path: Path) -> dict[str, Any] | None:
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("format") != STAMP_FORMAT:
        return None
    return stamp


def _output_hashes(c: Ctx, paths: list[Path]) -> dict[str, str] | None:
    out = {}
    for p in paths:
        if not p.is_file():
            return None
        out[os.path.relpath(p, c.root)] = sha256_file(p)
    return out


def why_stale(c: Ctx, step: Step, inputs: dict[str, str]) -> str | None:
    """None when `step` is up to date, else why it must run (one short phrase)."""
    if c.force:
        return "--force"
    stamp = _read_stamp(c.stamp_path(step.name))
    if stamp is None:
        return "never run here"
    old = stamp.get("inputs", {})
    changed = sorted(k for k in inputs.keys() | old.keys() if inputs.get(k) != old.get(k))
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3
                                          else "")
        return f"changed: {shown}"
    outputs = _output_hashes(c, step.outputs(c))
    if outputs is None:
        return "an output is missing"
    if outputs != stamp.get("outputs"):
        moved = sorted(k for k in outputs if outputs[k] != stamp.get("outputs", {}).get(k))
        return f"output changed since: {', '.join(moved[:3])}"
    return None


def run_pipeline(c: Ctx, *, until: str = "simulate") -> list[str]:
    """Run the stale steps up to `until`, in order; returns the names of those that ran."""
    from tinyfw.sim.build import check_build_inputs

    check_build_inputs(c.root, c.board)  # a board or a PlatformIO project missing: before training
    for step in PIPELINE:
        inputs = step.inputs(c)
        why = why_stale(c, step, inputs)
        if why is None:
            c.console.say(f"{step.name}: up to date")
        else:
            c.console.say(f"{step.name}: running ({why})")
            t0 = time.monotonic()
            with captured_fd2():  # TensorFlow's C++ logging stays off the terminal
                line = step.run(c)
            c.console.say(f"{step.name}: {line} [{time.monotonic() - t0:.1f} s]")
            outputs = _output_hashes(c, step.outputs(c))
            stamp = {"format": STAMP_FORMAT, "step": step.name, "inputs": inputs,
                     "outputs": outputs or {}, "summary": line}
            fileio.atomic_write_text(c.stamp_path(step.name), json.dumps(stamp, indent=1) + "\n")
            c.ran.append(step.name)
        if step.name == until:
            break
    return c.ran
