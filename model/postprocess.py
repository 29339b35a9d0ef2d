"""Post-processing of the int8 output vector of each window -> the reported activity.

Mirrored bit for bit by `firmware/app/postprocess.c` (`tfw_post_update`). Per window:

- `argmax` of the int8 outputs: the first index of the largest value (ties -> lowest index,
  like np.argmax and TFLM examples).
- method `argmax`: activity = argmax.
- method `vote`: a majority vote over the argmax of the last `vote` windows (fewer at the start
  of a trace: the windows seen so far). The class with strictly the most votes wins; if several
  classes share the most votes the activity stays as it was. The first window has one vote, so
  the activity is defined from the first window on.
- method `threshold`: activity = argmax when its output reaches `threshold_q`, else the activity
  stays as it was (-1 until a first window reaches it). `threshold_q` is the smallest int8 value
  whose real value `(q - zero_point) * scale` is >= `post.threshold`, computed exactly at
  generation time (128 = never reached); the firmware compares integers only.

Activity -1 means undefined (only `threshold` can leave it undefined).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from tinyfw.config import PostConfig

METHODS = ("argmax", "vote", "threshold")  # C: TFW_POST_ARGMAX = 0, _VOTE = 1, _THRESHOLD = 2


def threshold_to_q(threshold: float, scale: float, zero_point: int) -> int:
    """Smallest q with (q - zero_point) * scale >= threshold, clamped to [-128, 128]."""
    q = math.ceil(Fraction(threshold) / Fraction(scale) + zero_point)
    return max(-128, min(128, q))


@dataclass(frozen=True)
class PostParams:
    method: str
    n_classes: int
    vote: int
    threshold_q: int

    @property
    def method_code(self) -> int:
        return METHODS.index(self.method)

    @classmethod
    def from_config(
        cls, post: PostConfig, n_classes: int, output_scale: float, output_zero_point: int
    ) -> PostParams:
        """Integer parameters from `[post]` and the output tensor's quantization."""
        if post.method not in METHODS:
            raise ValueError(f"unknown post-processing method {post.method!r}")
        q = threshold_to_q(post.threshold, output_scale, output_zero_point)
        return cls(post.method, int(n_classes), int(post.vote), q)


def argmax_s8(outputs: np.ndarray) -> int:
    """Index of the largest output; ties -> lowest index."""
    return int(np.argmax(np.asarray(outputs)))


@dataclass
class PostProcessor:
    """The stateful post-processing of one trace (create a new one per trace)."""

    params: PostParams
    activity: int = -1
    _votes: deque[int] = field(default_factory=deque, repr=False)

    def update(self, outputs: np.ndarray) -> tuple[int, int]:
        """Feed one window's int8 outputs; returns (argmax, activity)."""
        p = self.params
        cls = argmax_s8(outputs)
        if p.method == "argmax":
            self.activity = cls
        elif p.method == "vote":
            self._votes.append(cls)
            if len(self._votes) > p.vote:
                self._votes.popleft()
            counts = np.bincount(np.asarray(self._votes), minlength=p.n_classes)
            top = np.flatnonzero(counts == counts.max())
            if len(top) == 1:
                self.activity = int(top[0])
        elif int(np.asarray(outputs)[cls]) >= p.threshold_q:
            self.activity = cls
        return cls, self.activity


def postprocess_sequence(params: PostParams, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run a fresh PostProcessor over (N, n_classes) outputs: (argmax (N,), activity (N,))."""
    post = PostProcessor(params)
    steps = [post.update(o) for o in np.asarray(outputs)]
    if not steps:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cls, act = zip(*steps, strict=True)
    return np.asarray(cls, np.int64), np.asarray(act, np.int64)
