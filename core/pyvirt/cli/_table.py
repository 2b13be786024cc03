"""virsh's table layout (vsh-table.c): one space before each cell, columns padded to the widest
cell plus two spaces except the last, a dashed divider of (width + 3) per column."""

from __future__ import annotations

import unicodedata


def _width(text: str) -> int:
    """Display width: wide East Asian characters take two cells, as in vshTable."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render(header: list[str], rows: list[list[str]], *, with_header: bool = True) -> str:
    """The table as text.  Without the header (virsh -q) widths come from the rows only."""
    lines = ([header] if with_header else []) + rows
    if not lines:
        return ""
    ncol = len(header)
    widths = [max((_width(r[i]) for r in lines), default=0) for i in range(ncol)]
    out: list[str] = []

    def fmt(row: list[str]) -> str:
        parts = []
        for i, cell in enumerate(row):
            text = " " + cell
            if i < ncol - 1:
                text += " " * (widths[i] - _width(cell) + 2)
            parts.append(text)
        return "".join(parts) + "\n"

    if with_header:
        out.append(fmt(header))
        out.append("-" * sum(w + 3 for w in widths) + "\n")
    out.extend(fmt(r) for r in rows)
    return "".join(out)
