"""Named metadata entries of a .tflite file (`Model.metadata`): read them, add one.

`with_metadata(data, name, value)` returns a new .tflite that holds the original file verbatim
after a small new header: a new root `Model` table whose fields point forward into the old file
(its operator codes, subgraphs, signatures ... are shared, not copied), a `buffers` vector that
is the old one plus one buffer holding `value`, and a `metadata` vector that is the old one
(minus any entry already called `name`) plus `name`. The header is padded to a multiple of 16
bytes, so every tensor buffer keeps its alignment; tensor data, operators and buffer indices are
unchanged, so interpreters compute exactly what they computed on the original. Deterministic:
the same input gives the same bytes.
"""

from __future__ import annotations

import struct
from pathlib import Path

from tinyfw.codegen import schema
from tinyfw.codegen.tflite_reader import _Buf, _Malformed, _Table
from tinyfw.errors import InputError

# Model table slots (generated schema): every slot but `version` is an offset.
_MODEL = schema.FIELDS["Model"]
_MODEL_SLOTS = len(_MODEL)
_VERSION, _BUFFERS, _METADATA = (_MODEL[f][0] for f in ("version", "buffers", "metadata"))
assert _VERSION == 0 and all(_MODEL[f][0] == i for i, f in enumerate(_MODEL))
# The two tables the header writes itself (their slot layout below is checked at import).
assert [v[:2] for v in schema.FIELDS["Buffer"].values()][:1] == [(0, "[u8]")]
assert [v[:2] for v in schema.FIELDS["Metadata"].values()] == [(0, "str"), (1, "u32")]
_ALIGN = 16


def read_metadata(data: bytes, *, where: str | Path = "<model>") -> dict[str, bytes]:
    """The metadata entries of a .tflite (name -> buffer bytes; first entry wins on repeats)."""
    try:
        buf = _Buf(data)
        root = _Table(buf, buf.u32(0, "root offset"), "model", "Model")
        buffers = root.tables("buffers", "buffers", 1_000_000)
        out: dict[str, bytes] = {}
        for i, md in enumerate(root.tables("metadata", "metadata", 10_000)):
            name = md.string("name", f"metadata[{i}].name") or ""
            index = md.get("buffer")
            if index >= len(buffers):
                raise _Malformed(f"metadata[{i}] '{name}' names buffer {index} of {len(buffers)}")
            vec = buffers[index].bytes_vector("data", f"buffers[{index}].data")
            out.setdefault(name, bytes(data[vec[0] : vec[0] + vec[1]]) if vec else b"")
        return out
    except _Malformed as e:
        raise InputError(f"corrupt .tflite: {e}", file=where, field="metadata") from None


def with_metadata(data: bytes, name: str, value: bytes, *, where: str | Path = "<model>") -> bytes:
    """`data` with the metadata entry `name` set to `value` (see the module docstring)."""
    try:
        return _with_metadata(data, name.encode("utf-8"), value)
    except _Malformed as e:
        raise InputError(f"corrupt .tflite: {e}", file=where, field="metadata") from None


def _with_metadata(data: bytes, name: bytes, value: bytes) -> bytes:
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise _Malformed("not a .tflite file (no TFL3 identifier)")
    buf = _Buf(data)
    root = _Table(buf, buf.u32(0, "root offset"), "model", "Model")
    if root.nfields > _MODEL_SLOTS and any(
        root._field(s, 4) for s in range(_MODEL_SLOTS, root.nfields)
    ):
        raise _Malformed(f"model has fields this tinyfw does not know (slots >= {_MODEL_SLOTS})")
    for i, b in enumerate(root.tables("buffers", "buffers", 1_000_000)):
        if b.get("offset") > 1:  # data stored after the flatbuffer at an absolute offset
            raise _Malformed(f"buffers[{i}] uses an external offset; cannot add metadata")
    old_buffers = [b.pos for b in root.tables("buffers", "buffers", 1_000_000)]
    old_metadata = [
        md.pos
        for i, md in enumerate(root.tables("metadata", "metadata", 10_000))
        if (md.string("name", f"metadata[{i}].name") or "").encode("utf-8") != name
    ]
    # Targets of the other offset slots, absolute in the old file (0 = absent).
    shared = {s: root._indirect(s, f"model field {s}") for s in range(1, _MODEL_SLOTS)}
    version = root.get("version")

    # Header layout (offsets from the start of the new file; all 4-aligned):
    vt = 8  # vtable of the new Model: size, table size, one u16 per slot
    vt_size = 4 + 2 * _MODEL_SLOTS
    model = vt + vt_size
    model += -model % 4
    model_size = 4 + 4 * _MODEL_SLOTS
    buffers_vec = model + model_size
    metadata_vec = buffers_vec + 4 + 4 * (len(old_buffers) + 1)
    buffer_vt = metadata_vec + 4 + 4 * (len(old_metadata) + 1)  # vtable: 6 B, padded to 8
    buffer_t = buffer_vt + 8
    meta_vt = buffer_t + 8  # vtable: 8 B
    meta_t = meta_vt + 8
    name_str = meta_t + 12
    value_vec = name_str + 4 + len(name) + 1
    value_vec += -(value_vec + 4) % _ALIGN  # the value's bytes start 16-aligned
    size = value_vec + 4 + len(value)
    size += -size % _ALIGN
    shift = size  # where the old file starts in the new one

    h = bytearray(size)
    struct.pack_into("<I4s", h, 0, model, b"TFL3")
    slots = [4 + 4 * s for s in range(_MODEL_SLOTS)]
    struct.pack_into(f"<HH{_MODEL_SLOTS}H", h, vt, vt_size, model_size, *slots)
    struct.pack_into("<i", h, model, model - vt)

    def offset(field_pos: int, target: int) -> None:
        """A uoffset at `field_pos` (new file) to `target` (new file, further on)."""
        struct.pack_into("<I", h, field_pos, target - field_pos)

    struct.pack_into("<I", h, model + slots[0], version)
    for s, target in shared.items():
        if s == _BUFFERS:
            offset(model + slots[s], buffers_vec)
        elif s == _METADATA:
            offset(model + slots[s], metadata_vec)
        elif target:
            offset(model + slots[s], target + shift)
        else:
            struct.pack_into("<H", h, vt + 4 + 2 * s, 0)  # absent: clear its vtable entry
    for vec, tables, new in (
        (buffers_vec, old_buffers, buffer_t),
        (metadata_vec, old_metadata, meta_t),
    ):
        struct.pack_into("<I", h, vec, len(tables) + 1)
        for i, pos in enumerate([*(p + shift for p in tables), new]):
            offset(vec + 4 + 4 * i, pos)
    struct.pack_into("<HHH", h, buffer_vt, 6, 8, 4)
    struct.pack_into("<i", h, buffer_t, buffer_t - buffer_vt)
    offset(buffer_t + 4, value_vec)
    struct.pack_into("<HHHH", h, meta_vt, 8, 12, 4, 8)
    struct.pack_into("<i", h, meta_t, meta_t - meta_vt)
    offset(meta_t + 4, name_str)
    struct.pack_into("<I", h, meta_t + 8, len(old_buffers))  # the new buffer's index
    struct.pack_into(f"<I{len(name)}s", h, name_str, len(name), name)
    struct.pack_into(f"<I{len(value)}s", h, value_vec, len(value), value)
    return bytes(h) + data
