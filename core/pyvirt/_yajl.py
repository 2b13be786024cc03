"""JSON text as libvirt reads and writes it, through yajl: its errors and its formatting.

libvirt parses and prints JSON with yajl (``virJSONValueFromString``,
``virJSONValueToString``), and what users see of it is yajl's own text: virsh's
``qemu-monitor-command`` wrapping ``name key:value`` arguments fails with
"cannot parse json {x}: lexical error: invalid char in json text." followed by yajl's
context line and arrow, the QEMU driver refuses a monitor command that is not JSON the same
way, and ``--pretty`` prints yajl's beautified layout (two-space indent, ``"key": value``, an
empty object as ``{``, an empty line and ``}``).  Python's :mod:`json` words its errors and
lays out its output otherwise, so this module reproduces yajl's: a small lexer and parser that
find the first error where yajl 2 finds it (message and byte offset), and a writer.  Values
come from :mod:`json` once the text is known to be valid; numbers keep their text
(:class:`Number`), as libvirt keeps them, so they are printed back unchanged.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["JSONSyntaxError", "Number", "dumps", "loads"]

_ARROW = "                     (right here) ------^\n"
_WS = b" \t\n\r"
_LITERALS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
_ESCAPES = b'"\\/bfnrtu'
_HEX = b"0123456789abcdefABCDEF"
_DIGITS = b"0123456789"


class Number(str):
    """A JSON number, kept as its text (libvirt's virJSONValue keeps numbers as strings)."""


class JSONSyntaxError(ValueError):
    """Text yajl refuses; ``str()`` is libvirt's "cannot parse json TEXT: YAJL-ERROR"."""

    def __init__(self, text: str, yajl_error: str) -> None:
        super().__init__(f"cannot parse json {text}: {yajl_error}")
        self.yajl_error = yajl_error


class _Fail(Exception):
    def __init__(self, kind: str, message: str, offset: int) -> None:
        self.kind, self.message, self.offset = kind, message, offset


def _render(kind: str, message: str, data: bytes, offset: int) -> str:
    """yajl_get_error(verbose): the message, 30 bytes either side of *offset* placed so the
    error sits under the arrow, and the arrow."""
    spaces = 40 - offset if offset < 30 else 10
    start = offset - 30 if offset >= 30 else 0
    context = bytes(b if b not in b"\n\r" else 32 for b in data[start : offset + 30])
    shown = context.decode("utf-8", "replace")
    return f"{kind} error: {message}\n{' ' * spaces}{shown}\n{_ARROW}"


# -- the lexer: (token, end offset, length of its text) or _Fail ------------------------------
# A number that runs to the end of the text is only finished by yajl_complete_parse, which
# lexes on in a one-space buffer of its own: errors found then are at offsets in that buffer
# (0), not in the text.
def _lex_string(data: bytes, pos: int) -> tuple[str, int, int]:
    i = pos + 1
    while i < len(data):
        c = data[i]
        if c == 0x22:  # closing quote
            return "string", i + 1, i - pos - 1
        if c == 0x5C:  # backslash
            if i + 1 >= len(data):  # the escape is the one-space buffer's blank
                message = "inside a string, '\\' occurs before a character which it may not."
                raise _Fail("lexical", message, 0)
            e = data[i + 1]
            if e not in _ESCAPES:
                message = "inside a string, '\\' occurs before a character which it may not."
                raise _Fail("lexical", message, i + 1)
            if e == ord("u"):
                for k in range(i + 2, i + 6):
                    if k >= len(data) or data[k] not in _HEX:
                        message = "invalid (non-hex) character occurs after '\\u' inside string."
                        raise _Fail("lexical", message, k if k < len(data) else 0)
                i += 6
                continue
            i += 2
            continue
        if c < 0x20:
            raise _Fail("lexical", "invalid character inside string.", i)
        if c >= 0x80:
            i = _utf8_char(data, i)
            continue
        i += 1
    return "eof", len(data), 0


def _utf8_char(data: bytes, i: int) -> int:
    """The offset after the UTF-8 sequence at *i* inside a string (yajl validates them)."""
    c = data[i]
    size = 2 if 0xC2 <= c <= 0xDF else 3 if 0xE0 <= c <= 0xEF else 4 if 0xF0 <= c <= 0xF4 else 0
    if size == 0:
        raise _Fail("lexical", "invalid bytes in UTF8 string.", i + 1)
    for k in range(i + 1, i + size):
        if k >= len(data):
            return len(data)
        if not 0x80 <= data[k] <= 0xBF:
            raise _Fail("lexical", "invalid bytes in UTF8 string.", k + 1)
    return i + size


def _lex_number(data: bytes, pos: int) -> tuple[str, int, int]:
    i = pos
    if data[i] == ord("-"):
        i += 1
        if i >= len(data):  # (see above: the one-space buffer)
            message = "malformed number, a digit is required after the minus sign."
            raise _Fail("lexical", message, 0)
        if data[i] not in _DIGITS:
            message = "malformed number, a digit is required after the minus sign."
            raise _Fail("lexical", message, i)
    if data[i] == ord("0"):
        i += 1
    else:
        while i < len(data) and data[i] in _DIGITS:
            i += 1
    for mark, what, signs in ((b".", "decimal point", b""), (b"eE", "exponent", b"+-")):
        if i < len(data) and data[i] in mark:
            i += 1
            if i < len(data) and data[i] in signs:
                i += 1
            if i >= len(data) or data[i] not in _DIGITS:
                message = f"malformed number, a digit is required after the {what}."
                raise _Fail("lexical", message, i if i < len(data) else 0)
            while i < len(data) and data[i] in _DIGITS:
                i += 1
    return "number", i, i - pos


def _lex(data: bytes, pos: int) -> tuple[str, int, int]:
    """The next token from *pos*: its kind, the offset after it and its text's length."""
    while pos < len(data) and data[pos] in _WS:
        pos += 1
    if pos >= len(data):
        return "eof", pos, 0
    c = data[pos]
    if c in b"{}[],:":
        return chr(c), pos + 1, 1
    if c == 0x22:
        return _lex_string(data, pos)
    if c == ord("-") or c in _DIGITS:
        return _lex_number(data, pos)
    if c in _LITERALS:
        word = _LITERALS[c]
        for k, expected in enumerate(word):
            if pos + k >= len(data):
                # yajl_complete_parse lexes on in a buffer of its own, " ", at offset 0
                raise _Fail("lexical", "invalid string in json text.", 0)
            if data[pos + k] != expected:
                raise _Fail("lexical", "invalid string in json text.", pos + k)
        return "literal", pos + len(word), len(word)
    if c == ord("/"):
        message = "probable comment found in input text, comments are not enabled."
        raise _Fail("lexical", message, pos)
    raise _Fail("lexical", "invalid char in json text.", pos + 1)


# -- the parser: yajl's states, its messages and where it reports them --------------------------
_VALUE_START = frozenset({"{", "[", "string", "number", "literal"})


def _check(data: bytes) -> None:
    """Raise _Fail at yajl's first error in *data*, or return if it is one JSON value."""
    stack: list[str] = []  # "map" / "array" containers
    pos = 0
    state = "value"  # what comes next: value, map_key, map_colon, map_comma, array_comma, done
    first_in_container = False
    while True:
        try:
            tok, end, length = _lex(data, pos)
        except _Fail as fail:
            if state != "done":
                raise
            raise _Fail("parse", "trailing garbage", fail.offset) from None
        if tok == "eof":
            if state == "done":
                return
            raise _Fail("parse", "premature EOF", 1)  # from yajl_complete_parse's own buffer
        at = 0 if tok == "number" and end == len(data) else end  # where an error is reported
        if state == "done":
            raise _Fail("parse", "trailing garbage", at)
        if state == "value":
            if tok in _VALUE_START:
                pass
            elif tok == "]" and first_in_container and stack and stack[-1] == "array":
                stack.pop()
                state = "done" if not stack else _after_value(stack)
                pos, first_in_container = end, False
                continue
            else:
                raise _Fail("parse", "unallowed token at this point in JSON text", at)
            pos, first_in_container = end, False
            if tok == "{":
                stack.append("map")
                state, first_in_container = "map_key", True
            elif tok == "[":
                stack.append("array")
                state, first_in_container = "value", True
            else:
                state = _after_value(stack)
            continue
        if state == "map_key":
            if tok == "}" and first_in_container:
                stack.pop()
                state, pos, first_in_container = _after_value(stack), end, False
                continue
            if tok != "string":
                raise _Fail("parse", "invalid object key (must be a string)", at)
            state, pos, first_in_container = "map_colon", end, False
            continue
        if state == "map_colon":
            if tok != ":":
                message = "object key and value must be separated by a colon (':')"
                raise _Fail("parse", message, at)
            state, pos = "value", end
            continue
        if state == "map_comma":
            if tok == "}":
                stack.pop()
                state, pos = _after_value(stack), end
                continue
            if tok != ",":
                # yajl only peeked at the token, then steps back over its text
                message = "after key and value, inside map, I expect ',' or '}'"
                raise _Fail("parse", message, max(at - length, 0))
            state, pos = "map_key", end
            continue
        # array_comma
        if tok == "]":
            stack.pop()
            state, pos = _after_value(stack), end
            continue
        if tok != ",":
            raise _Fail("parse", "after array element, I expect ',' or ']'", at)
        state, pos = "value", end


def _after_value(stack: list[str]) -> str:
    if not stack:
        return "done"
    return "map_comma" if stack[-1] == "map" else "array_comma"


def loads(text: str) -> Any:
    """The value of *text*, or :class:`JSONSyntaxError` with yajl's words for the first error;
    numbers as :class:`Number`."""
    data = text.encode("utf-8", "surrogateescape")
    try:
        _check(data)
    except _Fail as fail:
        raise JSONSyntaxError(text, _render(fail.kind, fail.message, data, fail.offset)) from None
    # (yajl stops at the end of the first value when what follows never completes a token)
    decoder = json.JSONDecoder(parse_int=Number, parse_float=Number, parse_constant=Number)
    return decoder.raw_decode(text, len(text) - len(text.lstrip(" \t\n\r")))[0]


# -- the writer ---------------------------------------------------------------------------------
def _string(value: str) -> str:
    """yajl_string_encode: the short escapes, other control characters as \\u00XX."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u00{ord(ch):02X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Number):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _write(value: Any, pretty: bool, depth: int, out: list[str]) -> None:
    if isinstance(value, dict | list):
        is_map = isinstance(value, dict)
        opening, closing = ("{", "}") if is_map else ("[", "]")
        items: list[tuple[Any, Any]] = (
            list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        )
        out.append(opening)
        inner = "  " * (depth + 1)
        for index, (key, item) in enumerate(items):
            if index:
                out.append(",")
            if pretty:
                out.append("\n" + inner)
            if is_map:
                out.append(_string(str(key)) + (": " if pretty else ":"))
            _write(item, pretty, depth + 1, out)
        if pretty:
            out.append("\n" if items else "\n\n")
            out.append("  " * depth)
        out.append(closing)
        return
    out.append(_scalar(value))


def dumps(value: Any, pretty: bool = False) -> str:
    """virJSONValueToString: compact, or beautified as yajl does (ending in a newline, which
    shows in qemu-monitor-event's pretty details; qemu-monitor-command prints it without)."""
    out: list[str] = []
    _write(value, pretty, 0, out)
    return "".join(out) + ("\n" if pretty else "")
