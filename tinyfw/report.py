"""`tinyfw report`: one self-contained HTML page (pictures inline as base64 PNG) under
build/report/: training curves; confusion matrices of the float model, the int8 model and the
firmware; a timeline of one recorded trace with the firmware's activities over the raw signal;
per-layer MACs, weight bytes and measured instructions; the firmware's flash/RAM map; the
per-board fit table; and what changed since the previous build.

`collect()` brings the project up to date (tinyfw.pipeline: only the stale steps) and measures
what the page needs, caching the slow parts (per-op instructions, the per-board costs) under
build/report/ by content hash like the pipeline's steps; it returns plain JSON data (kept as
build/report/data.json). `render()` turns that data into the page; it runs nothing.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tinyfw import __version__, fileio
from tinyfw.config import Config
from tinyfw.console import Console
from tinyfw.errors import InputError

DATA_FORMAT = 1
# (section id, title): every section the page has, in order.
SECTIONS = [
    ("summary", "Summary"),
    ("training", "Training curves"),
    ("confusion", "Confusion matrices"),
    ("timeline", "Timeline of a recorded trace"),
    ("layers", "Per layer: MACs, weights, instructions"),
    ("memory", "Flash and RAM map"),
    ("boards", "Per-board fit"),
]


# -- collecting ------------------------------------------------------------------------------


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _cached(path: Path, key: dict[str, str], make: Callable[[], Any]) -> Any:
    """make(), unless `path` holds a result made from the same inputs (`key`)."""
    from tinyfw.pipeline import digest

    k = digest(key)
    old = _json(path)
    if isinstance(old, dict) and old.get("key") == k:
        return old["value"]
    value = make()
    fileio.atomic_write_text(path, json.dumps({"key": k, "value": value}) + "\n")
    return value


def trace_timeline(cfg: Config, board: str, elf: Path, recording: str | None,
              split: str) -> dict[str, Any]:
    """Run the firmware on one recording; its samples and its activity per window."""
    from tinyfw.sim import protocol
    from tinyfw.sim.qemu import ICOUNT_SHIFT, run_elf
    from tinyfw.sim.simulate import FIRMWARE_ARGV0, run_folder, select_recordings, write_trace

    recs = select_recordings(cfg, cfg.data_dir(), split)
    if recording is not None:
        chosen = [r for r in recs if r.name == recording]
        if not chosen:
            raise InputError(f"no recording named {recording!r} in the {split} split",
                             field="--recording")
        rec = chosen[0]
    else:
        rec = recs[0]
    with run_folder(cfg.root / "build" / "report" / board) as work:
        trace = write_trace(rec.samples, work / "0.bin")
        run = run_elf(elf.resolve(), board, args=[trace.name], argv0=FIRMWARE_ARGV0, cwd=work,
                      timeout_s=60, icount_shift=ICOUNT_SHIFT)
    app = protocol.read_app(run.uart_lines)
    if run.exit_code != 0 or not app.wins:
        raise InputError(f"the firmware failed on {rec.name}: exit {run.exit_code}", file=elf)
    return {
        "recording": rec.name,
        "label": int(rec.label),
        "rate_hz": cfg.data.rate_hz,
        "length": cfg.window.length,
        "hop": cfg.window.hop,
        "columns": list(cfg.data.columns),
        "units": cfg.data.units,
        "samples": rec.samples.astype(int).tolist(),
        "windows": [{"index": w.index, "cls": w.cls, "act": w.act} for w in app.wins],
    }


def _profile(cfg: Config, board: str, gen_dir: Path) -> list[dict[str, Any]]:
    """Instructions of every op of the generated model on `board`, measured in QEMU with the
    bench app (tinyfw.sim.bench) on the first test window."""
    import numpy as np

    from tinyfw.model.evaluate import model_params
    from tinyfw.model.oracle import Oracle
    from tinyfw.model.preprocess import preprocess_window
    from tinyfw.model.windows import make_windows
    from tinyfw.sim.bench import bench_board
    from tinyfw.sim.simulate import select_recordings

    work = cfg.root / "build" / "report" / f"bench-{board}"
    model = gen_dir / "model.tflite"
    rec = select_recordings(cfg, cfg.data_dir(), "test")[0]
    windows, _ = make_windows(rec.samples, cfg.window.length, cfg.window.hop)
    pre, _ = model_params(Oracle(model.read_bytes()), cfg)
    x = np.asarray(preprocess_window(windows[:1], pre)).reshape(-1)
    work.mkdir(parents=True, exist_ok=True)
    csv = work / "input.csv"
    csv.write_text(",".join(str(int(v)) for v in x) + "\n")
    result = bench_board(model, csv, board, work, per_op=True)
    if not result["bit_exact"]:
        raise InputError("the profiled firmware is not bit-exact with TFLM", file=model)
    return result["per_op"]


def _memory(elf: Path) -> dict[str, Any]:
    from tinyfw.sim.elfsize import elf_sizes, symbol_sizes

    sizes = elf_sizes(elf)
    syms = symbol_sizes(elf)
    groups = {"kernels (tfw_*)": 0, "model weights and parameters (model_*)": 0,
              "arena": 0, "other": 0}
    for name, n in syms.items():
        if name.startswith("tfw_"):
            groups["kernels (tfw_*)"] += n
        elif "arena" in name:
            groups["arena"] += n
        elif name.startswith("model_"):
            groups["model weights and parameters (model_*)"] += n
        else:
            groups["other"] += n
    return {"sizes": asdict(sizes), "groups": groups,
            "top_symbols": list(syms.items())[:15]}


def collect(cfg: Config, board: str, *, console: Console, boards: list[str] | None = None,
            recording: str | None = None) -> dict[str, Any]:
    """Bring the project up to date and gather everything the page shows (see the module
    docstring); also kept as build/report/data.json."""
    from tinyfw import summary
    from tinyfw.codegen.inspect import describe
    from tinyfw.pipeline import Ctx, data_inputs, digest, hash_files, run_pipeline, sha256_file
    from tinyfw.quiet import captured_fd2
    from tinyfw.sim.cost import cost_report

    ctx = Ctx(cfg, board, cfg.data_dir(), "test", console)
    run_pipeline(ctx)
    out = cfg.root / "build" / "report"
    gen = ctx.gen_dir
    fw = {"elf": sha256_file(ctx.elf), "generated": json.dumps(hash_files(gen, ["."]))}
    train = _json(ctx.model_dir / "report.json") or {}
    with captured_fd2():
        console.say("report: per-op instructions (bench build, cached)")
        with console.task("report: per-op instructions"):
            per_op = _cached(out / f"profile-{board}.json", {**fw, "board": board},
                             lambda: _profile(cfg, board, gen))
        boards = boards or ["all"]
        console.say(f"report: per-board costs ({', '.join(boards)}; cached)")
        fw_all = {"firmware": json.dumps(hash_files(cfg.root, ["firmware", "boards"])),
                  "data": digest(data_inputs(cfg, cfg.data_dir())),
                  "boards": ",".join(boards), "config": repr(asdict(cfg))}
        with console.task("report: per-board costs"):
            costs = _cached(out / "cost.json", fw_all, lambda: [
                asdict(c) for c in cost_report(cfg, boards, data_dir=cfg.data_dir())])
        console.say("report: timeline")
        timeline = trace_timeline(cfg, board, ctx.elf, recording, "test")
    info = describe(gen / "model.tflite")
    measured = {row["op"]: row["instructions"] for row in per_op}
    layers = [{"index": op["index"], "op": op["op"], "kernel": op["kernel"],
               "macs": op["macs"], "weight_bytes": op["weight_bytes"],
               "instructions": measured.get(op["index"])} for op in info["ops"]]
    now = summary.build_summary(cfg.root, ctx.report)
    prev = _json(cfg.root / summary.PREVIOUS)
    data = {
        "format": DATA_FORMAT,
        "tinyfw": __version__,
        "board": board,
        "classes": list(cfg.data.classes),
        "summary": now,
        "changes": summary.diff(prev, now) if isinstance(prev, dict) else None,
        "history": train.get("history", []),
        "confusion": now["confusion"],
        "timeline": timeline,
        "layers": layers,
        "memory": _memory(ctx.elf),
        "costs": costs,
    }
    fileio.atomic_write_text(out / "data.json", json.dumps(data) + "\n")
    return data


def load_data(path: Path) -> dict[str, Any]:
    data = _json(path)
    if not isinstance(data, dict) or data.get("format") != DATA_FORMAT:
        raise InputError("not report data written by `tinyfw report`", file=path)
    return data


# -- rendering -------------------------------------------------------------------------------


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}">'


def _table(head: list[str], rows: list[list[Any]], cls: str = "") -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            v = f"{v:.4g}"
        return html.escape("" if v is None else str(v))

    h = "".join(f"<th>{cell(x)}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{cell(x)}</td>" for x in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def _plots() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    import matplotlib.pyplot as plt

    return plt


def _training(data: dict[str, Any]) -> str:
    hist = data.get("history") or []
    if not hist:
        return "<p>No training history (the model was trained before tinyfw kept one).</p>"
    plt = _plots()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.2))
    ep = [h["epoch"] for h in hist]
    a.plot(ep, [h["loss"] for h in hist], marker=".")
    a.set(title="training loss", xlabel="epoch", ylabel="loss")
    b.plot(ep, [h["accuracy"] for h in hist], marker=".", label="training")
    val = [(h["epoch"], h["val_accuracy"]) for h in hist if "val_accuracy" in h]
    if val:
        b.plot(*zip(*val, strict=True), marker="o", label="validation")
    b.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    b.legend()
    for ax in (a, b):
        ax.grid(alpha=0.3)
    return _img(_png(fig), "training curves")


def _confusion(data: dict[str, Any]) -> str:
    plt = _plots()
    classes = data["classes"]
    kinds = [(k, t) for k, t in (("float", "float (Keras)"), ("int8", "int8 (TFLM)"),
                                 ("firmware", "firmware (QEMU)")) if k in data["confusion"]]
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds), 3.8), squeeze=False)
    for ax, (k, title) in zip(axes[0], kinds, strict=True):
        cm = data["confusion"][k]
        cols = classes + (["undef."] if len(cm[0]) > len(classes) else [])
        ax.imshow(cm, cmap="Blues")
        for i, row in enumerate(cm):
            for j, v in enumerate(row):
                ax.text(j, i, str(v), ha="center", va="center", fontsize=9,
                        color="white" if v > 0.6 * max(max(r) for r in cm) else "black")
        ax.set_xticks(range(len(cols)), cols, rotation=30)
        ax.set_yticks(range(len(classes)), classes)
        ax.set(title=title, xlabel="predicted", ylabel="true")
    fig.tight_layout()
    acc = data["summary"]["accuracy"]
    note = ", ".join(f"{k} {100 * v:.2f} %" for k, v in acc.items() if v is not None)
    return _img(_png(fig), "confusion matrices") + f"<p>Accuracy per window: {note}.</p>"


def _timeline_html(data: dict[str, Any]) -> str:
    plt = _plots()
    t = data["timeline"]
    classes = data["classes"]
    rate, hop, length = t["rate_hz"], t["hop"], t["length"]
    samples = t["samples"]
    fig, (sig, act) = plt.subplots(2, 1, figsize=(11, 4.2), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 1]})
    xs = [i / rate for i in range(len(samples))]
    for c, name in enumerate(t["columns"]):
        sig.plot(xs, [s[c] for s in samples], lw=0.8, label=name)
    sig.set(ylabel=t["units"], title=f"{t['recording']} (true class: {classes[t['label']]})")
    sig.legend(loc="upper right", ncols=len(t["columns"]))
    colors = plt.get_cmap("tab10")
    for w in t["windows"]:
        end = (w["index"] * hop + length) / rate  # the activity is decided at the window's end
        a = w["act"]
        act.barh(0, hop / rate, left=end - hop / rate, height=0.8,
                 color="lightgrey" if a < 0 else colors(a % 10))
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors(i % 10)) for i in range(len(classes))]
    act.legend(handles, classes, loc="upper right", ncols=len(classes), fontsize=8)
    act.set(yticks=[], xlabel="time (s)", ylabel="firmware")
    fig.tight_layout()
    n = len(t["windows"])
    right = sum(1 for w in t["windows"] if w["act"] == t["label"])
    return (_img(_png(fig), "timeline") +
            f"<p>The firmware (in QEMU) on {html.escape(t['recording'])}: {n} windows, "
            f"{right} with the true activity; grey: undecided.</p>")


def _layers(data: dict[str, Any]) -> str:
    layers = data["layers"]
    rows = [[x["index"], x["op"], x["kernel"], x["macs"], x["weight_bytes"], x["instructions"],
             f"{x['instructions'] / x['macs']:.2f}" if x["instructions"] and x["macs"] else ""]
            for x in layers]
    total = sum(x["instructions"] or 0 for x in layers)
    rows.append(["", "total", "", sum(x["macs"] for x in layers),
                 sum(x["weight_bytes"] for x in layers), total, ""])
    plt = _plots()
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(layers) + 1))
    names = [f"{x['index']} {x['op']}" for x in layers]
    ax.barh(names, [x["instructions"] or 0 for x in layers], color="tab:blue")
    ax.invert_yaxis()
    ax.set(xlabel=f"instructions on {data['board']} (QEMU -icount)")
    return (_table(["#", "op", "kernel", "MACs", "weight B", "instructions", "instr./MAC"],
                   rows) + _img(_png(fig), "instructions per layer"))


def _memory_html(data: dict[str, Any]) -> str:
    m = data["memory"]
    s = m["sizes"]
    plt = _plots()
    fig, ax = plt.subplots(figsize=(10, 2.2))
    flash = [("code", s["code"]), ("read-only data", s["rodata"]), (".data image", s["data"])]
    ram = [(".data", s["data"]), (".bss", s["bss"]), ("stacks (reserved)", s["stack_reserved"])]
    for y, parts in ((1, flash), (0, ram)):
        left = 0
        for i, (name, n) in enumerate(parts):
            ax.barh(y, n, left=left, color=plt.get_cmap("Set2")(i + 3 * y), edgecolor="white")
            if n:
                ax.text(left + n / 2, y, f"{name}\n{n} B", ha="center", va="center", fontsize=8)
            left += n
    ax.set_yticks([0, 1], ["RAM", "flash"])
    ax.set(xlabel="bytes")
    groups = [[k, v] for k, v in m["groups"].items()]
    sections = [[k, v] for k, v in s["sections"].items()]
    return (_img(_png(fig), "flash and RAM map") +
            f"<p>flash {s['flash']} B, static RAM {s['ram_static']} B, stacks reserved "
            f"{s['stack_reserved']} B.</p><div class='cols'>" +
            _table(["symbols", "bytes"], groups) + _table(["section", "bytes"], sections) +
            _table(["largest symbols", "bytes"], [list(x) for x in m["top_symbols"]]) + "</div>")


def _boards(data: dict[str, Any]) -> str:
    rows = []
    for c in data["costs"]:
        rows.append([c["board"], c["name"], "yes" if c["fits"] else "NO",
                     f"{c['flash_bytes']} / {c['flash_limit']}",
                     f"{c['ram_bytes']} / {c['ram_limit']}", c["instructions_per_inference"],
                     None if c["latency_ms_min"] is None else f"{c['latency_ms_min']:.3f}",
                     None if c["duty_cycle_min"] is None else f"{100 * c['duty_cycle_min']:.3f}",
                     c["reason"] or c["measured_on"]])
    return _table(["board", "name", "fits", "flash B", "RAM B", "instructions",
                   "latency ms (>=)", "duty cycle % (>=)", "measured"], rows)


def _summary_html(data: dict[str, Any]) -> str:
    s = data["summary"]
    rows = [["board", s["board"]], ["model sha256", s["model_sha256"][:16]],
            ["model", f"{s['model_bytes']} B, {s['macs']} MACs, {len(s['ops'])} ops"],
            ["flash / RAM", f"{s['flash_bytes']} B / {s['ram_bytes']} B"],
            ["instructions per inference", s["instructions_per_inference"]],
            ["windows equivalent to TFLM", f"{s['equivalent_windows']} / {s['windows']}"]]
    changes = data.get("changes")
    if changes is None:
        ch = "<p>No previous build to compare with.</p>"
    elif not changes:
        ch = "<p>Nothing changed since the previous build.</p>"
    else:
        ch = "<ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in changes) + "</ul>"
    return _table(["", ""], rows) + "<h3>Changed since the previous build</h3>" + ch


_RENDER = {"summary": _summary_html, "training": _training, "confusion": _confusion,
           "timeline": _timeline_html, "layers": _layers, "memory": _memory_html,
           "boards": _boards}

_CSS = """body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}
h2{border-bottom:1px solid #ccc;padding-bottom:.2em}img{max-width:100%}
table{border-collapse:collapse;margin:.5em 1em .5em 0;font-size:90%}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:right}
td:first-child,th:first-child{text-align:left}.cols{display:flex;flex-wrap:wrap;align-items:flex-start}
nav a{margin-right:1em}"""


def render(data: dict[str, Any]) -> str:
    """The page (a str of HTML, no external resource)."""
    nav = "".join(f'<a href="#{sid}">{html.escape(t)}</a>' for sid, t in SECTIONS)
    parts = [f'<section id="{sid}"><h2>{html.escape(title)}</h2>{_RENDER[sid](data)}</section>'
             for sid, title in SECTIONS]
    title = f"tinyfw report: {data['board']}"
    return (f'<!DOCTYPE html>\n<!-- generated by tinyfw {html.escape(data["tinyfw"])} '
            f'(tinyfw report); do not edit -->\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><nav>{nav}</nav>{''.join(parts)}</body></html>\n")


def write(data: dict[str, Any], out: Path) -> Path:
    fileio.check_output_file(out)
    return fileio.atomic_write_text(out, render(data))
