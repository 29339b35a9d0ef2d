"""`tinyfw simulate --shard i/N` and `tinyfw merge-reports`: CI jobs split the recordings, one
job merges their reports into one verdict."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict

import pytest

from tinyfw.cli import main
from tinyfw.errors import InputError
from tinyfw.sim.shards import Shard, parse_shard
from tinyfw.sim.simulate import simulate

BOARD = "mps2_an386"


def test_every_recording_is_in_exactly_one_shard_and_shards_differ_by_at_most_one():
    for n_items in range(23):
        items = [f"rec{i}" for i in range(n_items)]
        for count in range(1, 8):
            parts = [Shard(i, count).select(items) for i in range(1, count + 1)]
            flat = [x for p in parts for x in p]
            assert sorted(flat) == sorted(items)
            assert len(flat) == len(set(flat))
            sizes = [len(p) for p in parts]
            assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "2", "1/2/3", ""])
def test_a_bad_shard_is_refused_in_one_line(text, capsys):
    with pytest.raises(InputError):
        parse_shard(text)
    with pytest.raises(SystemExit) as e:
        main(["simulate", "--shard", text])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--shard" in err[-1] and "i/N" in err[-1]


@pytest.fixture(scope="module")
def sharded(cfg, project_firmware, tmp_path_factory):
    """A 7-recording data folder simulated whole and as 3 shards, each with a JSON report."""
    work, gen, _ = project_firmware
    tmp = tmp_path_factory.mktemp("shards")
    data = tmp / "data"
    for k, cls in enumerate(cfg.data.classes):
        (data / cls).mkdir(parents=True)
        for src in sorted((cfg.data_dir() / cls).glob("*.csv"))[: 2 + (k == 0)]:
            shutil.copy(src, data / cls / src.name)

    def run(shard: Shard | None, name: str):
        return simulate(cfg, board=BOARD, data_dir=data, gen_dir=gen, build_dir=work / "pio",
                        build=False, json_path=tmp / name, shard=shard, jobs=1)

    whole = run(None, "whole.json")
    parts = [run(Shard(i, 3), f"shard{i}.json") for i in (1, 2, 3)]
    return tmp, whole, parts


def _without_wall(r):
    d = asdict(r)
    d.pop("wall_s")
    return d


@pytest.mark.qemu
@pytest.mark.toolchain
def test_the_shards_together_are_the_unsharded_run(sharded):
    _, whole, parts = sharded
    assert len(whole.recordings) == 7
    assert [len(p.recordings) for p in parts] == [3, 2, 2]
    by_name = {r.name: _without_wall(r) for p in parts for r in p.recordings}
    assert len(by_name) == 7
    assert by_name == {r.name: _without_wall(r) for r in whole.recordings}
    assert sum(p.windows for p in parts) == whole.windows > 0


@pytest.mark.qemu
@pytest.mark.toolchain
def test_merge_reports_gives_the_verdict_of_the_unsharded_run(sharded, capsys):
    tmp, whole, _ = sharded
    out = tmp / "merged.json"
    shards = [str(tmp / f"shard{i}.json") for i in (3, 1, 2)]
    assert main(["merge-reports", *shards, "--json", str(out)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "PASS"
    merged = json.loads(out.read_text())
    assert merged["ok"] is True
    (board,) = merged["boards"]
    assert board["board"] == BOARD and board["shards"] == 3 and board["missing_shards"] == []
    assert board["windows"] == whole.windows
    assert board["equivalent_windows"] == whole.equivalent_windows
    assert board["firmware_accuracy"] == round(whole.firmware_accuracy, 6)
    assert sorted(r["name"] for r in board["recordings"]) == sorted(
        r.name for r in whole.recordings)


@pytest.mark.qemu
@pytest.mark.toolchain
def test_merge_reports_fails_when_a_shard_failed_or_is_missing(sharded, capsys):
    tmp, _, _ = sharded
    d = json.loads((tmp / "shard2.json").read_text())
    d["recordings"][0]["exit_code"] = 73
    d["recordings"][0]["first_mismatch"] = "firmware fault: usagefault"
    (tmp / "bad2.json").write_text(json.dumps(d))
    assert main(["merge-reports", str(tmp / "shard1.json"), str(tmp / "bad2.json"),
                 str(tmp / "shard3.json")]) == 1
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "FAIL" and "usagefault" in out
    assert main(["merge-reports", str(tmp / "shard1.json"), str(tmp / "shard3.json")]) == 1
    out = capsys.readouterr().out
    assert "MISSING shard 2/3" in out and out.strip().endswith("FAIL")


@pytest.mark.qemu
@pytest.mark.toolchain
@pytest.mark.parametrize("field, value", [
    ("model_sha256", "0" * 64),
    ("firmware_sha256", "f" * 64),
    ("shard", "1/3"),  # the same shard twice
    ("recordings_total", 99),
])
def test_merge_reports_refuses_reports_that_do_not_belong_together(sharded, capsys, field,
                                                                   value):
    tmp, _, _ = sharded
    d = json.loads((tmp / "shard2.json").read_text())
    d[field] = value
    odd = tmp / f"odd-{field}.json"
    odd.write_text(json.dumps(d))
    out = tmp / f"never-{field}.json"
    status = main(["merge-reports", str(tmp / "shard1.json"), str(odd),
                   str(tmp / "shard3.json"), "--json", str(out)])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(odd) in err[0] and field in err[0]
    assert not out.exists()


def test_merge_reports_names_a_file_that_is_not_a_report(tmp_path, capsys):
    bad = tmp_path / "notes.json"
    bad.write_text("[1, 2")
    assert main(["merge-reports", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0]
    bad.write_text('{"board": "mps2_an386"}')
    assert main(["merge-reports", str(bad)]) == 2
    assert "model_sha256" in capsys.readouterr().err
