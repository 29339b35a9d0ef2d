"""Lowering: IR ops -> kernel calls with every parameter precomputed (TFLM's Prepare, at
generation time). One module per op family in `codegen/ops/` registers its lowerings in
`LOWERINGS` via an `OPS` dict; this module holds the shared types and helpers.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinyfw.codegen import ops as ops_pkg
from tinyfw.codegen import qmath
from tinyfw.codegen.ir import Graph, Op, Tensor
from tinyfw.errors import InputError


@dataclass(frozen=True)
class ConstRef:
    """A reference to a constant array emitted in flash (rendered as its C name)."""

    name: str


@dataclass
class ConstArray:
    name: str
    ctype: str  # "int8_t", "int16_t", "int32_t", "uint8_t"
    values: np.ndarray  # 1-D
    comment: str = ""


@dataclass(frozen=True)
class Arg:
    """One argument of a kernel call.

    kind: "tensor" (an activation in the arena: `tensor` index), "const" (a ConstArray `name`),
    "scratch" (this op's scratch buffer), "null".
    """

    kind: str
    ctype: str = "int8_t"
    tensor: int = -1
    name: str = ""
    const: bool = False  # pointer-to-const in the call (inputs)


@dataclass
class Lowered:
    """The result of lowering one op."""

    op: Op
    kernel: str = ""  # C function; "" for a view (no code)
    header: str = ""  # kernel header to include
    params_type: str = ""  # C struct type of the params block ("" = no params block)
    params: dict[str, Any] = field(default_factory=dict)  # field -> int | list | dict | ConstRef
    args: list[Arg] = field(default_factory=list)
    consts: list[ConstArray] = field(default_factory=list)
    scratch_bytes: int = 0
    # bytes past the end of input 0 the kernel may read (values that meet zero weights): the
    # planner makes that tensor's arena slot this much longer
    input_slack: int = 0
    alias_of: int | None = None  # views: output tensor shares this input tensor's storage
    macs: int = 0
    note: str = ""  # shown by `tinyfw inspect`


class LowerContext:
    """What a lowering may use: the graph, naming, and error helpers."""

    def __init__(self, graph: Graph, prefix: str) -> None:
        self.graph = graph
        self.prefix = prefix

    # -- errors -------------------------------------------------------------------------------
    def error(self, op: Op, message: str) -> InputError:
        return InputError(message, file=self.graph.where, field=op.describe())

    def tensor(self, i: int) -> Tensor:
        return self.graph.tensors[i]

    def require_type(self, op: Op, t: Tensor, *dtypes: str) -> None:
        if t.dtype not in dtypes:
            hint = ""
            if t.dtype == "float32":
                hint = (
                    "; re-convert with full int8: representative_dataset + "
                    "TFLITE_BUILTINS_INT8 and int8 input/output types"
                )
            elif t.dtype == "int16" and "int8" in dtypes:
                hint = (
                    "; int16 activations (16x8 quantization) are not supported here: "
                    "re-convert with int8 activations (TFLITE_BUILTINS_INT8)"
                )
            raise self.error(
                op, f"{t.describe()} is {t.dtype}; tinyfw supports {'/'.join(dtypes)} here{hint}"
            )

    def require_quant(self, op: Op, t: Tensor, per_tensor: bool = True) -> None:
        if t.quant is None:
            raise self.error(op, f"{t.describe()} has no quantization parameters")
        if per_tensor and t.quant.per_channel:
            raise self.error(op, f"{t.describe()} must be quantized per tensor")

    def require_int8_activation(self, op: Op, t: Tensor) -> None:
        self.require_type(op, t, "int8")
        self.require_quant(op, t)
        if t.is_const:
            raise self.error(op, f"{t.describe()} is constant where an activation is expected")

    def require_const(self, op: Op, t: Tensor | None, what: str) -> Tensor:
        if t is None or not t.is_const:
            raise self.error(op, f"{what} must be a constant tensor")
        return t

    def n_inputs(self, op: Op, lo: int, hi: int | None = None) -> None:
        hi = lo if hi is None else hi
        if not lo <= len(op.inputs) <= hi:
            raise self.error(op, f"has {len(op.inputs)} inputs, expected {lo}..{hi}")
        if len(op.outputs) != 1:
            raise self.error(op, f"has {len(op.outputs)} outputs, expected 1")

    # -- naming -------------------------------------------------------------------------------
    def const_name(self, op: Op, what: str) -> str:
        return f"{self.prefix}_op{op.index}_{what}"

    def const(self, op: Op, what: str, ctype: str, values: np.ndarray, comment: str = "") -> tuple[ConstArray, ConstRef]:
        arr = ConstArray(self.const_name(op, what), ctype, np.asarray(values).reshape(-1), comment)
        return arr, ConstRef(arr.name)


# -- shared arithmetic helpers (TFLM Prepare equivalents) -----------------------------------------


def shape4(shape: tuple[int, ...]) -> dict[str, int]:
    """Right-align a shape of rank <= 4 into NHWC."""
    s = (1,) * (4 - len(shape)) + tuple(shape)
    return {"n": s[0], "h": s[1], "w": s[2], "c": s[3]}


def activation_range(activation: str, out: Tensor, qmin: int = -128, qmax: int = 127) -> tuple[int, int]:
    """TFLM CalculateActivationRangeQuantized: float32 f / scale, std::round, zero point."""
    scale = qmath.f32(out.scale)
    zp = out.zero_point

    def quantize(f: float) -> int:
        return zp + qmath.round_half_away(float(qmath.f32(f) / scale))

    if activation == "NONE":
        return qmin, qmax
    if activation == "RELU":
        return max(qmin, quantize(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    raise ValueError(activation)


def per_channel_requant(
    input_scale: float, filter_scales: tuple[float, ...], output_scale: float, channels: int
) -> tuple[np.ndarray, np.ndarray]:
    """TFLM PopulateConvolutionQuantizationParams: double(in) * double(f) / double(out)."""
    mult = np.zeros(channels, dtype=np.int64)
    shift = np.zeros(channels, dtype=np.int64)
    for c in range(channels):
        fs = filter_scales[c] if len(filter_scales) > 1 else filter_scales[0]
        real = float(input_scale) * float(fs) / float(output_scale)
        mult[c], shift[c] = qmath.quantize_multiplier(real)
    return mult, shift


def per_tensor_conv_multiplier(input_scale: float, filter_scale: float, output_scale: float) -> tuple[int, int]:
    """TFLM GetQuantizedConvolutionMultipler: the product is taken in float32."""
    product = float(qmath.f32(input_scale) * qmath.f32(filter_scale))
    return qmath.quantize_multiplier(product / float(output_scale))


def compute_padding(
    padding: str, in_size: int, filter_size: int, stride: int, dilation: int, out_size: int
) -> int:
    """TFLM ComputePaddingWithOffset: the top/left padding."""
    if padding == "VALID":
        return 0
    effective = (filter_size - 1) * dilation + 1
    total = (out_size - 1) * stride + effective - in_size
    return max(total, 0) // 2


def compute_out_size(padding: str, in_size: int, filter_size: int, stride: int, dilation: int) -> int:
    effective = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        return (in_size + stride - 1) // stride
    return (in_size + stride - effective) // stride


# -- registry -----------------------------------------------------------------------------------

LowerFn = Callable[[Op, LowerContext], Lowered]


def load_lowerings() -> dict[str, LowerFn]:
    """All lowerings from the modules of codegen/ops (each defines OPS = {name: fn})."""
    table: dict[str, LowerFn] = {}
    for mod in sorted(pkgutil.iter_modules(ops_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{ops_pkg.__name__}.{mod.name}")
        for name, fn in getattr(module, "OPS", {}).items():
            if name in table:
                raise RuntimeError(f"op {name} is lowered twice (codegen/ops/{mod.name}.py)")
            table[name] = fn
    return table


# -- shared operand checks of the ops with weights and fused activations ----------------------

CLAMP_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def fused_activation(op: Op, ctx: LowerContext) -> str:
    """The op's fused activation; only the clamping ones lower to an activation range."""
    act = op.options.get("fused_activation_function", "NONE")
    if act not in CLAMP_ACTIVATIONS:
        raise ctx.error(op, f"fused activation {act} is not supported")
    return act


def weighted_operands(
    op: Op, ctx: LowerContext, weights: str
) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
    """(input, weights, bias or None, output) of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED,
    checked: int8 activations quantized per tensor, constant int8 weights, constant int32 bias."""
    ctx.n_inputs(op, 2, 3)
    x = ctx.tensor(op.inputs[0])
    w = ctx.require_const(op, ctx.tensor(op.inputs[1]), f"{weights} (input 1)")
    b = ctx.tensor(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    y = ctx.tensor(op.outputs[0])
    ctx.require_int8_activation(op, x)
    ctx.require_type(op, y, "int8")
    ctx.require_quant(op, y)
    ctx.require_type(op, w, "int8")
    ctx.require_quant(op, w, per_tensor=False)
    if b is not None:
        ctx.require_const(op, b, "bias (input 2)")
        ctx.require_type(op, b, "int32")
    return x, w, b, y


def int8_unary_operands(op: Op, ctx: LowerContext) -> tuple[Tensor, Tensor]:
    """(input, output) of a one-input op: an int8 activation in, a quantized int8 tensor out."""
    ctx.n_inputs(op, 1)
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    ctx.require_int8_activation(op, x)
    ctx.require_type(op, y, "int8")
    ctx.require_quant(op, y)
    return x, y


def check_bias_length(op: Op, ctx: LowerContext, b: Tensor | None, channels: int) -> None:
    if b is not None and b.numel != channels:
        raise ctx.error(op, f"bias has {b.numel} values for {channels} output channels")


def conv_strides(op: Op, ctx: LowerContext) -> tuple[int, int, int, int]:
    """(stride_h, stride_w, dilation_h, dilation_w), each >= 1."""
    o = op.options
    sh, sw = o.get("stride_h", 1), o.get("stride_w", 1)
    dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
    if min(sh, sw, dh, dw) < 1:
        raise ctx.error(op, f"strides {sh}x{sw} and dilations {dh}x{dw} must be >= 1")
    return sh, sw, dh, dw
