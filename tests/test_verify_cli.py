"""`tinyfw verify`: proves a model on a board (QEMU) against TFLite Micro, on seeded random
inputs and recorded windows; names the first differing layer when the firmware differs; and
`tinyfw inspect` describes every model tinyfw compiles."""

from __future__ import annotations

import dataclasses
import json

import pytest
from opcases import models, opcases

from tinyfw.cli import main as tinyfw_main
from tinyfw.codegen import generate as gen
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.paths import EXAMPLE_DATA, ROOT
from tinyfw.sim import verify as V

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

DATA = EXAMPLE_DATA


def family(name: str):
    return models.DATA / f"{name}.tflite"


def corrupt_weight(opcode: str, nth: int):
    """A compile_model that flips a bit in every weight of the nth `opcode` op: the firmware
    then differs from the model the oracle runs, from that op on."""
    real = gen.compile_model

    def compile_model(graph, prefix="model"):
        ops = [op for op in graph.ops if op.opcode == opcode]
        w = graph.tensors[ops[nth].inputs[1]]
        data = bytes(b ^ 0x40 for b in w.data)
        graph.tensors[w.index] = dataclasses.replace(w, data=data)
        return real(graph, prefix)

    return compile_model


def test_tinyfw_verify_proves_a_model_bit_exact_on_random_and_recorded_inputs(tmp_path, capsys):
    report = tmp_path / "report.json"
    status = tinyfw_main(["--project", str(ROOT), "verify", "--model", str(family("conv1d")),
                          "--board", "mps2_an386", "--inputs", "12", "--seed", "4",
                          "--data", str(DATA), "--json", str(report)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "mismatches 0" in out and "PASS" in out and "instructions per inference" in out
    r = json.loads(report.read_text())
    assert r["random_inputs"] == 12 and r["recorded_inputs"] > 5000
    assert r["inputs"] == r["random_inputs"] + r["recorded_inputs"]
    assert r["mismatches"] == 0 and r["first_layer"] is None
    assert 0 < r["instructions"]["min"] <= r["instructions"]["mean"] <= r["instructions"]["max"]


def test_tinyfw_verify_names_the_first_differing_layer_and_exits_1(tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.setattr(V, "compile_model", corrupt_weight("CONV_2D", 1))
    report = tmp_path / "report.json"
    status = tinyfw_main(["verify", "--model", str(family("conv1d")), "--board",
                          "lm3s6965evb", "--inputs", "6", "--json", str(report)])
    out = capsys.readouterr().out
    assert status == 1, out
    r = json.loads(report.read_text())
    graph = read_model(family("conv1d"))
    second_conv = [op.index for op in graph.ops if op.opcode == "CONV_2D"][1]
    assert r["mismatches"] > 0 and r["first_mismatch"]["input"] >= 0
    assert r["first_layer"]["op"] == second_conv and r["first_layer"]["opcode"] == "CONV_2D"
    assert f"first differing layer: op {second_conv} CONV_2D" in out and "FAIL" in out


def test_the_first_differing_layer_is_found_on_the_host_too(tmp_path):
    graph = read_model(family("resnet"))
    good = gen.compile_model(read_model(family("resnet")))
    bad = corrupt_weight("FULLY_CONNECTED", 0)(graph)
    records = V.random_records(graph, 4, 2)
    oracle = V.Oracle(graph.raw)
    got, _ = V.run_host(bad, records[2:3], tmp_path, trace=True)
    wanted = sorted({t for low in good.lowered for t in low.op.outputs})
    diff = V.first_differing_layer(graph, bad, got.traces[0], oracle.tensors(records[2], wanted))
    fc = next(op.index for op in graph.ops if op.opcode == "FULLY_CONNECTED")
    assert diff is not None and diff.op == fc and diff.differing > 0


@pytest.mark.parametrize("path", [family(f.name) for f in models.FAMILIES]
                         + [opcases.DATA / f"{p.name}.tflite" for p in opcases.PACKS],
                         ids=lambda p: p.stem)
def test_tinyfw_inspect_describes_every_op_of_a_compilable_model(path, capsys):
    assert tinyfw_main(["inspect", "--json", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["unsupported"] is None
    assert len(info["ops"]) == len(read_model(path).ops)
    assert all(op["kernel"] for op in info["ops"])
    assert info["arena_bytes"] > 0
    assert tinyfw_main(["inspect", str(path)]) == 0
    assert "planned arena" in capsys.readouterr().out


def test_verify_and_bench_count_the_same_inference_alike(tmp_path, capsys):
    """Two firmwares (the verification app, the bench app) run the same generated benchmark
    model on the same board: their instruction counts agree (both convert ticks with the one
    ICOUNT_SHIFT; verify once used 6 while QEMU ran at 8 and reported 4x the count)."""
    from tinyfw.paths import BENCH_MODEL

    rv, rb = tmp_path / "verify.json", tmp_path / "bench.json"
    assert tinyfw_main(["--project", str(ROOT), "verify", "--model", str(BENCH_MODEL),
                        "--board", "mps2_an386", "--inputs", "4", "--json", str(rv)]) == 0
    assert tinyfw_main(["--project", str(ROOT), "bench", "--board", "mps2_an386", "--no-per-op",
                        "--work", str(tmp_path / "bench"), "--json", str(rb)]) == 0
    capsys.readouterr()
    verify = json.loads(rv.read_text())["instructions"]
    bench = json.loads(rb.read_text())["tinyfw"][0]["instructions"]
    assert abs(verify["mean"] - bench) < 0.02 * bench, (verify, bench)
