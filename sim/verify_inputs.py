"""What `tinyfw verify` feeds a model: its inputs and outputs as the verification app sees
them, seeded random records and the project's recorded windows.

Records: one record is the concatenation of all model inputs' bytes (int8, or float32 little
endian for a float boundary input); record_bytes() is what the app reads.

Recorded windows (--data DIR): the project's recordings (tinyfw.toml [data], read as
`tinyfw simulate` reads them) are cut into the firmware's sliding windows (model/windows.py) of
the model's input length (input elements / channels) with the project's hop, and quantized from
raw counts exactly as the firmware's preprocessing does (model/preprocess.py, centering
included); a float32 model input gets model.preprocess's float_window instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyfw.codegen.ir import Graph, Tensor, numpy_dtype
from tinyfw.config import find_project, load_config
from tinyfw.errors import InputError
from tinyfw.model.contract import center_of
from tinyfw.model.contract import read as read_contract
from tinyfw.model.oracle import Record
from tinyfw.model.preprocess import PreprocessParams, float_window, preprocess_window
from tinyfw.model.windows import make_windows
from tinyfw.sim.simulate import select_recordings


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
        return math.prod(self.shape) * numpy_dtype(self.dtype).itemsize


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


def split_outputs(graph: Graph, blob: bytes) -> list[np.ndarray]:
    """All outputs' bytes of one record (what the app prints on an `out` line) as one flat
    array per model output."""
    arrays = []
    pos = 0
    for io in model_outputs(graph):
        arrays.append(np.frombuffer(blob[pos: pos + io.nbytes], dtype=numpy_dtype(io.dtype)))
        pos += io.nbytes
    return arrays


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


def recorded_records(graph: Graph, data_dir: Path, project_root: Path | None) -> tuple[
        list[Record], list[str]]:
    """Sliding windows of the project's recordings, preprocessed as the firmware does.

    Returns the records and a label per record ("<file>@<start sample>")."""
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
    center = center_of(read_contract(graph.raw, model_file=graph.where), cfg)
    if io.dtype == "int8":
        params = PreprocessParams.from_quantization(
            unit_scale=cfg.data.unit_scale, input_scale=io.scale, input_zero_point=io.zero_point,
            length=length, channels=channels, center=center)
    records: list[Record] = []
    labels: list[str] = []
    for rec in select_recordings(cfg, Path(data_dir), "all"):
        windows, starts = make_windows(rec.samples, length, cfg.window.hop)
        if io.dtype == "int8":
            xs = preprocess_window(windows, params)
        else:
            xs = float_window(windows, cfg.data.unit_scale, center)
        records += [[x.reshape(io.shape)] for x in xs]
        labels += [f"{Path(rec.path).name}@{int(s)}" for s in starts]
    return records, labels
