"""Fixtures every test file may use, and the import path of the shared test helpers.

- tests/bad_inputs/helpers.py (run the real CLI, check the one-line error) and fuzz/ (targets,
  tflite_edit) are importable as `helpers`, `targets`, `tflite_edit`: no test edits sys.path.
- `cfg`: the checkout's own project (tinyfw.toml), read once per session.
- `bench_firmware(board)`: (ELF, generated folder) of the app with the benchmark model, built
  once per session and board.

Markers (pyproject.toml): `qemu` (runs firmware in QEMU), `toolchain` (needs the cross
toolchain / PlatformIO), `slow` (trains models); `make test-fast` leaves those out.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
for _folder in (TESTS / "bad_inputs", TESTS.parent / "fuzz"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from tinyfw.config import Config, load_config
from tinyfw.paths import BENCH_MODEL, ROOT


@pytest.fixture(scope="session")
def cfg() -> Config:
    """The project of this checkout (tinyfw.toml at its root)."""
    return load_config(ROOT / "tinyfw.toml")


@pytest.fixture(scope="session")
def bench_firmware(
    cfg: Config, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], tuple[Path, Path]]:
    """`bench_firmware(board)`: (ELF, generated folder) of the app with the benchmark model,
    built the first time a test asks for that board."""
    from tinyfw.project import generate_project
    from tinyfw.sim.build import build_firmware

    built: dict[str, tuple[Path, Path]] = {}

    def build(board: str) -> tuple[Path, Path]:
        if board not in built:
            base = tmp_path_factory.mktemp(f"bench-{board}")
            generate_project(cfg, BENCH_MODEL, base / "generated")
            elf = build_firmware(ROOT, board, generated=base / "generated",
                                 build_dir=base / "pio").elf
            built[board] = (elf, base / "generated")
        return built[board]

    return build


def _simulated_boards() -> set[str]:
    from tinyfw.sim.boards import list_boards

    return {b.id for b in list_boards() if b.qemu_machine}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test parametrized with a simulated board runs its case in QEMU (built with the cross
    toolchain): mark it so, whatever file it is in (the [host] cases stay in the fast tier)."""
    boards = _simulated_boards()
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if any(isinstance(v, str) and v in boards for v in params.values()):
            item.add_marker(pytest.mark.qemu)
            item.add_marker(pytest.mark.toolchain)
