"""The dataset readers (`data.format = "table"` / `"edge_impulse"`, model/readers.py): every
option of tinyfw.toml's [data] on small files written here, the conversion into the firmware's
int16 sensor samples (milli-g, 0.1 deg/s, counts), resampling, splitting, and the one-line
errors (file, line, column; exit 2) on bad variants of each committed example shape."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_one_line_error, run_inproc, toml_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinyfw.config import parse_config
from tinyfw.errors import InputError
from tinyfw.model.data import load_dataset, scan_dataset
from tinyfw.model.readers import ReadNotes, pieces_of_file
from tinyfw.paths import ROOT

EXAMPLES = ROOT / "examples"
SHAPES = ["arduino-imu", "phone-web", "research-txt", "participant-csv", "edge-impulse"]


def config(data: Path, data_keys: str, *, length: int = 4, hop: int = 2,
           classes: tuple[str, ...] = ("a", "b")):
    text = (f"[data]\ndir = {toml_string(str(data))}\nclasses = [{', '.join(map(toml_string, classes))}]\n"
            f"{data_keys}\n[window]\nlength = {length}\nhop = {hop}\n")
    return parse_config(text, data.parent / "tinyfw.toml")


def write(folder: Path, name: str, text: str | bytes) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode()
    p.write_bytes(text)
    return p


def two_classes(tmp: Path, a: str | bytes, b: str | bytes, name: str = "r.csv") -> Path:
    write(tmp / "d" / "a", name, a)
    write(tmp / "d" / "b", name, b)
    return tmp / "d"


ROWS = "1,2,3\n4,5,6\n7,8,9\n10,11,12\n"


@pytest.mark.parametrize("body,keys", [
    ("1,2,3\n4,5,6\n7,8,9\n10,11,12\n", 'delimiter = "auto"'),
    ("1;2;3\n4;5;6\n7;8;9\n10;11;12\n", 'delimiter = "auto"'),
    ("1\t2\t3\n4\t5\t6\n7\t8\t9\n10\t11\t12\n", 'delimiter = "auto"'),
    ("1  2 3\n 4 5\t6\n7 8 9\n10 11 12\n", 'delimiter = "auto"'),
    ("1;2;3\n4;5;6\n7;8;9\n10;11;12\n", 'delimiter = ";"'),
    ("1\t2\t3\n4\t5\t6\n7\t8\t9\n10\t11\t12\n", 'delimiter = "tab"'),
    ("1 2 3\n4 5 6\n7 8 9\n10 11 12\n", 'delimiter = "whitespace"'),
    ("\ufeff1,2,3\r\n4,5,6\r\n7,8,9\r\n10,11,12\r\n", ""),  # BOM, CRLF
    ("1,2,3\r4,5,6\r7,8,9\r10,11,12\r", ""),  # old Mac CR line ends
    ("x,y,z\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n", 'header = "auto"'),
    ("x,y,z\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n", 'header = "yes"'),
    ("1.0,2.0e0,3\n4,5.,6\n0.7e1,8,9\n1e+01,11,12\n", ""),  # floats and exponents
])
def test_every_delimiter_header_and_line_end_reads_the_same_samples(tmp_path, body, keys):
    d = two_classes(tmp_path, body, body)
    recs = load_dataset(d, config(d, 'format = "table"\n' + keys))
    assert [r.class_name for r in recs] == ["a", "b"]
    assert recs[0].samples.dtype == np.int16
    assert recs[0].samples.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]


def test_files_with_txt_and_tsv_suffixes_are_read_and_other_files_ignored(tmp_path):
    d = tmp_path / "d"
    write(d / "a", "one.txt", ROWS)
    write(d / "a", "README.md", "not data")
    write(d / "b", "two.tsv", ROWS.replace(",", "\t"))
    recs = load_dataset(d, config(d, 'format = "table"'))
    assert [r.name for r in recs] == ["a/one.txt", "b/two.tsv"]


def test_columns_are_chosen_by_header_name_or_by_number_and_the_rest_ignored(tmp_path):
    body = "seq,t,z,junk,x,y\n1,0,3,abc,1,2\n2,0,6,def,4,5\n3,0,9,,7,8\n1e+05,0,12,?,10,11\n"
    d = two_classes(tmp_path, body, body)
    by_name = load_dataset(d, config(d, 'format = "table"\ncolumns = ["x", "y", "z"]'))
    by_number = load_dataset(d, config(
        d, 'format = "table"\ncolumns = ["x", "y", "z"]\nsource_columns = ["5", "6", "3"]'))
    renamed = load_dataset(d, config(
        d, 'format = "table"\ncolumns = ["ax", "ay", "az"]\nsource_columns = ["x", "y", "z"]'))
    for recs in (by_name, by_number, renamed):
        assert recs[0].samples.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]


@pytest.mark.parametrize("unit,value,sample", [
    ("g", 1.0, 1000), ("g", -0.0015, -2), ("mg", 12.4, 12), ("m/s2", 9.80665, 1000),
    ("m/s2", -4.903325, -500), ("dps", 123.45, 1235), ("mdps", 70.0, 1),
    ("rad/s", math.pi, 1800), ("counts", -7.5, -8),
])
def test_each_unit_becomes_milli_g_tenths_of_a_degree_per_second_or_counts(
        tmp_path, unit, value, sample):
    body = "".join(f"{value!r}\n" for _ in range(4))
    d = two_classes(tmp_path, body, body)
    cfg = config(d, f'format = "table"\ncolumns = ["v"]\nchannel_units = ["{unit}"]\n'
                 "range = [-32768, 32767]")
    assert load_dataset(d, cfg)[0].samples[:, 0].tolist() == [sample] * 4


def test_accelerometer_and_gyroscope_in_one_file_with_offset_and_scale_per_channel(tmp_path):
    body = "aX,aY,gX,code\n" + "0.5,-0.25,-100.0,40\n" * 4
    d = two_classes(tmp_path, body, body)
    cfg = config(d, 'format = "table"\ncolumns = ["aX", "aY", "gX", "code"]\n'
                 'channel_units = ["g", "g", "dps", "g"]\n'
                 "channel_offset = [0, 0, 0, 32]\nchannel_scale = [1, 1, 1, 0.0625]\n"
                 "range = [-20000, 20000]")
    assert load_dataset(d, cfg)[0].samples[0].tolist() == [500, -250, -1000, 500]


def test_values_beyond_the_range_are_clipped_and_counted(tmp_path):
    body = "5\n-5\n1\n0\n"
    d = two_classes(tmp_path, body, body)
    cfg = config(d, 'format = "table"\ncolumns = ["v"]\nchannel_units = ["g"]\n'
                 "range = [-4000, 4000]")
    items, _ = scan_dataset(d, cfg)
    assert items[0][0].samples[:, 0].tolist() == [4000, -4000, 1000, 0]
    assert items[0][1].clipped == 2


def test_blank_lines_separate_recordings_and_a_repeated_header_is_skipped(tmp_path):
    body = "x\n1\n2\n3\n4\n\nx\n5\n6\n7\n8\n\n\n9\n10\n11\n12\n\n"
    d = two_classes(tmp_path, body, body)
    recs = load_dataset(d, config(d, 'format = "table"\ncolumns = ["x"]\n'
                                  'split_file = "blank_lines"'))
    assert [r.name for r in recs[:3]] == ["a/r.csv #1", "a/r.csv #2", "a/r.csv #3"]
    assert recs[2].samples[:, 0].tolist() == [9, 10, 11, 12]


def test_a_blank_line_between_samples_is_refused_unless_it_separates_recordings(tmp_path):
    body = "1\n2\n\n3\n4\n"
    d = two_classes(tmp_path, body, body)
    with pytest.raises(InputError) as e:
        load_dataset(d, config(d, 'format = "table"\ncolumns = ["x"]', length=2))
    assert e.value.line == 3 and "split_file" in e.value.message


def test_fixed_length_splits_and_reports_the_leftover(tmp_path):
    body = "".join(f"{i}\n" for i in range(11))
    d = two_classes(tmp_path, body, body)
    items, notes = scan_dataset(d, config(
        d, 'format = "table"\ncolumns = ["x"]\nsplit_file = "fixed_length"\n'
        "recording_length = 4", length=4))
    assert [r.samples[:, 0].tolist() for r, _ in items[:2]] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(items) == 4 and any("last 3 samples" in n for n in notes)


def test_a_label_column_makes_each_run_of_one_label_a_recording(tmp_path):
    body = ("1,10,0\n2,11,0\n3,12,0\n4,13,0\n5,14,1\n6,15,1\n7,16,1\n8,17,1\n"
            "9,18,2\n10,19,2\n11,20,1\n12,21,1\n13,22,1\n14,23,1\n")
    write(tmp_path / "d", "p1.csv", body)
    cfg = config(tmp_path / "d", 'format = "table"\nlayout = "label_column"\n'
                 'label_column = "3"\ncolumns = ["v"]\nsource_columns = ["2"]',
                 classes=("1", "2", "0"), length=2)
    items, notes = scan_dataset(tmp_path / "d", cfg)
    assert [(r.class_name, r.samples[:, 0].tolist()) for r, _ in items] == [
        ("0", [10, 11, 12, 13]), ("1", [14, 15, 16, 17]), ("2", [18, 19]),
        ("1", [20, 21, 22, 23])]
    cfg2 = config(tmp_path / "d", 'format = "table"\nlayout = "label_column"\n'
                  'label_column = "3"\ncolumns = ["v"]\nsource_columns = ["2"]',
                  classes=("1", "2"), length=2)
    items, notes = scan_dataset(tmp_path / "d", cfg2)
    assert [r.class_name for r, _ in items] == ["1", "2", "1"]
    assert any("label '0' is not a class" in n for n in notes)


def test_the_class_comes_from_the_file_name_by_the_pattern(tmp_path):
    for name in ("Acc-2011-walk-f1.txt", "Acc-2012-sit-m2.txt", "Acc-2013-walk-m3.txt"):
        write(tmp_path / "d", name, "1 2\n3 4\n")
    cfg = config(tmp_path / "d", 'format = "table"\nlayout = "file_name"\n'
                 'class_pattern = "-([a-z]+)-[fm][0-9]+\\\\.txt$"\ncolumns = ["x", "y"]',
                 classes=("sit", "walk"), length=2)
    assert [r.name for r in load_dataset(tmp_path / "d", cfg)] == [
        "walk/Acc-2011-walk-f1.txt", "sit/Acc-2012-sit-m2.txt", "walk/Acc-2013-walk-m3.txt"]
    write(tmp_path / "d", "notes.txt", "1 2\n3 4\n")
    with pytest.raises(InputError) as e:
        load_dataset(tmp_path / "d", cfg)
    assert e.value.file.endswith("notes.txt") and e.value.field == "data.class_pattern"


def test_uneven_timestamps_are_resampled_linearly_and_the_rate_measured(tmp_path):
    # 10 Hz declared; samples at 0, 80, 230, 300 ms: the grid is 0, 100, 200, 300 ms
    body = "t,v\n1000,0\n1080,8\n1230,23\n1300,30\n"
    d = two_classes(tmp_path, body, body)
    cfg = config(d, 'format = "table"\ncolumns = ["v"]\ntimestamp = "t"\nrate_hz = 10.0', length=2)
    items, _ = scan_dataset(d, cfg)
    rec, piece = items[0]
    assert rec.samples[:, 0].tolist() == [0, 10, 20, 30]  # v = t/10 exactly: linear is exact
    assert piece.measured_rate_hz == pytest.approx(3 / 0.3)
    seconds = config(d, 'format = "table"\ncolumns = ["v"]\ntimestamp = "1"\n'
                     'timestamp_unit = "s"\nheader = "yes"\nrate_hz = 0.005', length=2)
    assert load_dataset(d, seconds)[0].samples[:, 0].tolist() == [0, 20]  # 200 s apart


def test_a_gap_longer_than_max_gap_periods_cuts_the_recording(tmp_path):
    body = "t,v\n0,1\n100,1\n200,1\n300,1\n1000,2\n1100,2\n1200,2\n1300,2\n"
    d = two_classes(tmp_path, body, body)
    cfg = config(d, 'format = "table"\ncolumns = ["v"]\ntimestamp = "t"\nrate_hz = 10.0\n'
                 "max_gap = 3.0", length=2)
    items, _ = scan_dataset(d, cfg)
    assert [(r.part, r.samples[:, 0].tolist(), p.gaps) for r, p in items[:2]] == [
        (" #1", [1, 1, 1, 1], 1), (" #2", [2, 2, 2, 2], 0)]


def test_resample_none_refuses_a_rate_off_the_declared_one(tmp_path):
    body = "t,v\n0,1\n80,1\n160,1\n240,1\n"
    d = two_classes(tmp_path, body, body)
    cfg = config(d, 'format = "table"\ncolumns = ["v"]\ntimestamp = "t"\nrate_hz = 10.0\n'
                 'resample = "none"', length=2)
    with pytest.raises(InputError) as e:
        load_dataset(d, cfg)
    assert "12.5 Hz" in e.value.message and e.value.line == 2


def ei(values, interval=10, units="m/s2"):
    return json.dumps({"protected": {"ver": "v1"}, "signature": "0", "payload": {
        "interval_ms": interval, "sensors": [{"name": "accX", "units": units},
                                             {"name": "accY", "units": units}],
        "values": values}}, indent=1)


def test_edge_impulse_json_takes_units_and_rate_from_the_file(tmp_path):
    vals = [[9.80665, 0.0], [0.0, -9.80665], [1.0, 2.0], [3.0, 4.0]]
    d = two_classes(tmp_path, ei(vals), ei(vals), name="x.json")
    cfg = config(d, 'format = "edge_impulse"\ncolumns = ["accY", "accX"]\nrate_hz = 100.0',
                 length=2)
    items, _ = scan_dataset(d, cfg)
    assert items[0][0].samples.tolist() == [[0, 1000], [-1000, 0], [204, 102], [408, 306]]
    assert items[0][1].measured_rate_hz == 100.0
    slow = config(d, 'format = "edge_impulse"\ncolumns = ["accX", "accY"]\nrate_hz = 50.0',
                  length=2)
    assert load_dataset(d, slow)[0].samples[:, 0].tolist() == [1000, 102]  # 0 and 20 ms


@pytest.mark.parametrize("text,line,field,words", [
    ('{"payload": {"interval_ms": 10,\n "sensors": [}', 2, None, "not valid JSON"),
    (ei([[1, 2], [3, "x"]]), 25, "payload.values[1][1] (accY)", "column 5"),
    (ei([[1, 2], [3]]), 23, "payload.values[1]", "1 values for 2 sensors (column 4)"),
    (ei([[1, 2]], interval=0), 7, "payload.interval_ms", "above 0"),
    (ei([[1, 2]], units="furlongs"), None, "payload.sensors", "set data.channel_units"),
])
def test_bad_edge_impulse_files_name_the_line_or_the_json_field(tmp_path, text, line, field,
                                                                  words):
    d = two_classes(tmp_path, text, text, name="x.json")
    with pytest.raises(InputError) as e:
        load_dataset(d, config(d, 'format = "edge_impulse"\ncolumns = ["accX", "accY"]',
                               length=1, hop=1))
    assert e.value.file.endswith("x.json") and words in e.value.message
    assert (e.value.line, e.value.field) == (line, field) or (line is None and
                                                            e.value.field == field)


# -- the committed example shapes --------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_tinyfw_data_summarises_each_example_shape(shape, tmp_path):
    out = tmp_path / "summary.json"
    r = run_inproc(["--project", str(EXAMPLES / shape), "data", "--json", str(out)])
    assert r.status == 0, r.err
    s = json.loads(out.read_text())
    assert [c["recordings"] >= 4 for c in s["classes"]] == [True] * len(s["classes"])
    for c in s["classes"]:
        assert c["clipped"] == 0 and c["gaps"] == 0
        assert all(lo < hi for lo, hi in zip(c["minimum"], c["maximum"]))
    assert "warning: the same recording" not in r.out


def test_tinyfw_data_warns_about_duplicates_case_and_too_few_recordings(tmp_path):
    d = tmp_path / "d"
    write(d / "Walk", "r.csv", ROWS)
    write(d / "walk", "r.csv", ROWS)
    write(d / "walk", "s.csv", ROWS.replace("1,", "2,"))
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "tinyfw.toml").write_text(
        f'[data]\ndir = {toml_string(str(d))}\nformat = "table"\nclasses = ["Walk", "walk"]\n'
        "[window]\nlength = 4\nhop = 2\n")
    r = run_inproc(["--project", str(proj), "data"])
    assert r.status == 0, r.err
    assert "the same recording content is in two classes: Walk/r.csv and walk/r.csv" in r.out
    assert "class names differ only in case: 'Walk' and 'walk'" in r.out
    assert "class 'Walk' has 1 recording: too few for the split" in r.out


# Bad variants of each shape: (shape, file relative to data/, edit, line, column words).
def _replace_line(n: int, new: str):
    def edit(text: str) -> str:
        lines = text.split("\n")
        lines[n - 1] = new
        return "\n".join(lines)
    return edit


BAD = [
    ("arduino-imu", "sway.csv", _replace_line(5, "0.1,0.2,abc,1,2,3"), 5, "column 3 (aZ)"),
    ("arduino-imu", "rest.csv", _replace_line(7, "0.1,0.2,0.3,1,2"), 7, None),
    ("phone-web", "sway/sway_02.csv", _replace_line(9, "1732880000100.0,1,nan,0,0,0,0,0"), 9,
     "column 3 (x)"),
    ("phone-web", "still/still_01.csv", _replace_line(4, "1732880000000.0,0,1,2,3,4,5,6"), 4,
     "data.timestamp (t)"),
    ("research-txt", "Accelerometer-2011-03-11-10-18-41-sit-m2.txt",
     _replace_line(12, "31 x2 30"), 12, "column 2"),
    ("participant-csv", "2.csv", _replace_line(40, "99781,2048,,2050,1"), 40, "column 3"),
    ("participant-csv", "3.csv", _replace_line(41, "99822,2048,2050,1"), 41, None),
]


@pytest.mark.parametrize("shape,file,edit,line,column", BAD)
def test_a_bad_variant_of_each_shape_gives_one_line_with_file_line_and_column(
        tmp_path, shape, file, edit, line, column):
    proj = tmp_path / shape
    shutil.copytree(EXAMPLES / shape, proj)
    path = proj / "data" / file
    path.write_text(edit(path.read_text()))
    r = run_inproc(["--project", str(proj), "data"])
    assert_one_line_error(r, file=path, line=line, field=column)


def test_a_bad_edge_impulse_sample_names_the_value(tmp_path):
    proj = tmp_path / "ei"
    shutil.copytree(EXAMPLES / "edge-impulse", proj)
    path = sorted((proj / "data").glob("sway.*.json"))[1]
    doc = json.loads(path.read_text())
    doc["payload"]["values"][17][2] = "1,5"
    path.write_text(json.dumps(doc))
    r = run_inproc(["--project", str(proj), "data"])
    assert_one_line_error(r, file=path, line=1, field="payload.values[17][2] (accZ)",
                          words="is not a number")
    path.write_text(json.dumps(doc, indent=2)[:-40])
    r = run_inproc(["--project", str(proj), "data"])
    msg = assert_one_line_error(r, file=path, words="not valid JSON")
    assert f"{path}:" in msg


# -- tinyfw init --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_init_infers_layout_columns_and_rate_and_writes_a_valid_commented_file(shape, tmp_path):
    out = tmp_path / "tinyfw.toml"
    r = run_inproc(["init", "--data", str(EXAMPLES / shape / "data"), "--out", str(out)])
    assert r.status == 0, r.err
    text = out.read_text()
    mine = parse_config(text, out)
    committed = parse_config((EXAMPLES / shape / "tinyfw.toml").read_text())
    assert mine.data.format == committed.data.format
    assert mine.data.layout == committed.data.layout
    assert sorted(committed.data.classes) == sorted(
        c for c in mine.data.classes if c != "0")  # participant: label 0 is to remove
    assert "CONFIRM" in text or shape == "edge-impulse"
    assert (out.parent / mine.data.dir).resolve() == (EXAMPLES / shape / "data").resolve()
    if shape in ("arduino-imu", "edge-impulse"):
        assert mine.data.rate_hz == committed.data.rate_hz
    if shape == "phone-web":
        assert mine.data.timestamp == "t" and abs(mine.data.rate_hz - 60) <= 2
        assert mine.data.channel_units[:3] == ("m/s2",) * 3
    if shape == "arduino-imu":
        assert mine.data.split_file == "blank_lines"
        assert mine.data.channel_units == ("g", "g", "g", "dps", "dps", "dps")
    # what it wrote reads the data (the participant file after removing the label 0)
    if shape == "participant-csv":
        text = text.replace('classes = ["0", "1", "3", "4"]', 'classes = ["1", "3", "4"]')
        out.write_text(text)
    r = run_inproc(["--project", str(out), "data"])
    assert r.status == 0, r.err


def test_init_refuses_to_overwrite_an_existing_project_file(tmp_path):
    out = tmp_path / "tinyfw.toml"
    out.write_text("# mine\n")
    r = run_inproc(["init", "--data", str(EXAMPLES / "phone-web" / "data"), "--out", str(out)])
    assert_one_line_error(r, file=out, words="never overwrites")
    assert out.read_text() == "# mine\n"


# -- fuzz: only InputError, naming the file ------------------------------------------------------

FUZZ_SEEDS = {
    "arduino-imu": "rest.csv",
    "phone-web": "still/still_01.csv",
    "participant-csv": "1.csv",
    "edge-impulse": "idle.00a7f0.json",
}
edits = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(
    [b"", b"\n", b"\r", b",", b" ", b"\t", b"-", b"e", b"1e309", b"nan", b"\xff", b'"', b"[",
     b"]", b"{", b"0", b"..", b"\n\n"])), min_size=1, max_size=6)


@pytest.mark.parametrize("shape", sorted(FUZZ_SEEDS))
def test_mutated_files_of_each_shape_give_only_one_line_input_errors(shape, tmp_path):
    cfg = parse_config((EXAMPLES / shape / "tinyfw.toml").read_text())
    seed = (EXAMPLES / shape / "data" / FUZZ_SEEDS[shape]).read_bytes()[:6000]
    path = tmp_path / Path(FUZZ_SEEDS[shape]).name
    cls = cfg.data.classes[0] if cfg.data.layout != "label_column" else None

    @settings(max_examples=60, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(edits)
    def run(ops):
        b = bytearray(seed)
        for pos, ins in ops:
            p = pos % (len(b) + 1)
            b[p:p + 1] = ins
        path.write_bytes(bytes(b))
        try:
            pieces_of_file(path, cls, cfg, ReadNotes())
        except InputError as e:
            assert e.file == str(path) and "\n" not in str(e) and e.message

    run()


def test_tinyfw_data_reports_a_gap_in_a_phone_recording_and_its_two_pieces(tmp_path):
    proj = tmp_path / "phone"
    shutil.copytree(EXAMPLES / "phone-web", proj)
    path = proj / "data" / "sway" / "sway_02.csv"
    lines = path.read_text().splitlines()
    for i in range(34, len(lines)):  # a 400 ms hole after line 34
        t, rest = lines[i].split(",", 1)
        lines[i] = f"{float(t) + 400:.1f},{rest}"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "s.json"
    r = run_inproc(["--project", str(proj), "data", "--json", str(out)])
    assert r.status == 0, r.err
    sway = next(c for c in json.loads(out.read_text())["classes"] if c["name"] == "sway")
    assert (sway["recordings"], sway["gaps"]) == (5, 1)
    assert "gaps 1" in r.out
