"""`tinyfw cost`: per board, does the firmware fit and what does it cost?

Flash and static RAM come from the built ELF; stack from the painted stack and instructions per
inference from QEMU -icount while the firmware runs a recorded trace. Latency is instructions /
core clock: a lower bound (a Cortex-M4 needs about 1.2-1.6 cycles per instruction on these
loops); the duty cycle is latency x windows per second (sensor rate / hop).

Energy (boards whose manifest has tinyfw.power: datasheet run and sleep currents of the MCU,
estimates with their source): energy per inference = run current x voltage x latency; the
average current at the sensor rate = sleep + (run - sleep) x duty cycle, and battery life =
the manifest's assumed battery capacity / that average. The latency being a lower bound (one
instruction per cycle), so are the energy and the average current: battery life is an upper
bound for the MCU alone (sensor, radio, regulator and LEDs not included).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tinyfw import fileio
from tinyfw.codegen.generate import read_generated
from tinyfw.config import Config
from tinyfw.errors import InputError
from tinyfw.model import contract
from tinyfw.model.data import load_dataset
from tinyfw.model.oracle import Oracle
from tinyfw.model.split import split_recordings
from tinyfw.sim.boards import PowerInfo, estimate_board, list_boards, load_board
from tinyfw.sim.build import LIMIT_FIELDS, build_firmware
from tinyfw.sim.elfsize import elf_sizes
from tinyfw.sim.simulate import run_folder, run_recording


@dataclass
class BoardCost:
    board: str
    name: str
    flash_bytes: int
    flash_limit: int
    ram_bytes: int  # static (data + bss) + measured stack high-water mark
    ram_reserved: int  # static + the stack reservations of the linker script
    ram_limit: int
    fits: bool
    instructions_per_inference: int | None
    core_clock_hz: int
    latency_ms_min: float | None  # at one instruction per cycle
    windows_per_second: float
    duty_cycle_min: float | None  # latency x windows per second
    measured_on: str
    reason: str = ""  # why it does not fit
    energy_uj_per_inference_min: float | None = None  # run current x voltage x latency
    average_current_ma_min: float | None = None  # at the sensor rate (windows per second)
    battery_life_days_max: float | None = None  # tinyfw.power.battery_mah / average current
    power_source: str = ""  # the manifest's tinyfw.power.source ("" without figures)

    def line(self) -> str:
        if self.reason:
            return f"{self.board:20s} DOES NOT FIT: {self.reason}"
        fit = "fits" if self.fits else "DOES NOT FIT"
        cost = "not measured (no simulator for this board)"
        if self.instructions_per_inference is not None:
            est = "~" if "estimated" in self.measured_on else ""
            cost = est + (
                f"{self.instructions_per_inference} instructions/inference, >= "
                f"{self.latency_ms_min:.3f} ms at {self.core_clock_hz / 1e6:g} MHz, duty cycle >= "
                f"{100 * self.duty_cycle_min:.3f} % at {self.windows_per_second:g} windows/s"
            )
        energy = ""
        if self.energy_uj_per_inference_min is not None:
            energy = (
                f"; energy >= {self.energy_uj_per_inference_min:.3g} uJ/inference, >= "
                f"{self.average_current_ma_min:.3g} mA average, battery <= "
                f"{self.battery_life_days_max:.3g} days (datasheet estimates, MCU only)"
            )
        return (
            f"{self.board:20s} {fit}: flash {self.flash_bytes}/{self.flash_limit} B, RAM "
            f"{self.ram_bytes} B used ({self.ram_reserved} B reserved)/{self.ram_limit} B; {cost}"
            f"{energy}"
        )


def add_energy(cost: BoardCost, power: PowerInfo | None) -> BoardCost:
    """Fill the energy fields of `cost` from the board's datasheet figures (module text)."""
    if power is None or cost.latency_ms_min is None or cost.duty_cycle_min is None:
        return cost
    duty = min(cost.duty_cycle_min, 1.0)
    average = power.sleep_ma + (power.run_ma - power.sleep_ma) * duty
    cost.energy_uj_per_inference_min = power.run_ma * power.voltage_v * cost.latency_ms_min
    cost.average_current_ma_min = average
    cost.battery_life_days_max = power.battery_mah / average / 24.0
    cost.power_source = power.source
    return cost


def board_cost(cfg: Config, board: str, *, data_dir: Path, gen_dir: Path | None = None,
               work: Path | None = None,
               build_lock: threading.Lock | None = None) -> BoardCost:
    """One board's cost. build_lock, when boards are costed at once, keeps their PlatformIO
    builds (one project, one PlatformIO core) one at a time; the QEMU runs overlap."""
    building = build_lock if build_lock is not None else contextlib.nullcontext()
    info = load_board(board, cfg.root / "boards")
    # A real board without a simulator may name a simulated board with the same core and code
    # (tinyfw.estimate_on): its instruction count and stack are this board's estimate.
    run_info = estimate_board(info, cfg.root / "boards")
    gen_dir = gen_dir or cfg.root / "firmware" / "generated"
    generated = read_generated(gen_dir)
    tflite = generated.tflite
    model_file = gen_dir / generated.description["tflite"]
    contract.check(contract.read(tflite, model_file=model_file), cfg, model_file=model_file)
    oracle = Oracle(tflite)
    work = work or cfg.root / "build" / "cost" / board
    with building:
        res = build_firmware(cfg.root, board, generated=gen_dir, build_dir=work / "pio")
    sizes = elf_sizes(res.elf)
    instructions = None
    stack = 0
    measured_on = "not simulated"
    run_elf_path = res.elf
    if run_info is not None and run_info.id != board:
        with building:
            run_elf_path = build_firmware(cfg.root, run_info.id, generated=gen_dir,
                                          build_dir=work / "proxy-pio").elf
    if run_info is not None:
        run_board = run_info.id
        recs = split_recordings(load_dataset(data_dir, cfg), cfg.split).test or load_dataset(
            data_dir, cfg
        )
        with run_folder(work) as trace_dir:
            r = run_recording(recs[0], run_elf_path, run_board, oracle, cfg, trace_dir,
                              timeout_s=60, model_sha256=hashlib.sha256(tflite).hexdigest())
        if r.exit_code != 0 or r.first_mismatch:
            raise InputError(f"the firmware failed on {recs[0].name}: {r.first_mismatch}",
                             file=run_elf_path)
        instructions = r.instructions_max
        stack = r.stack_bytes or 0
        what = "measured" if run_board == board else f"estimated on {run_board} (same core)"
        measured_on = f"{what}: QEMU, {recs[0].name}, max over its windows"
    windows_per_s = cfg.data.rate_hz / cfg.window.hop
    latency = None if instructions is None else instructions / info.f_cpu_hz * 1000.0
    reserved = sizes.ram_static + info.stack_bytes + info.handler_stack_bytes
    return add_energy(BoardCost(
        board=board,
        name=info.name,
        flash_bytes=sizes.flash,
        flash_limit=info.flash_bytes,
        ram_bytes=sizes.ram_static + stack,
        ram_reserved=reserved,
        ram_limit=info.ram_bytes,
        fits=sizes.flash <= info.flash_bytes and reserved <= info.ram_bytes,
        instructions_per_inference=instructions,
        core_clock_hz=info.f_cpu_hz,
        latency_ms_min=latency,
        windows_per_second=windows_per_s,
        duty_cycle_min=None if latency is None else latency / 1000.0 * windows_per_s,
        measured_on=measured_on,
    ), info.power)


def cost_report(cfg: Config, boards: list[str], *, data_dir: Path,
                json_path: Path | None = None, jobs: int | None = None) -> list[BoardCost]:
    """Every board's cost, in the order given; up to `jobs` boards (default os.cpu_count())
    are measured at once (their builds still run one at a time)."""
    if jobs is not None and jobs < 1:
        raise InputError(f"jobs must be at least 1, got {jobs}", field="jobs")
    if json_path is not None:
        fileio.check_output_file(json_path)  # before the work, not after it
    if boards == ["all"]:
        boards = [b.id for b in list_boards(cfg.root / "boards")]
    build_lock = threading.Lock()

    def one(b: str) -> BoardCost:
        try:
            return board_cost(cfg, b, data_dir=data_dir, build_lock=build_lock)
        except InputError as e:
            if e.field not in LIMIT_FIELDS:
                raise
            info = load_board(b, cfg.root / "boards")
            return BoardCost(b, info.name, 0, info.flash_bytes, 0, 0, info.ram_bytes, False,
                             None, info.f_cpu_hz, None, cfg.data.rate_hz / cfg.window.hop,
                             None, "not built", reason=e.one_line())

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        out = list(pool.map(one, boards))
    if json_path is not None:
        data: list[dict[str, Any]] = [asdict(c) for c in out]
        fileio.atomic_write_text(json_path, json.dumps(data, indent=2) + "\n")
    return out
