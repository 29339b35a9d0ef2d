"""Renode files for nano33ble: the recorded trace goes through Renode's LSM9DS1 model.

Renode is not obtainable here and QEMU has no nRF52840 machine, so these files are checked,
not run: every command and peripheral name they use against a table read from Renode
v1.16.1's sources (below), the feed files against the recordings converted independently
(g -> count as LSM9DS1_IMU.cs scales it, count -> milli-g as firmware/board/nrf/lsm9ds1.h),
and the ELF they load against a real nano33ble build.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from decimal import Decimal

import pytest
from robot.api import get_model

from tinyfw.codegen.generate import embedded_model
from tinyfw.model.data import load_dataset
from tinyfw.model.split import split_recordings
from tinyfw.paths import ROOT
from tinyfw.sim import protocol
from tinyfw.sim.boards import load_board
from tinyfw.sim.build import build_firmware
from tinyfw.sim.renode import check_generated
from tinyfw.sim.renode_sensor import write_sensor_renode

pytestmark = [pytest.mark.toolchain]

BOARD = "nano33ble"

# Read in Renode v1.16.1 (renode d66b0c2a; src/Infrastructure = renode-infrastructure add012af):
# platforms/boards/arduino_nano_33_ble.repl (`lsm9ds1_imu: Sensors.LSM9DS1_IMU @ twi0 0x6b`,
# `using "platforms/cpus/nrf52840.repl"`: `uart0: UART.NRF52840_UART @ sysbus 0x40002000`,
# `twi0: I2C.NRF52840_I2C @ sysbus 0x40003000`, `timer0` at 0x40008000, `cpu: CPU.CortexM`),
# Sensors/LSM9DS1_IMU.cs (public FeedAccelerationSample(string path), FS_XL in CTRL_REG6_XL bits
# 4:3, value 2 = G4 = 8192 counts per g), Cores/Arm-M/CortexM.cs (VectorTableOffset), the monitor
# commands of Renode's own tests (mach create, machine LoadPlatformDescription, sysbus LoadELF,
# showAnalyzer, start, using sysbus).
RENODE_PLATFORMS = {"platforms/boards/arduino_nano_33_ble.repl"}
RENODE_OBJECTS = {  # object -> its methods/properties the files may call
    "sysbus.twi0.lsm9ds1_imu": {"FeedAccelerationSample"},
    "cpu": {"VectorTableOffset"},
    "sysbus": {"LoadELF"},
    "machine": {"LoadPlatformDescription"},
}
RENODE_COMMANDS = {"mach", "using", "showAnalyzer", "start"}  # monitor built-ins
RENODE_UARTS = {"sysbus.uart0"}
COUNTS_PER_G_4G = 8192  # LSM9DS1_IMU.cs AccelerationSensitivity.G4
FIRMWARE_FS_BITS = 0x2 << 3  # lsm9ds1.h LSM9DS1_CTRL_REG6_XL_FS_4G, read from the header below


@pytest.fixture(scope="module")
def nano_firmware(project_firmware):
    """The project's generated app built for nano33ble (PlatformIO, real toolchain)."""
    work, gen, _ = project_firmware
    return build_firmware(ROOT, BOARD, generated=gen, build_dir=work / "pio-nano").elf, gen


@pytest.fixture(scope="module")
def written(cfg, nano_firmware, tmp_path_factory):
    elf, gen = nano_firmware
    recs = split_recordings(load_dataset(cfg.data_dir(), cfg), cfg.split).test
    out = tmp_path_factory.mktemp("renode sensor") / BOARD  # a space in the path
    return write_sensor_renode(cfg, load_board(BOARD), recs, out, elf=elf, gen_dir=gen), recs


def _check_command(words: list[str]) -> None:
    head = words[0]
    if head in RENODE_COMMANDS:
        return
    assert head in RENODE_OBJECTS, f"not a name read in Renode 1.16.1's sources: {head}"
    assert words[1] in RENODE_OBJECTS[head], f"{head} has no {words[1]} in Renode 1.16.1"


def test_every_name_in_the_repl_resc_and_robot_is_one_read_in_renode_1_16_1(written):
    files, _ = written
    out = files.out_dir
    repl = (out / f"{BOARD}.repl").read_text()
    usings = [ln.split('"')[1] for ln in repl.splitlines() if ln.startswith("using ")]
    assert usings and set(usings) <= RENODE_PLATFORMS
    assert all(ln.startswith(("//", "/*", " *", "using ")) or not ln.strip()
               for ln in repl.splitlines()), "the platform adds nothing of its own"

    resc = (out / f"{BOARD}.resc").read_text()
    assert "UNTESTED IN RENODE" in resc and "v1.16.1" in resc
    commands = [ln for ln in resc.splitlines()
                if ln.strip() and not ln.startswith(("#", ":", "$"))]
    for ln in commands:
        _check_command(shlex.split(ln))
    assert any(ln.split()[0] == "showAnalyzer" and ln.split()[1] in RENODE_UARTS
               for ln in commands)
    assert "sysbus.twi0.lsm9ds1_imu FeedAccelerationSample $feed" in commands

    model = get_model(str(out / f"{BOARD}.robot"))  # Robot Framework's own parser
    executed, uarts = [], []
    for section in model.sections:
        for block in getattr(section, "body", []):
            for stmt in getattr(block, "body", []):
                if getattr(stmt, "type", None) != "KEYWORD":
                    continue
                if stmt.keyword == "Execute Command":
                    executed.append(stmt.args[0])
                elif stmt.keyword == "Create Terminal Tester":
                    uarts.append(stmt.args[0])
    assert executed and uarts == ["${UART}"]
    assert "${UART}                 sysbus.uart0" in (out / f"{BOARD}.robot").read_text()
    for cmd in executed:
        _check_command(cmd.split(maxsplit=2))
    feed = [c for c in executed if "FeedAccelerationSample" in c]
    assert feed == ['sysbus.twi0.lsm9ds1_imu FeedAccelerationSample "${FEEDS}${/}${feed}"']
    for name in (f"{BOARD}.repl", f"{BOARD}.resc", f"{BOARD}.robot"):
        assert check_generated((out / name).read_text()) is None


def test_the_feed_files_are_the_recordings_in_g_that_the_driver_reads_back_exactly(written):
    files, recs = written
    # the firmware's full scale is the one whose count per g the feed uses
    header = (ROOT / "firmware/board/nrf/lsm9ds1.h").read_text()
    assert "#define LSM9DS1_CTRL_REG6_XL_FS_4G (0x2u << 3)" in header
    assert "#define LSM9DS1_MG_PER_LSB_X1000 122" in header
    feeds = sorted((files.out_dir / "feeds").glob("*.data"))
    assert len(feeds) == len(recs) == len(files.cases)
    for path, rec in zip(feeds, recs):
        lines = path.read_text().splitlines()
        assert len(lines) == len(rec.samples), path.name  # one sample per driver read
        for k, (line, row) in enumerate(zip(lines, rec.samples.tolist())):
            values = [Decimal(v) for v in line.split(" ")]
            assert len(values) == 3
            for g, mg in zip(values, row):
                scaled = g * COUNTS_PER_G_4G
                assert scaled == int(scaled), (path.name, k)  # (short) truncation loses nothing
                count = int(scaled)
                assert -32768 <= count <= 32767
                got = int(count * 122 / 1000) if count >= 0 else -int(-count * 122 / 1000)
                assert got == max(-3997, min(3997, mg)), (path.name, k, line, mg)


def test_the_expected_lines_are_the_oracles_changes_and_the_elf_is_the_nano33ble_build(
    written, nano_firmware, cfg
):
    files, recs = written
    elf, _ = nano_firmware
    assert (files.out_dir / "firmware.elf").read_bytes() == elf.read_bytes()
    head = elf.read_bytes()[:20]
    assert head[:4] == b"\x7fELF" and int.from_bytes(head[18:20], "little") == 40  # EM_ARM
    from tinyfw.model.evaluate import host_pipeline
    from tinyfw.model.oracle import Oracle
    from tinyfw.sim.renode import boot_line

    oracle = Oracle(embedded_model(nano_firmware[1]))
    saturating = 0
    for case, rec in zip(files.cases, recs):
        assert case.lines[0] == boot_line(nano_firmware[1], BOARD)
        assert protocol.parse_line(case.lines[0]).board == BOARD
        changes = [protocol.parse_line(ln) for ln in case.lines[1:]]
        assert all(isinstance(c, protocol.Change) for c in changes)
        if abs(rec.samples.astype(int)).max() > 3997:
            saturating += 1  # the feed saturates as the sensor would: checked above
            continue
        host = host_pipeline(rec, oracle, cfg)  # the recording itself, as recorded
        want, act = [], -1
        for w in host:
            if w.activity != act and w.activity >= 0:
                want.append((int(w.index), int(w.activity)))
            act = w.activity
        assert [(c.index, c.activity) for c in changes] == want, case.name
    assert saturating < len(recs)


def test_renode_test_on_nano33ble_is_refused_in_one_line_before_any_build(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "tinyfw", "renode", "--board", BOARD, "--test", "--out",
         str(tmp_path / "out")],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 2, r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "QEMU" in err[0] and "nano33ble" in err[0], r.stderr
    assert not (tmp_path / "out").exists()


def test_the_feed_of_edge_values_reads_back_through_the_firmware_conversion_compiled(tmp_path):
    """Every milli-g value the recordings could hold, through the feed's g text, Renode's
    scaling and the firmware's own lsm9ds1_raw_to_mg compiled from firmware/board/nrf/lsm9ds1.h
    by the host C compiler: the recorded value, or the sensor's saturation beyond +-3997 mg."""
    import numpy as np

    from tinyfw.sim.renode_sensor import SENSOR_PLATFORMS, feed_text

    mg = np.arange(-4100, 4101, dtype=np.int16)
    rows = np.stack([mg, -mg, mg], axis=1)
    lines = feed_text(rows, SENSOR_PLATFORMS[BOARD]).splitlines()
    counts = [int(Decimal(line.split(" ")[0]) * COUNTS_PER_G_4G) for line in lines]
    src = tmp_path / "conv.c"
    src.write_text(
        '#include <stdio.h>\n#include "lsm9ds1.h"\n'
        "int main(void) { int c; while (scanf(\"%d\", &c) == 1) "
        "printf(\"%d\\n\", lsm9ds1_raw_to_mg((int16_t)c)); return 0; }\n"
    )
    exe = tmp_path / "conv"
    subprocess.run(["cc", "-std=c11", "-I", str(ROOT / "firmware/board/nrf"), str(src), "-o",
                    str(exe)], check=True)
    out = subprocess.run([str(exe)], input="\n".join(map(str, counts)), capture_output=True,
                         text=True, check=True).stdout.split()
    assert [int(v) for v in out] == np.clip(mg, -3997, 3997).tolist()


def test_the_same_inputs_give_the_same_bytes(written, nano_firmware, cfg, tmp_path):
    files, recs = written
    elf, gen = nano_firmware
    again = write_sensor_renode(cfg, load_board(BOARD), recs, tmp_path / BOARD, elf=elf,
                                gen_dir=gen)
    names = sorted(p.relative_to(files.out_dir) for p in files.files)
    assert names == sorted(p.relative_to(again.out_dir) for p in again.files)
    for name in names:
        assert (files.out_dir / name).read_bytes() == (again.out_dir / name).read_bytes(), name


def test_a_manifest_that_disagrees_with_renodes_platform_is_refused_naming_the_field():
    import dataclasses

    from tinyfw.errors import InputError
    from tinyfw.sim.renode_sensor import sensor_platform

    info = load_board(BOARD)
    moved = dataclasses.replace(info, sensor=dataclasses.replace(info.sensor, i2c_address=0x6A))
    with pytest.raises(InputError) as err:
        sensor_platform(moved)
    assert "tinyfw.sensor.i2c_address" in str(err.value) and "0x6b" in str(err.value)
    assert sensor_platform(load_board("mps2_an386")) is None
