"""Fit before you flash: a model that cannot fit the board of tinyfw.toml is refused by
`generate` (and `build`) in one line with the numbers, before anything is written; `tinyfw cost`
turns the manifests' datasheet currents into energy per inference and battery life."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import assert_one_line_error, run_inproc

from tinyfw.errors import InputError
from tinyfw.paths import ROOT
from tinyfw.sim.boards import board_from_dict, list_boards, load_board
from tinyfw.sim.cost import BoardCost, add_energy
from tinyfw.sim.fit import check_model_fits


def project_on(tmp: Path, board: str, **upload: int) -> Path:
    """A copy of this project whose tinyfw.toml targets `board`, with its manifest's upload
    limits changed."""
    root = tmp / "project"
    (root / "boards").mkdir(parents=True)
    text = (ROOT / "tinyfw.toml").read_text()
    text = text.replace('dir = "data/st-har"', f'dir = "{ROOT / "data" / "st-har"}"')
    text = re.sub(r'(?m)^id = "\w+"', f'id = "{board}"', text)
    (root / "tinyfw.toml").write_text(text)
    for manifest in (ROOT / "boards").glob("*.json"):
        shutil.copy(manifest, root / "boards")
    data = json.loads((root / "boards" / f"{board}.json").read_text())
    data["upload"].update(upload)
    (root / "boards" / f"{board}.json").write_text(json.dumps(data))
    return root


def test_generate_refuses_a_model_whose_arena_and_stacks_exceed_the_board_ram(
    tmp_path, project_model
):
    mb = load_board("microbit")
    desc = json.loads((ROOT / "firmware" / "generated" / "model.json").read_text())
    need = desc["arena_bytes"] + mb.stack_bytes + mb.handler_stack_bytes  # no trace region
    root = project_on(tmp_path, "microbit", maximum_ram_size=need - 8)
    out = tmp_path / "generated"
    r = run_inproc(["--project", str(root), "generate", "--model", str(project_model),
                    "--out", str(out)])
    msg = assert_one_line_error(r, file=root / "boards" / "microbit.json",
                                field="upload.maximum_ram_size")
    assert f"needs at least {need} B of RAM" in msg and f"the board has {need - 8} B" in msg
    assert f"arena {desc['arena_bytes']} B" in msg
    assert not out.exists()  # nothing half-written


def test_the_demo_model_fits_the_16_kb_micro_bit(tmp_path, project_model):
    root = project_on(tmp_path, "microbit")
    r = run_inproc(["--project", str(root), "generate", "--model", str(project_model),
                    "--out", str(tmp_path / "generated")])
    assert r.status == 0, r.err
    assert (tmp_path / "generated" / "model.json").is_file()


def test_a_model_whose_constants_exceed_the_flash_names_the_flash_field():
    info = load_board("microbit")
    with pytest.raises(InputError) as e:
        check_model_fits(info, 100, info.flash_bytes + 1)
    assert e.value.field == "upload.maximum_size"
    assert f"{info.flash_bytes + 1} B, the board has {info.flash_bytes} B" in str(e.value)


def test_energy_battery_life_follow_from_the_datasheet_currents():
    """10 mA at 3.3 V for 2 ms = 66 uJ; duty 1 % between 10 mA and 9 uA averages
    0.009 + 9.991 * 0.01 = 0.10891 mA; 1000 mAh / 0.10891 mA = 9181.9 h = 382.6 days."""
    power = load_board("nucleo_f411re").power
    assert power is not None and (power.run_ma, power.sleep_ma, power.voltage_v,
                                  power.battery_mah) == (10.0, 0.009, 3.3, 1000)
    cost = BoardCost("nucleo_f411re", "", 0, 0, 0, 0, 0, True, 200_000, 100_000_000, 2.0,
                     5.0, 0.01, "estimated")
    add_energy(cost, power)
    assert cost.energy_uj_per_inference_min == pytest.approx(66.0)
    assert cost.average_current_ma_min == pytest.approx(0.10891)
    assert cost.battery_life_days_max == pytest.approx(382.58, abs=0.01)
    assert "battery <= 383 days" in cost.line() and "66 uJ/inference" in cost.line()


def test_every_real_board_and_the_micro_bit_state_their_power_figures_with_a_source():
    for b in list_boards(ROOT):
        if b.qemu_machine is None or b.id == "microbit":
            assert b.power is not None, b.id
            assert "datasheet" in b.power.source.lower() or "specification" in \
                b.power.source.lower(), b.id
            assert "Estimates" in b.power.source and 0 <= b.power.sleep_ma < b.power.run_ma


def test_a_power_figure_that_is_not_a_number_names_the_field(tmp_path):
    data = json.loads((ROOT / "boards" / "nucleo_f411re.json").read_text())
    data["tinyfw"]["power"]["run_ma"] = "ten"
    with pytest.raises(InputError) as e:
        board_from_dict(data, tmp_path / "nucleo_f411re.json")
    assert e.value.field == "tinyfw.power.run_ma"
