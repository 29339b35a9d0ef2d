"""A bad tinyfw.toml reaches the user as one line naming the file, the line and the field, exit 2;
names that are only unusual (quotes, backslashes, `%n`, trigraphs, non-ASCII) are data: the
generated C compiles with -Wall -Wextra -Werror and prints them byte for byte.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    ROOT,
    assert_one_line_error,
    dataset,
    project,
    run_inproc,
    run_subprocess,
    toml_string,
)

from tinyfw.paths import BENCH_MODEL

GOOD = """\
[data]
rate_hz = 26.0
columns = ["x", "y", "z"]
range = [-4000, 4000]
classes = ["stationary", "walking", "running"]

[window]
length = 52
hop = 13

[model]
filters = [8, 16]
kernel_sizes = [5, 3]
epochs = 1

[split]
validation = 0.15
test = 0.2

[post]
method = "vote"
vote = 3
threshold = 0.6

[board]
id = "mps2_an386"
"""


def sub(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


@dataclass(frozen=True)
class Bad:
    id: str
    text: str | bytes
    line: int | None
    field: str | None
    words: str


L_RATE, L_COLUMNS, L_RANGE, L_CLASSES = 2, 3, 4, 5
L_LENGTH, L_HOP = 8, 9
L_FILTERS, L_KERNELS, L_EPOCHS = 12, 13, 14
L_VAL, L_TEST = 17, 18
L_METHOD, L_VOTE, L_THRESHOLD = 21, 22, 23
L_BOARD = 26


def classes(*names: str) -> str:
    return sub('classes = ["stationary", "walking", "running"]',
               "classes = [" + ", ".join(toml_string(n) for n in names) + "]")


CASES = [
    # not TOML, not UTF-8
    Bad("unclosed table header", sub("[window]", "[window"), L_LENGTH - 1, None, "not valid TOML"),
    Bad("missing value", sub("hop = 13", "hop ="), L_HOP, None, "not valid TOML"),
    Bad("duplicate key", sub("hop = 13", "hop = 13\nhop = 14"), L_HOP + 1, None,
        "not valid TOML"),
    Bad("duplicate table", GOOD + "[window]\nlength = 4\n", 27, None, "not valid TOML"),
    Bad("unterminated string", sub('id = "mps2_an386"', 'id = "mps2_an386'), L_BOARD, None,
        "not valid TOML"),
    Bad("python-style comment", sub("hop = 13", "hop = 13  // samples"), L_HOP, None,
        "not valid TOML"),
    Bad("YAML instead of TOML", "data:\n  rate_hz: 26\n", 1, None, "not valid TOML"),
    Bad("JSON instead of TOML", '{"data": {"rate_hz": 26}}\n', 1, None, "not valid TOML"),
    Bad("invalid UTF-8", GOOD.encode() + b"# caf\xe9\n", None, None, "not UTF-8"),
    Bad("UTF-16 file", GOOD.encode("utf-16"), None, None, "not UTF-8"),
    Bad("NUL byte", GOOD.encode().replace(b"hop = 13", b"hop = 13\x00"), L_HOP, None,
        "not valid TOML"),
    # unknown sections and keys
    Bad("unknown section", GOOD + "[training]\nepochs = 3\n", 27, "training", "unknown section"),
    Bad("section in the wrong case", sub("[window]", "[Window]"), L_LENGTH - 1, "Window",
        "unknown section"),
    Bad("misspelled key", sub("hop = 13", "hops = 13"), L_HOP, "window.hops", "unknown key"),
    Bad("misspelled length", sub("length = 52", "lenght = 52"), L_LENGTH, "window.lenght",
        "unknown key"),
    Bad("key in the wrong section", sub("hop = 13", "hop = 13\nseed = 3"), L_HOP + 1,
        "window.seed", "unknown key"),
    Bad("dotted key after the last section", GOOD + "model.dropout = 0.5\n", 27, "board.model",
        "unknown key"),
    Bad("key at top level", "rate_hz = 26\n" + GOOD, 1, "rate_hz", "outside any section"),
    Bad("dotted key before its section", "model.dropout = 0.5\n" + GOOD, 12, None,
        "Cannot declare ('model',) twice"),
    Bad("section as a value", "data = 5\n", None, "data", "must be a table"),
    Bad("array of tables", GOOD + "[[board]]\nid = 'x'\n", None, None, "not valid TOML"),
    # wrong types
    Bad("rate as a string", sub("rate_hz = 26.0", 'rate_hz = "26"'), L_RATE, "data.rate_hz",
        "expected a number"),
    Bad("rate as a boolean", sub("rate_hz = 26.0", "rate_hz = true"), L_RATE, "data.rate_hz",
        "expected a number"),
    Bad("rate as an array", sub("rate_hz = 26.0", "rate_hz = [26]"), L_RATE, "data.rate_hz",
        "expected a number"),
    Bad("rate as a date", sub("rate_hz = 26.0", "rate_hz = 2024-01-01"), L_RATE,
        "data.rate_hz", "expected a number"),
    Bad("rate NaN", sub("rate_hz = 26.0", "rate_hz = nan"), L_RATE, "data.rate_hz",
        "finite"),
    Bad("rate inf", sub("rate_hz = 26.0", "rate_hz = inf"), L_RATE, "data.rate_hz", "finite"),
    Bad("rate zero", sub("rate_hz = 26.0", "rate_hz = 0"), L_RATE, "data.rate_hz",
        "out of range"),
    Bad("rate negative", sub("rate_hz = 26.0", "rate_hz = -26.0"), L_RATE, "data.rate_hz",
        "out of range"),
    Bad("length as a float", sub("length = 52", "length = 52.0"), L_LENGTH, "window.length",
        "expected an integer"),
    Bad("length as a string", sub("length = 52", 'length = "52"'), L_LENGTH, "window.length",
        "expected an integer"),
    Bad("length as a boolean", sub("length = 52", "length = true"), L_LENGTH, "window.length",
        "expected an integer"),
    Bad("length zero", sub("length = 52", "length = 0"), L_LENGTH, "window.length",
        "out of range"),
    Bad("length negative", sub("length = 52", "length = -52"), L_LENGTH, "window.length",
        "out of range"),
    Bad("length 2^63", sub("length = 52", "length = 9223372036854775807"), L_LENGTH,
        "window.length", "out of range"),
    Bad("hop zero", sub("hop = 13", "hop = 0"), L_HOP, "window.hop", "out of range"),
    Bad("hop longer than the window", sub("hop = 13", "hop = 53"), L_HOP, "window.hop",
        "longer than the window"),
    Bad("classes as a string", classes("x").replace('["x"]', '"walking"'), L_CLASSES,
        "data.classes", "expected a list"),
    Bad("classes as numbers", sub('classes = ["stationary", "walking", "running"]',
                                  "classes = [1, 2, 3]"), L_CLASSES, "data.classes",
        "list of strings"),
    Bad("columns as a string", sub('columns = ["x", "y", "z"]', 'columns = "xyz"'), L_COLUMNS,
        "data.columns", "expected a list"),
    Bad("no columns", sub('columns = ["x", "y", "z"]', "columns = []"), L_COLUMNS,
        "data.columns", "1 to 16"),
    Bad("17 columns", sub('columns = ["x", "y", "z"]',
                          "columns = [" + ", ".join(f'"c{i}"' for i in range(17)) + "]"),
        L_COLUMNS, "data.columns", "1 to 16"),
    Bad("range of floats", sub("range = [-4000, 4000]", "range = [-4000.0, 4000.0]"), L_RANGE,
        "data.range", "list of integers"),
    Bad("range reversed", sub("range = [-4000, 4000]", "range = [4000, -4000]"), L_RANGE,
        "data.range", "min < max"),
    Bad("range empty", sub("range = [-4000, 4000]", "range = [5, 5]"), L_RANGE, "data.range",
        "min < max"),
    Bad("range of three", sub("range = [-4000, 4000]", "range = [-1, 0, 1]"), L_RANGE,
        "data.range", "[min, max]"),
    Bad("range beyond int16", sub("range = [-4000, 4000]", "range = [-40000, 40000]"), L_RANGE,
        "data.range", "int16"),
    Bad("augment as a string", GOOD.replace("epochs = 1", 'epochs = 1\naugment_rotation = "yes"'),
        L_EPOCHS + 1, "model.augment_rotation", "true or false"),
    Bad("seed as a float", GOOD.replace("epochs = 1", "epochs = 1\nseed = 1.5"), L_EPOCHS + 1,
        "model.seed", "expected an integer"),
    Bad("negative seed", GOOD.replace("epochs = 1", "epochs = 1\nseed = -1"), L_EPOCHS + 1,
        "model.seed", "out of range"),
    Bad("epochs zero", sub("epochs = 1", "epochs = 0"), L_EPOCHS, "model.epochs",
        "out of range"),
    Bad("no filters", sub("filters = [8, 16]", "filters = []\n"), L_FILTERS, "model.filters",
        "non-empty"),
    Bad("filters and kernels differ in length", sub("kernel_sizes = [5, 3]",
                                                    "kernel_sizes = [5]"), L_FILTERS,
        "model.filters", "same length"),
    Bad("zero filters", sub("filters = [8, 16]", "filters = [0, 16]"), L_FILTERS,
        "model.filters", "[1, 1024]"),
    Bad("kernel of 100", sub("kernel_sizes = [5, 3]", "kernel_sizes = [100, 3]"), L_KERNELS,
        "model.kernel_sizes", "[1, 64]"),
    Bad("unknown architecture", GOOD.replace("epochs = 1", 'epochs = 1\narch = "lstm"'),
        L_EPOCHS + 1, "model.arch", "not one of"),
    Bad("test share 0.95", sub("test = 0.2", "test = 0.95"), L_TEST, "split.test",
        "out of range"),
    Bad("nothing left to train on", sub("test = 0.2", "test = 0.75"), L_TEST, "split.test",
        "leave recordings to train on"),
    Bad("unknown post method", sub('method = "vote"', 'method = "max"'), L_METHOD,
        "post.method", "not one of"),
    Bad("vote zero", sub("vote = 3", "vote = 0"), L_VOTE, "post.vote", "out of range"),
    Bad("vote 256", sub("vote = 3", "vote = 256"), L_VOTE, "post.vote", "out of range"),
    Bad("threshold above one", sub("threshold = 0.6", "threshold = 1.5"), L_THRESHOLD,
        "post.threshold", "out of range"),
    # boards
    Bad("a board that does not exist", sub('id = "mps2_an386"', 'id = "nucleo_f401re"'),
        L_BOARD, "board.id", "unknown board 'nucleo_f401re'"),
    Bad("a board id in the wrong case", sub('id = "mps2_an386"', 'id = "MPS2_AN386"'), L_BOARD,
        "board.id", "unknown board"),
    Bad("a board path", sub('id = "mps2_an386"', 'id = "../../etc/passwd"'), L_BOARD,
        "board.id", "is not a board name"),
    Bad("a board id with a space", sub('id = "mps2_an386"', 'id = "mps2 an386"'), L_BOARD,
        "board.id", "is not a board name"),
    Bad("an empty board id", sub('id = "mps2_an386"', 'id = ""'), L_BOARD, "board.id",
        "is not a board name"),
    Bad("a board as a number", sub('id = "mps2_an386"', "id = 386"), L_BOARD, "board.id",
        "expected a string"),
    # class names that cannot be labels or folders
    Bad("one class", classes("walking"), L_CLASSES, "data.classes", "at least two classes"),
    Bad("no classes", classes(), L_CLASSES, "data.classes", "at least two classes"),
    Bad("duplicate classes", classes("walking", "walking"), L_CLASSES, "data.classes",
        "repeat"),
    Bad("256 classes", classes(*[f"c{i}" for i in range(256)]), L_CLASSES, "data.classes",
        "at most 255"),
    Bad("an empty class name", classes("walking", ""), None, "data.classes[1]", "empty"),
    Bad("a blank class name", classes("walking", "   "), None, "data.classes[1]", "empty"),
    Bad("a class name of 49 characters", classes("walking", "w" * 49), None, "data.classes[1]",
        "longer than 48"),
    Bad("a newline in a class name", classes("walking", "run\nning"), None, "data.classes[1]",
        "control character"),
    Bad("a carriage return in a class name", classes("walking\r", "running"), None,
        "data.classes[0]", "control character"),
    Bad("a tab in a class name", classes("walking", "run\tning"), None, "data.classes[1]",
        "control character"),
    Bad("a NUL in a class name", classes("walking", "run\x00"), None, "data.classes[1]",
        "control character"),
    Bad("an escape sequence in a class name", classes("walking", "\x1b[31mred"), None,
        "data.classes[1]", "control character"),
    Bad("DEL in a class name", classes("walking", "run\x7f"), None, "data.classes[1]",
        "control character"),
    Bad("a slash in a class name", classes("walking", "run/walk"), None, "data.classes[1]",
        "folder name"),
    Bad("end of a C comment in a class name", classes("walking", "*/ int x; /*"), None,
        "data.classes[1]", "folder name"),
    Bad("a class named ..", classes("walking", ".."), None, "data.classes[1]", "folder name"),
    Bad("a trigraph for backslash and a slash", classes("walking", "??/"), None,
        "data.classes[1]", "folder name"),
    Bad("start of a C comment in a class name", classes("walking", "/* open"), None,
        "data.classes[1]", "folder name"),
    Bad("a class named .", classes(".", "walking"), None, "data.classes[0]", "folder name"),
]

# Window longer than the recording: only the data can tell (the real recordings hold 1000).
WINDOW_VS_DATA = [("window of 1001 samples", 1001), ("window of 65536 samples", 65536)]


def test_the_catalogue_holds_at_least_80_bad_configs():
    assert len(CASES) >= 80 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_project_file_is_refused_in_one_line_naming_line_and_field(
    case: Bad, tmp_path: Path
):
    toml = tmp_path / "tinyfw.toml"
    toml.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode())
    out = tmp_path / "generated"
    r = run_inproc(["--project", str(tmp_path), "generate", "--model", str(BENCH_MODEL),
                    "--out", str(out)])
    assert_one_line_error(r, file=toml, line=case.line, field=case.field, words=case.words)
    assert not out.exists()


SUBPROCESS = ["misspelled key", "rate as a string", "a board that does not exist",
              "a newline in a class name", "invalid UTF-8", "duplicate key"]


@pytest.mark.parametrize("case_id", SUBPROCESS)
def test_the_tinyfw_command_refuses_a_bad_project_file_the_same_way(
    case_id: str, tmp_path: Path
):
    case = next(c for c in CASES if c.id == case_id)
    toml = tmp_path / "tinyfw.toml"
    toml.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode())
    r = run_subprocess(["generate", "--model", str(BENCH_MODEL), "--out",
                        str(tmp_path / "generated")], cwd=tmp_path)
    assert_one_line_error(r, file=toml, line=case.line, field=case.field, words=case.words)


@pytest.mark.parametrize(("name", "length"), WINDOW_VS_DATA)
def test_a_window_longer_than_the_recordings_names_a_recording_and_the_window_length(
    name: str, length: int, tmp_path: Path
):
    proj = project(tmp_path / "p", extra="")
    text = (proj / "tinyfw.toml").read_text().replace("length = 52", f"length = {length}")
    (proj / "tinyfw.toml").write_text(text)
    r = run_inproc(["--project", str(proj), "train"])
    msg = assert_one_line_error(r, file=None, field="window.length",
                                words=f"shorter than one window ({length} samples)")
    assert "/st-har/" in msg and ".csv" in msg


def test_the_model_input_must_match_the_window_of_the_project(tmp_path: Path):
    proj = project(tmp_path / "p")
    text = (proj / "tinyfw.toml").read_text().replace("length = 52", "length = 64")
    (proj / "tinyfw.toml").write_text(text)
    r = run_inproc(["--project", str(proj), "generate", "--model", str(BENCH_MODEL),
                    "--out", str(tmp_path / "g")])
    assert_one_line_error(r, file=BENCH_MODEL, field="input", words="[window].length")


def test_the_model_output_must_match_the_classes_of_the_project(tmp_path: Path):
    proj = project(tmp_path / "p", classes=("a", "b", "c", "d"))
    r = run_inproc(["--project", str(proj), "generate", "--model", str(BENCH_MODEL),
                    "--out", str(tmp_path / "g")])
    assert_one_line_error(r, file=BENCH_MODEL, field="output", words="4 classes")


def test_debug_shows_the_traceback_of_a_bad_project_file(tmp_path: Path):
    (tmp_path / "tinyfw.toml").write_text(sub("hop = 13", "hops = 13"))
    r = run_subprocess(["--debug", "generate", "--model", str(BENCH_MODEL)], cwd=tmp_path)
    assert r.status != 0 and "Traceback" in r.err and "InputError" in r.err


# -- unusual but valid names are data, never code -----------------------------------------------

ODD_NAMES = [
    'say "hi"',
    "back\\slash",
    "trailing\\",
    "100%n",
    "%s%s%s%n%x",
    "??=",
    "what??!",
    "??(??)??'",
    "it's",
    "{{ jinja }}",
    "{% raw %}",
    "#define X 1",
    "$(reboot)",
    "`id`",
    "Ünïcödé",
    "日本語",
    "бег",
    "🏃 running",
    "\\x41\\101",
    "tab\\t and \\n",
    "trigraph ??= ??( ??) ??' ??< ??> ??-",
    "a" * 48,
]


@pytest.fixture(scope="module")
def gcc() -> str:
    cc = shutil.which("gcc")
    if cc is None:
        raise AssertionError("gcc is missing: apt-get install gcc (or make setup)")
    return cc


def compile_and_print_labels(gen: Path, tmp: Path, gcc: str) -> bytes:
    """Build app_config.c (+ model.c) with -Wall -Wextra -Werror and print every label."""
    main_c = tmp / "print_labels.c"
    main_c.write_text(
        "#include <stdio.h>\n#include \"app_config.h\"\n"
        "int main(void) {\n"
        "    for (int i = 0; i < TFW_NUM_CLASSES; ++i) {\n"
        "        fputs(tfw_app_labels[i], stdout);\n"
        "        fputc('\\n', stdout);\n"
        "        printf(\"%s\\n\", tfw_app_labels[i]);\n"
        "    }\n"
        "    return 0;\n}\n"
    )
    exe = tmp / "print_labels"
    fw = ROOT / "firmware"
    cmd = [gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-Wpedantic", "-Wtrigraphs",
           "-I", str(gen), "-I", str(fw / "app"), "-I", str(fw / "kernels"),
           str(gen / "app_config.c"), str(main_c), "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    return subprocess.run([str(exe)], capture_output=True, check=True).stdout


@pytest.mark.parametrize("name", ODD_NAMES)
def test_an_unusual_class_name_compiles_and_prints_byte_for_byte(
    name: str, tmp_path: Path, gcc: str
):
    proj = project(tmp_path / "p", classes=("stationary", name, "running"))
    gen = tmp_path / "generated"
    r = run_inproc(["--project", str(proj), "generate", "--model", str(BENCH_MODEL),
                    "--out", str(gen)])
    assert r.status == 0, r.err
    out = compile_and_print_labels(gen, tmp_path, gcc)
    want = b"".join((c.encode() + b"\n") * 2 for c in ("stationary", name, "running"))
    assert out == want


def test_unusual_column_and_unit_names_stay_inside_comments(tmp_path: Path, gcc: str):
    extra = 'units = "m/s^2 */ #error boom /*"\n'
    proj = project(tmp_path / "p")
    text = (proj / "tinyfw.toml").read_text().replace(
        "[window]", extra + 'columns = ["x*/", "y??/", "z\\\\"]\n[window]')
    (proj / "tinyfw.toml").write_text(text)
    gen = tmp_path / "generated"
    r = run_inproc(["--project", str(proj), "generate", "--model", str(BENCH_MODEL),
                    "--out", str(gen)])
    assert r.status == 0, r.err
    compile_and_print_labels(gen, tmp_path, gcc)


def test_a_class_folder_with_an_unusual_name_loads(tmp_path: Path):
    """The same names are folder names of the dataset: they must load too."""
    from tinyfw.config import load_config
    from tinyfw.model.data import load_dataset

    names = ("stationary", 'say "hi" %n ??= \\', "日本語 🏃")
    data = dataset(tmp_path / "d", classes=names)
    proj = project(tmp_path / "p", data=data, classes=names)
    recs = load_dataset(data, load_config(proj / "tinyfw.toml"))
    assert [r.class_name for r in recs] == list(names)


def test_the_generated_sources_do_not_depend_on_dataset_paths(tmp_path: Path):
    """Paths are not emitted into C (a data folder named `*/` cannot break a comment)."""
    proj = project(tmp_path / "p", data=tmp_path / "*/ evil \\ ??/")
    gen = tmp_path / "generated"
    r = run_inproc(["--project", str(proj), "generate", "--model", str(BENCH_MODEL),
                    "--out", str(gen)])
    assert r.status == 0, r.err
    assert all(b"evil" not in f.read_bytes() for f in gen.iterdir())
