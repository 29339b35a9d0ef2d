"""The specialized code paths of the conv, fully-connected, mean and max-pool kernels, each
driven by seeded random cases aimed at it and compared byte for byte (tolerance 0) with TFLite
Micro, on the host (plain C path, ASan/UBSan) and on the targets under QEMU: Cortex-M4F
(DSP path: SXTB16/SMLAD, SSUB8/SEL, SXTAB16), Cortex-M3 (plain path on the target), Cortex-M7
and Cortex-M33 (DSP path on the other cores).

What the committed op packs (tests/opcases) leave out and these cases aim at:
- CONV_2D: Conv1D-shaped convs (kh 1) with every filter depth mod 4 (K4 zero padding), strides,
  VALID ones through the strip entries (tfw_conv2d_s8_strip and, for a fused ReLU with output
  zero point -128, tfw_conv2d_s8_strip_relu: odd pixel and channel counts, an input slot padded
  for the last K4 read),
  SAME borders, the last patch running past the input (gathered), odd pixel and filter counts
  (paired with themselves), dilation (gathered); wide convs (many 4-value groups per row, 1x1
  convs read in place on 2-D inputs); input zero points at both ends (folded bias).
- FULLY_CONNECTED: several rows (2x2 dot products, odd row counts), depths not a multiple of 4
  (rows copied for the zero tail), and asymmetric per-tensor weights (a weights zero point
  edited into the model after conversion: the filter_offset * sum(x) term).
- MEAN over one contiguous block of axes with more than 256 values per output (the 16-bit SIMD
  lanes flushed in chunks), every inner size mod 4, several outer rows.
- DEPTHWISE_CONV_2D with depth multiplier 1 over 4..21 channels (4 channels per word on DSP
  cores, every remainder mod 4), SAME borders, strides, dilations; input zero points at both ends.
- MAX_POOL_2D with a fused activation (edited into the model: RELU, RELU6, RELU_N1_TO_1, so the
  clamp is not the identity), channel counts not a multiple of 4, SAME padding.

The packs are converted at test time (TensorFlow, a few seconds each; cached under
build/opcases/ by pack, seeds and these generators' version) like TFW_OPCASE_SEEDS packs.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import numpy as np
import pytest
from opcases import harness, opcases
from opcases.opcases import (
    Case,
    Inp,
    PackSpec,
    _act,
    _choice,
    _i,
    rand_bias,
    rand_range,
    rand_weights,
)

from tinyfw.sim.boards import simulated_boards

VERSION = 3  # of the case generators below: part of the cache key
CASES = 24  # per pack (MEAN: fewer, larger cases; all of a pack's inputs live at once)



def _one_board_per_core() -> list[str]:
    """The first simulated board (by id, boards/*.json) of each core and float ABI."""
    first: dict[tuple[str, str], str] = {}
    for b in simulated_boards():
        first.setdefault((b.cpu, b.float_abi), b.id)
    return list(first.values())


BOARDS = _one_board_per_core()  # lm3s6965evb (M3), mps2_an386 (M4F), mps2_an500, mps2_an505


def _keras():
    import keras

    return keras


def _range(rng: np.random.Generator) -> tuple[float, float]:
    """rand_range, and one case in four one-sided so that the input zero point sits at -128
    or 127 (input_offset 128 / -127 folded into the bias)."""
    lo, hi = rand_range(rng)
    r = rng.random()
    if r < 0.125:
        return 0.0, hi - lo
    if r < 0.25:
        return lo - hi, 0.0
    return lo, hi


def _conv(rng: np.random.Generator, spatial: tuple[int, ...], cin: int, filters: int,
          kernel: list[int], strides: list[int], dilation: list[int], padding: str) -> Case:
    layers = _keras().layers
    one_d = len(spatial) == 1
    act = _act(rng)
    use_bias = rng.random() < 0.8
    lo, hi = _range(rng)
    kshape = tuple(kernel) + (cin, filters)
    w = rand_weights(rng, kshape, len(kshape) - 1)
    b = rand_bias(rng, filters)
    params = {"layer": "Conv1D" if one_d else "Conv2D", "input": list(spatial) + [cin],
              "filters": filters, "kernel": kernel, "strides": strides, "dilation": dilation,
              "padding": padding, "activation": act, "use_bias": use_bias, "range": [lo, hi]}

    def build(xs):
        cls = layers.Conv1D if one_d else layers.Conv2D
        layer = cls(filters, tuple(kernel), strides=tuple(strides), dilation_rate=tuple(dilation),
                    padding=padding, activation=act, use_bias=use_bias)
        y = layer(xs[0])
        layer.set_weights([w, b] if use_bias else [w])
        return y

    return Case([Inp(tuple(spatial) + (cin,), lo, hi)], build, params)


def case_conv1d(rng: np.random.Generator) -> Case:
    cin = _i(rng, 1, 12)
    length = _i(rng, 3, 60)
    padding = _choice(rng, ["same", "valid"])
    dilate = rng.random() < 0.2
    d = _i(rng, 2, 3) if dilate else 1
    k = _i(rng, 1, 7)
    while padding == "valid" and (k - 1) * d + 1 > length:
        k -= 1
    s = 1 if dilate else _i(rng, 1, 3)
    return _conv(rng, (length,), cin, _i(rng, 1, 17), [k], [s], [d], padding)


def case_conv2d_wide(rng: np.random.Generator) -> Case:
    h, w = _i(rng, 1, 7), _i(rng, 1, 7)
    padding = _choice(rng, ["same", "valid"])
    k = [1, 1] if rng.random() < 0.4 else [_i(rng, 1, min(3, h)), _i(rng, 1, min(3, w))]
    if padding == "valid":
        k = [min(k[0], h), min(k[1], w)]
    s = [_i(rng, 1, 2), _i(rng, 1, 2)]
    return _conv(rng, (h, w), _i(rng, 8, 24), _i(rng, 9, 24), k, s, [1, 1], padding)


def case_dense_rows(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    depth = _i(rng, 1, 40)
    rows = _i(rng, 1, 7)
    units = _i(rng, 1, 19)
    act = _act(rng)
    use_bias = rng.random() < 0.7
    lo, hi = _range(rng)
    w = rand_weights(rng, (depth, units), 1)
    b = rand_bias(rng, units)
    zp = _i(rng, -40, 40) if rng.random() < 0.5 else 0
    params = {"layer": "Dense", "input": [rows, depth], "units": units, "activation": act,
              "use_bias": use_bias, "range": [lo, hi], "weights_zero_point": zp}

    def build(xs):
        layer = layers.Dense(units, activation=act, use_bias=use_bias)
        y = layer(xs[0])
        layer.set_weights([w, b] if use_bias else [w])
        return y

    return Case([Inp((rows, depth), lo, hi)], build, params)


def case_mean_large(rng: np.random.Generator) -> Case:
    keras = _keras()
    lo, hi = _range(rng)
    inner = _i(rng, 1, 13)
    if rng.random() < 0.5:
        shape = (_i(rng, 12, 20), _i(rng, 12, 20), inner)  # GlobalAveragePooling2D: 144..400
        axes = [1, 2]
    else:
        shape = (2, _i(rng, 200, 300), inner)  # two outer rows, one long axis
        axes = [2]
    keep = bool(rng.random() < 0.5)
    params = {"input": list(shape), "axes": axes, "keepdims": keep, "range": [lo, hi]}

    def build(xs):
        return keras.ops.mean(xs[0], axis=tuple(axes), keepdims=keep)

    return Case([Inp(shape, lo, hi)], build, params)


def case_max_pool_fused(rng: np.random.Generator) -> Case:
    layers = _keras().layers
    c = _i(rng, 1, 13)
    spatial = (_i(rng, 2, 10), _i(rng, 2, 10))
    padding = _choice(rng, ["same", "valid"])
    pool = [_i(rng, 1, min(3, s)) for s in spatial]
    strides = [_i(rng, 1, 2) for _ in spatial]
    lo, hi = _range(rng)
    fused = _choice(rng, ["RELU", "RELU6", "RELU_N1_TO_1", "NONE"])
    params = {"input": list(spatial) + [c], "pool": pool, "strides": strides, "padding": padding,
              "range": [lo, hi], "fused": fused}

    def build(xs):
        return layers.MaxPooling2D(tuple(pool), strides=tuple(strides), padding=padding)(xs[0])

    return Case([Inp(tuple(spatial) + (c,), lo, hi)], build, params)


def case_depthwise_wide(rng: np.random.Generator) -> Case:
    """Depth multiplier 1 over 4..21 channels (4 channels per word on DSP cores plus every
    remainder mod 4), SAME borders (taps skipped at every edge), strides and dilations, a few
    multiplier-2 cases, input zero points at both ends (the offset added in 16-bit lanes)."""
    layers = _keras().layers
    cin = _i(rng, 4, 21)
    mult = 2 if rng.random() < 0.15 else 1
    spatial = (_i(rng, 1, 10), _i(rng, 1, 10))
    padding = _choice(rng, ["same", "same", "valid"])
    ks, ss, ds = opcases._conv_geometry(rng, spatial, padding == "valid", k_hi=4)
    act = _act(rng)
    use_bias = rng.random() < 0.8
    lo, hi = _range(rng)
    w = rand_weights(rng, tuple(ks) + (cin, mult), 2)
    b = rand_bias(rng, cin * mult)
    params = {"layer": "DepthwiseConv2D", "input": list(spatial) + [cin], "depth_multiplier": mult,
              "kernel": ks, "strides": ss, "dilation": ds, "padding": padding, "activation": act,
              "use_bias": use_bias, "range": [lo, hi]}

    def build(xs):
        layer = layers.DepthwiseConv2D(tuple(ks), strides=tuple(ss), dilation_rate=tuple(ds),
                                       padding=padding, depth_multiplier=mult, activation=act,
                                       use_bias=use_bias)
        y = layer(xs[0])
        layer.set_weights([w, b] if use_bias else [w])
        return y

    return Case([Inp(tuple(spatial) + (cin,), lo, hi)], build, params)


PER_TENSOR_DENSE = (("_experimental_disable_per_channel_quantization_for_dense_layers", True),)
SPECS = [
    PackSpec("fast_conv1d", "fastpaths", ("CONV_2D",), case_conv1d, CASES),
    PackSpec("fast_conv2d_wide", "fastpaths", ("CONV_2D",), case_conv2d_wide, CASES),
    PackSpec("fast_dense_rows", "fastpaths", ("FULLY_CONNECTED",), case_dense_rows, CASES, PER_TENSOR_DENSE),
    PackSpec("fast_mean_large", "fastpaths", ("MEAN",), case_mean_large, 8),
    PackSpec("fast_max_pool_fused", "fastpaths", ("MAX_POOL_2D",), case_max_pool_fused, CASES),
    PackSpec("fast_depthwise_wide", "fastpaths", ("DEPTHWISE_CONV_2D",), case_depthwise_wide,
             CASES),
]
SPECS_BY_NAME = {s.name: s for s in SPECS}


def _edit(tflite: bytes, entry: dict[str, Any]) -> bytes:
    """What the converter cannot write, edited in per case: a fused activation on MAX_POOL_2D,
    a zero point on per-tensor FULLY_CONNECTED weights."""
    import flatbuffers
    from tflite_micro import runtime

    from tinyfw.codegen.tflite_reader import read_model

    fb = runtime.schema_fb
    graph = read_model(data=tflite)
    comp = opcases.components(graph)
    model = runtime.convert_bytearray_to_object(bytearray(tflite))
    sg = model.subgraphs[0]
    changed = False
    for case in entry["cases"]:
        params = case["params"]
        for oi in comp.get(case["seed"], []):
            op = sg.operators[oi]
            name = graph.ops[oi].opcode
            if name == "MAX_POOL_2D" and params.get("fused", "NONE") != "NONE":
                op.builtinOptions.fusedActivationFunction = getattr(
                    fb.ActivationFunctionType, params["fused"])
                changed = True
            if name == "FULLY_CONNECTED" and params.get("weights_zero_point", 0):
                q = sg.tensors[op.inputs[1]].quantization
                q.zeroPoint = [int(params["weights_zero_point"])] * len(q.zeroPoint)
                changed = True
    if not changed:
        return tflite
    b = flatbuffers.Builder(len(tflite) + 4096)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


class FastPack(harness.Pack):
    @property
    def spec(self) -> PackSpec:
        return SPECS_BY_NAME[self.name]


def fast_pack(name: str) -> FastPack:
    spec = SPECS_BY_NAME[name]
    seeds = list(range(spec.n))
    key = hashlib.sha256(json.dumps(
        [name, seeds, VERSION, opcases.GENERATOR_VERSION]).encode()).hexdigest()[:16]
    harness.CACHE.mkdir(parents=True, exist_ok=True)
    tfl, meta = harness.CACHE / f"{name}-{key}.tflite", harness.CACHE / f"{name}-{key}.json"
    if not (tfl.is_file() and meta.is_file()):
        data, entry = opcases.build_pack(spec, seeds, log=lambda *_: None)
        tfl.write_bytes(_edit(data, entry))
        meta.write_text(json.dumps(entry))
    return FastPack(name, tfl.read_bytes(), json.loads(meta.read_text()), f"fast paths v{VERSION}")


@pytest.fixture(scope="module")
def packs() -> dict[str, FastPack]:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        pytest.fail("tensorflow is not installed: run `make setup`")
    return {s.name: fast_pack(s.name) for s in SPECS}


@pytest.fixture(scope="module")
def board_dirs(tmp_path_factory):
    return {b: tmp_path_factory.mktemp(f"fast-{b}") for b in BOARDS}


def test_the_cases_reach_the_paths_they_aim_at(packs):
    """The generated C takes the paths: folded/packed conv with in-place and gathered patches,
    FC with several rows and a weights zero point, the contiguous MEAN with > 256 values,
    MAX_POOL with a clamp that is not the identity."""
    from tinyfw.codegen.generate import compile_model
    from tinyfw.codegen.tflite_reader import read_model

    seen: dict[str, set[str]] = {}
    for name, pack in packs.items():
        code = compile_model(read_model(data=pack.tflite))
        tags = seen.setdefault(name, set())
        for low in code.lowered:
            p = low.params
            if low.kernel == "tfw_conv2d_s8":
                tags.add("gathered" if low.scratch_bytes else "in place")
                tags.add(f"K%4={p['filter']['h'] * p['filter']['w'] * p['filter']['c'] % 4}")
                if (p["output"]["h"] * p["output"]["w"]) % 2:
                    tags.add("odd pixels")
                if p["output"]["c"] % 2:
                    tags.add("odd filters")
            elif low.kernel in ("tfw_conv2d_s8_strip", "tfw_conv2d_s8_strip_relu"):
                tags.add("strip" if low.kernel == "tfw_conv2d_s8_strip" else "strip relu")
                if low.input_slack:
                    tags.add("strip input padded")
                if p["pixels"] % 2:
                    tags.add("strip odd pixels")
                if p["out_c"] % 2:
                    tags.add("strip odd filters")
                if (p["act_min"], p["act_max"]) != (-128, 127):
                    tags.add("strip clamp")
            elif low.kernel == "tfw_fully_connected_s8":
                tags.add("rows>1" if p["batches"] > 1 else "one row")
                if p["filter_offset"]:
                    tags.add("filter offset")
                if p["accum_depth"] % 4:
                    tags.add("depth%4")
            elif low.kernel == "tfw_mean_contiguous_s8":
                if p["reduce"] > 256:
                    tags.add("reduce>256")
                tags.add(f"inner%4={p['inner'] % 4}")
                if p["outer"] > 1:
                    tags.add("outer>1")
            elif low.kernel == "tfw_depthwise_conv2d_s8":
                tags.add(f"mult={p['depth_multiplier']}")
                tags.add(f"C%4={p['input']['c'] % 4}")
                if p["pad_h"] or p["pad_w"]:
                    tags.add("padded")
                if p["input_offset"] in (-127, 128):
                    tags.add("zero point at an end")
            elif low.kernel == "tfw_max_pool2d_s8":
                if p["act_min"] > -128 or p["act_max"] < 127:
                    tags.add("clamp")
                if p["input"]["c"] % 4:
                    tags.add("depth%4")
    want = {
        "fast_conv1d": {"gathered", "K%4=0", "K%4=1", "K%4=2", "K%4=3", "odd pixels",
                        "odd filters", "strip", "strip relu", "strip input padded", "strip odd pixels",
                        "strip odd filters"},
        "fast_conv2d_wide": {"gathered", "in place", "odd filters"},
        "fast_dense_rows": {"rows>1", "one row", "filter offset", "depth%4"},
        "fast_mean_large": {"reduce>256", "inner%4=0", "inner%4=1", "inner%4=2", "inner%4=3",
                            "outer>1"},
        "fast_max_pool_fused": {"clamp", "depth%4"},
        "fast_depthwise_wide": {"mult=1", "mult=2", "C%4=0", "C%4=1", "C%4=2", "C%4=3",
                                "padded", "zero point at an end"},
    }
    for name, tags in want.items():
        assert tags <= seen[name], f"{name}: missing {sorted(tags - seen[name])}"


@pytest.mark.parametrize("name", [s.name for s in SPECS])
def test_fast_path_cases_match_tflite_micro_on_the_host(name, packs, tmp_path):
    harness.assert_bit_exact(harness.run_on_host(packs[name], tmp_path))


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("name", [s.name for s in SPECS])
def test_fast_path_cases_match_tflite_micro_on_the_target(name, board, packs, board_dirs):
    harness.assert_bit_exact(harness.run_on_target(packs[name], board, board_dirs[board]))


def test_with_tfw_no_dsp_the_m4_takes_the_plain_c_path_and_stays_bit_exact(packs,
                                                                          tmp_path_factory):
    """-DTFW_NO_DSP on the Cortex-M4F (mps2_an386): every fast-path case still matches TFLite
    Micro, and the conv kernel holds no DSP instruction (SMLAD, SXTB16)."""
    work = tmp_path_factory.mktemp("fast-nodsp")
    elfs = {}
    for spec in SPECS:
        run = harness.run_on_target(packs[spec.name], "mps2_an386", work, cflags="-DTFW_NO_DSP")
        harness.assert_bit_exact(run)
        elfs[spec.name] = run.elf
        conv = harness.disassembly(run.elf, "tfw_conv2d_s8") if spec.name == "fast_conv1d" else ""
        for insn in ("smlad", "sxtb16"):
            assert not re.search(rf"\s{insn}\s", conv), f"{insn} in the TFW_NO_DSP conv"
    assert "fast_conv1d" in elfs
