"""Generation for a tinyfw project: the model's C plus the application settings
(app_config.h/.c) from tinyfw.toml and the model's input/output quantization."""

from __future__ import annotations

from pathlib import Path

from tinyfw import __version__
from tinyfw.codegen import emit
from tinyfw.codegen.generate import ModelCode, check_output, compile_model, write_generated
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.config import Config
from tinyfw.errors import InputError
from tinyfw.model import contract as model_contract
from tinyfw.model.postprocess import PostParams
from tinyfw.model.preprocess import PreprocessParams
from tinyfw.sim.boards import load_board
from tinyfw.sim.fit import check_model_fits


def app_config_files(
    cfg: Config, code: ModelCode, contract: model_contract.Contract | None = None
) -> dict[str, str]:
    """Render app_config.h/.c for this project and compiled model. `contract` is the one the
    model carries (None: it has none, tinyfw.toml stands in and app_config.h says so)."""
    g = code.graph
    x = g.tensors[g.inputs[0]]
    y = g.tensors[g.outputs[0]]
    where = g.where
    channels = len(cfg.data.columns)
    classes = cfg.data.classes
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        raise InputError(
            f"the application needs a model with 1 input and 1 output, this one has "
            f"{len(g.inputs)} and {len(g.outputs)}",
            file=where,
        )
    if x.numel != cfg.window.length * channels:
        raise InputError(
            f"model input {list(x.shape)} does not hold a window of {cfg.window.length} frames x "
            f"{channels} channels (tinyfw.toml [window].length, [data].columns)",
            file=where,
            field="input",
        )
    if y.numel != len(classes):
        raise InputError(
            f"model output {list(y.shape)} does not match the {len(classes)} classes in "
            "tinyfw.toml [data].classes",
            file=where,
            field="output",
        )
    for what, t in (("input", x), ("output", y)):
        if t.dtype != "int8" or t.quant is None:
            raise InputError(
                f"the sensor application needs an int8 model {what}, this one is {t.dtype}; "
                "re-convert with inference_input_type/inference_output_type = tf.int8 "
                "(`tinyfw verify` still proves such a model)",
                file=where,
                field=what,
            )
    try:
        pre = PreprocessParams.for_model(
            cfg, x.scale, x.zero_point, center=model_contract.center_of(contract, cfg)
        )
        post = PostParams.from_config(cfg.post, len(classes), y.scale, y.zero_point)
    except ValueError as e:
        raise InputError(str(e), file=where) from None
    env = emit.environment()
    ctx = {
        "config_name": cfg.path.name if cfg.path else "defaults",
        "version": __version__,
        "channels": channels,
        "columns": list(cfg.data.columns),
        "units": cfg.data.units,
        "rate_text": repr(cfg.data.rate_hz),
        "rate_millihz": round(cfg.data.rate_hz * 1000),
        "window_len": cfg.window.length,
        "window_hop": cfg.window.hop,
        "labels": list(classes),
        "pre": pre,
        "pre_real_text": repr(cfg.data.unit_scale / x.scale),
        "post": post,
        "threshold_text": repr(cfg.post.threshold),
        "contract_source": "model" if contract is not None else "none",
        "contract_sha256": model_contract.sha256(
            contract if contract is not None else model_contract.from_config(cfg)
        ),
    }
    return {
        "app_config.h": emit.render(env, "app_config.h.j2", g.sha256, **ctx),
        "app_config.c": emit.render(env, "app_config.c.j2", g.sha256, **ctx),
    }


def generate_project(cfg: Config, model: Path, out_dir: Path, *, force: bool = False,
                     backend: str | None = None) -> ModelCode:
    """Everything `tinyfw generate` writes, validated in memory first, then swapped in.
    A model whose contract (model/contract.py) disagrees with tinyfw.toml is refused before
    anything is written; so is an output folder that cannot be written (checked first).
    `backend` (native or tflm; default [firmware].backend) picks the inference code."""
    check_output(out_dir, force=force)
    graph = read_model(model)
    contract = model_contract.read(graph.raw, model_file=model)
    model_contract.check(contract, cfg, model_file=model)
    if (backend or cfg.firmware.backend) == "tflm":
        from tinyfw.codegen.tflm import compile_tflm
        from tinyfw.model.oracle_arena import measured_arena

        code = compile_tflm(graph, measured=measured_arena(graph.raw),
                            arena_bytes=cfg.firmware.tflm_arena_bytes)
    else:
        code = compile_model(graph)
    # the board of tinyfw.toml: a model that cannot fit it is refused with the numbers (the TFLM
    # backend's constant data is the model array itself)
    const_bytes = len(graph.raw) if (backend or cfg.firmware.backend) == "tflm" else code.const_bytes
    check_model_fits(load_board(cfg.board.id, cfg.root / "boards"), code.plan.arena_size,
                     const_bytes)
    files = dict(code.files)
    files.update(app_config_files(cfg, code, contract))
    write_generated(out_dir, files, force=force)
    return code
