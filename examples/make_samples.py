"""Write the small synthetic datasets of examples/<shape>/data (seeded: same bytes every run).

Each sample imitates one shape of IMU data as it is published (see examples/README.md); the
motion itself is synthetic: per class a distinct movement (still, a slow sway, a fast shake)
with per-recording random phase, frequency, amplitude, orientation and sensor noise.
Run `python examples/make_samples.py` from the repository root to rewrite them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
G = 9.80665


def motion(kind: int, t: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Accelerometer (g) and gyroscope (deg/s), shape (n, 3) each, at times t (s)."""
    n = len(t)
    tilt = rng.normal(0, 0.15, 2)
    grav = np.array([math.sin(tilt[0]), math.sin(tilt[1]), math.cos(tilt[0]) * math.cos(tilt[1])])
    acc = np.tile(grav, (n, 1)) + rng.normal(0, 0.015, (n, 3))
    gyr = rng.normal(0, 1.5, (n, 3))
    ph = rng.uniform(0, 2 * math.pi)
    amp = rng.uniform(0.8, 1.2)
    if kind == 1:  # a slow sway, ~1.6 Hz, mostly x and z
        f = 1.6 * rng.uniform(0.9, 1.1)
        acc[:, 0] += 0.45 * amp * np.sin(2 * math.pi * f * t + ph)
        acc[:, 2] += 0.25 * amp * np.sin(4 * math.pi * f * t + ph)
        gyr[:, 1] += 80 * amp * np.cos(2 * math.pi * f * t + ph)
    elif kind == 2:  # a fast shake, ~5 Hz, mostly y
        f = 5.0 * rng.uniform(0.9, 1.1)
        acc[:, 1] += 0.9 * amp * np.sin(2 * math.pi * f * t + ph)
        acc[:, 0] += 0.2 * amp * np.sin(2 * math.pi * f * t + ph + 1.0)
        gyr[:, 0] += 250 * amp * np.sin(2 * math.pi * f * t + ph + 0.5)
    return acc, gyr


def arduino_imu(rng: np.random.Generator) -> None:
    """Arduino IMU_Capture: one file per gesture, header once, 119-sample recordings separated
    by blank lines, g and deg/s with 3 decimals, 119 Hz."""
    out = HERE / "arduino-imu" / "data"
    out.mkdir(parents=True, exist_ok=True)
    for kind, name in enumerate(["rest", "sway", "shake"]):
        lines = ["aX,aY,aZ,gX,gY,gZ"]
        for _ in range(8):
            t = np.arange(119) / 119.0
            acc, gyr = motion(kind, t, rng)
            acc, gyr = np.clip(acc, -4, 4), np.clip(gyr, -2000, 2000)
            for a, g in zip(acc, gyr):
                lines.append(",".join(f"{v:.3f}" for v in (*a, *g)))
            lines.append("")
        (out / f"{name}.csv").write_text("\n".join(lines) + "\n", newline="\r\n")


def phone_web(rng: np.random.Generator) -> None:
    """Phone / web capture: a folder per class, header t,tRel,x,y,z,alpha,beta,gamma, epoch-ms
    timestamps ~60 Hz with uneven spacing, 17-digit floats, m/s2 and deg/s."""
    base = HERE / "phone-web" / "data"
    t0 = 1732880000000.0
    for kind, name in enumerate(["still", "sway", "shake"]):
        folder = base / name
        folder.mkdir(parents=True, exist_ok=True)
        for r in range(4):
            dt = rng.uniform(12.0, 21.5, 66)  # ms, mean ~16.7 (60 Hz), uneven
            rel = np.r_[0.0, np.cumsum(dt)[:-1]]
            acc, gyr = motion(kind, rel / 1000.0, rng)
            lines = ["t,tRel,x,y,z,alpha,beta,gamma"]
            start = t0 + 60000 * (kind * 10 + r)
            for k in range(len(rel)):
                row = [f"{start + rel[k]:.1f}", f"{rel[k]:.17g}"]
                row += [f"{v * G:.17g}" for v in acc[k]] + [f"{v:.17g}" for v in gyr[k]]
                lines.append(",".join(row))
            (folder / f"{name}_{r + 1:02d}.csv").write_text("\n".join(lines) + "\n")


def research_txt(rng: np.random.Generator) -> None:
    """Research dump (wrist accelerometer): whitespace-separated unsigned 6-bit codes 0..63
    (-1.5 g .. +1.5 g), 32 Hz, no header, the class in the middle of the file name."""
    out = HERE / "research-txt" / "data"
    out.mkdir(parents=True, exist_ok=True)
    for kind, name in enumerate(["sit", "walk", "brush_teeth"]):
        for r in range(5):
            t = np.arange(int(32 * rng.uniform(7, 9))) / 32.0
            acc, _ = motion(kind, t, rng)
            codes = np.clip(np.floor((acc + 1.5) / 3.0 * 63 + 0.5), 0, 63).astype(int)
            stamp = f"2011-03-{10 + r:02d}-1{kind}-{17 + r:02d}-4{r}"
            who = "fm"[r % 2] + str(r + 1)
            text = "\n".join(" ".join(str(c) for c in row) for row in codes) + "\n"
            (out / f"Accelerometer-{stamp}-{name}-{who}.txt").write_text(text)


def participant_csv(rng: np.random.Generator) -> None:
    """One file per participant: seq,x,y,z,label without a header (as published), 12-bit
    uncalibrated counts around 2048 (about 512 counts per g), 52 Hz, several labels per file
    (0: not labelled), a sequence number that reaches 1e+05 (written so by R)."""
    out = HERE / "participant-csv" / "data"
    out.mkdir(parents=True, exist_ok=True)
    for p in range(3):
        seq = 99700 + p * 40
        rows = []
        plan = [0, 1, 3, 4, 1, 4, 3] if p % 2 == 0 else [0, 4, 1, 3, 3, 1, 4]
        for label in plan:
            kind = {0: 0, 1: 0, 3: 1, 4: 2}[label]
            t = np.arange(int(52 * rng.uniform(4, 5))) / 52.0
            acc, _ = motion(kind, t, rng)
            counts = np.clip(np.floor(acc * 512 + 2048 + 0.5), 0, 4095).astype(int)
            for c in counts:
                seq += 1
                s = "1e+05" if seq == 100000 else str(seq)
                rows.append(f"{s},{c[0]},{c[1]},{c[2]},{label}")
        (out / f"{p + 1}.csv").write_text("\n".join(rows) + "\n")


def edge_impulse(rng: np.random.Generator) -> None:
    """Edge Impulse data-acquisition JSON (unsigned: signature of zeros), one per sample,
    `<label>.<id>.json`, accelerometer in m/s2, interval 16 ms (62.5 Hz)."""
    out = HERE / "edge-impulse" / "data"
    out.mkdir(parents=True, exist_ok=True)
    for kind, name in enumerate(["idle", "sway", "shake"]):
        for r in range(6):
            t = np.arange(125) * 0.016
            acc, _ = motion(kind, t, rng)
            doc = {
                "protected": {"ver": "v1", "alg": "none", "iat": 1732880000 + 100 * r},
                "signature": "0" * 64,
                "payload": {
                    "device_name": "ac:87:a3:0a:2d:1b",
                    "device_type": "DISCO-L475VG-IOT01A",
                    "interval_ms": 16,
                    "sensors": [{"name": "accX", "units": "m/s2"},
                                {"name": "accY", "units": "m/s2"},
                                {"name": "accZ", "units": "m/s2"}],
                    "values": [[round(v * G, 2) for v in row] for row in acc],
                },
            }
            (out / f"{name}.{kind}{r}a7f{r}.json").write_text(json.dumps(doc) + "\n")


def main() -> None:
    rng = np.random.default_rng(2026)
    arduino_imu(rng)
    phone_web(rng)
    research_txt(rng)
    participant_csv(rng)
    edge_impulse(rng)


if __name__ == "__main__":
    main()
