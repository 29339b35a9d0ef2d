"""Training choices `tinyfw train` makes itself: rotation augmentation, time-warp augmentation and
per-window centring, each `auto` unless tinyfw.toml sets it to true or false.

Each helps some datasets and hurts others: rotation augmentation erases the information a
fixed sensor orientation carries (a phone held upright or flat), centring erases gravity and
posture, and time-warp blurs cadence. For the settings left `auto`, train fits a short run of
every candidate on the training recordings and keeps the one with the highest accuracy on the
validation recordings (never the test recordings). The candidates are, in order: the old
defaults (every `auto` switch on), plain training (every `auto` switch off) and the old defaults
with one switch off at a time; ties go to the earlier candidate. The final model is then
trained in full with the chosen settings, so when the old defaults win, the model is the one
training with them always gave (same seed, same bytes).

Without validation recordings there is nothing to choose by: every `auto` switch is off (plain
training, which cannot be worse than an untested augmentation), and train says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tinyfw.config import Config

from .preprocess import CENTER

Log = Callable[[str], None]

# The fewest optimizer steps a short candidate run takes (unless `model.epochs` is fewer).
MIN_SEARCH_STEPS = 200

# tinyfw.toml field -> (short name in tables, value when a model has no recorded choice).
SWITCHES: dict[str, tuple[str, bool]] = {
    "model.augment_rotation": ("rotation", True),
    "model.augment_time_warp": ("time_warp", True),
    "preprocess.center": ("center", CENTER),
}


@dataclass(frozen=True)
class Settings:
    """One value for every switch."""

    rotation: bool
    time_warp: bool
    center: bool

    def as_dict(self) -> dict[str, bool]:
        """{tinyfw.toml field: value}, in SWITCHES order."""
        return dict(zip(SWITCHES, (self.rotation, self.time_warp, self.center), strict=True))

    def text(self) -> str:
        return ", ".join(
            f"{SWITCHES[k][0]} {'on' if v else 'off'}" for k, v in self.as_dict().items()
        )


def configured(config: Config) -> dict[str, bool | None]:
    """{field: True/False as tinyfw.toml sets it, None when `auto`}. Rotation needs 3 columns:
    `auto` rotation with another channel count is off (not a candidate)."""
    raw = {
        "model.augment_rotation": config.model.augment_rotation,
        "model.augment_time_warp": config.model.augment_time_warp,
        "preprocess.center": config.preprocess.center,
    }
    out: dict[str, bool | None] = {k: v if isinstance(v, bool) else None for k, v in raw.items()}
    if out["model.augment_rotation"] is None and len(config.data.columns) != 3:
        out["model.augment_rotation"] = False
    return out


def _settings(values: dict[str, bool]) -> Settings:
    return Settings(*(values[k] for k in SWITCHES))


def candidates(config: Config) -> list[Settings]:
    """The settings to try, in preference order (ties go to the earlier); one when nothing
    is `auto`."""
    fixed = configured(config)
    auto = [k for k, v in fixed.items() if v is None]
    on = {k: True if v is None else v for k, v in fixed.items()}
    off = {k: False if v is None else v for k, v in fixed.items()}
    out = [_settings(on)]
    if auto:
        out.append(_settings(off))
        out += [_settings({**on, k: False}) for k in auto]
    unique: list[Settings] = []
    for s in out:
        if s not in unique:
            unique.append(s)
    return unique


def without_validation(config: Config) -> Settings:
    """What train uses when it has no validation recordings: `auto` switches off."""
    return _settings({k: False if v is None else v for k, v in configured(config).items()})


def search_epochs(config: Config, n_candidates: int, train_windows: int) -> int:
    """Epochs of each short candidate run: `model.search_epochs`, else epochs / (2 x
    candidates) (the whole search costs about half the final fit), raised towards
    MIN_SEARCH_STEPS optimizer steps for a small dataset (which learns nothing in a few steps)
    but never beyond epochs / candidates (the search never costs more than the final fit)."""
    m = config.model
    if m.search_epochs:
        return m.search_epochs
    steps_per_epoch = max(1, -(-train_windows // m.batch_size))
    wanted = max(m.epochs // (2 * n_candidates), -(-MIN_SEARCH_STEPS // steps_per_epoch))
    return max(1, min(wanted, m.epochs // n_candidates))


@dataclass(frozen=True)
class Trial:
    settings: Settings
    val_accuracy: float


def pick(trials: list[Trial]) -> Trial:
    """The trial with the highest validation accuracy; ties go to the earlier one."""
    best = trials[0]
    for t in trials[1:]:
        if t.val_accuracy > best.val_accuracy:
            best = t
    return best


def table(trials: list[Trial], chosen: Trial) -> list[str]:
    """The lines train prints: one row per candidate, the chosen one marked."""
    names = [SWITCHES[k][0] for k in SWITCHES]
    head = "  ".join(f"{n:<9}" for n in names) + "  val_accuracy"
    rows = [head]
    for t in trials:
        cells = "  ".join(f"{'on' if v else 'off':<9}" for v in t.settings.as_dict().values())
        mark = "  <- chosen" if t is chosen else ""
        rows.append(f"{cells}  {t.val_accuracy:.4f}{mark}")
    return rows
