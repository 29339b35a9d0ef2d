"""The daily-loop commands of the `tinyfw` command line: `all` (only the stale steps), `diff`
(what a retrain changed) and `report` (one self-contained HTML page). tinyfw.cli registers them
with `register(command)`."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from tinyfw.errors import InputError


def cmd_all(args: argparse.Namespace) -> int:
    from tinyfw import fileio, summary
    from tinyfw.cli import _project
    from tinyfw.pipeline import Ctx, run_pipeline

    t0 = time.monotonic()
    cfg = _project(args)
    console = args.console
    board = args.board or cfg.board.id
    ctx = Ctx(cfg, board, cfg.data_dir(args.data), args.split, console, force=args.force)
    if args.report:
        fileio.check_output_file(Path(args.report))  # before the work, not after it
    ran = run_pipeline(ctx)
    report = ctx.report
    if args.report:
        fileio.atomic_write_bytes(Path(args.report), report.read_bytes())
    sim = summary.sim_report(report)
    for line in sim.summary().splitlines():
        console.say(line)
    new = summary.build_summary(cfg.root, report)
    old = summary.record(cfg.root, new)
    changes = summary.diff(old, new) if old is not None else []
    if changes:
        console.say("changed since the previous build (tinyfw diff):")
        for line in changes:
            console.say(f"  {line}")
    seconds = time.monotonic() - t0
    console.say(f"done in {seconds:.1f} s; ran: {', '.join(ran) or 'nothing (all up to date)'}")
    console.summary({"ok": sim.ok, "ran": ran, "seconds": round(seconds, 2),
                     "summary": new, "changes": changes, "report": str(report)})
    return 0 if sim.ok else 1


def cmd_diff(args: argparse.Namespace) -> int:
    from tinyfw import summary
    from tinyfw.cli import _project

    if args.old and args.new:
        old, new = Path(args.old), Path(args.new)
    else:
        root = _project(args).root
        old, new = root / summary.PREVIOUS, root / summary.SUMMARY
        if args.old:
            old = Path(args.old)
        if not old.is_file():
            raise InputError("no previous build to compare with: run `tinyfw all` after a "
                             "change (it keeps the summary it replaces here)", file=old)
    lines = summary.diff_files(old, new)
    for line in lines or ["no change"]:
        args.console.say(line)
    args.console.summary({"old": str(old), "new": str(new), "changes": lines})
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from tinyfw import report
    from tinyfw.cli import _project

    console = args.console
    if args.from_data:
        data = report.load_data(Path(args.from_data))
        out = Path(args.out) if args.out else Path("build/report/index.html")
    else:
        cfg = _project(args)
        board = args.board or cfg.board.id
        out = Path(args.out) if args.out else cfg.root / "build" / "report" / "index.html"
        data = report.collect(cfg, board, console=console, boards=args.cost_board,
                              recording=args.recording)
    path = report.write(data, out)
    console.say(f"wrote {path} ({path.stat().st_size // 1024} KiB, self-contained)")
    console.summary({"report": str(path), "sections": [s for s, _ in report.SECTIONS]})
    return 0


def register(command: Callable[..., argparse.ArgumentParser]) -> None:
    s = command("all", "train, generate, build and simulate: only the steps whose inputs changed")
    s.add_argument("--board", metavar="ID", help="board id (default from tinyfw.toml)")
    s.add_argument("--data", metavar="DIR", help="dataset folder (default from tinyfw.toml)")
    s.add_argument("--split", choices=["test", "all"], default="test",
                   help="recordings simulated: the test split (default) or all")
    s.add_argument("--report", metavar="FILE",
                   help="also copy the simulation report here (it is build/sim/<board>/report.json)")
    s.add_argument("--force", action="store_true", help="rerun every step")
    s.set_defaults(func=cmd_all)

    s = command("diff", "what the last retrain changed: accuracy, confusion, size, cost, ops")
    s.add_argument("old", nargs="?", help="older summary (default build/summary.prev.json)")
    s.add_argument("new", nargs="?", help="newer summary (default build/summary.json)")
    s.set_defaults(func=cmd_diff)

    s = command("report", "one self-contained HTML page: curves, confusions, timeline, costs")
    s.add_argument("--board", metavar="ID", help="board id (default from tinyfw.toml)")
    s.add_argument("--out", metavar="FILE", help="output (default build/report/index.html)")
    s.add_argument("--recording", metavar="NAME",
                   help="recording of the timeline (default: the first test recording)")
    s.add_argument("--cost-board", action="append", metavar="ID",
                   help="boards of the fit table, repeatable (default: all)")
    s.add_argument("--from-data", metavar="JSON", help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_report)
