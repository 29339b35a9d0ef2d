"""What `tinyfw verify` reports: the summary it prints and the JSON it writes (--json)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tinyfw.fileio import atomic_write_text


@dataclass
class VerifyReport:
    model: str
    board: str
    seed: int
    inputs: int
    random_inputs: int
    recorded_inputs: int
    mismatches: int
    first_mismatch: dict[str, Any] | None = None
    first_layer: dict[str, Any] | None = None
    instructions: dict[str, int] | None = None
    flash: int = 0
    ram_static: int = 0
    arena: int = 0

    def summary(self) -> str:
        lines = [
            (f"verify {self.model} on {self.board}: inputs {self.inputs} "
             f"({self.random_inputs} random seed {self.seed}, {self.recorded_inputs} recorded), "
             f"mismatches {self.mismatches}"),
        ]
        if self.instructions:
            i = self.instructions
            lines.append(f"instructions per inference: min {i['min']} max {i['max']} "
                         f"mean {i['mean']}")
        lines.append(f"flash {self.flash} B, static RAM {self.ram_static} B, arena "
                     f"{self.arena} B")
        if self.first_mismatch:
            m = self.first_mismatch
            lines.append(f"first mismatch: input {m['input']} ({m['source']}), output "
                         f"{m['output']} element {m['position']}: actual {m['actual']} "
                         f"expected {m['expected']} ({m['differing']} elements differ)")
        if self.first_layer:
            d = self.first_layer
            lines.append(f"first differing layer: op {d['op']} {d['opcode']} ({d['note']}), "
                         f"tensor {d['tensor']} '{d['name']}' element {d['position']}: actual "
                         f"{d['actual']} expected {d['expected']} ({d['differing']} differ)")
        lines.append("PASS: bit-exact with TFLite Micro" if self.mismatches == 0 else
                     "FAIL: the firmware differs from TFLite Micro")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def write_json(self, path: Path) -> None:
        atomic_write_text(Path(path), json.dumps(self.to_json(), indent=2, default=str) + "\n")


def instruction_stats(instructions: list[int]) -> dict[str, int] | None:
    """min / max / mean (rounded) instructions per inference, None without measurements."""
    if not instructions:
        return None
    return {"min": min(instructions), "max": max(instructions),
            "mean": round(sum(instructions) / len(instructions))}
