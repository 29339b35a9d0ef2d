"""The README's measured numbers come from `make bench`, never typed: the block between the
bench-results markers is what sim/bench_results.render_readme makes of the committed
bench/results.json, and that file holds what the code measures today (a fresh QEMU run of the
benchmark model on the Cortex-M4F gives exactly its instructions and flash: the counts are
deterministic, so a kernel or generator change without `make bench` fails here)."""

from __future__ import annotations

import json
import re

import pytest

from tinyfw.paths import ROOT
from tinyfw.sim import bench_results as BR

RESULTS = json.loads(BR.RESULTS.read_text())


def test_the_readme_block_is_rendered_from_the_committed_results():
    text = BR.README.read_text()
    assert text.count(BR.BEGIN) == 1 and text.count(BR.END) == 1
    block = text.split(BR.BEGIN, 1)[1].split(BR.END, 1)[0].strip("\n")
    assert block == BR.render_readme(RESULTS)


def test_the_readme_numbers_are_the_results_numbers():
    """Independent of render_readme: every instruction count in the results appears in the
    README, formatted as a reader sees it."""
    text = BR.README.read_text()
    for r in RESULTS["rows"]:
        if r["model"] == "benchmark":
            assert f"| {r['instructions']:,} |" in text, r
        if r["board"] == "mps2_an386":
            assert re.search(rf"\| {re.escape(r['model'])} \| {r['macs']:,} \|", text), r


def test_the_results_cover_four_model_sizes_on_every_core_bit_exact():
    rows = RESULTS["rows"]
    models = {r["model"] for r in rows}
    boards = {r["board"] for r in rows}
    assert len(models) >= 4 and {b for b, _ in BR.CORES} <= boards
    assert len(rows) == len(models) * len(boards)
    assert all(r["bit_exact"] for r in rows)
    for r in rows:
        assert 0 < r["inference_flash"] < r["flash"]
        assert (ROOT / r["file"]).is_file()
    # the same model and core give the same MACs whatever the core
    for m in models:
        assert len({r["macs"] for r in rows if r["model"] == m}) == 1


@pytest.mark.qemu
@pytest.mark.toolchain
def test_a_fresh_run_of_the_benchmark_model_reproduces_the_committed_numbers(tmp_path):
    from tinyfw.sim.bench import bench_board

    committed = next(r for r in RESULTS["rows"]
                     if r["model"] == "benchmark" and r["board"] == "mps2_an386")
    model = ROOT / committed["file"]
    BR._input_csv(model, tmp_path / "input.csv")
    r = bench_board(model, tmp_path / "input.csv", "mps2_an386", tmp_path, per_op=False)
    assert r["bit_exact"]
    fresh = {"instructions": r["instructions"], "flash": r["flash"], "arena": r["arena"],
             "inference_flash": BR.inference_flash(tmp_path / "pio" / "mps2_an386" /
                                                   "firmware.elf")}
    assert fresh == {k: committed[k] for k in fresh}, "run `make bench` and commit its results"
