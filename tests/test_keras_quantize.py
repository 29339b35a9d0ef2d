"""`tinyfw quantize --keras m.keras`: your own float Keras model becomes a full-int8 .tflite with
the project's contract, quantized with the dataset's windows; a model that does not fit the
project is refused in one line naming the Keras file and the field, and nothing is written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_one_line_error, run_inproc
from synthetic_imu import write_project

from tinyfw.config import load_config
from tinyfw.model import contract as model_contract
from tinyfw.model.oracle import Oracle

pytestmark = pytest.mark.slow  # TensorFlow converts (a few seconds each)


@pytest.fixture(scope="module")
def proj(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small 3-class, 3-axis project (window 50) whose tinyfw.toml says: no centring."""
    root = write_project("orientation", tmp_path_factory.mktemp("byo"),
                         model_extra="\n[preprocess]\ncenter = false\n")
    return root


def keras_model(path: Path, *, length=50, channels=3, classes=3, softmax=True) -> Path:
    """An untrained model of tinyfw's own shape (seeded), saved as .keras."""
    import keras

    from tinyfw.model.net import build_model

    keras.utils.set_random_seed(0)
    cfg = load_config(Path(__file__).parents[1] / "tinyfw.toml").model
    cfg = replace(cfg, filters=(4, 4), kernel_sizes=(5, 3), dense=8)
    m = build_model(cfg, length, channels, classes)
    if not softmax:
        m = keras.Model(m.inputs, m.get_layer("logits").output)
    m.save(path)
    return path


def quantize(proj: Path, model: Path, out: Path):
    return run_inproc(["--project", str(proj), "quantize", "--keras", str(model),
                       "--out", str(out)])


def test_a_keras_model_becomes_a_full_int8_tflite_with_the_contract_that_generate_accepts(
    proj, tmp_path
):
    model = keras_model(tmp_path / "m.keras")
    out = tmp_path / "m.tflite"
    r = quantize(proj, model, out)
    assert r.status == 0, r.err
    assert f"wrote {out}" in r.out and "centring off" in r.out
    tflite = out.read_bytes()
    oracle = Oracle(tflite)  # refuses a model whose input is not int8
    assert oracle.output.shape[-1] == 3
    assert Oracle(tflite).run(np.zeros(150, np.int8)).dtype == np.int8  # int8 out
    carried = model_contract.read(tflite)
    cfg = load_config(proj / "tinyfw.toml")
    assert carried["preprocess.center"] is False
    assert carried["data.classes"] == list(cfg.data.classes)
    assert carried["window.length"] == 50
    gen = tmp_path / "generated"
    r = run_inproc(["--project", str(proj), "generate", "--model", str(out), "--out", str(gen)])
    assert r.status == 0, r.err
    assert ".center = 0," in (gen / "app_config.c").read_text()


@pytest.mark.parametrize("kwargs, field, words", [
    ({"classes": 2}, "data.classes", "3 classes"),
    ({"length": 40}, "window.length", "50 frames"),
    ({"channels": 6}, "data.columns", "6 channels"),
], ids=["classes", "window", "channels"])
def test_a_keras_model_that_does_not_fit_the_contract_is_refused_naming_the_field(
    proj, tmp_path, kwargs, field, words
):
    model = keras_model(tmp_path / "m.keras", **kwargs)
    out = tmp_path / "m.tflite"
    r = quantize(proj, model, out)
    assert_one_line_error(r, file=model, field=field, words=words)
    assert not out.exists()


def test_a_file_that_is_not_a_keras_model_is_one_line_naming_it(proj, tmp_path):
    bad = tmp_path / "m.keras"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = quantize(proj, bad, tmp_path / "m.tflite")
    assert_one_line_error(r, file=bad, words="not a Keras model")
    assert not (tmp_path / "m.tflite").exists()


def test_threshold_post_processing_needs_probabilities_not_logits(proj, tmp_path):
    model = keras_model(tmp_path / "m.keras", softmax=False)
    text = (proj / "tinyfw.toml").read_text()
    variant = tmp_path / "p"
    variant.mkdir()
    (variant / "tinyfw.toml").write_text(
        text.replace('method = "argmax"', 'method = "threshold"')
        .replace('dir = "data"', f'dir = "{proj / "data"}"'))
    r = quantize(variant, model, tmp_path / "m.tflite")
    assert_one_line_error(r, file=model, field="post.method", words="not probabilities")
