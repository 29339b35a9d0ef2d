"""Structure-aware edits of a real .tflite model, for fuzzing and for the bad-model catalogue.

Byte-level mutation of a flatbuffer mostly produces files the reader rejects at the first
offset; the interesting bugs sit deeper (lowering, planning, rendering) and need files that are
well-formed flatbuffers with wrong *meaning*: a shape that does not match its buffer, a scale of
zero, an op code the schema knows but tinyfw does not, an input index out of range. This module
unpacks a model with the TFLite schema's object API (from the pinned tflite-micro package, no
TensorFlow import), applies such edits, and packs it again.

`apply_edits(model, ByteStream(data))` is driven by fuzzer bytes (atheris or hypothesis):
the same bytes always give the same edits.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flatbuffers
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

from tinyfw.paths import BENCH_MODEL

ROOT = Path(__file__).resolve().parent.parent

_BENCH: bytes | None = None


def bench_bytes() -> bytes:
    global _BENCH  # a read-only cache of one file
    if _BENCH is None:
        _BENCH = BENCH_MODEL.read_bytes()
    return _BENCH


def unpack(data: bytes) -> Any:
    """A fresh, mutable ModelT of `data`."""
    return tfl.ModelT.InitFromPackedBuf(data, 0)


def bench_model() -> Any:
    return unpack(bench_bytes())


def pack(model: Any) -> bytes:
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def edited(fn: Callable[[Any], Any]) -> bytes:
    """The benchmark model with `fn(model)` applied, packed."""
    m = bench_model()
    fn(m)
    return pack(m)


class ByteStream:
    """Deterministic choices from fuzzer bytes; zeros once the bytes run out."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        return self.byte() | self.byte() << 8 | self.byte() << 16 | self.byte() << 24

    def below(self, n: int) -> int:
        return 0 if n <= 0 else (self.byte() if n <= 256 else self.u32()) % n

    def pick(self, seq: list[Any] | tuple[Any, ...]) -> Any:
        return seq[self.below(len(seq))]

    def remaining(self) -> bool:
        return self.pos < len(self.data)


# Values that tend to break arithmetic: boundaries of the integer types the schema uses.
_INTS = [0, 1, 2, 3, -1, -2, 5, 7, 8, 16, 52, 127, 128, 255, 256, -128, -129, 2**15, 2**16,
         2**24, 2**31 - 1, -(2**31), 1000, 4096]
_FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-45, 1e-38, 1e-10, 1e10, 3e38, float("inf"),
           float("-inf"), float("nan"), 1.0 / 256, 0.0313, 2.0**-31, 2.0**31]


def _int(s: ByteStream) -> int:
    if s.byte() & 1:
        return s.pick(_INTS)
    return struct.unpack("<i", struct.pack("<I", s.u32()))[0]


def _dim(s: ByteStream) -> int:
    return s.pick([1, 1, 2, 3, 0, -1, 16, 52, 48, 22, 24, 8, 2**31 - 1, 65536, 3])


def _float(s: ByteStream) -> float:
    if s.byte() & 1:
        return s.pick(_FLOATS)
    return struct.unpack("<f", struct.pack("<I", s.u32()))[0]


def _clamp_i32(v: int) -> int:
    return max(-(2**31), min(2**31 - 1, v))


def _edit_tensor(m: Any, s: ByteStream) -> None:
    sg = m.subgraphs[0]
    if not sg.tensors:
        return
    t = s.pick(sg.tensors)
    what = s.below(9)
    if what == 0:
        t.shape = [_dim(s) for _ in range(s.below(10))]
    elif what == 1:
        t.type = s.below(26)
    elif what == 2:
        t.buffer = s.pick([0, 1, len(m.buffers) - 1, len(m.buffers), 2**32 - 1, s.below(64)])
    elif what == 3:
        q = t.quantization or tfl.QuantizationParametersT()
        n = s.pick([0, 1, 2, 3, 8, 16, 17])
        q.scale = [_float(s) for _ in range(n)]
        q.zeroPoint = [_int(s) for _ in range(s.pick([n, n, 0, 1, n + 1]))]
        q.quantizedDimension = s.pick([0, 0, 1, 3, -1, 7, 2**31 - 1])
        t.quantization = q
    elif what == 4:
        t.quantization = None
    elif what == 5:
        t.shapeSignature = [_dim(s) for _ in range(len(t.shape) if t.shape is not None else 0)]
    elif what == 6:
        t.name = bytes(s.byte() for _ in range(s.below(40)))
    elif what == 7:
        t.isVariable = bool(s.byte() & 1)
    else:
        if t.quantization is not None and t.quantization.zeroPoint is not None and len(
            t.quantization.zeroPoint
        ):
            zp = list(t.quantization.zeroPoint)
            zp[s.below(len(zp))] = _int(s)
            t.quantization.zeroPoint = zp


_OPTION_FIELDS = [
    "padding", "strideW", "strideH", "filterWidth", "filterHeight", "fusedActivationFunction",
    "dilationWFactor", "dilationHFactor", "depthMultiplier", "keepDims", "beta", "newShape",
    "weightsFormat", "keepNumDims", "axis", "squeezeDims", "alpha",
]


def _edit_op(m: Any, s: ByteStream) -> None:
    sg = m.subgraphs[0]
    if not sg.operators:
        return
    op = s.pick(sg.operators)
    n_t = len(sg.tensors)
    what = s.below(6)
    if what == 0:
        op.opcodeIndex = s.pick([0, 1, len(m.operatorCodes), len(m.operatorCodes) - 1, 255])
    elif what == 1:
        op.inputs = [s.pick([-1, 0, n_t - 1, n_t, 5, 12, 2**31 - 1, s.below(max(n_t, 1))])
                     for _ in range(s.below(5))]
    elif what == 2:
        op.outputs = [s.pick([0, n_t - 1, n_t, -1, s.below(max(n_t, 1))])
                      for _ in range(s.below(3))]
    elif what == 3 and op.builtinOptions is not None:
        names = [f for f in _OPTION_FIELDS if hasattr(op.builtinOptions, f)]
        if names:
            f = s.pick(names)
            old = getattr(op.builtinOptions, f)
            if isinstance(old, bool):
                new: Any = bool(s.byte() & 1)
            elif isinstance(old, float):
                new = _float(s)
            elif f in ("newShape", "squeezeDims") or isinstance(old, list):
                new = [_int(s) for _ in range(s.below(6))]
            elif f in ("padding", "fusedActivationFunction", "weightsFormat"):
                new = s.pick([0, 1, 2, 3, 4, 5, 6, 127, -1])
            else:
                new = _clamp_i32(_int(s))
            setattr(op.builtinOptions, f, new)
    elif what == 4:
        op.builtinOptionsType = s.below(130)
        op.builtinOptions = None
    else:
        sg.operators.remove(op)


def _edit_code(m: Any, s: ByteStream) -> None:
    if not m.operatorCodes:
        return
    oc = s.pick(m.operatorCodes)
    code = s.pick([s.below(210), 32, 3, 4, 9, 17, 22, 25, 40, 0, 1, 14, 18, 28, 114, 6, 500])
    oc.builtinCode = code
    oc.deprecatedBuiltinCode = min(code, 127)
    if code == 32:
        oc.customCode = b"MyCustomOp"
    oc.version = s.pick([1, 2, 3, 0, -1, 99])


def _edit_buffer(m: Any, s: ByteStream) -> None:
    if not m.buffers:
        return
    b = s.pick(m.buffers)
    what = s.below(4)
    if what == 0:
        b.data = None
    elif what == 1 and b.data is not None and len(b.data):
        b.data = b.data[: s.below(len(b.data))]
    elif what == 2:
        n = s.pick([1, 3, 4, 16, 64, 65, 100])
        b.data = bytes(s.byte() for _ in range(n))
    else:
        b.offset = s.pick([0, 1, 2, 8, 2**32, 6000, 2**63])
        b.size = s.pick([0, 1, 16, 2**32, 2**63])


def _edit_graph(m: Any, s: ByteStream) -> None:
    sg = m.subgraphs[0]
    n_t = len(sg.tensors)
    what = s.below(5)
    if what == 0:
        sg.inputs = [s.pick([0, 1, 12, n_t, -1, n_t - 1]) for _ in range(s.below(3))]
    elif what == 1:
        sg.outputs = [s.pick([20, 19, 0, n_t, -1, n_t - 1]) for _ in range(s.below(3))]
    elif what == 2 and sg.operators:
        i = s.below(len(sg.operators))
        j = s.below(len(sg.operators))
        sg.operators[i], sg.operators[j] = sg.operators[j], sg.operators[i]
    elif what == 3 and sg.operators:
        sg.operators.append(s.pick(sg.operators))
    else:
        m.version = s.pick([3, 3, 0, 2, 4, 2**32 - 1])


_EDITS = [_edit_tensor, _edit_tensor, _edit_op, _edit_op, _edit_code, _edit_buffer, _edit_graph]


def apply_edits(model: Any, s: ByteStream, max_edits: int = 4) -> Any:
    """Apply 1..max_edits edits chosen by `s` to `model` (in place) and return it."""
    for _ in range(1 + s.below(max_edits)):
        s.pick(_EDITS)(model, s)
    return model


def edited_from_bytes(data: bytes, max_edits: int = 4) -> bytes | None:
    """The benchmark model with fuzzer-chosen edits, packed; None if the edits cannot be packed
    (a value the object API refuses, e.g. a negative index in an unsigned field)."""
    m = apply_edits(bench_model(), ByteStream(data), max_edits)
    try:
        return pack(m)
    except (struct.error, OverflowError, ValueError, TypeError):
        return None
