"""`tinyfw quantize --keras m.keras`: bring your own float Keras model into the firmware.

The model is checked against the project's contract as a trained one would be (one float
input holding a window of `window.length` frames x `data.columns` channels, one output with a
score per `data.classes` entry, probabilities if `post.method = "threshold"`), quantized fully
to int8 (int8 input and output, model/quantize.py) with the dataset's training windows as
representative data, preprocessed as the firmware does (model/preprocess.py), and written with
the contract as metadata (model/contract.py), so `tinyfw generate` accepts it like a model
`tinyfw train` wrote. Every refusal is one line naming the Keras file and the field.

Centring: a Keras model trained elsewhere does not say whether it saw centred windows. With
`preprocess.center` true or false that is taken as said; with `auto` both are measured on the
recordings (float accuracy of the Keras model itself, nothing is trained) and the better one is
recorded in the model's contract.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw import fileio
from tinyfw.config import Config
from tinyfw.errors import InputError

from . import contract as model_contract
from .data import load_dataset
from .evaluate import accuracy, model_params
from .oracle import Oracle
from .preprocess import float_window, preprocess_window
from .quantize import to_int8_tflite
from .split import split_recordings
from .train import REPRESENTATIVE_WINDOWS, window_set

Log = Callable[[str], None]


@dataclass(frozen=True)
class Imported:
    out: Path
    center: bool
    float_accuracy: float  # the Keras model on every recording's windows
    int8_accuracy: float  # the int8 model through TFLM, preprocessed as the firmware does
    windows: int
    tflite_bytes: int
    tflite_sha256: str


def load_keras(path: Path) -> Any:
    """The Keras model in `path` (not compiled); one line naming the file if it is not one."""
    import keras  # lazy: seconds to load

    if not path.is_file():
        raise InputError("no such Keras model file", file=path)
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001 - Keras raises many kinds (ValueError, OSError, ...)
        raise InputError(f"not a Keras model Keras can load: {' '.join(str(e).split())[:200]}",
                         file=path) from None


def check_contract(model: Any, config: Config, *, where: Path) -> None:
    """Refuse (one line, naming the field) a model whose input or output does not fit."""
    length, channels = config.window.length, len(config.data.columns)
    inputs, outputs = list(model.inputs), list(model.outputs)
    if len(inputs) != 1 or len(outputs) != 1:
        raise InputError(f"the application needs one input and one output, this model has "
                         f"{len(inputs)} and {len(outputs)}", file=where, field="input")
    shape = tuple(inputs[0].shape)
    frames = tuple(d for d in shape[1:])
    if None in frames:
        raise InputError(f"input shape {list(shape)} has a dynamic dimension other than the "
                         "batch; the firmware's window is fixed", file=where, field="input")
    if frames not in ((length, channels), (length * channels,), (length, channels, 1),
                      (1, length, channels)):
        if int(np.prod(frames)) == length * channels:
            raise InputError(f"input shape {list(shape)} holds {length} x {channels} values but "
                             f"not as [{length}, {channels}] frames x channels",
                             file=where, field="input")
        if len(frames) >= 2 and frames[-1] != channels:
            raise InputError(f"input shape {list(shape)} has {frames[-1]} channels, tinyfw.toml "
                             f"[data].columns has {channels}", file=where, field="data.columns")
        raise InputError(f"input shape {list(shape)} is not a window of {length} frames "
                         f"(tinyfw.toml [window].length) x {channels} channels",
                         file=where, field="window.length")
    out = tuple(outputs[0].shape)[1:]
    n_out = int(np.prod(out)) if None not in out else -1
    if n_out != len(config.data.classes):
        raise InputError(f"output shape {list(outputs[0].shape)} does not give one "
                         f"score for each of the {len(config.data.classes)} classes in "
                         "tinyfw.toml [data].classes", file=where, field="data.classes")
    if str(getattr(inputs[0], "dtype", "float32")) != "float32":
        raise InputError(f"the input is {inputs[0].dtype}; tinyfw quantizes a float32 model",
                         file=where, field="input")


def _predict(model: Any, x: np.ndarray, frames: tuple[int, ...]) -> np.ndarray:
    if len(x) == 0:
        return np.zeros((0, 1), np.float32)
    y = model.predict(x.reshape((len(x), *frames)), batch_size=256, verbose=0)
    return np.asarray(y).reshape(len(x), -1)


def import_keras(
    config: Config, keras_file: Path, data_dir: Path, out: Path, *, log: Log = print
) -> Imported:
    """Check, quantize, record the contract, write `out` (atomically); the accuracies on the
    dataset's windows."""
    keras_file, out = Path(keras_file), Path(out)
    fileio.check_output_file(out)
    model = load_keras(keras_file)
    check_contract(model, config, where=keras_file)
    frames = tuple(model.inputs[0].shape[1:])
    recordings = load_dataset(data_dir, config)
    split = split_recordings(recordings, config.split)
    train = window_set(split.train, config)
    every = window_set(recordings, config)
    scale = config.data.unit_scale

    def float_accuracy(center: bool) -> tuple[float, np.ndarray]:
        p = _predict(model, float_window(every.raw, scale, center), frames)
        return accuracy(every.labels, p.argmax(1)), p

    c = config.preprocess.center
    if isinstance(c, bool):
        center = c
        acc, probs = float_accuracy(center)
    else:
        (acc_on, p_on), (acc_off, p_off) = float_accuracy(True), float_accuracy(False)
        center = acc_on >= acc_off  # a tie keeps centring (what tinyfw always did)
        acc, probs = (acc_on, p_on) if center else (acc_off, p_off)
        log(f"preprocess.center auto: the Keras model scores {acc_on:.4f} on centred windows, "
            f"{acc_off:.4f} on uncentred ones: centring {'on' if center else 'off'}")
    if config.post.method == "threshold" and len(probs) and not np.allclose(
        probs.sum(1), 1.0, atol=1e-3
    ):
        raise InputError("post.method is threshold, but the model's outputs are not "
                         "probabilities (they do not sum to 1: end the model with a softmax)",
                         file=keras_file, field="post.method")
    idx = np.linspace(0, len(train) - 1, min(len(train), REPRESENTATIVE_WINDOWS)).astype(int)
    rep = float_window(train.raw[idx], scale, center).reshape((len(idx), *frames))
    tflite = _convert(model, rep, keras_file)
    contract = model_contract.from_config(
        config, data_sha256=model_contract.data_sha256(recordings), center=center
    )
    tflite = model_contract.embed(tflite, contract, model_file=keras_file)
    oracle = Oracle(tflite)
    pre, _ = model_params(oracle, config, center=center)
    int8 = oracle.run_batch(preprocess_window(every.raw, pre))
    int8_acc = accuracy(every.labels, np.asarray(int8).reshape(len(every), -1).argmax(1))
    fileio.atomic_write_bytes(out, tflite)
    return Imported(out, center, acc, int8_acc, len(every), len(tflite),
                    hashlib.sha256(tflite).hexdigest())


def _convert(model: Any, rep: np.ndarray, where: Path) -> bytes:
    """Full int8 with model/quantize.py; a model it cannot rebuild with a batch of 1 (not a
    plain chain of layers) is converted from a batch-1 concrete function instead."""
    try:
        return to_int8_tflite(model, rep)
    except (ValueError, TypeError):
        pass
    try:
        return to_int8_tflite(model, rep, batch_1=False)
    except Exception as e:  # noqa: BLE001 - the converter raises many kinds
        raise InputError(f"TensorFlow Lite cannot convert it to full int8: "
                         f"{' '.join(str(e).split())[:200]}", file=where) from None
