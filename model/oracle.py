"""The reference: TensorFlow Lite Micro's own interpreter (the `tflite-micro` package).

Never LiteRT's default (XNNPACK) path: it differs from TFLM by up to ~100 LSB. Intermediate
tensors: `run_all()` uses a second interpreter created with
`InterpreterConfig.kPreserveAllTensors` (the keyword is spelled `intrepreter_config` in the
package) so that every tensor keeps its value after `invoke()`; `GetTensor(index, 0)` returns
a dict with `tensor_data`. `operators()` lists each operator's builtin name and tensor indices,
so a comparison can name the first operator whose output differs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinyfw.errors import InputError, ToolMissing

# Arena for the interpreters: TFLM's default (10x the model) can be too small for tiny models
# with all tensors preserved.
_MIN_ARENA = 256 * 1024


def _runtime() -> Any:
    try:  # lazy: an optional dependency (ToolMissing when absent), and slow to load
        from tflite_micro import runtime
    except ImportError:
        raise ToolMissing(
            "the TFLite Micro oracle is missing: pip install tflite-micro "
            "(pinned in requirements.txt; `make setup` installs it)"
        ) from None
    return runtime


Record = list[np.ndarray]  # one array per model input


class GraphOracle:
    """TFLM over any model: any number of inputs and outputs, any tensor types (float at the
    boundary included). `tensors()` reads intermediates from a second interpreter created with
    kPreserveAllTensors. `Oracle` below is the single-int8-input view the pipeline uses."""

    def __init__(self, model: bytes, *, source: str | None = None) -> None:
        self._rt = _runtime()
        self._bytes = bytes(model)
        self._arena = max(16 * len(self._bytes), _MIN_ARENA)
        if self._bytes[4:8] != b"TFL3":
            raise InputError("not a .tflite model (no TFL3 identifier)", file=source)
        try:
            self._interp = self._rt.Interpreter.from_bytes(self._bytes, arena_size=self._arena)
        except (RuntimeError, ValueError, TypeError, IndexError, struct.error) as e:
            msg = " ".join(str(e).split())
            raise InputError(f"TFLite Micro cannot load the model: {msg}", file=source) from None
        self._all: Any = None

    @property
    def model_bytes(self) -> bytes:
        """The .tflite this oracle runs."""
        return self._bytes

    def _preserving(self) -> Any:
        if self._all is None:
            self._all = self._rt.Interpreter.from_bytes(
                self._bytes,
                arena_size=self._arena,
                intrepreter_config=self._rt.InterpreterConfig.kPreserveAllTensors,
            )
        return self._all

    @staticmethod
    def _set(interp: Any, record: Record) -> None:
        for k, a in enumerate(record):
            d = interp.get_input_details(k)
            interp.set_input(np.asarray(a, dtype=d["dtype"]).reshape(d["shape"]), k)

    def run_record(self, record: Record, n_outputs: int) -> list[np.ndarray]:
        """One inference on a record (one array per input) -> the first n_outputs outputs."""
        self._set(self._interp, record)
        self._interp.invoke()
        return [np.array(self._interp.get_output(k)) for k in range(n_outputs)]

    def run_bytes(self, record: Record, n_outputs: int) -> bytes:
        """All outputs of one inference, concatenated as little-endian bytes."""
        outs = self.run_record(record, n_outputs)
        return b"".join(o.astype(o.dtype.newbyteorder("<")).tobytes() for o in outs)

    def tensors(self, record: Record, indices: list[int]) -> dict[int, bytes]:
        """Values (little-endian bytes) of the given tensors after one preserved inference."""
        interp = self._preserving()
        self._set(interp, record)
        interp.invoke()
        out = {}
        for i in indices:
            a = np.asarray(interp.GetTensor(i, 0)["tensor_data"])
            out[i] = a.astype(a.dtype.newbyteorder("<")).tobytes()
        return out


@dataclass(frozen=True)
class OperatorInfo:
    """One operator of the graph: position, builtin name, tensor indices."""

    index: int
    name: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class TensorQuant:
    shape: tuple[int, ...]
    scale: float
    zero_point: int


class Oracle(GraphOracle):
    """TFLM over one full-int8 model (batch 1, one int8 input, one output): the view the
    training and simulation pipeline uses."""

    def __init__(self, tflite: bytes | Path) -> None:
        source = str(tflite) if isinstance(tflite, (str, Path)) else None
        if isinstance(tflite, (str, Path)):
            try:
                tflite = Path(tflite).read_bytes()
            except OSError as e:
                raise InputError(f"cannot read: {e.strerror}", file=tflite) from None
        super().__init__(tflite, source=source)
        self.input = self._quant(self._interp.get_input_details(0))
        self.output = self._quant(self._interp.get_output_details(0))
        if self._interp.get_input_details(0)["dtype"] is not np.int8:
            raise InputError(
                "model input is not int8 (full int8 quantization expected)", file=source
            )

    @staticmethod
    def _quant(details: dict[str, Any]) -> TensorQuant:
        q = details["quantization_parameters"]
        scales, zps = q["scales"], q["zero_points"]
        return TensorQuant(
            tuple(int(d) for d in details["shape"]),
            float(scales[0]) if len(scales) else 0.0,
            int(zps[0]) if len(zps) else 0,
        )

    def run(self, input_int8: np.ndarray) -> np.ndarray:
        """One inference: int8 input (any shape with the input's size) -> int8 output, batch
        dimension dropped (e.g. shape (n_classes,))."""
        x = np.asarray(input_int8)
        if x.dtype != np.int8:
            raise ValueError(f"input must be int8, got {x.dtype}")
        self._interp.set_input(x.reshape(self.input.shape), 0)
        self._interp.invoke()
        return np.array(self._interp.get_output(0), dtype=np.int8).reshape(self.output.shape[1:])

    def run_batch(self, inputs: np.ndarray) -> np.ndarray:
        """Inferences for a stack of inputs (N, ...) -> (N, *output shape without batch)."""
        inputs = np.asarray(inputs)
        out = np.empty((len(inputs), *self.output.shape[1:]), dtype=np.int8)
        for i, x in enumerate(inputs):
            out[i] = self.run(x)
        return out

    def run_all(self, input_int8: np.ndarray) -> dict[int, np.ndarray]:
        """One inference keeping every tensor: {tensor index: value} (weights included)."""
        x = np.asarray(input_int8)
        if x.dtype != np.int8:
            raise ValueError(f"input must be int8, got {x.dtype}")
        interp = self._preserving()
        interp.set_input(x.reshape(self.input.shape), 0)
        interp.invoke()
        n_tensors = len(self._model().subgraphs[0].tensors)
        return {i: np.array(interp.GetTensor(i, 0)["tensor_data"]) for i in range(n_tensors)}

    def _model(self) -> Any:
        return self._rt.convert_bytearray_to_object(bytearray(self._bytes))

    def tensor_names(self) -> dict[int, str]:
        """{tensor index: name as stored in the .tflite}."""
        tensors = self._model().subgraphs[0].tensors
        return {i: t.name.decode("utf-8", "replace") for i, t in enumerate(tensors)}

    def operators(self) -> list[OperatorInfo]:
        """The operators in execution order, with builtin names like `CONV_2D`."""
        rt = self._rt
        names = {v: k for k, v in vars(rt.schema_fb.BuiltinOperator).items() if k.isupper()}
        m = self._model()
        ops = []
        for i, op in enumerate(m.subgraphs[0].operators):
            code = rt.get_builtin_code_from_operator_code(m.operatorCodes[op.opcodeIndex])
            ops.append(
                OperatorInfo(
                    i,
                    names.get(code, str(code)),
                    tuple(int(t) for t in op.inputs),
                    tuple(int(t) for t in op.outputs),
                )
            )
        return ops
