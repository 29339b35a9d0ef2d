"""Keep TensorFlow's own log lines off the user's terminal.

TensorFlow, XLA, absl and the TFLite converter's MLIR passes write straight to file descriptor 2
from C++ (oneDNN notices, cpu_feature_guard, `All log messages before absl::InitializeLog()`,
`Estimated count of arithmetic ops`, pass dumps): redirecting `sys.stderr` does not reach them.
`quiet_tensorflow()` sets the environment TensorFlow reads at import, and `captured_fd2()` points
descriptor 2 at a temporary file around the work, then re-emits only the lines that report a
real error (glog E/F lines, MLIR `error:` diagnostics, Python tracebacks).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator

# TF_CPP_MIN_LOG_LEVEL 2: C++ INFO and WARNING lines are dropped, ERROR and FATAL kept.
TF_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "GRPC_VERBOSITY": "ERROR",
    "GLOG_minloglevel": "2",
    "ABSL_MIN_LOG_LEVEL": "2",
}

# A captured line worth showing: glog/absl ERROR or FATAL (`E1129 16:40:01.123 ...`,
# `F0000 ...`), an MLIR diagnostic with `error:`, a Python traceback or exception line.
_REAL_ERROR = re.compile(
    r"^(?:[EF]\d{4} \d\d:\d\d:\d\d|.*\berror: |Traceback |\w+(?:Error|Exception): )"
)


def quiet_tensorflow() -> None:
    """Set TensorFlow's log environment (before it is imported; a value the user set wins)."""
    for k, v in TF_ENV.items():
        os.environ.setdefault(k, v)


# ERROR lines TensorFlow 2.21 prints on every training run that report nothing wrong: a
# tf.data graph written by a newer Keras than the runtime ("Unknown attributes will be ignored").
_BENIGN = re.compile(r"NodeDef mentions attribute \w+ which is not in the op definition")


def real_errors(text: str) -> list[str]:
    """The lines of captured stderr that report a real error."""
    return [ln for ln in text.splitlines() if _REAL_ERROR.match(ln) and not _BENIGN.search(ln)]


@contextlib.contextmanager
def captured_fd2(*, echo: bool = True) -> Iterator[list[str]]:
    """Descriptor 2 goes to a temporary file inside the block; afterwards the real error lines
    of what was written are re-emitted on stderr (echo) and left in the yielded list.
    Nested blocks each capture their own part."""
    with contextlib.suppress(ValueError, OSError):
        sys.stderr.flush()
    saved = os.dup(2)
    kept: list[str] = []
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield kept
        finally:
            with contextlib.suppress(ValueError, OSError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            kept.extend(real_errors(tmp.read().decode("utf-8", errors="replace")))
            if echo:
                for line in kept:
                    print(line, file=sys.stderr)
