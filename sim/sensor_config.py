"""A real board's sensor driver, configured from the model's contract (or refused).

A model expects frames of `data.columns` channels at `data.rate_hz`, in raw counts of
`data.units`, within `data.range`. A board with a real sensor (`tinyfw.sensor` in its manifest)
must deliver exactly that. `driver_settings` works out how, from the sensor's capabilities
(the tables below, from its datasheet), and `tinyfw build` passes the result to the driver as
`-D` defines; what the driver cannot deliver is refused in one line naming the field:

- rate: a sensor output data rate (ODR) equal to `data.rate_hz`, or an ODR that is an exact
  multiple k <= MAX_DECIMATION of it, the driver averaging k consecutive samples (the smallest k
  wins). Nothing else: a model trained at 119 Hz does not run correctly on samples at 104 Hz.
- channels: 3 (accelerometer x, y, z) or 6 (accelerometer x, y, z, then gyroscope x, y, z).
- units: `data.units` names the unit of one count: the accelerometer's (`mg`, `g`, `m/s2`) or,
  for 6 channels, both as `"<accelerometer>,<gyroscope>"` (`"mg,dps"`; gyroscope `dps`,
  `mdps`, `rad/s`).
- full scale: the smallest the sensor offers that covers `data.range` (in those units); the
  driver converts each sample to counts (truncated toward zero, as ST's drivers do) and clamps
  it to `data.range`.

LSM6DSL (B-L475E-IOT01A, firmware/board/stm32l4/sensor_lsm6dsl.c): datasheet DocID028475.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from tinyfw.config import CONFIG_NAME, Config, load_config
from tinyfw.errors import InputError
from tinyfw.sim.boards import BoardInfo

# Output data rates the driver uses: ODR_XL / ODR_G code (CTRL1_XL/CTRL2_G bits 7:4) -> Hz.
# The driver polls one sample per I2C transfer at 100 kHz (about 2 ms with 6 channels): rates
# above 208 Hz (416 Hz and up) would lose samples, so they are not offered.
LSM6DSL_ODR = {1: 12.5, 2: 26.0, 3: 52.0, 4: 104.0, 5: 208.0}
# Accelerometer full scale: (+-g, FS_XL bits 3:2, sensitivity in micro-g per LSB).
LSM6DSL_ACCEL_FS = ((2, 0b00, 61), (4, 0b10, 122), (8, 0b11, 244), (16, 0b01, 488))
# Gyroscope full scale: (+-dps, CTRL2_G bits 3:0 (FS_G, FS_125), micro-dps per LSB).
LSM6DSL_GYRO_FS = ((125, 0b0010, 4375), (245, 0b0000, 8750), (500, 0b0100, 17500),
                   (1000, 0b1000, 35000), (2000, 0b1100, 70000))
MAX_DECIMATION = 8
RATE_TOLERANCE = 1e-6  # relative: 26.0 is 26 Hz, 25.9 is not

# One count of these units, in g (accelerometer) or dps (gyroscope).
ACCEL_UNITS = {"mg": Fraction(1, 1000), "g": Fraction(1), "m/s2": Fraction(100000, 980665),
               "m/s^2": Fraction(100000, 980665)}
GYRO_UNITS = {"dps": Fraction(1), "deg/s": Fraction(1), "mdps": Fraction(1, 1000),
              "0.1 dps": Fraction(1, 10),  # what the [data] readers convert gyroscopes to
              "rad/s": Fraction(180 / math.pi).limit_denominator(10**6)}


@dataclass(frozen=True)
class SensorSettings:
    """What the driver is built with (all integers; `c_defines` is how it gets them)."""

    channels: int  # 3 or 6
    odr_hz: float
    odr_code: int
    decimation: int  # samples averaged per frame
    accel_fs_g: int
    ctrl1_xl: int
    gyro_fs_dps: int | None
    ctrl2_g: int  # 0: gyroscope off
    accel_num: int  # count = raw * num / den, truncated toward zero
    accel_den: int
    gyro_num: int
    gyro_den: int
    count_min: int
    count_max: int
    rate_millihz: int  # the model's rate (checked against app_config.h by the driver)

    def c_defines(self) -> list[tuple[str, str]]:
        return [
            ("TFW_SENSOR_CHANNELS", str(self.channels)),
            ("TFW_SENSOR_DECIMATION", str(self.decimation)),
            ("TFW_SENSOR_RATE_MILLIHZ", str(self.rate_millihz)),
            ("TFW_LSM6DSL_CTRL1_XL", f"0x{self.ctrl1_xl:02X}u"),
            ("TFW_LSM6DSL_CTRL2_G", f"0x{self.ctrl2_g:02X}u"),
            ("TFW_SENSOR_XL_NUM", str(self.accel_num)),
            ("TFW_SENSOR_XL_DEN", str(self.accel_den)),
            ("TFW_SENSOR_G_NUM", str(self.gyro_num)),
            ("TFW_SENSOR_G_DEN", str(self.gyro_den)),
            ("TFW_SENSOR_MIN", str(self.count_min)),
            ("TFW_SENSOR_MAX", str(self.count_max)),
        ]

    def flags(self) -> str:
        """The defines as compiler flags (PLATFORMIO_BUILD_FLAGS)."""
        return " ".join(f"-D{k}={v}" for k, v in self.c_defines())

    def summary(self) -> str:
        rate = f"{self.odr_hz:g} Hz" + (
            f" averaged over {self.decimation}" if self.decimation > 1 else "")
        gyro = f", gyroscope +-{self.gyro_fs_dps} dps" if self.gyro_fs_dps else ""
        return f"sensor: {self.channels} channels at {rate}, accelerometer +-{self.accel_fs_g} g{gyro}"


def _ratio(count_unit: Fraction, micro_per_lsb: int, where: Any, field: str) -> tuple[int, int]:
    """counts per LSB as num / den with |raw * num| < 2^31 for every int16 raw."""
    r = Fraction(micro_per_lsb, 10**6) / count_unit
    if r.numerator >= 65536:
        r = r.limit_denominator(max(1, (65535 * r.denominator) // r.numerator))
    if r.numerator == 0 or r.numerator >= 65536 or r.denominator >= 2**31:
        raise InputError(f"one sensor step is {float(r):g} counts: not representable",
                         file=where, field=field)
    return r.numerator, r.denominator


def lsm6dsl_settings(model: dict[str, Any], board: BoardInfo, where: Any) -> SensorSettings:
    """The LSM6DSL configuration for a model contract (`data.*` values), or InputError."""
    who = f"board {board.id} (lsm6dsl driver)"
    rate = float(model["data.rate_hz"])
    columns = list(model["data.columns"])
    units = str(model["data.units"])
    lo, hi = (int(v) for v in model["data.range"])

    best = None
    for k in range(1, MAX_DECIMATION + 1):
        for code, odr in LSM6DSL_ODR.items():
            if abs(odr - k * rate) <= RATE_TOLERANCE * odr:
                best = (code, odr, k)
                break
        if best:
            break
    if best is None:
        nearest = min(LSM6DSL_ODR.values(), key=lambda o: abs(o - rate))
        raise InputError(
            f"{rate:g} Hz: {who} delivers {', '.join(f'{o:g}' for o in LSM6DSL_ODR.values())} "
            f"Hz, or one of these averaged over 2..{MAX_DECIMATION} samples, not {rate:g} Hz "
            f"(nearest {nearest:g} Hz); record or resample at one of these rates and retrain",
            file=where, field="data.rate_hz")
    code, odr, k = best

    if len(columns) not in (3, 6):
        raise InputError(
            f"{len(columns)} channels: {who} delivers 3 (accelerometer x, y, z) or 6 "
            "(accelerometer x, y, z, then gyroscope x, y, z)", file=where, field="data.columns")
    parts = [u.strip() for u in units.split(",")]
    want = 1 if len(columns) == 3 else 2
    if len(parts) != want or parts[0] not in ACCEL_UNITS or (
        want == 2 and parts[1] not in GYRO_UNITS
    ):
        example = '"mg"' if want == 1 else '"mg,dps"'
        raise InputError(
            f"{units!r}: {who} needs the unit of one count "
            f"{'of the accelerometer' if want == 1 else 'of the accelerometer, then of the gyroscope'}"
            f" (e.g. {example}; accelerometer {', '.join(ACCEL_UNITS)}"
            + (f"; gyroscope {', '.join(GYRO_UNITS)}" if want == 2 else "") + ")",
            file=where, field="data.units")
    peak = max(abs(lo), abs(hi))

    def full_scale(table: tuple, unit: Fraction, name: str) -> tuple:
        need = peak * unit
        for row in table:
            if row[0] >= need:
                return row
        raise InputError(
            f"{list(model['data.range'])} counts of {name} reach {float(need):g}, beyond the "
            f"largest full scale of {who} (+-{table[-1][0]})", file=where, field="data.range")

    a_unit = ACCEL_UNITS[parts[0]]
    a_fs, a_bits, a_micro = full_scale(LSM6DSL_ACCEL_FS, a_unit, parts[0])
    a_num, a_den = _ratio(a_unit, a_micro, where, "data.units")
    g_fs, ctrl2, g_num, g_den = None, 0, 0, 1
    if want == 2:
        g_unit = GYRO_UNITS[parts[1]]
        g_fs, g_bits, g_micro = full_scale(LSM6DSL_GYRO_FS, g_unit, parts[1])
        g_num, g_den = _ratio(g_unit, g_micro, where, "data.units")
        ctrl2 = (code << 4) | g_bits
    return SensorSettings(
        channels=len(columns), odr_hz=odr, odr_code=code, decimation=k, accel_fs_g=a_fs,
        ctrl1_xl=(code << 4) | (a_bits << 2), gyro_fs_dps=g_fs, ctrl2_g=ctrl2,
        accel_num=a_num, accel_den=a_den, gyro_num=g_num, gyro_den=g_den,
        count_min=max(lo, -32768), count_max=min(hi, 32767), rate_millihz=round(rate * 1000))


# LSM9DS1 (Arduino Nano 33 BLE, firmware/board/nrf/sensor_lsm9ds1.c): a fixed configuration,
# accelerometer only, 119 Hz ODR, +-4 g, delivered in milli-g; the driver hands over the newest
# sample once per model period. Nothing to pass as defines: the model must fit that.
LSM9DS1_ODR_HZ = 119.0
LSM9DS1_FS_MG = 4000


def lsm9ds1_settings(model: dict[str, Any], board: BoardInfo, where: Any) -> None:
    """Refuse a model contract the fixed LSM9DS1 driver cannot deliver (InputError)."""
    who = f"board {board.id} (lsm9ds1 driver: accelerometer x, y, z in mg, +-4 g, 119 Hz)"
    rate = float(model["data.rate_hz"])
    columns = list(model["data.columns"])
    units = str(model["data.units"]).strip()
    lo, hi = (int(v) for v in model["data.range"])
    if len(columns) != 3:
        raise InputError(f"{len(columns)} channels: {who} delivers 3", file=where,
                         field="data.columns")
    if not 0 < rate <= LSM9DS1_ODR_HZ:
        raise InputError(f"{rate:g} Hz: {who} delivers at most {LSM9DS1_ODR_HZ:g} Hz",
                         file=where, field="data.rate_hz")
    if units != "mg":
        raise InputError(f"{units!r}: {who} delivers milli-g (\"mg\")", file=where,
                         field="data.units")
    if max(abs(lo), abs(hi)) > LSM9DS1_FS_MG:
        raise InputError(f"{[lo, hi]} mg is beyond the +-{LSM9DS1_FS_MG} mg of {who}",
                         file=where, field="data.range")


DRIVERS = {"lsm6dsl": lsm6dsl_settings, "lsm9ds1": lsm9ds1_settings}


def driver_settings(board: BoardInfo, root: Path, generated: Path) -> SensorSettings | None:
    """The sensor settings for building `generated` for `board` (None: no real sensor, or a
    driver with a fixed configuration that the model fits).
    The model's contract decides; a model without one is taken with the project's tinyfw.toml
    (defaults when there is none). Raises InputError naming the model (or tinyfw.toml)."""
    if board.sensor is None:
        return None
    from tinyfw.codegen.generate import read_generated
    from tinyfw.model import contract as model_contract

    toml = Path(root) / CONFIG_NAME
    cfg = load_config(toml) if toml.is_file() else Config()
    gen = read_generated(Path(generated))
    where: Any = gen.folder / gen.description["tflite"]
    carried = model_contract.read(gen.tflite, model_file=where)
    if carried is None:
        carried, where = model_contract.from_config(cfg), toml
    return DRIVERS[board.sensor.kind](carried, board, where)
