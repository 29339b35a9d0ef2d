"""`make bench`: tinyfw's firmware on the benchmark model against TensorFlow Lite Micro.

Generates the benchmark model (bench/har_anchor_int8.tflite by default), builds the
bench app (firmware/bench: one inference on the fixed input) for each board, runs it in QEMU
with -icount and reports flash, static RAM, stack and exact instructions per inference next to
the TFLM numbers measured on the same model and board (bench/ANCHORS.md). The output
is also checked against the TFLM oracle: a fast wrong answer is not a result.

Per op (on by default, --no-per-op to skip): a second build includes firmware/bench/bench_trace.h,
which routes the generated model's TFW_TRACE hook (called after every op) to a timer stamp; the
table shows instructions per op, the cost of one stamp subtracted. The totals come from the plain
build (no hook); the per-op column is within a few instructions per op of what the plain build
spends there (the hook is an opaque call, so the compiler keeps each op's code as it is).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw.codegen import emit
from tinyfw.codegen.generate import compile_model, write_generated
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.errors import RunFailed
from tinyfw.fileio import atomic_write_text, check_output_file
from tinyfw.model.oracle import Oracle
from tinyfw.paths import ROOT
from tinyfw.sim import protocol
from tinyfw.sim.bench_tflm import ANCHORS_BOARD, anchors_label, backends_section
from tinyfw.sim.build import build_firmware
from tinyfw.sim.elfsize import elf_sizes, symbol_sizes
from tinyfw.sim.qemu import ICOUNT_SHIFT, run_elf, ticks_to_instructions

TRACE_H = ROOT / "firmware" / "bench" / "bench_trace.h"


def read_anchors(path: Path) -> list[dict[str, Any]]:
    """The TFLM rows of ANCHORS.md's table (build, flash, static RAM, arena, stack, instructions)."""
    rows = []
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not re.fullmatch(r"[\d,]+", cells[1] or "x"):
            continue
        nums = [int(c.replace(",", "")) for c in cells[1:]]
        rows.append(
            dict(zip(["build", "flash", "static_ram", "arena", "stack", "instructions"],
                     [cells[0], *nums]))
        )
    return rows


def per_op_instructions(elf: Path, board: str, graph: Any) -> list[dict[str, Any]]:
    """Run the per-op build; one row per op in execution order: index, opcode, instructions."""
    run = run_elf(elf, board, timeout_s=30, icount_shift=ICOUNT_SHIFT)
    line: protocol.BenchOps | None = protocol.first(run.uart_lines, protocol.BenchOps)
    if run.exit_code != 0 or line is None:
        raise RunFailed(f"per-op bench failed on {board}: exit {run.exit_code}, {run.uart_lines[-3:]}")
    stamp = line.stamp
    rows = []
    for idx, ticks in line.ops:
        rows.append({
            "op": idx,
            "opcode": graph.ops[idx].opcode,
            "instructions": ticks_to_instructions(max(ticks - stamp, 0), board, ICOUNT_SHIFT),
        })
    return rows


def bench_board(model: Path, input_csv: Path, board: str, work: Path,
                per_op: bool = True) -> dict[str, Any]:
    graph = read_model(model)
    code = compile_model(graph)
    x = np.loadtxt(input_csv, delimiter=",", dtype=np.int64).reshape(-1)
    inp = graph.tensors[graph.inputs[0]]
    if x.size != inp.numel or x.min() < -128 or x.max() > 127:
        raise RunFailed(f"{input_csv}: expected {inp.numel} int8 values")
    files = dict(code.files)
    files["bench_input.h"] = emit.render(
        emit.environment(), "bench_input.h.j2", graph.sha256, source=input_csv.name, values=x
    )
    gen = work / "generated"
    write_generated(gen, files, force=True)
    res = build_firmware(ROOT, board, app="bench", generated=gen, build_dir=work / "pio")
    run = run_elf(res.elf, board, timeout_s=30, icount_shift=ICOUNT_SHIFT)
    line: protocol.Bench | None = protocol.first(run.uart_lines, protocol.Bench)
    if run.exit_code != 0 or line is None:
        raise RunFailed(f"bench app failed on {board}: exit {run.exit_code}, {run.uart_lines[-3:]}")
    ticks, empty, stack = line.ticks, line.empty, line.stack
    outputs = list(line.outputs)
    expected = Oracle(graph.raw).run(x.astype(np.int8).reshape(inp.shape)).reshape(-1).tolist()
    sizes = elf_sizes(res.elf)
    syms = symbol_sizes(res.elf)
    weights = sum(s for n, s in syms.items() if n.startswith("model_op"))
    kernels = sum(s for n, s in syms.items() if n.startswith("tfw_"))
    ops: list[dict[str, Any]] = []
    if per_op:
        traced = build_firmware(ROOT, board, app="bench", generated=gen, build_dir=work / "pio-ops",
                                extra_flags=f"-include {TRACE_H}")
        ops = per_op_instructions(traced.elf, board, graph)
    return {
        "board": board,
        "outputs": outputs,
        "oracle_outputs": expected,
        "bit_exact": outputs == expected,
        "instructions": ticks_to_instructions(ticks - empty, board, ICOUNT_SHIFT),
        "flash": sizes.flash,
        "static_ram": sizes.ram_static,
        "arena": code.plan.arena_size,
        "stack": stack,
        "weights_and_params": weights,
        "kernels": kernels,
        "macs": code.macs,
        "per_op": ops,
    }


def run_bench(model: Path, input_csv: Path, anchors_md: Path, boards: list[str], *,
              json_path: Path | None, work: Path, per_op: bool) -> int:
    """`tinyfw bench`: build, run and print the table for each board (next to the TFLM
    anchors); 1 if an output is not bit-exact with the oracle."""
    if json_path:  # a report that cannot be written stops it before the builds
        check_output_file(json_path)
    results = [bench_board(model, input_csv, b, work / b, per_op) for b in boards]
    anchors = read_anchors(anchors_md) if anchors_md.is_file() else []
    print(f"{'build':58s} {'flash B':>8} {'static RAM':>10} {'arena':>6} {'stack':>6} {'instr/inf':>10}")
    for r in results:
        print(f"{'tinyfw ' + r['board']:58s} {r['flash']:8d} {r['static_ram']:10d} {r['arena']:6d} "
              f"{r['stack']:6d} {r['instructions']:10d}")
        print(f"  outputs {r['outputs']} (TFLM oracle {r['oracle_outputs']}: "
              f"{'bit-exact' if r['bit_exact'] else 'MISMATCH'}); {r['macs']} MACs, "
              f"{r['instructions'] / r['macs']:.2f} instructions per MAC")
        if anchors and r["board"] == ANCHORS_BOARD:  # never a ratio across different cores
            print(f"  (TFLM: bench/ANCHORS.md, {anchors_label(anchors_md)})")
            fastest = min(a["instructions"] for a in anchors)
            smallest = min(a["flash"] for a in anchors)
            print(f"  vs TFLM: {fastest / r['instructions']:.2f}x fewer instructions than its fastest "
                  f"build, {smallest / r['flash']:.2f}x less flash than its smallest")
    if any(r["per_op"] for r in results):
        print()
        print(f"{'instructions per op':28s}" + "".join(f"{r['board']:>14s}" for r in results))
        rows = max((r["per_op"] for r in results), key=len)
        for i, row in enumerate(rows):
            cells = "".join(
                f"{r['per_op'][i]['instructions']:14d}" if i < len(r["per_op"]) else f"{'':14s}"
                for r in results)
            print(f"  {row['op']:3d} {row['opcode']:22s}{cells}")
        sums = "".join(f"{sum(o['instructions'] for o in r['per_op']):14d}" for r in results)
        print(f"  {'sum of ops':26s}{sums}")
    # Backends side by side (sim/bench_tflm.py): native, and TFLM when TFLM_DIR is set.
    rows_ok = backends_section(model, input_csv, anchors_md, boards, results, work, per_op,
                               anchors)
    if json_path:
        atomic_write_text(json_path, json.dumps({"tinyfw": results, "tflm": anchors}, indent=2)
                          + "\n")
    return 0 if all(r["bit_exact"] for r in results) and rows_ok else 1

