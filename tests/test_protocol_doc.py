"""docs/protocol.md's procedure table is generated from the procedure table and stays in step."""

from __future__ import annotations

from pathlib import Path

from pyvirt.rpc._doc import render

DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"


def test_protocol_doc_matches_the_procedure_table():
    text = DOC.read_text()
    assert text == render(text), (
        "docs/protocol.md is out of date: run python -m pyvirt.rpc._doc --write docs/protocol.md"
    )


def test_every_wire_procedure_is_documented():
    from pyvirt._procedures import PROCEDURES

    text = DOC.read_text()
    for proc in PROCEDURES:
        assert f"| {proc.number} | `{proc.method}` |" in text
