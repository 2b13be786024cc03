"""Argument conversion as libvirt-python's C glue does it.

The glue parses Python values with C conversion codes, so a str where a number belongs is a
``TypeError`` (before libvirt sees anything), flags are truncated to 32 bits, and a number
outside a C long is an ``OverflowError``.  Matching those is what makes ``except`` clauses in
existing programs behave the same on pyvirt.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from pyvirt._checks import invalid_arg  # libvirt's virReportInvalidArg fields

if TYPE_CHECKING:
    from pyvirt._records import TypedParameter

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


def c_long_long(value: Any) -> int:
    """A ``long long`` argument (libvirt_longlongUnwrap)."""
    number = operator.index(value)
    if not _LONG_MIN <= number <= _LONG_MAX:
        raise OverflowError("int too big to convert")
    return number


def c_uint(value: Any) -> int:
    """An ``unsigned int`` value argument (vcpu counts): wraps like the C cast."""
    number = operator.index(value)
    if not _LONG_MIN <= number <= _LONG_MAX:
        raise OverflowError("Python int too large to convert to C long")
    return number & 0xFFFFFFFF


def fd_list(value: Any) -> list[int]:
    """A list of file descriptors (``createXMLWithFiles``): a list, not any sequence, of
    C ints, as the glue reads it with PyList_GetItem."""
    if not isinstance(value, list):
        raise TypeError("unexpected type")
    return [c_int(fd) for fd in value]


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


def typed_params(values: dict[str, Any], current: list[TypedParameter]) -> list[TypedParameter]:
    """A dict of new values as typed parameters, each of the type its name has in *current*
    (libvirt-python's setPyVirTypedParameter)."""
    from pyvirt._core_enums import TypedParameterType as T
    from pyvirt._typed_params import typed_param

    types = {p.field: p.type for p in current}
    out = []
    for name, value in values.items():
        kind = types.get(name)
        if kind is None:
            raise LookupError(f'Attribute name "{name}" could not be recognized')
        if kind is T.DOUBLE:
            converted: Any = float(value)
        elif kind is T.BOOLEAN:
            converted = bool(value)
        elif kind is T.STRING:
            if not isinstance(value, str):
                raise TypeError("bad argument type for built-in operation")  # libvirt_charPtrUnwrap
            converted = value
        else:
            converted = typed_int(value, kind)
        out.append(typed_param(name, kind, converted))
    return out


#: libvirt-python's integer unwrapping for each typed-parameter kind: (lowest, highest, C name).
_TYPED_INT_LIMITS = {
    1: (-(2**31), 2**31 - 1, "int"),
    2: (0, 2**32 - 1, "unsigned int"),
    3: (-(2**63), 2**63 - 1, "long"),
    4: (0, 2**64 - 1, "unsigned long long"),
}


def typed_int(value: Any, kind: int) -> int:
    """libvirt_intUnwrap & co: an int in the kind's range, else OverflowError as there.
    The 64-bit unwrappers check for an int themselves, in their own words."""
    if int(kind) in (3, 4) and not isinstance(value, int):
        raise TypeError("an integer is required")
    number = operator.index(value)
    low, high, c_name = _TYPED_INT_LIMITS[int(kind)]
    if kind == 4 and number < 0:
        raise OverflowError("can't convert negative int to unsigned")
    if not low <= number <= high:
        if kind == 3:  # libvirt_longlongUnwrap: PyLong_AsLongLong's words
            raise OverflowError("int too big to convert")
        raise OverflowError(f"Python int too large to convert to C {c_name}")
    return number
