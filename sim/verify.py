"""`tinyfw verify`: prove a model bit-exact on a board against TensorFlow Lite Micro.

verify_model() generates the model's C code, builds the verification app (firmware/verify/) for
the board with PlatformIO, runs N seeded random inputs (plus recorded windows with --data)
through the firmware under QEMU and through the TFLM oracle (the `tflite-micro` package; never
LiteRT's XNNPACK path), and compares every output byte. On a mismatch it reruns that input with
tracing on (the firmware prints every op's output tensor) and compares each intermediate with
the oracle's preserved tensors (InterpreterConfig.kPreserveAllTensors) to name the first op
whose output differs. With `-icount` QEMU's board timer counts instructions exactly, so the
report also gives instructions per inference.

The pieces, one module each (the op tests use them on the host too, gcc + sanitizers):
- sim/verify_inputs.py: the model's I/O, seeded random records, recorded windows;
- sim/verify_run.py: building and running the verification app (host, or board under QEMU);
- sim/verify_compare.py: outputs compared with the oracle, the first differing layer;
- sim/verify_report.py: the printed summary and the JSON report.
They are importable from here too (`from tinyfw.sim import verify as V; V.run_host(...)`).
"""

from __future__ import annotations

import tempfile
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path

import numpy as np

from tinyfw.codegen.generate import ModelCode, compile_model
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.config import find_project
from tinyfw.errors import InputError
from tinyfw.fileio import check_output_file
from tinyfw.model.oracle import GraphOracle, Record
from tinyfw.paths import ROOT
from tinyfw.sim.boards import load_board
from tinyfw.sim.qemu import ICOUNT_SHIFT, ticks_to_instructions
from tinyfw.sim.verify_compare import LayerDiff, Mismatch, compare_outputs, first_differing_layer
from tinyfw.sim.verify_inputs import (
    TensorIO,
    model_inputs,
    model_outputs,
    random_records,
    record_bytes,
    recorded_records,
)
from tinyfw.sim.verify_report import VerifyReport, instruction_stats
from tinyfw.sim.verify_run import (
    AppOutput,
    TargetBuild,
    build_target,
    generate_into,
    parse_app_lines,
    run_host,
    run_target,
)

# The oracle of verification: TFLM over any model (model/oracle.py holds the one wrapper).
Oracle = GraphOracle

__all__ = [
    "AppOutput", "LayerDiff", "Mismatch", "ModelCode", "Oracle", "Record", "TargetBuild",
    "TensorIO", "VerifyReport", "build_target", "compare_outputs", "first_differing_layer",
    "generate_into", "model_inputs", "model_outputs", "parse_app_lines", "random_records",
    "record_bytes", "recorded_records", "run_host", "run_target", "verify_model",
]


def _evenly_spaced(n: int, most: int | None) -> list[int]:
    """Indices of an evenly spaced subset of at most `most` of n items (all when None)."""
    if most is None or n <= most:
        return list(range(n))
    return [int(k) for k in np.unique(np.linspace(0, n - 1, most).round().astype(int))]


def verify_model(
    model: Path,
    *,
    board: str,
    inputs: int,
    seed: int = 0,
    data_dir: Path | None = None,
    json_path: Path | None = None,
    project_root: Path | None = None,
    workdir: Path | None = None,
    max_windows: int | None = None,
) -> VerifyReport:
    """Generate, build for `board`, run under QEMU and compare with TFLM (see module doc).

    workdir: build and run there (kept; reusing it for several models rebuilds only the
    generated code) instead of a temporary folder. max_windows: run an evenly spaced subset of
    the recorded windows (all by default)."""
    if inputs < 0:
        raise InputError(f"--inputs {inputs} must be >= 0")
    if json_path is not None:  # a report that cannot be written stops it before the work
        check_output_file(Path(json_path))
    model = Path(model)
    graph = read_model(model)
    code = compile_model(graph)  # rejects unsupported models before anything is written
    oracle = Oracle(graph.raw)
    proj = project_root
    if proj is None and data_dir is not None:
        proj = find_project()
    records = random_records(graph, inputs, seed)
    sources = [f"random seed {seed} #{k}" for k in range(inputs)]
    n_recorded = 0
    if data_dir is not None:
        rec, labels = recorded_records(graph, Path(data_dir), proj)
        keep = _evenly_spaced(len(rec), max_windows)
        records += [rec[k] for k in keep]
        sources += [labels[k] for k in keep]
        n_recorded = len(keep)
    if not records:
        raise InputError("nothing to verify: --inputs 0 and no --data")
    n_out = len(graph.outputs)
    expected = [oracle.run_bytes(r, n_out) for r in records]
    build_root = Path(ROOT)  # the PlatformIO project: tinyfw's own checkout
    folder = (tempfile.TemporaryDirectory(prefix="tinyfw-verify-") if workdir is None
              else nullcontext(str(workdir)))
    with folder as name:
        wd = Path(name)
        wd.mkdir(parents=True, exist_ok=True)
        build = build_target(code, board, wd, build_root)
        got = run_target(build, records, wd, project_root=build_root)
        mismatches = compare_outputs(graph, expected, got, sources)
        info = load_board(board, build_root / "boards")
        report = VerifyReport(
            model=str(model), board=board, seed=seed, inputs=len(records),
            random_inputs=inputs, recorded_inputs=n_recorded, mismatches=len(mismatches),
            flash=build.flash, ram_static=build.ram_static, arena=code.plan.arena_size,
            instructions=instruction_stats(
                [ticks_to_instructions(t, info, ICOUNT_SHIFT) for t in got.ticks.values()]))
        if mismatches:
            m = mismatches[0]
            report.first_mismatch = asdict(m)
            traced = run_target(build, [records[m.input]], wd, trace=True,
                                project_root=build_root).traces.get(0, {})
            wanted = sorted({t for low in code.lowered for t in low.op.outputs})
            diff = first_differing_layer(graph, code, traced,
                                         oracle.tensors(records[m.input], wanted))
            if diff is not None:
                report.first_layer = asdict(diff)
    if json_path is not None:
        report.write_json(Path(json_path))
    return report
