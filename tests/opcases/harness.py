"""Runs op-case packs through tinyfw and the TFLM oracle and reports every mismatch.

A pack (see opcases.py) is generated to C, compiled for the host with gcc + ASan/UBSan (kernels
compiled once per session into a static library), fed seeded random records, and compared byte
for byte with TFLite Micro. A mismatch names the case (seed and parameters), the output
element, the actual and expected values, and the first op whose output differs (a traced rerun
against the oracle's preserved tensors).

More seeds: TFW_OPCASE_SEEDS="50-149" (or "3,7,200-210") adds, for every pack, a pack converted
now from those case seeds (needs TensorFlow; cached under build/opcases/).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opcases import opcases
from tinyfw.codegen.generate import ModelCode, compile_model
from tinyfw.codegen.ir import Graph
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.paths import ROOT
from tinyfw.sim import verify as V
from tinyfw.sim.hostbuild import build_kernel_lib, build_verify_host

CACHE = ROOT / "build" / "opcases"
RECORDS = 32  # random input records per pack (records 0 and 1: all -128 / all 127)
SEEDS_ENV = "TFW_OPCASE_SEEDS"


@dataclass
class Pack:
    name: str
    tflite: bytes
    entry: dict[str, Any]
    origin: str  # "committed" or "generated now (seeds ...)"

    @property
    def spec(self) -> opcases.PackSpec:
        return opcases.PACKS_BY_NAME[self.name]


def committed_pack(name: str) -> Pack:
    m = opcases.load_manifest()
    entry = m["packs"].get(name)
    assert entry is not None, (
        f"pack {name} is not generated: run `python tests/opcases/opcases.py generate --pack {name}`")
    data = (opcases.DATA / entry["file"]).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == entry["sha256"], (
        f"{entry['file']} does not match its manifest sha256 ({digest[:12]} vs "
        f"{entry['sha256'][:12]}): committed op cases must not change silently")
    return Pack(name, data, entry, "committed")


def extra_seeds() -> list[int]:
    text = os.environ.get(SEEDS_ENV, "").strip()
    return opcases.parse_seeds(text) if text else []


def generated_pack(name: str, seeds: list[int]) -> Pack:
    """A pack converted now from `seeds` (cached by pack, seeds and generator version)."""
    key = hashlib.sha256(
        json.dumps([name, seeds, opcases.GENERATOR_VERSION]).encode()).hexdigest()[:16]
    CACHE.mkdir(parents=True, exist_ok=True)
    tfl, meta = CACHE / f"{name}-{key}.tflite", CACHE / f"{name}-{key}.json"
    if tfl.is_file() and meta.is_file():
        return Pack(name, tfl.read_bytes(), json.loads(meta.read_text()), f"seeds {seeds[0]}..")
    data, entry = opcases.build_pack(opcases.PACKS_BY_NAME[name], seeds, log=lambda *_: None)
    tfl.write_bytes(data)
    meta.write_text(json.dumps(entry))
    return Pack(name, data, entry, f"seeds {seeds[0]}..")


def pack_params(*names: str) -> list[tuple[str, tuple[int, ...]]]:
    """pytest params: (pack name, ()) for the committed packs, plus (name, seeds) for the
    packs TFW_OPCASE_SEEDS asks for. Load them in the test with load()."""
    out = [(n, ()) for n in names]
    seeds = tuple(extra_seeds())
    if seeds:
        out += [(n, seeds) for n in names]
    return out


def family_params(family: str) -> list[tuple[str, tuple[int, ...]]]:
    """pack_params for every pack of `family` (PackSpec.family in opcases.py): a new pack joins
    its family's host test by its PACKS entry alone."""
    names = [p.name for p in opcases.PACKS if p.family == family]
    assert names, f"no op pack has family {family!r}"
    return pack_params(*names)


def param_id(param: tuple[str, tuple[int, ...]]) -> str:
    name, seeds = param
    return name if not seeds else f"{name}-seeds{seeds[0]}-{seeds[-1]}"


def load(param: tuple[str, tuple[int, ...]]) -> Pack:
    name, seeds = param
    return committed_pack(name) if not seeds else generated_pack(name, list(seeds))


_KERNEL_LIB: dict[bool, Path] = {}


def kernel_lib(sanitize: bool = True) -> Path:
    if sanitize not in _KERNEL_LIB:
        _KERNEL_LIB[sanitize] = build_kernel_lib(CACHE / "host", sanitize=sanitize)
    return _KERNEL_LIB[sanitize]


@dataclass
class PackRun:
    pack: Pack
    graph: Graph
    code: ModelCode
    records: list[V.Record]
    expected: list[bytes]
    mismatches: list[V.Mismatch] = field(default_factory=list)
    report: str = ""
    elf: Path | None = None  # the target binary that ran (run_on_target)

    @property
    def cases(self) -> int:
        return len(self.pack.entry["cases"])


def records_seed(pack: Pack) -> int:
    return zlib.crc32(pack.name.encode()) % (2**31)


def prepare(pack: Pack, n_records: int = RECORDS) -> PackRun:
    graph = read_model(data=pack.tflite)
    code = compile_model(graph)
    records = V.random_records(graph, n_records, records_seed(pack))
    oracle = V.Oracle(pack.tflite)
    expected = [oracle.run_bytes(r, len(graph.outputs)) for r in records]
    return PackRun(pack, graph, code, records, expected)


def case_of_output(run: PackRun, output: int) -> dict[str, Any] | None:
    for c in run.pack.entry["cases"]:
        if output in c["outputs"]:
            return c
    return None


def explain(run: PackRun, got_trace: dict[tuple[int, int], bytes], m: V.Mismatch) -> str:
    oracle = V.Oracle(run.pack.tflite)
    wanted = sorted({t for low in run.code.lowered for t in low.op.outputs})
    ref = oracle.tensors(run.records[m.input], wanted)
    case = case_of_output(run, m.output)
    case_ops = None
    if case is not None:
        case_ops = set(opcases.components(run.graph).get(case["seed"], []))
    diff = V.first_differing_layer(run.graph, run.code, got_trace, ref, case_ops)
    lines = [
        (f"pack {run.pack.name} ({run.pack.origin}), record {m.input}: output {m.output} "
         f"element {m.position}: actual {m.actual} expected {m.expected} ({m.differing} "
         "elements differ)"),
        f"  case seed {case['seed'] if case else '?'}: {case['params'] if case else ''}",
    ]
    if diff is not None:
        lines.append(f"  first differing op {diff.op} {diff.opcode} ({diff.note}), tensor "
                     f"{diff.tensor} '{diff.name}' element {diff.position}: actual {diff.actual} "
                     f"expected {diff.expected} ({diff.differing} differ)")
    return "\n".join(lines)


def check_coverage(run: PackRun) -> list[str]:
    """Cases whose branch in the .tflite lacks the pack's op(s)."""
    comp = opcases.components(run.graph)
    bad = []
    for c in run.pack.entry["cases"]:
        ops = [run.graph.ops[i].opcode for i in comp.get(c["seed"], [])]
        if not opcases._covers(run.pack.spec, ops):
            bad.append(f"case seed {c['seed']} has ops {ops}, not {run.pack.spec.ops}")
    return bad


def run_on_host(pack: Pack, workdir: Path, n_records: int = RECORDS) -> PackRun:
    run = prepare(pack, n_records)
    gen = V.generate_into(run.code, Path(workdir) / "generated")
    binary = build_verify_host(gen, Path(workdir) / "verify_host", kernel_lib=kernel_lib())
    got, _ = V.run_host(run.code, run.records, workdir, binary=binary)
    run.mismatches = V.compare_outputs(run.graph, run.expected, got)
    if run.mismatches:
        reports = []
        for m in run.mismatches[:3]:
            traced, _ = V.run_host(run.code, [run.records[m.input]], workdir, trace=True,
                                   binary=binary)
            reports.append(explain(run, traced.traces.get(0, {}), m))
        run.report = "\n".join(reports)
    return run


def assert_bit_exact(run: PackRun) -> None:
    bad = check_coverage(run)
    assert not bad, "\n".join(bad)
    assert not run.mismatches, (
        f"{len(run.mismatches)} of {len(run.records)} records differ from TFLite Micro:\n"
        + run.report)


# -- on the target, under QEMU ------------------------------------------------------------------

TARGET_ENV = "TFW_OPS_TARGET"  # "all": every pack on every target board
TARGET_RECORDS = 8


def _build_target(code: ModelCode, board: str, workdir: Path, cflags: str) -> V.TargetBuild:
    """V.build_target plus extra compiler flags (e.g. -DTFW_NO_DSP)."""
    from tinyfw.sim.build import build_firmware

    if not cflags:
        return V.build_target(code, board, workdir, ROOT)
    gen = V.generate_into(code, Path(workdir) / "generated")
    trace_h = ROOT / "firmware" / "verify" / "verify_trace.h"
    r = build_firmware(ROOT, board, app="verify", generated=gen, build_dir=Path(workdir) / "pio",
                       extra_flags=f"-include {trace_h} {cflags}")
    return V.TargetBuild(board, r.elf, r.flash, r.ram_static)


def run_on_target(pack: Pack, board: str, workdir: Path,
                  n_records: int = TARGET_RECORDS, cflags: str = "") -> PackRun:
    """Build the verification app for `board` (PlatformIO; `cflags` added to the kernels' flags)
    and run it under QEMU. `workdir` may be shared by the packs of one board and flags: only the
    generated model is rebuilt. `run.elf` is the binary that ran."""
    run = prepare(pack, n_records)
    build = _build_target(run.code, board, workdir, cflags)
    run.elf = build.elf
    got = V.run_target(build, run.records, workdir, project_root=ROOT)
    run.mismatches = V.compare_outputs(run.graph, run.expected, got)
    if run.mismatches:
        reports = []
        for m in run.mismatches[:2]:
            traced = V.run_target(build, [run.records[m.input]], workdir, trace=True,
                                  project_root=ROOT)
            reports.append(f"[{board}] " + explain(run, traced.traces.get(0, {}), m))
        run.report = "\n".join(reports)
    return run


def refused_for_size(e: Exception, board: str) -> bool:
    """True if `e` is the build's one-line refusal of a verification firmware too big for a
    small board (the 16 KB of RAM of the micro:bit), naming the manifest, field and numbers;
    False for anything else (the caller re-raises)."""
    from tinyfw.errors import InputError
    from tinyfw.sim.boards import load_board
    from tinyfw.sim.build import LIMIT_FIELDS

    info = load_board(board)
    if not isinstance(e, InputError) or e.field not in LIMIT_FIELDS or info.ram_bytes > 2**16:
        return False
    line = e.one_line()
    assert line.startswith(f"{info.manifest}: {e.field}: the firmware does not fit"), line
    assert "overflowed by" in line and f"{info.ram_bytes} B RAM" in line, line
    return True


def disassembly(elf: Path, function: str) -> str:
    """The arm-none-eabi-objdump listing of one function of `elf` (also under the clone names
    link-time optimisation gives it: tfw_x.constprop.0, tfw_x.isra.0)."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True,
                         text=True, check=True).stdout
    m = re.search(rf"^[0-9a-f]+ <{function}(?:\.[a-z_]+\.\d+)*>:\n(.*?)\n\n", out,
                  re.DOTALL | re.MULTILINE)
    assert m, f"{function} is not in {elf}"
    return m.group(1)
