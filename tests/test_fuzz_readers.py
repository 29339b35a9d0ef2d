"""Short, deterministic fuzz runs of every reader of untrusted files (the long coverage-guided
runs are `fuzz/run.py`, atheris): the .tflite reader and code generator (byte mutations of a
real model, and structural edits of it), the trace CSV reader and the tinyfw.toml parser.

The only acceptable failure is InputError; any other exception, an input taking more than
MAX_SECONDS, or the process growing by more than MAX_RSS_MB is a bug. Every crashing input ever
found is kept in tests/bad_inputs/fuzz/<target>/ and replayed here, also through the CLI.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import targets
from helpers import run_inproc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tflite_edit import bench_bytes

from tinyfw.paths import BENCH_MODEL

MAX_SECONDS = 5.0
MAX_RSS_MB = 400
REGRESSIONS = Path(__file__).parent / "bad_inputs" / "fuzz"
BENCH = bench_bytes()


def fuzz_settings(n: int) -> settings:
    return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


def bounded(target: Callable[[bytes], None], data: bytes) -> None:
    t0 = time.monotonic()
    target(data)
    dt = time.monotonic() - t0
    assert dt < MAX_SECONDS, f"one input took {dt:.1f} s"


@pytest.fixture(autouse=True)
def rss_limit():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grew < MAX_RSS_MB, f"the run grew the process by {grew:.0f} MB"


# -- .tflite ---------------------------------------------------------------------------------

mutation = st.tuples(st.sampled_from(["flip", "set", "cut", "insert", "delete", "u32"]),
                     st.integers(0, len(BENCH) - 1), st.integers(0, 2**32 - 1))


def mutate(data: bytes, ops: list[tuple[str, int, int]]) -> bytes:
    b = bytearray(data)
    for kind, pos, val in ops:
        pos %= max(len(b), 1)
        if kind == "flip" and b:
            b[pos] ^= 1 << (val % 8)
        elif kind == "set" and b:
            b[pos] = val & 0xFF
        elif kind == "cut":
            del b[pos:]
        elif kind == "insert":
            b[pos:pos] = val.to_bytes(4, "little")
        elif kind == "delete":
            del b[pos:pos + 1 + val % 16]
        elif kind == "u32" and pos + 4 <= len(b):
            b[pos:pos + 4] = val.to_bytes(4, "little")
    return bytes(b)


@fuzz_settings(300)
@given(st.lists(mutation, min_size=1, max_size=8))
def test_byte_mutations_of_a_real_model_never_crash_the_reader_or_the_generator(ops):
    bounded(targets.tflite_target, mutate(BENCH, ops))


@fuzz_settings(150)
@given(st.binary(min_size=1, max_size=96))
def test_structural_edits_of_a_real_model_never_crash_the_generator(data):
    bounded(targets.tflite_struct_target, data)


@fuzz_settings(150)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_are_never_more_than_a_bad_model(data):
    bounded(targets.tflite_target, data)
    bounded(targets.tflite_target, b"\x1c\x00\x00\x00TFL3" + data)


# -- traces ----------------------------------------------------------------------------------

cell = st.one_of(
    st.integers(-5000, 5000).map(str),
    st.sampled_from(["", " ", "nan", "-inf", "1e3", "12.0", "12.5", "+7", "0x10", "x", "\t3",
                     "99999999999999999999", "-0", "1_0", "٣", "\x00", '"1"']),
    st.text(max_size=6),
)
line = st.lists(cell, min_size=0, max_size=5).map(",".join)
trace = st.tuples(st.lists(line, max_size=30), st.sampled_from(["\n", "\r\n", "\r"]),
                  st.booleans()).map(
    lambda t: (("\ufeff" if t[2] else "") + t[1].join(t[0])).encode("utf-8", "surrogatepass"))


@fuzz_settings(400)
@given(st.one_of(trace, st.binary(max_size=600)))
def test_no_trace_file_crashes_the_csv_reader(data):
    bounded(targets.csv_target, data)


def test_a_trace_with_a_huge_line_is_refused_without_reading_it_all():
    t0 = time.monotonic()
    targets.csv_target(b"1," * 5_000_000)  # 10 MB on one line
    assert time.monotonic() - t0 < 2.0


# -- tinyfw.toml -----------------------------------------------------------------------------

GOOD_TOML = (Path(__file__).parent.parent / "tinyfw.toml").read_text()
toml_value = st.one_of(
    st.integers(-2**64, 2**64).map(str), st.floats(allow_nan=True).map(repr),
    st.sampled_from(["true", "nan", "inf", "-inf", "[]", "[1, 2]", '["a", "b"]', "{}",
                     '"x"', "'''", "1979-05-27", "[[1]]", '"\\u0000"', '["a", "a"]']),
    st.text(max_size=10).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
)


@st.composite
def toml_edit(draw: st.DrawFn) -> bytes:
    lines = GOOD_TOML.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "drop", "dup", "text"]))
        if kind == "value" and "=" in lines[i]:
            lines[i] = lines[i].split("=")[0] + "= " + draw(toml_value)
        elif kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        else:
            lines.insert(i, draw(st.text(max_size=20)))
        if not lines:
            break
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@fuzz_settings(400)
@given(st.one_of(toml_edit(), st.binary(max_size=300)))
def test_no_project_file_crashes_the_config_parser(data):
    bounded(targets.config_target, data)


# -- regressions: every crashing input found by any fuzz run ------------------------------------

TARGETS = {"tflite": targets.tflite_target, "tflite_struct": targets.tflite_struct_target,
           "csv": targets.csv_target, "config": targets.config_target}
CASES = sorted(p for p in REGRESSIONS.glob("*/*") if p.is_file() and p.parent.name in TARGETS)


def test_the_regression_corpus_is_not_empty():
    assert CASES, "tests/bad_inputs/fuzz/ lost its crashers"


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_every_input_that_once_crashed_a_reader_is_now_a_clean_error(case: Path):
    bounded(TARGETS[case.parent.name], case.read_bytes())
    if case.parent.name == "tflite":
        r = run_inproc(["inspect", str(case)])
        assert r.status in (0, 2) and "Traceback" not in r.err, r.err


def test_the_benchmark_model_passes_the_tflite_target():
    targets.tflite_target(BENCH_MODEL.read_bytes())
