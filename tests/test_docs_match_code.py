"""docs/ARCHITECTURE.md says what the code does: its UART examples are lines sim/protocol.py
parses and renders back unchanged, its line templates name the keys the protocol has, and
every C signature it quotes is declared, word for word, in a firmware header."""

from __future__ import annotations

import re

from tinyfw.paths import ROOT
from tinyfw.sim import protocol
from tinyfw.sim.qemu import ICOUNT_SHIFT

DOC = ROOT / "docs" / "ARCHITECTURE.md"
HEADERS = sorted((ROOT / "firmware").glob("*/*.h")) + sorted(
    (ROOT / "firmware").glob("board/*/*.h"))

C_TYPE = r"(?:static inline )?(?:const )?(?:void|char|int|u?int(?:8|16|32|64)_t)\b"
SIGNATURE = re.compile(rf"`({C_TYPE}[\w\s*]*?\b\w+\([^`()]*\))`")


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def uart_examples(text: str) -> list[str]:
    blocks = re.findall(r"^ *```uart\n(.*?)^ *```", text, re.MULTILINE | re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_every_uart_example_in_the_doc_parses_and_renders_back_unchanged():
    lines = uart_examples(doc())
    parsed = protocol.parse(lines, strict=True)
    assert [protocol.render(x) for x in parsed] == lines
    # every line kind has an example
    assert {type(x) for x in parsed} == set(protocol.KINDS)


def test_the_uart_example_extraction_sees_a_wrong_line():
    text = "  ```uart\n  win 1 2 cls=3\n  ```\n"
    assert uart_examples(text) == ["win 1 2 cls=3"]
    assert protocol.parse(uart_examples(text)) == []


def test_every_line_template_in_the_doc_names_the_protocols_keys_in_order():
    """`stats windows=<n> frames=<n> ...` in the doc: the same `key=` words, in the same order,
    as the line kind's FORMAT."""
    words = {protocol.word(kind): kind for kind in protocol.KINDS}
    templates = [t for t in re.findall(r"`([a-z]+ [^`]*<[^`]*)`", doc(), re.DOTALL)
                 if t.split(" ", 1)[0] in words]
    seen = set()
    for template in templates:
        kind = words[template.split(" ", 1)[0]]
        assert re.findall(r"(\w+)=", template) == re.findall(r"(\w+)=", kind.FORMAT), template
        seen.add(kind)
    assert seen == set(protocol.KINDS)


def test_every_c_signature_in_the_doc_is_declared_verbatim_in_a_firmware_header():
    declared = "\n".join(squeeze(h.read_text(encoding="utf-8")) for h in HEADERS)
    signatures = [squeeze(s) for s in SIGNATURE.findall(doc())]
    assert len(signatures) >= 20
    missing = [s for s in signatures
               if not re.search(rf"(?<![\w*]){re.escape(s)}(?= ?(?:;|\{{|__attribute__))",
                                declared)]
    assert missing == []


def test_a_changed_signature_would_be_found_missing():
    declared = squeeze((ROOT / "firmware" / "app" / "sensor.h").read_text(encoding="utf-8"))
    assert "int32_t sensor_open(int argc, char **argv);" in declared
    assert "int sensor_open(void)" not in declared


def test_the_qemu_command_in_the_doc_uses_the_icount_shift_of_the_code():
    assert re.findall(r"-icount shift=(\d+)", doc()) == [str(ICOUNT_SHIFT)]
