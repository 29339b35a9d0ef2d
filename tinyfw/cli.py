"""The `tinyfw` command line, tinyfw's one entry point: train, quantize, generate, build,
simulate, merge-reports, cost, verify, inspect, renode, bench, crossval, data, init, boards, all,
diff, report; and hidden internal tools (qemu, preload, config-reference) that are not in the
command list.

Errors reach the user as one line `tinyfw: error: ...` with exit status 2 for bad input (3 for a
missing tool, 1 for a failed build or run); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from tinyfw import __version__, procs
from tinyfw.config import CONFIG_NAME, Config, find_project, load_config
from tinyfw.console import Console
from tinyfw.errors import InputError, TinyfwError
from tinyfw.paths import BENCH, ROOT
from tinyfw.quiet import quiet_tensorflow

EPILOG = ("Project settings come from tinyfw.toml (found upward from the current folder); "
          "docs/CONFIG.md lists them.")
DEFAULT_BOARD = "mps2_an386"  # the reference board, when no project names one


def _project(args: argparse.Namespace) -> Config:
    """The project: --project (a folder or its tinyfw.toml), else tinyfw.toml found upward."""
    if args.project is not None:
        p = Path(args.project)
        path = p / CONFIG_NAME if p.is_dir() else p
        if not path.is_file():
            raise InputError("no project file here", file=path)
        return load_config(path)
    found = find_project()
    if found is None:
        raise InputError(
            f"no {CONFIG_NAME} in this folder or above; run tinyfw in a project or pass --project",
            file=Path.cwd(),
        )
    return load_config(found)


def _out(cfg: Config, given: str | None, default: str) -> Path:
    return Path(given) if given is not None else cfg.root / default


# -- subcommands -------------------------------------------------------------------------------


def cmd_train(args: argparse.Namespace) -> int:
    from tinyfw.model.train import train
    from tinyfw.quiet import captured_fd2

    cfg = _project(args)
    out = _out(cfg, args.out, "build/model")
    epochs = cfg.model.epochs
    with captured_fd2(), args.console.task("train", total=epochs):  # no TensorFlow C++ logs
        log = args.console.log_lines("train", epochs, r"epoch \d+/")
        result = train(cfg, cfg.data_dir(args.data), out, log=log)
    print(f"wrote {out / 'model_int8.tflite'} and {out / 'report.json'}")
    args.console.summary(json.loads(result.to_json()))
    print(
        f"float accuracy {result.float_accuracy:.4f}, int8 accuracy {result.int8_accuracy:.4f} "
        f"({result.test_windows} test windows)"
    )
    return 0


def cmd_quantize(args: argparse.Namespace) -> int:
    from tinyfw.model.keras_import import import_keras
    from tinyfw.quiet import captured_fd2

    cfg = _project(args)
    out = Path(args.out) if args.out else cfg.root / "build/model/model_int8.tflite"
    with captured_fd2():  # no TensorFlow C++ logs
        r = import_keras(cfg, Path(args.keras), cfg.data_dir(args.data), out)
    print(f"wrote {r.out} ({r.tflite_bytes} B, full int8, contract included; centring "
          f"{'on' if r.center else 'off'})")
    print(f"accuracy on the {r.windows} windows of the dataset: float {r.float_accuracy:.4f}, "
          f"int8 {r.int8_accuracy:.4f}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from tinyfw.project import generate_project

    cfg = _project(args)
    model = Path(args.model) if args.model else cfg.root / "build/model/model_int8.tflite"
    out = _out(cfg, args.out, "firmware/generated")
    code = generate_project(cfg, model, out, force=args.force, backend=args.backend)
    if not code.lowered:  # the TFLM backend (codegen/tflm.py): no native kernels
        print(f"wrote {out} (backend tflm): {len(code.graph.ops)} ops, {code.macs} MACs, "
              f"arena {code.plan.arena_size} B (model sha256 {code.graph.sha256[:12]})")
        return 0
    print(
        f"wrote {out}: {len(code.graph.ops)} ops, {code.macs} MACs, arena {code.plan.arena_size} B, "
        f"weights {code.const_bytes} B (model sha256 {code.graph.sha256[:12]})"
    )
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from tinyfw.codegen.inspect import describe, render_text

    info = describe(Path(args.model))
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(render_text(info))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from tinyfw.model.contract import check_generated
    from tinyfw.sim.build import build_firmware, check_build_inputs

    cfg = _project(args)
    board = args.board or cfg.board.id
    check_build_inputs(cfg.root, board)
    check_generated(cfg, cfg.root / "firmware" / "generated")
    from tinyfw.sim.tflm import check_backend, ensure_library  # TFLite Micro backend

    check_backend(cfg.root / "firmware" / "generated", args.backend)
    ensure_library(board, cfg.root / "firmware" / "generated")
    with args.console.task(f"build {board}"):
        res = build_firmware(cfg.root, board, verbose=args.verbose)
    print(res.summary())
    args.console.summary({"board": board, "elf": str(res.elf), "flash_bytes": res.flash,
                          "static_ram_bytes": res.ram_static})
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from tinyfw.quiet import captured_fd2
    from tinyfw.sim.simulate import RecordingResult, simulate

    cfg = _project(args)
    board = args.board or cfg.board.id
    done: list[str] = []
    with captured_fd2(), args.console.task(f"simulate {board}") as advance:

        def progress(r: RecordingResult) -> None:  # from the worker threads
            done.append(r.name)
            advance(f"{len(done)} done, {r.name}")

        report = simulate(
            cfg,
            board=board,
            data_dir=cfg.data_dir(args.data),
            split=args.split,
            json_path=Path(args.json) if args.json else None,
            timeout_s=args.timeout,
            build=not args.no_build,
            jobs=args.jobs,
            keep_going=args.keep_going,
            on_recording=progress,
            shard=args.shard,
        )
    print(report.summary())
    args.console.summary(report.to_json())
    return 0 if report.ok else 1


def cmd_merge_reports(args: argparse.Namespace) -> int:
    from tinyfw import fileio
    from tinyfw.sim.shards import merge_reports

    if args.json:
        fileio.check_output_file(Path(args.json))
    merged = merge_reports([Path(p) for p in args.reports])
    if args.json:
        fileio.atomic_write_text(Path(args.json), json.dumps(merged.to_json(), indent=2) + "\n")
    print(merged.summary())
    args.console.summary(merged.to_json())
    return 0 if merged.ok else 1


def cmd_verify(args: argparse.Namespace) -> int:
    from tinyfw.sim.verify import verify_model

    # The project is optional here: its board is the default, else the reference board.
    cfg = _project(args) if args.project is not None or find_project() is not None else None
    with args.console.task(f"verify {Path(args.model).name}"):
        report = verify_model(
            Path(args.model),
            board=args.board or (cfg.board.id if cfg is not None else DEFAULT_BOARD),
            inputs=args.inputs,
            seed=args.seed,
            data_dir=Path(args.data) if args.data else None,
            json_path=Path(args.json) if args.json else None,
            project_root=None if cfg is None else cfg.root,
        )
    print(report.summary())
    return 0 if report.mismatches == 0 else 1


def cmd_cost(args: argparse.Namespace) -> int:
    from tinyfw.sim.cost import cost_report

    cfg = _project(args)
    boards = args.board or [cfg.board.id]
    costs = cost_report(cfg, boards, data_dir=cfg.data_dir(args.data),
                        json_path=Path(args.json) if args.json else None, jobs=args.jobs)
    args.console.summary([asdict(c) for c in costs])
    for c in costs:
        print(c.line())
    return 0 if all(c.fits for c in costs) else 2


def cmd_renode(args: argparse.Namespace) -> int:
    from tinyfw.sim.renode import renode_files

    cfg = _project(args)
    if args.test:  # robot over QEMU needs a QEMU machine (real boards with a sensor model: none)
        from tinyfw.sim.renode_sensor import refuse_qemu_test

        refuse_qemu_test(cfg, args.board or cfg.board.id)
    files = renode_files(
        cfg,
        board=args.board or cfg.board.id,
        data_dir=cfg.data_dir(args.data),
        split=args.split,
        out_dir=Path(args.out) if args.out else None,
        build=not args.no_build,
        target=args.renode,
        force=args.force,
    )
    print(files.summary())
    if args.test:  # the suite under Robot Framework, Renode's keywords played on QEMU
        import robot

        failed = robot.run(str(files.out_dir / f"{files.board}.robot"),
                           outputdir=str(files.out_dir.parent / f"{files.board}-robot"),
                           console="dotted")
        return 0 if failed == 0 else 1
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from tinyfw.sim.bench import run_bench

    if args.results:
        from tinyfw.sim.bench_results import run_bench_results

        return run_bench_results(args.work)
    if args.mlperf:
        from tinyfw.sim.bench_mlperf import run_mlperf_bench

        return run_mlperf_bench(args.board or [DEFAULT_BOARD], json_path=args.json,
                                work=args.work, per_op=args.per_op)
    return run_bench(args.model, args.input, args.anchors, args.board or [DEFAULT_BOARD],
                     json_path=args.json, work=args.work, per_op=args.per_op)


def cmd_crossval(args: argparse.Namespace) -> int:
    from tinyfw.model.crossval import run_crossval, with_overrides
    from tinyfw.quiet import captured_fd2

    cfg = with_overrides(_project(args), args.set)
    with captured_fd2():  # no TensorFlow C++ logs on the terminal
        return run_crossval(cfg, cfg.data_dir(args.data), folds=args.folds, seed=args.seed,
                            json_path=args.json)


def cmd_data(args: argparse.Namespace) -> int:
    from tinyfw.model.summary import summarize

    cfg = _project(args)
    if args.json:
        from tinyfw.fileio import check_output_file

        check_output_file(Path(args.json))
    summary = summarize(cfg.data_dir(args.data), cfg)
    print(summary.render())
    if args.json:
        from tinyfw.fileio import atomic_write_text

        atomic_write_text(Path(args.json), json.dumps(summary.to_json(), indent=2) + "\n")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from tinyfw.fileio import atomic_write_text, check_output_file
    from tinyfw.model.sniff import sniff

    out = Path(args.out) if args.out else Path.cwd() / CONFIG_NAME
    if out.is_dir():
        out = out / CONFIG_NAME
    if out.exists() or out.is_symlink():
        raise InputError("already exists; tinyfw init never overwrites a project file "
                         "(remove it or pass --out)", file=out)
    check_output_file(out)
    data = Path(args.data).resolve()
    text = sniff(data)
    rel = os.path.relpath(data, out.resolve().parent)
    text = text.replace(f"dir = {json.dumps(str(data))}", f"dir = {json.dumps(rel)}", 1)
    atomic_write_text(out, text)
    print(f"wrote {out}; check the lines marked CONFIRM, then run `tinyfw data`")
    return 0


def cmd_qemu(args: argparse.Namespace) -> int:
    from tinyfw.sim.qemu import echo_run, run_elf

    shift = {} if args.icount_shift is None else {"icount_shift": args.icount_shift}
    r = run_elf(args.elf, args.board, args=args.args, timeout_s=args.timeout, **shift)
    return echo_run(r)


def cmd_preload(args: argparse.Namespace) -> int:
    from tinyfw.sim.preload import run_preloaded
    from tinyfw.sim.qemu import echo_run

    r = run_preloaded(args.elf, args.board, args.blob, args=args.args, timeout_s=args.timeout)
    return echo_run(r)


def cmd_config_reference(args: argparse.Namespace) -> int:
    from tinyfw.config import render_reference
    from tinyfw.fileio import atomic_write_text

    text = render_reference()
    if args.out is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(Path(args.out), text)
        print(f"wrote {args.out}")
    return 0


def cmd_boards(args: argparse.Namespace) -> int:
    from tinyfw.sim.boards import list_boards

    for b in list_boards():
        print(f"{b.id:20s} {b.name}")
    return 0


# -- parser ------------------------------------------------------------------------------------


def _seconds(text: str) -> float:
    """--timeout: a finite number of seconds above 0."""
    try:
        return procs.check_timeout(text)
    except TinyfwError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number of seconds above 0") from e


def _jobs(text: str) -> int:
    """-j: a whole number of parallel runs, 1 or more."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number, 1 or more")
    return n



def _shard(text: str):
    """--shard: i/N."""
    from tinyfw.sim.shards import parse_shard

    try:
        return parse_shard(text)
    except TinyfwError as e:
        raise argparse.ArgumentTypeError(e.message) from e


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tinyfw",
        description="Recorded sensor data to tested Cortex-M firmware.",
        epilog=EPILOG,
    )
    p.add_argument("--version", action="version", version=f"tinyfw {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.add_argument("--project", metavar="DIR", help="project folder or tinyfw.toml (default: search upward)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--json", dest="json_summary", action="store_true",
                   help="print only a machine-readable summary on stdout (progress on stderr)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, summary: str, *, hidden: bool = False) -> argparse.ArgumentParser:
        """A subcommand whose --help starts with the same summary as the command list; a hidden
        one (an internal tool) is left out of the list (argparse lists only those with help)."""
        listed = {} if hidden else {"help": summary}
        return sub.add_parser(
            name, description=summary[0].upper() + summary[1:] + ".", epilog=EPILOG, **listed
        )

    s = command("train", "train on recorded traces and quantize to full int8 TFLite")
    s.add_argument("--data", metavar="DIR", help="dataset folder, one subfolder per class")
    s.add_argument("--out", metavar="DIR", help="output folder (default build/model)")
    s.set_defaults(func=cmd_train)

    s = command("quantize", "quantize your own Keras model to full int8 with the dataset's windows")
    s.add_argument("--keras", required=True, metavar="M", help="float Keras model (.keras, .h5)")
    s.add_argument("--out", metavar="M", help="output (default build/model/model_int8.tflite)")
    s.add_argument("--data", metavar="DIR", help="dataset folder (default from tinyfw.toml)")
    s.set_defaults(func=cmd_quantize)

    s = command("generate", "generate C sources from an int8 .tflite model")
    s.add_argument("--model", metavar="M", help="model (default build/model/model_int8.tflite)")
    s.add_argument("--out", metavar="DIR", help="output folder (default firmware/generated)")
    s.add_argument("--force", action="store_true",
                   help="overwrite generated files edited by hand (keeps DIR.bak)")
    s.add_argument("--backend", choices=["native", "tflm"], default=None,
                   help="inference code: native C11 kernels or a TFLite Micro loop "
                   "(default [firmware].backend)")
    s.set_defaults(func=cmd_generate)

    s = command("build", "build the firmware with PlatformIO")
    s.add_argument("--board", metavar="ID", help="board id (boards/<id>.json; default from tinyfw.toml)")
    s.add_argument("--verbose", action="store_true", help="show the compiler commands")
    s.add_argument("--backend", choices=["native", "tflm"], default=None,
                   help="check the generated code is this backend's (tflm: needs TFLM_DIR; "
                   "TFLM_KERNELS=reference|cmsis_nn)")
    s.set_defaults(func=cmd_build)

    s = command("simulate", "run the firmware in QEMU on recorded traces and compare with the host")
    s.add_argument("--board", metavar="ID", help="board id (default from tinyfw.toml)")
    s.add_argument("--data", metavar="DIR", help="dataset folder (default from tinyfw.toml)")
    s.add_argument("--split", choices=["test", "all"], default="all",
                   help="recordings to run: the test split of training, or all (default)")
    s.add_argument("--json", metavar="FILE", help="write the report as JSON")
    s.add_argument("--timeout", type=_seconds, default=60.0, metavar="S",
                   help="per-recording timeout in seconds (default 60)")
    s.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                   help="recordings simulated at once (default: the number of cores)")
    s.add_argument("--keep-going", action="store_true",
                   help="after a recording times out, still run the others (default: stop)")
    s.add_argument("--no-build", action="store_true", help="use the last build")
    s.add_argument("--shard", type=_shard, default=None, metavar="I/N",
                   help="run only shard I of N of the recordings (CI job matrices; 1-based)")
    s.set_defaults(func=cmd_simulate)

    s = command("merge-reports", "merge `simulate --json` reports of shards and boards into "
                "one verdict")
    s.add_argument("reports", nargs="+", metavar="REPORT.json")
    s.add_argument("--json", metavar="FILE", help="write the merged report as JSON")
    s.set_defaults(func=cmd_merge_reports)

    s = command("cost", "per board: does the firmware fit, flash, RAM, latency, duty cycle")
    s.add_argument("--board", action="append", metavar="ID",
                   help="board id, repeatable, or 'all' (default from tinyfw.toml)")
    s.add_argument("--data", metavar="DIR", help="dataset folder (a recording is replayed)")
    s.add_argument("--json", metavar="FILE", help="write the costs as JSON")
    s.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                   help="boards measured at once (default: the number of cores)")
    s.set_defaults(func=cmd_cost)

    s = command("verify", "prove a model bit-exact on a board against TFLite Micro")
    s.add_argument("--model", required=True, metavar="M", help="int8 .tflite model")
    s.add_argument("--board", metavar="ID",
                   help=f"board id (default from tinyfw.toml if there is one, else {DEFAULT_BOARD})")
    s.add_argument("--inputs", type=int, default=100, metavar="N", help="seeded random inputs")
    s.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    s.add_argument("--data", metavar="DIR", help="also run recorded windows from this dataset")
    s.add_argument("--json", metavar="FILE", help="write the report as JSON")
    s.set_defaults(func=cmd_verify)

    s = command("inspect", "print a model's graph: ops, shapes, quantization, MACs, arena")
    s.add_argument("model", metavar="MODEL.tflite")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_inspect)

    s = command("renode", "write Renode platform, scripts and Robot tests for recorded traces")
    s.add_argument("--board", metavar="ID", help="board id (default from tinyfw.toml)")
    s.add_argument("--data", metavar="DIR", help="dataset folder (default from tinyfw.toml)")
    s.add_argument("--split", choices=["test", "all"], default="all",
                   help="recordings: the test split of training, or all (default)")
    s.add_argument("--out", metavar="DIR", help="output folder (default build/renode/<board>)")
    s.add_argument("--no-build", action="store_true", help="use the last build")
    s.add_argument("--renode", choices=["1.16.1", "nightly"], default="1.16.1",
                   help="the Renode the files load in: 1.16.1 (the release, default) or a "
                   "nightly after 2026-07-07 (adds the CMSDK timer model)")
    s.add_argument("--test", action="store_true",
                   help="then run the .robot suite here with Robot Framework over QEMU")
    s.add_argument("--force", action="store_true",
                   help="overwrite files edited by hand (keeps the old folder as DIR.bak)")
    s.set_defaults(func=cmd_renode)

    s = command("bench", "flash, RAM and instructions of the benchmark model against TFLite Micro")
    s.add_argument("--model", type=Path, default=BENCH / "har_anchor_int8.tflite",
                   metavar="M", help="int8 .tflite model (default bench/har_anchor_int8)")
    s.add_argument("--input", type=Path, default=BENCH / "har_anchor_input.csv",
                   metavar="CSV", help="the fixed input of the one inference")
    s.add_argument("--anchors", type=Path, default=BENCH / "ANCHORS.md", metavar="MD",
                   help="TFLM numbers measured on the same model and boards")
    s.add_argument("--board", action="append", metavar="ID",
                   help=f"board id, repeatable (default {DEFAULT_BOARD})")
    s.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    s.add_argument("--work", type=Path, default=ROOT / "build" / "bench", metavar="DIR",
                   help="build folder (default build/bench of the checkout)")
    s.add_argument("--per-op", action=argparse.BooleanOptionalAction, default=True,
                   help="also time every op (a second, traced build; default on)")
    s.add_argument("--mlperf", action="store_true",
                   help="the four MLPerf Tiny models (bench/mlperf_tiny) beside their published "
                        "cycles instead (slow: minutes; `make bench-mlperf`)")
    s.add_argument("--results", action="store_true",
                   help="four model sizes on every core: write bench/results.json and the "
                        "README's numbers from it (`make bench`)")
    s.set_defaults(func=cmd_bench)

    s = command("crossval", "k-fold cross-validation by recording (slow: trains once per fold)")
    s.add_argument("--data", metavar="DIR", help="dataset folder (default from tinyfw.toml)")
    s.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    s.add_argument("--seed", type=int, default=0, help="seed of the fold assignment")
    s.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a project setting for this run, repeatable")
    s.add_argument("--json", type=Path, metavar="FILE", help="write the scores as JSON")
    s.set_defaults(func=cmd_crossval)

    s = command("data", "summarise the dataset as tinyfw reads it (rates, ranges, warnings)")
    s.add_argument("--data", metavar="DIR", help="dataset folder (default from tinyfw.toml)")
    s.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    s.set_defaults(func=cmd_data)

    s = command("init", "write a commented tinyfw.toml guessed from a dataset")
    s.add_argument("--data", metavar="DIR", required=True, help="the dataset folder")
    s.add_argument("--out", metavar="FILE", help="project file to write (default ./tinyfw.toml; "
                   "never overwritten)")
    s.set_defaults(func=cmd_init)

    s = command("boards", "list the boards tinyfw knows")
    s.set_defaults(func=cmd_boards)

    from tinyfw.loop_cli import register  # all, diff, report: the daily loop

    register(command)

    # -- internal tools: hidden from the command list -----------------------------------------
    s = command("qemu", "run an ELF once in QEMU, print its UART, exit with its status",
                hidden=True)
    s.add_argument("board", help="board id (boards/<id>.json)")
    s.add_argument("elf", type=Path)
    s.add_argument("args", nargs="*", help="firmware argv[1:] (semihosting command line)")
    s.add_argument("--timeout", type=_seconds, default=20.0, metavar="S",
                   help="seconds (default 20)")
    s.add_argument("--icount-shift", type=int, default=None, metavar="N",
                   help="QEMU -icount shift (default: the one tinyfw measures with)")
    s.set_defaults(func=cmd_qemu)

    s = command("preload", "run an ELF once in QEMU with a trace blob preloaded", hidden=True)
    s.add_argument("board", help="board id (boards/<id>.json)")
    s.add_argument("elf", type=Path)
    s.add_argument("blob", type=Path, help="trace blob (`tinyfw renode` writes them)")
    s.add_argument("args", nargs="*", help="firmware argv[1:], e.g. burst=N")
    s.add_argument("--timeout", type=_seconds, default=20.0, metavar="S",
                   help="seconds (default 20)")
    s.set_defaults(func=cmd_preload)

    s = command("config-reference", "print the tinyfw.toml reference (docs/CONFIG.md)",
                hidden=True)
    s.add_argument("--out", metavar="FILE", help="write it to FILE instead")
    s.set_defaults(func=cmd_config_reference)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    procs.install_signal_handlers()  # Ctrl-C / SIGTERM / SIGHUP end QEMU and PlatformIO at once
    quiet_tensorflow()  # before anything imports TensorFlow
    args.console = console = Console(quiet=args.quiet, json_mode=args.json_summary)
    try:
        return console.run(func, args)
    except TinyfwError as e:
        if args.debug:
            raise
        print(f"tinyfw: error: {e.one_line()}", file=sys.stderr)
        return e.exit_status
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM / SIGHUP (procs.Terminated)
        procs.stop_children()
        if args.debug:
            raise
        signum = getattr(e, "signum", 2)
        print(f"tinyfw: stopped ({'Ctrl-C' if signum == 2 else e})", file=sys.stderr)
        return 128 + signum
    except Exception as e:  # a bug in tinyfw: still one line, but say so
        if args.debug or os.environ.get("TINYFW_DEBUG") == "1":
            raise
        print(
            f"tinyfw: internal error: {type(e).__name__}: {' '.join(str(e).split())} "
            "(rerun with --debug for the traceback; please report it)",
            file=sys.stderr,
        )
        return 70
    finally:
        console.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
