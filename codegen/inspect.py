"""`tinyfw inspect`: the graph of a .tflite model as tinyfw will compile it.

Ops with their shapes, quantization, MACs and weight bytes, plus the planned arena. Models that
tinyfw cannot compile are still described (reader-level facts); the reason is reported in
`unsupported` instead of an error, so users can see what to change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tinyfw.codegen.generate import compile_model
from tinyfw.codegen.ir import Graph, Tensor
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.errors import InputError


def _tensor(t: Tensor) -> dict[str, Any]:
    q = None
    if t.quant is not None:
        q = {
            "scale": list(t.quant.scale) if t.quant.per_channel else t.quant.scale[0],
            "zero_point": list(t.quant.zero_point) if t.quant.per_channel else t.quant.zero_point[0],
        }
        if t.quant.per_channel:
            q["axis"] = t.quant.axis
    return {
        "index": t.index,
        "name": t.name,
        "shape": list(t.shape),
        "dtype": t.dtype,
        "bytes": t.nbytes,
        "const": t.is_const,
        "quantization": q,
    }


def describe(path: Path) -> dict[str, Any]:
    graph: Graph = read_model(path)
    info: dict[str, Any] = {
        "model": str(path),
        "sha256": graph.sha256,
        "bytes": graph.size,
        "inputs": [_tensor(graph.tensors[i]) for i in graph.inputs],
        "outputs": [_tensor(graph.tensors[i]) for i in graph.outputs],
        "ops": [],
        "unsupported": None,
    }
    lowered = None
    plan = None
    try:
        code = compile_model(graph)
        lowered = {low.op.index: low for low in code.lowered}
        plan = code.plan
    except InputError as e:
        info["unsupported"] = e.one_line()
    total_macs = 0
    total_weights = 0
    for op in graph.ops:
        low = lowered.get(op.index) if lowered else None
        weights = sum(
            graph.tensors[i].nbytes for i in op.inputs if i >= 0 and graph.tensors[i].is_const
        )
        macs = low.macs if low else 0
        total_macs += macs
        total_weights += weights
        info["ops"].append(
            {
                "index": op.index,
                "op": op.opcode,
                "inputs": [_tensor(graph.tensors[i]) if i >= 0 else None for i in op.inputs],
                "outputs": [_tensor(graph.tensors[i]) for i in op.outputs],
                "options": op.options,
                "macs": macs,
                "weight_bytes": weights,
                "kernel": (low.kernel or "view") if low else None,
                "note": low.note if low else "",
            }
        )
    info["macs"] = total_macs
    info["weight_bytes"] = total_weights
    if plan is not None:
        info["arena_bytes"] = plan.arena_size
        info["arena"] = [
            {"buffer": b.key, "bytes": b.size, "offset": b.offset, "live_ops": [b.first, b.last]}
            for b in plan.buffers
        ]
    return info


def _q(t: dict[str, Any]) -> str:
    q = t["quantization"]
    if q is None:
        return ""
    if isinstance(q["scale"], list):
        return f" q=per-channel({len(q['scale'])}, axis {q['axis']})"
    return f" q=({q['scale']:.6g}, {q['zero_point']})"


def render_text(info: dict[str, Any]) -> str:
    lines = [f"{info['model']}  {info['bytes']} B  sha256 {info['sha256'][:12]}"]
    for t in info["inputs"]:
        lines.append(f"  input  {t['index']:3d} {t['dtype']} {t['shape']}{_q(t)}")
    for t in info["outputs"]:
        lines.append(f"  output {t['index']:3d} {t['dtype']} {t['shape']}{_q(t)}")
    lines.append(f"  {'#':>3} {'op':20s} {'output':24s} {'MACs':>9} {'weights B':>9}  kernel / notes")
    for op in info["ops"]:
        out = op["outputs"][0] if op["outputs"] else None
        shape = f"{out['dtype']}{out['shape']}" if out else "-"
        lines.append(
            f"  {op['index']:3d} {op['op']:20s} {shape:24s} {op['macs']:9d} {op['weight_bytes']:9d}"
            f"  {op['kernel'] or '-'} {op['note']}".rstrip()
        )
        if out and out["quantization"] is not None:
            lines.append(f"  {'':3s} {'':20s} {_q(out).strip()}")
    lines.append(f"  total: {info['macs']} MACs, {info['weight_bytes']} B of weights")
    if "arena_bytes" in info:
        lines.append(f"  planned arena: {info['arena_bytes']} B in {len(info['arena'])} buffers")
    if info["unsupported"]:
        lines.append(f"  NOT COMPILABLE: {info['unsupported']}")
    return "\n".join(lines)
