"""The model's contract: the project settings a trained model is only valid with.

A model is trained on windows of `window.length` frames cut every `window.hop` frames from
`data.columns` recorded at `data.rate_hz` in `data.units`, scaled by `data.unit_scale` (and
clipped to `data.range` by the sensor), preprocessed as `model/preprocess.py` does, and it answers
with one score per `data.classes` entry, in that order. Generating firmware from it with any of
these settings changed gives a firmware that runs and is wrong (wrong labels, wrong scaling).

`tinyfw train` writes the contract into the .tflite itself, as the `Model.metadata` entry
`tinyfw_contract` whose buffer is the contract's canonical JSON (`with_metadata` keeps the model
bytes verbatim, see codegen/tflite_metadata.py). `tinyfw generate` refuses a model whose contract
disagrees with tinyfw.toml (`check`), and the generated firmware embeds the same .tflite, so
build, simulate and cost can check the generated folder again (`check_generated`).

The contract is a flat JSON object whose keys are the tinyfw.toml fields they come from
(`data.classes`, `window.hop`, ...) plus `preprocess.*` and informative entries (`format`,
`data.sha256`: a hash of the training recordings, which legitimately differs with `--data`).
A model without a contract (converted elsewhere) is accepted: tinyfw.toml is then its contract.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tinyfw.codegen.generate import read_generated
from tinyfw.codegen.tflite_metadata import read_metadata, with_metadata
from tinyfw.config import Config
from tinyfw.errors import InputError

from .preprocess import CENTER, PRE_SHIFT

METADATA_NAME = "tinyfw_contract"
FORMAT = 1
# Recorded for information only: never a reason to refuse a model.
INFORMATIVE = ("format", "data.sha256")

Contract = dict[str, Any]


def configured_center(cfg: Config) -> bool:
    """`preprocess.center` as tinyfw.toml sets it; `auto` stands for centring (what a model
    without a recorded choice was always trained with)."""
    c = cfg.preprocess.center
    return c if isinstance(c, bool) else CENTER


def center_of(contract: Contract | None, cfg: Config) -> bool:
    """Whether the firmware centres windows for this model: what its contract records (train
    chose or was told), else what tinyfw.toml says."""
    if contract is not None and isinstance(contract.get("preprocess.center"), bool):
        return contract["preprocess.center"]
    return configured_center(cfg)


def from_config(
    cfg: Config, *, data_sha256: str | None = None, center: bool | None = None
) -> Contract:
    """The contract a model trained with this project file (on data hashed as given) carries;
    `center`: what train chose for `preprocess.center` (default: tinyfw.toml's value)."""
    d, w = cfg.data, cfg.window
    contract: Contract = {
        "format": FORMAT,
        "data.classes": list(d.classes),
        "data.columns": list(d.columns),
        "data.units": d.units,
        "data.unit_scale": d.unit_scale,
        "data.range": list(d.range),
        "data.rate_hz": d.rate_hz,
        "window.length": w.length,
        "window.hop": w.hop,
        "preprocess.center": configured_center(cfg) if center is None else center,
        "preprocess.pre_shift": PRE_SHIFT,
    }
    if data_sha256 is not None:
        contract["data.sha256"] = data_sha256
    return contract


def data_sha256(recordings: Iterable[Any]) -> str:
    """sha256 over the training recordings (`<class>/<file>` name and int16 samples), in name
    order: the same data in another folder or class order hashes the same."""
    h = hashlib.sha256()
    for r in sorted(recordings, key=lambda r: r.name):
        name = r.name.encode("utf-8")
        samples = r.samples.astype("<i2", copy=False)
        h.update(len(name).to_bytes(4, "little") + name)
        h.update(str(samples.shape).encode() + samples.tobytes())
    return h.hexdigest()


def to_json(contract: Contract) -> bytes:
    """Canonical JSON: sorted keys, no spaces, ASCII. Same contract, same bytes."""
    return json.dumps(contract, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256(contract: Contract) -> str:
    """sha256 of the canonical JSON (what the generated app_config.h records)."""
    return hashlib.sha256(to_json(contract)).hexdigest()


def embed(tflite: bytes, contract: Contract, *, model_file: str | Path = "<model>") -> bytes:
    """The .tflite with the contract as its `tinyfw_contract` metadata (replacing any)."""
    return with_metadata(tflite, METADATA_NAME, to_json(contract), where=model_file)


def read(tflite: bytes, *, model_file: str | Path = "<model>") -> Contract | None:
    """The contract a .tflite carries, or None when it has none. Raises InputError if the
    entry is there but is not a contract."""
    raw = read_metadata(tflite, where=model_file).get(METADATA_NAME)
    if raw is None:
        return None
    try:
        contract = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(
            f"metadata '{METADATA_NAME}' is not JSON ({e})", file=model_file, field=METADATA_NAME
        ) from None
    if not isinstance(contract, dict) or not isinstance(contract.get("format"), int):
        raise InputError(
            f"metadata '{METADATA_NAME}' is not a tinyfw contract (no integer 'format')",
            file=model_file,
            field=METADATA_NAME,
        )
    if contract["format"] > FORMAT:
        raise InputError(
            f"the model's contract has format {contract['format']}, this tinyfw reads up to "
            f"{FORMAT}; update tinyfw",
            file=model_file,
            field=METADATA_NAME,
        )
    return contract


def _show(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def check(contract: Contract | None, cfg: Config, *, model_file: str | Path) -> None:
    """Raise InputError (one line: model file, field, both values) when tinyfw.toml no longer
    says what the model was trained with. `None` (a model without a contract) passes."""
    if contract is None:
        return
    now = from_config(cfg)
    toml = cfg.path.name if cfg.path is not None else "the default settings"
    for key in sorted(set(contract) | set(now)):
        if key in INFORMATIVE:
            continue
        if key not in now:
            raise InputError(
                f"the model's contract has a setting this tinyfw does not know "
                f"({_show(contract[key])}); update tinyfw",
                file=model_file,
                field=key,
            )
        if key not in contract:
            continue  # a setting newer than the model's contract format: nothing recorded
        if key == "preprocess.center" and cfg.preprocess.center == "auto":
            continue  # train chose it; the model's choice stands
        if to_json(contract[key]) != to_json(now[key]):
            raise InputError(
                f"the model was trained with {_show(contract[key])}, {toml} now says "
                f"{_show(now[key])}; retrain (tinyfw train) or restore the setting",
                file=model_file,
                field=key,
            )


def check_generated(cfg: Config, gen_dir: Path) -> Contract | None:
    """Check the model a generated folder was made from (its model.tflite) against tinyfw.toml.

    Returns its contract, or None when the model carries none (converted elsewhere; it was
    generated with tinyfw.toml as its contract and app_config.h records that). Raises
    InputError naming the generated .tflite when a setting changed since the model was
    trained."""
    generated = read_generated(Path(gen_dir))
    model_file = generated.folder / generated.description["tflite"]
    contract = read(generated.tflite, model_file=model_file)
    check(contract, cfg, model_file=model_file)
    return contract
