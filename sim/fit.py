"""Does a model fit a board? The check `generate` and `build` run before any work.

A lower bound from what is known before linking: RAM >= the model's arena (planned by the
generator) + the board's thread and handler stack reservations + its preloaded-trace region;
flash >= the model's constant data (weights, biases, requantization tables). A model over
either bound cannot fit whatever the app adds, and is refused in one line naming the board's
manifest, the field that is too small and the numbers. A model under both may still overflow
once the app is linked: the linker then says by how much (sim/build.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from tinyfw.errors import InputError

from .boards import BoardInfo


@dataclass(frozen=True)
class FitBound:
    ram_bytes: int  # arena + stacks + trace region
    flash_bytes: int  # constant data


def fit_bound(info: BoardInfo, arena_bytes: int, const_bytes: int) -> FitBound:
    ram = arena_bytes + info.stack_bytes + info.handler_stack_bytes + info.trace_region_bytes
    return FitBound(ram_bytes=ram, flash_bytes=const_bytes)


def check_model_fits(info: BoardInfo, arena_bytes: int, const_bytes: int) -> None:
    """InputError (field upload.maximum_ram_size / upload.maximum_size of the manifest) if the
    model cannot fit `info`, with the numbers."""
    need = fit_bound(info, arena_bytes, const_bytes)
    if need.ram_bytes > info.ram_bytes:
        raise InputError(
            f"the model does not fit {info.id}: it needs at least {need.ram_bytes} B of RAM "
            f"(arena {arena_bytes} B + stacks {info.stack_bytes} + {info.handler_stack_bytes} B"
            f" + trace region {info.trace_region_bytes} B), the board has {info.ram_bytes} B",
            file=info.manifest, field="upload.maximum_ram_size",
        )
    if need.flash_bytes > info.flash_bytes:
        raise InputError(
            f"the model does not fit {info.id}: its constant data alone is {const_bytes} B, "
            f"the board has {info.flash_bytes} B of flash",
            file=info.manifest, field="upload.maximum_size",
        )
