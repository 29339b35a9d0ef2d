"""What `tinyfw train` may choose itself (rotation, time-warp, centring), and that a model
trained without centring gets a firmware whose preprocessing is bit-exact with the host's."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tinyfw.config import Config, ModelConfig, PreprocessConfig, parse_config
from tinyfw.errors import InputError
from tinyfw.model import choose
from tinyfw.model import contract as model_contract
from tinyfw.model.augment import time_warp, time_warp_windows
from tinyfw.model.evaluate import model_params
from tinyfw.model.oracle import Oracle
from tinyfw.model.preprocess import preprocess_window
from tinyfw.model.windows import make_windows
from tinyfw.paths import BENCH_MODEL, ROOT
from tinyfw.project import generate_project

S = choose.Settings


def with_switches(cfg: Config, rotation=True, time_warp=True, center=True) -> Config:
    """`cfg` with the three switches set as given (True, False or "auto")."""
    return replace(
        cfg,
        model=replace(cfg.model, augment_rotation=rotation, augment_time_warp=time_warp),
        preprocess=replace(cfg.preprocess, center=center),
    )


def test_auto_tries_the_old_defaults_then_plain_training_then_one_switch_off_at_a_time():
    cfg = Config()
    assert ModelConfig().augment_rotation == "auto" and PreprocessConfig().center == "auto"
    assert choose.candidates(cfg) == [
        S(True, True, True), S(False, False, False),
        S(False, True, True), S(True, False, True), S(True, True, False),
    ]


def test_switches_set_in_tinyfw_toml_are_kept_and_only_the_auto_ones_are_tried():
    cfg = with_switches(Config(), rotation=False, time_warp="auto", center=True)
    assert choose.candidates(cfg) == [S(False, True, True), S(False, False, True)]
    assert choose.candidates(with_switches(Config(), False, True, False)) == [S(False, True, False)]


def test_rotation_is_no_candidate_for_data_that_is_not_three_axes():
    cfg = Config()
    six = replace(cfg, data=replace(cfg.data, columns=("ax", "ay", "az", "gx", "gy", "gz")))
    assert all(not c.rotation for c in choose.candidates(six))
    assert choose.without_validation(six) == S(False, False, False)


def test_ties_go_to_the_earlier_candidate_and_the_table_marks_the_choice():
    trials = [choose.Trial(S(True, True, True), 0.9), choose.Trial(S(False, False, False), 0.9),
              choose.Trial(S(False, True, True), 0.95)]
    assert choose.pick(trials[:2]) is trials[0]
    best = choose.pick(trials)
    assert best is trials[2]
    rows = choose.table(trials, best)
    assert rows[0].split() == ["rotation", "time_warp", "center", "val_accuracy"]
    assert rows[3].split() == ["off", "on", "on", "0.9500", "<-", "chosen"]
    assert "chosen" not in rows[1] + rows[2]


@pytest.mark.parametrize("text, ok", [
    ('augment_rotation = false', False), ('augment_rotation = "auto"', "auto"),
    ('augment_time_warp = true', True),
])
def test_the_switches_read_true_false_or_auto(text, ok):
    cfg = parse_config(f"[model]\n{text}\n")
    key = text.split()[0]
    assert getattr(cfg.model, key) == ok


def test_a_switch_that_is_neither_true_false_nor_auto_is_one_line_naming_file_line_field():
    with pytest.raises(InputError) as e:
        parse_config('[model]\nepochs = 2\n\n[preprocess]\ncenter = "no"\n', Path("p.toml"))
    line = e.value.one_line()
    assert "p.toml" in line and ":5" in line and "preprocess.center" in line
    assert "'no' is not one of true or false or \"auto\"" in line and "\n" not in line


def test_a_recording_exactly_one_window_long_keeps_its_window_when_replayed_faster():
    rng = np.random.default_rng(1)
    rec = rng.integers(-500, 500, size=(40, 3)).astype(np.int16)
    assert len(make_windows(time_warp(rec, 1.25), 40, 40)[0]) == 0  # what it used to train on
    kept = time_warp_windows(rec, 1.25, 40)
    assert len(make_windows(kept, 40, 40)[0]) == 1
    np.testing.assert_array_equal(kept, time_warp(rec, 0.8))  # replayed slower instead
    long = rng.integers(-500, 500, size=(400, 3)).astype(np.int16)  # long ones: as before
    np.testing.assert_array_equal(time_warp_windows(long, 1.25, 40), time_warp(long, 1.25))


def _model_trained_without_centring(cfg: Config, path: Path) -> Path:
    contract = model_contract.from_config(cfg, center=False)
    path.write_bytes(model_contract.embed(BENCH_MODEL.read_bytes(), contract))
    return path


def test_auto_centring_accepts_the_models_choice_and_an_explicit_setting_must_match(cfg, tmp_path):
    model = _model_trained_without_centring(cfg, tmp_path / "m.tflite")
    contract = model_contract.read(model.read_bytes())
    assert contract["preprocess.center"] is False
    model_contract.check(contract, cfg, model_file=model)  # auto: the model's choice stands
    model_contract.check(contract, with_switches(cfg, center=False), model_file=model)
    with pytest.raises(InputError) as e:
        model_contract.check(contract, with_switches(cfg, center=True), model_file=model)
    assert e.value.field == "preprocess.center" and "trained with false" in e.value.message


HARNESS = r"""
#include <stdio.h>
#include "app_config.h"

/* stdin: windows of TFW_WINDOW_LEN * TFW_CHANNELS raw counts; stdout: tfw_preprocess of
 * each with the generated tfw_app_pre, one line per window. */
int main(void)
{
    int16_t raw[TFW_WINDOW_LEN * TFW_CHANNELS];
    int8_t out[TFW_WINDOW_LEN * TFW_CHANNELS];
    const int n = TFW_WINDOW_LEN * TFW_CHANNELS;
    int v;
    for (;;) {
        for (int i = 0; i < n; ++i) {
            if (scanf("%d", &v) != 1) return 0;
            raw[i] = (int16_t)v;
        }
        tfw_preprocess(raw, out, &tfw_app_pre);
        for (int i = 0; i < n; ++i) printf("%d%c", out[i], i + 1 == n ? '\n' : ' ');
    }
}
"""


def test_a_model_trained_without_centring_gets_firmware_preprocessing_bit_exact_with_the_host(
    cfg, tmp_path
):
    """generate puts the model's choice (center off) into app_config.c; the C preprocessing
    with those generated parameters equals the host pipeline's for windows with gravity in."""
    gcc = shutil.which("gcc")
    assert gcc, "the host gcc is needed: apt-get install -y gcc (or make setup)"
    model = _model_trained_without_centring(cfg, tmp_path / "m.tflite")
    gen = tmp_path / "generated"
    generate_project(cfg, model, gen)
    assert ".center = 0," in (gen / "app_config.c").read_text()
    (tmp_path / "main.c").write_text(HARNESS)
    exe = tmp_path / "pre"
    app = ROOT / "firmware" / "app"
    subprocess.run(
        [gcc, "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
         "-fno-sanitize-recover=all", f"-I{gen}", f"-I{app}", f"-I{ROOT / 'firmware/kernels'}",
         str(tmp_path / "main.c"), str(gen / "app_config.c"), str(app / "preprocess.c"),
         "-o", str(exe)],
        check=True,
    )
    rng = np.random.default_rng(9)
    length, channels = cfg.window.length, len(cfg.data.columns)
    gravity = rng.integers(-1000, 1000, size=(40, 1, channels))  # a posture per window
    raw = np.clip(gravity + rng.integers(-600, 600, size=(40, length, channels)), -4000, 4000)
    raw[0] = 4000  # the extremes
    raw[1] = -4000
    stdin = "\n".join(" ".join(map(str, w.ravel().tolist())) for w in raw) + "\n"
    out = subprocess.run([exe], input=stdin, capture_output=True, text=True, check=True).stdout
    firmware = np.array([line.split() for line in out.splitlines()], dtype=np.int64)
    pre, _ = model_params(Oracle(model.read_bytes()), cfg)  # the host: from the model's contract
    assert pre.center is False
    host = preprocess_window(raw.astype(np.int16), pre).reshape(len(raw), -1)
    np.testing.assert_array_equal(firmware, host)
    centred = preprocess_window(raw.astype(np.int16), replace(pre, center=True))
    assert not np.array_equal(host, centred.reshape(len(raw), -1))  # the choice mattered
