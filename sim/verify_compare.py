"""Comparing the verification app with the TFLM oracle (tolerance 0): the first differing
element of each record's outputs, and on a mismatch the first op (in execution order) whose
output tensor differs from the oracle's preserved tensors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tinyfw.codegen.generate import ModelCode
from tinyfw.codegen.ir import Graph, numpy_dtype
from tinyfw.sim.verify_inputs import split_outputs
from tinyfw.sim.verify_run import AppOutput


@dataclass
class Mismatch:
    input: int  # record index
    source: str  # "random seed S #k" or "<file>@<start>"
    output: int  # model output index
    position: int  # element index within that output
    actual: Any
    expected: Any
    differing: int  # differing elements in this record


def compare_outputs(graph: Graph, expected: list[bytes], got: AppOutput,
                    sources: list[str] | None = None) -> list[Mismatch]:
    """One Mismatch (the first differing element) per record whose outputs differ."""
    out = []
    for r, exp in enumerate(expected):
        act = got.outs.get(r)
        src = sources[r] if sources else f"#{r}"
        if act == exp:
            continue
        if act is None or len(act) != len(exp):
            out.append(Mismatch(r, src, -1, -1, None if act is None else f"{len(act)} B",
                                f"{len(exp)} B", -1))
            continue
        ea, aa = split_outputs(graph, exp), split_outputs(graph, act)
        total = 0
        first = None
        for k, (e, a) in enumerate(zip(ea, aa)):
            diff = np.flatnonzero(e.view(np.uint8 if e.dtype.itemsize == 1 else np.uint32)
                                  != a.view(np.uint8 if a.dtype.itemsize == 1 else np.uint32))
            total += len(diff)
            if len(diff) and first is None:
                p = int(diff[0])
                first = (k, p, a[p].item(), e[p].item())
        assert first is not None
        out.append(Mismatch(r, src, first[0], first[1], first[2], first[3], total))
    return out


@dataclass
class LayerDiff:
    op: int
    opcode: str
    tensor: int
    name: str
    position: int
    actual: Any
    expected: Any
    differing: int
    note: str = ""


def first_differing_layer(graph: Graph, code: ModelCode, traced: dict[tuple[int, int], bytes],
                          oracle_tensors: dict[int, bytes],
                          ops: set[int] | None = None) -> LayerDiff | None:
    """The first op (in execution order; only `ops` when given) whose output tensor differs
    from the oracle's."""
    for low in code.lowered:
        op = low.op
        if ops is not None and op.index not in ops:
            continue
        for t in op.outputs:
            mine = traced.get((op.index, t))
            ref = oracle_tensors.get(t)
            if mine is None or ref is None:
                continue
            if mine == ref:
                continue
            tensor = graph.tensors[t]
            dt = numpy_dtype(tensor.dtype)
            a = np.frombuffer(mine, dtype=dt) if len(mine) % dt.itemsize == 0 else None
            e = np.frombuffer(ref, dtype=dt) if len(ref) % dt.itemsize == 0 else None
            if a is None or e is None or a.shape != e.shape:
                return LayerDiff(op.index, op.opcode, t, tensor.name, -1, f"{len(mine)} B",
                                 f"{len(ref)} B", -1, low.note)
            diff = np.flatnonzero(a != e)
            p = int(diff[0]) if len(diff) else 0
            return LayerDiff(op.index, op.opcode, t, tensor.name, p, a[p].item(), e[p].item(),
                             len(diff), low.note)
    return None
