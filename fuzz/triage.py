"""Replay saved inputs through a target and group the failures by exception and place.

    .venv/bin/python fuzz/triage.py tflite fuzz/crashes/tflite-*
Prints one line per distinct (exception type, file:line) with a count and one example file.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import targets

TARGETS = {"tflite": targets.tflite_target, "tflite_struct": targets.tflite_struct_target, "csv": targets.csv_target, "config": targets.config_target}


def main() -> None:
    target = TARGETS[sys.argv[1]]
    groups: dict[str, list[str]] = defaultdict(list)
    for name in sys.argv[2:]:
        t0 = time.monotonic()
        try:
            target(Path(name).read_bytes())
            key = "ok"
        except Exception as e:  # noqa: BLE001 - that is the point
            tb = traceback.extract_tb(e.__traceback__)
            last = next((f for f in reversed(tb) if "/work/main/" in f.filename), tb[-1])
            key = f"{type(e).__name__} at {last.filename}:{last.lineno}: {str(e)[:100]}"
        dt = time.monotonic() - t0
        if dt > 2:
            key += f" (slow {dt:.1f}s)"
        groups[key].append(name)
    for key, names in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(names):4d}  {key}  e.g. {names[0]}")


if __name__ == "__main__":
    main()
