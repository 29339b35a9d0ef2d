"""The model carries its contract: a .tflite made by `tinyfw train` holds the settings it was
trained with (classes and their order, columns, units, unit_scale, range, rate, window,
preprocessing, a hash of the data) as `tinyfw_contract` metadata; `tinyfw generate` refuses a
project file that now says otherwise (one line naming the model, the field and both values, exit
2, nothing written), and the generated folder can be checked again later."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_one_line_error, project, run_inproc

from tinyfw.config import Config, load_config
from tinyfw.errors import InputError
from tinyfw.fileio import atomic_write_bytes
from tinyfw.model import contract
from tinyfw.model.oracle import Oracle
from tinyfw.model.train import train
from tinyfw.paths import BENCH_MODEL
from tinyfw.project import generate_project

pytestmark = pytest.mark.slow

CLASSES = '["stationary", "walking", "running"]'


def variant(tmp: Path, name: str, old: str = "", new: str = "") -> Path:
    """A project folder (1 epoch, the shared recordings) whose tinyfw.toml has `old` -> `new`."""
    folder = project(tmp / name, extra='[post]\nmethod = "vote"\n')
    toml = folder / "tinyfw.toml"
    text = toml.read_text()
    assert old in text, (old, text)
    toml.write_text(text.replace(old, new, 1))
    return toml


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    """One quickly trained model (1 epoch) and the project it was trained with."""
    tmp = tmp_path_factory.mktemp("contract")
    cfg = load_config(variant(tmp, "project"))
    out = tmp / "model"
    train(cfg, cfg.data_dir(), out, log=lambda _: None)
    return cfg, out / "model_int8.tflite"


def generate(toml: Path, model: Path, out: Path):
    return run_inproc(["--project", str(toml), "generate", "--model", str(model),
                       "--out", str(out)])


def test_training_writes_the_contract_into_the_tflite_and_the_report(trained):
    cfg, model = trained
    carried = contract.read(model.read_bytes(), model_file=model)
    assert carried is not None
    assert {k: v for k, v in carried.items() if k != "data.sha256"} == contract.from_config(cfg)
    assert carried["data.classes"] == ["stationary", "walking", "running"]
    assert carried["window.hop"] == 13 and carried["data.unit_scale"] == 0.001
    assert re.fullmatch(r"[0-9a-f]{64}", carried["data.sha256"])
    report = json.loads((model.parent / "report.json").read_text())
    assert report["contract"] == carried
    assert report["contract_sha256"] == contract.sha256(carried)
    assert not [p.name for p in model.parent.iterdir() if p.name.startswith(".")]


def test_reordered_classes_make_generate_refuse_with_one_line_and_write_nothing(
    trained, tmp_path
):
    _, model = trained
    toml = variant(tmp_path, "p", CLASSES, '["walking", "stationary", "running"]')
    r = generate(toml, model, tmp_path / "generated")
    msg = assert_one_line_error(r, file=model, field="data.classes")
    assert msg == (
        f"tinyfw: error: {model}: data.classes: the model was trained with "
        '["stationary","walking","running"], tinyfw.toml now says '
        '["walking","stationary","running"]; retrain (tinyfw train) or restore the setting'
    )
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize(
    ("field", "old", "new", "words"),
    [
        ("data.unit_scale", "[window]", "unit_scale = 0.002\n[window]", ("0.001", "0.002")),
        ("window.hop", "hop = 13", "hop = 26", ("13", "26")),
        ("data.units", "[window]", 'units = "g"\n[window]', ('"mg"', '"g"')),
        ("data.columns", "[window]", 'columns = ["y", "x", "z"]\n[window]',
         ('["x","y","z"]', '["y","x","z"]')),
    ],
)
def test_a_changed_setting_the_model_depends_on_makes_generate_refuse(
    trained, tmp_path, field, old, new, words
):
    _, model = trained
    toml = variant(tmp_path, "p", old, new)
    r = generate(toml, model, tmp_path / "generated")
    assert_one_line_error(r, file=model, field=field, words=(*words, "retrain"))
    assert not (tmp_path / "generated").exists()


def test_the_unchanged_project_generates_and_records_the_models_contract(trained, tmp_path):
    cfg, model = trained
    r = generate(cfg.path, model, tmp_path / "generated")
    assert r.status == 0, r.err
    header = (tmp_path / "generated" / "app_config.h").read_text()
    sha = contract.sha256(contract.read(model.read_bytes()))
    assert f'#define TFW_CONTRACT_SHA256 "{sha}"' in header
    assert '#define TFW_CONTRACT_SOURCE "model"' in header


def test_other_data_and_post_settings_do_not_make_generate_refuse(trained, tmp_path):
    _, model = trained
    toml = variant(tmp_path, "p", 'method = "vote"', 'method = "argmax"')
    cfg = load_config(toml)
    other = dict(contract.read(model.read_bytes()), **{"data.sha256": "0" * 64})
    contract.check(other, cfg, model_file=model)  # --data elsewhere: informative only
    generate_project(cfg, model, tmp_path / "generated")


def test_a_model_without_a_contract_is_accepted_and_the_output_says_it_had_none(tmp_path):
    assert contract.read(BENCH_MODEL.read_bytes()) is None
    toml = variant(tmp_path, "p", CLASSES, '["walking", "stationary", "running"]')
    r = generate(toml, BENCH_MODEL, tmp_path / "generated")
    assert r.status == 0, r.err
    header = (tmp_path / "generated" / "app_config.h").read_text()
    assert '#define TFW_CONTRACT_SOURCE "none"' in header
    sha = contract.sha256(contract.from_config(load_config(toml)))
    assert f'#define TFW_CONTRACT_SHA256 "{sha}"' in header
    assert contract.check_generated(load_config(toml), tmp_path / "generated") is None


def test_the_contract_round_trips_through_the_tflite_deterministically(trained):
    cfg, _ = trained
    c = contract.from_config(cfg, data_sha256="ab" * 32)
    base = BENCH_MODEL.read_bytes()
    once = contract.embed(base, c)
    assert contract.embed(base, c) == once
    assert contract.read(once) == c
    assert json.loads(contract.to_json(c)) == c
    changed = dict(c, **{"window.hop": 26})
    twice = contract.embed(once, changed)
    assert contract.read(twice) == changed
    assert once.endswith(base) and (len(once) - len(base)) % 16 == 0  # alignment kept


def test_the_tflite_with_its_contract_computes_exactly_what_it_did_without(trained, tmp_path):
    cfg, _ = trained
    base = BENCH_MODEL.read_bytes()
    with_contract = contract.embed(base, contract.from_config(cfg))
    plain, carried = Oracle(base), Oracle(with_contract)
    rng = np.random.default_rng(11)
    x = rng.integers(-128, 128, size=(64, *plain.input.shape[1:]), dtype=np.int8)
    np.testing.assert_array_equal(plain.run_batch(x), carried.run_batch(x))
    # and the generated firmware is the same, but for the banners naming the model's sha256
    (tmp_path / "c.tflite").write_bytes(with_contract)
    a = generate_project(cfg, BENCH_MODEL, tmp_path / "a")
    b = generate_project(cfg, tmp_path / "c.tflite", tmp_path / "b")
    assert [op.opcode for op in a.graph.ops] == [op.opcode for op in b.graph.ops]

    def body(folder: str, name: str) -> list[str]:
        return (tmp_path / folder / name).read_text().splitlines()[2:]

    assert body("a", "model.c") == body("b", "model.c")


def test_check_generated_refuses_a_project_file_changed_after_generate(trained, tmp_path):
    cfg, model = trained
    gen = tmp_path / "generated"
    generate_project(cfg, model, gen)
    assert contract.check_generated(cfg, gen) == contract.read(model.read_bytes())
    changed = load_config(variant(tmp_path, "p", "[window]", "unit_scale = 0.002\n[window]"))
    with pytest.raises(InputError) as e:
        contract.check_generated(changed, gen)
    assert e.value.file == str(gen / "model.tflite") and e.value.field == "data.unit_scale"
    assert "\n" not in str(e.value)


def test_a_failed_model_write_leaves_the_old_file_intact_and_no_temporary_file(
    tmp_path, monkeypatch
):
    target = tmp_path / "model_int8.tflite"
    target.write_bytes(b"old model")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(InputError) as e:
        atomic_write_bytes(target, b"new model" * 1000)
    assert str(e.value).startswith(f"{target}: cannot write: No space left on device")
    assert target.read_bytes() == b"old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model_int8.tflite"]
    monkeypatch.undo()
    atomic_write_bytes(target, b"new model")
    (tmp_path / "plain").write_bytes(b"")
    assert target.read_bytes() == b"new model"
    assert target.stat().st_mode == (tmp_path / "plain").stat().st_mode  # umask, not 0600
