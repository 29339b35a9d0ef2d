"""Provenance of the scaling models (the README's scaling table, `make bench`): the benchmark
model's network (model/net.py, filters (8, 16), kernels (5, 3), dense 16, 3 classes) at two
other sizes, with seeded untrained weights and seeded random representative data (instruction
counts and flash depend on the shapes, not on what the weights learned):

  har_filters2x_int8.tflite   filters (16, 32), window 52 x 3
  har_window104_int8.tflite   filters (8, 16),  window 104 x 3

    .venv/bin/python bench/scaling/make_models.py

Needs TensorFlow (tensorflow-cpu 2.21.0, Keras 3.15.1 as pinned); `make bench` only reads the
committed files. The other two rows of the table are bench/har_anchor_int8.tflite and the demo
model firmware/generated/model.tflite.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

HERE = Path(__file__).resolve().parent
MODELS = {  # file: (filters, window length)
    "har_filters2x_int8.tflite": ((16, 32), 52),
    "har_window104_int8.tflite": ((8, 16), 104),
}


def main() -> None:
    import keras
    import tensorflow as tf

    from tinyfw.config import ModelConfig
    from tinyfw.model.net import build_model
    from tinyfw.model.quantize import to_int8_tflite

    tf.config.experimental.enable_op_determinism()
    for name, (filters, length) in MODELS.items():
        keras.utils.set_random_seed(5)
        cfg = replace(ModelConfig(), filters=filters, kernel_sizes=(5, 3), dense=16)
        model = build_model(cfg, length, 3, 3)
        rep = np.random.default_rng(5).normal(0.0, 0.5, (64, length, 3)).astype(np.float32)
        data = to_int8_tflite(model, rep)
        (HERE / name).write_bytes(data)
        print(f"wrote {name}: {len(data)} B")


if __name__ == "__main__":
    main()
