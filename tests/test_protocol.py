"""The UART protocol is written once (sim/protocol.py renders and parses every line kind) and
its C twin (firmware/board/tfw_protocol.h) holds the same text: the header is compared with the
module, and real firmware (the app on mps2_an386 in QEMU with the committed
firmware/generated model, the verification app on the host) prints lines that parse and
re-render byte for byte."""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinyfw.codegen.generate import embedded_model
from tinyfw.codegen.tflite_reader import read_model
from tinyfw.config import load_config
from tinyfw.model.data import load_dataset
from tinyfw.paths import ROOT
from tinyfw.sim import protocol
from tinyfw.sim.hostbuild import build_verify_host, run_verify_host
from tinyfw.sim.qemu import parse_fault, run_elf
from tinyfw.sim.simulate import FIRMWARE_ARGV0, write_trace
from tinyfw.sim.verify import random_records, record_bytes

BOARD = "mps2_an386"
GENERATED = ROOT / "firmware" / "generated"
HEADER = ROOT / "firmware" / "board" / "tfw_protocol.h"


def random_value(rng: np.random.Generator, kind: protocol._Field) -> Any:
    if kind is protocol.UINT:
        return int(rng.integers(0, 2**32)) if rng.random() < 0.8 else 0
    if kind is protocol.INT:
        return int(rng.integers(-(2**31), 2**31)) if rng.random() < 0.8 else 0
    if kind is protocol.HEX32:
        return int(rng.integers(0, 2**32))
    if kind is protocol.INT_LIST:
        return tuple(int(v) for v in rng.integers(-128, 128, int(rng.integers(1, 12))))
    if kind is protocol.BYTES:
        return rng.integers(0, 256, int(rng.integers(0, 40)), dtype=np.uint8).tobytes()
    if kind is protocol.OP_TICKS:
        n = int(rng.integers(0, 6))
        return tuple((int(rng.integers(-1, 60)), int(rng.integers(0, 10**6))) for _ in range(n))
    if kind is protocol.HEX:
        return bytes(rng.integers(0, 256, 6, dtype=np.uint8)).hex()
    alphabet = "abcxyz_09.-" if kind is protocol.WORD else "abc xyz_09.-=,:()'"
    text = "".join(rng.choice(list(alphabet), int(rng.integers(1, 20))))
    return text if kind is protocol.WORD or text[0] != " " else "w" + text


def test_every_line_kind_renders_and_parses_back_to_the_same_value_and_text():
    rng = np.random.default_rng(8)
    for kind in protocol.KINDS:
        for _ in range(200):
            value = kind(**{f.name: random_value(rng, f.metadata["proto"]) for f in fields(kind)})
            text = protocol.render(value)
            assert "\n" not in text
            assert protocol.parse_line(text) == value, text
            assert protocol.render(protocol.parse_line(text)) == text


def test_lines_that_are_not_canonical_or_not_complete_are_not_protocol_lines():
    for text in [
        "win 03 1,2 cls=0 act=0",  # leading zero: would not re-render the same
        "win 3 1,2 cls=-0 act=0",
        "win 3 1,,2 cls=0 act=0",
        "win 3 cls=0 act=0",
        "stats windows=1 frames=2",  # fields missing
        ("stats frames=2 windows=1 ticks_min=0 ticks_max=0 ticks_total=0 stack=0 overflow=0 "
        "skipped=0"),  # fields out of order
        ("fault hardfault cfsr=0x0001 hfsr=0x00000000 mmfar=0x00000000 bfar=0x00000000 "
        "pc=0x00000000 lr=0x00000000 psr=0x00000000"),  # hex is 8 digits
        "done ok",
        "tinyfw 0.1 model=XYZ board=b",
        "warn ",
        "out 1 abc",  # half a byte
        "selftest board=mps2_an386 stack_size=8192",
        "",
    ]:
        assert protocol.parse_line(text) is None, text
    with pytest.raises(ValueError, match="line 2"):
        protocol.parse(["done 0", "done 00"], strict=True)


def test_a_partial_stats_line_stops_at_the_first_unknown_field():
    assert protocol.prefix(protocol.Stats, windows=3, frames=40) == (
        "stats windows=3 frames=40 ticks_min=")
    full = protocol.render(protocol.Stats(3, 40, 1, 2, 3, 4, 5, 6))
    assert full.startswith(protocol.prefix(protocol.Stats, windows=3, frames=40))
    with pytest.raises(ValueError, match="frames"):
        protocol.prefix(protocol.Stats, frames=40)


def test_the_c_header_defines_exactly_the_literal_text_of_every_python_format():
    text = HEADER.read_text(encoding="utf-8")
    defined = dict(re.findall(r'^#define (TFW_LINE_\w+) "([^"\\]*)"$', text, re.MULTILINE))
    every = re.findall(r"^#define (TFW_LINE_\w+)", text, re.MULTILINE)
    assert len(every) == len(defined)  # none with other values than a plain literal
    assert defined == protocol.c_macros()


PRINTS = re.compile(r'\b(?:board_uart_puts|put_str|board_put_field)\(\s*"((?:[^"\\]|\\.)*)"')


def test_the_firmware_sources_print_protocol_text_only_through_the_header():
    """No print call in the app, the fault handler, the verification or the bench app starts
    with a line's keyword or a `key=` of its own: a second copy of the protocol would drift."""
    sources = [ROOT / "firmware" / p for p in (
        "app/main.c", "app/sensor_trace.c", "board/common/fault.c", "verify/verify_main.c",
        "bench/main.c")]
    keywords = {protocol.word(kind) for kind in protocol.KINDS}
    keys = [v.strip() for v in protocol.c_macros().values() if v.endswith("=")]
    for src in sources:
        code = src.read_text(encoding="utf-8")
        assert '#include "' in code and "tfw_protocol.h\"" in code, src.name
        for lit in PRINTS.findall(code):
            text = lit.replace("\\n", " ").strip()
            spelled = text.split(" ", 1)[0] in keywords or any(k in text for k in keys)
            assert not spelled, f"{src.name}: {lit!r} spells the protocol"
    # the check sees a spelled line
    assert PRINTS.findall('board_uart_puts("win ");') == ["win "]


# -- real firmware -------------------------------------------------------------------------------

CRASH_HOOK = r"""
#include <string.h>
#include "board.h"
#include "user_hooks.h"

/* Faults (undefined instruction) when the command line has the word `crash`. */
void user_on_start(void)
{
    static char line[256];
    if (board_cmdline(line, sizeof line) > 0 && strstr(line, " crash") != 0) {
        __asm__ volatile("udf #0");
    }
}
"""


@pytest.fixture(scope="module")
def app_elf(build_with_user_code) -> Path:
    """The application with the committed firmware/generated, plus a hook that can fault."""
    work = build_with_user_code("protocol-app", {"crash_hook.c": CRASH_HOOK}, None)
    return work / "pio" / BOARD / "firmware.elf"


def reprinted(lines: list[str]) -> list[str]:
    return [protocol.render(line) for line in protocol.parse(lines, strict=True)]


def test_a_real_application_run_parses_and_re_renders_byte_for_byte(app_elf: Path, tmp_path):
    """Three recordings of three classes back to back, and half a frame at the end: boot,
    win, change, warn, stats and done lines."""
    cfg = load_config(ROOT / "tinyfw.toml")
    recs = load_dataset(cfg.data_dir(), cfg)
    rng = np.random.default_rng(11)
    picked = []
    for cls in cfg.data.classes:
        of_class = [r for r in recs if r.class_name == cls]
        picked.append(of_class[int(rng.integers(len(of_class)))].samples[:200])
    trace = write_trace(np.concatenate(picked), tmp_path / "t.bin")
    trace.write_bytes(trace.read_bytes() + b"\x01\x02\x03")
    r = run_elf(app_elf, BOARD, args=[trace.name], argv0=FIRMWARE_ARGV0, cwd=tmp_path,
                timeout_s=60)
    assert r.exit_code == 0 and not r.timed_out, r.uart_lines[-3:]
    assert reprinted(r.uart_lines) == r.uart_lines
    assert "".join(line + "\n" for line in reprinted(r.uart_lines)).encode() == r.raw_uart
    run = protocol.read_app(r.uart_lines)
    assert run.boot == protocol.Boot(run.boot.version, run.boot.model, BOARD)
    assert len(run.changes) >= 2 and run.done == protocol.Done(0)
    assert run.stats is not None and run.stats.windows == len(run.wins) > 0
    assert [protocol.render(w) for w in run.warns] == ["warn trace ends in the middle of a frame"]
    model_sha = hashlib.sha256(embedded_model(GENERATED)).hexdigest()
    assert model_sha.startswith(run.boot.model)


def test_a_real_fault_line_parses_and_re_renders_byte_for_byte(app_elf: Path, tmp_path):
    trace = write_trace(np.zeros((60, 3), np.int16), tmp_path / "t.bin")
    r = run_elf(app_elf, BOARD, args=[trace.name, "crash"], argv0=FIRMWARE_ARGV0, cwd=tmp_path,
                timeout_s=30)
    assert reprinted(r.uart_lines) == r.uart_lines
    fault = protocol.read_app(r.uart_lines).fault
    assert fault is not None and fault.name == "usagefault" and fault.pc != 0
    assert r.exit_code == protocol.FAULT_EXIT_STATUS["usagefault"]
    assert parse_fault(r.uart_lines)["line"] == r.uart_lines[-1] == protocol.render(fault)


def test_the_verification_app_lines_parse_and_re_render_byte_for_byte(tmp_path):
    graph = read_model_bytes(embedded_model(GENERATED), tmp_path)
    binary = build_verify_host(GENERATED, tmp_path / "verify_host", sanitize=False)
    records = record_bytes(random_records(graph, 3, seed=5))
    lines = run_verify_host(binary, records, trace=True)
    kinds = {type(x) for x in protocol.parse(lines)}
    assert kinds == {protocol.VerifyOut, protocol.VerifyTrace, protocol.VerifyTicks,
                     protocol.Done}
    assert reprinted(lines) == lines
    assert protocol.first(lines, protocol.Done) == protocol.Done(3)
    short = subprocess.run([binary], input=records[:-1], capture_output=True, check=False,
                           env={"TFW_VERIFY_TRACE": "0"}, timeout=60)
    assert short.returncode == 2
    short_lines = short.stdout.decode().splitlines()
    assert reprinted(short_lines) == short_lines
    assert protocol.first(short_lines, protocol.VerifyError) == protocol.VerifyError(
        "short input record")


def read_model_bytes(data: bytes, tmp: Path):
    path = tmp / "model_int8.tflite"
    path.write_bytes(data)
    return read_model(path)
