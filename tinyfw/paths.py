"""Where tinyfw's own sources live (the checkout it is installed from, editable)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
KERNELS = FIRMWARE / "kernels"
BOARDS = ROOT / "boards"
