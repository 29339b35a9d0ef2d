"""What `tinyfw report` measures for its timeline: the activity the firmware reported in QEMU
for every window of a recorded trace, the same as the host pipeline (TFLM oracle) decides."""

from __future__ import annotations

import pytest

from tinyfw.model.evaluate import host_pipeline
from tinyfw.report import trace_timeline
from tinyfw.sim.simulate import select_recordings

pytestmark = [pytest.mark.qemu, pytest.mark.toolchain]


def test_the_timeline_holds_the_trace_and_the_firmwares_activity_for_each_window(
        cfg, project_model, project_firmware):
    _, _, build = project_firmware
    rec = select_recordings(cfg, cfg.data_dir(), "test")[1]
    t = trace_timeline(cfg, "mps2_an386", build.elf, rec.name, "test")
    assert t["recording"] == rec.name
    assert t["samples"] == rec.samples.tolist()
    host = host_pipeline(rec, project_model.read_bytes(), cfg)
    assert [w["index"] for w in t["windows"]] == [h.index for h in host]
    assert [w["act"] for w in t["windows"]] == [h.activity for h in host]
    assert [w["cls"] for w in t["windows"]] == [h.argmax for h in host]


def test_the_timeline_refuses_a_recording_that_is_not_in_the_split(cfg, project_firmware):
    from tinyfw.errors import InputError

    _, _, build = project_firmware
    with pytest.raises(InputError, match="no recording named 'nope.csv' in the test split"):
        trace_timeline(cfg, "mps2_an386", build.elf, "nope.csv", "test")
