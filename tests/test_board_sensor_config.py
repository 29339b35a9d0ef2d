"""A real board's sensor is configured from the model's contract, or the build is refused.

The B-L475E-IOT01A's LSM6DSL (datasheet DocID028475): output data rates 12.5, 26, 52, 104,
208 Hz (CTRL1_XL / CTRL2_G bits 7:4 = 1..5; the driver polls, so no faster ones), accelerometer
full scale +-2/4/8/16 g at 0.061/0.122/0.244/0.488 mg per LSB (FS_XL bits 3:2 = 00/10/11/01),
gyroscope +-125/245/500/1000/2000 dps at 4.375/8.75/17.5/35/70 mdps per LSB (CTRL2_G bits 3:0
= 0010/0000/0100/1000/1100). The expected register values below are written from those tables.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from tinyfw.config import Config
from tinyfw.errors import InputError
from tinyfw.model import contract as model_contract
from tinyfw.paths import BENCH_MODEL, ROOT
from tinyfw.project import generate_project
from tinyfw.sim.boards import load_board
from tinyfw.sim.build import build_firmware, pio_environment, pio_executable
from tinyfw.sim.sensor_config import lsm6dsl_settings

BOARD = "disco_l475vg_iot01a"
STM32L4 = ROOT / "firmware" / "board" / "stm32l4"
SIX = ("ax", "ay", "az", "gx", "gy", "gz")


def contract(rate=26.0, columns=("x", "y", "z"), units="mg", rng=(-4000, 4000)) -> dict:
    return {"data.rate_hz": rate, "data.columns": list(columns), "data.units": units,
            "data.range": list(rng)}


def settings(**kw):
    return lsm6dsl_settings(contract(**kw), load_board(BOARD), "m.tflite")


def test_the_st_har_contract_gives_what_the_recordings_were_made_with():
    s = settings()
    assert (s.ctrl1_xl, s.ctrl2_g, s.channels, s.decimation) == (0x28, 0x00, 3, 1)  # 26 Hz, 4 g
    assert Fraction(s.accel_num, s.accel_den) == Fraction(122, 1000)  # 0.122 mg per LSB


def test_a_rate_that_divides_a_sensor_rate_is_delivered_by_averaging():
    s = settings(rate=13.0)
    assert (s.ctrl1_xl >> 4, s.decimation) == (2, 2)  # 26 Hz, two samples a frame
    s = settings(rate=6.25)
    assert (s.ctrl1_xl >> 4, s.decimation) == (1, 2)  # 12.5 Hz / 2
    s = settings(rate=6.5)
    assert (s.ctrl1_xl >> 4, s.decimation) == (2, 4)  # 26 Hz / 4 (fewest samples averaged)
    assert settings(rate=104.0).decimation == 1


def test_six_channels_switch_the_gyroscope_on_with_full_scales_that_cover_the_range():
    s = settings(rate=104.0, columns=SIX, units="mg,dps", rng=(-2000, 2000))
    assert s.ctrl1_xl == 0x40  # 104 Hz, +-2 g covers 2000 mg
    assert s.ctrl2_g == 0x4C  # 104 Hz, +-2000 dps covers 2000 dps
    assert Fraction(s.accel_num, s.accel_den) == Fraction(61, 1000)
    assert Fraction(s.gyro_num, s.gyro_den) == Fraction(7, 100)  # 70 mdps per LSB in dps
    s = settings(rate=52.0, columns=SIX, units="mg,mdps", rng=(-3000, 3000))
    assert s.ctrl1_xl == 0x38  # 52 Hz, +-4 g covers 3000 mg
    assert s.ctrl2_g == 0x32  # 52 Hz, +-125 dps covers 3000 mdps
    assert Fraction(s.gyro_num, s.gyro_den) == Fraction(35, 8)  # 4.375 mdps per LSB


@pytest.mark.parametrize("kw, field, words", [
    ({"rate": 119.0}, "data.rate_hz", ("119 Hz", "nearest 104 Hz")),
    ({"rate": 416.0}, "data.rate_hz", ("416 Hz",)),
    ({"rate": 25.0}, "data.rate_hz", ("nearest 26 Hz",)),
    ({"columns": ("x", "y", "z", "t")}, "data.columns", ("4 channels",)),
    ({"columns": SIX, "units": "mg"}, "data.units", ("gyroscope",)),
    ({"units": "furlongs"}, "data.units", ("'furlongs'",)),
    ({"units": "mg", "rng": (-20000, 20000)}, "data.range", ("+-16",)),
], ids=["119Hz", "416Hz", "25Hz", "4ch", "6ch-one-unit", "unknown-unit", "beyond-16g"])
def test_what_the_driver_cannot_deliver_is_refused_naming_the_field(kw, field, words):
    with pytest.raises(InputError) as e:
        settings(**kw)
    assert e.value.field == field and "\n" not in e.value.one_line()
    assert "disco_l475vg_iot01a (lsm6dsl driver)" in e.value.message
    for w in words:
        assert w in e.value.message


HARNESS = r"""
#include <stdio.h>
#include "lsm6dsl.h"
/* stdin: sum n num den lo hi per line; stdout: lsm6dsl_counts */
int main(void)
{
    int sum, n, num, den, lo, hi;
    while (scanf("%d %d %d %d %d %d", &sum, &n, &num, &den, &lo, &hi) == 6) {
        printf("%d\n", lsm6dsl_counts(sum, n, num, den, lo, hi));
    }
    return 0;
}
"""


def reference(total: int, n: int, num: int, den: int, lo: int, hi: int) -> int:
    """Mean rounded half away from zero, times num / den truncated toward zero, clamped."""
    q = (abs(total) * 2 + n) // (2 * n)
    mean = q if total >= 0 else -q
    c = abs(mean * num) // den * (1 if mean >= 0 else -1)
    return min(max(c, lo), hi)


def test_the_driver_averages_and_converts_in_integers_exactly(tmp_path):
    gcc = shutil.which("gcc")
    assert gcc, "the host gcc is needed: apt-get install -y gcc (or make setup)"
    (tmp_path / "main.c").write_text(HARNESS)
    exe = tmp_path / "counts"
    subprocess.run([gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined",
                    "-fno-sanitize-recover=all", f"-I{STM32L4}", str(tmp_path / "main.c"),
                    "-o", str(exe)], check=True)
    rng = np.random.default_rng(4)
    cases = []
    for s in (settings(), settings(rate=13.0), settings(rate=104.0, columns=SIX, units="g,rad/s",
                                                         rng=(-8, 8)),
              settings(units="m/s2", rng=(-150, 150))):
        for num, den in ((s.accel_num, s.accel_den), (s.gyro_num, s.gyro_den)):
            if num == 0:
                continue
            n = s.decimation
            for total in [-32768 * n, 32767 * n, 0, n // 2, -(n // 2), *rng.integers(
                    -32768 * n, 32767 * n, 300).tolist()]:
                cases.append((int(total), n, num, den, s.count_min, s.count_max))
    cases += [(t, 8, 61, 500, -4000, 4000) for t in (-12, -4, 4, 12, 20, -20)]  # halves
    stdin = "".join(" ".join(map(str, c)) + "\n" for c in cases)
    out = subprocess.run([exe], input=stdin, capture_output=True, text=True, check=True).stdout
    assert [int(v) for v in out.split()] == [reference(*c) for c in cases]


# -- real cross builds ---------------------------------------------------------------------


def generated_for(tmp: Path, **kw) -> Path:
    """firmware/generated for the benchmark model (156 inputs) under a project whose contract is
    `kw` (window 52 x 3 or 26 x 6), written into the model as `tinyfw train` does."""
    cfg = Config()
    columns = kw.get("columns", ("x", "y", "z"))
    cfg = replace(cfg, data=replace(cfg.data, rate_hz=kw.get("rate", 26.0), columns=columns,
                                    units=kw.get("units", "mg"),
                                    range=kw.get("rng", (-4000, 4000))),
                  window=replace(cfg.window, length=156 // len(columns), hop=13))
    model = tmp / "m.tflite"
    model.write_bytes(model_contract.embed(BENCH_MODEL.read_bytes(),
                                           model_contract.from_config(cfg)))
    generate_project(cfg, model, tmp / "generated")
    return tmp / "generated"


def read_config(elf: Path) -> tuple:
    with elf.open("rb") as fp:
        f = ELFFile(fp)
        sym = f.get_section_by_name(".symtab").get_symbol_by_name("tfw_lsm6dsl")[0]
        sec = f.get_section(sym["st_shndx"])
        off = sym["st_value"] - sec["sh_addr"]
        return struct.unpack_from("<4B6i", sec.data(), off)


@pytest.mark.toolchain
def test_tinyfw_build_configures_a_six_channel_104_hz_model_into_the_flashed_driver(tmp_path):
    gen = generated_for(tmp_path, rate=104.0, columns=SIX, units="mg,dps", rng=(-2000, 2000))
    r = build_firmware(ROOT, BOARD, generated=gen, build_dir=tmp_path / "pio")
    assert r.sensor is not None
    assert r.summary().splitlines()[0] == ("sensor: 6 channels at 104 Hz, accelerometer +-2 g, "
                                           "gyroscope +-2000 dps")
    assert read_config(r.elf) == (0x40, 0x4C, 6, 1, 61, 1000, 7, 100, -2000, 2000)


@pytest.mark.toolchain
def test_a_119_hz_model_is_refused_in_one_line_before_anything_is_built(tmp_path):
    gen = generated_for(tmp_path, rate=119.0, columns=SIX, units="mg,dps", rng=(-2000, 2000))
    with pytest.raises(InputError) as e:
        build_firmware(ROOT, BOARD, generated=gen, build_dir=tmp_path / "pio")
    assert e.value.field == "data.rate_hz" and str(gen / "model.tflite") in e.value.one_line()
    assert not (tmp_path / "pio").exists()


@pytest.mark.toolchain
def test_a_bare_pio_run_of_a_model_the_driver_was_not_configured_for_stops_at_compile_time(
    tmp_path
):
    """Without `tinyfw build` the driver is the st-har one (3 channels, 26 Hz): a 6-channel
    model no longer builds silently."""
    gen = generated_for(tmp_path, rate=104.0, columns=SIX, units="mg,dps", rng=(-2000, 2000))
    env = pio_environment({"TINYFW_GENERATED": str(gen),
                           "PLATFORMIO_BUILD_DIR": str(tmp_path / "pio")})
    r = subprocess.run([pio_executable(), "run", "-e", BOARD, "-d", str(ROOT)], env=env,
                       capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode != 0
    assert "not what the LSM6DSL is configured for" in r.stdout + r.stderr


# -- the Nano 33 BLE's LSM9DS1: a fixed driver (accelerometer, mg, +-4 g, up to 119 Hz) ------


@pytest.mark.toolchain
def test_tinyfw_build_for_the_nano33ble_takes_a_model_its_lsm9ds1_driver_delivers(tmp_path):
    gen = generated_for(tmp_path)
    r = build_firmware(ROOT, "nano33ble", generated=gen, build_dir=tmp_path / "pio")
    assert r.elf.is_file() and r.flash > 0 and r.sensor is None


@pytest.mark.parametrize("kw, field", [
    ({"columns": SIX, "units": "mg,dps", "rng": (-2000, 2000)}, "data.columns"),
    ({"rate": 208.0}, "data.rate_hz"),
    ({"units": "g", "rng": (-4, 4)}, "data.units"),
    ({"rng": (-8000, 8000)}, "data.range"),
])
def test_the_nano33ble_refuses_what_its_lsm9ds1_driver_cannot_deliver(tmp_path, kw, field):
    gen = generated_for(tmp_path, **kw)
    with pytest.raises(InputError) as e:
        build_firmware(ROOT, "nano33ble", generated=gen, build_dir=tmp_path / "pio")
    assert e.value.field == field and "lsm9ds1" in e.value.one_line()
    assert not (tmp_path / "pio").exists()


def test_the_gyroscope_unit_the_data_readers_write_is_one_the_driver_takes():
    """examples/arduino-imu says units = "mg, 0.1 dps" (model/readers.py converts gyroscopes to
    0.1 deg/s): at 104 Hz within +-2000 counts it is +-2 g and +-245 dps (200 dps needed)."""
    s = settings(rate=104.0, columns=SIX, units="mg, 0.1 dps", rng=(-2000, 2000))
    assert (s.accel_fs_g, s.gyro_fs_dps) == (2, 245)
