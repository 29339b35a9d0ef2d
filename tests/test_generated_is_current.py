"""firmware/generated (committed so that `pio run` works on a fresh clone) is exactly what
`tinyfw generate` makes today from the model it embeds and the project's tinyfw.toml: a change
to the generator, the kernels' parameter blocks or the settings cannot leave it stale."""

from __future__ import annotations

from tinyfw.codegen import emit
from tinyfw.codegen.project import generate_project
from tinyfw.config import load_config
from tinyfw.paths import ROOT
from tinyfw.sim.simulate import embedded_model

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
        assert emit.check_generated(path.read_text(encoding="utf-8")) is None, path.name
