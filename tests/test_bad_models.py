"""Bad .tflite models reach the user as one line naming the file and the field, exit 2: never a
crash, a hang or a huge allocation.

Three kinds of bad model:
- broken files (truncated, wrong identifier, offsets and lengths out of range), made by editing
  the bytes of the benchmark model; `tinyfw inspect` and `tinyfw generate` both refuse them;
- well-formed flatbuffers with wrong meaning (shapes, types, scales, buffers, indices, op codes,
  options), made with the TFLite schema's object API (fuzz/tflite_edit.py); `tinyfw generate`
  refuses them naming the tensor or op (`inspect` still describes what it can);
- real conversions tinyfw does not compile (float, hybrid, float16, int16x8, dynamic length,
  unsupported ops), committed in tests/bad_inputs/models/ with their provenance script.
"""

from __future__ import annotations

import resource
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import assert_one_line_error, project, run_inproc, run_subprocess
from tflite_edit import bench_bytes, edited

from tinyfw.paths import BENCH_MODEL

MODELS = Path(__file__).parent / "bad_inputs" / "models"
BENCH = bench_bytes()


# -- byte-level positions in a flatbuffer -------------------------------------------------------


def u32(b: bytes, pos: int) -> int:
    return struct.unpack_from("<I", b, pos)[0]


def field_pos(b: bytes, table: int, slot: int) -> int:
    """Absolute position of field `slot` of the table at `table` (must be present)."""
    vt = table - struct.unpack_from("<i", b, table)[0]
    off = struct.unpack_from("<H", b, vt + 4 + 2 * slot)[0]
    assert off, f"field {slot} absent"
    return table + off


def deref(b: bytes, pos: int) -> int:
    return pos + u32(b, pos)


ROOT_TABLE = u32(BENCH, 0)
SUBGRAPHS = deref(BENCH, field_pos(BENCH, ROOT_TABLE, 2))  # vector of subgraph offsets
SG0 = deref(BENCH, SUBGRAPHS + 4)
TENSORS = deref(BENCH, field_pos(BENCH, SG0, 0))
TENSOR0 = deref(BENCH, TENSORS + 4)
BUFFERS = deref(BENCH, field_pos(BENCH, ROOT_TABLE, 4))
OPCODES = deref(BENCH, field_pos(BENCH, ROOT_TABLE, 1))


def patch(pos: int, fmt: str, value: int) -> bytes:
    b = bytearray(BENCH)
    struct.pack_into(fmt, b, pos, value)
    return bytes(b)


@dataclass(frozen=True)
class Bad:
    id: str
    make: Callable[[], bytes]
    words: str | tuple[str, ...]
    field: str | None = None


# Broken files: the reader refuses them (inspect and generate).
BROKEN = [
    Bad("empty file", lambda: b"", "only 0 B"),
    Bad("three bytes", lambda: b"TFL", "only 3 B"),
    Bad("seven bytes", lambda: BENCH[:7], "only 7 B"),
    Bad("eight bytes", lambda: BENCH[:8], "corrupt .tflite"),
    Bad("header only", lambda: BENCH[:16], "corrupt .tflite"),
    *[Bad(f"truncated to {n} B", lambda n=n: BENCH[:n], "corrupt .tflite")
      for n in (24, 64, 100, 256, 1000, 2000, 3000, 4000, 5000, 6000, 6500, 6600)],
    Bad("truncated by 1 B", lambda: BENCH[:-1], "corrupt .tflite"),
    Bad("truncated by 4 B", lambda: BENCH[:-4], "corrupt .tflite"),
    Bad("second half only", lambda: BENCH[len(BENCH) // 2:], "not a .tflite file"),
    Bad("identifier TFL2", lambda: BENCH[:4] + b"TFL2" + BENCH[8:], "file identifier",
        "file_identifier"),
    Bad("identifier tfl3", lambda: BENCH[:4] + b"tfl3" + BENCH[8:], "file identifier",
        "file_identifier"),
    Bad("identifier zeros", lambda: BENCH[:4] + bytes(4) + BENCH[8:], "file identifier"),
    Bad("a keras .h5 file", lambda: b"\x89HDF\r\n\x1a\n" + bytes(600), "file identifier"),
    Bad("a keras .keras zip", lambda: b"PK\x03\x04" + bytes(600), "file identifier"),
    Bad("an ONNX protobuf", lambda: b"\x08\x07\x12\x07pytorch" + bytes(600), "file identifier"),
    Bad("a PNG", lambda: b"\x89PNG\r\n\x1a\n" + bytes(600), "file identifier"),
    Bad("a CSV trace", lambda: b"12,-34,56\n" * 50, "file identifier"),
    Bad("a C array (xxd -i)", lambda: b"unsigned char model_tflite[] = {\n  0x1c, 0x00,",
        "file identifier"),
    Bad("a base64 model", lambda: __import__("base64").b64encode(BENCH), "file identifier"),
    Bad("the model twice", lambda: BENCH[:4] + b"TFL2" + BENCH[8:] + BENCH, "file identifier"),
    Bad("root offset past the end", lambda: patch(0, "<I", 0xFFFFFFF0), "corrupt .tflite"),
    Bad("root offset into the identifier", lambda: patch(0, "<I", 4), "corrupt .tflite"),
    Bad("root offset zero", lambda: patch(0, "<I", 0), "corrupt .tflite"),
    Bad("root offset misaligned", lambda: patch(0, "<I", ROOT_TABLE + 1), "corrupt .tflite"),
    Bad("vtable offset past the start", lambda: patch(ROOT_TABLE, "<i", ROOT_TABLE + 100),
        "corrupt .tflite"),
    Bad("vtable offset past the end", lambda: patch(ROOT_TABLE, "<i", -(2**31)),
        "corrupt .tflite"),
    Bad("vtable size odd", lambda: patch(ROOT_TABLE - u32(BENCH, ROOT_TABLE), "<H", 7),
        "bad vtable size"),
    Bad("vtable size zero", lambda: patch(ROOT_TABLE - u32(BENCH, ROOT_TABLE), "<H", 0),
        "bad vtable size"),
    Bad("vtable larger than the file", lambda: patch(ROOT_TABLE - u32(BENCH, ROOT_TABLE), "<H",
                                                     0xFFFE), "corrupt .tflite"),
    Bad("field offset outside its table", lambda: patch(
        ROOT_TABLE - u32(BENCH, ROOT_TABLE) + 4 + 2 * 2, "<H", 0xFFF0), "outside its table"),
    Bad("subgraphs vector offset past the end", lambda: patch(
        field_pos(BENCH, ROOT_TABLE, 2), "<I", 0x7FFFFFFF), "corrupt .tflite"),
    Bad("subgraphs count 2^32-1", lambda: patch(SUBGRAPHS, "<I", 0xFFFFFFFF), "corrupt .tflite"),
    Bad("subgraphs count zero", lambda: patch(SUBGRAPHS, "<I", 0), "0 subgraphs", "subgraphs"),
    Bad("subgraph offset past the end", lambda: patch(SUBGRAPHS + 4, "<I", 0x7FFFFFF0),
        "corrupt .tflite"),
    Bad("tensors count 2^31", lambda: patch(TENSORS, "<I", 0x80000000), "corrupt .tflite"),
    Bad("tensor offset past the end", lambda: patch(TENSORS + 4, "<I", 0x10000000),
        "corrupt .tflite"),
    Bad("buffers count 2^32-1", lambda: patch(BUFFERS, "<I", 0xFFFFFFFF), "corrupt .tflite"),
    Bad("operator codes count 2^30", lambda: patch(OPCODES, "<I", 1 << 30), "corrupt .tflite"),
    Bad("a table pointing at itself", lambda: patch(SUBGRAPHS + 4, "<I", 0), "corrupt .tflite"),
    Bad("version 2", lambda: patch(field_pos(BENCH, ROOT_TABLE, 0), "<I", 2), "schema version 2",
        "version"),
    Bad("version 2^32-1", lambda: patch(field_pos(BENCH, ROOT_TABLE, 0), "<I", 0xFFFFFFFF),
        "schema version", "version"),
    Bad("all 0xFF after the header", lambda: BENCH[:8] + b"\xff" * (len(BENCH) - 8),
        "corrupt .tflite"),
    Bad("all zeros after the header", lambda: BENCH[:8] + bytes(len(BENCH) - 8),
        "corrupt .tflite"),
    Bad("seeded random bytes with TFL3",
        lambda: b"\x10\x00\x00\x00TFL3" + __import__("random").Random(4).randbytes(4000),
        "corrupt .tflite"),
]


def _t(m: Any, i: int) -> Any:
    return m.subgraphs[0].tensors[i]


def _op(m: Any, i: int) -> Any:
    return m.subgraphs[0].operators[i]


def _set(obj: Any, **kw: Any) -> None:
    for k, v in kw.items():
        setattr(obj, k, v)


def _quant(m: Any, i: int, **kw: Any) -> None:
    _set(_t(m, i).quantization, **kw)


def _code(m: Any, op: int, code: int, custom: bytes | None = None) -> None:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

    oc = tfl.OperatorCodeT()
    oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = code, min(code, 127), 1
    oc.customCode = custom
    m.operatorCodes.append(oc)
    _op(m, op).opcodeIndex = len(m.operatorCodes) - 1


def _two_subgraphs(m: Any) -> None:
    import copy

    m.subgraphs.append(copy.deepcopy(m.subgraphs[0]))


def _new_buffer(m: Any, data: bytes) -> int:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

    b = tfl.BufferT()
    b.data = data
    m.buffers.append(b)
    return len(m.buffers) - 1


def _external_buffer(m: Any, offset: int, size: int) -> None:
    b = m.buffers[12]  # conv1 weights (120 B)
    b.data, b.offset, b.size = None, offset, size


# Reader-level meaning errors (inspect and generate refuse them).
# Tensor 0 is the model input int8[1,52,3]; 11 conv1 weights int8[8,1,5,3] (buffer 12, 120 B);
# 10 conv1 bias int32[8]; 20 the output int8[1,3]; op 1 is CONV_2D, op 8 SOFTMAX.
READER = [
    Bad("dynamic batch in the shape", lambda: edited(lambda m: _set(_t(m, 0), shape=[-1, 52, 3])),
        "dynamic or negative dimension", "tensor 0"),
    # a dynamic batch alone is run as batch 1 (tests/test_models_dynamic_batch.py)
    Bad("dynamic batch and length in shape_signature", lambda: edited(
        lambda m: _set(_t(m, 0), shapeSignature=[-1, -1, 3])), "dynamic shape", "tensor 0"),
    Bad("dynamic batch of a stored batch 2", lambda: edited(
        lambda m: _set(_t(m, 0), shapeSignature=[-1, 52, 3], shape=[2, 52, 3])),
        "dynamic shape", "tensor 0"),
    Bad("dynamic length in shape_signature", lambda: edited(
        lambda m: _set(_t(m, 0), shapeSignature=[1, -1, 3])), "dynamic shape", "tensor 0"),
    Bad("negative dimension", lambda: edited(lambda m: _set(_t(m, 12), shape=[1, 1, -52, 3])),
        "negative dimension", "tensor 12"),
    Bad("a 2 GB activation", lambda: edited(
        lambda m: _set(_t(m, 13), shape=[1, 1, 2**31 - 1, 1])), "more than the 16 MiB",
        "tensor 13"),
    Bad("a 2^62-element activation", lambda: edited(
        lambda m: _set(_t(m, 14), shape=[2**31 - 1, 2**31 - 1, 1, 1])), "more than",
        "tensor 14"),
    Bad("a 2 GB int32 bias", lambda: edited(lambda m: _set(_t(m, 10), shape=[2**29])),
        "more than", "tensor 10"),
    Bad("an int4 tensor of 2^40 elements", lambda: edited(
        lambda m: _set(_t(m, 13), type=17, shape=[2**20, 2**20])), "more than", "tensor 13"),
    Bad("rank 9", lambda: edited(lambda m: _set(_t(m, 13), shape=[1] * 9)), "rank 9",
        "tensor 13"),
    Bad("rank 70000", lambda: edited(lambda m: _set(_t(m, 13), shape=[1] * 70000)),
        "more than 65536", None),
    Bad("unknown tensor type 99", lambda: edited(lambda m: _set(_t(m, 13), type=99)),
        "unknown tensor type 99", "tensor 13"),
    Bad("unknown tensor type -1", lambda: edited(lambda m: _set(_t(m, 13), type=-1)),
        "unknown tensor type -1", "tensor 13"),
    Bad("weights buffer smaller than its tensor", lambda: edited(
        lambda m: _set(m.buffers[12], data=m.buffers[12].data[:100])), "holds 100 B", "tensor 11"),
    Bad("weights buffer of 1 byte", lambda: edited(
        lambda m: _set(m.buffers[12], data=m.buffers[12].data[:1])), "holds 1 B", "tensor 11"),
    Bad("weights buffer larger than its tensor", lambda: edited(
        lambda m: _set(m.buffers[12], data=bytes(m.buffers[12].data) * 2)), "holds 240 B",
        "tensor 11"),
    Bad("weights shape grown past its buffer", lambda: edited(
        lambda m: _set(_t(m, 11), shape=[8, 1, 500, 3])), "needs 12000 B", "tensor 11"),
    Bad("bias buffer smaller than its tensor", lambda: edited(
        lambda m: _set(m.buffers[11], data=m.buffers[11].data[:31])), "holds 31 B", "tensor 10"),
    Bad("buffer index out of range", lambda: edited(lambda m: _set(_t(m, 11), buffer=4000)),
        "buffer 4000 is out of range", "tensor 11"),
    Bad("buffer index 2^32-1", lambda: edited(lambda m: _set(_t(m, 11), buffer=2**32 - 1)),
        "out of range", "tensor 11"),
    Bad("external buffer past the end", lambda: edited(
        lambda m: _external_buffer(m, 60000, 120)), "is past the end", None),
    Bad("external buffer of 2^63 B", lambda: edited(lambda m: _external_buffer(m, 64, 2**63)),
        "is past the end", None),
    Bad("string constant", lambda: edited(lambda m: _set(_t(m, 11), type=5)), "not supported",
        "tensor 11"),
    Bad("zero scale", lambda: edited(lambda m: _quant(m, 0, scale=[0.0])), "scale 0.0",
        "quantization.scale"),
    Bad("negative scale", lambda: edited(lambda m: _quant(m, 13, scale=[-0.025])), "scale -0.025",
        "quantization.scale"),
    Bad("NaN scale", lambda: edited(lambda m: _quant(m, 20, scale=[float("nan")])), "scale nan",
        "quantization.scale"),
    Bad("infinite scale", lambda: edited(lambda m: _quant(m, 17, scale=[float("inf")])),
        "scale inf", "quantization.scale"),
    Bad("one zero per-channel scale", lambda: edited(
        lambda m: _quant(m, 11, scale=[0.004] * 7 + [0.0])), "scale 0.0", "quantization.scale"),
    Bad("negative per-channel scale", lambda: edited(
        lambda m: _quant(m, 9, scale=[-0.004] * 16)), "scale -0.004", "quantization.scale"),
    Bad("scales without zero points", lambda: edited(lambda m: _quant(m, 0, zeroPoint=[])),
        "1 scales but 0 zero points", "tensor 0"),
    Bad("more zero points than scales", lambda: edited(
        lambda m: _quant(m, 11, zeroPoint=[0] * 9)), "8 scales but 9 zero points", "tensor 11"),
    Bad("per-channel scales for the wrong axis size", lambda: edited(
        lambda m: _quant(m, 11, scale=[0.004] * 5, zeroPoint=[0] * 5)), "5 scales for 8",
        "tensor 11"),
    Bad("quantized dimension out of range", lambda: edited(
        lambda m: _quant(m, 11, quantizedDimension=4)), "quantized_dimension 4", "tensor 11"),
    Bad("negative quantized dimension", lambda: edited(
        lambda m: _quant(m, 11, quantizedDimension=-1)), "quantized_dimension -1", "tensor 11"),
    Bad("int8 zero point 200", lambda: edited(lambda m: _quant(m, 0, zeroPoint=[200])),
        "zero point 200 is outside the int8 range", "tensor 0"),
    Bad("int8 zero point -129", lambda: edited(lambda m: _quant(m, 20, zeroPoint=[-129])),
        "zero point -129", "tensor 20"),
    Bad("int32 bias zero point 2^40", lambda: edited(
        lambda m: _quant(m, 10, zeroPoint=[2**40] * 8)), "zero point 1099511627776",
        "tensor 10"),
    Bad("input index out of range", lambda: edited(
        lambda m: _set(m.subgraphs[0], inputs=[21])), "refers to tensor 21", "subgraph 0 inputs"),
    Bad("output index negative", lambda: edited(lambda m: _set(m.subgraphs[0], outputs=[-1])),
        "refers to tensor -1", "subgraph 0 outputs"),
    Bad("op input index out of range", lambda: edited(lambda m: _set(_op(m, 1), inputs=[12, 99,
                                                                                         10])),
        "refers to tensor 99", "op 1 CONV_2D input"),
    Bad("op input index -2", lambda: edited(lambda m: _set(_op(m, 1), inputs=[12, -2, 10])),
        "refers to tensor -2", "op 1 CONV_2D input"),
    Bad("op output index out of range", lambda: edited(lambda m: _set(_op(m, 8), outputs=[21])),
        "refers to tensor 21", "op 8 SOFTMAX output"),
    Bad("opcode index out of range", lambda: edited(lambda m: _set(_op(m, 2), opcodeIndex=6)),
        "opcode_index 6 is out of range", "op 2"),
    Bad("two subgraphs (control flow)", lambda: edited(_two_subgraphs), "2 subgraphs",
        "subgraphs"),
    Bad("invalid padding enum", lambda: edited(lambda m: _set(_op(m, 1).builtinOptions,
                                                               padding=7)), "is not a padding"),
    Bad("softmax beta -inf", lambda: edited(
        lambda m: _set(_op(m, 8).builtinOptions, beta=float("-inf"))), "must be a finite number",
        "op 8 SOFTMAX"),
    Bad("invalid activation enum", lambda: edited(
        lambda m: _set(_op(m, 6).builtinOptions, fusedActivationFunction=9)),
        "is not an activation"),
]


# Meaning errors in the graph: `tinyfw generate` refuses them naming the op or tensor.
GRAPH = [
    Bad("float32 input", lambda: edited(lambda m: _set(_t(m, 0), type=0)),
        ("float32", "tensor 0"), "op 0 RESHAPE"),
    Bad("int16 input", lambda: edited(lambda m: _set(_t(m, 0), type=7, quantization=None)),
        "int16", "tensor 0"),
    Bad("uint8 input", lambda: edited(lambda m: _set(_t(m, 0), type=3)), "uint8", "tensor 0"),
    Bad("int32 output", lambda: edited(lambda m: _set(_t(m, 20), type=2)), "int32", "tensor 20"),
    Bad("bool output", lambda: edited(lambda m: _set(_t(m, 20), type=6)), "bool", "tensor 20"),
    Bad("complex64 activation", lambda: edited(lambda m: _set(_t(m, 13), type=8)),
        "complex64", "op 1 CONV_2D"),
    Bad("float16 weights", lambda: edited(lambda m: _set(_t(m, 7), type=1, shape=[16, 8])),
        "float16", "op 6 FULLY_CONNECTED"),
    Bad("unquantized activation", lambda: edited(lambda m: _set(_t(m, 13), quantization=None)),
        "no quantization", "op 1 CONV_2D"),
    Bad("no inputs", lambda: edited(lambda m: _set(m.subgraphs[0], inputs=[])),
        "no inputs or no outputs"),
    Bad("no outputs", lambda: edited(lambda m: _set(m.subgraphs[0], outputs=[])),
        "no inputs or no outputs"),
    Bad("unsupported op LSTM", lambda: edited(lambda m: _code(m, 8, 16)), "not supported",
        "op 8 LSTM"),
    Bad("unsupported op LOG_SOFTMAX", lambda: edited(lambda m: _code(m, 8, 50)),
        "not supported", "op 8 LOG_SOFTMAX"),
    Bad("unsupported op WHILE", lambda: edited(lambda m: _code(m, 8, 119)), "not supported",
        "op 8 WHILE"),
    Bad("unsupported op GELU", lambda: edited(lambda m: _code(m, 8, 150)), "not supported",
        "op 8 GELU"),
    Bad("a custom op", lambda: edited(lambda m: _code(m, 8, 32, b"MyOp*/\"%n")), "not supported",
        "CUSTOM:MyOp"),
    Bad("an unknown builtin code 500", lambda: edited(lambda m: _code(m, 8, 500)),
        ("not supported", "unknown builtin 500"), "op 8"),
    Bad("a stablehlo op", lambda: edited(lambda m: _code(m, 5, 174)), "not supported",
        "STABLEHLO_REDUCE"),
    Bad("conv stride 0", lambda: edited(lambda m: _set(_op(m, 1).builtinOptions, strideW=0)),
        "stride", "op 1 CONV_2D"),
    Bad("conv negative stride", lambda: edited(
        lambda m: _set(_op(m, 1).builtinOptions, strideH=-1)), "stride", "op 1 CONV_2D"),
    Bad("conv dilation 0", lambda: edited(
        lambda m: _set(_op(m, 3).builtinOptions, dilationWFactor=0)), "dilation", "op 3 CONV_2D"),
    Bad("conv without options", lambda: edited(
        lambda m: _set(_op(m, 1), builtinOptions=None, builtinOptionsType=0)), "",
        "op 1 CONV_2D"),
    Bad("conv fused TANH", lambda: edited(
        lambda m: _set(_op(m, 1).builtinOptions, fusedActivationFunction=4)), "TANH",
        "op 1 CONV_2D"),
    Bad("conv weights not constant", lambda: edited(lambda m: _set(_t(m, 11), buffer=0)),
        "constant", "op 1 CONV_2D"),
    Bad("conv weights for 4 input channels", lambda: edited(
        lambda m: _set(_t(m, 11), shape=[8, 1, 5, 4])), "needs 160 B", "tensor 11"),
    Bad("conv bias of int8", lambda: edited(lambda m: _set(_t(m, 10), type=9, shape=[32])),
        "8 scales for 32 channels", "tensor 10"),
    Bad("conv bias of the wrong length", lambda: edited(
        lambda m: _set(_t(m, 10), shape=[4, 2])), "8 scales for 4 channels", "tensor 10"),
    Bad("conv bias of int8 with matching scales", lambda: edited(
        lambda m: _set(_t(m, 10), type=9, shape=[8], buffer=_new_buffer(m, bytes(8)))), "int8",
        "op 1 CONV_2D"),
    Bad("conv asymmetric weights", lambda: edited(
        lambda m: _quant(m, 11, zeroPoint=[1] * 8)), "zero point", "op 1 CONV_2D"),
    Bad("conv output shape wrong", lambda: edited(lambda m: _set(_t(m, 13), shape=[1, 1, 47, 8])),
        "output", "op 1 CONV_2D"),
    Bad("pool filter 0", lambda: edited(lambda m: _set(_op(m, 2).builtinOptions, filterWidth=0)),
        "filter", "op 2 MAX_POOL_2D"),
    Bad("pool filter larger than its input", lambda: edited(
        lambda m: _set(_op(m, 2).builtinOptions, filterWidth=100)), "op 2 MAX_POOL_2D",
        "op 2 MAX_POOL_2D"),
    Bad("pool stride 0", lambda: edited(lambda m: _set(_op(m, 2).builtinOptions, strideW=0)),
        "stride", "op 2 MAX_POOL_2D"),
    Bad("FC weights of the wrong depth", lambda: edited(
        lambda m: _set(_t(m, 7), shape=[32, 8])), "16 scales for 32 channels", "tensor 7"),
    Bad("FC weights transposed", lambda: edited(
        lambda m: _set(_t(m, 5), shape=[16, 3], quantization=None)), "no quantization",
        "op 7 FULLY_CONNECTED"),
    Bad("FC shuffled weights format", lambda: edited(
        lambda m: _set(_op(m, 6).builtinOptions, weightsFormat=1)), "shuffled",
        "op 6 FULLY_CONNECTED"),
    Bad("FC bias missing output values", lambda: edited(lambda m: _set(_t(m, 6), shape=[8, 2])),
        "16 scales for 8 channels", "tensor 6"),
    Bad("softmax output scale not 1/256", lambda: edited(lambda m: _quant(m, 20, scale=[0.01])),
        "1/256", "op 8 SOFTMAX"),
    Bad("softmax beta NaN", lambda: edited(
        lambda m: _set(_op(m, 8).builtinOptions, beta=float("nan"))), "beta", "op 8 SOFTMAX"),
    Bad("softmax beta -1", lambda: edited(lambda m: _set(_op(m, 8).builtinOptions, beta=-1.0)),
        "beta", "op 8 SOFTMAX"),
    Bad("mean axis out of range", lambda: edited(
        lambda m: _set(m.buffers[4], data=struct.pack("<i", 7))), "axis", "op 5 MEAN"),
    Bad("reshape to a different size", lambda: edited(
        lambda m: _set(_t(m, 12), shape=[1, 1, 50, 3])), "op 0 RESHAPE", "op 0 RESHAPE"),
    Bad("an op reading a tensor no op wrote", lambda: edited(
        lambda m: _set(_op(m, 3), inputs=[17, 9, 8])), "op 3 CONV_2D", "op 3 CONV_2D"),
    Bad("ops out of order", lambda: edited(
        lambda m: m.subgraphs[0].operators.reverse()), "op 0", "op 0"),
    Bad("an op writing the model input", lambda: edited(lambda m: _set(_op(m, 2), outputs=[0])),
        "", "op 2 MAX_POOL_2D"),
    Bad("an op writing a constant", lambda: edited(lambda m: _set(_op(m, 2), outputs=[11])),
        "tensor 11", None),
    Bad("an op writing its own input", lambda: edited(lambda m: _set(_op(m, 2), outputs=[13])),
        "", "op 2 MAX_POOL_2D"),
    Bad("two ops writing one tensor", lambda: edited(lambda m: _set(_op(m, 3), outputs=[14])),
        "", "op 3 CONV_2D"),
    Bad("pool input and output scales differ", lambda: edited(
        lambda m: _quant(m, 14, scale=[0.5])), "quantization must be equal", "op 2 MAX_POOL_2D"),
    # A tiny output scale makes the requantization multiplier 1e41: the shift (137) is beyond
    # what the kernels (tfw_qmath.h: shift in [-31, 30]) can do without undefined behaviour.
    Bad("a denormal conv output scale", lambda: edited(
        lambda m: (_quant(m, 13, scale=[1e-45]), _quant(m, 14, scale=[1e-45]))), "",
        "op 1 CONV_2D"),
    Bad("a 1e-30 conv output scale", lambda: edited(
        lambda m: (_quant(m, 13, scale=[1e-30]), _quant(m, 14, scale=[1e-30]))), "",
        "op 1 CONV_2D"),
    Bad("a 1e-30 FC output scale", lambda: edited(lambda m: _quant(m, 18, scale=[1e-30])), "",
        "op 6 FULLY_CONNECTED"),
]

CONVERTED = [
    ("tf_float32.tflite", "re-convert with full int8"),
    ("tf_hybrid_dynamic_range.tflite", "re-convert with full int8"),
    ("tf_float16_weights.tflite", "re-convert with full int8"),
    ("tf_int16x8.tflite", "int16"),
    ("tf_int8_dynamic_length.tflite", "dynamic shape"),
    ("tf_int8_log_softmax.tflite", "LOG_SOFTMAX: is not supported"),
    ("tf_int8_exp.tflite", "EXP: is not supported"),
]


def test_the_catalogue_holds_at_least_150_bad_models():
    ids = [c.id for c in BROKEN + READER + GRAPH] + [n for n, _ in CONVERTED]
    assert len(ids) >= 150 and len(set(ids)) == len(ids)


@pytest.fixture(scope="module")
def proj(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project(tmp_path_factory.mktemp("models") / "proj")


def write_model(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "model.tflite"
    p.write_bytes(data)
    return p


def generate(proj: Path, model: Path, out: Path) -> Any:
    return run_inproc(["--project", str(proj), "generate", "--model", str(model),
                       "--out", str(out)])


@pytest.mark.parametrize("case", BROKEN + READER, ids=[c.id for c in BROKEN + READER])
def test_a_broken_model_file_is_refused_by_inspect_and_generate_in_one_line(
    case: Bad, proj: Path, tmp_path: Path
):
    model = write_model(tmp_path, case.make())
    r = run_inproc(["inspect", str(model)])
    assert_one_line_error(r, file=model, field=case.field, words=case.words)
    out = tmp_path / "generated"
    r = generate(proj, model, out)
    assert_one_line_error(r, file=model, field=case.field, words=case.words)
    assert not out.exists()


@pytest.mark.parametrize("case", GRAPH, ids=[c.id for c in GRAPH])
def test_a_model_tinyfw_cannot_compile_is_refused_by_generate_naming_the_op_or_tensor(
    case: Bad, proj: Path, tmp_path: Path
):
    model = write_model(tmp_path, case.make())
    out = tmp_path / "generated"
    r = generate(proj, model, out)
    assert_one_line_error(r, file=model, field=case.field, words=case.words)
    assert not out.exists()
    # inspect still describes what it can and says why it cannot compile, without failing
    r = run_inproc(["inspect", str(model)])
    assert r.status in (0, 2), r.err
    assert "Traceback" not in r.err and "internal error" not in r.err
    if r.status == 0:
        assert "NOT COMPILABLE" in r.out


@pytest.mark.parametrize(("name", "words"), CONVERTED)
def test_a_real_conversion_tinyfw_does_not_compile_is_refused_with_how_to_reconvert(
    name: str, words: str, proj: Path, tmp_path: Path
):
    model = MODELS / name
    r = generate(proj, model, tmp_path / "generated")
    assert_one_line_error(r, file=model, words=words)


def test_a_model_larger_than_16_mib_is_refused_without_reading_it(proj: Path, tmp_path: Path):
    model = tmp_path / "huge.tflite"
    with open(model, "wb") as f:  # sparse: 3 GB on paper, nothing on disk
        f.truncate(3 * 1024**3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    r = run_inproc(["inspect", str(model)])
    assert_one_line_error(r, file=model, words="larger than")
    assert time.monotonic() - t0 < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


MAXRSS_WRAPPER = (
    "import resource, sys; from tinyfw.cli import main; rc = main(sys.argv[1:]); "
    "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
    "sys.exit(rc)"
)


def test_a_valid_8_mib_model_generates_in_bounded_time_and_memory(proj: Path, tmp_path: Path):
    """Big but legal (an 8 MiB unused buffer): model_data.c embeds all of it, in seconds and
    well under a GB (tinyfw refuses files over 16 MiB, 4x the largest board flash)."""
    import subprocess

    import numpy as np
    from tflite_edit import bench_model, pack
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

    m = bench_model()
    b = tfl.BufferT()
    b.data = np.random.default_rng(8).integers(0, 256, 8 * 1024 * 1024, dtype=np.uint8)
    m.buffers.append(b)
    model = write_model(tmp_path, pack(m))
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-c", MAXRSS_WRAPPER, "--project", str(proj), "generate",
                        "--model", str(model), "--out", str(tmp_path / "g")],
                       capture_output=True, text=True, timeout=120, check=False)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    rss_mb = int(r.stderr.split("MAXRSS_KB")[1].split()[0]) / 1024
    assert took < 30 and rss_mb < 600, f"{took:.1f} s, {rss_mb:.0f} MB"
    assert (tmp_path / "g" / "model_data.c").stat().st_size > 8 * 1024 * 1024 * 4


def test_a_folder_or_a_missing_file_given_as_model_is_one_line(tmp_path: Path):
    r = run_inproc(["inspect", str(tmp_path)])
    assert_one_line_error(r, file=tmp_path, words="cannot read")
    r = run_inproc(["inspect", str(tmp_path / "nope.tflite")])
    assert_one_line_error(r, file=tmp_path / "nope.tflite", words="cannot read")


SUBPROCESS = ["truncated to 3000 B", "a keras .h5 file", "a 2 GB activation", "zero scale",
              "weights buffer smaller than its tensor"]


@pytest.mark.parametrize("case_id", SUBPROCESS)
def test_the_tinyfw_command_refuses_a_broken_model_the_same_way(case_id: str, tmp_path: Path):
    case = next(c for c in BROKEN + READER if c.id == case_id)
    model = write_model(tmp_path, case.make())
    r = run_subprocess(["inspect", str(model)])
    assert_one_line_error(r, file=model, field=case.field, words=case.words)


def test_the_tinyfw_command_refuses_a_float_model_when_generating(proj: Path, tmp_path: Path):
    model = MODELS / "tf_float32.tflite"
    r = run_subprocess(["--project", str(proj), "generate", "--model", str(model), "--out",
                        str(tmp_path / "g")])
    assert_one_line_error(r, file=model, words="re-convert with full int8")


def test_debug_shows_the_traceback_of_a_broken_model(tmp_path: Path):
    model = write_model(tmp_path, BENCH[:3000])
    r = run_subprocess(["--debug", "inspect", str(model)])
    assert r.status != 0 and "Traceback" in r.err and "InputError" in r.err


def test_the_benchmark_model_itself_is_accepted(proj: Path, tmp_path: Path):
    """The catalogue's base file is good: every error above comes from the edit."""
    r = generate(proj, BENCH_MODEL, tmp_path / "generated")
    assert r.status == 0, r.err
