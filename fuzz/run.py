"""Coverage-guided fuzzing of tinyfw's untrusted-input readers with atheris (libFuzzer for Python).

    .venv/bin/python fuzz/run.py tflite -max_total_time=600      # the .tflite reader + codegen
    .venv/bin/python fuzz/run.py tflite_struct -max_total_time=600   # structural edits of a model
    .venv/bin/python fuzz/run.py csv -max_total_time=120         # the trace CSV reader
    .venv/bin/python fuzz/run.py config -max_total_time=120      # the tinyfw.toml parser

`--keep-going` (before the libFuzzer options) records each distinct failure (exception type and
place) in fuzz/crashes/<target>-<signature>.bin and continues, so that one long run finds more
than the first bug; without it the first crash stops the run (libFuzzer's default).

Extra arguments go to libFuzzer. Defaults: seeds from fuzz/seeds/<target>/ (plus the benchmark
model in bench for tflite), working corpus fuzz/corpus/<target>/, crashing inputs
saved to fuzz/crashes/<target>-*, `-timeout=10` (a hang = more than 10 s on one input),
`-rss_limit_mb=2048` (a huge allocation), `-seed=1`. A crash is any exception other than
InputError. Keep every crasher as a regression case in tests/bad_inputs/fuzz/<target>/.
"""

from __future__ import annotations

import hashlib
import sys
import traceback
from pathlib import Path

import atheris

from tinyfw.paths import BENCH

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

with atheris.instrument_imports(include=["tinyfw"]):
    sys.path.insert(0, str(HERE))
    import targets

TARGETS = {
    "tflite": targets.tflite_target,
    "tflite_struct": targets.tflite_struct_target,
    "csv": targets.csv_target,
    "config": targets.config_target,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    name = sys.argv[1]
    target = TARGETS[name]
    keep_going = "--keep-going" in sys.argv[2:]
    sys.argv = [a for a in sys.argv if a != "--keep-going"]
    corpus = HERE / "corpus" / name
    crashes = HERE / "crashes"
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    seeds = [HERE / "seeds" / name, ROOT / "tests" / "bad_inputs" / "fuzz" / name]
    if name == "tflite_struct":
        seeds = []
    if name == "tflite":
        seeds += [ROOT / "tests" / "bad_inputs" / "models", BENCH]
    opts = [a for a in sys.argv[2:]]
    defaults = {
        "-timeout": "10",
        "-rss_limit_mb": "2048",
        "-seed": "1",
        "-artifact_prefix": f"{crashes}/{name}-",
        "-max_len": "16384" if name == "tflite" else "8192",
    }
    for k, v in defaults.items():
        if not any(o.startswith(k + "=") for o in opts):
            opts.append(f"{k}={v}")
    dirs = [str(corpus)] + [str(s) for s in seeds if s.is_dir()]

    seen: set[str] = set()

    def one_input(data: bytes) -> None:
        if not keep_going:
            target(data)
            return
        try:
            target(data)
        except targets.InputError:
            raise  # targets never let it out; if one does, that is a bug too
        except Exception as e:  # noqa: BLE001 - record every non-InputError failure
            tb = traceback.extract_tb(e.__traceback__)
            mine = [f for f in tb if str(ROOT) in f.filename and "/fuzz/" not in f.filename]
            place = mine[-1] if mine else tb[-1]
            sig = f"{type(e).__name__}@{Path(place.filename).name}:{place.lineno}"
            if sig not in seen:
                seen.add(sig)
                h = hashlib.sha1(sig.encode()).hexdigest()[:10]
                (crashes / f"{name}-{h}.bin").write_bytes(data)
                print(f"\nFAILURE {sig}: {type(e).__name__}: {str(e)[:200]} -> {name}-{h}.bin",
                      flush=True)

    atheris.Setup([sys.argv[0], *opts, *dirs], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
