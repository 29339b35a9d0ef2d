"""Generate codegen/schema.py from the TFLite schema that the pinned tflite-micro package ships.

    .venv/bin/python scripts/gen_tflite_schema.py          # rewrite codegen/schema.py
    .venv/bin/python scripts/gen_tflite_schema.py --check  # exit 1 if it is not current

The source is `tflite_micro/tensorflow/lite/micro/python/schema_py_generated.py` (flatc's Python
output for TFLM's schema.fbs), read as a module file without importing the tflite_micro package.
Every number the bounds-checked reader needs (operator codes, options-union members, tensor
types, enum values, vtable slots, field kinds and defaults) is taken from it, so a schema upgrade
is this one command. The output is deterministic: same schema, same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "codegen" / "schema.py"
SOURCE_REL = "tflite_micro/tensorflow/lite/micro/python/schema_py_generated.py"

# Tables the reader walks besides the builtin options.
STRUCTURE = (
    "Model",
    "OperatorCode",
    "Buffer",
    "Metadata",
    "SubGraph",
    "Operator",
    "Tensor",
    "QuantizationParameters",
)
# The Python flatc output stores enum-typed fields as their integer type without naming the
# enum; these are the enum-typed fields the reader turns into names (by field name, schema-wide).
ENUM_FIELDS = {"padding": "Padding", "fused_activation_function": "ActivationFunctionType"}
# Bytes per element: not in the schema. A type missing here has size 0 (never allocated, only
# named in errors), so a new type in a newer schema needs no edit to be read safely.
ITEMSIZE = {
    "float32": 4, "float16": 2, "int32": 4, "uint8": 1, "int64": 8, "bool": 1, "int16": 2,
    "complex64": 8, "int8": 1, "float64": 8, "complex128": 16, "uint64": 8, "uint32": 4,
    "uint16": 2, "bfloat16": 2, "float8_e4m3fn": 1, "float8_e5m2": 1,
}  # fmt: skip
_FLAGS = {
    "Int8Flags": "i8",
    "Uint8Flags": "u8",
    "BoolFlags": "bool",
    "Int16Flags": "i16",
    "Uint16Flags": "u16",
    "Int32Flags": "i32",
    "Uint32Flags": "u32",
    "Int64Flags": "i64",
    "Uint64Flags": "u64",
    "Float32Flags": "f32",
    "Float64Flags": "f64",
}


def find_source() -> Path:
    for entry in sys.path:
        p = Path(entry) / SOURCE_REL
        if p.is_file():
            return p
    raise SystemExit(f"gen_tflite_schema: {SOURCE_REL} not found on sys.path (is the venv set up?)")


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("_tfl_schema", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def enum(mod: ModuleType, name: str) -> dict[int, str]:
    cls = getattr(mod, name)
    out = {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}
    return dict(sorted(out.items()))


def snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", camel).lower()


def fields(mod: ModuleType, table: str) -> list[tuple[str, int, str, object]]:
    """(field, slot, kind, default) in slot order for one table, read from flatc's accessors.

    kinds: scalar types (i8 u8 bool i16 u16 i32 u32 i64 u64 f32 f64), "[i32]"-style scalar
    vectors, "str", "table:T", "[table:T]", "padding"/"activation" enums, "other" (unions,
    structs: the reader never follows them).
    """
    cls = getattr(mod, table)
    by_slot: dict[int, tuple[str, str]] = {}
    for mname, fn in vars(cls).items():
        if not inspect.isfunction(fn) or mname in ("Init",):
            continue
        src = inspect.getsource(fn)
        m = re.search(r"self\._tab\.Offset\((\d+)\)", src)
        if not m:
            continue
        slot = (int(m.group(1)) - 4) // 2
        if slot in by_slot and len(by_slot[slot][0]) <= len(mname):
            continue  # keep the shortest accessor (Shape, not ShapeLength / ShapeAsNumpy)
        by_slot[slot] = (mname, src)
    out = []
    for slot in sorted(by_slot):
        mname, src = by_slot[slot]
        name = snake(mname)
        vec = "(self, j)" in src
        flag = re.search(r"number_types\.(\w+Flags), (?:a|o) \+", src)
        obj = re.search(r"obj = (\w+)\(\)", src)
        default: object = None
        if "self._tab.String(" in src and not vec:
            kind = "str"
        elif obj and "Union(" not in src:
            kind = f"[table:{obj.group(1)}]" if vec else f"table:{obj.group(1)}"
        elif flag and flag.group(1) in _FLAGS:
            kind = _FLAGS[flag.group(1)]
            if vec:
                kind = f"[{kind}]"
            else:
                ret = re.findall(r"return (.+)\n", src)[-1].strip()
                default = {"True": True, "False": False}.get(ret)
                if default is None:
                    default = float(ret) if kind in ("f32", "f64") else int(ret)
                if name in ENUM_FIELDS:
                    names = enum(mod, ENUM_FIELDS[name])
                    kind = "padding" if ENUM_FIELDS[name] == "Padding" else "activation"
                    default = names[int(default)]  # type: ignore[call-overload]
        else:
            kind = "other"
        out.append((name, slot, kind, default))
    return out


def render(src_path: Path) -> str:
    mod = load(src_path)
    digest = hashlib.sha256(src_path.read_bytes()).hexdigest()
    ops = enum(mod, "BuiltinOperator")
    options = enum(mod, "BuiltinOptions")
    types = {k: v.lower() for k, v in enum(mod, "TensorType").items()}
    lines = [
        "# GENERATED by scripts/gen_tflite_schema.py -- do not edit; rerun it after a schema upgrade.",
        f"# source: {SOURCE_REL}",
        f"# source sha256: {digest}",
        '"""TFLite schema facts (FlatBuffers schema "TFL3") for the bounds-checked reader.',
        "",
        "FIELDS[table][field] = (vtable slot, kind, default). Kinds: scalar types (i8 u8 bool i16",
        'u16 i32 u32 i64 u64 f32 f64), "[i32]"-style scalar vectors, "str", "table:T", "[table:T]",',
        '"padding"/"activation" enums (names as defaults), "other" (never followed by the reader).',
        '"""',
        "",
        "# BuiltinOperator: code -> name.",
        "BUILTIN_OPERATORS: dict[int, str] = {",
        *(f"    {k}: {v!r}," for k, v in ops.items()),
        "}",
        "",
        "# BuiltinOptions union: type index -> options table name (0 is NONE).",
        "BUILTIN_OPTIONS: dict[int, str] = {",
        *(f"    {k}: {v!r}," for k, v in options.items()),
        "}",
        "",
        "# TensorType: code -> (name, bytes per element); 0 = never allocated, only named.",
        "TENSOR_TYPES: dict[int, tuple[str, int]] = {",
        *(f"    {k}: ({v!r}, {ITEMSIZE.get(v, 0)})," for k, v in types.items()),
        "}",
        "",
        f"PADDING: dict[int, str] = {enum(mod, 'Padding')!r}",
        f"ACTIVATIONS: dict[int, str] = {enum(mod, 'ActivationFunctionType')!r}",
        "",
        "FIELDS: dict[str, dict[str, tuple[int, str, object]]] = {",
    ]
    tables = list(STRUCTURE) + [
        v for v in options.values() if v != "NONE" and hasattr(mod, v)
    ]
    for t in tables:
        lines.append(f"    {t!r}: {{")
        for name, slot, kind, default in fields(mod, t):
            lines.append(f"        {name!r}: ({slot}, {kind!r}, {default!r}),")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if codegen/schema.py differs")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = render(find_source())
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is not current: run scripts/gen_tflite_schema.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
