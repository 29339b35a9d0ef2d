"""Renode files for a real board whose sensor Renode models: the recorded trace is fed through
Renode's IMU model and read by the board's own I2C sensor driver (no preloaded memory).

    <board>.repl     `using` Renode's own board platform (arduino_nano_33_ble.repl)
    <board>.resc     creates the machine, loads firmware.elf, feeds one recording, starts
    <board>.robot    one Robot Framework test per recording: `renode-test <board>.robot`
    firmware.elf     the firmware built for the board (PlatformIO env <board>)
    feeds/NNN_<name>.data  one `x y z` line (g) per sample the driver reads

What the files rely on, read in Renode v1.16.1's sources (renode d66b0c2a, renode-infrastructure
add012af) - none of it was run in Renode (not obtainable here):
- platforms/boards/arduino_nano_33_ble.repl: `using "platforms/cpus/nrf52840.repl"`,
  `lsm9ds1_imu: Sensors.LSM9DS1_IMU @ twi0 0x6b`; nrf52840.repl: `uart0: UART.NRF52840_UART
  @ sysbus 0x40002000` (easyDMA: true), `twi0: I2C.NRF52840_I2C @ sysbus 0x40003000`,
  `timer0: Timers.NRF52840_Timer @ sysbus 0x40008000`, flash at 0, RAM at 0x20000000.
- Sensors/LSM9DS1_IMU.cs: `FeedAccelerationSample(string path)` queues the file's samples
  (SensorSamplesFifo.FeedSamplesFromFile: one sample per line, 3 numbers separated by spaces,
  `#` lines skipped); each read of OUT_X_L_XL (0x28) dequeues the next one (none left: 0 0 0),
  so the driver paces the feed, not time. Values are in g, scaled by the FS_XL field of
  CTRL_REG6_XL (2 = +-4 g: 8192 counts per g) and truncated to a 16-bit count:
  raw = (short)(g * 8192).
- CortexM.VectorTableOffset (the firmware starts at the manifest's flash origin).

The feed file holds, for each frame of a recording (the model's rate), the g value whose count
the firmware converts back (lsm9ds1_raw_to_mg: raw * 122 / 1000, truncated) to the recorded
milli-g: raw = the smallest count that gives it, g = raw / 8192 exactly. The driver reads one
sample per model period (timed by TIMER0), so the k-th read takes the k-th line: the firmware
sees the recording itself, and the expected lines are the host pipeline (TFLite Micro oracle)
over exactly those samples. A recorded value beyond the sensor's +-4 g (more than 3997 mg)
saturates at 32767 counts, as on the silicon; the expectations are computed from the
saturated samples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import numpy as np

from tinyfw import fileio
from tinyfw.codegen.generate import embedded_model
from tinyfw.config import Config
from tinyfw.errors import InputError
from tinyfw.model.data import Recording
from tinyfw.model.oracle import Oracle

from . import protocol
from .boards import BoardInfo
from .renode import (
    DEFAULT_TIMEOUT_S,
    _environment,
    _test_name,
    boot_line,
    check_generated,
    robot_cell,
    robot_text,
    safe_file_name,
    uart_regex,
    with_banner,
)

FEEDS = "feeds"
FEED_SUFFIX = ".data"
HINT = "move your changes out of this folder or rerun with --force"


@dataclass(frozen=True)
class SensorPlatform:
    """A board of Renode's own with the IMU model; every name as in Renode 1.16.1."""

    repl: str  # Renode's platform, `@`-path inside Renode's installation
    uart: str  # the UART the firmware prints on
    imu: str  # the IMU model: `<bus>.<name>`
    uart_base: int
    i2c_base: int
    i2c_address: int
    sensor_kind: str
    counts_per_g: int  # FS_XL = +-4 g in LSM9DS1_IMU.cs (AccelerationSensitivity.G4)
    mg_per_lsb_x1000: int  # the firmware's conversion (firmware/board/nrf/lsm9ds1.h)
    renode_needs: str


SENSOR_PLATFORMS = {
    "nano33ble": SensorPlatform(
        repl="platforms/boards/arduino_nano_33_ble.repl",
        uart="sysbus.uart0",
        imu="sysbus.twi0.lsm9ds1_imu",
        uart_base=0x40002000,
        i2c_base=0x40003000,
        i2c_address=0x6B,
        sensor_kind="lsm9ds1",
        counts_per_g=8192,
        mg_per_lsb_x1000=122,
        renode_needs="Renode 1.16.1 (the latest release, 2026-02-14) and later",
    ),
}
INT16_MAX = 32767


def sensor_platform(info: BoardInfo) -> SensorPlatform | None:
    """The Renode platform of a real board with a modelled sensor, None for other boards;
    InputError when the manifest and Renode's platform disagree (the firmware would talk to
    a block Renode does not have there)."""
    plat = SENSOR_PLATFORMS.get(info.id)
    if plat is None:
        return None
    checks = (
        ("tinyfw.uart.base", info.uart.base, plat.uart_base),
        ("tinyfw.sensor.i2c_base", info.sensor.i2c_base if info.sensor else None, plat.i2c_base),
        ("tinyfw.sensor.i2c_address", info.sensor.i2c_address if info.sensor else None,
         plat.i2c_address),
    )
    for name, have, want in checks:
        if have != want:
            raise InputError(
                f"Renode's {plat.repl} has this block at {want:#x}, the manifest says "
                f"{have if have is None else hex(have)}",
                file=info.manifest, field=name,
            )
    if info.sensor is None or info.sensor.kind != plat.sensor_kind:
        raise InputError(f"Renode's platform models an {plat.sensor_kind}",
                         file=info.manifest, field="tinyfw.sensor.kind")
    return plat


def refuse_qemu_test(cfg: Config, board: str) -> None:
    """`tinyfw renode --test` plays the .robot file over QEMU: InputError for a board whose
    files run only in Renode (QEMU has no machine for it)."""
    from .renode import _load_board

    info = _load_board(cfg, board)
    if info.qemu_machine is None and sensor_platform(info) is not None:
        raise InputError(
            "--test runs the .robot file over QEMU, which has no machine for this board "
            "(nRF52840): run the generated files with `renode-test` where Renode is installed",
            file=info.manifest, field="tinyfw.qemu_machine",
        )


def counts_for_mg(mg: np.ndarray, plat: SensorPlatform) -> np.ndarray:
    """The sensor count the firmware turns into each milli-g value: the smallest |count| with
    trunc(count * k / 1000) == mg, saturated at the 16-bit range."""
    mg = np.asarray(mg, dtype=np.int64)
    k = plat.mg_per_lsb_x1000
    mag = (np.abs(mg) * 1000 + k - 1) // k  # ceil(|mg| * 1000 / k)
    return np.clip(np.sign(mg) * mag, -INT16_MAX, INT16_MAX).astype(np.int64)


def mg_for_counts(counts: np.ndarray, plat: SensorPlatform) -> np.ndarray:
    """What the firmware reads from a count (C division truncates toward zero)."""
    prod = np.asarray(counts, dtype=np.int64) * plat.mg_per_lsb_x1000
    return (np.sign(prod) * (np.abs(prod) // 1000)).astype(np.int16)


def g_text(count: int, plat: SensorPlatform) -> str:
    """count / counts_per_g written exactly (a power of two: a finite decimal)."""
    text = format(Decimal(int(count)) / Decimal(plat.counts_per_g), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def feed_text(samples: np.ndarray, plat: SensorPlatform) -> str:
    counts = counts_for_mg(samples, plat)
    return "".join(" ".join(g_text(c, plat) for c in row) + "\n" for row in counts)


def delivered(rec: Recording, plat: SensorPlatform) -> Recording:
    """The recording as the firmware reads it through the model (saturated at +-4 g)."""
    return replace(rec, samples=mg_for_counts(counts_for_mg(rec.samples, plat), plat))


def expected_lines(host, labels: Sequence[str], boot: str) -> list[str]:
    """Boot line and every activity change of the recording's windows. A real-sensor
    firmware never ends: after the feed, the model returns 0 0 0 and the firmware goes on, so
    no `stats`/`done` line is expected (firmware/app/main.c prints them at the trace's end)."""
    lines = [boot]
    activity = -1
    for w in host:
        if w.activity != activity and w.activity >= 0:
            lines.append(protocol.render(protocol.Change(w.index, w.activity,
                                                         labels[w.activity])))
        activity = w.activity
    return lines


def _check_file(rel: str, path: Path) -> str | None:
    if rel == "firmware.elf" or (rel.startswith(f"{FEEDS}/") and rel.endswith(FEED_SUFFIX)):
        return None  # copies of the build and of the recordings: made again from them
    if path.suffix in (".repl", ".resc", ".robot"):
        return check_generated(path.read_text(encoding="utf-8", errors="replace"))
    return "not generated by tinyfw"


def write_sensor_renode(
    cfg: Config,
    info: BoardInfo,
    recordings: Sequence[Recording],
    out_dir: Path,
    *,
    elf: Path,
    gen_dir: Path,
    force: bool = False,
):
    """Write the sensor-model Renode files; same inputs, same bytes; all or nothing."""
    from tinyfw.model.evaluate import host_pipeline

    from .renode import RecordingCase

    plat = sensor_platform(info)
    if plat is None:
        raise InputError("Renode has no model of this board's sensor", file=info.manifest,
                         field="tinyfw.sensor")
    out_dir = Path(out_dir)
    fileio.check_output_folder(out_dir, _check_file, force=force, hint=HINT, subfolders=(FEEDS,))
    if not recordings:
        raise InputError("no recordings to write Renode tests for", field="recordings")
    tflite = embedded_model(gen_dir)
    model_sha = hashlib.sha256(tflite).hexdigest()
    oracle = Oracle(tflite)
    labels = list(cfg.data.classes)
    boot = boot_line(gen_dir, info.id)
    cases, feeds, taken = [], {}, set()
    for i, rec in enumerate(recordings):
        seen = delivered(rec, plat)
        host = host_pipeline(seen, oracle, cfg)
        final = host[-1].activity if host else -1
        name = f"{i:03d}_{safe_file_name(rec.path.stem)}{FEED_SUFFIX}"
        feeds[f"{FEEDS}/{name}"] = feed_text(rec.samples, plat)
        lines = expected_lines(host, labels, boot)
        case = RecordingCase(recording=rec.name, blob=name, windows=len(host),
                             frames=len(rec.samples), final_activity=final, lines=lines)
        case.name = _test_name(labels[final] if final >= 0 else None, rec, taken)
        case.documentation = robot_text(
            f"{rec.name} (recorded as {rec.class_name}), {len(rec.samples)} frames fed to the "
            f"IMU model, {len(host)} windows: the activity changes the host pipeline (TFLite "
            f"Micro oracle) computes from the samples the driver reads."
        )
        case.tag = robot_text(rec.class_name)
        cases.append(case)

    ctx = {
        "board_id": info.id,
        "board_name": info.name,
        "renode_needs": plat.renode_needs,
        "platform_repl": plat.repl,
        "uart_name": plat.uart,
        "imu": plat.imu,
        "flash_origin": info.flash_origin,
        "default_feed": cases[0].blob,
        "timeout_s": DEFAULT_TIMEOUT_S,
        "failing_lines": f"^({protocol.word(protocol.Fault)}|{protocol.word(protocol.Warn)}) .*",
        "cases": [{**c.__dict__, "patterns": [robot_cell(uart_regex(ln)) for ln in c.lines]}
                  for c in cases],
    }
    env = _environment()
    files: dict[str, str | bytes] = {}
    for name, template, comment in (
        (f"{info.id}.repl", "sensor_platform.repl.j2", "/*"),
        (f"{info.id}.resc", "sensor_run.resc.j2", "#"),
        (f"{info.id}.robot", "sensor_tests.robot.j2", "#"),
    ):
        files[name] = with_banner(model_sha, env.get_template(template).render(**ctx), comment)
    files["firmware.elf"] = Path(elf).read_bytes()
    files.update(feeds)
    backups = fileio.write_folder(out_dir, files, check=_check_file, force=force,
                                  what="tinyfw renode", hint=HINT)
    return SensorRenodeFiles(out_dir, info.id, [out_dir / n for n in files], cases, backups)


@dataclass
class SensorRenodeFiles:
    out_dir: Path
    board: str
    files: list[Path]
    cases: list
    backups: list[Path]

    def summary(self) -> str:
        kept = "".join(f"kept the edited folder as {b}\n" for b in self.backups)
        return kept + (
            f"wrote {self.out_dir}: {self.board}.repl, {self.board}.resc, {self.board}.robot "
            f"({len(self.cases)} tests), firmware.elf and {len(self.cases)} IMU feed files\n"
            f"run: renode {self.out_dir / (self.board + '.resc')}\n"
            f"test: renode-test {self.out_dir / (self.board + '.robot')} (untested in Renode)"
        )
