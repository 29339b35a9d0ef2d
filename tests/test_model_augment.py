"""Augmentation: rotations are rotations, warps replay the same trace faster or slower."""

from __future__ import annotations

import numpy as np

from tinyfw.model.augment import augment_windows, random_rotations, random_speed, time_warp


def test_random_rotations_are_proper_rotations_and_seeded():
    r = random_rotations(500, np.random.default_rng(1))
    np.testing.assert_allclose(r @ r.transpose(0, 2, 1), np.broadcast_to(np.eye(3), r.shape),
                               atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-12)
    np.testing.assert_array_equal(r, random_rotations(500, np.random.default_rng(1)))


def test_random_rotations_cover_all_directions():
    r = random_rotations(20000, np.random.default_rng(2))
    z = r @ np.array([0.0, 0.0, 1.0])  # where the sensor's z axis ends up: uniform on the sphere
    np.testing.assert_allclose(z.mean(0), 0.0, atol=0.02)
    np.testing.assert_allclose((z**2).mean(0), 1 / 3, atol=0.02)


def test_rotated_windows_keep_each_frames_magnitude_and_gain_scales_it():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 52, 3)).astype(np.float32)
    rotated = augment_windows(x, np.random.default_rng(4), rotation=True)
    np.testing.assert_allclose(np.linalg.norm(rotated, axis=-1), np.linalg.norm(x, axis=-1),
                               rtol=1e-5)
    scaled = augment_windows(x, np.random.default_rng(4), rotation=False, gain=0.1)
    ratio = np.linalg.norm(scaled, axis=-1) / np.linalg.norm(x, axis=-1)
    assert np.ptp(ratio, axis=1).max() < 1e-5  # one gain per window
    assert ((ratio >= 0.9 - 1e-6) & (ratio <= 1.1 + 1e-6)).all()


def test_time_warp_replays_the_recording_at_the_given_speed():
    t = np.arange(1000)
    samples = np.stack([np.round(1000 * np.sin(2 * np.pi * t / 26)), t, -t], 1).astype(np.int16)
    assert time_warp(samples, 1.0) is samples
    fast = time_warp(samples, 2.0)
    assert fast.dtype == np.int16 and len(fast) == 500
    np.testing.assert_array_equal(fast, samples[::2])
    slow = time_warp(samples, 0.5)
    assert len(slow) == 1998 and slow[1, 1] in (0, 1) and slow[2, 1] == 1


def test_random_speeds_stay_in_range_and_can_be_turned_off():
    rng = np.random.default_rng(5)
    s = np.array([random_speed(rng, 1.3) for _ in range(2000)])
    assert s.min() >= 1 / 1.3 and s.max() <= 1.3
    assert abs(np.log(s).mean()) < 0.02
    assert random_speed(rng, 1.0) == 1.0
