"""The network: a compact 1-D convolutional classifier built from `[model]` in tinyfw.toml.

conv1 (filters[0], kernel_sizes[0], ReLU) -> max-pool 2 -> conv2 ... -> conv_n (no pool after
the last) -> global average pooling -> dense (`dense` units, ReLU) -> dense (classes) -> softmax.
All convolutions are 'valid'. With a fixed batch of 1 this converts to RESHAPE/EXPAND_DIMS,
CONV_2D, MAX_POOL_2D, MEAN, FULLY_CONNECTED and SOFTMAX only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyfw.config import ModelConfig
from tinyfw.errors import InputError


@dataclass(frozen=True)
class NetSize:
    macs: int  # multiply-accumulates per inference (convolutions and dense layers)
    params: int  # weights and biases


def _keras() -> Any:
    # Lazy: Keras loads TensorFlow (seconds); commands that do not train never pay for it.
    import keras

    return keras


def conv_lengths(length: int, cfg: ModelConfig) -> list[int]:
    """Output length of each convolution for a window of `length` frames."""
    out = []
    n = length
    for i, k in enumerate(cfg.kernel_sizes):
        if i > 0:
            n //= 2  # max-pool 2 before every convolution but the first
        n = n - k + 1
        out.append(n)
    return out


def net_size(length: int, channels: int, n_classes: int, cfg: ModelConfig) -> NetSize:
    """MACs and parameter count of the network for these input dimensions."""
    macs = params = 0
    c_in = channels
    for n_out, f, k in zip(conv_lengths(length, cfg), cfg.filters, cfg.kernel_sizes, strict=True):
        macs += n_out * k * c_in * f
        params += k * c_in * f + f
        c_in = f
    for units in (cfg.dense, n_classes):
        macs += c_in * units
        params += c_in * units + units
        c_in = units
    return NetSize(macs, params)


def build_model(
    cfg: ModelConfig,
    length: int,
    channels: int,
    n_classes: int,
    *,
    batch_size: int | None = None,
    config_file: Path | None = None,
) -> Any:
    """A `keras.Model` (inputs float32 (batch, length, channels), outputs class probabilities).
    `config_file` only names the project file in errors."""
    if min(conv_lengths(length, cfg)) < 1:
        raise InputError(
            f"a window of {length} samples is too short for kernel_sizes "
            f"{list(cfg.kernel_sizes)} with max-pooling between convolutions",
            file=config_file,
            field="model.kernel_sizes",
        )
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((length, channels), batch_size=batch_size, name="window")
    x = inp
    for i, (f, k) in enumerate(zip(cfg.filters, cfg.kernel_sizes, strict=True)):
        if i > 0:
            x = layers.MaxPooling1D(2, name=f"pool{i}")(x)
        x = layers.Conv1D(f, k, activation="relu", name=f"conv{i + 1}")(x)
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    x = layers.Dense(cfg.dense, activation="relu", name="fc1")(x)
    x = layers.Dense(n_classes, name="logits")(x)
    out = layers.Softmax(name="probs")(x)
    return keras.Model(inp, out, name="tinyfw_conv1d")


def with_batch_1(model: Any) -> Any:
    """The same layers (shared weights) behind an input with a fixed batch of 1, for conversion:
    without it the converter adds SHAPE/STRIDED_SLICE/PACK ops."""
    keras = _keras()
    inp = keras.Input(model.input_shape[1:], batch_size=1, name=model.layers[0].name)
    x = inp
    for layer in model.layers[1:]:
        x = layer(x)
    return keras.Model(inp, x, name=model.name)
