"""Firmware tests you write yourself: the project's firmware, built for a simulated board,
replays a recorded trace in QEMU, and the test checks what it detected.

    pytest examples/pytest                               # the board of tinyfw.toml
    pytest examples/pytest --tinyfw-board mps2_an500 -n 2
    pytest -p tinyfw.pytest examples/pytest              # where the plugin is not installed

traces/stationary_walking_running_26Hz_4g_mg.csv: 390 samples (15 s at 26 Hz) each of
data/st-har stationary_02, walking_08 and running_01, one after the other.
"""

from tinyfw.pytest import assert_activities, assert_no_fault

TRACE = "traces/stationary_walking_running_26Hz_4g_mg.csv"  # beside this file
SAMPLES, RATE_HZ, WINDOW, HOP = 3 * 390, 26, 52, 13  # the trace, and tinyfw.toml


def test_should_detect_stationary_then_walking_then_running(firmware):
    result = firmware.replay(TRACE)
    assert_activities(result, ["stationary", "walking", "running"])


def test_should_report_walking_within_three_seconds_of_the_first_step(firmware):
    result = firmware.replay(TRACE)
    walking = next(e for e in result.events if e.activity == "walking")
    first_step_s = 390 / RATE_HZ
    assert first_step_s <= walking.time_s <= first_step_s + 3


def test_should_give_the_host_models_output_on_every_window(firmware):
    result = firmware.replay(TRACE, compare=True)  # also runs the TFLite Micro oracle
    assert_no_fault(result)
    assert len(result.windows) == (SAMPLES - WINDOW) // HOP + 1
    assert result.host_mismatch is None


def test_should_fit_the_time_and_stack_budget(firmware):
    result = firmware.replay(TRACE)
    assert_no_fault(result)
    assert result.instructions < 200_000  # per inference: our budget for one window
    assert result.stack_bytes < 2048
