"""virsh's table layout (vsh-table.c): one space before each cell, columns padded to the widest
cell plus two spaces except the last, a dashed divider of (width + 3) per column."""

from __future__ import annotations


def _width(text: str) -> int:
    """Display width: wide East Asian characters take two cells, as in vshTable.

    ASCII text (nearly every cell: names, states, ids) is one cell per character, so only
    other text pays for the per-character lookup, and for importing unicodedata.
    """
    if text.isascii():
        return len(text)
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def render(header: list[str], rows: list[list[str]], *, with_header: bool = True) -> str:
    """The table as text.  Without the header (virsh -q) widths come from the rows only."""
    lines = ([header] if with_header else []) + rows
    if not lines:
        return ""
    ncol = len(header)
    if set(map(len, lines)) == {ncol}:
        columns = list(zip(*lines, strict=True))
        if all("".join(column).isascii() for column in columns):
            return _render_ascii(lines, columns, with_header)
    sizes = [[_width(cell) for cell in row] for row in lines]
    widths = [max((size[i] for size in sizes), default=0) for i in range(ncol)]
    out: list[str] = []
    for number, (row, size) in enumerate(zip(lines, sizes, strict=True)):
        for i, cell in enumerate(row):
            out.append(" " + cell)
            if i < ncol - 1:
                out.append(" " * (widths[i] - size[i] + 2))
        out.append("\n")
        if number == 0 and with_header:
            out.append("-" * sum(w + 3 for w in widths) + "\n")
    return "".join(out)


def _render_ascii(lines: list[list[str]], columns: list[tuple[str, ...]], with_header: bool) -> str:
    """:func:`render` for a table whose every cell is ASCII (one cell per character): each row
    is laid out by one format string, so ten thousand rows cost ten thousand C calls."""
    widths = [max(map(len, column)) for column in columns]
    layout = "".join(f" {{:<{w + 2}}}" for w in widths[:-1]) + " {}\n"
    body = "".join(layout.format(*row) for row in lines)
    if not with_header:
        return body
    first = body.index("\n") + 1
    return body[:first] + "-" * sum(w + 3 for w in widths) + "\n" + body[first:]
