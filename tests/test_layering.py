"""The rooms import in one direction: codegen knows nothing of model/ or sim/, model/ nothing of
sim/ (tinyfw.project, the CLI and sim/ put them together). Imports anywhere in a module count,
inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tinyfw.paths import ROOT

FORBIDDEN = {
    "codegen": ("tinyfw.model", "tinyfw.sim", "tinyfw.project", "tinyfw.cli"),
    "model": ("tinyfw.sim", "tinyfw.project", "tinyfw.cli"),
}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_a_room_does_not_import_the_rooms_built_on_it(room: str):
    wrong = {
        f"{p.relative_to(ROOT)}: {name}"
        for p in sorted((ROOT / room).rglob("*.py"))
        for name in imported(p)
        if name.startswith(FORBIDDEN[room])
    }
    assert not wrong, sorted(wrong)
