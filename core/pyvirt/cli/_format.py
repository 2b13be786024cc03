"""Number parsing and size formatting with C semantics (strtol, virScaleInteger, %.2f units).

virsh parses numbers with ``strtol``/``strtoull`` and reports its own texts when they fail; to
print the same errors for the same inputs we reproduce those functions rather than use int().
"""

from __future__ import annotations

_SPACE = " \t\n\v\f\r"
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


class ScaleError(Exception):
    """virScaleInteger failed; ``detail`` is the libvirt error it reported (code, message)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def strtol(text: str, base: int = 10) -> tuple[int, str] | None:
    """C strtol/strtoull: skip blanks, optional sign, digits.  Returns (value, rest) or None."""
    i, n = 0, len(text)
    while i < n and text[i] in _SPACE:
        i += 1
    neg = False
    if i < n and text[i] in "+-":
        neg = text[i] == "-"
        i += 1
    if base == 0:
        if text[i : i + 2].lower() == "0x" and i + 2 < n and _digit(text[i + 2], 16) is not None:
            base, i = 16, i + 2
        elif text[i : i + 1] == "0":
            base = 8
        else:
            base = 10
    start = i
    value = 0
    while i < n:
        d = _digit(text[i], base)
        if d is None:
            break
        value = value * base + d
        i += 1
    if i == start:
        return None
    return (-value if neg else value), text[i:]


def _digit(c: str, base: int) -> int | None:
    if not c.isascii() or not c.isalnum():
        return None
    d = int(c, 36)
    return d if d < base else None


def to_int(text: str, base: int = 10, lo: int = -(2**31), hi: int = 2**31 - 1) -> int | None:
    """virStrToLong_i: the whole string must be a number in range."""
    r = strtol(text, base)
    if r is None or r[1] or not lo <= r[0] <= hi:
        return None
    return r[0]


def to_uint(text: str, hi: int = 2**32 - 1) -> int | None:
    """virStrToLong_uip-style: non-negative ("-0" allowed), whole string, in range."""
    r = strtol(text)
    if r is None or r[1] or r[0] > hi:
        return None
    if r[0] and "-" in text:
        return None
    return abs(r[0])


def scaled(text: str, scale: int, limit: int = 2**64 - 1) -> int:
    """vshCommandOptScaledInt's parse: digits then an optional unit suffix.

    Raises ValueError when the number itself is malformed (virsh then reports only its own
    line) and ScaleError when the suffix or size is refused (virsh adds libvirt's message).
    """
    r = strtol(text)
    if r is None or r[0] > 2**64 - 1 or (r[0] and "-" in text[: len(text) - len(r[1])]):
        raise ValueError(text)
    value, suffix = abs(r[0]), r[1]
    if not suffix:
        pass
    elif suffix.lower() in ("b", "byte", "bytes"):
        scale = 1
    else:
        if len(suffix) == 1 or suffix[1:].lower() == "ib":
            base = 1024
        elif suffix[1].lower() == "b" and len(suffix) == 2:
            base = 1000
        else:
            raise ScaleError(8, f"invalid argument: unknown suffix '{suffix}'")
        power = "kmgtpe".find(suffix[0].lower())
        if power < 0:
            raise ScaleError(8, f"invalid argument: unknown suffix '{suffix}'")
        scale = base ** (power + 1)
    if value and value > limit // scale:
        raise ScaleError(82, f"numerical overflow: value too large: {value}{suffix}")
    return value * scale


def pretty_size(value: int) -> tuple[float, str]:
    """vshPrettyCapacity: divide by 1024 until below 1024 (or out of units)."""
    v = float(value)
    unit = 0
    while v >= 1024 and unit < len(_UNITS) - 1:
        v /= 1024
        unit += 1
    return v, _UNITS[unit]


def size_text(value: int) -> str:
    v, unit = pretty_size(value)
    return f"{v:.2f} {unit}"
