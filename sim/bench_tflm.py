"""`make bench`, backends side by side: tinyfw's native code and TensorFlow Lite Micro (reference
and CMSIS-NN kernels) measured in the same run, on the same bench app, board and input.

Kept apart from sim/bench.py (which measures the native backend and prints its per-op table):
run_bench() hands its native results here, and this module
  - with TFLM_DIR set: builds the bench app with the TFLM backend (codegen/tflm.py) for each
    kernel set, runs it in QEMU with -icount, and makes one row per (model, board, backend);
  - without TFLM_DIR: prints the recorded anchors (bench/ANCHORS.md), labelled as recorded and
    not measured in this run;
  - writes the rows to <work>/results.json (list `rows`) and a markdown table (results.md).
Ratios are only computed between rows of the same model and board (the same core).

Row fields: model, board, core, backend (native | tflm | tflm_cmsis_nn), flash_bytes,
inference_flash_bytes / inference_ram_bytes (the app with the model minus the same app with a
stub model that does nothing: what the inference costs), ram_bytes (static + stack high-water),
arena_bytes, tflm_arena_used_bytes (TFLM's arena_used_bytes() on the board), stack_bytes,
instructions_per_inference (exact, QEMU -icount), macs, outputs_match_oracle, per_op
(instructions per op, TFLM through its MicroProfilerInterface hook).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw.codegen import emit
from tinyfw.codegen.generate import write_generated
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.errors import RunFailed
from tinyfw.fileio import atomic_write_text
from tinyfw.model.oracle import Oracle
from tinyfw.paths import ROOT
from tinyfw.sim import protocol
from tinyfw.sim.boards import load_board
from tinyfw.sim.build import build_firmware
from tinyfw.sim.qemu import ICOUNT_SHIFT, run_elf, ticks_to_instructions
from tinyfw.sim.tflm import ensure_library

# ANCHORS.md: measured 2026-11-29 (../shared/ENVIRONMENT.md) on mps2_an386 (Cortex-M4F).
ANCHORS_RECORDED = "2026-11-29"
ANCHORS_BOARD = "mps2_an386"
TFLM_BACKENDS = {"tflm": "reference", "tflm_cmsis_nn": "cmsis_nn"}
DEMO_MODEL = ROOT / "firmware" / "generated" / "model.tflite"
_ARENA_LINE = re.compile(r"tflm arena_used=(\d+) arena=(\d+)")
PER_OP_FLAGS = "-DTFW_BENCH_PER_OP=1 -DTFW_BENCH_MAX_OPS=256 -DTFW_TFLM_REPORT_ARENA=1"

_STUB_C = """/* bench stub: the model API doing nothing (the app's cost without inference). */
#include "model.h"
static int8_t stub_in[MODEL_INPUT_SIZE];
static int8_t stub_out[MODEL_OUTPUT_SIZE];
int8_t *model_input(void) { return stub_in; }
const int8_t *model_output(void) { return stub_out; }
void model_invoke(void) { __asm__ volatile("" ::: "memory"); }
"""
_STUB_H = """/* bench stub model.h */
#ifndef MODEL_H
#define MODEL_H
#include <stdint.h>
#define MODEL_INPUT_SIZE {inp}
#define MODEL_OUTPUT_SIZE {out}
int8_t *model_input(void);
const int8_t *model_output(void);
void model_invoke(void);
#endif
"""


def anchors_label(anchors_md: Path) -> str:
    text = anchors_md.read_text() if anchors_md.is_file() else ""
    m = re.search(r"commit ([0-9a-f]{7,40})", text)
    return (f"recorded {ANCHORS_RECORDED}, TFLM {m.group(1) if m else '?'}, "
            "not measured in this run")


def _bench_files(graph: Any, files: dict, x: np.ndarray, source: str) -> dict:
    files = dict(files)
    files["bench_input.h"] = emit.render(emit.environment(), "bench_input.h.j2", graph.sha256,
                                         source=source, values=x)
    return files


def _stub_sizes(graph: Any, x: np.ndarray, board: str, work: Path) -> tuple[int, int]:
    """(flash, static RAM + stack) of the bench app with a model that does nothing."""
    gen = work / "stub"
    gen.mkdir(parents=True, exist_ok=True)
    inp = graph.tensors[graph.inputs[0]].nbytes
    out = graph.tensors[graph.outputs[0]].nbytes
    (gen / "model.h").write_text(_STUB_H.format(inp=inp, out=out))
    (gen / "model.c").write_text(_STUB_C)
    values = ",".join(str(int(v)) for v in x)
    (gen / "bench_input.h").write_text(
        f"#include <stdint.h>\nstatic const int8_t bench_input[{x.size}] = {{{values}}};\n")
    res = build_firmware(ROOT, board, app="bench", generated=gen, build_dir=work / "pio-stub")
    run = run_elf(res.elf, board, timeout_s=30, icount_shift=ICOUNT_SHIFT)
    line = protocol.first(run.uart_lines, protocol.Bench)
    if run.exit_code != 0 or line is None:
        raise RunFailed(f"bench stub failed on {board}: exit {run.exit_code}")
    return res.flash, res.ram_static + line.stack


def _run_bench_app(elf: Path, board: str) -> tuple[protocol.Bench, list[str]]:
    run = run_elf(elf, board, timeout_s=60, icount_shift=ICOUNT_SHIFT)
    line = protocol.first(run.uart_lines, protocol.Bench)
    if run.exit_code != 0 or line is None:
        raise RunFailed(f"bench app ({elf}) failed on {board}: exit {run.exit_code}, "
                        f"{run.uart_lines[-3:]}")
    return line, run.uart_lines


def tflm_bench_board(model: Path, x: np.ndarray, board: str, work: Path, kernels: str,
                     per_op: bool = True) -> dict[str, Any]:
    """One TFLM row: the bench app built with the TFLM backend and `kernels`, run in QEMU."""
    from tinyfw.codegen.tflm import compile_tflm
    from tinyfw.model.oracle_arena import measured_arena

    graph = read_model(model)
    code = compile_tflm(graph, measured=measured_arena(graph.raw))
    gen = work / "generated"
    write_generated(gen, _bench_files(graph, code.files, x, "bench input"), force=True)
    old = os.environ.get("TFLM_KERNELS")
    os.environ["TFLM_KERNELS"] = kernels
    try:
        ensure_library(board, gen, kernels=kernels)
        res = build_firmware(ROOT, board, app="bench", generated=gen, build_dir=work / "pio")
        traced = build_firmware(ROOT, board, app="bench", generated=gen,
                                build_dir=work / "pio-ops", extra_flags=PER_OP_FLAGS)
    finally:
        if old is None:
            os.environ.pop("TFLM_KERNELS", None)
        else:
            os.environ["TFLM_KERNELS"] = old
    line, _ = _run_bench_app(res.elf, board)
    run = run_elf(traced.elf, board, timeout_s=60, icount_shift=ICOUNT_SHIFT)
    arena = next((m for m in map(_ARENA_LINE.search, run.uart_lines) if m), None)
    ops_line = protocol.first(run.uart_lines, protocol.BenchOps)
    if run.exit_code != 0 or arena is None:
        raise RunFailed(f"TFLM per-op bench failed on {board}: exit {run.exit_code}, "
                        f"{run.uart_lines[-3:]}")
    ops = []
    if per_op and ops_line is not None:
        for idx, ticks in ops_line.ops:
            ops.append({"op": idx, "opcode": graph.ops[idx].opcode if 0 <= idx < len(graph.ops)
                        else "?", "instructions": ticks_to_instructions(
                            max(ticks - ops_line.stamp, 0), board, ICOUNT_SHIFT)})
    expected = Oracle(graph.raw).run(
        x.astype(np.int8).reshape(graph.tensors[graph.inputs[0]].shape)).reshape(-1).tolist()
    return {
        "flash": res.flash, "static_ram": res.ram_static, "stack": line.stack,
        "arena": code.plan.arena_size, "arena_used": int(arena.group(1)),
        "instructions": ticks_to_instructions(line.ticks - line.empty, board, ICOUNT_SHIFT),
        "outputs": list(line.outputs), "oracle_outputs": expected,
        "bit_exact": list(line.outputs) == expected, "macs": code.macs, "per_op": ops,
    }


def make_row(model_name: str, board: str, backend: str, r: dict[str, Any],
             stub: tuple[int, int]) -> dict[str, Any]:
    info = load_board(board)
    ram = r["static_ram"] + r["stack"]
    return {
        "model": model_name, "board": board, "core": info.cpu, "backend": backend,
        "flash_bytes": r["flash"], "inference_flash_bytes": r["flash"] - stub[0],
        "ram_bytes": ram, "inference_ram_bytes": ram - stub[1],
        "arena_bytes": r["arena"], "tflm_arena_used_bytes": r.get("arena_used"),
        "stack_bytes": r["stack"], "instructions_per_inference": r["instructions"],
        "macs": r["macs"], "outputs_match_oracle": r["bit_exact"],
        "per_op_instructions": r["per_op"],
    }


def tflm_backends() -> dict[str, str]:
    """The TFLM rows to measure: both kernel sets, or those named in TINYFW_BENCH_TFLM_KERNELS
    (comma-separated, e.g. `reference` when the CMSIS-NN library is not built yet)."""
    wanted = os.environ.get("TINYFW_BENCH_TFLM_KERNELS", "").strip()
    if not wanted:
        return dict(TFLM_BACKENDS)
    names = {k.strip() for k in wanted.split(",")}
    return {b: k for b, k in TFLM_BACKENDS.items() if k in names}


def demo_input(model: Path, seed: int = 0) -> np.ndarray:
    """A fixed input for a model without a recorded one: seeded int8 values."""
    g = read_model(model)
    n = g.tensors[g.inputs[0]].numel
    return np.random.default_rng(seed).integers(-128, 128, size=n, dtype=np.int64)


def backend_rows(models: list[tuple[str, Path, np.ndarray, dict[str, dict]]],
                 boards: list[str], work: Path, per_op: bool) -> list[dict[str, Any]]:
    """Rows for every (model, board): native (from sim/bench.py's results per board) and, with
    TFLM_DIR set, tflm and tflm_cmsis_nn measured here."""
    have_tflm = bool(os.environ.get("TFLM_DIR", "").strip())
    rows = []
    for name, model, x, native in models:
        graph = read_model(model)
        for board in boards:
            w = work / "backends" / name / board
            stub = _stub_sizes(graph, x, board, w)
            rows.append(make_row(name, board, "native", native[board], stub))
            if not have_tflm:
                continue
            for backend, kernels in tflm_backends().items():
                r = tflm_bench_board(model, x, board, w / backend, kernels, per_op)
                rows.append(make_row(name, board, backend, r, stub))
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    head = ("| model | board (core) | backend | flash B | inference flash B | RAM B | "
            "inference RAM B | arena B | TFLM arena used B | stack B | instructions / inference "
            "| vs native | matches oracle |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    native = {(r["model"], r["board"]): r for r in rows if r["backend"] == "native"}
    out = []
    for r in rows:
        base = native.get((r["model"], r["board"]))  # same board = same core
        ratio = (f"{r['instructions_per_inference'] / base['instructions_per_inference']:.2f}x"
                 if base and r is not base else "")
        used = r["tflm_arena_used_bytes"]
        out.append(
            f"| {r['model']} | {r['board']} ({r['core']}) | {r['backend']} | {r['flash_bytes']:,} "
            f"| {r['inference_flash_bytes']:,} | {r['ram_bytes']:,} | {r['inference_ram_bytes']:,} "
            f"| {r['arena_bytes']:,} | {'' if used is None else f'{used:,}'} | "
            f"{r['stack_bytes']:,} | {r['instructions_per_inference']:,} | {ratio} | "
            f"{'yes' if r['outputs_match_oracle'] else 'NO'} |")
    return head + "\n".join(out) + "\n"


def anchors_comparison(rows: list[dict[str, Any]], anchors: list[dict[str, Any]],
                       anchor_model: str, empty_app: int) -> list[str]:
    """Measured TFLM rows next to ANCHORS.md's -O2 rows (same model, same board)."""
    lines = []
    pairs = {"tflm": "reference kernels, -O2", "tflm_cmsis_nn": "CMSIS-NN kernels, -O2 (fastest)"}
    opt = os.environ.get("TFLM_OPT", "").strip() or "-O2"
    for r in rows:
        a = next((a for a in anchors if a["build"] == pairs.get(r["backend"])), None)
        if (a is None or r["model"] != anchor_model or r["board"] != ANCHORS_BOARD
                or opt != "-O2"):
            continue
        d_i = 100.0 * (r["instructions_per_inference"] - a["instructions"]) / a["instructions"]
        a_inf = a["flash"] - empty_app
        d_f = 100.0 * (r["inference_flash_bytes"] - a_inf) / a_inf
        lines.append(f"  {r['backend']:14s} instructions {r['instructions_per_inference']:,} vs "
                     f"anchor {a['instructions']:,} ({d_i:+.1f} %); inference flash "
                     f"{r['inference_flash_bytes']:,} vs {a_inf:,} (anchor flash - its empty app "
                     f"{empty_app:,} B; {d_f:+.1f} %); arena used {r['tflm_arena_used_bytes']:,} vs "
                     f"{a['arena']:,} B")
    return lines


def report_backends(rows: list[dict[str, Any]], anchors: list[dict[str, Any]], anchors_md: Path,
                    anchor_model: str, work: Path) -> None:
    """Print the table (and the anchors, measured or labelled as recorded); write results.json
    and results.md under `work`."""
    md = markdown(rows)
    print()
    print("backends side by side (same app, board and input; ratios only within a board):")
    print(md, end="")
    measured = any(r["backend"] != "native" for r in rows)
    if anchors and measured:
        print(f"TFLM measured in this run against bench/ANCHORS.md ({anchor_model}, "
              f"{ANCHORS_BOARD}):")
        m = re.search(r"\(\"empty app\"\) is ([\d,]+) B", anchors_md.read_text())
        empty_app = int(m.group(1).replace(",", "")) if m else 0
        for line in anchors_comparison(rows, anchors, anchor_model, empty_app):
            print(line)
    elif anchors:
        label = anchors_label(anchors_md)
        print(f"TFLM on {ANCHORS_BOARD}, {label} (set TFLM_DIR to measure it):")
        for a in anchors:
            print(f"  {a['build']:60s} flash {a['flash']:>7,} B  instructions "
                  f"{a['instructions']:>9,}  ({label})")
    work.mkdir(parents=True, exist_ok=True)
    doc = {"rows": rows, "tflm_measured": measured,
           "anchors": {"label": anchors_label(anchors_md), "board": ANCHORS_BOARD,
                       "rows": anchors}}
    atomic_write_text(work / "results.json", json.dumps(doc, indent=2) + "\n")
    atomic_write_text(work / "results.md", md)
    print(f"wrote {work / 'results.json'} and {work / 'results.md'}")


def backends_section(model: Path, input_csv: Path, anchors_md: Path, boards: list[str],
                     native_results: list[dict[str, Any]], work: Path, per_op: bool,
                     anchors: list[dict[str, Any]]) -> bool:
    """sim/bench.py's hook: the anchor model (its native results already measured) and the
    demo model, every backend, every board. True if every row matches the oracle."""
    from tinyfw.sim.bench import bench_board

    x = np.loadtxt(input_csv, delimiter=",", dtype=np.int64).reshape(-1)
    models = [(model.stem, model, x, {r["board"]: r for r in native_results})]
    if DEMO_MODEL.is_file() and DEMO_MODEL.resolve() != model.resolve():
        xd = demo_input(DEMO_MODEL)
        csv = work / "demo_input.csv"
        work.mkdir(parents=True, exist_ok=True)
        np.savetxt(csv, xd.reshape(1, -1), fmt="%d", delimiter=",")
        native = {b: bench_board(DEMO_MODEL, csv, b, work / "demo" / b, per_op) for b in boards}
        models.append(("demo", DEMO_MODEL, xd, native))
    rows = backend_rows(models, boards, work, per_op)
    report_backends(rows, anchors, anchors_md, model.stem, work)
    return all(r["outputs_match_oracle"] for r in rows)
