"""Accuracy, confusion matrices, and the host pipeline: what the firmware must print, computed
on the host from the same windows, the same integer preprocessing, the TFLM oracle and the same
post-processing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyfw.config import Config

from .data import Recording
from .oracle import Oracle
from .postprocess import PostParams, PostProcessor
from .preprocess import PreprocessParams, preprocess_window
from .windows import make_windows


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of equal labels (0.0 for no labels)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean(y_true == y_pred)) if len(y_true) else 0.0


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts [true class, predicted class]; predictions of -1 (undefined) are not counted."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    for t, p in zip(np.asarray(y_true), np.asarray(y_pred), strict=True):
        if p >= 0:
            cm[t, p] += 1
    return cm


def per_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> list[float]:
    """Recall per class (share of its windows predicted right); 0.0 for an absent class."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return [accuracy(y_true[y_true == c], y_pred[y_true == c]) for c in range(n_classes)]


def model_params(
    oracle: Oracle, config: Config, *, center: bool | None = None
) -> tuple[PreprocessParams, PostParams]:
    """The integer preprocessing and post-processing parameters for a model and project.
    `center` (default: what the model's contract records, else tinyfw.toml) as the firmware
    generated from this model does it."""
    if center is None:
        from . import contract as model_contract  # it imports codegen: only when needed

        center = model_contract.center_of(model_contract.read(oracle.model_bytes), config)
    pre = PreprocessParams.for_model(
        config, oracle.input.scale, oracle.input.zero_point, center=center
    )
    n_classes = int(np.prod(oracle.output.shape[1:]))
    post = PostParams.from_config(
        config.post, n_classes, oracle.output.scale, oracle.output.zero_point
    )
    return pre, post


@dataclass(frozen=True, eq=False)
class WindowResult:
    """One classified window, as the firmware reports it on its `win` line."""

    index: int
    start: int  # first frame of the window in the trace
    outputs: np.ndarray = field(repr=False)  # int8 model outputs
    argmax: int
    activity: int  # post-processed class, -1 if undefined


def host_pipeline(
    recording: Recording | np.ndarray, tflite: bytes | Path | Oracle, config: Config
) -> list[WindowResult]:
    """Every window of one trace (a Recording or raw int16 samples (n, channels)) through the
    firmware's pipeline on the host: windows, integer preprocessing, TFLM, post-processing."""
    samples = recording.samples if isinstance(recording, Recording) else np.asarray(recording)
    oracle = tflite if isinstance(tflite, Oracle) else Oracle(tflite)
    pre, post_params = model_params(oracle, config)
    windows, starts = make_windows(samples, config.window.length, config.window.hop)
    outputs = oracle.run_batch(preprocess_window(windows, pre))
    post = PostProcessor(post_params)
    results = []
    for i, (start, out) in enumerate(zip(starts, outputs, strict=True)):
        cls, act = post.update(out)
        results.append(WindowResult(i, int(start), out, cls, act))
    return results
