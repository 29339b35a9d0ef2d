"""Synthetic IMU projects (seeded) for the tests of what `tinyfw train` chooses.

- `orientation`: a phone lying face up, standing upright or on its side, shaken by the same
  hand tremor in every class. Only the direction of gravity tells the classes apart, so
  rotation augmentation and per-window centring (the old defaults) erase the class.
- `one_window`: fixed-length gesture recordings (as Arduino's IMU capture sketch writes them)
  exactly one window long: a sharp `punch` or a slow `lift`, in a random direction. The old
  time-warp dropped every recording it replayed faster (no complete window left).

`python tests/synthetic_imu.py KIND DIR` writes a project (tinyfw.toml + data/) to DIR.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

RATE_HZ = 50.0

TOML = """[data]
dir = "data"
rate_hz = {rate}
units = "mg"
unit_scale = 0.001
columns = ["x", "y", "z"]
range = [-4000, 4000]
classes = [{classes}]

[window]
length = {length}
hop = {hop}

[model]
filters = [8, 8]
kernel_sizes = [5, 3]
dense = 8
epochs = {epochs}
seed = 3
{model_extra}
[split]
validation = 0.2
test = 0.25
seed = 5

[post]
method = "argmax"

[board]
id = "mps2_an386"
"""


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def _tilted(axis: np.ndarray, rng: np.random.Generator, degrees: float) -> np.ndarray:
    """`axis` tilted by up to `degrees` in a random direction."""
    v = axis + np.tan(np.radians(degrees)) * rng.uniform(0, 1) * _unit(rng)
    return v / np.linalg.norm(v)


def orientation_recording(label: int, rng: np.random.Generator, n: int) -> np.ndarray:
    """Gravity (1000 mg) along x, y or z (class), tilted up to 20 degrees, plus tremor."""
    t = np.arange(n) / RATE_HZ
    g = 1000.0 * _tilted(np.eye(3)[label], rng, 20.0)
    x = np.tile(g, (n, 1))
    for _ in range(3):  # tremor: the same kind of motion in every class
        f, a, ph = rng.uniform(1.0, 4.0), rng.uniform(40, 160), rng.uniform(0, 2 * np.pi)
        x += a * np.sin(2 * np.pi * f * t + ph)[:, None] * _unit(rng)[None, :]
    x += rng.normal(0, 25, size=(n, 3))
    return x


def gesture_recording(label: int, rng: np.random.Generator, n: int) -> np.ndarray:
    """A punch (one sharp pulse) or a lift (one slow bump) in a random direction, over gravity
    in a random orientation."""
    t = np.arange(n)
    center = rng.uniform(0.4, 0.6) * n
    width = (0.04 if label == 0 else 0.25) * n * rng.uniform(0.8, 1.25)
    amp = rng.uniform(600, 1200)
    pulse = amp * np.exp(-0.5 * ((t - center) / width) ** 2)
    x = pulse[:, None] * _unit(rng)[None, :] + 1000.0 * _unit(rng)[None, :]
    x += rng.normal(0, 40, size=(n, 3))
    return x


KINDS = {
    # kind: (classes, recordings per class, samples per recording, window, hop, epochs, maker)
    "orientation": (("face_up", "upright", "on_side"), 8, 300, 50, 25, 40, orientation_recording),
    "one_window": (("punch", "lift"), 40, 40, 40, 40, 150, gesture_recording),
}


def write_project(kind: str, root: Path, *, seed: int = 0, model_extra: str = "",
                  epochs: int | None = None) -> Path:
    """Write `root/tinyfw.toml` and `root/data/<class>/*.csv`; returns root."""
    classes, per_class, n, length, hop, default_epochs, make = KINDS[kind]
    rng = np.random.default_rng(seed)
    root = Path(root)
    for label, name in enumerate(classes):
        d = root / "data" / name
        d.mkdir(parents=True, exist_ok=True)
        for k in range(per_class):
            x = np.clip(np.rint(make(label, rng, n)), -4000, 4000).astype(np.int64)
            (d / f"{name}_{k:02d}.csv").write_text(
                "".join(f"{a},{b},{c}\n" for a, b, c in x.tolist())
            )
    (root / "tinyfw.toml").write_text(TOML.format(
        rate=RATE_HZ, classes=", ".join(f'"{c}"' for c in classes), length=length, hop=hop,
        epochs=epochs or default_epochs, model_extra=model_extra))
    return root


if __name__ == "__main__":
    write_project(sys.argv[1], Path(sys.argv[2]))
