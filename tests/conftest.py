"""Fixtures every test file may use, and the import path of the shared test helpers.

- tests/bad_inputs/helpers.py (run the real CLI, check the one-line error) and fuzz/ (targets,
  tflite_edit) are importable as `helpers`, `targets`, `tflite_edit`: no test edits sys.path.
- `cfg`: the checkout's own project (tinyfw.toml), read once per session.
- `bench_firmware(board)`: (ELF, generated folder) of the app with the benchmark model, built
  once per session and board.
- `project_model` / `project_firmware`: the model embedded in firmware/generated, and
  (work folder, generated folder, BuildResult) of the app regenerated from it and built once.
- `build_with_user_code(name, files, model)`: the app on mps2_an386 with extra user C files
  (hooks that fault or hang), built in its own folder; returns that folder.

Markers (pyproject.toml): `qemu` (runs firmware in QEMU), `toolchain` (needs the cross
toolchain / PlatformIO), `slow` (trains models); `make test-fast` leaves those out.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
for _folder in (TESTS / "bad_inputs", TESTS.parent / "fuzz"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from tinyfw.config import Config, load_config
from tinyfw.paths import BENCH_MODEL, ROOT


@pytest.fixture(autouse=True)
def _signal_handlers_restored() -> Iterator[None]:
    """An in-process `tinyfw.cli.main` installs tinyfw's signal handlers; put the previous ones
    back after the test (a pytest-xdist worker told to stop was interrupted in tinyfw's)."""
    names = [n for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)]
    saved = {n: signal.getsignal(getattr(signal, n)) for n in names}
    yield
    for n, handler in saved.items():
        signal.signal(getattr(signal, n), handler)


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


@pytest.fixture(scope="session")
def project_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model the project's firmware is generated from (embedded in firmware/generated)."""
    from tinyfw.codegen.generate import embedded_model

    path = tmp_path_factory.mktemp("model") / "model_int8.tflite"
    path.write_bytes(embedded_model(ROOT / "firmware" / "generated"))
    return path


@pytest.fixture(scope="session")
def project_firmware(cfg: Config, project_model: Path, tmp_path_factory: pytest.TempPathFactory):
    """The project's model regenerated from the current tinyfw.toml into a temporary folder
    and built there once (mps2_an386): (work folder, generated folder, BuildResult)."""
    from tinyfw.project import generate_project
    from tinyfw.sim.build import build_firmware

    work = tmp_path_factory.mktemp("project")
    gen = work / "generated"
    generate_project(cfg, project_model, gen)
    return work, gen, build_firmware(ROOT, "mps2_an386", generated=gen, build_dir=work / "pio")


@pytest.fixture(scope="session")
def build_with_user_code(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, dict[str, str], Path | None], Path]:
    """`build_with_user_code(name, {file: C source}, model)`: the app on mps2_an386 with those
    files as extra user code (TINYFW_EXTRA_SRC), built in `<work>/pio`; with a model, generated
    into `<work>/generated` first (None: the project's firmware/generated). Returns `<work>`."""
    from tinyfw.project import generate_project
    from tinyfw.sim.build import build_firmware

    def build(name: str, files: dict[str, str], model: Path | None) -> Path:
        work = tmp_path_factory.mktemp(name)
        (work / "user").mkdir()
        for file, text in files.items():
            (work / "user" / file).write_text(text)
        generated = None
        if model is not None:
            generated = work / "generated"
            generate_project(load_config(ROOT / "tinyfw.toml"), model, generated)
        mp = pytest.MonkeyPatch()
        mp.setenv("TINYFW_EXTRA_SRC", str(work / "user"))
        try:
            build_firmware(ROOT, "mps2_an386", generated=generated, build_dir=work / "pio")
        finally:
            mp.undo()
        return work

    return build


def _simulated_boards() -> set[str]:
    from tinyfw.sim.boards import list_boards

    return {b.id for b in list_boards() if b.qemu_machine}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test parametrized with a simulated board runs its case in QEMU (built with the cross
    toolchain): mark it so, whatever file it is in (the [host] cases stay in the fast tier).
    `tflm` tests (a TFLM tree in TFLM_DIR) run only when -m names them (`make test-tflm`)."""
    if "tflm" not in (config.getoption("markexpr", "") or ""):
        kept = [i for i in items if i.get_closest_marker("tflm") is None]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[i for i in items if i not in kept])
            items[:] = kept
    boards = _simulated_boards()
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if any(isinstance(v, str) and v in boards for v in params.values()):
            item.add_marker(pytest.mark.qemu)
            item.add_marker(pytest.mark.toolchain)
