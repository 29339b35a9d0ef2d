"""A small graph IR of a .tflite model: tensors with quantization, ops with options.

Built by `codegen.tflite_reader.read_model`; consumed by the lowerings, the planner and
`tinyfw inspect`. Constant data stays as bytes until a lowering asks for an array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

_NUMPY = {
    "float32": np.float32,
    "int32": np.int32,
    "uint8": np.uint8,
    "int64": np.int64,
    "bool": np.bool_,
    "int16": np.int16,
    "int8": np.int8,
    "float64": np.float64,
    "uint32": np.uint32,
    "uint16": np.uint16,
    "uint64": np.uint64,
    "float16": np.float16,
}


def numpy_dtype(dtype: str) -> np.dtype:
    """The little-endian numpy dtype of a tensor type name ("int8", "float32", ...)."""
    return np.dtype(_NUMPY[dtype]).newbyteorder("<")


@dataclass(frozen=True)
class Quant:
    """Affine quantization: real = scale * (q - zero_point), per tensor or per `axis`."""

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    itemsize: int
    quant: Quant | None = None
    data: bytes | None = None  # constant contents (None: activation/variable)
    is_variable: bool = False

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.numel * self.itemsize

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def scale(self) -> float:
        """The per-tensor scale (the first one for per-channel tensors)."""
        assert self.quant is not None
        return self.quant.scale[0]

    @property
    def zero_point(self) -> int:
        assert self.quant is not None
        return self.quant.zero_point[0]

    def array(self) -> np.ndarray:
        """Constant contents as a numpy array of the tensor's shape (little-endian)."""
        if self.data is None:
            raise ValueError(f"tensor {self.index} is not constant")
        dt = numpy_dtype(self.dtype)
        return np.frombuffer(self.data, dtype=dt, count=self.numel).reshape(self.shape)

    def describe(self) -> str:
        return f"tensor {self.index} '{self.name}'"


@dataclass
class Op:
    index: int
    opcode: str  # builtin operator name, e.g. "CONV_2D"; "CUSTOM:<name>" for custom ops
    version: int
    inputs: tuple[int, ...]  # tensor indices; -1 = optional input absent
    outputs: tuple[int, ...]
    options: dict[str, Any] = field(default_factory=dict)
    options_name: str = "NONE"

    def describe(self) -> str:
        return f"op {self.index} {self.opcode}"


@dataclass
class Graph:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    sha256: str
    size: int  # bytes of the .tflite file
    path: Path | None = None
    description: str = ""
    raw: bytes = b""

    def tensor(self, i: int) -> Tensor:
        return self.tensors[i]

    def op_inputs(self, op: Op) -> list[Tensor | None]:
        return [self.tensors[i] if i >= 0 else None for i in op.inputs]

    def op_outputs(self, op: Op) -> list[Tensor]:
        return [self.tensors[i] for i in op.outputs]

    @property
    def where(self) -> str:
        return str(self.path) if self.path is not None else "<model>"
