"""Full int8 conversion: Keras model -> .tflite with int8 weights, activations, input, output."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import numpy as np

from .net import with_batch_1


def to_int8_tflite(model: Any, representative: np.ndarray, *, batch_1: bool = True) -> bytes:
    """Convert with TFLiteConverter.from_keras_model (Optimize.DEFAULT, TFLITE_BUILTINS_INT8,
    int8 input and output). `representative`: float windows (N, length, channels), fed one at a
    time in order (calibration ranges come from them). The batch is fixed to 1 by rebuilding
    the layer chain (`with_batch_1`), or, with `batch_1=False` (a model that is not a plain
    chain of layers), by converting a concrete function whose input has a batch of 1."""
    # Lazy: TensorFlow takes seconds to load; only quantizing needs it.
    import tensorflow as tf

    rep = np.asarray(representative, dtype=np.float32)

    def dataset() -> Iterator[list[np.ndarray]]:
        for x in rep:
            yield [x[None]]

    # from_keras_model exports a SavedModel first and prints its signature: keep stdout clean.
    with contextlib.redirect_stdout(io.StringIO()):
        if batch_1:
            converter = tf.lite.TFLiteConverter.from_keras_model(with_batch_1(model))
        else:
            spec = tf.TensorSpec((1, *model.inputs[0].shape[1:]), tf.float32)
            fn = tf.function(lambda x: model(x, training=False), input_signature=[spec])
            converter = tf.lite.TFLiteConverter.from_concrete_functions(
                [fn.get_concrete_function()], model
            )
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with contextlib.redirect_stdout(io.StringIO()):
        return bytes(converter.convert())
