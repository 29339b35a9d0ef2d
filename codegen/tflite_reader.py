"""A bounds-checked reader of .tflite files (FlatBuffers, schema "TFL3") into the graph IR.

Written for untrusted input: every offset, length and count is checked against the file before
it is followed, vectors are read only as far as the file holds them, sizes are computed with
Python integers (no overflow), and nothing is allocated beyond the file's own size. Any defect
raises `InputError` naming the file and the field ("subgraph 0, tensor 7 'conv/w': ...").
"""

from __future__ import annotations

import hashlib
import math
import struct
from pathlib import Path
from typing import Any

from tinyfw.codegen import schema
from tinyfw.codegen.ir import Graph, Op, Quant, Tensor
from tinyfw.errors import InputError

MAX_FILE_BYTES = 16 * 1024 * 1024  # 4x the largest flash of our boards; generate stays < 1 GB
MAX_TENSOR_BYTES = 16 * 1024 * 1024  # per tensor
MAX_RANK = 8
MAX_TENSORS = 100_000
MAX_OPS = 100_000
MAX_ELEMENTS = MAX_TENSOR_BYTES  # per tensor, also for types without a byte size (int4, string)
MAX_INT_VECTOR = 65_536  # entries in one int vector (shapes, op inputs, per-channel quantization)
# Zero points must be representable in the tensor's own type (TFLite's quantization contract);
# every other type still needs one that fits the int32 the kernels compute with.
_ZP_RANGE = {
    "int8": (-128, 127),
    "uint8": (0, 255),
    "int16": (-32768, 32767),
    "uint16": (0, 65535),
    "int4": (-8, 7),
    "uint4": (0, 15),
}
_INT32 = (-(2**31), 2**31 - 1)


class _Malformed(Exception):
    """Internal: a structural defect at a known place; turned into InputError."""


class _Buf:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.n = len(data)

    def _check(self, pos: int, size: int, what: str) -> None:
        if pos < 0 or size < 0 or pos + size > self.n:
            raise _Malformed(f"{what} at offset {pos} runs past the end of the file ({self.n} B)")

    def u8(self, pos: int, what: str = "byte") -> int:
        self._check(pos, 1, what)
        return self.data[pos]

    def i8(self, pos: int, what: str = "byte") -> int:
        self._check(pos, 1, what)
        return struct.unpack_from("<b", self.data, pos)[0]

    def u16(self, pos: int, what: str = "u16") -> int:
        self._check(pos, 2, what)
        return struct.unpack_from("<H", self.data, pos)[0]

    def i32(self, pos: int, what: str = "i32") -> int:
        self._check(pos, 4, what)
        return struct.unpack_from("<i", self.data, pos)[0]

    def u32(self, pos: int, what: str = "u32") -> int:
        self._check(pos, 4, what)
        return struct.unpack_from("<I", self.data, pos)[0]

    def u64(self, pos: int, what: str = "u64") -> int:
        self._check(pos, 8, what)
        return struct.unpack_from("<Q", self.data, pos)[0]

    def f32(self, pos: int, what: str = "f32") -> float:
        self._check(pos, 4, what)
        return struct.unpack_from("<f", self.data, pos)[0]


_SCALAR = {"i8": "b", "u8": "B", "bool": "B", "i16": "h", "u16": "H", "i32": "i", "u32": "I",
           "i64": "q", "u64": "Q", "f32": "f", "f64": "d"}  # fmt: skip
_ENUMS = {"padding": schema.PADDING, "activation": schema.ACTIVATIONS}
_ENUM_NOUN = {"padding": "a padding", "activation": "an activation"}


class _Table:
    """One FlatBuffers table of schema type `type_name`: fields are looked up by name; their
    vtable slot, kind and default come from the generated `schema.FIELDS`."""

    def __init__(self, buf: _Buf, pos: int, what: str, type_name: str) -> None:
        self.buf = buf
        self.pos = pos
        self.what = what
        self.type_name = type_name
        self.fields = schema.FIELDS[type_name]
        soff = buf.i32(pos, f"{what} table")
        vt = pos - soff
        self.vt = vt
        vt_size = buf.u16(vt, f"{what} vtable")
        if vt_size < 4 or vt_size % 2:
            raise _Malformed(f"{what} has a bad vtable size {vt_size}")
        buf._check(vt, vt_size, f"{what} vtable")
        self.table_size = buf.u16(vt + 2, f"{what} vtable")
        self.nfields = (vt_size - 4) // 2

    def _field(self, slot: int, size: int) -> int:
        """Absolute position of field `slot`, or 0 when absent."""
        if slot >= self.nfields:
            return 0
        off = self.buf.u16(self.vt + 4 + 2 * slot)
        if off == 0:
            return 0
        if off + size > self.table_size:
            raise _Malformed(f"{self.what} field {slot} lies outside its table")
        p = self.pos + off
        self.buf._check(p, size, f"{self.what} field {slot}")
        return p

    def spec(self, field: str) -> tuple[int, str, Any]:
        """(slot, kind, default) of `field` in this table's schema."""
        return self.fields[field]

    def get(self, field: str) -> Any:
        """A scalar or enum field (enums as their names), or its schema default when absent."""
        slot, kind, default = self.fields[field]
        names = _ENUMS.get(kind)
        fmt = "b" if names is not None else _SCALAR[kind]
        p = self._field(slot, struct.calcsize("<" + fmt))
        if not p:
            return default
        v = struct.unpack_from("<" + fmt, self.buf.data, p)[0]
        if names is not None:
            if v not in names:
                raise _Malformed(f"{self.what} {self.type_name}.{field} = {v} is not {_ENUM_NOUN[kind]}")
            return names[v]
        return v != 0 if kind == "bool" else v

    def _indirect(self, slot: int, what: str) -> int:
        p = self._field(slot, 4)
        if not p:
            return 0
        target = p + self.buf.u32(p)
        if target >= self.buf.n:
            raise _Malformed(f"{what} points past the end of the file")
        return target

    def offset_target(self, field: str, what: str) -> int:
        """Absolute position an offset field points to (0 when absent)."""
        return self._indirect(self.fields[field][0], what)

    def table(self, field: str, what: str) -> _Table | None:
        slot, kind, _ = self.fields[field]
        assert kind.startswith("table:"), kind
        t = self._indirect(slot, what)
        return _Table(self.buf, t, what, kind[6:]) if t else None

    def _vector(self, slot: int, elem_size: int, what: str) -> tuple[int, int] | None:
        """(position of first element, length) or None when absent."""
        v = self._indirect(slot, what)
        if not v:
            return None
        n = self.buf.u32(v, what)
        self.buf._check(v + 4, n * elem_size, what)
        return v + 4, n

    def numbers(self, field: str, what: str, limit: int = MAX_INT_VECTOR) -> list[Any] | None:
        """A vector of scalars (ints or floats, as the schema types it), or None when absent."""
        slot, kind, _ = self.fields[field]
        assert kind.startswith("[") and kind[1:-1] in _SCALAR, kind
        fmt = _SCALAR[kind[1:-1]]
        vec = self._vector(slot, struct.calcsize("<" + fmt), what)
        if vec is None:
            return None
        start, n = vec
        if n > limit:
            raise _Malformed(f"{what}: {n} entries is more than {limit}")
        return list(struct.unpack_from(f"<{n}{fmt}", self.buf.data, start))

    def string(self, field: str, what: str) -> str | None:
        slot, kind, _ = self.fields[field]
        assert kind == "str", kind
        vec = self._vector(slot, 1, what)
        if vec is None:
            return None
        start, n = vec
        return self.buf.data[start : start + n].decode("utf-8", errors="replace")

    def tables(self, field: str, what: str, limit: int) -> list[_Table]:
        slot, kind, _ = self.fields[field]
        assert kind.startswith("[table:"), kind
        vec = self._vector(slot, 4, what)
        if vec is None:
            return []
        start, n = vec
        if n > limit:
            raise _Malformed(f"{what}: {n} entries is more than {limit}")
        out = []
        for i in range(n):
            p = start + 4 * i
            out.append(_Table(self.buf, p + self.buf.u32(p), f"{what}[{i}]", kind[7:-1]))
        return out

    def bytes_vector(self, field: str, what: str) -> tuple[int, int] | None:
        """(start, length) of a [u8] field, or None when absent."""
        slot, kind, _ = self.fields[field]
        assert kind == "[u8]", kind
        return self._vector(slot, 1, what)


def _read_options(op_t: _Table, what: str, where: str) -> tuple[str, dict[str, Any]]:
    type_idx = op_t.get("builtin_options_type")
    name = schema.BUILTIN_OPTIONS.get(type_idx, f"<unknown options type {type_idx}>")
    spec = schema.FIELDS.get(name)
    if type_idx == 0 or spec is None:
        return name, {}
    t = op_t._indirect(op_t.spec("builtin_options")[0], f"{what} {name}")
    table = _Table(op_t.buf, t, what, name) if t else None
    values: dict[str, Any] = {}
    for fname, (_slot, kind, default) in spec.items():
        if kind in _ENUMS or kind in _SCALAR:
            v = default if table is None else table.get(fname)
            if kind in ("f32", "f64") and not math.isfinite(v):
                raise InputError(
                    f"{name}.{fname} is {v!r}; it must be a finite number", file=where, field=what
                )
            values[fname] = v
        elif kind == "[i32]":
            values[fname] = None if table is None else table.numbers(fname, f"{what} {name}.{fname}")
        # other kinds (strings, tables, other vectors) are not used by any lowering
    return name, values


def read_model(path: Path | str | None = None, data: bytes | None = None) -> Graph:
    """Read a .tflite file (or its bytes) into a Graph. Raises InputError on any defect."""
    where = str(path) if path is not None else "<model>"
    if data is None:
        assert path is not None
        p = Path(path)
        try:
            size = p.stat().st_size
        except OSError as e:
            raise InputError(f"cannot read: {e.strerror}", file=where) from None
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"{size} B is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB models "
                "tinyfw reads",
                file=where,
            )
        try:
            data = p.read_bytes()
        except OSError as e:
            raise InputError(f"cannot read: {e.strerror}", file=where) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{len(data)} B is larger than tinyfw reads", file=where)
    try:
        return _read(data, path)
    except _Malformed as e:
        raise InputError(f"corrupt .tflite: {e}", file=where) from None
    except RecursionError:  # pragma: no cover - the reader does not recurse
        raise InputError("corrupt .tflite: nesting too deep", file=where) from None


def _read(data: bytes, path: Path | str | None) -> Graph:
    where = str(path) if path is not None else "<model>"
    if len(data) < 8:
        raise InputError(f"not a .tflite file: only {len(data)} B", file=where)
    ident = data[4:8]
    if ident != b"TFL3":
        raise InputError(
            f"not a .tflite file: file identifier is {ident!r}, expected b'TFL3'",
            file=where,
            field="file_identifier",
        )
    buf = _Buf(data)
    root = _Table(buf, buf.u32(0, "root offset"), "model", "Model")
    version = root.get("version")
    if version != 3:
        raise InputError(
            f"schema version {version} is not supported (expected 3)", file=where, field="version"
        )

    # Operator codes.
    opcodes: list[tuple[str, int]] = []
    for i, oc in enumerate(root.tables("operator_codes", "operator_codes", MAX_OPS)):
        dep = oc.get("deprecated_builtin_code")
        custom = oc.string("custom_code", f"operator_codes[{i}].custom_code")
        ver = oc.get("version")
        code = oc.get("builtin_code")
        code = max(code, dep)  # TFLite's GetBuiltinCode: the larger of the two fields
        if schema.BUILTIN_OPERATORS.get(code) == "CUSTOM" and custom is not None:
            name = f"CUSTOM:{custom}"
        else:
            name = schema.BUILTIN_OPERATORS.get(code, f"<unknown builtin {code}>")
        opcodes.append((name, ver))

    # Buffers: keep (start, length) into the file; data may also live after the flatbuffer.
    buffers: list[tuple[int, int] | None] = []
    for i, b in enumerate(root.tables("buffers", "buffers", 10 * MAX_TENSORS)):
        vec = b.bytes_vector("data", f"buffers[{i}].data")
        off = b.get("offset")
        size = b.get("size")
        if vec is not None and vec[1] > 0:
            buffers.append(vec)
        elif off > 1:
            if off + size > len(data):
                raise _Malformed(f"buffers[{i}] offset {off} + size {size} is past the end")
            buffers.append((off, size))
        else:
            buffers.append(None)

    subgraphs = root.tables("subgraphs", "subgraphs", 1000)
    if len(subgraphs) != 1:
        raise InputError(
            f"has {len(subgraphs)} subgraphs; tinyfw compiles single-subgraph models "
            "(no control flow: re-export without tf.cond/tf.while or split the model)",
            file=where,
            field="subgraphs",
        )
    sg = subgraphs[0]
    tensors: list[Tensor] = []
    tensor_tables = sg.tables("tensors", "subgraph 0 tensors", MAX_TENSORS)
    for ti, t in enumerate(tensor_tables):
        tensors.append(_read_tensor(t, ti, buffers, data, where))

    def check_index(i: int, what: str, allow_optional: bool = False) -> int:
        if allow_optional and i == -1:
            return i
        if not 0 <= i < len(tensors):
            raise InputError(
                f"refers to tensor {i}, but the subgraph has {len(tensors)} tensors",
                file=where,
                field=what,
            )
        return i

    inputs = tuple(
        check_index(i, "subgraph 0 inputs") for i in (sg.numbers("inputs", "subgraph inputs") or [])
    )
    outputs = tuple(
        check_index(i, "subgraph 0 outputs") for i in (sg.numbers("outputs", "subgraph outputs") or [])
    )
    ops: list[Op] = []
    for oi, ot in enumerate(sg.tables("operators", "subgraph 0 operators", MAX_OPS)):
        idx = ot.get("opcode_index")
        if idx >= len(opcodes):
            raise InputError(
                f"opcode_index {idx} is out of range ({len(opcodes)} operator codes)",
                file=where,
                field=f"op {oi}",
            )
        name, ver = opcodes[idx]
        what = f"op {oi} {name}"
        op_in = tuple(
            check_index(i, f"{what} input", allow_optional=True)
            for i in (ot.numbers("inputs", f"{what} inputs") or [])
        )
        op_out = tuple(check_index(i, f"{what} output") for i in (ot.numbers("outputs", f"{what} outputs") or []))
        opt_name, options = _read_options(ot, what, where)
        ops.append(Op(oi, name, ver, op_in, op_out, options, opt_name))

    description = root.string("description", "description") or ""
    return Graph(
        tensors=tensors,
        ops=ops,
        inputs=inputs,
        outputs=outputs,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        path=Path(path) if path is not None else None,
        description=description,
        raw=data,
    )


def _dynamic_batch_only(sig: list[int], shape: list[int]) -> bool:
    """True for a shape_signature whose only dynamic dimension is the batch (dimension 0 is -1,
    the stored shape has batch 1, every other dimension is fixed and as stored): TFLite Micro
    runs such a model with its stored shape, batch 1, and so does tinyfw (the MLPerf Tiny
    reference models are converted this way)."""
    return (
        len(sig) == len(shape) >= 2
        and sig[0] == -1
        and shape[0] == 1
        and all(d >= 0 for d in sig[1:])
        and list(sig[1:]) == list(shape[1:])
    )


def _read_tensor(
    t: _Table, ti: int, buffers: list[tuple[int, int] | None], data: bytes, where: str
) -> Tensor:
    shape = t.numbers("shape", f"tensor {ti} shape") or []
    type_code = t.get("type")
    buf_idx = t.get("buffer")
    name = t.string("name", f"tensor {ti} name") or f"t{ti}"
    label = f"tensor {ti} '{name}'"
    if type_code not in schema.TENSOR_TYPES:
        raise InputError(f"unknown tensor type {type_code}", file=where, field=label)
    dtype, itemsize = schema.TENSOR_TYPES[type_code]
    if len(shape) > MAX_RANK:
        raise InputError(f"rank {len(shape)} is more than {MAX_RANK}", file=where, field=label)
    if any(d < 0 for d in shape):
        raise InputError(
            f"has a dynamic or negative dimension in shape {shape}; give the model a fixed "
            "shape (keras.Input(shape, batch_size=1))",
            file=where,
            field=label,
        )
    sig = t.numbers("shape_signature", f"{label} shape_signature")
    if sig is not None and any(d < 0 for d in sig) and not _dynamic_batch_only(sig, shape):
        raise InputError(
            f"has a dynamic shape (shape_signature {sig}): only the batch (dimension 0) may be "
            "dynamic; give the model a fixed batch of 1 and fixed sizes "
            "(keras.Input(shape, batch_size=1)) and re-convert",
            file=where,
            field=label,
        )
    numel = math.prod(shape)
    nbytes = numel * itemsize
    if nbytes > MAX_TENSOR_BYTES or numel > MAX_ELEMENTS:
        raise InputError(
            f"shape {shape} needs {nbytes} B, more than the {MAX_TENSOR_BYTES // (1024 * 1024)} "
            "MiB tinyfw allows for one tensor",
            file=where,
            field=label,
        )

    quant = None
    q = t.table("quantization", f"{label} quantization")
    if q is not None:
        scales = q.numbers("scale", f"{label} quantization.scale")
        zps = q.numbers("zero_point", f"{label} quantization.zero_point")
        axis = q.get("quantized_dimension")
        if scales:
            if zps is None or len(zps) != len(scales):
                raise InputError(
                    f"has {len(scales)} scales but {0 if zps is None else len(zps)} zero points",
                    file=where,
                    field=f"{label} quantization",
                )
            for s in scales:
                if not (s > 0.0 and math.isfinite(s)):
                    raise InputError(
                        f"scale {s!r} is not a positive finite number",
                        file=where,
                        field=f"{label} quantization.scale",
                    )
            zlo, zhi = _ZP_RANGE.get(dtype, _INT32)
            for z in zps:
                if not zlo <= z <= zhi:
                    raise InputError(
                        f"zero point {z} is outside the {dtype} range [{zlo}, {zhi}]",
                        file=where,
                        field=f"{label} quantization.zero_point",
                    )
            if len(scales) > 1 and not (0 <= axis < max(len(shape), 1)):
                raise InputError(
                    f"quantized_dimension {axis} is outside its rank {len(shape)}",
                    file=where,
                    field=f"{label} quantization",
                )
            if len(scales) > 1 and shape and shape[axis] != len(scales):
                raise InputError(
                    f"has {len(scales)} scales for {shape[axis]} channels",
                    file=where,
                    field=f"{label} quantization",
                )
            quant = Quant(tuple(float(s) for s in scales), tuple(int(z) for z in zps), axis)

    const = None
    if buf_idx != 0:
        if buf_idx >= len(buffers):
            raise InputError(
                f"buffer {buf_idx} is out of range ({len(buffers)} buffers)",
                file=where,
                field=label,
            )
        loc = buffers[buf_idx]
        if loc is not None:
            start, length = loc
            if itemsize == 0:
                raise InputError(f"constant of type {dtype} is not supported", file=where, field=label)
            if length != nbytes:
                raise InputError(
                    f"buffer {buf_idx} holds {length} B but shape {shape} of {dtype} needs "
                    f"{nbytes} B",
                    file=where,
                    field=label,
                )
            const = bytes(data[start : start + length])
    return Tensor(
        index=ti,
        name=name,
        shape=tuple(int(d) for d in shape),
        dtype=dtype,
        itemsize=itemsize,
        quant=quant,
        data=const,
        is_variable=t.get("is_variable"),
    )
