"""One schema, one entry point: the tinyfw.toml schema (tinyfw/config.py) validates the file and
writes its reference docs/CONFIG.md; `tinyfw` is the only command line, internal tools hidden."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import assert_one_line_error, run_inproc

from tinyfw import cli
from tinyfw.config import SECTIONS, parse_config, render_reference, settings
from tinyfw.errors import InputError
from tinyfw.paths import ROOT

ALL_SETTINGS = [s for sec in SECTIONS for s in settings(sec)]
RANGED = [s for s in ALL_SETTINGS if s.range is not None]
PUBLIC = ["train", "quantize", "generate", "build", "simulate", "merge-reports", "cost",
          "verify", "inspect", "renode", "bench", "crossval", "data", "init", "boards", "all",
          "diff", "report"]
HIDDEN = ["qemu", "preload", "config-reference"]


# Settings that leave the rules between settings room for any value of the one under test.
ROOM = {"window": {"length": 65536, "hop": 1}, "split": {"validation": 0.0, "test": 0.0}}


def toml_with(section: str, key: str, value: object) -> str:
    """[section] with `key = value` on line 2 (and room for it, see ROOM)."""
    lines = [f"[{section}]", f"{key} = {value!r}"]
    lines += [f"{k} = {v!r}" for k, v in ROOM.get(section, {}).items() if k != key]
    return "\n".join(lines) + "\n"


def test_the_committed_reference_is_what_the_schema_generates():
    assert (ROOT / "docs" / "CONFIG.md").read_text() == render_reference(), (
        "docs/CONFIG.md is stale: run `tinyfw config-reference --out docs/CONFIG.md`")


def test_the_hidden_config_reference_command_prints_the_reference():
    r = run_inproc(["config-reference"])
    assert r.status == 0 and r.out == render_reference()


def test_every_setting_has_a_default_of_its_type_and_a_line_of_help_in_the_reference():
    text = render_reference()
    for s in ALL_SETTINGS:
        assert s.help and "\n" not in s.help, s.name
        assert f"| `{s.key}` |" in text, s.name
    assert len(ALL_SETTINGS) == sum(len(settings(sec)) for sec in SECTIONS) > 20


@pytest.mark.parametrize("s", RANGED, ids=[s.name for s in RANGED])
def test_a_number_at_its_bounds_is_accepted_and_just_beyond_them_refused_naming_the_field(s):
    lo, hi = s.range
    for ok in (lo, hi):
        try:
            cfg = parse_config(toml_with(s.section, s.key, ok if s.type is int else float(ok)))
        except InputError as e:  # only a rule between settings may refuse a bound (split: sum)
            assert ok == hi and "out of range" not in e.message, e
            continue
        assert getattr(getattr(cfg, s.section), s.key) == ok
    step = 1 if s.type is int else max(abs(hi), 1e-9) * 1e-6
    for bad in (lo - step, hi + step):
        with pytest.raises(InputError) as e:
            parse_config(toml_with(s.section, s.key, bad))
        assert (e.value.field, e.value.line) == (s.name, 2) and "out of range" in e.value.message


@pytest.mark.parametrize("s", [s for s in ALL_SETTINGS if s.choices],
                         ids=lambda s: s.name)
def test_only_the_declared_choices_are_accepted(s):
    for c in s.choices:
        parse_config(toml_with(s.section, s.key, c))
    with pytest.raises(InputError) as e:
        parse_config(toml_with(s.section, s.key, "no-such-" + s.choices[0]))
    assert e.value.field == s.name and "not one of" in e.value.message


def test_the_command_list_shows_the_public_commands_and_hides_the_internal_tools(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    listed = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()
              if ln.startswith("    ") and not ln.startswith("     ")]
    assert listed == PUBLIC


@pytest.mark.parametrize("name", PUBLIC + HIDDEN)
def test_every_command_help_starts_with_its_summary(name, capsys):
    with pytest.raises(SystemExit):
        cli.main([name, "--help"])
    out = capsys.readouterr().out
    usage, summary = out.split("\n\n")[:2]
    assert usage.startswith(f"usage: tinyfw {name}")
    sub = next(a for a in cli.build_parser()._subparsers._group_actions).choices[name]
    assert summary == sub.description and summary.endswith(".")


def test_verify_takes_the_board_of_the_project_and_else_the_reference_board(
    tmp_path: Path, monkeypatch
):
    import tinyfw.sim.verify as V

    seen = []

    class Report:
        mismatches = 0

        def summary(self) -> str:
            return "ok"

    monkeypatch.setattr(V, "verify_model", lambda model, **kw: seen.append(kw) or Report())
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "tinyfw.toml").write_text('[board]\nid = "lm3s6965evb"\n')
    monkeypatch.chdir(proj)
    assert cli.main(["verify", "--model", "m.tflite"]) == 0
    assert cli.main(["verify", "--model", "m.tflite", "--board", "mps2_an505"]) == 0
    monkeypatch.chdir(tmp_path)
    assert cli.main(["verify", "--model", "m.tflite"]) == 0
    assert [kw["board"] for kw in seen] == ["lm3s6965evb", "mps2_an505", "mps2_an386"]
    assert seen[0]["project_root"] == proj.resolve() and seen[2]["project_root"] is None


def test_the_hidden_qemu_command_refuses_a_missing_elf_in_one_line(tmp_path: Path):
    r = run_inproc(["qemu", "mps2_an386", str(tmp_path / "none.elf")])
    assert_one_line_error(r, file=tmp_path / "none.elf", words="")
