"""virsh's table layout (vsh-table.c), for ASCII tables (laid out by one format string per
row) and for tables with wide characters (measured cell by cell) alike."""

from __future__ import annotations

from pyvirt.cli._table import render

HEADER = ["Id", "Name", "State"]


def test_an_ascii_table_is_virshs_layout() -> None:
    rows = [["1", "test", "running"], ["-", "a-much-longer-name", "shut off"]]
    assert render(HEADER, rows) == (
        " Id   Name                 State\n"
        "-------------------------------------\n"
        " 1    test                 running\n"
        " -    a-much-longer-name   shut off\n"
    )


def test_without_the_header_the_widths_come_from_the_rows() -> None:
    rows = [["1", "test", "running"], ["12", "b", "paused"]]
    assert render(HEADER, rows, with_header=False) == " 1    test   running\n 12   b      paused\n"


def test_wide_characters_take_two_cells() -> None:
    rows = [["1", "テスト", "running"], ["-", "ab", "shut off"]]
    assert render(HEADER, rows) == (
        " Id   Name     State\n"
        "-------------------------\n"
        " 1    テスト   running\n"
        " -    ab       shut off\n"
    )


def test_braces_in_a_cell_are_printed_as_they_are() -> None:
    rows = [["1", "{0}{x}", "running"]]
    assert render(HEADER, rows).splitlines()[2] == " 1    {0}{x}   running"


def test_an_empty_table_with_no_header_is_empty_and_one_column_is_not_padded() -> None:
    assert render(HEADER, [], with_header=False) == ""
    assert render(["Name"], [["a"], ["bbb"]]) == " Name\n-------\n a\n bbb\n"
