"""Sliding windows over a recording: exactly the windows the firmware classifies.

The firmware fills a window of `length` frames, classifies it, then classifies again every
`hop` new frames. Window `i` therefore covers frames `[i * hop, i * hop + length)`; a trailing
partial window is never classified.
"""

from __future__ import annotations

import numpy as np


def window_starts(n_samples: int, length: int, hop: int) -> np.ndarray:
    """Start frame of every complete window (int64, possibly empty)."""
    if length < 1 or hop < 1:
        raise ValueError(f"window length ({length}) and hop ({hop}) must be positive")
    if n_samples < length:
        return np.zeros(0, dtype=np.int64)
    return np.arange(0, n_samples - length + 1, hop, dtype=np.int64)


def make_windows(samples: np.ndarray, length: int, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of one recording: (windows (k, length, C) same dtype as samples, starts (k,))."""
    samples = np.asarray(samples)
    if samples.ndim != 2:
        raise ValueError(f"samples must be (n, channels), got shape {samples.shape}")
    starts = window_starts(len(samples), length, hop)
    index = starts[:, None] + np.arange(length)[None, :]
    return samples[index], starts
