"""The arena TensorFlow Lite Micro uses for a model, measured by the oracle (`tflite-micro`,
the same TFLM on this host): what the TFLM backend sizes its static arena from
(codegen/tflm.py adds the margin)."""

from __future__ import annotations

import os
import re
import sys
import tempfile

from tinyfw.model.oracle import _MIN_ARENA, _runtime

_TOTAL = re.compile(r"Arena allocation total (\d+) bytes")


def measured_arena(model: bytes) -> int:
    """Bytes of arena the oracle (tflite-micro on this host) uses for the model after one
    Invoke(): its print_allocations() total, read from the C-level stderr it writes to."""
    rt = _runtime()
    interp = rt.Interpreter.from_bytes(bytes(model), arena_size=max(16 * len(model), _MIN_ARENA))
    interp.invoke()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            interp.print_allocations()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode(errors="replace")
    m = _TOTAL.search(text)
    if m is None:
        raise RuntimeError(f"tflite-micro printed no arena total: {text[:200]!r}")
    return int(m.group(1))


