"""Bad recorded traces reach the user as one line naming the file, line and column, exit 2.

Every case goes through the real CLI (`tinyfw train --data ...`, which loads the whole dataset
before it trains anything); a representative subset also runs as a separate process. The
catalogue covers broken files (empty, header, ragged rows, non-numbers, NaN/inf, out of range,
encodings, line ends, huge lines) and broken datasets (missing or empty class folders, one
class only, too short for a window, unreadable files).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    assert_one_line_error,
    dataset,
    good_trace,
    project,
    run_inproc,
    run_subprocess,
)

GOOD = good_trace(60)
ROW = b"12,-34,56\n"


@dataclass(frozen=True)
class Bad:
    id: str
    content: bytes
    line: int | None
    field: str | None
    words: str


def rows(n: int) -> bytes:
    return ROW * n


# Each case: the file's bytes, the line and column the message must name, and words it must say.
CASES = [
    # empty and header-only
    Bad("empty file", b"", None, None, "no samples"),
    Bad("only newlines", b"\n\n\n", None, None, "no samples"),
    Bad("only CRLF line ends", b"\r\n\r\n", None, None, "no samples"),
    Bad("only spaces and tabs", b"   \n\t\t\n", None, None, "no samples"),
    Bad("only a BOM", b"\xef\xbb\xbf", None, None, "no samples"),
    Bad("header only", b"x,y,z\n", 1, None, "header"),
    Bad("header only without newline", b"x,y,z", 1, None, "header"),
    Bad("header then data", b"x,y,z\n" + rows(60), 1, None, "header"),
    Bad("quoted header", b'"x","y","z"\n' + rows(60), 1, None, "header"),
    Bad("header with timestamp column", b"timestamp,x,y,z\n" + rows(60), 1, None, "header"),
    Bad("BOM then header", b"\xef\xbb\xbfx,y,z\n" + rows(60), 1, None, "header"),
    Bad("CRLF header", b"acc_x,acc_y,acc_z\r\n" + rows(60), 1, None, "header"),
    # ragged rows and wrong column counts
    Bad("row with two values", rows(5) + b"1,2\n" + rows(60), 6, None, "found 2"),
    Bad("row with four values", rows(5) + b"1,2,3,4\n" + rows(60), 6, None, "found 4"),
    Bad("row with one value", rows(3) + b"7\n" + rows(60), 4, None, "found 1"),
    Bad("first row short", b"1,2\n" + rows(60), 1, None, "found 2"),
    Bad("last row short", rows(60) + b"1,2\n", 61, None, "found 2"),
    Bad("last row short without newline", rows(60) + b"1,2", 61, None, "found 2"),
    Bad("trailing comma", rows(2) + b"1,2,3,\n" + rows(60), 3, None, "found 4"),
    Bad("leading comma", b",1,2,3\n" + rows(60), 1, None, "found 4"),
    Bad("semicolon separated", b"1;2;3\n" + rows(60), 1, None, "found 1"),
    Bad("tab separated", b"1\t2\t3\n" + rows(60), 1, None, "found 1"),
    Bad("space separated", b"1 2 3\n" + rows(60), 1, None, "found 1"),
    Bad("two columns throughout", b"1,2\n" * 60, 1, None, "found 2"),
    Bad("six columns (accel + gyro)", b"1,2,3,4,5,6\n" * 60, 1, None, "found 6"),
    Bad("many columns on a late line", rows(59) + b"1," * 40 + b"1\n", 60, None, "found 41"),
    Bad("old Mac CR-only line ends", b"1,2,3\r4,5,6\r" * 30, 1, None, "found"),
    Bad("ctrl-Z end-of-file marker", rows(60) + b"\x1a", 61, None, "found 1"),
    # blank lines
    Bad("blank line between samples", rows(10) + b"\n" + rows(50), 11, None, "blank line"),
    Bad("whitespace line between samples", rows(10) + b" \t \n" + rows(50), 11, None,
        "blank line"),
    Bad("blank CRLF line between samples", b"1,2,3\r\n\r\n4,5,6\r\n" + rows(60), 2, None,
        "blank line"),
    Bad("blank first line", b"\n" + rows(60), 1, None, "blank line"),
    # not numbers
    Bad("word in a cell", rows(2) + b"1,abc,3\n", 3, "y (column 2)", "not a number"),
    Bad("hex number", b"0x10,2,3\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("digits then letters", b"1,2,3a\n" + rows(60), 1, "z (column 3)", "not a number"),
    Bad("space inside a number", b"1 2,3,4\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("double minus", b"--1,2,3\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("plus minus", b"+-1,2,3\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("sign with space", b"- 1,2,3\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("python underscore digits", b"1_000,2,3\n" + rows(60), 1, "x (column 1)",
        "not a number"),
    Bad("two decimal points", b"1.0.0,2,3\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("leading decimal point", b".5,2,3\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("quoted number", b'"1",2,3\n' + rows(60), 1, "x (column 1)", "not a number"),
    Bad("NUL byte in a cell", b"1,2,3\x00\n" + rows(60), 1, "z (column 3)", "not a number"),
    Bad("empty cell", b"1,,3\n" + rows(60), 1, "y (column 2)", "empty value"),
    Bad("empty last cell", rows(4) + b"1,2,\n", 5, "z (column 3)", "empty value"),
    Bad("true/false", b"true,false,1\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("exponent", b"1,1e3,3\n" + rows(60), 1, "y (column 2)", "not a number"),
    Bad("capital exponent", b"1,2,1E2\n" + rows(60), 1, "z (column 3)", "not a number"),
    Bad("exponent with decimal", b"1.0e0,2,3\n" + rows(60), 1, "x (column 1)", "not a number"),
    Bad("fraction", b"1,2.5,3\n" + rows(60), 1, "y (column 2)", "not an integer"),
    Bad("small fraction", rows(9) + b"1,2,3.001\n", 10, "z (column 3)", "not an integer"),
    Bad("negative fraction", b"-0.5,2,3\n" + rows(60), 1, "x (column 1)", "not an integer"),
    # NaN and infinities
    Bad("nan", b"1,nan,3\n" + rows(60), 1, "y (column 2)", "not a finite number"),
    Bad("NaN capitalised", rows(30) + b"NaN,2,3\n", 31, "x (column 1)", "not a finite number"),
    Bad("NAN upper", b"1,2,NAN\n" + rows(60), 1, "z (column 3)", "not a finite number"),
    Bad("inf", b"inf,2,3\n" + rows(60), 1, "x (column 1)", "not a finite number"),
    Bad("-inf", b"1,2,-inf\n" + rows(60), 1, "z (column 3)", "not a finite number"),
    Bad("+Infinity", b"1,+Infinity,3\n" + rows(60), 1, "y (column 2)", "not a finite number"),
    Bad("INF upper", rows(59) + b"1,2,INF\n", 60, "z (column 3)", "not a finite number"),
    Bad("-nan", b"-nan,2,3\n" + rows(60), 1, "x (column 1)", "not a finite number"),
    Bad("all NaN row", b"nan,nan,nan\n" + rows(60), 1, "x (column 1)", "not a finite number"),
    # beyond the sensor range (data.range = [-4000, 4000])
    Bad("just above the range", rows(3) + b"4001,0,0\n", 4, "x (column 1)", "outside data.range"),
    Bad("just below the range", rows(3) + b"0,-4001,0\n", 4, "y (column 2)",
        "outside data.range"),
    Bad("int16 max", b"0,0,32767\n" + rows(60), 1, "z (column 3)", "outside data.range"),
    Bad("beyond int16", b"32768,0,0\n" + rows(60), 1, "x (column 1)", "outside data.range"),
    Bad("beyond int16 negative", b"-32769,0,0\n" + rows(60), 1, "x (column 1)",
        "outside data.range"),
    Bad("beyond int64", b"0,99999999999999999999999,0\n" + rows(60), 1, "y (column 2)",
        "outside data.range"),
    Bad("2^63", b"0,0,9223372036854775808\n" + rows(60), 1, "z (column 3)",
        "outside data.range"),
    Bad("float above range", b"4001.0,0,0\n" + rows(60), 1, "x (column 1)",
        "outside data.range"),
    Bad("in range but in g not mg", rows(59) + b"0.981,0.1,0\n", 60, "x (column 1)",
        "not an integer"),
    # encodings
    Bad("latin-1 micro sign", rows(2) + b"1,2,3\xb5\n", 3, None, "not ASCII"),
    Bad("UTF-16 with BOM", "1,2,3\n".encode("utf-16"), 1, None, "not ASCII"),
    Bad("UTF-16LE without BOM", "1,2,3\n".encode("utf-16-le") * 60, 1, "x (column 1)",
        "not a number"),
    Bad("BOM on the second line", b"1,2,3\n\xef\xbb\xbf4,5,6\n" + rows(60), 2, None,
        "not ASCII"),
    Bad("two BOMs", b"\xef\xbb\xbf\xef\xbb\xbf1,2,3\n" + rows(60), 1, None, "not ASCII"),
    Bad("unicode minus", "\u22121,2,3\n".encode() + rows(60), 1, None, "not ASCII"),
    Bad("full-width digits", "\uff11,2,3\n".encode() + rows(60), 1, None, "not ASCII"),
    Bad("arabic-indic digit", "\u0663,2,3\n".encode() + rows(60), 1, None, "not ASCII"),
    Bad("non-breaking space", "1,\u00a02,3\n".encode() + rows(60), 1, None, "not ASCII"),
    Bad("binary garbage", bytes(range(256)) * 4, 1, None, "found"),
    Bad("gzip file", b"\x1f\x8b\x08\x00" + bytes(100), 1, None, "not ASCII"),
    Bad("an xlsx (zip) file", b"PK\x03\x04" + bytes(range(200)), 1, None, "header"),
    # huge lines
    Bad("line of 5000 digits", rows(2) + b"1" * 5000 + b",2,3\n", 3, None, "longer than"),
    Bad("line of 4097 bytes", rows(2) + b"1," + b" " * 4092 + b"2,3\n", 3, None,
        "longer than"),
    Bad("one huge line without newline", b"1," * 500_000, 1, None, "longer than"),
    Bad("huge line after a BOM", b"\xef\xbb\xbf" + b"9" * 100_000, 1, None, "longer than"),
    Bad("BOM then a row padded past the line limit", b"\xef\xbb\xbf1,2,3" + b" " * 4100 + b"\n"
        + rows(60), 1, None, "longer than"),
    Bad("huge CRLF line", rows(40) + b"0" * 8000 + b"\r\n", 41, None, "longer than"),
    # too short for one window (window.length = 52)
    Bad("one sample", b"1,2,3\n", None, "window.length", "shorter than one window"),
    Bad("51 samples", rows(51), None, "window.length", "shorter than one window"),
    Bad("51 samples with CRLF and BOM", b"\xef\xbb\xbf" + b"1,2,3\r\n" * 51, None,
        "window.length", "shorter than one window"),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project and a valid dataset (3 classes, one 60-sample real trace each)."""
    root = tmp_path_factory.mktemp("traces")
    data = dataset(root / "data")
    project(root / "proj", data=data)
    return root


def with_bad_file(base: Path, tmp_path: Path, content: bytes) -> tuple[Path, Path]:
    data = dataset(tmp_path / "data")
    bad = data / "walking" / "zz_bad.csv"
    bad.write_bytes(content)
    return data, bad


def test_the_catalogue_holds_at_least_85_bad_trace_files():
    assert len(CASES) >= 85 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_trace_stops_training_with_one_line_naming_file_line_and_column(
    case: Bad, base: Path, tmp_path: Path
):
    data, bad = with_bad_file(base, tmp_path, case.content)
    r = run_inproc(["--project", str(base / "proj"), "train", "--data", str(data)])
    assert_one_line_error(r, file=bad, line=case.line, field=case.field, words=case.words)


SUBPROCESS_CASES = ["empty file", "header then data", "nan", "just above the range",
                    "one huge line without newline", "51 samples"]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_the_tinyfw_command_reports_a_bad_trace_the_same_way(
    case_id: str, base: Path, tmp_path: Path
):
    case = next(c for c in CASES if c.id == case_id)
    data, bad = with_bad_file(base, tmp_path, case.content)
    r = run_subprocess(["--project", str(base / "proj"), "train", "--data", str(data)])
    assert_one_line_error(r, file=bad, line=case.line, field=case.field, words=case.words)


def test_debug_shows_the_traceback_of_a_bad_trace(base: Path, tmp_path: Path):
    data, bad = with_bad_file(base, tmp_path, b"1,2\n")
    r = run_subprocess(["--debug", "--project", str(base / "proj"), "train", "--data", str(data)])
    assert r.status != 0
    assert "Traceback" in r.err and "InputError" in r.err and str(bad) in r.err


def test_accepted_quirks_load_bom_crlf_spaces_plus_signs_and_integer_decimals(tmp_path: Path):
    """The other side of the catalogue: what loggers commonly write is not an error."""
    from tinyfw.config import Config
    from tinyfw.model.data import read_trace_csv

    text = b"\xef\xbb\xbf +1,\t-2 , 3.0\r\n" + b"4,5,6\n" * 59 + b"\n\n"
    p = tmp_path / "quirks.csv"
    p.write_bytes(text)
    a = read_trace_csv(p, 3, Config().data.range)
    assert a.shape == (60, 3) and a[0].tolist() == [1, -2, 3]


# -- broken datasets ------------------------------------------------------------------------


def _missing_class(d: Path) -> tuple[Path, str]:
    import shutil

    shutil.rmtree(d / "running")
    return d / "running", "no folder for class 'running'"


def _empty_class(d: Path) -> tuple[Path, str]:
    for f in (d / "walking").iterdir():
        f.unlink()
    return d / "walking", "no .csv recordings"


def _only_non_csv(d: Path) -> tuple[Path, str]:
    for f in (d / "walking").iterdir():
        f.unlink()
    (d / "walking" / "README.txt").write_text("recorded on Tuesday\n")
    (d / "walking" / "walk.CSV.bak").write_bytes(GOOD)
    return d / "walking", "no .csv recordings"


def _one_class_only(d: Path) -> tuple[Path, str]:
    import shutil

    shutil.rmtree(d / "running")
    shutil.rmtree(d / "walking")
    return d / "walking", "no folder for class 'walking'"


def _extra_folder(d: Path) -> tuple[Path, str]:
    (d / "jumping").mkdir()
    (d / "jumping" / "a.csv").write_bytes(GOOD)
    return d, "folders that are not classes: jumping"


def _nested_folder(d: Path) -> tuple[Path, str]:
    (d / "walking" / "session2").mkdir()
    return d / "walking" / "session2", "nested folder"


def _dangling_symlink(d: Path) -> tuple[Path, str]:
    (d / "walking" / "zz.csv").symlink_to(d / "nowhere.csv")
    return d / "walking" / "zz.csv", "cannot read"


def _csv_is_a_folder(d: Path) -> tuple[Path, str]:
    (d / "walking" / "zz.csv").mkdir()
    return d / "walking" / "zz.csv", "nested folder"


def _data_is_a_file(d: Path) -> tuple[Path, str]:
    import shutil

    shutil.rmtree(d)
    d.write_bytes(GOOD)
    return d, "data folder does not exist"


def _data_missing(d: Path) -> tuple[Path, str]:
    import shutil

    shutil.rmtree(d)
    return d, "data folder does not exist"


def _case_mismatch(d: Path) -> tuple[Path, str]:
    (d / "walking").rename(d / "Walking")
    return d, "folders that are not classes: Walking"


DATASETS = {
    "a class folder is missing": (_missing_class, "data.classes"),
    "a class folder has no files": (_empty_class, "data.classes"),
    "a class folder has only non-csv files": (_only_non_csv, "data.classes"),
    "only one class has recordings": (_one_class_only, "data.classes"),
    "a folder that is not a class": (_extra_folder, "data.classes"),
    "a nested folder in a class": (_nested_folder, None),
    "a dangling symlink": (_dangling_symlink, None),
    "a folder named like a csv": (_csv_is_a_folder, None),
    "the data folder is a file": (_data_is_a_file, "data.dir"),
    "the data folder is missing": (_data_missing, "data.dir"),
    "a class folder with different case": (_case_mismatch, "data.classes"),
}


@pytest.mark.parametrize("name", list(DATASETS))
def test_a_broken_dataset_stops_training_with_one_line_naming_the_folder(
    name: str, base: Path, tmp_path: Path
):
    make, field = DATASETS[name]
    data = dataset(tmp_path / "data")
    where, words = make(data)
    r = run_inproc(["--project", str(base / "proj"), "train", "--data", str(data)])
    assert_one_line_error(r, file=where, field=field, words=words)


def test_one_class_only_in_the_config_is_refused_before_reading_data(tmp_path: Path):
    proj = project(tmp_path / "p", data=dataset(tmp_path / "d"), classes=("walking",))
    r = run_inproc(["--project", str(proj), "train"])
    assert_one_line_error(r, file=proj / "tinyfw.toml", field="data.classes",
                          words="at least two classes")


# -- declared vs measured sampling rate -------------------------------------------------------
# A CSV trace without timestamps cannot measure its own rate. The closest real statement of the
# rate a recording was made at is the one its logger wrote into the file name: ST's data loggers
# (and so data/st-har) name files `<activity>_<n>_<rate>Hz_<range>g_<unit>.csv`.
# tinyfw must refuse a recording whose `<rate>Hz` token disagrees with tinyfw.toml's
# [data].rate_hz, because its windows would cover a different time span than the firmware's.
RATE_CASES = {
    "52Hz recording in a 26 Hz project": ("walking_01_52Hz_4g_mg.csv", "52"),
    "12.5Hz recording in a 26 Hz project": ("walk_12.5Hz.csv", "12.5"),
    "100hz lower-case token": ("walk_100hz.csv", "100"),
}


@pytest.mark.parametrize("name", list(RATE_CASES))
def test_a_recording_named_for_another_sampling_rate_is_refused(
    name: str, base: Path, tmp_path: Path
):
    file_name, rate = RATE_CASES[name]
    data = dataset(tmp_path / "data")
    bad = data / "walking" / file_name
    bad.write_bytes(GOOD)
    # Through the dataset loader (what `tinyfw train` calls first), so that a loader that does
    # not check yet fails here in milliseconds instead of starting to train.
    from tinyfw.config import load_config
    from tinyfw.errors import InputError
    from tinyfw.model.data import load_dataset

    with pytest.raises(InputError) as e:
        load_dataset(data, load_config(base / "proj" / "tinyfw.toml"))
    assert e.value.file == str(bad) and e.value.field == "data.rate_hz"
    assert rate in e.value.message and "26" in e.value.message
