"""Provenance of the converted models in this folder: real TFLite conversions that tinyfw must
refuse with one line (float, hybrid, float16, int16x8, a dynamic length, unsupported ops), and
the dynamic-batch model it accepts (TFLite Micro runs a dynamic batch as batch 1, so does tinyfw).

    .venv/bin/python tests/bad_inputs/models/make_models.py

Needs TensorFlow (tensorflow-cpu 2.21.0, Keras 3.15.1 as pinned in requirements.txt); the test
suite only reads the committed .tflite files and never imports TensorFlow for them. The net is a
small Conv1D like the benchmark model, with input [1, 52, 3]; weights are seeded.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

HERE = Path(__file__).resolve().parent


def net(batch: int | None = 1, head: str = "softmax", wide: bool = False,
        length: int | None = 52):
    """`wide`: a 32x64 dense layer, big enough (>= 1024 weights) for dynamic-range quantization."""
    import keras

    keras.utils.set_random_seed(3)
    x = keras.Input((length, 3), batch_size=batch, name="accel")
    y = keras.layers.Conv1D(32 if wide else 4, 5, activation="relu")(x)
    y = keras.layers.GlobalAveragePooling1D()(y)
    if wide:
        y = keras.layers.Dense(64, activation="relu")(y)
    y = keras.layers.Dense(3)(y)
    if head == "softmax":
        y = keras.layers.Softmax()(y)
    elif head == "log_softmax":
        y = keras.layers.Activation(keras.activations.log_softmax)(y)
    elif head == "exp":
        y = keras.layers.Lambda(lambda t: keras.ops.exp(t))(y)
    return keras.Model(x, y)


def representative():
    rng = np.random.default_rng(0)
    for _ in range(20):
        yield [rng.normal(0, 1, (1, 52, 3)).astype(np.float32)]


def convert(model, mode: str) -> bytes:
    import tensorflow as tf

    c = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode == "float32":
        pass
    elif mode == "hybrid":
        c.optimizations = [tf.lite.Optimize.DEFAULT]
    elif mode == "float16":
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.target_spec.supported_types = [tf.float16]
    elif mode == "int16x8":
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = representative
        c.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        ]
        c.inference_input_type = tf.int16
        c.inference_output_type = tf.int16
    elif mode == "int8":
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = representative
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.inference_input_type = tf.int8
        c.inference_output_type = tf.int8
    elif mode == "int8_float_io":
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = representative
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    else:
        raise ValueError(mode)
    return c.convert()


MODELS = {
    "tf_float32.tflite": ({}, "float32"),
    "tf_hybrid_dynamic_range.tflite": ({"wide": True}, "hybrid"),
    "tf_float16_weights.tflite": ({}, "float16"),
    "tf_int16x8.tflite": ({}, "int16x8"),
    "tf_int8_dynamic_batch.tflite": ({"batch": None}, "int8"),  # accepted: run as batch 1
    "tf_int8_dynamic_length.tflite": ({"length": None}, "int8"),  # refused: not the batch
    "tf_int8_log_softmax.tflite": ({"head": "log_softmax"}, "int8"),
    "tf_int8_exp.tflite": ({"head": "exp"}, "int8"),
}


def main() -> None:
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    for name, (kw, mode) in MODELS.items():
        try:
            data = convert(net(**kw), mode)
        except Exception as e:  # noqa: BLE001 - report which conversions this TF cannot do
            print(f"skip {name}: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
            continue
        (HERE / name).write_bytes(data)
        print(f"wrote {name}: {len(data)} B")


if __name__ == "__main__":
    main()
