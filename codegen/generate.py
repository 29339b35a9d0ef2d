"""`tinyfw generate`: .tflite -> C sources, written atomically.

check_output() refuses an output folder that cannot be written before any work;
compile_model() does everything in memory (read, lower every op, plan the arena, render);
nothing touches the output folder until every op has lowered and every file has rendered.
write_generated() then writes into a temporary sibling folder and swaps it in, refusing to
overwrite a generated file that was edited by hand (unless force=True, which keeps a backup);
the folder machinery (swap, lock, recovery of killed runs) is tinyfw.fileio.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinyfw import __version__, fileio
from tinyfw.codegen import emit
from tinyfw.codegen.ir import Graph, Op, Tensor
from tinyfw.codegen.lowering import LowerContext, Lowered, load_lowerings
from tinyfw.codegen.planner import Plan, plan_arena
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.errors import InputError


@dataclass
class ModelCode:
    graph: Graph
    lowered: list[Lowered]
    plan: Plan
    prefix: str
    files: dict[str, str | bytes] = field(default_factory=dict)  # name -> text (bytes: .tflite)

    @property
    def macs(self) -> int:
        return sum(low.macs for low in self.lowered)

    @property
    def const_bytes(self) -> int:
        return sum(c.values.size * _CSIZE[c.ctype] for low in self.lowered for c in low.consts)


_CSIZE = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int32_t": 4}


def _consumers(graph: Graph, t: int) -> list[Op]:
    return [op for op in graph.ops if t in op.inputs]


def _producer(graph: Graph, t: int) -> Op | None:
    return next((op for op in graph.ops if t in op.outputs), None)


def _check_model_types(graph: Graph) -> None:
    """Reject float, hybrid and int16 models with one line that says how to re-convert."""
    full_int8 = "re-convert with full int8: representative_dataset + TFLITE_BUILTINS_INT8"
    for op in graph.ops:
        ins = [graph.tensors[i] for i in op.inputs if i >= 0]
        float_acts = [t for t in ins if t.dtype == "float32" and not t.is_const]
        int8_consts = [t for t in ins if t.dtype == "int8" and t.is_const]
        float_consts = [t for t in ins if t.dtype == "float32" and t.is_const]
        if op.opcode == "QUANTIZE" and len(ins) == 1 and ins[0].index in graph.inputs:
            continue
        if float_acts and int8_consts:
            raise InputError(
                f"is a hybrid (dynamic-range) quantized op: float32 activations "
                f"({float_acts[0].describe()}) with int8 weights ({int8_consts[0].describe()}); "
                f"{full_int8}",
                file=graph.where,
                field=op.describe(),
            )
        if float_acts or float_consts:
            t = (float_acts or float_consts)[0]
            raise InputError(
                f"computes in float32 ({t.describe()}): this is a float model; {full_int8}",
                file=graph.where,
                field=op.describe(),
            )
    for op in graph.ops:
        for t in [graph.tensors[i] for i in list(op.inputs) + list(op.outputs) if i >= 0]:
            if t.dtype == "int16" and not t.is_const and t.index not in graph.inputs:
                raise InputError(
                    f"reads or writes int16 activations ({t.describe()}): 16x8 quantization is "
                    "not supported; re-convert with int8 activations (TFLITE_BUILTINS_INT8)",
                    file=graph.where,
                    field=op.describe(),
                )
    for t in list(graph.inputs) + list(graph.outputs):
        tensor = graph.tensors[t]
        if tensor.dtype == "int16":
            raise InputError(
                "is int16: int16 activations (16x8 quantization) are not supported; re-convert "
                "with int8 activations (TFLITE_BUILTINS_INT8, inference_input_type=tf.int8)",
                file=graph.where,
                field=f"{'input' if t in graph.inputs else 'output'} {tensor.describe()}",
            )


def _check_dataflow(graph: Graph) -> None:
    """The ops run in file order: every activation an op reads must be a model input or
    written by an earlier op, and every tensor is written once, by an op, never a constant
    or a model input."""
    writer: dict[int, int] = {}
    for op in graph.ops:
        for t in op.outputs:
            if t in writer:
                raise InputError(
                    f"writes {graph.tensors[t].describe()}, which op {writer[t]} already writes",
                    file=graph.where, field=op.describe())
            writer[t] = op.index
    for op in graph.ops:
        for t in op.outputs:
            tensor = graph.tensors[t]
            if tensor.is_const or t in graph.inputs or t in op.inputs:
                what = ("a constant" if tensor.is_const else
                        "a model input" if t in graph.inputs else "its own input")
                raise InputError(f"writes {tensor.describe()}, which is {what}",
                                 file=graph.where, field=op.describe())
        for t in op.inputs:
            if t < 0 or graph.tensors[t].is_const or t in graph.inputs:
                continue
            w = writer.get(t)
            if w is None:
                raise InputError(
                    f"reads {graph.tensors[t].describe()}, which is not constant, not a model "
                    "input and written by no op", file=graph.where, field=op.describe())
            if w >= op.index:
                raise InputError(
                    f"reads {graph.tensors[t].describe()} before op {w} writes it: the ops are "
                    "not in execution order (re-convert the model)",
                    file=graph.where, field=op.describe())
    for t in graph.outputs:
        if t not in writer and t not in graph.inputs:
            raise InputError(f"{graph.tensors[t].describe()} is a model output that no op "
                             "writes", file=graph.where, field="subgraph 0 outputs")


def lower_graph(graph: Graph, prefix: str = "model") -> list[Lowered]:
    """Lower every op; the first unsupported op or type raises InputError (nothing written).

    Model inputs and outputs are int8; the only float allowed is at the boundary: a float32
    model input read only by QUANTIZE ops, a float32 model output written by DEQUANTIZE.
    """
    table = load_lowerings()
    ctx = LowerContext(graph, prefix)
    if not graph.inputs or not graph.outputs:
        raise InputError("the model has no inputs or no outputs", file=graph.where)
    _check_dataflow(graph)
    _check_model_types(graph)
    for t in list(graph.inputs) + list(graph.outputs):
        tensor = graph.tensors[t]
        is_input = t in graph.inputs
        if tensor.dtype == "int8":
            continue
        if tensor.dtype == "float32":
            if is_input and t not in graph.outputs:
                users = _consumers(graph, t)
                if users and all(op.opcode == "QUANTIZE" for op in users):
                    continue
            elif not is_input:
                producer = _producer(graph, t)
                if producer is not None and producer.opcode == "DEQUANTIZE":
                    continue
        raise InputError(
            f"is {tensor.dtype}; tinyfw needs int8 model inputs and outputs, or float32 ones "
            "that only a QUANTIZE reads / a DEQUANTIZE writes (re-convert with "
            "inference_input_type=tf.int8 and inference_output_type=tf.int8)",
            file=graph.where,
            field=f"{'input' if is_input else 'output'} {tensor.describe()}",
        )
    lowered = []
    for op in graph.ops:
        fn = table.get(op.opcode)
        if fn is None:
            supported = ", ".join(sorted(table))
            raise InputError(
                f"is not supported by tinyfw; replace it in the model with supported ops "
                f"({supported})",
                file=graph.where,
                field=op.describe(),
            )
        lowered.append(fn(op, ctx))
    return lowered


def _tensor_info(t: Tensor, plan: Plan) -> dict:
    return {
        "index": t.index,
        "nbytes": t.nbytes,
        "offset": plan.tensor_offset[t.index],
        "zero_point": t.zero_point if t.quant else 0,
        "scale_text": repr(t.scale) if t.quant else "none",
    }


def compile_model(graph: Graph, prefix: str = "model") -> ModelCode:
    """Lower, plan and render; returns the files in memory."""
    emit.c_ident(prefix)
    lowered = lower_graph(graph, prefix)
    plan = plan_arena(graph, lowered)
    code = ModelCode(graph, lowered, plan, prefix)
    env = emit.environment()
    P = prefix.upper()
    headers = sorted({low.header for low in lowered if low.header})

    def arg_info(low: Lowered) -> list[dict]:
        out = []
        for a in low.args:
            off = -1
            if a.kind == "tensor":
                off = plan.tensor_offset[a.tensor]
            elif a.kind == "scratch":
                off = plan.scratch_offset[low.op.index]
            out.append({"kind": a.kind, "ctype": a.ctype, "name": a.name, "offset": off})
        return out

    view = []
    for low in lowered:
        trace = [
            {"index": t, "offset": plan.tensor_offset[t], "nbytes": graph.tensors[t].nbytes}
            for t in low.op.outputs
        ]
        view.append(
            {
                "op": low.op,
                "kernel": low.kernel,
                "note": low.note,
                "consts": low.consts,
                "params_type": low.params_type,
                "params": low.params,
                "args": arg_info(low),
                "trace": trace,
            }
        )
    common = {
        "p": prefix,
        "P": P,
        "ops": graph.ops,
        "macs": code.macs,
        "arena_size": plan.arena_size,
        "const_bytes": code.const_bytes,
        "model_name": graph.path.name if graph.path else "model",
        "inputs": [_tensor_info(graph.tensors[t], plan) for t in graph.inputs],
        "outputs": [_tensor_info(graph.tensors[t], plan) for t in graph.outputs],
        "sha_prefix": graph.sha256[:12],
    }
    sha = graph.sha256
    code.files[f"{prefix}.h"] = emit.render(env, "model.h.j2", sha, **common)
    code.files[f"{prefix}.c"] = emit.render(
        env, "model.c.j2", sha, headers=headers, lowered=view, **common
    )
    # For the later steps (simulate, cost, renode, the contract check): the model itself and a
    # machine-readable description, never regex-parsed back out of the C.
    code.files[f"{prefix}.tflite"] = bytes(graph.raw)
    code.files[f"{prefix}.json"] = emit.render_json(describe_generated(code, common), sha)
    data = {"p": prefix, "P": P, "length": len(graph.raw), "sha256": sha}
    code.files[f"{prefix}_data.h"] = emit.render(env, "model_data.h.j2", sha, **data)
    code.files[f"{prefix}_data.c"] = emit.render(
        env, "model_data.c.j2", sha, data=list(graph.raw), **data
    )
    return code


def describe_generated(code: ModelCode, common: dict[str, Any]) -> dict[str, Any]:
    """What `<prefix>.json` says about the generated model (GeneratedModel reads it)."""
    graph = code.graph
    return {
        "format": 1,
        "generator_version": __version__,
        "prefix": code.prefix,
        "model_file": common["model_name"],
        "model_sha256": graph.sha256,
        "model_sha256_prefix": common["sha_prefix"],
        "tflite": f"{code.prefix}.tflite",
        "tflite_bytes": len(graph.raw),
        "arena_bytes": code.plan.arena_size,
        "macs": code.macs,
        "const_bytes": code.const_bytes,
        "inputs": [{k: v for k, v in t.items() if k != "scale_text"} | {"scale": t["scale_text"]}
                   for t in common["inputs"]],
        "outputs": [{k: v for k, v in t.items() if k != "scale_text"} | {"scale": t["scale_text"]}
                    for t in common["outputs"]],
        "ops": [{"index": low.op.index, "opcode": low.op.opcode, "kernel": low.kernel,
                 "macs": low.macs} for low in code.lowered],
    }


@dataclass(frozen=True)
class GeneratedModel:
    """A generated folder as later steps see it: the .tflite it was generated from and its
    description (`model.json`), both checked unedited."""

    folder: Path
    tflite: bytes
    description: dict[str, Any]

    @property
    def sha256(self) -> str:
        return str(self.description["model_sha256"])

    @property
    def arena_bytes(self) -> int:
        return int(self.description["arena_bytes"])


def read_generated(gen_dir: Path, prefix: str = "model") -> GeneratedModel:
    """The model a generated folder was made from (InputError naming the file otherwise)."""
    gen_dir = Path(gen_dir)
    desc_path = gen_dir / f"{prefix}.json"
    try:
        text = desc_path.read_text(encoding="utf-8")
    except OSError:
        raise InputError(
            "no generated model description here; run `tinyfw generate`", file=desc_path
        ) from None
    why = emit.check_generated(text)
    if why is not None:
        raise InputError(why, file=desc_path)
    desc = json.loads(text)
    tflite_path = gen_dir / str(desc["tflite"])
    why = _check_tflite(tflite_path)
    if why is not None:
        raise InputError(why, file=tflite_path)
    return GeneratedModel(gen_dir, tflite_path.read_bytes(), desc)


def embedded_model(gen_dir: Path) -> bytes:
    """The .tflite bytes a generated folder was made from (what the firmware was built from)."""
    return read_generated(gen_dir).tflite


_MODEL_SHA = re.compile(r"from model sha256 ([0-9a-f]{64})")


def _check_tflite(path: Path) -> str | None:
    """A generated .tflite is unedited when its sha256 is the one its description's banner
    names (the description itself is checked like any generated text file)."""
    try:
        data = path.read_bytes()
        first = path.with_suffix(".json").read_text(encoding="utf-8").split("\n", 1)[0]
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    m = _MODEL_SHA.search(first)
    if m is None or hashlib.sha256(data).hexdigest() != m.group(1):
        return "edited by hand since it was generated (not the model its description names)"
    return None


def check_generated_file(rel: str, path: Path) -> str | None:
    """None if `path` is an unedited file that `tinyfw generate` wrote, else why not."""
    if path.suffix == ".tflite":
        return _check_tflite(path)
    return emit.check_generated(path.read_text(encoding="utf-8", errors="replace"))


GENERATE_HINT = "move your code to firmware/user/ or regenerate with --force"


def check_output(out_dir: Path, *, force: bool = False) -> Path:
    """Before compiling: `out_dir` can be written by write_generated (InputError, one line,
    otherwise: a read-only or impossible folder, the project folder, hand edits unless
    force). Returns the folder that will be written (a symlink followed)."""
    return fileio.check_output_folder(Path(out_dir), check_generated_file, force=force, hint=GENERATE_HINT)


def write_generated(out_dir: Path, files: dict[str, str | bytes], *, force: bool = False) -> list[Path]:
    """Write `files` as the whole content of `out_dir`: all or nothing, user edits never lost
    (tinyfw.fileio.write_folder). A generated file edited by hand, or a file or folder tinyfw
    did not write, stops the run (InputError naming it) unless force=True: then the old folder
    is kept as `<out_dir>.bak` (`.bak-2`, ...). Returns the backups made.
    """
    for name in files:
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"generated file name {name!r} is not a plain file name")
    return fileio.write_folder(
        Path(out_dir), files, check=check_generated_file, force=force, what="tinyfw generate",
        hint=GENERATE_HINT,
    )


def generate(
    model_path: Path, out_dir: Path, *, prefix: str = "model", force: bool = False,
    extra_files: dict[str, str] | None = None,
) -> ModelCode:
    """Read, compile and write. `extra_files` (e.g. app_config.h) are written with the model.
    An output folder that cannot be written stops it before the model is read."""
    check_output(out_dir, force=force)
    graph = read_model(model_path)
    code = compile_model(graph, prefix)
    files = dict(code.files)
    files.update(extra_files or {})
    write_generated(out_dir, files, force=force)
    return code
