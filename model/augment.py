"""Training-time augmentation for sensor placement (wrist, hand, arm, pocket).

A sensor worn differently sees the same motion in a rotated frame: each training window is
rotated by a uniformly random 3-D rotation (Shoemake's quaternion method), then scaled by a
random gain (sensor sensitivity, body size). People also walk and run at different cadences:
`time_warp` replays a whole recording faster or slower (linear interpolation, rounded back to
integer counts) before it is cut into windows (`time_warp_windows`: never so fast that a
recording long enough for a window yields none). Seeded by the caller's generator; applied to
training data only.
"""

from __future__ import annotations

import numpy as np


def random_rotations(n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` rotation matrices (n, 3, 3), uniform over SO(3)."""
    u1, u2, u3 = rng.random((3, n))
    a, b = np.sqrt(1.0 - u1), np.sqrt(u1)
    w, x = a * np.sin(2 * np.pi * u2), a * np.cos(2 * np.pi * u2)
    y, z = b * np.sin(2 * np.pi * u3), b * np.cos(2 * np.pi * u3)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=1,
    )


def random_speed(rng: np.random.Generator, max_factor: float) -> float:
    """A replay speed in [1 / max_factor, max_factor], log-uniform (1.0 if max_factor <= 1)."""
    if max_factor <= 1.0:
        return 1.0
    return float(np.exp(rng.uniform(-np.log(max_factor), np.log(max_factor))))


def time_warp(samples: np.ndarray, speed: float) -> np.ndarray:
    """A recording (n, C) replayed at `speed` (> 1: faster, fewer samples), same dtype."""
    samples = np.asarray(samples)
    if speed == 1.0:
        return samples
    n = len(samples)
    t = np.arange(0.0, n - 1, speed)
    old = np.arange(n)
    warped = np.stack([np.interp(t, old, samples[:, c]) for c in range(samples.shape[1])], 1)
    return np.rint(warped).astype(samples.dtype)


def time_warp_windows(samples: np.ndarray, speed: float, length: int) -> np.ndarray:
    """`time_warp` for cutting windows of `length` frames: when the faster replay would be too
    short for one window but the recording is not (a recording exactly one window long kept
    none), the recording is replayed at 1 / speed (slower) instead."""
    warped = time_warp(samples, speed)
    if len(warped) < length <= len(samples):
        warped = time_warp(samples, 1.0 / speed)
    return warped


def augment_windows(
    windows: np.ndarray,
    rng: np.random.Generator,
    *,
    rotation: bool,
    gain: float = 0.0,
) -> np.ndarray:
    """Augmented copy of float windows (N, length, 3 if rotation): rotated, gain in 1 +- gain."""
    x = np.asarray(windows, dtype=np.float32)
    if rotation:
        if x.shape[-1] != 3:
            raise ValueError(f"rotation needs 3 channels (x, y, z), got {x.shape[-1]}")
        r = random_rotations(len(x), rng).astype(np.float32)
        x = np.einsum("nij,ntj->nti", r, x)
    if gain > 0:
        g = rng.uniform(1.0 - gain, 1.0 + gain, size=(len(x), 1, 1)).astype(np.float32)
        x = x * g
    return x.astype(np.float32)
