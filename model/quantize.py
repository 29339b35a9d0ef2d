"""Full int8 conversion: Keras model -> .tflite with int8 weights, activations, input, output."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import numpy as np

from .net import with_batch_1


def to_int8_tflite(model: Any, representative: np.ndarray) -> bytes:
    """Convert with TFLiteConverter.from_keras_model (Optimize.DEFAULT, TFLITE_BUILTINS_INT8,
    int8 input and output). `representative`: float windows (N, length, channels), fed one at a
    time in order (calibration ranges come from them)."""
    # Lazy: TensorFlow takes seconds to load; only quantizing needs it.
    import tensorflow as tf

    rep = np.asarray(representative, dtype=np.float32)

    def dataset() -> Iterator[list[np.ndarray]]:
        for x in rep:
            yield [x[None]]

    # from_keras_model exports a SavedModel first and prints its signature: keep stdout clean.
    with contextlib.redirect_stdout(io.StringIO()):
        converter = tf.lite.TFLiteConverter.from_keras_model(with_batch_1(model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with contextlib.redirect_stdout(io.StringIO()):
        return bytes(converter.convert())
