"""Models tinyfw cannot compile are refused before any file is written, with one line that
names the op or tensor and says what to change (tests/opcases/rejects.py builds them)."""

from __future__ import annotations

import json

import pytest
from opcases import rejects

from tinyfw.cli import main as tinyfw_main
from tinyfw.codegen.generate import generate
from tinyfw.errors import InputError
from tinyfw.paths import ROOT

EXPECTED = {
    "unsupported_op": ["op 1 ABS", "is not supported by tinyfw", "replace it"],
    "float": ["op 0 FULLY_CONNECTED", "float model",
              "re-convert with full int8: representative_dataset + TFLITE_BUILTINS_INT8"],
    "hybrid": ["op 0 FULLY_CONNECTED", "hybrid", "int8 weights",
               "re-convert with full int8: representative_dataset + TFLITE_BUILTINS_INT8"],
    "int16": ["int16", "16x8", "re-convert with int8 activations"],
    "dynamic_length": ["tensor 0", "dynamic shape", "only the batch", "batch_size=1"],
    "multi_subgraph": ["subgraphs", "2 subgraphs", "single-subgraph"],
}


def model(name: str):
    path = rejects.DATA / f"{name}.tflite"
    assert path.is_file(), "run `python tests/opcases/rejects.py generate`"
    return path


@pytest.mark.parametrize("name", rejects.NAMES)
def test_an_unsupported_model_is_refused_before_any_file_is_written(name, tmp_path):
    out = tmp_path / "generated"
    with pytest.raises(InputError) as e:
        generate(model(name), out)
    line = e.value.one_line()
    assert "\n" not in str(e.value)
    assert str(model(name)) in line
    for fragment in EXPECTED[name]:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", rejects.NAMES)
def test_the_cli_prints_one_error_line_and_exits_2_for_an_unsupported_model(name, tmp_path,
                                                                          capsys):
    out = tmp_path / "generated"
    status = tinyfw_main(["--project", str(ROOT), "generate", "--model", str(model(name)),
                          "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and err[0].startswith("tinyfw: error: "), err
    assert not out.exists()


def test_tinyfw_verify_refuses_an_unsupported_model_before_building(tmp_path, capsys):
    status = tinyfw_main(["verify", "--model", str(model("hybrid")), "--board", "mps2_an386",
                          "--inputs", "3", "--json", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert status == 2 and "hybrid" in err and not (tmp_path / "r.json").exists()


def test_the_reject_models_match_their_manifest():
    import hashlib

    m = json.loads(rejects.MANIFEST.read_text())
    for name in rejects.NAMES:
        assert hashlib.sha256(model(name).read_bytes()).hexdigest() == m[name]["sha256"]
