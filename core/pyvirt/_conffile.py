"""Reader for libvirt's configuration-file syntax (``key = value`` lines).

pyvirt's client config (``pyvirt.conf``) keeps libvirt.conf's format so existing
``uri_default`` and ``uri_aliases`` settings can be copied over unchanged.  Values are integers,
quoted strings or ``[ lists ]`` of those; ``#`` starts a comment.
"""

from __future__ import annotations

import re

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

Value = int | str | list["Value"]

_TOKEN = re.compile(
    r"""[^\S\n]*(?:
    (?P<comment>\#[^\n]*)|
    (?P<newline>\n)|
    (?P<string>"(?:[^"\\\n]|\\.)*"|'[^'\n]*')|
    (?P<int>[+-]?\d+)|
    (?P<name>[A-Za-z_][A-Za-z0-9_.]*)|
    (?P<punct>[=\[\],;])|
    (?P<bad>\S)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    line = 1
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        kind = match.lastgroup or "bad"
        value = match.group(kind)
        if kind == "newline":
            line += 1
        elif kind != "comment":
            tokens.append((kind, value, line))
    return tokens


def parse_conf(text: str, path: str) -> dict[str, Value]:
    """Parse *text* (read from *path*, named in errors) into a dict of settings."""
    toks = _tokens(text)
    result: dict[str, Value] = {}
    i = 0

    def fail(line: int, what: str) -> Exception:
        return make_error(ErrorCode.CONF_SYNTAX, ErrorDomain.CONF, f"{path}:{line}: {what}")

    def value(at: int) -> tuple[Value, int]:
        if at >= len(toks):
            raise fail(toks[-1][2] if toks else 1, "expecting a value")
        kind, text_, line = toks[at]
        if kind == "string":
            body = text_[1:-1]
            if text_[0] == '"':
                body = re.sub(r"\\(.)", r"\1", body)
            return body, at + 1
        if kind == "int":
            return int(text_), at + 1
        if kind == "punct" and text_ == "[":
            items: list[Value] = []
            at += 1
            while at < len(toks) and toks[at][1] != "]":
                item, at = value(at)
                items.append(item)
                if at < len(toks) and toks[at][1] == ",":
                    at += 1
            if at >= len(toks):
                raise fail(line, "list is not closed with ]")
            return items, at + 1
        raise fail(line, "expecting a value")

    while i < len(toks):
        kind, name, line = toks[i]
        if kind != "name":
            raise fail(line, "expecting a name")
        if i + 1 >= len(toks) or toks[i + 1][1] != "=":
            raise fail(line, "expecting an assignment")
        result[name], i = value(i + 2)
        if i < len(toks) and toks[i][1] == ";":
            i += 1
    return result
