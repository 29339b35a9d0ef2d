"""`make bench-mlperf` (`tinyfw bench --mlperf`): the four MLPerf Tiny reference models
(bench/mlperf_tiny/) through tinyfw's firmware, beside the cycles published for them.

Each model runs once on a seeded random int8 input (the same bench app and QEMU -icount count
as `make bench`, sim/bench.py's bench_board), its output checked against the TFLM oracle. The
published numbers (bench/mlperf_tiny/README.md) are cycles on a Cortex-M4F board; instructions
counted in QEMU are a lower bound on cycles, so the comparison is a lower-bound one: more
instructions than a published cycle count means certainly slower, fewer means "could be
faster", not "is". Per kernel class (opcode) the table shows instructions per MAC summed over
the four models. Slow (minutes: VWW alone is ~20 M instructions and a 250 KB build), so it is
not part of `make bench` or `make test`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw.codegen.generate import compile_model
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.errors import RunFailed
from tinyfw.fileio import atomic_write_text, check_output_file
from tinyfw.paths import MLPERF_TINY
from tinyfw.sim.bench import bench_board

TASKS = [  # task, file (bench/mlperf_tiny/README.md)
    ("AD", "ad01_int8.tflite"),
    ("KWS", "kws_ref_model.tflite"),
    ("VWW", "vww_96_int8.tflite"),
    ("IC", "pretrainedResnet_quant.tflite"),
]
ENGINES = ["TFLM + CMSIS-NN", "ST X-CUBE-AI", "Plumerai"]
SEED = 11


def _cycles(cell: str) -> int:
    """'1,206,188' or '21.83 M' -> cycles."""
    cell = cell.strip()
    m = re.fullmatch(r"([\d.]+)\s*M", cell)
    if m:
        return round(float(m.group(1)) * 1_000_000)
    return int(cell.replace(",", ""))


def published_cycles(readme: Path) -> dict[str, dict[str, int]]:
    """The published-latency table of bench/mlperf_tiny/README.md: task -> engine -> cycles."""
    tasks = {t for t, _ in TASKS}
    out: dict[str, dict[str, int]] = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 1 + len(ENGINES) and cells[0] in tasks:
            try:
                out[cells[0]] = dict(zip(ENGINES, (_cycles(c) for c in cells[1:])))
            except ValueError:
                continue
    missing = tasks - set(out)
    if missing:
        raise RunFailed(f"{readme}: no published cycles for {sorted(missing)}")
    return out


def _input_csv(model: Path, path: Path) -> None:
    """A seeded random int8 input for the model's first input, as bench_board reads it."""
    graph = read_model(model)
    inp = graph.tensors[graph.inputs[0]]
    x = np.random.default_rng(SEED).integers(-128, 128, inp.numel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(str(int(v)) for v in x) + "\n")


def bench_task(task: str, model: Path, board: str, work: Path, per_op: bool) -> dict[str, Any]:
    csv = work / "input.csv"
    _input_csv(model, csv)
    r = bench_board(model, csv, board, work, per_op)
    graph = read_model(model)
    code = compile_model(graph)
    macs_by_op = {low.op.index: low.macs for low in code.lowered}
    for row in r["per_op"]:
        row["macs"] = macs_by_op.get(row["op"], 0)
        row["elements"] = sum(graph.tensors[t].numel for t in graph.ops[row["op"]].outputs)
    r["task"] = task
    r["model"] = model.name
    return r


def kernel_classes(results: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """opcode -> instructions and MACs summed over every model's per-op rows."""
    out: dict[str, dict[str, int]] = {}
    for r in results:
        for row in r["per_op"]:
            k = out.setdefault(row["opcode"],
                               {"instructions": 0, "macs": 0, "elements": 0, "ops": 0})
            k["instructions"] += row["instructions"]
            k["macs"] += row["macs"]
            k["elements"] += row["elements"]
            k["ops"] += 1
    return out


def run_mlperf_bench(boards: list[str], *, json_path: Path | None, work: Path,
                     per_op: bool) -> int:
    """Build and run each MLPerf Tiny model on each board; print the table beside the published
    cycles; 1 if an output is not bit-exact with the oracle."""
    if json_path:
        check_output_file(json_path)
    published = published_cycles(MLPERF_TINY / "README.md")
    results = [bench_task(task, MLPERF_TINY / name, b, work / "mlperf" / b / task, per_op)
               for b in boards for task, name in TASKS]
    print("MLPerf Tiny reference models. tinyfw: instructions per inference counted in QEMU "
          "(-icount), a LOWER BOUND on cycles;")
    print("published: cycles (latency x 120 MHz) on NUCLEO-L4R5ZI, Cortex-M4F "
          "(bench/mlperf_tiny/README.md). Lower-bound comparison only.")
    head = (f"{'task':5s} {'board':12s} {'MACs':>11s} {'instr/inf':>11s} {'instr/MAC':>9s} "
            f"{'flash B':>8s} {'arena B':>8s} {'TFLM+CMSIS':>11s} {'ST':>11s} {'Plumerai':>11s} "
            f"{'/Plumerai':>9s}  output")
    print(head)
    for r in results:
        p = published[r["task"]]
        print(f"{r['task']:5s} {r['board']:12s} {r['macs']:11,d} {r['instructions']:11,d} "
              f"{r['instructions'] / r['macs']:9.2f} {r['flash']:8,d} {r['arena']:8,d} "
              f"{p['TFLM + CMSIS-NN']:11,d} {p['ST X-CUBE-AI']:11,d} {p['Plumerai']:11,d} "
              f"{r['instructions'] / p['Plumerai']:9.2f}  "
              f"{'bit-exact' if r['bit_exact'] else 'MISMATCH'}")
    classes: dict[str, dict[str, int]] = {}
    if per_op:
        for b in boards:
            classes[b] = kernel_classes([r for r in results if r["board"] == b])
            print()
            print(f"per kernel class on {b} (all four models):")
            print(f"  {'opcode':22s} {'ops':>4s} {'instructions':>12s} {'MACs':>12s} "
                  f"{'instr/MAC':>9s} {'out elems':>10s} {'instr/elem':>10s}")
            for opcode, k in sorted(classes[b].items(), key=lambda kv: -kv[1]["instructions"]):
                per_mac = f"{k['instructions'] / k['macs']:.2f}" if k["macs"] else "-"
                per_el = f"{k['instructions'] / k['elements']:.2f}" if k["elements"] else "-"
                print(f"  {opcode:22s} {k['ops']:4d} {k['instructions']:12,d} {k['macs']:12,d} "
                      f"{per_mac:>9s} {k['elements']:10,d} {per_el:>10s}")
    if json_path:
        atomic_write_text(json_path, json.dumps(
            {"tinyfw": results, "published_cycles": published, "kernel_classes": classes},
            indent=2) + "\n")
    return 0 if all(r["bit_exact"] for r in results) else 1
