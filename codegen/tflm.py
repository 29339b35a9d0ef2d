"""`tinyfw generate --backend tflm`: the model as a C array plus a TensorFlow Lite Micro
inference loop (C++) behind the same C entry points as the native backend (model.h:
model_input(), model_invoke(), model_output(), ...), so firmware/app/ does not change.

What is generated (all marked generated, deterministic for one model and arena size):
  model.h        the C API of the native backend, plus the TFLM arena and quantization macros
  model.cc       MicroMutableOpResolver<N> with exactly the model's N distinct ops, a static
                 arena, the interpreter (placement-new, no heap, no static constructors),
                 failures as a `warn tflm: ...` UART line and an exit status (6: the model,
                 its ops, AllocateTensors() or the input/output quantization; 7: Invoke())
  model_data.c/h the .tflite as a 16-byte aligned C array and its length
  model.tflite, model.json (with "backend": "tflm")

The arena: the oracle's (tflite-micro, the same TFLM on the 64-bit host; model/oracle_arena.py)
measured use, plus a
stated margin (ARENA_MARGIN_PERCENT % + ARENA_MARGIN_BYTES, rounded up to 16 B); the host's
count is above a 32-bit Cortex-M's (pointers are 8 B there), the margin covers scratch buffers
that optimized kernels (CMSIS-NN) ask for and the host's reference kernels do not.
`[firmware].tflm_arena_bytes` in tinyfw.toml sets the size instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tinyfw import __version__
from tinyfw.codegen import emit
from tinyfw.codegen.generate import ModelCode, _check_dataflow, _tensor_info, describe_generated
from tinyfw.codegen.ir import Graph
from tinyfw.codegen.planner import Plan
from tinyfw.errors import InputError

BACKENDS = ("native", "tflm")
ARENA_MARGIN_PERCENT = 25
ARENA_MARGIN_BYTES = 1024
EXIT_INIT_FAILED = 6
EXIT_INVOKE_FAILED = 7

# BuiltinOperator name -> MicroMutableOpResolver method (tensorflow/lite/micro/
# micro_mutable_op_resolver.h of TFLM 90b983c2; the tflm tests check each one is there).
RESOLVER_METHODS: dict[str, str] = {
    "ABS": "AddAbs", "ADD": "AddAdd", "ADD_N": "AddAddN", "ARG_MAX": "AddArgMax",
    "ARG_MIN": "AddArgMin", "ASSIGN_VARIABLE": "AddAssignVariable",
    "AVERAGE_POOL_2D": "AddAveragePool2D", "BATCH_MATMUL": "AddBatchMatMul",
    "BATCH_TO_SPACE_ND": "AddBatchToSpaceNd", "BROADCAST_ARGS": "AddBroadcastArgs",
    "BROADCAST_TO": "AddBroadcastTo", "CALL_ONCE": "AddCallOnce", "CAST": "AddCast",
    "CEIL": "AddCeil", "CONCATENATION": "AddConcatenation", "CONV_2D": "AddConv2D",
    "COS": "AddCos", "CUMSUM": "AddCumSum", "CUSTOM": "AddBuiltin",
    "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D", "DEPTH_TO_SPACE": "AddDepthToSpace",
    "DEQUANTIZE": "AddDequantize", "DIV": "AddDiv",
    "DYNAMIC_UPDATE_SLICE": "AddDynamicUpdateSlice", "ELU": "AddElu",
    "EMBEDDING_LOOKUP": "AddEmbeddingLookup", "EQUAL": "AddEqual", "EXP": "AddExp",
    "EXPAND_DIMS": "AddExpandDims", "FILL": "AddFill", "FLOOR": "AddFloor",
    "FLOOR_DIV": "AddFloorDiv", "FLOOR_MOD": "AddFloorMod",
    "FULLY_CONNECTED": "AddFullyConnected", "GATHER": "AddGather", "GATHER_ND": "AddGatherNd",
    "GREATER": "AddGreater", "GREATER_EQUAL": "AddGreaterEqual", "HARD_SWISH": "AddHardSwish",
    "IF": "AddIf", "L2_NORMALIZATION": "AddL2Normalization", "L2_POOL_2D": "AddL2Pool2D",
    "LEAKY_RELU": "AddLeakyRelu", "LESS": "AddLess", "LESS_EQUAL": "AddLessEqual",
    "LOG": "AddLog", "LOGICAL_AND": "AddLogicalAnd", "LOGICAL_NOT": "AddLogicalNot",
    "LOGICAL_OR": "AddLogicalOr", "LOGISTIC": "AddLogistic", "LOG_SOFTMAX": "AddLogSoftmax",
    "MAXIMUM": "AddMaximum", "MAX_POOL_2D": "AddMaxPool2D", "MEAN": "AddMean",
    "MINIMUM": "AddMinimum", "MIRROR_PAD": "AddMirrorPad", "MUL": "AddMul", "NEG": "AddNeg",
    "NOT_EQUAL": "AddNotEqual", "PACK": "AddPack", "PAD": "AddPad", "PADV2": "AddPadV2",
    "PRELU": "AddPrelu", "QUANTIZE": "AddQuantize", "READ_VARIABLE": "AddReadVariable",
    "REDUCE_ALL": "AddReduceAll", "REDUCE_MAX": "AddReduceMax", "REDUCE_MIN": "AddReduceMin",
    "RELU": "AddRelu", "RELU6": "AddRelu6", "RESHAPE": "AddReshape",
    "RESIZE_BILINEAR": "AddResizeBilinear", "RESIZE_NEAREST_NEIGHBOR": "AddResizeNearestNeighbor",
    "REVERSE_V2": "AddReverseV2", "ROUND": "AddRound", "RSQRT": "AddRsqrt",
    "SELECT_V2": "AddSelectV2", "SHAPE": "AddShape", "SIN": "AddSin", "SLICE": "AddSlice",
    "SOFTMAX": "AddSoftmax", "SPACE_TO_BATCH_ND": "AddSpaceToBatchNd",
    "SPACE_TO_DEPTH": "AddSpaceToDepth", "SPLIT": "AddSplit", "SPLIT_V": "AddSplitV",
    "SQRT": "AddSqrt", "SQUARE": "AddSquare", "SQUARED_DIFFERENCE": "AddSquaredDifference",
    "SQUEEZE": "AddSqueeze", "STRIDED_SLICE": "AddStridedSlice", "SUB": "AddSub", "SUM": "AddSum",
    "SVDF": "AddSvdf", "TANH": "AddTanh", "TRANSPOSE": "AddTranspose",
    "TRANSPOSE_CONV": "AddTransposeConv",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "AddUnidirectionalSequenceLSTM", "UNPACK": "AddUnpack",
    "VAR_HANDLE": "AddVarHandle", "WHILE": "AddWhile", "ZEROS_LIKE": "AddZerosLike",
}


@dataclass
class TflmCode(ModelCode):
    """ModelCode of the TFLM backend: no native kernels (`lowered` is empty); the MACs and the
    arena the oracle measured are kept here."""

    tflm_macs: int = 0
    arena_measured: int = 0
    resolver: list[tuple[str, str]] = field(default_factory=list)

    @property
    def macs(self) -> int:
        return self.tflm_macs


def resolver_ops(graph: Graph) -> list[tuple[str, str]]:
    """(opcode, resolver method) for each distinct op of the model, in first-use order;
    InputError naming the op if TFLM's MicroMutableOpResolver has no method for it."""
    seen: dict[str, str] = {}
    for op in graph.ops:
        if op.opcode in seen:
            continue
        method = RESOLVER_METHODS.get(op.opcode)
        if method is None:
            raise InputError(
                "has no MicroMutableOpResolver registration in TensorFlow Lite Micro (a custom "
                "op or one TFLM does not implement); replace it in the model",
                file=graph.where, field=op.describe())
        seen[op.opcode] = method
    return list(seen.items())


def arena_size(measured: int) -> int:
    size = measured + (measured * ARENA_MARGIN_PERCENT + 99) // 100 + ARENA_MARGIN_BYTES
    return (size + 15) // 16 * 16


def _float_literal(x: float) -> str:
    """A C float literal that is exactly the float32 `x` (tflite stores scales as float32)."""
    import numpy as np

    f = np.float32(x)
    text = np.format_float_scientific(f, unique=True, trim="-")
    if np.float32(float(text)) != f:
        raise ValueError(f"float literal {text} does not round-trip {x!r}")
    return text + "f"


def _macs(graph: Graph) -> tuple[int, dict[int, int]]:
    """MACs per op as the native lowering counts them (0 for an op it does not lower)."""
    from tinyfw.codegen.generate import lower_graph

    try:
        lowered = lower_graph(graph)
    except InputError:
        return 0, {}
    per = {low.op.index: low.macs for low in lowered}
    return sum(per.values()), per


def compile_tflm(graph: Graph, prefix: str = "model", *, measured: int,
                 arena_bytes: int = 0) -> ModelCode:
    """The TFLM backend's files in memory (ModelCode.files). `measured`: the arena the oracle
    used for this model (tinyfw.model.oracle_arena.measured_arena); arena_bytes 0 = measured
    plus the margin."""
    emit.c_ident(prefix)
    if not graph.inputs or not graph.outputs:
        raise InputError("the model has no inputs or no outputs", file=graph.where)
    _check_dataflow(graph)
    for t in list(graph.inputs) + list(graph.outputs):
        tensor = graph.tensors[t]
        if tensor.dtype != "int8" or tensor.quant is None:
            raise InputError(
                f"is {tensor.dtype}; the TFLM backend's C API (like the native one) needs int8 "
                "model inputs and outputs (re-convert with inference_input_type=tf.int8 and "
                "inference_output_type=tf.int8)", file=graph.where,
                field=f"{'input' if t in graph.inputs else 'output'} {tensor.describe()}")
    ops = resolver_ops(graph)
    arena = arena_bytes if arena_bytes > 0 else arena_size(measured)
    macs, per_op = _macs(graph)
    plan = Plan(arena_size=arena, tensor_offset={t: -1 for t in range(len(graph.tensors))},
                scratch_offset={})
    code = TflmCode(graph, [], plan, prefix, tflm_macs=macs, arena_measured=measured,
                    resolver=ops)
    P = prefix.upper()
    ins = [_tensor_info(graph.tensors[t], plan) for t in graph.inputs]
    outs = [_tensor_info(graph.tensors[t], plan) for t in graph.outputs]
    for info, t in list(zip(ins, graph.inputs)) + list(zip(outs, graph.outputs)):
        info["scale_c"] = _float_literal(graph.tensors[t].scale)
        info["dims"] = [int(d) for d in graph.tensors[t].shape]
    common: dict[str, Any] = {
        "p": prefix, "P": P, "ops": graph.ops, "macs": macs, "arena_size": arena,
        "arena_measured": measured, "arena_given": arena_bytes > 0,
        "margin_percent": ARENA_MARGIN_PERCENT, "margin_bytes": ARENA_MARGIN_BYTES,
        "const_bytes": 0, "model_name": graph.path.name if graph.path else "model",
        "inputs": ins, "outputs": outs, "sha_prefix": graph.sha256[:12],
        "resolver": ops, "exit_init": EXIT_INIT_FAILED, "exit_invoke": EXIT_INVOKE_FAILED,
        "version": __version__,
    }
    env = emit.environment()
    sha = graph.sha256
    code.files[f"{prefix}.h"] = emit.render(env, "tflm_model.h.j2", sha, **common)
    code.files[f"{prefix}.cc"] = emit.render(env, "tflm_model.cc.j2", sha, **common)
    code.files[f"{prefix}.tflite"] = bytes(graph.raw)
    desc = describe_generated(code, common)
    desc["backend"] = "tflm"
    desc["tflm_arena_measured_host_bytes"] = measured
    desc["tflm_resolver_ops"] = [op for op, _ in ops]
    desc["macs"] = macs
    desc["ops"] = [{"index": op.index, "opcode": op.opcode, "kernel": "tflm",
                    "macs": per_op.get(op.index, 0)} for op in graph.ops]
    for d in desc["inputs"] + desc["outputs"]:
        d.pop("offset", None)
        d.pop("scale_c", None)
        d.pop("dims", None)
    code.files[f"{prefix}.json"] = emit.render_json(desc, sha)
    data = {"p": prefix, "P": P, "length": len(graph.raw), "sha256": sha}
    code.files[f"{prefix}_data.h"] = emit.render(env, "model_data.h.j2", sha, **data)
    code.files[f"{prefix}_data.c"] = emit.render(
        env, "model_data.c.j2", sha, data=list(graph.raw), **data)
    return code
