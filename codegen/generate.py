"""`tinyfw generate`: .tflite -> C sources, written atomically.

compile_model() does everything in memory (read, lower every op, plan the arena, render);
nothing touches the output folder until every op has lowered and every file has rendered.
write_generated() then writes into a temporary sibling folder and swaps it in, refusing to
overwrite a generated file that was edited by hand (unless force=True, which keeps a backup).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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
    files: dict[str, str] = field(default_factory=dict)  # file name -> text

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
    for t in list(graph.inputs) + list(graph.outputs):
        tensor = graph.tensors[t]
        if tensor.dtype == "int16":
            raise InputError(
                "is int16: int16 activations (16x8 quantization) are not supported; re-convert "
                "with int8 activations (TFLITE_BUILTINS_INT8, inference_input_type=tf.int8)",
                file=graph.where,
                field=f"{'input' if t in graph.inputs else 'output'} {tensor.describe()}",
            )


def lower_graph(graph: Graph, prefix: str = "model") -> list[Lowered]:
    """Lower every op; the first unsupported op or type raises InputError (nothing written).

    Model inputs and outputs are int8; the only float allowed is at the boundary: a float32
    model input read only by QUANTIZE ops, a float32 model output written by DEQUANTIZE.
    """
    table = load_lowerings()
    ctx = LowerContext(graph, prefix)
    if not graph.inputs or not graph.outputs:
        raise InputError("the model has no inputs or no outputs", file=graph.where)
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
    data = {"p": prefix, "P": P, "length": len(graph.raw), "sha256": sha}
    code.files[f"{prefix}_data.h"] = emit.render(env, "model_data.h.j2", sha, **data)
    code.files[f"{prefix}_data.c"] = emit.render(
        env, "model_data.c.j2", sha, data=list(graph.raw), **data
    )
    return code


def write_generated(out_dir: Path, files: dict[str, str], *, force: bool = False) -> list[Path]:
    """Write `files` as the whole content of `out_dir`, atomically.

    Refuses (InputError) when a file in out_dir was edited by hand or was not generated, unless
    force=True: then the old folder is kept as `<out_dir>.bak`. Returns the backups made.
    """
    out_dir = Path(out_dir)
    backups: list[Path] = []
    if out_dir.exists():
        if not out_dir.is_dir():
            raise InputError("exists and is not a folder", file=out_dir)
        problems = []
        for f in sorted(out_dir.iterdir()):
            if f.is_dir():
                problems.append((f, "is a folder, not a generated file"))
                continue
            try:
                why = emit.check_generated(f.read_text(encoding="utf-8", errors="replace"))
            except OSError as e:
                why = f"cannot be read ({e.strerror})"
            if why is not None:
                problems.append((f, why))
        if problems and not force:
            f, why = problems[0]
            raise InputError(
                f"{why}; move your code to firmware/user/ or regenerate with --force "
                "(keeps a backup)",
                file=f,
            )
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
    try:
        for name, text in sorted(files.items()):
            with open(tmp / name, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        if out_dir.exists():
            old = parent / f".{out_dir.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.rename(out_dir, old)
            try:
                os.rename(tmp, out_dir)
            except BaseException:
                os.rename(old, out_dir)
                raise
            if force:
                bak = parent / f"{out_dir.name}.bak"
                if bak.exists():
                    shutil.rmtree(bak)
                os.rename(old, bak)
                backups.append(bak)
            else:
                shutil.rmtree(old)
        else:
            os.rename(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return backups


def generate(
    model_path: Path, out_dir: Path, *, prefix: str = "model", force: bool = False,
    extra_files: dict[str, str] | None = None,
) -> ModelCode:
    """Read, compile and write. `extra_files` (e.g. app_config.h) are written with the model."""
    graph = read_model(model_path)
    code = compile_model(graph, prefix)
    files = dict(code.files)
    files.update(extra_files or {})
    write_generated(out_dir, files, force=force)
    return code
