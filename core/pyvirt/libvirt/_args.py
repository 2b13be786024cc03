"""Argument conversion as libvirt-python's C glue does it.

The glue parses Python values with C conversion codes, so a str where a number belongs is a
``TypeError`` (before libvirt sees anything), flags are truncated to 32 bits, and a number
outside a C long is an ``OverflowError``.  Matching those is what makes ``except`` clauses in
existing programs behave the same on pyvirt.
"""

from __future__ import annotations

import operator
from typing import Any

from pyvirt._checks import invalid_arg  # libvirt's virReportInvalidArg fields

_LONG_MIN = -(2**63)
_LONG_MAX = 2**63 - 1


def flags(value: Any) -> int:
    """An ``unsigned int`` argument: any integer, masked to 32 bits."""
    return operator.index(value) & 0xFFFFFFFF


def c_int(value: Any) -> int:
    """An ``int`` argument (event ids, booleans passed as numbers)."""
    number = operator.index(value)
    if not -(2**31) <= number < 2**31:
        raise OverflowError(
            "signed integer is greater than maximum"
            if number > 0
            else "signed integer is less than minimum"
        )
    return number


def c_ulong(value: Any) -> int:
    """An ``unsigned long`` parsed through a C long: OverflowError outside 64-bit signed
    range, negative numbers wrap (libvirt then reports the wrapped value as too large)."""
    number = operator.index(value)
    if not _LONG_MIN <= number <= _LONG_MAX:
        raise OverflowError("Python int too large to convert to C long")
    return number & 0xFFFFFFFFFFFFFFFF


def c_uint(value: Any) -> int:
    """An ``unsigned int`` value argument (vcpu counts): wraps like the C cast."""
    number = operator.index(value)
    if not _LONG_MIN <= number <= _LONG_MAX:
        raise OverflowError("Python int too large to convert to C long")
    return number & 0xFFFFFFFF


def string(value: Any, c_api: str, position: int, argname: str, domain: int | None = None) -> str:
    """A ``const char *`` that libvirt requires to be non-NULL (*domain*: the error domain
    of the API's file when not the domain APIs')."""
    if value is None:
        message = f"{argname} in {c_api} must not be NULL"
        if domain is None:
            raise invalid_arg(message, c_api, argname)
        raise invalid_arg(message, c_api, argname, domain)
    if not isinstance(value, str):
        raise TypeError(
            f"{c_api}() argument {position} must be str or None, not {type(value).__name__}"
        )
    return value


def optional_string(value: Any, c_api: str, position: int) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(
            f"{c_api}() argument {position} must be str or None, not {type(value).__name__}"
        )
    return value
