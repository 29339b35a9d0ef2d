"""firmware/generated (committed so that `pio run` works on a fresh clone) is exactly what
`tinyfw generate` makes today from the model it embeds and the project's tinyfw.toml: a change
to the generator, the kernels' parameter blocks or the settings cannot leave it stale."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from tinyfw.codegen.generate import check_generated_file, embedded_model, read_generated
from tinyfw.config import load_config
from tinyfw.errors import InputError
from tinyfw.paths import ROOT
from tinyfw.project import generate_project

GENERATED = ROOT / "firmware" / "generated"


def test_the_committed_generated_folder_is_what_generate_makes_today(tmp_path):
    cfg = load_config(ROOT / "tinyfw.toml")
    model = tmp_path / "model_int8.tflite"
    model.write_bytes(embedded_model(GENERATED))
    fresh = tmp_path / "generated"
    generate_project(cfg, model, fresh)
    committed = {p.name: p.read_bytes() for p in GENERATED.iterdir()}
    regenerated = {p.name: p.read_bytes() for p in fresh.iterdir()}
    assert sorted(committed) == sorted(regenerated)
    stale = [name for name in sorted(committed) if committed[name] != regenerated[name]]
    assert stale == [], f"run `tinyfw generate --model <the model>`: stale {stale}"


def test_every_committed_generated_file_is_unedited():
    for path in sorted(GENERATED.iterdir()):
        assert check_generated_file(path.name, path) is None, path.name


def test_the_generated_description_names_the_model_and_the_plan_the_c_was_made_from():
    """Later steps read model.json and model.tflite, never the C: they must agree with it."""
    g = read_generated(GENERATED)
    assert hashlib.sha256(g.tflite).hexdigest() == g.sha256
    assert f'#define MODEL_SHA256_PREFIX "{g.sha256[:12]}"' in (GENERATED / "model.h").read_text()
    assert f"#define MODEL_ARENA_SIZE {g.arena_bytes}" in (GENERATED / "model.h").read_text()
    assert len(g.description["ops"]) == 11


def test_an_edited_generated_model_or_description_is_refused_by_name(tmp_path):
    gen = tmp_path / "generated"
    shutil.copytree(GENERATED, gen)
    tfl = gen / "model.tflite"
    tfl.write_bytes(tfl.read_bytes()[:-1] + b"\x00")
    with pytest.raises(InputError) as e:
        read_generated(gen)
    assert e.value.file == str(tfl) and "edited by hand" in str(e.value)
    shutil.copy2(GENERATED / "model.tflite", tfl)
    desc = gen / "model.json"
    text = desc.read_text()
    edited = text.replace('"arena_bytes": ', '"arena_bytes": 9', 1)  # 552 -> 9552
    assert edited != text
    desc.write_text(edited)
    with pytest.raises(InputError) as e:
        read_generated(gen)
    assert e.value.file == str(desc) and "edited by hand" in str(e.value)
