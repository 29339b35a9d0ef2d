"""`tinyfw verify`: prove a model bit-exact on a board against TensorFlow Lite Micro.

verify_model() generates the model's C code, builds the verification app (firmware/verify/) for
the board with PlatformIO, runs N seeded random inputs (plus recorded windows with --data)
through the firmware under QEMU and through the TFLM oracle (the `tflite-micro` package; never
LiteRT's XNNPACK path), and compares every output byte. On a mismatch it reruns that input with
tracing on (the firmware prints every op's output tensor) and compares each intermediate with
the oracle's preserved tensors (InterpreterConfig.kPreserveAllTensors) to name the first op
whose output differs. With `-icount` QEMU's board timer counts instructions exactly, so the
report also gives instructions per inference.

The same pieces run on the host (gcc + sanitizers, sim/hostbuild.py) for the op tests:
random_records / Oracle / run_host / compare_outputs / first_differing_layer.

Records: one record is the concatenation of all model inputs' bytes (int8, or float32 little
endian for a float boundary input); the app prints `out <i> <hex of all outputs>`,
`ticks <i> <n>`, with tracing `trace <i> <op> <tensor> <hex>`, and `done <n>`.

Recorded windows (--data DIR): the project's recordings (tinyfw.toml [data]) are cut into
sliding windows of the model's input length (input elements / channels) with the project's hop,
and quantized from raw counts exactly as the firmware's preprocessing does
(model/preprocess.py, centering included); a float32 model input gets model.preprocess's
float_window instead.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw.codegen.generate import ModelCode, compile_model, write_generated
from tinyfw.codegen.ir import Graph, Tensor
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.errors import InputError, RunFailed
from tinyfw.fileio import atomic_write_bytes, atomic_write_text, check_output_file
from tinyfw.model.oracle import GraphOracle, Record
from tinyfw.sim import protocol

# The oracle of verification: TFLM over any model (model/oracle.py holds the one wrapper).
Oracle = GraphOracle

_NP = {"int8": np.int8, "float32": np.float32, "int16": np.int16, "int32": np.int32,
       "uint8": np.uint8}


# -- model I/O ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorIO:
    """One model input or output as the verification app sees it."""

    index: int
    name: str
    dtype: str  # "int8" or "float32"
    shape: tuple[int, ...]
    scale: float  # quantization of the int8 tensor (for float inputs: the QUANTIZE's output)
    zero_point: int

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * np.dtype(_NP[self.dtype]).itemsize


def _io(graph: Graph, t: Tensor) -> TensorIO:
    q = t
    if t.quant is None:  # float boundary: the quantization is on the QUANTIZE's output
        for op in graph.ops:
            if t.index in op.inputs and op.opcode == "QUANTIZE":
                q = graph.tensors[op.outputs[0]]
                break
            if t.index in op.outputs and op.opcode == "DEQUANTIZE":
                q = graph.tensors[op.inputs[0]]
                break
    scale = q.scale if q.quant is not None else 1.0
    zp = q.zero_point if q.quant is not None else 0
    return TensorIO(t.index, t.name, t.dtype, tuple(t.shape), float(scale), int(zp))


def model_inputs(graph: Graph) -> list[TensorIO]:
    return [_io(graph, graph.tensors[i]) for i in graph.inputs]


def model_outputs(graph: Graph) -> list[TensorIO]:
    return [_io(graph, graph.tensors[i]) for i in graph.outputs]




def random_records(graph: Graph, n: int, seed: int) -> list[Record]:
    """n seeded random records. int8 inputs: uniform over all 256 values (record 0 is all
    -128, record 1 all 127 when n > 2). float32 inputs: uniform over the QUANTIZE's range
    widened by 10 % (so saturation is exercised), a quarter of the values placed exactly on
    rounding ties (k + 0.5) * scale."""
    rng = np.random.default_rng(seed)
    records: list[Record] = []
    ios = model_inputs(graph)
    for r in range(n):
        rec: Record = []
        for io in ios:
            if io.dtype == "int8":
                if n > 2 and r == 0:
                    a = np.full(io.shape, -128, np.int8)
                elif n > 2 and r == 1:
                    a = np.full(io.shape, 127, np.int8)
                else:
                    a = rng.integers(-128, 128, io.shape, dtype=np.int8)
            elif io.dtype == "float32":
                lo = io.scale * (-128 - io.zero_point)
                hi = io.scale * (127 - io.zero_point)
                span = hi - lo
                a = rng.uniform(lo - 0.1 * span, hi + 0.1 * span, io.shape)
                ties = (rng.integers(-140, 140, io.shape) + 0.5) * io.scale
                a = np.where(rng.random(io.shape) < 0.25, ties, a).astype(np.float32)
            else:
                raise InputError(f"model input {io.name!r} is {io.dtype}; tinyfw verifies int8 "
                                 "or float32 inputs")
            rec.append(a)
        records.append(rec)
    return records


def record_bytes(records: list[Record]) -> bytes:
    return b"".join(a.astype(a.dtype.newbyteorder("<")).tobytes() for rec in records for a in rec)


# -- recorded windows --------------------------------------------------------------------------


def recorded_records(graph: Graph, data_dir: Path, project_root: Path | None) -> tuple[
        list[Record], list[str]]:
    """Sliding windows of the project's recordings, preprocessed as the firmware does.

    Returns the records and a label per record ("<file>@<start sample>")."""
    from tinyfw.config import find_project, load_config
    from tinyfw.model.data import load_dataset
    from tinyfw.model.preprocess import PreprocessParams, float_window, preprocess_window
    from tinyfw.model.windows import window_starts

    ios = model_inputs(graph)
    if len(ios) != 1:
        raise InputError("--data needs a model with one input", file=graph.where)
    io = ios[0]
    root = project_root if project_root is not None else find_project()
    if root is None:
        raise InputError("--data needs a tinyfw project (tinyfw.toml) for the data format: "
                         "run inside the project or pass --project")
    toml = root / "tinyfw.toml" if Path(root).is_dir() else Path(root)
    cfg = load_config(toml)
    channels = len(cfg.data.columns)
    numel = math.prod(io.shape)
    if numel % channels:
        raise InputError(f"model input {io.shape} is not a whole number of {channels}-channel "
                         "frames", file=graph.where)
    length = numel // channels
    recordings = load_dataset(Path(data_dir), cfg)
    records: list[Record] = []
    labels: list[str] = []
    params = None
    if io.dtype == "int8":
        params = PreprocessParams.from_quantization(
            unit_scale=cfg.data.unit_scale, input_scale=io.scale, input_zero_point=io.zero_point,
            length=length, channels=channels, center=True)
    for rec in recordings:
        samples = np.asarray(rec.samples)
        for s in window_starts(len(samples), length, cfg.window.hop):
            raw = samples[int(s): int(s) + length]
            if params is not None:
                x = preprocess_window(raw, params)
            else:
                x = float_window(raw, cfg.data.unit_scale, True)
            records.append([x.reshape(io.shape)])
            labels.append(f"{Path(rec.path).name}@{int(s)}")
    return records, labels


# -- the oracle --------------------------------------------------------------------------------


# -- running the verification app --------------------------------------------------------------


@dataclass
class AppOutput:
    """What the verification app printed."""

    outs: dict[int, bytes] = field(default_factory=dict)
    traces: dict[int, dict[tuple[int, int], bytes]] = field(default_factory=dict)
    ticks: dict[int, int] = field(default_factory=dict)
    done: int | None = None
    errors: list[str] = field(default_factory=list)


def parse_app_lines(lines: list[str]) -> AppOutput:
    """The verification app's lines (sim/protocol.py) gathered by record."""
    o = AppOutput()
    for line in protocol.parse(lines):
        if isinstance(line, protocol.VerifyOut):
            o.outs[line.record] = line.data
        elif isinstance(line, protocol.VerifyTrace):
            o.traces.setdefault(line.record, {})[(line.op, line.tensor)] = line.data
        elif isinstance(line, protocol.VerifyTicks):
            o.ticks[line.record] = line.ticks
        elif isinstance(line, protocol.Done):
            o.done = line.status
        elif isinstance(line, protocol.VerifyError):
            o.errors.append(protocol.render(line))
    return o


def generate_into(code: ModelCode, out_dir: Path) -> Path:
    write_generated(out_dir, code.files, force=True)
    return out_dir


def run_host(code: ModelCode, records: list[Record], workdir: Path, *, trace: bool = False,
             binary: Path | None = None, sanitize: bool = True) -> tuple[AppOutput, Path]:
    """Build (unless `binary` is given) and run the host verification app."""
    from tinyfw.sim.hostbuild import build_verify_host, run_verify_host

    workdir = Path(workdir)
    if binary is None:
        gen = generate_into(code, workdir / "generated")
        binary = build_verify_host(gen, workdir / "verify_host", sanitize=sanitize)
    lines = run_verify_host(binary, record_bytes(records), trace=trace)
    return parse_app_lines(lines), binary


@dataclass
class TargetBuild:
    board: str
    elf: Path
    flash: int
    ram_static: int


def build_target(code: ModelCode, board: str, workdir: Path, project_root: Path) -> TargetBuild:
    """Generate into workdir/generated and build the verification app for `board` in
    workdir/pio. Reusing a workdir for several models rebuilds only the generated code."""
    from tinyfw.sim.build import build_firmware

    workdir = Path(workdir)
    gen = generate_into(code, workdir / "generated")
    trace_h = Path(project_root) / "firmware" / "verify" / "verify_trace.h"
    r = build_firmware(Path(project_root), board, app="verify", generated=gen,
                       build_dir=workdir / "pio", extra_flags=f"-include {trace_h}")
    return TargetBuild(board, r.elf, r.flash, r.ram_static)


def run_target(build: TargetBuild, records: list[Record], workdir: Path, *,
               trace: bool = False, timeout_s: float | None = None,
               project_root: Path | None = None) -> AppOutput:
    """Run the verification ELF in QEMU on `records` (a file read through semihosting)."""
    from tinyfw.sim.qemu import run_elf

    workdir = Path(workdir)
    name = "records_trace.bin" if trace else "records.bin"
    atomic_write_bytes(workdir / name, record_bytes(records))
    if timeout_s is None:
        timeout_s = 30.0 + 2.0 * len(records)
    boards_dir = None if project_root is None else Path(project_root) / "boards"
    board: Any = build.board
    if boards_dir is not None:
        from tinyfw.sim.boards import load_board
        board = load_board(build.board, boards_dir)
    res = run_elf(build.elf, board, args=[name] + (["trace"] if trace else []),
                  argv0="firmware.elf", cwd=workdir, timeout_s=timeout_s)
    out = parse_app_lines(res.uart_lines)
    if res.timed_out or res.exit_code != 0 or out.done != len(records):
        detail = res.fault or (res.uart_lines[-3:] if res.uart_lines else res.stderr[-300:])
        raise RunFailed(f"verification firmware on {build.board} exited {res.exit_code} after "
                        f"{len(out.outs)} of {len(records)} inputs: {detail}")
    return out


# -- comparison --------------------------------------------------------------------------------


@dataclass
class Mismatch:
    input: int  # record index
    source: str  # "random seed S #k" or "<file>@<start>"
    output: int  # model output index
    position: int  # element index within that output
    actual: Any
    expected: Any
    differing: int  # differing elements in this record


def _split_outputs(graph: Graph, blob: bytes) -> list[np.ndarray]:
    arrays = []
    pos = 0
    for io in model_outputs(graph):
        dt = np.dtype(_NP[io.dtype]).newbyteorder("<")
        arrays.append(np.frombuffer(blob[pos: pos + io.nbytes], dtype=dt))
        pos += io.nbytes
    return arrays


def compare_outputs(graph: Graph, expected: list[bytes], got: AppOutput,
                    sources: list[str] | None = None) -> list[Mismatch]:
    """One Mismatch (the first differing element) per record whose outputs differ."""
    out = []
    for r, exp in enumerate(expected):
        act = got.outs.get(r)
        src = sources[r] if sources else f"#{r}"
        if act == exp:
            continue
        if act is None or len(act) != len(exp):
            out.append(Mismatch(r, src, -1, -1, None if act is None else f"{len(act)} B",
                                f"{len(exp)} B", -1))
            continue
        ea, aa = _split_outputs(graph, exp), _split_outputs(graph, act)
        total = 0
        first = None
        for k, (e, a) in enumerate(zip(ea, aa)):
            diff = np.flatnonzero(e.view(np.uint8 if e.dtype.itemsize == 1 else np.uint32)
                                  != a.view(np.uint8 if a.dtype.itemsize == 1 else np.uint32))
            total += len(diff)
            if len(diff) and first is None:
                p = int(diff[0])
                first = (k, p, a[p].item(), e[p].item())
        assert first is not None
        out.append(Mismatch(r, src, first[0], first[1], first[2], first[3], total))
    return out


@dataclass
class LayerDiff:
    op: int
    opcode: str
    tensor: int
    name: str
    position: int
    actual: Any
    expected: Any
    differing: int
    note: str = ""


def first_differing_layer(graph: Graph, code: ModelCode, traced: dict[tuple[int, int], bytes],
                          oracle_tensors: dict[int, bytes],
                          ops: set[int] | None = None) -> LayerDiff | None:
    """The first op (in execution order; only `ops` when given) whose output tensor differs
    from the oracle's."""
    for low in code.lowered:
        op = low.op
        if ops is not None and op.index not in ops:
            continue
        for t in op.outputs:
            mine = traced.get((op.index, t))
            ref = oracle_tensors.get(t)
            if mine is None or ref is None:
                continue
            if mine == ref:
                continue
            tensor = graph.tensors[t]
            dt = np.dtype(_NP.get(tensor.dtype, np.uint8)).newbyteorder("<")
            a = np.frombuffer(mine, dtype=dt) if len(mine) % dt.itemsize == 0 else None
            e = np.frombuffer(ref, dtype=dt) if len(ref) % dt.itemsize == 0 else None
            if a is None or e is None or a.shape != e.shape:
                return LayerDiff(op.index, op.opcode, t, tensor.name, -1, f"{len(mine)} B",
                                 f"{len(ref)} B", -1, low.note)
            diff = np.flatnonzero(a != e)
            p = int(diff[0]) if len(diff) else 0
            return LayerDiff(op.index, op.opcode, t, tensor.name, p, a[p].item(), e[p].item(),
                             len(diff), low.note)
    return None


# -- tinyfw verify -----------------------------------------------------------------------------


@dataclass
class VerifyReport:
    model: str
    board: str
    seed: int
    inputs: int
    random_inputs: int
    recorded_inputs: int
    mismatches: int
    first_mismatch: dict[str, Any] | None = None
    first_layer: dict[str, Any] | None = None
    instructions: dict[str, int] | None = None
    flash: int = 0
    ram_static: int = 0
    arena: int = 0

    def summary(self) -> str:
        lines = [
            (f"verify {self.model} on {self.board}: inputs {self.inputs} "
             f"({self.random_inputs} random seed {self.seed}, {self.recorded_inputs} recorded), "
             f"mismatches {self.mismatches}"),
        ]
        if self.instructions:
            i = self.instructions
            lines.append(f"instructions per inference: min {i['min']} max {i['max']} "
                         f"mean {i['mean']}")
        lines.append(f"flash {self.flash} B, static RAM {self.ram_static} B, arena "
                     f"{self.arena} B")
        if self.first_mismatch:
            m = self.first_mismatch
            lines.append(f"first mismatch: input {m['input']} ({m['source']}), output "
                         f"{m['output']} element {m['position']}: actual {m['actual']} "
                         f"expected {m['expected']} ({m['differing']} elements differ)")
        if self.first_layer:
            d = self.first_layer
            lines.append(f"first differing layer: op {d['op']} {d['opcode']} ({d['note']}), "
                         f"tensor {d['tensor']} '{d['name']}' element {d['position']}: actual "
                         f"{d['actual']} expected {d['expected']} ({d['differing']} differ)")
        lines.append("PASS: bit-exact with TFLite Micro" if self.mismatches == 0 else
                     "FAIL: the firmware differs from TFLite Micro")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def verify_model(
    model: Path,
    *,
    board: str,
    inputs: int,
    seed: int = 0,
    data_dir: Path | None = None,
    json_path: Path | None = None,
    project_root: Path | None = None,
    workdir: Path | None = None,
    max_windows: int | None = None,
) -> VerifyReport:
    """Generate, build for `board`, run under QEMU and compare with TFLM (see module doc).

    workdir: build and run there (kept; reusing it for several models rebuilds only the
    generated code) instead of a temporary folder. max_windows: run an evenly spaced subset of
    the recorded windows (all by default)."""
    from tinyfw.config import find_project
    from tinyfw.paths import ROOT
    from tinyfw.sim.qemu import ticks_to_instructions

    if inputs < 0:
        raise InputError(f"--inputs {inputs} must be >= 0")
    if json_path is not None:  # a report that cannot be written stops it before the work
        check_output_file(Path(json_path))
    model = Path(model)
    graph = read_model(model)
    code = compile_model(graph)  # rejects unsupported models before anything is written
    oracle = Oracle(graph.raw)
    proj = project_root
    if proj is None and data_dir is not None:
        proj = find_project()
    records = random_records(graph, inputs, seed)
    sources = [f"random seed {seed} #{k}" for k in range(inputs)]
    n_recorded = 0
    if data_dir is not None:
        rec, labels = recorded_records(graph, Path(data_dir), proj)
        if max_windows is not None and len(rec) > max_windows:
            keep = np.unique(np.linspace(0, len(rec) - 1, max_windows).round().astype(int))
            rec = [rec[k] for k in keep]
            labels = [labels[k] for k in keep]
        records += rec
        sources += labels
        n_recorded = len(rec)
    if not records:
        raise InputError("nothing to verify: --inputs 0 and no --data")
    n_out = len(graph.outputs)
    expected = [oracle.run_bytes(r, n_out) for r in records]
    build_root = Path(ROOT)  # the PlatformIO project: tinyfw's own checkout
    tmp_ctx = tempfile.TemporaryDirectory(prefix="tinyfw-verify-") if workdir is None else None
    wd = Path(tmp_ctx.name) if tmp_ctx is not None else Path(workdir)
    wd.mkdir(parents=True, exist_ok=True)
    try:
        build = build_target(code, board, wd, build_root)
        got = run_target(build, records, wd, project_root=build_root)
        mismatches = compare_outputs(graph, expected, got, sources)
        report = VerifyReport(
            model=str(model), board=board, seed=seed, inputs=len(records),
            random_inputs=inputs, recorded_inputs=n_recorded, mismatches=len(mismatches),
            flash=build.flash, ram_static=build.ram_static, arena=code.plan.arena_size)
        if got.ticks:
            from tinyfw.sim.boards import load_board

            info = load_board(board, build_root / "boards")
            instr = [ticks_to_instructions(t, info, 6) for t in got.ticks.values()]
            report.instructions = {"min": min(instr), "max": max(instr),
                                   "mean": round(sum(instr) / len(instr))}
        if mismatches:
            m = mismatches[0]
            report.first_mismatch = asdict(m)
            traced = run_target(build, [records[m.input]], wd, trace=True,
                                project_root=build_root).traces.get(0, {})
            wanted = sorted({t for low in code.lowered for t in low.op.outputs})
            ref = oracle.tensors(records[m.input], wanted)
            diff = first_differing_layer(graph, code, traced, ref)
            if diff is not None:
                report.first_layer = asdict(diff)
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()
    if json_path is not None:
        atomic_write_text(Path(json_path),
                          json.dumps(report.to_json(), indent=2, default=str) + "\n")
    return report
