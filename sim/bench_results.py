"""`make bench`'s committed results (bench/results.json) and the README block made from them.

`tinyfw bench --results` runs four model sizes on every core (the benchmark model, the demo
model of firmware/generated, and two scaling variants in bench/scaling/: double filters and a
104-sample window), each once on a seeded random input, its output checked against the TFLM
oracle, and records instructions per inference and per MAC, ELF flash and inference flash
(the kernels' and the model's own symbols in flash: tfw_* and model_* functions and constants).
It writes bench/results.json and rewrites the README block between the markers below from it,
so the README's numbers are never typed. tests/test_bench_results.py checks the README block is
what render_readme makes of the committed JSON, and (under QEMU) that a fresh run of the
benchmark model on the Cortex-M4F reproduces the committed numbers exactly (the counts are
deterministic), so the JSON cannot silently go stale when a kernel changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw.codegen.tflite_reader import read_model
from tinyfw.errors import RunFailed
from tinyfw.fileio import atomic_write_text
from tinyfw.paths import BENCH, BENCH_MODEL, ROOT
from tinyfw.sim.bench import bench_board

RESULTS = BENCH / "results.json"
README = ROOT / "README.md"
BEGIN = "<!-- bench-results:begin: made by `make bench` from bench/results.json; do not edit -->"
END = "<!-- bench-results:end -->"
CORES = [  # board, core
    ("mps2_an386", "M4F"),
    ("mps2_an500", "M7"),
    ("mps2_an505", "M33"),
    ("lm3s6965evb", "M3"),
]
MODELS = [  # label, path relative to the checkout
    ("benchmark", BENCH_MODEL.relative_to(ROOT)),
    ("demo", Path("firmware/generated/model.tflite")),
    ("filters x2", Path("bench/scaling/har_filters2x_int8.tflite")),
    ("window 104", Path("bench/scaling/har_window104_int8.tflite")),
]
SEED = 3


def _input_csv(model: Path, path: Path) -> None:
    graph = read_model(model)
    inp = graph.tensors[graph.inputs[0]]
    x = np.random.default_rng(SEED).integers(-128, 128, inp.numel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(str(int(v)) for v in x) + "\n")


def inference_flash(elf: Path) -> int:
    """Bytes of tfw_* and model_* functions and constants in flash (not the RAM arena)."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    total = 0
    with elf.open("rb") as fh:
        f = ELFFile(fh)
        symtab = f.get_section_by_name(".symtab")
        if not isinstance(symtab, SymbolTableSection):
            raise RunFailed(f"{elf}: no symbol table")
        for sym in symtab.iter_symbols():
            if not sym.name.startswith(("tfw_", "model_")) or sym["st_size"] == 0:
                continue
            if sym["st_info"]["type"] not in ("STT_FUNC", "STT_OBJECT"):
                continue
            if not isinstance(sym["st_shndx"], int):
                continue
            sec = f.get_section(sym["st_shndx"])
            if sec["sh_type"] == "SHT_NOBITS" or sec["sh_flags"] & 1:  # .bss / writable data
                continue
            total += sym["st_size"]
    return total


def run_results(work: Path) -> dict[str, Any]:
    rows = []
    for label, rel in MODELS:
        model = ROOT / rel
        for board, core in CORES:
            w = work / "results" / label.replace(" ", "_") / board
            _input_csv(model, w / "input.csv")
            r = bench_board(model, w / "input.csv", board, w, per_op=False)
            if not r["bit_exact"]:
                raise RunFailed(f"{rel} on {board}: output {r['outputs']} is not TFLM's "
                                f"{r['oracle_outputs']}")
            rows.append({
                "model": label, "file": str(rel), "board": board, "core": core,
                "macs": r["macs"], "instructions": r["instructions"], "flash": r["flash"],
                "inference_flash": inference_flash(w / "pio" / board / "firmware.elf"),
                "static_ram": r["static_ram"], "arena": r["arena"], "stack": r["stack"],
                "bit_exact": r["bit_exact"],
            })
    return {"made_by": "make bench (tinyfw bench --results)", "input_seed": SEED, "rows": rows}


def render_readme(results: dict[str, Any]) -> str:
    """The README block (between BEGIN and END, markers excluded)."""
    rows = results["rows"]
    by = {(r["model"], r["board"]): r for r in rows}
    lines = [
        ("tinyfw on the benchmark model, every core (exact QEMU instruction counts, outputs "
        "bit-exact with TFLM):"),
        "",
        ("| core (board) | instructions / inference | instructions / MAC | ELF flash B | "
        "inference flash B | static RAM B | stack B |"),
        "|---|---|---|---|---|---|---|",
    ]
    for board, core in CORES:
        r = by[("benchmark", board)]
        lines.append(f"| {core} (`{board}`) | {r['instructions']:,} | "
                     f"{r['instructions'] / r['macs']:.2f} | {r['flash']:,} | "
                     f"{r['inference_flash']:,} | {r['static_ram']:,} | {r['stack']:,} |")
    lines += [
        "",
        ("Scaling: instructions per MAC and inference flash (tfw_* and model_* code and constants, "
        "B) for four model sizes (bench/scaling/make_models.py made the last two):"),
        "",
        "| model | MACs | " + " | ".join(f"{core} instr/MAC" for _, core in CORES)
        + " | M4F instructions | inference flash B (M4F) |",
        "|---|---|" + "---|" * len(CORES) + "---|---|",
    ]
    for label, _ in MODELS:
        m4 = by[(label, CORES[0][0])]
        cells = " | ".join(f"{by[(label, b)]['instructions'] / by[(label, b)]['macs']:.2f}"
                           for b, _ in CORES)
        lines.append(f"| {label} | {m4['macs']:,} | {cells} | {m4['instructions']:,} | "
                     f"{m4['inference_flash']:,} |")
    return "\n".join(lines)


def update_readme(readme: Path, results: dict[str, Any]) -> None:
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise RunFailed(f"{readme}: no {BEGIN!r} ... {END!r} block to fill")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    atomic_write_text(readme, f"{head}{BEGIN}\n{render_readme(results)}\n{END}{tail}")


def run_bench_results(work: Path) -> int:
    results = run_results(work)
    atomic_write_text(RESULTS, json.dumps(results, indent=1) + "\n")
    update_readme(README, results)
    print(render_readme(results))
    print(f"wrote {RESULTS.relative_to(ROOT)} and the README block")
    return 0
