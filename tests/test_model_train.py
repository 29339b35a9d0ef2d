"""Training on the shared recordings: files, report, accuracy, determinism, and the host
pipeline the simulator compares the firmware with."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tinyfw.config import Config, SplitConfig, WindowConfig, load_config
from tinyfw.errors import InputError
from tinyfw.model.data import load_dataset
from tinyfw.model.evaluate import host_pipeline, model_params
from tinyfw.model.net import net_size
from tinyfw.model.oracle import Oracle
from tinyfw.model.postprocess import postprocess_sequence
from tinyfw.model.preprocess import preprocess_window
from tinyfw.model.split import split_recordings
from tinyfw.model.train import TrainResult, train
from tinyfw.model.windows import make_windows

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "FULLY_CONNECTED",
    "SOFTMAX", "RESHAPE", "EXPAND_DIMS",
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project() -> Config:
    cfg = load_config(ROOT / "tinyfw.toml")
    if not cfg.data_dir().is_dir():
        pytest.fail(f"the dataset is missing at {cfg.data_dir()} (data/st-har)")
    return cfg


@pytest.fixture(scope="module")
def trained(project: Config, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TrainResult]:
    out = tmp_path_factory.mktemp("model")
    return out, train(project, project.data_dir(), out, log=lambda _: None)


def test_training_writes_the_float_model_the_int8_model_and_a_report(trained):
    out, result = trained
    assert (out / "model_float.keras").stat().st_size > 0
    assert (out / "model_int8.tflite").read_bytes()[4:8] == b"TFL3"
    report = json.loads((out / "report.json").read_text())
    for key in ("float_accuracy", "int8_accuracy", "post_accuracy", "split", "windows", "macs",
                "params", "seed", "data_dir", "test", "tflite_sha256"):
        assert key in report
    assert report["int8_accuracy"] == result.int8_accuracy
    assert len(report["test"]["int8_confusion"]) == 3


def test_the_report_lists_each_recording_in_exactly_one_split(trained, project: Config):
    _, result = trained
    names = [n for part in result.split.values() for n in part]
    assert sorted(names) == sorted(r.name for r in load_dataset(project.data_dir(), project))
    assert all(result.split[k] for k in ("train", "validation", "test"))


def test_the_int8_model_is_accurate_on_held_out_recordings_and_close_to_float(trained):
    _, result = trained
    assert result.int8_accuracy >= 0.9
    assert abs(result.int8_accuracy - result.float_accuracy) <= 0.01
    assert result.post_accuracy >= 0.9


def test_the_int8_model_uses_only_supported_ops_and_the_reported_size(trained, project):
    out, result = trained
    oracle = Oracle(out / "model_int8.tflite")
    assert {op.name for op in oracle.operators()} <= ALLOWED_OPS
    n = len(project.data.columns)
    assert result.macs == net_size(project.window.length, n, 3, project.model).macs
    assert result.macs <= 60_000


def test_the_host_pipeline_reports_every_firmware_window_of_a_test_recording(trained, project):
    out, _ = trained
    rec = split_recordings(load_dataset(project.data_dir(), project), project.split).test[0]
    tflite = (out / "model_int8.tflite").read_bytes()
    results = host_pipeline(rec, tflite, project)
    windows, starts = make_windows(rec.samples, project.window.length, project.window.hop)
    assert [r.start for r in results] == starts.tolist()
    assert [r.index for r in results] == list(range(len(windows)))
    oracle = Oracle(tflite)
    pre, post = model_params(oracle, project)
    outputs = oracle.run_batch(preprocess_window(windows, pre))
    np.testing.assert_array_equal(np.stack([r.outputs for r in results]), outputs)
    cls, act = postprocess_sequence(post, outputs)
    assert [r.argmax for r in results] == cls.tolist()
    assert [r.activity for r in results] == act.tolist()
    assert host_pipeline(rec.samples, oracle, project)[5].outputs.tolist() == outputs[5].tolist()


def test_the_same_data_and_seed_give_a_byte_identical_tflite(project: Config, tmp_path: Path):
    quick = replace(project, model=replace(project.model, epochs=2))
    a = train(quick, quick.data_dir(), tmp_path / "a", log=lambda _: None)
    b = train(quick, quick.data_dir(), tmp_path / "b", log=lambda _: None)
    assert (tmp_path / "a/model_int8.tflite").read_bytes() == (
        tmp_path / "b/model_int8.tflite"
    ).read_bytes()
    assert a.tflite_sha256 == b.tflite_sha256


def write_dataset(root: Path, per_class: int, n: int = 60) -> Path:
    rng = np.random.default_rng(9)
    for c in ("stationary", "walking", "running"):
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            rows = rng.integers(-1000, 1000, size=(n, 3))
            (root / c / f"{c}_{i}.csv").write_text("".join(f"{a},{b},{d}\n" for a, b, d in rows))
    return root


def test_training_without_test_recordings_is_refused_before_it_starts(tmp_path: Path):
    data = write_dataset(tmp_path / "data", per_class=3)
    cfg = Config(split=SplitConfig(validation=0.2, test=0.0))
    with pytest.raises(InputError, match="no test recordings") as e:
        train(cfg, data, tmp_path / "out", log=lambda _: None)
    assert e.value.field == "split.test"


def test_kernels_too_long_for_the_window_are_named_in_the_error(tmp_path: Path):
    data = write_dataset(tmp_path / "data", per_class=3)
    cfg = Config(window=WindowConfig(length=20, hop=10))  # 3 convolutions of 7 need 40+ frames
    cfg = replace(cfg, model=replace(cfg.model, filters=(4, 4, 4), kernel_sizes=(7, 7, 7)))
    with pytest.raises(InputError, match="too short for kernel_sizes") as e:
        train(cfg, data, tmp_path / "out", log=lambda _: None)
    assert e.value.field == "model.kernel_sizes"


def test_train_records_the_settings_it_tried_and_keeps_the_best_on_validation(trained):
    _, result = trained
    choice = result.choice
    assert choice["auto"] == ["model.augment_rotation", "model.augment_time_warp",
                              "preprocess.center"]  # the example project leaves them auto
    tried = choice["candidates"]
    assert len(tried) == 5 and tried[1]["settings"] == dict.fromkeys(choice["auto"], False)
    best = max(t["val_accuracy"] for t in tried)
    first_best = next(t for t in tried if t["val_accuracy"] == best)
    assert choice["chosen"] == first_best["settings"]
    assert result.contract["preprocess.center"] == choice["chosen"]["preprocess.center"]


def test_quantizing_the_trained_keras_model_gives_the_very_same_tflite(trained, project, tmp_path):
    """`tinyfw quantize --keras` is the conversion train does: same model, data and settings
    give the same bytes (contract included)."""
    from tinyfw.model.keras_import import import_keras

    out, _ = trained
    r = import_keras(project, out / "model_float.keras", project.data_dir(), tmp_path / "q.tflite",
                     log=lambda _: None)
    assert r.out.read_bytes() == (out / "model_int8.tflite").read_bytes()
