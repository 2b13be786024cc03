"""Scaled integers: libvirt's unit suffix rules (``virScaleInteger``) and the XML readers on top.

Why here: memory sizes in domain XML, capacities in volume XML, and the CLI's ``setmem 1G`` or
``vol-create-as ... 1G`` all must agree on what "G" means and on the exact overflow messages.
"""

from __future__ import annotations

import re

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree  # annotations only

__all__ = ["LLONG_MAX", "ULLONG_MAX", "parse_scaled_integer", "scale_integer", "parse_ullong"]

LLONG_MAX = 2**63 - 1
ULLONG_MAX = 2**64 - 1

_POWERS = {"k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}
_ULL = re.compile(r"^[+]?[0-9]+$")


def parse_ullong(text: str) -> int | None:
    """``virStrToLong_ullp``: a non-negative decimal that fits 64 bits, no surrounding blanks."""
    if not _ULL.match(text):
        return None
    value = int(text)
    return value if value <= ULLONG_MAX else None


def scale_integer(value: int, suffix: str | None, default_scale: int, limit: int) -> int:
    """Multiply *value* by the factor named by *suffix*, refusing results above *limit*.

    Mirrors ``virScaleInteger``: bytes suffixes (``b``, ``byte``, ``bytes``), binary
    single-letter or ``XiB`` suffixes (powers of 1024) and decimal ``XB`` suffixes (powers of
    1000).  Errors carry libvirt's codes and texts, from error domain NONE like libvirt's util.
    """
    if not suffix:
        factor = default_scale
        suffix = ""
    else:
        low = suffix.lower()
        if low in ("b", "byte", "bytes"):
            factor = 1
        else:
            if len(suffix) == 1 or low[1:] == "ib":
                base = 1024
            elif low[1] == "b" and len(suffix) == 2:
                base = 1000
            else:
                raise make_error(
                    ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"unknown suffix '{suffix}'"
                )
            power = _POWERS.get(low[0])
            if power is None:
                raise make_error(
                    ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"unknown suffix '{suffix}'"
                )
            factor = base**power
    if value and value > limit // factor:
        raise make_error(ErrorCode.OVERFLOW, ErrorDomain.NONE, f"value too large: {value}{suffix}")
    return value * factor


def parse_scaled_integer(
    text: str, unit: str | None, default_unit_scale: int, max_value: int
) -> int:
    """Parse a decimal *text* with an optional *unit* into an absolute number (e.g. bytes).

    *default_unit_scale* applies when *unit* is empty (1024 for KiB-based memory values).
    Malformed numbers raise INVALID_ARG; too-large results raise OVERFLOW as libvirt does.
    """
    value = parse_ullong(text)
    if value is None:
        raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"malformed number '{text}'")
    return scale_integer(value, unit, default_unit_scale, max_value)


def read_scaled_element(elem: etree._Element, xpath: str, default_scale: int, limit: int) -> int:
    """``virParseScaledValue`` on one element: text plus its ``unit`` attribute.

    The invalid-value error names the XPath libvirt used, e.g. ``./memory[1]``, so the
    caller passes that exact spelling.
    """
    text = elem.text or ""
    value = parse_ullong(text)
    if value is None:
        raise make_error(
            ErrorCode.XML_ERROR,
            ErrorDomain.XML,
            f"Invalid value '{text}' for element or attribute '{xpath}'",
        )
    return scale_integer(value, elem.get("unit"), default_scale, limit)


#: libvirt's VIR_DOMAIN_CPUMASK_LEN: the CPU numbers a domain's CPU sets may name.
CPUMASK_LEN = 16384


def parse_bitmap(text: str, limit: int = CPUMASK_LEN) -> set[int]:
    """virBitmapParse: "0-3,^2,5" (blanks around the parts allowed; "" is the empty set) as
    the set of numbers, each below *limit*; else libvirt's "Failed to parse bitmap"."""
    cpus: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        drop = part.startswith("^")
        first, dash, last = part.lstrip("^").partition("-")
        first, last = first.strip(), last.strip()
        if not (first.isascii() and first.isdigit()) or (
            dash and (drop or not (last.isascii() and last.isdigit()))
        ):
            raise _bad_bitmap(text)
        start = int(first)
        end = int(last) if dash else start
        if not start <= end < limit:
            raise _bad_bitmap(text)
        span = set(range(start, end + 1))
        cpus = cpus - span if drop else cpus | span
    return cpus


def _bad_bitmap(text: str) -> Exception:
    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"Failed to parse bitmap '{text}'")

