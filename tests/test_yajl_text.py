"""pyvirt._yajl against yajl itself: libvirt's JSON errors and layout, word for word.

The oracle is the system's libyajl (the library libvirt links), called through ctypes the way
libvirt's virJSONValueFromString calls it (comments not allowed, strings validated) and
rendering its verbose error; skipped where libyajl is missing.  Inputs are hand-picked edge
cases plus random mutations of valid JSON, so each branch of the lexer and parser is hit.
The layout (--pretty) is compared with what libvirtd printed for QEMU's replies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import random

import pytest
from pyvirt import _yajl

_LIB = ctypes.util.find_library("yajl")


def _yajl_error(text: str) -> str | None:
    """libyajl's verbose error for *text*, or None when it parses (as libvirt configures it)."""
    assert _LIB is not None
    lib = ctypes.CDLL(_LIB)
    lib.yajl_alloc.restype = ctypes.c_void_p
    lib.yajl_alloc.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.yajl_parse.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.yajl_complete_parse.argtypes = [ctypes.c_void_p]
    lib.yajl_get_error.restype = ctypes.c_void_p
    lib.yajl_get_error.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    lib.yajl_free_error.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.yajl_free.argtypes = [ctypes.c_void_p]
    data = text.encode()
    hand = lib.yajl_alloc(None, None, None)
    try:
        ok = lib.yajl_parse(hand, data, len(data)) == 0 and lib.yajl_complete_parse(hand) == 0
        if ok:
            return None
        err = lib.yajl_get_error(hand, 1, data, len(data))
        message = ctypes.string_at(err).decode("utf-8", "replace")
        lib.yajl_free_error(hand, err)
        return message
    finally:
        lib.yajl_free(hand)


_CASES = [
    "", " ", "{", "}", "[", "]", "[]", "{}", "[1,]", "[,1]", "{,}", '{"a"}', '{"a":}', '{"a" 1}',
    '{"a":1 "b":2}', '{"a":1,}', '[1 2]', '[1 "ab"]', "tru", "true", "truex", "nul", "nulll",
    "-", "-a", "1.", "1.e5", "1e", "1e+", "1E-5", "01", "-0", "0.5", '"abc', '"a\\q"',
    '"\\u12g4"', '"\\u00e9"', '"a\u0001b"', "/", "/* x */ 1", "1 /", "1 2", '{"a":[{}]}}',
    '{"a":1} x', "x", "'a'", "[1]]", '{"' + "k" * 60 + '":1 2}', "[" + " " * 50 + "1 2]",
    '"\xe9"', '[1,\n2 3]', '1"2', '"ab\\', '"\\u12', '1 "x', "-", "1.", "1e", "1 2", '{"a":\t{"b" 2}}', "[true false]", "[null,nul]", "[-]", "[1.5e]",
]  # fmt: skip


def _mutations(count: int) -> list[str]:
    rng = random.Random(1234)
    seeds = [
        '{"execute":"x","arguments":{"a":[1,-2.5e3,true,null,"s\\n\\u00e9"],"b":{"c":false}}}',
        '[1, {"a": "b"}, [], {}, -0.0e-1]', '"str\\"ing"', "123", "true",
    ]  # fmt: skip
    alphabet = list('{}[],:"\\ 0123456789-+.eEtrufalsn/xu\n\t\x01')
    found = []
    for _ in range(count):
        text = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(text) + 1)
            op = rng.randrange(3)
            if op == 1:
                text.insert(i, rng.choice(alphabet))
            elif i < len(text) and op == 0:
                del text[i]
            elif i < len(text):
                text[i] = rng.choice(alphabet)
        found.append("".join(text))
    return found


def _ours(text: str) -> str | None:
    try:
        _yajl.loads(text)
    except _yajl.JSONSyntaxError as exc:
        return exc.yajl_error
    return None


@pytest.mark.skipif(_LIB is None, reason="libyajl (the library libvirt parses JSON with) is missing")
@pytest.mark.parametrize("text", _CASES + _mutations(600))
def test_errors_are_yajls_word_for_word(text: str) -> None:
    assert _ours(text) == _yajl_error(text)


def test_the_message_is_libvirts() -> None:
    with pytest.raises(_yajl.JSONSyntaxError) as info:
        _yajl.loads("{x}")
    assert str(info.value) == (
        "cannot parse json {x}: lexical error: invalid char in json text.\n"
        + " " * 38 + "{x}\n" + " " * 21 + "(right here) ------^\n"
    )


def test_numbers_keep_their_text_and_layout_is_libvirts() -> None:
    value = _yajl.loads('{"return":{"a":1.50,"b":[],"c":{}},"id":"libvirt-1","s":"x\\r\\n\\u0001"}')
    assert _yajl.dumps(value) == (
        '{"return":{"a":1.50,"b":[],"c":{}},"id":"libvirt-1","s":"x\\r\\n\\u0001"}'
    )
    # what libvirtd's virsh printed for QEMU's reply to "cont" and "query-iothreads"
    assert _yajl.dumps({"return": {}, "id": "libvirt-442"}, pretty=True) == (
        '{\n  "return": {\n\n  },\n  "id": "libvirt-442"\n}\n'
    )
    assert _yajl.dumps([], pretty=True) == "[\n\n]\n"
    assert _yajl.dumps({"a": [{"b": True}, None]}, pretty=True) == (
        '{\n  "a": [\n    {\n      "b": true\n    },\n    null\n  ]\n}\n'
    )
    assert _yajl.dumps("VM status: running\r\n", pretty=True) == '"VM status: running\\r\\n"\n'
