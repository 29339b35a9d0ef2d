"""TensorFlow's C++ logging is written to file descriptor 2 directly: captured_fd2() keeps it
off the terminal and shows again only the lines that report a real error."""

from __future__ import annotations

import os

from tinyfw.quiet import captured_fd2

# Lines TensorFlow 2.21 wrote on stderr during `tinyfw train` before tinyfw captured them.
NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    ("I0000 00:00:1795970668.431667   18321 port.cc:153] oneDNN custom operations are on. You "
    "may see slightly different numerical results due to floating-point round-off errors"),
    ("I0000 00:00:1795970668.641697   18321 cpu_feature_guard.cc:227] This TensorFlow binary is "
    "optimized to use available CPU instructions in performance-critical operations."),
    ("E0000 00:00:1795970676.673245   18321 node_def_util.cc:682] NodeDef mentions attribute "
    "use_unbounded_threadpool which is not in the op definition: Op<name=MapDataset> This may "
    "be expected if your graph generating binary is newer  than this binary."),
    ("W0000 00:00:1795970690.000001   18321 tf_tfl_flatbuffer_helpers.cc:365] Ignored "
    "output_format."),
]
REAL = [
    "E0000 00:00:1795970699.000001   18321 convert_graph.cc:90] Failed to legalize op Foo",
    "loc(\"model/conv\"): error: 'tfl.conv_2d' op quantization parameters violate the spec",
]


def test_c_level_writes_to_fd2_are_kept_off_the_terminal_but_real_errors_come_back(capfd):
    with captured_fd2() as kept:
        for line in NOISE + REAL:
            os.write(2, (line + "\n").encode())  # as C++ code writes: no Python stream involved
    out, err = capfd.readouterr()
    assert out == ""
    assert err.splitlines() == REAL
    assert kept == REAL


def test_fd2_is_back_after_the_block_even_when_it_raises(capfd):
    try:
        with captured_fd2():
            os.write(2, b"I0000 noise\n")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


PROGRESS = """
from tinyfw.console import Console
c = Console()
with c.task("work", total=4) as advance:
    for i in range(4):
        advance(f"item {i}")
c.say("done")
"""


def _progress_run(stderr_to_terminal: bool) -> tuple[str, str]:
    """The script above with stdout on a pipe and stderr on a terminal (a pty) or a pipe."""
    import pty
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM")} | {"TERM": "xterm"}
    master, slave = pty.openpty() if stderr_to_terminal else (None, None)
    p = subprocess.run([sys.executable, "-c", PROGRESS], check=True, capture_output=False,
                       stdout=subprocess.PIPE,
                       stderr=slave if slave is not None else subprocess.PIPE,
                       env=env, timeout=60)
    err = p.stderr.decode() if p.stderr is not None else ""
    if master is not None:
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other end is closed and drained
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        err = b"".join(chunks).decode(errors="replace")
    return p.stdout.decode(), err


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_in_a_log():
    out, err = _progress_run(stderr_to_terminal=True)
    assert out == "done\n"
    assert "\x1b[" in err and "work: item 3" in err and "4/4" in err  # a live bar, redrawn
    out, err = _progress_run(stderr_to_terminal=False)
    assert out.splitlines() == ["work: 1/4 (item 0)", "work: 2/4 (item 1)", "work: 3/4 (item 2)",
                                "work: 4/4 (item 3)", "done"]
    assert err == ""
