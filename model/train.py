"""Training: traces -> windows -> Keras model -> full int8 .tflite -> report.

`train(config, data_dir, out_dir)` writes `model_float.keras`, `model_int8.tflite` and
`report.json`. Accuracies are per window on the held-out test recordings: float (Keras on float
windows), int8 (TFLM oracle on integer-preprocessed windows, exactly the firmware's input) and
post-processed (int8 + `[post]`, run per recording as the firmware does). Same data, config and
seed give a byte-identical .tflite on the same machine. The .tflite carries the model's
contract (classes, columns, units, window, preprocessing; model/contract.py) as metadata, and
model_int8.tflite and report.json are each replaced atomically (never left half written).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw import fileio
from tinyfw.config import Config
from tinyfw.errors import InputError

from . import choose
from . import contract as model_contract
from .augment import augment_windows, random_speed, time_warp_windows
from .data import Recording, load_dataset
from .evaluate import accuracy, confusion_matrix, model_params, per_class_accuracy
from .net import build_model, net_size
from .oracle import Oracle
from .postprocess import postprocess_sequence
from .preprocess import float_window, preprocess_window
from .quantize import to_int8_tflite
from .split import split_recordings
from .windows import make_windows, window_starts

Log = Callable[[str], None]

# Augmentation gain: each training window is scaled by a factor in [1 - GAIN, 1 + GAIN].
GAIN = 0.1
# Augmentation speed: each epoch replays every training recording at a speed in
# [1 / SPEED, SPEED] (log-uniform) before cutting windows; 1.0 turns it off.
SPEED = 1.3
# Calibration windows for the int8 converter (an evenly spaced subset of the training windows).
REPRESENTATIVE_WINDOWS = 500


@dataclass(frozen=True, eq=False)
class WindowSet:
    """All windows of some recordings, in recording then window order."""

    raw: np.ndarray  # (N, length, channels) int16
    labels: np.ndarray  # (N,) class index
    recording: np.ndarray  # (N,) index into the recordings it was made from

    def __len__(self) -> int:
        return len(self.labels)


def window_set(recordings: Sequence[Recording], config: Config) -> WindowSet:
    """Windows of every recording (as the firmware sees them)."""
    length, hop = config.window.length, config.window.hop
    channels = len(config.data.columns)
    raws = [np.zeros((0, length, channels), np.int16)]
    labels, rec = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for i, r in enumerate(recordings):
        w, _ = make_windows(r.samples, length, hop)
        raws.append(w)
        labels.append(np.full(len(w), r.label, np.int64))
        rec.append(np.full(len(w), i, np.int64))
    return WindowSet(np.concatenate(raws), np.concatenate(labels), np.concatenate(rec))


def fit_model(
    config: Config,
    train: Sequence[Recording],
    validation: WindowSet | None = None,
    *,
    settings: choose.Settings,
    epochs: int | None = None,
    gain: float = GAIN,
    log: Log = print,
    history: list[dict[str, float]] | None = None,
) -> Any:
    """Train the float Keras model (seeded, deterministic) on the training recordings,
    re-augmented every epoch: replay speed (if `settings.time_warp`), then per window rotation
    (if `settings.rotation`) and gain; windows centred if `settings.center`. Adam with the
    learning rate decaying along a cosine to 5 % of `model.learning_rate` over the epochs
    (`epochs`, default `model.epochs`). `history` (if given) gets one record per epoch: epoch,
    loss, accuracy (and val_accuracy every 5 epochs and at the last)."""
    # Lazy: TensorFlow/Keras take seconds to load; only training needs them.
    import keras
    import tensorflow as tf

    m = config.model
    epochs = m.epochs if epochs is None else epochs
    center = settings.center
    speed = SPEED if settings.time_warp else 1.0
    n_classes = len(config.data.classes)
    length, hop = config.window.length, config.window.hop
    channels = len(config.data.columns)
    if settings.rotation and channels != 3:
        raise InputError(
            f"rotation augmentation needs 3 columns (x, y, z), the data has {channels}",
            file=config.path,
            field="model.augment_rotation",
        )
    if not train:
        raise InputError("no training recordings", file=config.path, field="split")
    keras.backend.clear_session()  # a model fitted before this one changes nothing here
    keras.utils.set_random_seed(m.seed)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(m.seed)

    model = build_model(m, length, channels, n_classes, config_file=config.path)
    n_windows = sum(len(window_starts(len(r.samples), length, hop)) for r in train)
    steps = epochs * -(-n_windows // m.batch_size)  # about: replay speeds vary the count
    lr = keras.optimizers.schedules.CosineDecay(m.learning_rate, steps, alpha=0.05)
    model.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    xv = (
        float_window(validation.raw, config.data.unit_scale, center)
        if validation is not None and len(validation)
        else None
    )
    for epoch in range(epochs):
        raws, labels = [], []
        for r in train:
            w, _ = make_windows(time_warp_windows(r.samples, random_speed(rng, speed), length),
                                length, hop)
            raws.append(w)
            labels.append(np.full(len(w), r.label, np.int64))
        y = np.concatenate(labels)
        order = rng.permutation(len(y))
        x = float_window(np.concatenate(raws)[order], config.data.unit_scale, center)
        x = augment_windows(x, rng, rotation=settings.rotation, gain=gain)
        h = model.fit(x, y[order], batch_size=m.batch_size, epochs=1, shuffle=False, verbose=0)
        rec = {"epoch": epoch + 1, "loss": float(h.history["loss"][0]),
               "accuracy": float(h.history["accuracy"][0])}
        line = f"epoch {epoch + 1}/{epochs}: loss {rec['loss']:.4f}"
        line += f" accuracy {rec['accuracy']:.3f}"
        if xv is not None and (epoch + 1 == epochs or (epoch + 1) % 5 == 0):
            pv = predict_float(model, xv)
            rec["val_accuracy"] = accuracy(validation.labels, pv.argmax(1))
            line += f" val_accuracy {rec['val_accuracy']:.3f}"
        if history is not None:
            history.append(rec)
        log(line)
    return model


def predict_float(model: Any, x: np.ndarray) -> np.ndarray:
    """Class probabilities of the float model for float windows (N, length, channels)."""
    if len(x) == 0:
        return np.zeros((0, model.output_shape[-1]), np.float32)
    return np.asarray(model.predict(x, batch_size=256, verbose=0))


def representative_windows(train: WindowSet, config: Config, *, center: bool) -> np.ndarray:
    """Float calibration windows: an evenly spaced subset of the (unaugmented) training set."""
    idx = np.linspace(0, len(train) - 1, min(len(train), REPRESENTATIVE_WINDOWS)).astype(int)
    return float_window(train.raw[idx], config.data.unit_scale, center)


@dataclass(frozen=True)
class Scores:
    """Per-window accuracies of one model on one set of recordings."""

    windows: int
    float_accuracy: float
    int8_accuracy: float
    post_accuracy: float  # int8 + post-processing; undefined activity (-1) counts as wrong
    float_confusion: list[list[int]]
    int8_confusion: list[list[int]]
    post_confusion: list[list[int]]
    float_per_class: list[float]
    int8_per_class: list[float]
    post_per_class: list[float]


def score(
    model: Any, tflite: bytes, windows: WindowSet, config: Config, *, center: bool
) -> Scores:
    """Float, int8 (TFLM on integer-preprocessed windows) and post-processed accuracies."""
    n = len(config.data.classes)
    y = windows.labels
    x = float_window(windows.raw, config.data.unit_scale, center)
    float_pred = predict_float(model, x).argmax(1)
    oracle = Oracle(tflite)
    pre, post = model_params(oracle, config, center=center)
    outputs = oracle.run_batch(preprocess_window(windows.raw, pre))
    int8_pred = outputs.argmax(1)
    post_pred = np.full(len(y), -1, np.int64)
    for r in np.unique(windows.recording):
        sel = windows.recording == r  # windows of one recording, in order
        post_pred[sel] = postprocess_sequence(post, outputs[sel])[1]

    def cm(p: np.ndarray) -> list[list[int]]:
        return confusion_matrix(y, p, n).tolist()

    return Scores(
        len(y),
        accuracy(y, float_pred),
        accuracy(y, int8_pred),
        accuracy(y, post_pred),
        cm(float_pred),
        cm(int8_pred),
        cm(post_pred),
        per_class_accuracy(y, float_pred, n),
        per_class_accuracy(y, int8_pred, n),
        per_class_accuracy(y, post_pred, n),
    )


@dataclass(frozen=True)
class TrainResult:
    """What `report.json` holds (accuracies on the test recordings)."""

    float_accuracy: float
    int8_accuracy: float
    post_accuracy: float
    test_windows: int
    test: Scores
    validation: Scores | None
    choice: dict[str, Any]  # what train chose for the `auto` switches and why (model/choose.py)
    classes: list[str]
    split: dict[str, list[str]]
    windows: dict[str, int]
    macs: int
    params: int
    tflite_bytes: int
    tflite_sha256: str
    contract: dict[str, Any]  # what the .tflite's `tinyfw_contract` metadata holds
    contract_sha256: str
    input_scale: float
    input_zero_point: int
    preprocess: dict[str, Any]  # PreprocessParams (what the firmware gets)
    postprocess: dict[str, Any]  # PostParams
    seed: int
    split_seed: int
    data_dir: str
    train_seconds: float
    history: list[dict[str, float]] = field(default_factory=list)  # per epoch (fit_model)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def train(config: Config, data_dir: Path, out_dir: Path, *, log: Log = print) -> TrainResult:
    """Load, split, train, quantize, evaluate; write the model files and report.json."""
    t0 = time.monotonic()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    for name in ("model_float.keras", "model_int8.tflite", "report.json"):
        fileio.check_output_file(out_dir / name)  # before the work, not after it
    recordings = load_dataset(data_dir, config)
    split = split_recordings(recordings, config.split)
    if not split.test:
        raise InputError(
            "no test recordings: accuracy is measured on held-out recordings (raise split.test)",
            file=config.path,
            field="split.test",
        )
    sets = {
        "train": window_set(split.train, config),
        "validation": window_set(split.validation, config),
        "test": window_set(split.test, config),
    }
    log(
        f"recordings: {len(split.train)} train, {len(split.validation)} validation, "
        f"{len(split.test)} test; windows: "
        + ", ".join(f"{len(s)} {k}" for k, s in sets.items())
    )
    choice = choose_settings(config, split.train, sets["validation"], log=log)
    chosen = choose.Settings(**{choose.SWITCHES[k][0]: v for k, v in choice["chosen"].items()})
    history: list[dict[str, float]] = []
    model = fit_model(config, split.train, sets["validation"], settings=chosen, log=log,
                      history=history)
    tflite = to_int8_tflite(
        model, representative_windows(sets["train"], config, center=chosen.center)
    )
    contract = model_contract.from_config(
        config, data_sha256=model_contract.data_sha256(recordings), center=chosen.center
    )
    tflite = model_contract.embed(tflite, contract)
    oracle = Oracle(tflite)
    pre, post = model_params(oracle, config, center=chosen.center)
    test = score(model, tflite, sets["test"], config, center=chosen.center)
    val = (
        score(model, tflite, sets["validation"], config, center=chosen.center)
        if len(sets["validation"])
        else None
    )
    size = net_size(
        config.window.length, len(config.data.columns), len(config.data.classes), config.model
    )
    _save_keras(model, out_dir / "model_float.keras")
    fileio.atomic_write_bytes(out_dir / "model_int8.tflite", tflite)
    result = TrainResult(
        float_accuracy=test.float_accuracy,
        int8_accuracy=test.int8_accuracy,
        post_accuracy=test.post_accuracy,
        test_windows=test.windows,
        test=test,
        validation=val,
        choice=choice,
        classes=list(config.data.classes),
        split=split.listing(),
        windows={k: len(s) for k, s in sets.items()},
        macs=size.macs,
        params=size.params,
        tflite_bytes=len(tflite),
        tflite_sha256=hashlib.sha256(tflite).hexdigest(),
        contract=contract,
        contract_sha256=model_contract.sha256(contract),
        input_scale=oracle.input.scale,
        input_zero_point=oracle.input.zero_point,
        preprocess=asdict(pre),
        postprocess=asdict(post),
        seed=config.model.seed,
        split_seed=config.split.seed,
        data_dir=str(data_dir),
        train_seconds=round(time.monotonic() - t0, 1),
        history=history,
    )
    fileio.atomic_write_text(out_dir / "report.json", result.to_json())
    log(
        f"test accuracy: float {test.float_accuracy:.4f}, int8 {test.int8_accuracy:.4f}, "
        f"int8 + {config.post.method} {test.post_accuracy:.4f} ({test.windows} windows); "
        f"{size.macs} MACs, {size.params} parameters, {len(tflite)} B .tflite"
    )
    return result


def choose_settings(
    config: Config, train: Sequence[Recording], validation: WindowSet, *, log: Log = print
) -> dict[str, Any]:
    """Settle the `auto` switches (model/choose.py): a short run per candidate, scored by float
    accuracy on the validation windows. Returns what report.json records under `choice`."""
    cands = choose.candidates(config)
    auto = [k for k, v in choose.configured(config).items() if v is None]
    if len(cands) == 1:
        return {"chosen": cands[0].as_dict(), "auto": auto, "reason": "nothing is auto",
                "candidates": []}
    if not len(validation):
        chosen = choose.without_validation(config)
        log(f"no validation recordings to choose {', '.join(auto)} by: {chosen.text()} "
            "(raise split.validation to let train choose)")
        return {"chosen": chosen.as_dict(), "auto": auto,
                "reason": "no validation recordings: auto switches off", "candidates": []}
    n_windows = sum(
        len(window_starts(len(r.samples), config.window.length, config.window.hop)) for r in train
    )
    epochs = choose.search_epochs(config, len(cands), n_windows)
    log(f"choosing {', '.join(auto)}: {len(cands)} candidates, {epochs} epochs each, scored on "
        f"{len(validation)} validation windows ({len(np.unique(validation.recording))} "
        "recordings)")
    trials = []
    for c in cands:
        model = fit_model(config, train, settings=c, epochs=epochs, log=lambda _: None)
        x = float_window(validation.raw, config.data.unit_scale, c.center)
        acc = accuracy(validation.labels, predict_float(model, x).argmax(1))
        trials.append(choose.Trial(c, acc))
    best = choose.pick(trials)
    for line in choose.table(trials, best):
        log("  " + line)
    reason = (f"highest validation accuracy ({best.val_accuracy:.4f}; ties go to the earlier "
              "candidate)")
    log(f"chose {best.settings.text()}: {reason}")
    return {
        "chosen": best.settings.as_dict(),
        "auto": auto,
        "reason": reason,
        "search_epochs": epochs,
        "validation_windows": len(validation),
        "candidates": [{"settings": t.settings.as_dict(), "val_accuracy": t.val_accuracy}
                       for t in trials],
    }


def _save_keras(model: Any, path: Path) -> None:
    """model.save, whole or not at all: Keras writes a temporary .keras beside it, renamed."""
    target = fileio.follow_link(path)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.keras")
    try:
        model.save(tmp)
        os.replace(tmp, target)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", file=path) from None
    finally:
        tmp.unlink(missing_ok=True)
