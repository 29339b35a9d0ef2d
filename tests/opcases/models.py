"""Whole-model families a user would train on accelerometer windows, converted to full int8 and
committed (tests/opcases/data/models/ + models.json, same provenance rules as the op packs).

Each family is a small Keras net on the project's windows (52 frames x 3 axes, tinyfw.toml),
trained for a few epochs on the st-har recordings (read from data/st-har, never
copied here) so that weights, BatchNorm folding and activation ranges look like a real model's,
then converted with TFLITE_BUILTINS_INT8 and int8 (or, for `float_io`, float32) input/output.

    python tests/opcases/models.py generate [--family NAME ...] [--force]
    python tests/opcases/models.py check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = HERE / "data" / "models"
MANIFEST = DATA / "models.json"
GENERATOR_VERSION = 1
SEED = 20240601
EPOCHS = 4


@dataclass(frozen=True)
class Family:
    name: str
    what: str
    build: Callable[[Any, int, int], Any]  # (keras, classes, head) -> model
    multilabel: bool = False
    float_io: bool = False


def _mlp(keras, n_out: int, length: int):
    L = keras.layers
    x = keras.Input((length, 3), batch_size=1, name="window")
    y = L.Flatten()(x)
    y = L.Dense(32, activation="relu")(y)
    y = L.Dense(16, activation="relu")(y)
    y = L.Dense(n_out)(y)
    return keras.Model(x, L.Softmax()(y))


def _conv1d(keras, n_out: int, length: int):
    L = keras.layers
    x = keras.Input((length, 3), batch_size=1, name="window")
    y = L.Conv1D(8, 5, activation="relu")(x)
    y = L.MaxPooling1D(2)(y)
    y = L.Conv1D(16, 3, activation="relu")(y)
    y = L.GlobalAveragePooling1D()(y)
    y = L.Dense(16, activation="relu")(y)
    y = L.Dense(n_out)(y)
    return keras.Model(x, L.Softmax()(y))


def _dsconv(keras, n_out: int, length: int):
    """MobileNet-like: conv stem, depthwise-separable blocks (BatchNorm folded, ReLU6 and
    hard-swish), global average pooling."""
    L = keras.layers
    x = keras.Input((length, 3), batch_size=1, name="window")
    y = L.Reshape((length, 1, 3))(x)
    y = L.Conv2D(8, (3, 1), strides=(2, 1), padding="same", use_bias=False)(y)
    y = L.BatchNormalization()(y)
    y = L.ReLU(max_value=6.0)(y)
    for filters, stride in ((16, 1), (24, 2)):
        y = L.DepthwiseConv2D((3, 1), strides=(stride, 1), padding="same", use_bias=False)(y)
        y = L.BatchNormalization()(y)
        y = L.ReLU(max_value=6.0)(y)
        y = L.Conv2D(filters, 1, use_bias=False)(y)
        y = L.BatchNormalization()(y)
        y = L.Activation("hard_swish")(y)
    y = L.GlobalAveragePooling2D()(y)
    y = L.Dense(n_out)(y)
    return keras.Model(x, L.Softmax()(y))


def _resnet(keras, n_out: int, length: int):
    """A residual block: two convolutions plus an identity skip joined by ADD."""
    L = keras.layers
    x = keras.Input((length, 3), batch_size=1, name="window")
    y = L.Conv1D(16, 3, padding="same", activation="relu")(x)
    r = L.Conv1D(16, 3, padding="same")(y)
    r = L.BatchNormalization()(r)
    r = L.ReLU()(r)
    r = L.Conv1D(16, 3, padding="same")(r)
    r = L.BatchNormalization()(r)
    y = L.ReLU()(L.Add()([y, r]))
    y = L.MaxPooling1D(2)(y)
    y = L.GlobalAveragePooling1D()(y)
    y = L.Dense(n_out)(y)
    return keras.Model(x, L.Softmax()(y))


def _multilabel(keras, n_out: int, length: int):
    """A multi-label head: independent sigmoid (LOGISTIC) outputs."""
    L = keras.layers
    x = keras.Input((length, 3), batch_size=1, name="window")
    y = L.Conv1D(8, 5, activation="relu")(x)
    y = L.AveragePooling1D(2)(y)
    y = L.Conv1D(16, 3, activation="tanh")(y)
    y = L.GlobalAveragePooling1D()(y)
    y = L.Dense(n_out, activation="sigmoid")(y)
    return keras.Model(x, y)


def _multiscale(keras, n_out: int, length: int):
    """Two convolution towers of different receptive fields, concatenated."""
    L = keras.layers
    x = keras.Input((length, 3), batch_size=1, name="window")
    a = L.Conv1D(8, 3, padding="same")(x)
    a = L.LeakyReLU(negative_slope=0.1)(a)
    b = L.Conv1D(8, 7, padding="same", dilation_rate=2, activation="relu")(x)
    y = L.Concatenate()([a, b])
    y = L.MaxPooling1D(4)(y)
    y = L.Flatten()(y)
    y = L.Dense(n_out)(y)
    return keras.Model(x, L.Softmax()(y))


FAMILIES = [
    Family("mlp", "Dense-only MLP", _mlp),
    Family("conv1d", "Conv1D stack", _conv1d),
    Family("dsconv", "depthwise-separable Conv (MobileNet-like)", _dsconv),
    Family("resnet", "residual block with ADD", _resnet),
    Family("multilabel", "LOGISTIC multi-label head", _multilabel, multilabel=True),
    Family("multiscale", "two towers + CONCATENATION", _multiscale),
    Family("float_io", "Conv1D stack with float32 input/output (QUANTIZE/DEQUANTIZE)", _conv1d,
           float_io=True),
]
BY_NAME = {f.name: f for f in FAMILIES}


def windows() -> tuple[np.ndarray, np.ndarray, int]:
    """Centered float windows (g) and class labels from the project's recordings."""
    sys.path.insert(0, str(ROOT))
    from tinyfw.config import load_config
    from tinyfw.model.data import load_dataset
    from tinyfw.model.preprocess import float_window
    from tinyfw.model.windows import make_windows

    cfg = load_config(ROOT / "tinyfw.toml")
    recs = load_dataset(cfg.data_dir(), cfg)
    xs, ys = [], []
    for r in recs:
        w, _ = make_windows(r.samples, cfg.window.length, cfg.window.hop)
        xs.append(float_window(w, cfg.data.unit_scale, True))
        ys.append(np.full(len(w), r.label))
    return np.concatenate(xs), np.concatenate(ys), len(cfg.data.classes)


def multilabel_targets(y: np.ndarray, n_classes: int) -> np.ndarray:
    """4 labels: moving, running, stationary, walking-or-running (a multi-hot target)."""
    moving = (y != 0).astype(np.float32)
    running = (y == n_classes - 1).astype(np.float32)
    return np.stack([moving, running, 1 - moving, moving], axis=1)


def train_and_convert(fam: Family) -> bytes:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    x, y, n_classes = windows()
    n_out = 4 if fam.multilabel else n_classes
    target = multilabel_targets(y, n_classes) if fam.multilabel else y
    loss = "binary_crossentropy" if fam.multilabel else "sparse_categorical_crossentropy"
    # Train a twin that takes any batch size; the batch-1 model (what gets converted: no
    # SHAPE/PACK ops) receives its weights.
    trainer = fam.build(_AnyBatch(keras), n_out, x.shape[1])
    trainer.compile("adam", loss)
    trainer.fit(x, target, batch_size=32, epochs=EPOCHS, verbose=0, shuffle=True)
    model = fam.build(keras, n_out, x.shape[1])
    model.set_weights(trainer.get_weights())
    rng = np.random.default_rng(SEED)
    rep = x[rng.choice(len(x), 200, replace=False)]

    def representative():
        for w in rep:
            yield [w[None].astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    io = tf.float32 if fam.float_io else tf.int8
    conv.inference_input_type = io
    conv.inference_output_type = io
    out = conv.convert()
    keras.backend.clear_session()
    return out


class _AnyBatch:
    """The keras module with Input() forced to an unknown batch size (for training)."""

    def __init__(self, keras):
        self._k = keras

    def __getattr__(self, name):
        return getattr(self._k, name)

    def Input(self, shape, batch_size=None, name=None):
        return self._k.Input(shape, name=name)


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"generator_version": str(GENERATOR_VERSION), "python": sys.version.split()[0]}
    for pkg in ("tensorflow-cpu", "keras", "tflite-micro", "numpy"):
        try:
            out[pkg] = version(pkg)
        except Exception:  # noqa: BLE001
            out[pkg] = "missing"
    return out


def load_manifest() -> dict[str, Any]:
    if not MANIFEST.is_file():
        return {"families": {}}
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def check() -> list[str]:
    m = load_manifest()
    problems = []
    for fam in FAMILIES:
        e = m["families"].get(fam.name)
        if e is None:
            problems.append(f"{fam.name}: not generated")
            continue
        f = DATA / e["file"]
        if not f.is_file() or hashlib.sha256(f.read_bytes()).hexdigest() != e["sha256"]:
            problems.append(f"{fam.name}: {f} is missing or does not match its sha256")
    return problems


def generate(names: list[str], force: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from tinyfw.codegen.tflite_reader import read_model

    m = load_manifest()
    for name in names:
        fam = BY_NAME[name]
        old = m["families"].get(name)
        data = train_and_convert(fam)
        digest = hashlib.sha256(data).hexdigest()
        if old and (DATA / old["file"]).is_file() and not force:
            if old["sha256"] != digest:
                print(f"{name}: regenerated model differs ({digest[:12]} vs "
                      f"{old['sha256'][:12]}); keeping the committed one (--force replaces it)")
            else:
                print(f"{name}: unchanged")
            continue
        DATA.mkdir(parents=True, exist_ok=True)
        (DATA / f"{name}.tflite").write_bytes(data)
        g = read_model(data=data)
        m["families"][name] = {
            "file": f"{name}.tflite",
            "what": fam.what,
            "sha256": digest,
            "bytes": len(data),
            "ops": [op.opcode for op in g.ops],
            "epochs": EPOCHS,
            "seed": SEED,
            "float_io": fam.float_io,
            "versions": versions(),
        }
        m["families"] = dict(sorted(m["families"].items()))
        MANIFEST.write_text(json.dumps(m, indent=1) + "\n", encoding="utf-8")
        print(f"{name}: wrote {len(data)} B, ops {sorted(set(m['families'][name]['ops']))}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--family", action="append", default=[])
    g.add_argument("--force", action="store_true")
    sub.add_parser("check")
    args = ap.parse_args(argv)
    if args.cmd == "check":
        problems = check()
        for p in problems:
            print(p)
        return 1 if problems else 0
    m = load_manifest()
    names = args.family or [f.name for f in FAMILIES if f.name not in m["families"]]
    generate(names, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
