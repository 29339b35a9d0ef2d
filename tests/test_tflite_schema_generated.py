"""codegen/schema.py is generated from the pinned TFLite schema; regenerating gives its bytes."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_regenerating_the_tflite_schema_tables_gives_the_committed_bytes(tmp_path: Path) -> None:
    out = tmp_path / "schema.py"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_tflite_schema.py"), "--out", str(out)],
        check=True,
    )
    assert out.read_bytes() == (ROOT / "codegen" / "schema.py").read_bytes(), (
        "codegen/schema.py is stale: run .venv/bin/python scripts/gen_tflite_schema.py"
    )


def test_the_generated_schema_knows_the_fields_the_reader_follows() -> None:
    from tinyfw.codegen import schema

    assert schema.BUILTIN_OPERATORS[3] == "CONV_2D"
    assert schema.FIELDS["Tensor"]["quantization"][1] == "table:QuantizationParameters"
    assert schema.FIELDS["Conv2DOptions"]["padding"] == (0, "padding", "SAME")
    assert schema.FIELDS["Conv2DOptions"]["dilation_w_factor"][2] == 1
