"""Random op test cases, like CMSIS-NN's reference-data generator: for every op, Keras layers
with random shapes, strides, paddings, activations, weights and quantization ranges, converted
to full int8 by the TFLite converter (representative data, TFLITE_BUILTINS_INT8, int8 in/out,
batch 1). Expected outputs come from the TFLite Micro oracle at test time.

Packing: the cases of one op are independent branches of ONE multi-input/multi-output Keras
model (a "pack"), so a pack costs one conversion and one host binary instead of fifty. A case
is seeded by (pack name, case seed); its branch is found again in the .tflite through the
tensor graph (its input tensors are named `c<seed>_<k>`).

Provenance: packs are committed under tests/opcases/data/ with manifest.json (TensorFlow,
Keras, tflite-micro, numpy versions, generator version, seeds, per-case parameters and ops,
sha256 of every file). Regenerating never silently replaces a committed pack: when the new
bytes differ, the committed file is kept unless --force is given.

    python tests/opcases/opcases.py generate [--pack NAME ...] [--force]
    python tests/opcases/opcases.py check            # files match the manifest
    python tests/opcases/opcases.py list

Post-conversion edits (recorded per case in the manifest): SOFTMAX beta (the converter always
writes beta 1 and puts a MUL in front), RESHAPE -> EXPAND_DIMS / SQUEEZE (this converter writes
RESHAPE for both; other converters write the dedicated ops, which tinyfw must also take).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

GENERATOR_VERSION = 1
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
MANIFEST = DATA / "manifest.json"
REP_SAMPLES = 32
MAX_RETRIES = 10

# --------------------------------------------------------------------------------------------
# Case description


@dataclass
class Inp:
    shape: tuple[int, ...]  # without the batch dimension
    lo: float
    hi: float


@dataclass
class Case:
    inputs: list[Inp]
    build: Callable[[list[Any]], Any]  # Keras tensors -> output tensor(s)
    params: dict[str, Any]
    edits: dict[str, Any] = field(default_factory=dict)  # post-conversion edits


@dataclass(frozen=True)
class PackSpec:
    """One op pack. `family` names the test file that runs it on the host,
    tests/test_ops_<family>.py (harness.family_params); every pack also runs on the target."""

    name: str
    family: str
    ops: tuple[str, ...]  # TFLite ops every case must contain
    make: Callable[[np.random.Generator], Case]
    n: int = 50
    converter: tuple[tuple[str, Any], ...] = ()
    float_io: bool = False

    def case_rng(self, seed: int) -> np.random.Generator:
        return np.random.default_rng([zlib.crc32(self.name.encode()), seed])


# --------------------------------------------------------------------------------------------
# Random helpers


def _i(rng: np.random.Generator, lo: int, hi: int) -> int:
    """Uniform integer in [lo, hi]."""
    return int(rng.integers(lo, hi + 1))


def _choice(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(0, len(items)))]


def rand_range(rng: np.random.Generator) -> tuple[float, float]:
    """A float range for the representative data: magnitudes 0.03 .. 30, any position."""
    mag = 10 ** rng.uniform(-1.5, 1.5)
    kind = rng.random()
    if kind < 0.15:
        return 0.0, mag  # non-negative
    if kind < 0.25:
        return -mag, 0.0  # non-positive
    c = rng.uniform(-1.0, 1.0) * mag
    return c - mag * rng.uniform(0.2, 1.0), c + mag * rng.uniform(0.2, 1.0)


def rand_shape(rng: np.random.Generator, rank_lo: int, rank_hi: int, dim_hi: int = 8) -> tuple:
    return tuple(_i(rng, 1, dim_hi) for _ in range(_i(rng, rank_lo, rank_hi)))


def rand_weights(rng: np.random.Generator, shape: tuple[int, ...], out_axis: int) -> np.ndarray:
    """Normal weights with a random magnitude per output channel (per-channel scales differ);
    now and then one channel is all zero."""
    w = rng.standard_normal(shape)
    n = shape[out_axis]
    mags = 10 ** rng.uniform(-1.5, 0.5, n)
    if n > 1 and rng.random() < 0.15:
        mags[_i(rng, 0, n - 1)] = 0.0
    bshape = [1] * len(shape)
    bshape[out_axis] = n
    return (w * mags.reshape(bshape)).astype(np.float32)


def rand_bias(rng: np.random.Generator, n: int) -> np.ndarray:
    return (rng.standard_normal(n) * 10 ** rng.uniform(-2, 0)).astype(np.float32)


def _act(rng: np.random.Generator) -> str | None:
    return _choice(rng, [None, None, "relu", "relu6"])


def _fit_kernel(k: int, size: int, dil: int, valid: bool) -> int:
    """Shrink k so that a VALID window (k - 1) * dil + 1 fits `size`."""
    while valid and k > 1 and (k - 1) * dil + 1 > size:
        k -= 1
    return k


def _conv_geometry(rng: np.random.Generator, dims: tuple[int, ...], valid: bool,
                   k_hi: int = 5) -> tuple[list[int], list[int], list[int]]:
    """(kernel, strides, dilations) per spatial dim; Keras forbids stride > 1 with dilation > 1."""
    dilate = rng.random() < 0.3
    ks, ss, ds = [], [], []
    for size in dims:
        d = _i(rng, 1, 3) if dilate else 1
        s = 1 if dilate else _i(rng, 1, 3)
        k = _fit_kernel(_i(rng, 1, k_hi), size, d, valid)
        if valid and (k - 1) * d + 1 > size:
            d = 1
        ks.append(k)
        ss.append(s)
        ds.append(d)
    return ks, ss, ds


# --------------------------------------------------------------------------------------------
# Case builders: one per op (the Keras import is deferred so that `list`/`check` stay light)


def _keras():
    import keras

    return keras


def case_conv2d(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    one_d = rng.random() < 0.3
    cin = _i(rng, 1, 8)
    spatial = (_i(rng, 3, 32),) if one_d else (_i(rng, 1, 12), _i(rng, 1, 12))
    padding = _choice(rng, ["same", "valid"])
    ks, ss, ds = _conv_geometry(rng, spatial, padding == "valid")
    filters = _i(rng, 1, 8)
    groups = 1
    if not one_d and cin > 1 and rng.random() < 0.15:
        groups = _choice(rng, [g for g in range(2, cin + 1) if cin % g == 0])
        filters = groups * _i(rng, 1, 3)
    act = _act(rng)
    use_bias = rng.random() < 0.8
    lo, hi = rand_range(rng)
    kshape = tuple(ks) + (cin // groups, filters)
    w = rand_weights(rng, kshape, len(kshape) - 1)
    b = rand_bias(rng, filters)
    params = {"layer": "Conv1D" if one_d else "Conv2D", "input": list(spatial) + [cin],
                  "filters": filters, "kernel": ks, "strides": ss, "dilation": ds, "padding": padding,
                  "groups": groups, "activation": act, "use_bias": use_bias, "range": [lo, hi]}

    def build(xs):
        cls = layers.Conv1D if one_d else layers.Conv2D
        layer = cls(filters, tuple(ks), strides=tuple(ss), dilation_rate=tuple(ds),
                    padding=padding, groups=groups, activation=act, use_bias=use_bias)
        y = layer(xs[0])
        layer.set_weights([w, b] if use_bias else [w])
        return y

    return Case([Inp(tuple(spatial) + (cin,), lo, hi)], build, params)


def case_depthwise(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    one_d = rng.random() < 0.3
    cin = _i(rng, 1, 8)
    spatial = (_i(rng, 3, 32),) if one_d else (_i(rng, 1, 12), _i(rng, 1, 12))
    padding = _choice(rng, ["same", "valid"])
    ks, ss, ds = _conv_geometry(rng, spatial, padding == "valid")
    mult = _choice(rng, [1, 1, 2, 3])
    act = _act(rng)
    use_bias = rng.random() < 0.8
    lo, hi = rand_range(rng)
    kshape = tuple(ks) + (cin, mult)
    mags = 10 ** rng.uniform(-1.5, 0.5, (cin, mult))
    if rng.random() < 0.15:
        mags[_i(rng, 0, cin - 1), _i(rng, 0, mult - 1)] = 0.0
    w = (rng.standard_normal(kshape) * mags).astype(np.float32)
    b = rand_bias(rng, cin * mult)
    params = {"layer": "DepthwiseConv1D" if one_d else "DepthwiseConv2D",
                  "input": list(spatial) + [cin], "depth_multiplier": mult, "kernel": ks, "strides": ss,
                  "dilation": ds, "padding": padding, "activation": act, "use_bias": use_bias,
                  "range": [lo, hi]}

    def build(xs):
        cls = layers.DepthwiseConv1D if one_d else layers.DepthwiseConv2D
        layer = cls(tuple(ks), strides=tuple(ss), dilation_rate=tuple(ds), padding=padding,
                    depth_multiplier=mult, activation=act, use_bias=use_bias)
        y = layer(xs[0])
        layer.set_weights([w, b] if use_bias else [w])
        return y

    return Case([Inp(tuple(spatial) + (cin,), lo, hi)], build, params)


def case_fully_connected(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    n_in = _i(rng, 1, 32)
    shape = (n_in,) if rng.random() < 0.6 else (_i(rng, 2, 8), n_in)
    units = _i(rng, 1, 16)
    act = _act(rng)
    use_bias = rng.random() < 0.7
    lo, hi = rand_range(rng)
    w = rand_weights(rng, (n_in, units), 1)
    b = rand_bias(rng, units)
    params = {"layer": "Dense", "input": list(shape), "units": units, "activation": act,
                  "use_bias": use_bias, "keep_num_dims": len(shape) > 1, "range": [lo, hi]}

    def build(xs):
        layer = layers.Dense(units, activation=act, use_bias=use_bias)
        y = layer(xs[0])
        layer.set_weights([w, b] if use_bias else [w])
        return y

    return Case([Inp(shape, lo, hi)], build, params)


def _pool_case(rng: np.random.Generator, kind: str) -> Case:
    layers = _keras().layers
    one_d = rng.random() < 0.3
    c = _i(rng, 1, 8)
    spatial = (_i(rng, 2, 32),) if one_d else (_i(rng, 1, 12), _i(rng, 1, 12))
    padding = _choice(rng, ["same", "valid"])
    pool = [_fit_kernel(_i(rng, 1, 4), s, 1, padding == "valid") for s in spatial]
    strides = [_i(rng, 1, 3) for _ in spatial]
    lo, hi = rand_range(rng)
    name = ("MaxPooling" if kind == "max" else "AveragePooling") + ("1D" if one_d else "2D")
    params = {"layer": name, "input": list(spatial) + [c], "pool": pool, "strides": strides,
                  "padding": padding, "range": [lo, hi]}

    def build(xs):
        cls = getattr(layers, name)
        return cls(tuple(pool), strides=tuple(strides), padding=padding)(xs[0])

    return Case([Inp(tuple(spatial) + (c,), lo, hi)], build, params)


def case_max_pool(rng: np.random.Generator) -> Case:
    return _pool_case(rng, "max")


def case_avg_pool(rng: np.random.Generator) -> Case:
    return _pool_case(rng, "avg")


def case_mean(rng: np.random.Generator) -> Case:
    keras = _keras()
    lo, hi = rand_range(rng)
    form = _choice(rng, ["gap1d", "gap2d", "axes", "axes", "axes"])
    if form == "gap1d":
        shape = (_i(rng, 2, 32), _i(rng, 1, 8))
    elif form == "gap2d":
        shape = (_i(rng, 1, 8), _i(rng, 1, 8), _i(rng, 1, 8))
    else:
        shape = tuple(_i(rng, 2, 6) for _ in range(_i(rng, 1, 4)))
    keep = bool(rng.random() < 0.5)
    rank = len(shape) + 1
    axes = sorted({int(a) for a in rng.choice(np.arange(1, rank), _i(rng, 1, rank - 1),
                                              replace=False)})
    if rng.random() < 0.3:
        axes = [a - rank for a in axes]  # negative axes
    params = {"form": form, "input": list(shape), "keepdims": keep, "axes": axes, "range": [lo, hi]}

    def build(xs):
        if form == "gap1d":
            return keras.layers.GlobalAveragePooling1D(keepdims=keep)(xs[0])
        if form == "gap2d":
            return keras.layers.GlobalAveragePooling2D(keepdims=keep)(xs[0])
        return keras.ops.mean(xs[0], axis=tuple(axes), keepdims=keep)

    return Case([Inp(shape, lo, hi)], build, params)


def case_softmax(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    shape = rand_shape(rng, 1, 3, 10)
    if shape[-1] == 1:
        shape = shape[:-1] + (_i(rng, 2, 10),)
    lo, hi = rand_range(rng)
    beta = float(np.float32(rng.uniform(0.1, 3.0))) if rng.random() < 0.5 else 1.0
    params = {"input": list(shape), "beta": beta, "range": [lo, hi]}

    def build(xs):
        return layers.Softmax(axis=-1)(xs[0])

    return Case([Inp(shape, lo, hi)], build, params, edits={"softmax_beta": beta})


def _unary_case(rng: np.random.Generator, fn: Callable[[Any], Any], params: dict,
                lo_hi: tuple[float, float] | None = None) -> Case:
    shape = rand_shape(rng, 1, 4, 8)
    lo, hi = lo_hi if lo_hi is not None else rand_range(rng)
    params = dict(params, input=list(shape), range=[lo, hi])
    return Case([Inp(shape, lo, hi)], lambda xs: fn(xs[0]), params)


def case_logistic(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    return _unary_case(rng, layers.Activation("sigmoid"), {"layer": "sigmoid"})


def case_tanh(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    return _unary_case(rng, layers.Activation("tanh"), {"layer": "tanh"})


def case_relu(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    lo, hi = rand_range(rng)
    if lo >= 0 or hi <= 0:  # straddle 0, else the converter may drop the op
        lo, hi = -abs(hi - lo) * rng.uniform(0.1, 0.9), abs(hi - lo)
    return _unary_case(rng, layers.ReLU(), {"layer": "ReLU"}, (lo, hi))


def case_relu6(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    lo = -10 ** rng.uniform(-1, 1)
    hi = _choice(rng, [rng.uniform(0.5, 5.9), rng.uniform(6.1, 40.0), rng.uniform(6.1, 12.0)])
    return _unary_case(rng, layers.ReLU(max_value=6.0), {"layer": "ReLU(max_value=6)"}, (lo, hi))


def case_leaky_relu(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    alpha = float(np.float32(_choice(rng, [rng.uniform(0.01, 0.5), rng.uniform(0.5, 0.99),
                                           rng.uniform(1.01, 3.0)])))
    lo, hi = rand_range(rng)
    if lo >= 0:
        lo = -hi * rng.uniform(0.1, 1.0)
    return _unary_case(rng, layers.LeakyReLU(negative_slope=alpha),
                       {"layer": "LeakyReLU", "alpha": alpha}, (lo, hi))


def case_hard_swish(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    mag = 10 ** rng.uniform(-0.5, 1.3)
    lo, hi = -mag * rng.uniform(0.2, 1.0), mag * rng.uniform(0.2, 1.0)
    return _unary_case(rng, layers.Activation("hard_swish"), {"layer": "hard_swish"}, (lo, hi))


def _binary_case(rng: np.random.Generator, op: str) -> Case:
    keras = _keras()
    fn = {"add": keras.ops.add, "sub": keras.ops.subtract, "mul": keras.ops.multiply,
          "maximum": keras.ops.maximum, "minimum": keras.ops.minimum}[op]
    shape_a = rand_shape(rng, 1, 4, 6)
    form = _choice(rng, ["same", "same", "bcast", "bcast_both", "const", "scalar"])
    shape_b = shape_a
    if form in ("bcast", "const"):
        shape_b = tuple(1 if rng.random() < 0.5 else d for d in shape_a)
        shape_b = shape_b[_i(rng, 0, len(shape_b) - 1):]  # fewer dims sometimes
    elif form == "bcast_both":
        shape_a = tuple(1 if rng.random() < 0.3 else d for d in shape_a)
        shape_b = tuple(d if a == 1 else (1 if rng.random() < 0.5 else a)
                        for a, d in zip(shape_a, rand_shape(rng, len(shape_a), len(shape_a), 6)))
    act = _choice(rng, [None, None, "relu", "relu6"])
    ra = rand_range(rng)
    rb = rand_range(rng)
    const = None
    if form in ("const", "scalar"):
        cshape = shape_b if form == "const" else ()
        const = rng.uniform(rb[0], rb[1], cshape).astype(np.float32)
    params = {"op": op, "form": form, "a": list(shape_a), "b": list(shape_b) if form != "scalar" else [],
                  "activation": act, "range_a": list(ra), "range_b": list(rb)}

    def build(xs):
        other = xs[1] if const is None else const
        y = fn(xs[0], other)
        if act == "relu":
            y = keras.layers.ReLU()(y)
        elif act == "relu6":
            y = keras.layers.ReLU(max_value=6.0)(y)
        return y

    inputs = [Inp(shape_a, *ra)]
    if const is None:
        inputs.append(Inp(shape_b, *rb))
    return Case(inputs, build, params)


def case_add(rng: np.random.Generator) -> Case:
    return _binary_case(rng, "add")


def case_sub(rng: np.random.Generator) -> Case:
    return _binary_case(rng, "sub")


def case_mul(rng: np.random.Generator) -> Case:
    return _binary_case(rng, "mul")


def case_maximum(rng: np.random.Generator) -> Case:
    return _binary_case(rng, "maximum")


def case_minimum(rng: np.random.Generator) -> Case:
    return _binary_case(rng, "minimum")


def case_concatenation(rng: np.random.Generator) -> Case:
    keras = _keras()
    base = list(rand_shape(rng, 1, 4, 6))
    axis = _i(rng, 0, len(base) - 1)
    n = _i(rng, 2, 5)
    shapes = []
    for _ in range(n):
        s = list(base)
        s[axis] = _i(rng, 1, 5)
        shapes.append(tuple(s))
    ranges = [rand_range(rng) for _ in range(n)]
    scaled = [bool(rng.random() < 0.3) for _ in range(n)]
    keras_axis = axis + 1 if rng.random() < 0.5 else axis - len(base)
    params = {"inputs": [list(s) for s in shapes], "axis": keras_axis, "scaled": scaled,
                  "ranges": [list(r) for r in ranges]}

    def build(xs):
        parts = [keras.ops.multiply(x, 1.5) if s else x for x, s in zip(xs, scaled)]
        return keras.layers.Concatenate(axis=keras_axis)(parts)

    return Case([Inp(s, *r) for s, r in zip(shapes, ranges)], build, params)


def case_pad(rng: np.random.Generator) -> Case:
    keras = _keras()
    form = _choice(rng, ["zero1d", "zero2d", "ops", "ops_const", "ops_const"])
    lo, hi = rand_range(rng)
    if form == "zero1d":
        shape = (_i(rng, 1, 16), _i(rng, 1, 6))
        pads = [[0, 0], [_i(rng, 0, 3), _i(rng, 0, 3)], [0, 0]]
    elif form == "zero2d":
        shape = (_i(rng, 1, 8), _i(rng, 1, 8), _i(rng, 1, 6))
        pads = [[0, 0], [_i(rng, 0, 3), _i(rng, 0, 3)], [_i(rng, 0, 3), _i(rng, 0, 3)], [0, 0]]
    else:
        shape = rand_shape(rng, 1, 4, 6)
        pads = [[0, 0]] + [[_i(rng, 0, 3), _i(rng, 0, 3)] for _ in shape]
    if all(p == [0, 0] for p in pads):
        pads[-1] = [1, 0]
    value = float(rng.uniform(lo, hi)) if form == "ops_const" else 0.0
    params = {"form": form, "input": list(shape), "pads": pads, "value": value, "range": [lo, hi]}

    def build(xs):
        if form == "zero1d":
            return keras.layers.ZeroPadding1D(tuple(pads[1]))(xs[0])
        if form == "zero2d":
            return keras.layers.ZeroPadding2D((tuple(pads[1]), tuple(pads[2])))(xs[0])
        return keras.ops.pad(xs[0], pads, constant_values=value)

    return Case([Inp(shape, lo, hi)], build, params)


def _factor_shape(rng: np.random.Generator, n: int) -> tuple[int, ...]:
    dims = []
    rest = n
    for _ in range(_i(rng, 0, 3)):
        divs = [d for d in range(1, rest + 1) if rest % d == 0]
        d = _choice(rng, divs)
        dims.append(d)
        rest //= d
    dims.append(rest)
    rng.shuffle(dims)
    return tuple(dims)


def case_reshape(rng: np.random.Generator) -> Case:
    keras = _keras()
    shape = rand_shape(rng, 1, 4, 6)
    target = _factor_shape(rng, math.prod(shape))
    lo, hi = rand_range(rng)
    around = bool(rng.random() < 0.5)  # an op before: the view is not a bare input -> output
    form = _choice(rng, ["Reshape", "Reshape", "Flatten"])
    params = {"form": form, "input": list(shape), "target": list(target), "op_before": around,
                  "range": [lo, hi]}

    def build(xs):
        x = keras.layers.ReLU(negative_slope=0.5)(xs[0]) if around else xs[0]
        if form == "Flatten":
            return keras.layers.Flatten()(x)
        return keras.layers.Reshape(target)(x)

    return Case([Inp(shape, lo, hi)], build, params)


def case_expand_dims(rng: np.random.Generator) -> Case:
    keras = _keras()
    shape = rand_shape(rng, 1, 3, 6)
    axis = _i(rng, 1, len(shape) + 1)
    lo, hi = rand_range(rng)
    around = bool(rng.random() < 0.5)
    params = {"input": list(shape), "axis": axis, "op_before": around, "range": [lo, hi]}

    def build(xs):
        x = keras.layers.ReLU(negative_slope=0.5)(xs[0]) if around else xs[0]
        return keras.ops.expand_dims(x, axis)

    return Case([Inp(shape, lo, hi)], build, params, edits={"view_as": "EXPAND_DIMS"})


def case_squeeze(rng: np.random.Generator) -> Case:
    keras = _keras()
    shape = list(rand_shape(rng, 1, 3, 6))
    n_ones = _i(rng, 1, 2)
    for _ in range(n_ones):
        shape.insert(_i(rng, 0, len(shape)), 1)
    shape = tuple(shape)
    ones = [i + 1 for i, d in enumerate(shape) if d == 1]
    axes = sorted(int(a) for a in rng.choice(ones, _i(rng, 1, len(ones)), replace=False))
    lo, hi = rand_range(rng)
    around = bool(rng.random() < 0.5)
    params = {"input": list(shape), "axes": axes, "op_before": around, "range": [lo, hi]}

    def build(xs):
        x = keras.layers.ReLU(negative_slope=0.5)(xs[0]) if around else xs[0]
        return keras.ops.squeeze(x, tuple(axes))

    return Case([Inp(shape, lo, hi)], build, params, edits={"view_as": "SQUEEZE"})


def case_quantize(rng: np.random.Generator) -> Case:
    """int8 -> int8 requantization: the converter inserts QUANTIZE where a concatenation meets
    inputs whose quantization is fixed differently (LOGISTIC 1/256, TANH 1/128, SOFTMAX)."""
    keras = _keras()
    shape = rand_shape(rng, 1, 3, 6)
    fixed = _choice(rng, ["sigmoid", "tanh", "softmax"])
    other = _choice(rng, ["input", "tanh", "sigmoid", "relu"])
    if other == fixed:
        other = "input"
    r1, r2 = rand_range(rng), rand_range(rng)
    params = {"input": list(shape), "first": fixed, "second": other, "ranges": [list(r1), list(r2)]}

    def apply(kind, x):
        if kind == "sigmoid":
            return keras.ops.sigmoid(x)
        if kind == "tanh":
            return keras.ops.tanh(x)
        if kind == "softmax":
            return keras.layers.Softmax()(x)
        if kind == "relu":
            return keras.layers.ReLU()(x)
        return x

    def build(xs):
        return keras.layers.Concatenate(axis=-1)([apply(fixed, xs[0]), apply(other, xs[1])])

    return Case([Inp(shape, *r1), Inp(shape, *r2)], build, params)


def case_float_boundary(rng: np.random.Generator) -> Case:
    """Float model input and output: QUANTIZE float32 -> int8 first, DEQUANTIZE last."""
    keras = _keras()
    shape = rand_shape(rng, 1, 3, 8)
    lo, hi = rand_range(rng)
    body = _choice(rng, ["dense", "relu", "sigmoid", "add_const", "identity_like"])
    w = rand_weights(rng, (shape[-1], _i(rng, 1, 8)), 1)
    c = float(rng.uniform(-2, 2))
    params = {"input": list(shape), "body": body, "range": [lo, hi]}

    def build(xs):
        x = xs[0]
        if body == "dense":
            layer = keras.layers.Dense(w.shape[1], use_bias=False)
            y = layer(x)
            layer.set_weights([w])
            return y
        if body == "relu":
            return keras.layers.ReLU()(x)
        if body == "sigmoid":
            return keras.ops.sigmoid(x)
        if body == "add_const":
            return keras.ops.add(x, c)
        return keras.layers.ReLU(negative_slope=0.25)(x)

    return Case([Inp(shape, lo, hi)], build, params)


def case_strided_slice(rng: np.random.Generator) -> Case:
    shape = rand_shape(rng, 1, 3, 9)  # TFLM's STRIDED_SLICE takes at most 4-D with the batch
    for _ in range(20):
        index: list[Any] = [slice(None)]  # the batch dimension stays whole
        desc = []
        for d in shape:
            kind = _choice(rng, ["full", "range", "range", "step", "reverse", "neg", "index"])
            if kind == "full":
                s: Any = slice(None)
            elif kind == "range":
                a = _i(rng, -d, d - 1)
                s = slice(a, _i(rng, a + 1, d) if a >= 0 else None)
            elif kind == "step":
                s = slice(_i(rng, 0, d - 1), None if rng.random() < 0.5 else _i(rng, 1, d),
                          _i(rng, 2, 3))
            elif kind == "reverse":
                s = slice(None, None, -_i(rng, 1, 2))
            elif kind == "neg":
                s = slice(_i(rng, -d, -1), None, None)
            else:
                s = _i(rng, -d, d - 1)
            index.append(s)
            desc.append(repr(s))
        probe = np.zeros((1,) + shape)[tuple(index)]
        if probe.size > 0 and probe.ndim >= 1:
            break
    lo, hi = rand_range(rng)
    params = {"input": list(shape), "index": desc, "range": [lo, hi]}
    key = tuple(index)
    return Case([Inp(shape, lo, hi)], lambda xs: xs[0][key], params)


def case_transpose(rng: np.random.Generator) -> Case:
    keras = _keras()
    rank = _i(rng, 2, 4)
    shape = tuple(_i(rng, 2, 6) for _ in range(rank))
    while True:
        perm = [int(p) for p in rng.permutation(rank)]
        if perm != list(range(rank)):
            break
    lo, hi = rand_range(rng)
    form = _choice(rng, ["Permute", "ops"])
    params = {"form": form, "input": list(shape), "perm": perm, "range": [lo, hi]}

    def build(xs):
        if form == "Permute":
            return keras.layers.Permute(tuple(p + 1 for p in perm))(xs[0])
        return keras.ops.transpose(xs[0], [0] + [p + 1 for p in perm])

    return Case([Inp(shape, lo, hi)], build, params)


PER_TENSOR_CONV = (("_experimental_disable_per_channel", True),)
PER_TENSOR_DENSE = (("_experimental_disable_per_channel_quantization_for_dense_layers", True),)

PACKS: list[PackSpec] = [
    PackSpec("conv2d", "conv", ("CONV_2D",), case_conv2d),
    PackSpec("conv2d_per_tensor", "conv", ("CONV_2D",), case_conv2d, 20, PER_TENSOR_CONV),
    PackSpec("depthwise_conv2d", "conv", ("DEPTHWISE_CONV_2D",), case_depthwise),
    PackSpec("depthwise_conv2d_per_tensor", "conv", ("DEPTHWISE_CONV_2D",), case_depthwise, 20,
             PER_TENSOR_CONV),
    PackSpec("fully_connected", "fully_connected", ("FULLY_CONNECTED",), case_fully_connected),
    PackSpec("fully_connected_per_tensor", "fully_connected", ("FULLY_CONNECTED",), case_fully_connected, 20,
             PER_TENSOR_DENSE),
    PackSpec("max_pool_2d", "pool", ("MAX_POOL_2D",), case_max_pool),
    PackSpec("average_pool_2d", "pool", ("AVERAGE_POOL_2D",), case_avg_pool),
    PackSpec("mean", "pool", ("MEAN",), case_mean),
    PackSpec("softmax", "activations", ("SOFTMAX",), case_softmax),
    PackSpec("logistic", "activations", ("LOGISTIC",), case_logistic),
    PackSpec("tanh", "activations", ("TANH",), case_tanh),
    PackSpec("relu", "activations", ("RELU",), case_relu),
    PackSpec("relu6", "activations", ("RELU6",), case_relu6),
    PackSpec("leaky_relu", "activations", ("LEAKY_RELU",), case_leaky_relu),
    PackSpec("hard_swish", "activations", ("HARD_SWISH",), case_hard_swish),
    PackSpec("add", "elementwise", ("ADD",), case_add),
    PackSpec("sub", "elementwise", ("SUB",), case_sub),
    PackSpec("mul", "elementwise", ("MUL",), case_mul),
    PackSpec("maximum", "elementwise", ("MAXIMUM",), case_maximum),
    PackSpec("minimum", "elementwise", ("MINIMUM",), case_minimum),
    PackSpec("concatenation", "shape", ("CONCATENATION",), case_concatenation),
    PackSpec("pad", "shape", ("PAD|PADV2",), case_pad),
    PackSpec("reshape", "shape", ("RESHAPE",), case_reshape),
    PackSpec("expand_dims", "shape", ("EXPAND_DIMS",), case_expand_dims),
    PackSpec("squeeze", "shape", ("SQUEEZE",), case_squeeze),
    PackSpec("quantize", "quantize", ("QUANTIZE",), case_quantize),
    PackSpec("float_boundary", "quantize", ("QUANTIZE", "DEQUANTIZE"), case_float_boundary, float_io=True),
    PackSpec("strided_slice", "shape", ("STRIDED_SLICE",), case_strided_slice),
    PackSpec("transpose", "shape", ("TRANSPOSE",), case_transpose),
]
PACKS_BY_NAME = {p.name: p for p in PACKS}


# --------------------------------------------------------------------------------------------
# Conversion and post-conversion edits


_INPUT_NAME = re.compile(r"c(\d+)_(\d+)")


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"generator_version": str(GENERATOR_VERSION), "python": sys.version.split()[0]}
    for pkg in ("tensorflow-cpu", "keras", "tflite-micro", "numpy", "flatbuffers"):
        try:
            out[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is recorded as such
            out[pkg] = "missing"
    return out


def components(graph) -> dict[int, list[int]]:
    """{case seed: [op indices]} by following activation tensors from each case's inputs."""
    parent: dict[int, int] = {}

    def find(t: int) -> int:
        while parent.get(t, t) != t:
            parent[t] = parent.get(parent[t], parent[t])
            t = parent[t]
        return t

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    for op in graph.ops:
        ts = [t for t in list(op.inputs) + list(op.outputs)
              if t >= 0 and not graph.tensors[t].is_const]
        for t in ts[1:]:
            union(ts[0], t)
    root_case: dict[int, int] = {}
    for i in graph.inputs:
        m = _INPUT_NAME.search(graph.tensors[i].name)
        if m is None:
            raise RuntimeError(f"input tensor {graph.tensors[i].name!r} does not name its case")
        root_case[find(i)] = int(m.group(1))
    out: dict[int, list[int]] = {}
    for op in graph.ops:
        t = next(t for t in list(op.outputs) + list(op.inputs)
                 if t >= 0 and not graph.tensors[t].is_const)
        seed = root_case.get(find(t))
        if seed is None:
            raise RuntimeError(f"op {op.index} {op.opcode} belongs to no case")
        out.setdefault(seed, []).append(op.index)
    return out


def case_io(graph) -> dict[int, dict[str, list[int]]]:
    """{case seed: {"inputs": [positions in graph.inputs], "outputs": [positions]}}."""
    comp = components(graph)
    op_case = {i: s for s, ops in comp.items() for i in ops}
    tensor_case: dict[int, int] = {}
    for i in graph.inputs:
        tensor_case[i] = int(_INPUT_NAME.search(graph.tensors[i].name).group(1))
    for op in graph.ops:
        for t in op.outputs:
            tensor_case[t] = op_case[op.index]
    out: dict[int, dict[str, list[int]]] = {}
    for k, i in enumerate(graph.inputs):
        out.setdefault(tensor_case[i], {"inputs": [], "outputs": []})["inputs"].append(k)
    for k, t in enumerate(graph.outputs):
        out.setdefault(tensor_case[t], {"inputs": [], "outputs": []})["outputs"].append(k)
    return out


def _apply_edits(tflite: bytes, cases: dict[int, Case]) -> bytes:
    """SOFTMAX beta and RESHAPE -> EXPAND_DIMS / SQUEEZE, per case (object API, repacked)."""
    wanted = {s: c.edits for s, c in cases.items() if c.edits}
    if not wanted:
        return tflite
    import flatbuffers
    from tflite_micro import runtime

    from tinyfw.codegen.tflite_reader import read_model

    fb = runtime.schema_fb
    graph = read_model(data=tflite)
    comp = components(graph)
    model = runtime.convert_bytearray_to_object(bytearray(tflite))
    sg = model.subgraphs[0]

    def opcode_index(code: int) -> int:
        for k, oc in enumerate(model.operatorCodes):
            if runtime.get_builtin_code_from_operator_code(oc) == code:
                return k
        oc = fb.OperatorCodeT()
        oc.builtinCode = code
        oc.deprecatedBuiltinCode = min(code, 127)
        oc.version = 1
        model.operatorCodes.append(oc)
        return len(model.operatorCodes) - 1

    for seed, edits in wanted.items():
        for oi in comp.get(seed, []):
            op = sg.operators[oi]
            name = graph.ops[oi].opcode
            if name == "SOFTMAX" and "softmax_beta" in edits:
                op.builtinOptions.beta = float(edits["softmax_beta"])
            if name == "RESHAPE" and "view_as" in edits:
                x = graph.tensors[graph.ops[oi].inputs[0]]
                y = graph.tensors[graph.ops[oi].outputs[0]]
                if edits["view_as"] == "EXPAND_DIMS":
                    axis = next(a for a in range(len(y.shape))
                                if y.shape[:a] + y.shape[a + 1:] == x.shape and y.shape[a] == 1)
                    buf = fb.BufferT()
                    buf.data = list(np.array([axis], dtype="<i4").tobytes())
                    model.buffers.append(buf)
                    t = fb.TensorT()
                    t.shape = [1]
                    t.type = fb.TensorType.INT32
                    t.buffer = len(model.buffers) - 1
                    t.name = f"c{seed}_expand_axis".encode()
                    sg.tensors.append(t)
                    op.opcodeIndex = opcode_index(fb.BuiltinOperator.EXPAND_DIMS)
                    op.inputs = [graph.ops[oi].inputs[0], len(sg.tensors) - 1]
                    op.builtinOptionsType = fb.BuiltinOptions.ExpandDimsOptions
                    op.builtinOptions = fb.ExpandDimsOptionsT()
                else:
                    dims, j = [], 0
                    for a, d in enumerate(x.shape):
                        if j < len(y.shape) and y.shape[j] == d:
                            j += 1
                        else:
                            dims.append(a)
                    op.opcodeIndex = opcode_index(fb.BuiltinOperator.SQUEEZE)
                    op.inputs = [graph.ops[oi].inputs[0]]
                    op.builtinOptionsType = fb.BuiltinOptions.SqueezeOptions
                    op.builtinOptions = fb.SqueezeOptionsT()
                    op.builtinOptions.squeezeDims = dims
    b = flatbuffers.Builder(len(tflite) + 4096)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def convert_pack(spec: PackSpec, seeds: list[int]) -> tuple[bytes, dict[int, Case]]:
    """Build the pack's Keras model from `seeds` and convert it to full int8."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    keras = _keras()
    first = seeds[0] if seeds else 0
    keras.utils.set_random_seed(zlib.crc32(spec.name.encode()) % (2**31) + first)
    tf.config.experimental.enable_op_determinism()
    cases = {s: spec.make(spec.case_rng(s)) for s in seeds}
    inputs, outputs, rep_specs = [], [], []
    for s, case in cases.items():
        xs = []
        for k, inp in enumerate(case.inputs):
            name = f"c{s}_{k}"
            xs.append(keras.Input(inp.shape, batch_size=1, name=name))
            rep_specs.append((name, inp))
        y = case.build(xs)
        inputs += xs
        outputs += list(y) if isinstance(y, (list, tuple)) else [y]
    model = keras.Model(inputs, outputs)
    rep_rng = np.random.default_rng([zlib.crc32(spec.name.encode()), 7919])

    def representative():
        for _ in range(REP_SAMPLES):
            yield {name: rep_rng.uniform(inp.lo, inp.hi, (1,) + inp.shape).astype(np.float32)
                   for name, inp in rep_specs}

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    io_type = tf.float32 if spec.float_io else tf.int8
    conv.inference_input_type = io_type
    conv.inference_output_type = io_type
    for key, value in spec.converter:
        setattr(conv, key, value)
    tflite = conv.convert()
    keras.backend.clear_session()
    return _apply_edits(tflite, cases), cases


def _degenerate(graph, ops: list[int]) -> bool:
    """A branch whose activations are constant (e.g. ReLU of a never-positive input) gets a
    scale near 0 that TFLM's Prepare aborts on (ADD: QuantizeMultiplierSmallerThanOneExp)."""
    for i in ops:
        for t in graph.ops[i].outputs:
            q = graph.tensors[t].quant
            if q is not None and min(q.scale) < 1e-6:
                return True
    return False


def _covers(spec: PackSpec, opcodes: list[str]) -> bool:
    return all(any(o in want.split("|") for o in opcodes) for want in spec.ops)


def build_pack(spec: PackSpec, seeds: list[int], log=print) -> tuple[bytes, dict[str, Any]]:
    """Convert, check every case contains the pack's op(s) (replacing a case that lost it by the
    next seed of its line: seed + 1000, + 2000, ...), and describe the cases."""
    from tinyfw.codegen.tflite_reader import read_model

    seeds = list(seeds)
    for attempt in range(MAX_RETRIES + 1):
        try:
            tflite, cases = convert_pack(spec, seeds)
        except Exception as e:
            if attempt == MAX_RETRIES:
                raise
            bad = []
            for s in seeds:  # find the cases the converter cannot take, one by one
                try:
                    convert_pack(spec, [s])
                except Exception:  # noqa: BLE001
                    bad.append(s)
            if not bad:
                raise
            log(f"  {spec.name}: the converter fails on cases {bad} "
                f"({str(e).splitlines()[0][:120]}); replacing them by seed + 1000")
            seeds = [s + 1000 if s in bad else s for s in seeds]
            continue
        graph = read_model(data=tflite)
        comp = components(graph)
        bad = [s for s in seeds
               if not _covers(spec, [graph.ops[i].opcode for i in comp.get(s, [])])
               or _degenerate(graph, comp.get(s, []))]
        if not bad:
            break
        if attempt == MAX_RETRIES:
            raise RuntimeError(f"pack {spec.name}: cases {bad} never contain {spec.ops}")
        log(f"  {spec.name}: cases {bad} lost {spec.ops} or have a constant (degenerate) "
            "activation; replacing them by seed + 1000")
        seeds = [s + 1000 if s in bad else s for s in seeds]
    io = case_io(graph)
    desc = []
    for s in seeds:
        desc.append({
            "seed": s,
            "params": _jsonable(cases[s].params),
            "edits": _jsonable(cases[s].edits),
            "ops": [graph.ops[i].opcode for i in comp[s]],
            "inputs": io[s]["inputs"],
            "outputs": io[s]["outputs"],
        })
    entry = {
        "name": spec.name,
        "ops": list(spec.ops),
        "file": f"{spec.name}.tflite",
        "sha256": hashlib.sha256(tflite).hexdigest(),
        "bytes": len(tflite),
        "seeds": seeds,
        "converter": {k: v for k, v in spec.converter},
        "float_io": spec.float_io,
        "cases": desc,
    }
    return tflite, entry


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return float(x)
    return x


def parse_seeds(text: str) -> list[int]:
    """"0-49", "3,7,100-110" -> seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part[1:]:
            a, b = part.split("-", 1) if not part.startswith("-") else part[1:].split("-", 1)
            seeds += list(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    return seeds


# --------------------------------------------------------------------------------------------
# Manifest and CLI


def load_manifest() -> dict[str, Any]:
    if not MANIFEST.is_file():
        return {"versions": {}, "packs": {}}
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def save_manifest(m: dict[str, Any]) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    m["packs"] = dict(sorted(m["packs"].items()))
    MANIFEST.write_text(json.dumps(m, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def check(manifest: dict[str, Any] | None = None) -> list[str]:
    """Problems: packs missing, files missing or not matching their recorded sha256."""
    m = manifest or load_manifest()
    problems = []
    for spec in PACKS:
        e = m["packs"].get(spec.name)
        if e is None:
            problems.append(f"{spec.name}: not generated")
            continue
        f = DATA / e["file"]
        if not f.is_file():
            problems.append(f"{spec.name}: {f} is missing")
        elif hashlib.sha256(f.read_bytes()).hexdigest() != e["sha256"]:
            problems.append(f"{spec.name}: {f} does not match its sha256 in the manifest")
    return problems


def generate(names: list[str], force: bool, log=print) -> int:
    m = load_manifest()
    vers = versions()
    changed = 0
    for name in names:
        spec = PACKS_BY_NAME[name]
        old = m["packs"].get(name)
        seeds = old["seeds"] if old and not force else list(range(spec.n))
        log(f"{name}: converting {len(seeds)} cases")
        tflite, entry = build_pack(spec, seeds, log)
        path = DATA / entry["file"]
        if old and path.is_file() and not force:
            if old["sha256"] == entry["sha256"]:
                log(f"  {name}: unchanged ({entry['sha256'][:12]})")
                continue
            log(f"  {name}: the regenerated pack differs from the committed one "
                f"({entry['sha256'][:12]} vs {old['sha256'][:12]}); keeping the committed "
                "file (use --force to replace it)")
            continue
        DATA.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tflite)
        entry["versions"] = vers
        m["packs"][name] = entry
        m["versions"] = vers
        save_manifest(m)
        changed += 1
        log(f"  {name}: wrote {path.name} ({len(tflite)} B, {entry['sha256'][:12]})")
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="convert missing packs (or --pack NAME, or --all)")
    g.add_argument("--pack", action="append", default=[], help="pack name (repeatable)")
    g.add_argument("--all", action="store_true",
                   help="reconvert every pack and report which ones would change")
    g.add_argument("--force", action="store_true",
                   help="replace committed packs even if the bytes change (new seed list 0..n-1)")
    sub.add_parser("check", help="verify the committed packs against the manifest")
    sub.add_parser("list", help="list the packs")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE.parents[1]))
    if args.cmd == "list":
        for p in PACKS:
            print(f"{p.name:30s} {'+'.join(p.ops):24s} {p.n} cases")
        return 0
    if args.cmd == "check":
        problems = check()
        for p in problems:
            print(p)
        return 1 if problems else 0
    m = load_manifest()
    names = args.pack or [p.name for p in PACKS
                          if args.all or p.name not in m["packs"]
                          or not (DATA / m["packs"][p.name]["file"]).is_file()]
    unknown = [n for n in names if n not in PACKS_BY_NAME]
    if unknown:
        ap.error(f"unknown pack(s) {unknown}; see `list`")
    generate(names, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
