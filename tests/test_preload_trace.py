"""A trace preloaded into RAM plays exactly like the same trace read through semihosting.

The real application (firmware/app) with the benchmark model, built with PlatformIO, run in QEMU
twice per recording: once naming the trace file on the semihosting command line, once with the
trace blob put into the linker's TRACE region by QEMU's `-device loader` (how Renode and a
debugger feed it). Damaged blobs are refused with a reason, never played.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from tinyfw.errors import InputError
from tinyfw.model.data import load_dataset
from tinyfw.sim.boards import load_board
from tinyfw.sim.preload import (
    HEADER,
    MAGIC,
    check_fits,
    read_blob,
    run_preloaded,
    trace_blob,
    trace_region,
    write_blob,
)
from tinyfw.sim.qemu import run_elf
from tinyfw.sim.simulate import write_trace

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]

rng = np.random.default_rng(20261128)


@pytest.fixture(scope="module")
def elf(bench_firmware) -> Path:
    return bench_firmware("mps2_an386")[0]


@pytest.fixture(scope="module")
def one_recording_per_class(cfg):
    recs = load_dataset(cfg.data_dir(), cfg)
    return [next(r for r in recs if r.class_name == c) for c in cfg.data.classes]


def protocol_lines(lines: list[str]) -> list[str]:
    """win, change, warn, stats and done lines; stats without its timer ticks, which depend on
    where the timer's tick boundaries fall (+-1 tick), not on the trace source."""
    keep = [ln for ln in lines if ln.split(" ", 1)[0] in ("win", "change", "stats", "done", "warn")]
    return [re.sub(r" ticks_\w+=\d+", "", ln) for ln in keep]


def test_a_preloaded_recording_prints_exactly_the_lines_of_the_semihosting_run(
    elf: Path, one_recording_per_class, tmp_path: Path
):
    for rec in one_recording_per_class:
        trace = write_trace(rec.samples, tmp_path / (rec.path.stem + ".bin"))
        blob = write_blob(rec.samples, tmp_path / (rec.path.stem + ".tfwt"))
        by_file = run_elf(elf, "mps2_an386", args=[str(trace)], timeout_s=30)
        preloaded = run_preloaded(elf, "mps2_an386", blob, timeout_s=30)
        assert by_file.exit_code == 0 and preloaded.exit_code == 0, preloaded.uart_lines[-3:]
        wins = [ln for ln in preloaded.uart_lines if ln.startswith("win ")]
        assert len(wins) == (len(rec.samples) - 52) // 13 + 1, rec.name
        # every win, change, stats and done line is the same
        assert protocol_lines(preloaded.uart_lines) == protocol_lines(by_file.uart_lines), rec.name


def test_a_burst_option_applies_to_the_preloaded_trace_too(elf: Path, tmp_path: Path):
    samples = np.asarray(rng.normal(0, 700, (400, 3)), dtype=np.int16)
    trace = write_trace(samples, tmp_path / "t.bin")
    blob = write_blob(samples, tmp_path / "t.tfwt")
    by_file = run_elf(elf, "mps2_an386", args=[str(trace), "burst=100"], timeout_s=30)
    preloaded = run_preloaded(elf, "mps2_an386", blob, args=["burst=100"], timeout_s=30)
    assert protocol_lines(preloaded.uart_lines) == protocol_lines(by_file.uart_lines)
    stats = next(ln for ln in preloaded.uart_lines if ln.startswith("stats "))
    assert " overflow=0 " not in stats  # the burst really overflowed the ring


def test_a_trace_file_named_on_the_command_line_wins_over_a_preloaded_one(
    elf: Path, tmp_path: Path
):
    named = np.asarray(rng.normal(0, 500, (130, 3)), dtype=np.int16)
    other = np.asarray(rng.normal(0, 500, (300, 3)), dtype=np.int16)
    trace = write_trace(named, tmp_path / "named.bin")
    blob = write_blob(other, tmp_path / "other.tfwt")
    both = run_preloaded(elf, "mps2_an386", blob, args=[str(trace)], timeout_s=30)
    alone = run_elf(elf, "mps2_an386", args=[str(trace)], timeout_s=30)
    assert protocol_lines(both.uart_lines) == protocol_lines(alone.uart_lines)
    assert "stats windows=7 frames=130 " in " ".join(both.uart_lines) + " "


def test_without_a_trace_file_or_a_preloaded_trace_the_firmware_says_no_trace_and_exits_3(
    elf: Path,
):
    r = run_elf(elf, "mps2_an386", timeout_s=30)
    assert r.exit_code == 3 and not r.fault and not r.timed_out
    assert "warn no trace" in r.uart_lines
    assert not any(ln.startswith("win ") for ln in r.uart_lines)


def _blob(samples: np.ndarray, *, version: int = 1, channels: int | None = None,
          frames: int | None = None, crc_delta: int = 0) -> bytes:
    payload = np.ascontiguousarray(samples, dtype="<i2").tobytes()
    return HEADER.pack(
        MAGIC, version, samples.shape[1] if channels is None else channels,
        len(samples) if frames is None else frames, (zlib.crc32(payload) + crc_delta) & 0xFFFFFFFF,
    ) + payload


DAMAGED = {
    "a wrong version": ({"version": 2}, "warn preloaded trace: version 2, this firmware reads version 1"),
    "a wrong channel count": ({"channels": 4}, "warn preloaded trace: 4 channels per frame, the model takes 3"),
    "more frames than the region holds": (
        {"frames": 200_000},
        "warn preloaded trace: 200000 frames do not fit the trace region of size 1048576",
    ),
    "a crc32 that does not match the samples": (
        {"crc_delta": 1},
        "warn preloaded trace: crc32 mismatch over 100 frames (truncated or overwritten?)",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGED))
def test_a_damaged_preloaded_trace_is_refused_with_the_reason(
    damage: str, elf: Path, tmp_path: Path
):
    fields, warning = DAMAGED[damage]
    samples = np.asarray(rng.normal(0, 500, (100, 3)), dtype=np.int16)
    blob = tmp_path / "bad.tfwt"
    blob.write_bytes(_blob(samples, **fields))
    r = run_preloaded(elf, "mps2_an386", blob, timeout_s=30)
    assert r.exit_code == 3 and not r.fault
    assert warning in r.uart_lines
    assert not any(ln.startswith("win ") for ln in r.uart_lines)


def test_the_blob_header_is_magic_version_channels_frames_crc32_then_int16_le_samples():
    samples = np.array([[1, -2, 3], [32767, -32768, 0]], dtype=np.int16)
    blob = trace_blob(samples)
    assert blob[:4] == b"TFWT"
    assert struct.unpack("<HHII", blob[4:16]) == (1, 3, 2, zlib.crc32(blob[16:]))
    assert blob[16:] == bytes.fromhex("0100 feff 0300 ff7f 0080 0000")
    assert np.array_equal(read_blob(blob), samples)
    with pytest.raises(InputError):
        read_blob(blob[:-1])
    with pytest.raises(InputError):
        trace_blob(np.array([[40000, 0, 0]]))


def test_the_trace_region_comes_from_the_elf_and_matches_the_manifest(elf: Path):
    board = load_board("mps2_an386")
    region = trace_region(elf)
    assert region.size == 1024 * 1024  # tinyfw.trace_region.size
    assert region.start + region.size == board.ram_origin + board.ram_bytes  # the end of RAM
    with pytest.raises(InputError) as err:
        check_fits(b"\0" * (region.size + 1), region, board)
    assert "tinyfw.trace_region.size" in err.value.one_line()


def test_the_lm3s6965evb_plays_a_preloaded_recording_from_the_end_of_its_64k_ram(
    bench_firmware, one_recording_per_class, tmp_path: Path
):
    lm3s_elf = bench_firmware("lm3s6965evb")[0]
    region = trace_region(lm3s_elf)
    assert (region.start, region.size) == (0x20000000 + 64 * 1024 - 16 * 1024, 16 * 1024)
    rec = one_recording_per_class[1]
    trace = write_trace(rec.samples, tmp_path / "t.bin")
    blob = write_blob(rec.samples, tmp_path / "t.tfwt")
    by_file = run_elf(lm3s_elf, "lm3s6965evb", args=[str(trace)], timeout_s=30)
    preloaded = run_preloaded(lm3s_elf, "lm3s6965evb", blob, timeout_s=30)
    assert preloaded.exit_code == 0, preloaded.uart_lines[-3:]
    assert protocol_lines(preloaded.uart_lines) == protocol_lines(by_file.uart_lines)
