"""Fuzz targets shared by the atheris harnesses (fuzz/fuzz_*.py) and the short deterministic runs
in `make test` (tests/test_fuzz_*.py).

Each target takes the bytes of one untrusted file and runs it through the same code the CLI runs
on it. The only acceptable failure is `InputError` (the one-line user error), and only if it keeps
its promise: it names the file it was given and says what is wrong on one line (`_clean_error`
asserts that); any other exception, or an error that does not, is a bug and propagates. Time and memory limits are enforced by the caller (libFuzzer's
`-timeout`/`-rss_limit_mb`, or the test's own clock and RSS check).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from tinyfw.codegen.inspect import describe, render_text
from tinyfw.config import CONFIG_NAME, Config, parse_config
from tinyfw.errors import InputError
from tinyfw.model.data import read_trace_csv

# A scratch file per process: the CSV reader and `inspect` read from a path, as the CLI does.
_SCRATCH = Path(tempfile.gettempdir()) / f"tinyfw-fuzz-{os.getpid()}"


def _scratch(data: bytes, suffix: str) -> Path:
    p = _SCRATCH.with_suffix(suffix)
    p.write_bytes(data)
    return p


def _clean_error(e: InputError, file: str | Path) -> None:
    """An InputError the CLI may show: it names `file` and has a one-line, non-empty message."""
    assert e.file == str(file), f"the error names {e.file!r}, not the input {str(file)!r}: {e}"
    assert e.message.strip(), f"an empty message for {file}"
    assert "\n" not in e.message and "\r" not in e.message, f"a message of several lines: {e!r}"


def tflite_target(data: bytes) -> None:
    """`tinyfw inspect` + the in-memory half of `tinyfw generate` on one .tflite file."""
    path = _scratch(data, ".tflite")
    try:
        info = describe(path)  # read_model + compile_model (lower, plan, render)
    except InputError as e:
        _clean_error(e, path)
        return
    render_text(info)
    json.dumps(info)


def tflite_struct_target(data: bytes) -> None:
    """Well-formed flatbuffers with wrong meaning: the benchmark model after structural edits
    chosen by `data` (fuzz/tflite_edit.py), then the same path as tflite_target."""
    from tflite_edit import edited_from_bytes

    model = edited_from_bytes(data)
    if model is not None:
        tflite_target(model)


def csv_target(data: bytes, config: Config | None = None) -> None:
    """One trace file through the strict CSV reader, with the project's columns and range."""
    d = (config or Config()).data
    path = _scratch(data, ".csv")
    try:
        a = read_trace_csv(path, len(d.columns), d.range, column_names=d.columns)
    except InputError as e:
        _clean_error(e, path)
        return
    # What the reader returns must be what it promises.
    assert a.dtype.name == "int16" and a.ndim == 2 and a.shape[1] == len(d.columns), a.shape
    assert a.shape[0] >= 1
    assert int(a.min()) >= d.range[0] and int(a.max()) <= d.range[1]


def config_target(data: bytes) -> None:
    """One tinyfw.toml through the strict config parser (as load_config decodes it)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return  # load_config reports this as InputError before parsing
    try:
        cfg = parse_config(text)
    except InputError as e:
        _clean_error(e, CONFIG_NAME)
        return
    # A config that passes validation keeps the promises the generator relies on.
    assert len(cfg.data.classes) >= 2 and len(set(cfg.data.classes)) == len(cfg.data.classes)
    assert cfg.window.hop <= cfg.window.length
    assert cfg.data.range[0] < cfg.data.range[1]
