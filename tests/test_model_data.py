"""Reading traces and datasets: what is accepted, and one-line errors for everything else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinyfw.config import Config, DataConfig, WindowConfig
from tinyfw.errors import InputError
from tinyfw.model.data import MAX_LINE_BYTES, load_dataset, read_trace_csv

RANGE = (-4000, 4000)
NAMES = ("x", "y", "z")


def write(tmp_path: Path, content: bytes | str, name: str = "trace.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return p


def read(path: Path) -> np.ndarray:
    return read_trace_csv(path, 3, RANGE, column_names=NAMES)


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as e:
        read(path)
    return e.value


def test_a_plain_trace_reads_as_int16_frames(tmp_path: Path):
    a = read(write(tmp_path, "  156,  -589, -1294\n161,-588,-1273\n"))
    assert a.dtype == np.int16
    np.testing.assert_array_equal(a, [[156, -589, -1294], [161, -588, -1273]])


def test_bom_crlf_tabs_plus_signs_and_integer_valued_decimals_are_accepted(tmp_path: Path):
    text = b"\xef\xbb\xbf1,\t+2 ,3\r\n12.0, -3., 0.000\r\n4,5,6"
    np.testing.assert_array_equal(read(write(tmp_path, text)), [[1, 2, 3], [12, -3, 0], [4, 5, 6]])


def test_blank_lines_at_the_end_are_ignored(tmp_path: Path):
    assert read(write(tmp_path, "1,2,3\n\n  \n")).shape == (1, 3)


@pytest.mark.parametrize(
    ("content", "line", "field", "words"),
    [
        ("", None, None, "empty file"),
        ("\n\n", None, None, "empty file"),
        ("x,y,z\n1,2,3\n", 1, None, "header"),
        ("1,2,3\n4,5\n", 2, None, "found 2"),
        ("1,2,3\n4,5,6,7\n", 2, None, "found 4"),
        ("1,2,3\n\n4,5,6\n", 2, None, "blank line"),
        ("1,abc,3\n", 1, "y (column 2)", "not a number"),
        ("1,2,\n", 1, "z (column 3)", "empty value"),
        ("1,nan,3\n", 1, "y (column 2)", "not a finite number"),
        ("1,2,-inf\n", 1, "z (column 3)", "not a finite number"),
        ("NaN,2,3\n", 1, "x (column 1)", "not a finite number"),
        ("1,2.5,3\n", 1, "y (column 2)", "not an integer"),
        ("1,1e3,3\n", 1, "y (column 2)", "not a number"),
        ("1,2,3\n4001,0,0\n", 2, "x (column 1)", "outside data.range"),
        ("1,2,3\n0,-4001,0\n", 2, "y (column 2)", "outside data.range"),
        ("1,2,3\n0,99999999999999999999,0\n", 2, "y (column 2)", "outside data.range"),
        ("1,2,3\n1,2,3\xb5\n", 2, None, "not ASCII"),
    ],
)
def test_bad_traces_are_refused_with_one_line_naming_file_line_and_column(
    tmp_path: Path, content: str, line: int | None, field: str | None, words: str
):
    path = write(tmp_path, content.encode("latin-1"))
    e = error_of(path)
    assert e.file == str(path)
    assert e.line == line
    assert e.field == field
    assert words in e.message
    assert "\n" not in str(e)


def test_utf16_text_is_refused_as_not_ascii(tmp_path: Path):
    e = error_of(write(tmp_path, "1,2,3\n".encode("utf-16")))
    assert "not ASCII" in e.message and e.line == 1


def test_a_very_long_line_is_refused_without_reading_all_of_it(tmp_path: Path):
    path = write(tmp_path, "1,2,3\n" + "1" * 5_000_000 + ",2,3\n")
    e = error_of(path)
    assert e.line == 2 and f"longer than {MAX_LINE_BYTES}" in e.message


def test_a_very_long_first_line_after_a_byte_order_mark_is_refused(tmp_path: Path):
    e = error_of(write(tmp_path, b"\xef\xbb\xbf" + b"9" * 100_000))
    assert e.line == 1 and "longer than" in e.message
    e = error_of(write(tmp_path, b"\xef\xbb\xbf1,2,3" + b" " * 4100 + b"\n4,5,6\n"))
    assert e.line == 1 and "longer than" in e.message


def test_a_line_of_exactly_the_limit_is_accepted(tmp_path: Path):
    line = "1,2," + " " * (MAX_LINE_BYTES - 5) + "3"
    assert len(line) == MAX_LINE_BYTES
    assert read(write(tmp_path, line + "\r\n")).tolist() == [[1, 2, 3]]
    assert read(write(tmp_path, b"\xef\xbb\xbf" + line.encode() + b"\r\n")).tolist() == [[1, 2, 3]]
    assert "longer" in error_of(write(tmp_path, " " + line + "\n")).message


def test_a_missing_file_is_an_input_error(tmp_path: Path):
    assert "cannot read" in error_of(tmp_path / "nope.csv").message


# -- datasets ------------------------------------------------------------------------------

def config(classes: tuple[str, ...] = ("still", "walk"), length: int = 4) -> Config:
    return Config(data=DataConfig(classes=classes), window=WindowConfig(length=length, hop=2))


def make_dataset(root: Path, files: dict[str, int], seed: int = 0) -> Path:
    """files: {'class/name.csv': n_samples}."""
    rng = np.random.default_rng(seed)
    for rel, n in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        rows = rng.integers(-4000, 4001, size=(n, 3))
        p.write_text("".join(f"{a}, {b}, {c}\n" for a, b, c in rows))
    return root


def test_a_dataset_loads_every_class_in_config_order_and_file_order(tmp_path: Path):
    make_dataset(tmp_path, {"walk/b.csv": 5, "walk/a.csv": 6, "still/z.csv": 4})
    (tmp_path / "README.md").write_text("ignored")
    (tmp_path / "walk" / "notes.txt").write_text("ignored")
    (tmp_path / ".cache").mkdir()
    recs = load_dataset(tmp_path, config())
    assert [r.name for r in recs] == ["still/z.csv", "walk/a.csv", "walk/b.csv"]
    assert [r.label for r in recs] == [0, 1, 1]
    assert recs[1].samples.shape == (6, 3) and recs[1].samples.dtype == np.int16


def test_a_folder_that_is_not_a_class_is_named_in_the_error(tmp_path: Path):
    make_dataset(tmp_path, {"walk/a.csv": 5, "still/a.csv": 5, "run/a.csv": 5, "jog/a.csv": 5})
    with pytest.raises(InputError, match="not classes: jog, run"):
        load_dataset(tmp_path, config())


def test_a_class_without_folder_or_without_recordings_is_an_error(tmp_path: Path):
    make_dataset(tmp_path, {"walk/a.csv": 5})
    with pytest.raises(InputError, match="no folder for class 'still'"):
        load_dataset(tmp_path, config())
    (tmp_path / "still").mkdir()
    with pytest.raises(InputError, match="no .csv recordings for class 'still'"):
        load_dataset(tmp_path, config())


def test_a_recording_shorter_than_one_window_is_named_with_its_sample_count(tmp_path: Path):
    make_dataset(tmp_path, {"walk/a.csv": 5, "still/short.csv": 3})
    with pytest.raises(InputError) as e:
        load_dataset(tmp_path, config(length=4))
    assert e.value.file.endswith("short.csv")
    assert "3 samples is shorter than one window (4 samples)" in e.value.message


def test_a_missing_data_folder_and_nested_folders_are_errors(tmp_path: Path):
    with pytest.raises(InputError, match="does not exist"):
        load_dataset(tmp_path / "missing", config())
    make_dataset(tmp_path, {"walk/a.csv": 5, "still/a.csv": 5, "still/more/b.csv": 5})
    with pytest.raises(InputError, match="nested folder"):
        load_dataset(tmp_path, config())


def test_a_recording_whose_name_states_another_rate_is_refused(tmp_path: Path):
    make_dataset(tmp_path, {"walk/a_26Hz_4g.csv": 5, "still/b_26hz.csv": 5})
    assert len(load_dataset(tmp_path, config())) == 2
    make_dataset(tmp_path, {"walk/c_12.5Hz.csv": 5})
    with pytest.raises(InputError) as e:
        load_dataset(tmp_path, config())
    assert e.value.field == "data.rate_hz" and e.value.file.endswith("c_12.5Hz.csv")
    assert "12.5 Hz" in e.value.message and "26 Hz" in e.value.message
