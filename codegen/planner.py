"""Static activation arena plan from tensor lifetimes (greedy by size, like TFLM's
GreedyMemoryPlanner, but at generation time).

Every activation tensor (and every op's scratch buffer) gets a byte offset in one arena; views
(RESHAPE/EXPAND_DIMS/SQUEEZE) share their input's storage. Two buffers overlap in memory only if
their lifetimes (first op that writes .. last op that reads) are disjoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tinyfw.codegen.ir import Graph
from tinyfw.codegen.lowering import Lowered

ALIGN = 4


@dataclass
class Buffer:
    key: str  # "t<root tensor>" or "s<op>"
    size: int
    first: int  # op index of first write (-1: before the first op)
    last: int  # op index of last read (len(ops): after the last op)
    offset: int = -1


@dataclass
class Plan:
    arena_size: int
    tensor_offset: dict[int, int] = field(default_factory=dict)  # tensor index -> offset
    scratch_offset: dict[int, int] = field(default_factory=dict)  # op index -> offset
    buffers: list[Buffer] = field(default_factory=list)

    def live_bytes_at(self, op_index: int) -> int:
        return sum(b.size for b in self.buffers if b.first <= op_index <= b.last)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def plan_arena(graph: Graph, lowered: list[Lowered]) -> Plan:
    n_ops = len(graph.ops)
    root: dict[int, int] = {}

    def find(t: int) -> int:
        while root.get(t, t) != t:
            t = root[t]
        return t

    for low in lowered:
        if low.alias_of is not None:
            root[low.op.outputs[0]] = find(low.alias_of)

    first: dict[int, int] = {}
    last: dict[int, int] = {}
    size: dict[int, int] = {}

    def touch(t: int, at: int) -> None:
        tensor = graph.tensors[t]
        if tensor.is_const:
            return
        r = find(t)
        first[r] = min(first.get(r, at), at)
        last[r] = max(last.get(r, at), at)
        size[r] = max(size.get(r, 0), tensor.nbytes)

    for t in graph.inputs:
        touch(t, -1)
    for low in lowered:
        i = low.op.index
        for t in low.op.inputs:
            if t >= 0:
                touch(t, i)
        for t in low.op.outputs:
            touch(t, i)
    for t in graph.outputs:
        touch(t, n_ops)

    for low in lowered:
        if low.input_slack:
            r = find(low.op.inputs[0])
            size[r] = max(size[r], graph.tensors[low.op.inputs[0]].nbytes + low.input_slack)

    buffers = [Buffer(f"t{r}", _align(size[r]), first[r], last[r]) for r in sorted(first)]
    for low in lowered:
        if low.scratch_bytes:
            i = low.op.index
            buffers.append(Buffer(f"s{i}", _align(low.scratch_bytes), i, i))

    placed: list[Buffer] = []
    order = sorted(buffers, key=lambda b: (-b.size, b.first, b.key))
    for b in order:
        conflicts = sorted(
            (p for p in placed if not (p.last < b.first or b.last < p.first)),
            key=lambda p: p.offset,
        )
        offset = 0
        for p in conflicts:
            if offset + b.size <= p.offset:
                break
            offset = max(offset, p.offset + p.size)
        b.offset = offset
        placed.append(b)

    plan = Plan(arena_size=max((b.offset + b.size for b in buffers), default=0), buffers=buffers)
    by_key = {b.key: b for b in buffers}
    for t in range(len(graph.tensors)):
        r = find(t)
        if f"t{r}" in by_key:
            plan.tensor_offset[t] = by_key[f"t{r}"].offset
    for low in lowered:
        if low.scratch_bytes:
            plan.scratch_offset[low.op.index] = by_key[f"s{low.op.index}"].offset
    return plan
