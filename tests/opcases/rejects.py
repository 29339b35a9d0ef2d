"""Models tinyfw must refuse, each for one reason (committed in tests/opcases/data/reject/ with
reject.json; same provenance rules as the op packs):

  unsupported_op   full int8, but with an op tinyfw does not lower (ABS)
  float            a float32 model (converted without quantization)
  hybrid           dynamic-range quantization (what tinymlgen produces): float activations,
                   int8 weights
  int16            16x8 quantization: int16 activations
  dynamic_length   full int8 with an unknown length (a dynamic dimension other than the batch;
                   a dynamic batch alone is accepted and run as batch 1, as TFLite Micro does)
  multi_subgraph   full int8 with a second subgraph (control flow), built by editing

    python tests/opcases/rejects.py generate [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "reject"
MANIFEST = DATA / "reject.json"
NAMES = ["unsupported_op", "float", "hybrid", "int16", "dynamic_length", "multi_subgraph"]


def _convert(name: str) -> bytes:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    # 32 x 64 weights: dynamic-range quantization only quantizes tensors of >= 1024 values.
    if name == "dynamic_length":  # [1, None, 32]: pooled over the unknown length
        x = keras.Input((None, 32), batch_size=1, name="x")
        y = keras.layers.Dense(64, activation="relu")(keras.layers.GlobalAveragePooling1D()(x))
    else:
        x = keras.Input((32,), batch_size=1, name="x")
        y = keras.layers.Dense(64, activation="relu")(x)
    if name == "unsupported_op":
        y = keras.ops.abs(keras.layers.Dense(64)(x)) + y
    y = keras.layers.Dense(3)(y)
    model = keras.Model(x, y)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)

    def rep():
        for _ in range(16):
            shape = (1, 8, 32) if name == "dynamic_length" else (1, 32)
            yield [rng.uniform(-1, 1, shape).astype(np.float32)]

    if name == "hybrid":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]  # no representative data
    elif name == "int16":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = tf.int16
        conv.inference_output_type = tf.int16
    elif name != "float":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    data = conv.convert()
    keras.backend.clear_session()
    if name == "multi_subgraph":
        data = _add_subgraph(data)
    return data


def _add_subgraph(data: bytes) -> bytes:
    """Append a copy of subgraph 0 (what a model with control flow looks like to a reader)."""
    import copy

    import flatbuffers
    from tflite_micro import runtime

    m = runtime.convert_bytearray_to_object(bytearray(data))
    m.subgraphs.append(copy.deepcopy(m.subgraphs[0]))
    b = flatbuffers.Builder(len(data) * 2)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def load_manifest() -> dict:
    return json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cmd", choices=["generate"])
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    from importlib.metadata import version

    m = load_manifest()
    DATA.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        if name in m and (DATA / f"{name}.tflite").is_file() and not args.force:
            continue
        data = _convert(name)
        (DATA / f"{name}.tflite").write_bytes(data)
        m[name] = {"file": f"{name}.tflite", "sha256": hashlib.sha256(data).hexdigest(),
                   "tensorflow": version("tensorflow-cpu"), "keras": version("keras")}
        print(f"{name}: {len(data)} B")
    MANIFEST.write_text(json.dumps(dict(sorted(m.items())), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
