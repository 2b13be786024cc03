"""libvirt's typed parameters: making them (drivers) and reading them (the public API).

One representation for every call that answers with typed parameters: a driver returns a
``list[TypedParameter]`` (a wire record, so the declared type crosses the daemon with the
value), made with :func:`typed_param`, which refuses a value its type cannot hold, as
libvirt's ``virTypedParameterAssign`` does.  The public API hands callers the dict
libvirt-python returns, made by :func:`typed_params_dict`, which checks the list again: a list
from a remote peer or a third-party driver is not trusted to agree with itself.
"""

from __future__ import annotations

from pyvirt._checks import invalid_arg
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._core_enums import TypedParameterType
from pyvirt._errors import make_error
from pyvirt._records import TypedParameter

#: VIR_TYPED_PARAM_FIELD_LENGTH: a field name's size in libvirt, including its NUL.
FIELD_LENGTH = 80

TypedValue = bool | int | float | str

_T = TypedParameterType
#: (lowest, highest) value of each integer type.
_RANGES: dict[TypedParameterType, tuple[int, int]] = {
    _T.INT: (-(2**31), 2**31 - 1),
    _T.UINT: (0, 2**32 - 1),
    _T.LLONG: (-(2**63), 2**63 - 1),
    _T.ULLONG: (0, 2**64 - 1),
}


def _problem(field: str, type: TypedParameterType, value: object) -> str | None:
    """Why *value* cannot be a *type* parameter named *field* (None: it can)."""
    if not field or len(field.encode()) >= FIELD_LENGTH:
        return f"Field name '{field}' too long"
    if type in _RANGES:
        low, high = _RANGES[type]
        if type_is_int(value) and low <= value <= high:  # type: ignore[operator]
            return None
    elif type is _T.DOUBLE:
        if isinstance(value, float):
            return None
    elif type is _T.BOOLEAN:
        if isinstance(value, bool):
            return None
    elif type is _T.STRING:
        if isinstance(value, str) and "\0" not in value:
            return None
    else:
        return f"unexpected type {int(type)} for field {field}"
    return f"invalid value for field {field} of type {TypedParameterType(type).name}"


def type_is_int(value: object) -> bool:
    """An int that is not a bool (bool is an int subclass, a BOOLEAN parameter is not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def typed_param(field: str, type: TypedParameterType, value: TypedValue) -> TypedParameter:
    """One typed parameter, checked: VIR_ERR_INVALID_ARG when *value* does not fit *type*."""
    problem = _problem(field, type, value)
    if problem is not None:
        raise invalid_arg(problem, "virTypedParameterAssign", "ctl")
    return TypedParameter(field, TypedParameterType(type), value)


def typed_params_dict(params: list[TypedParameter]) -> dict[str, TypedValue]:
    """The dict libvirt-python returns for a typed-parameter list: field -> value, in order.
    Each entry is checked as :func:`typed_param` checks it, and a field given twice is refused
    (libvirt's ``virTypedParamsValidate``)."""
    out: dict[str, TypedValue] = {}
    for p in params:
        problem = _problem(p.field, p.type, p.value)
        if problem is None and p.field in out:
            problem = f"parameter '{p.field}' occurs multiple times"
        if problem is not None:
            raise invalid_arg(problem, "virTypedParamsValidate", "ctl")
        out[p.field] = p.value
    return out


#: What virTypedParamsAddFromString says a value of each type should be.
_EXPECTED = {
    _T.INT: "int",
    _T.UINT: "unsigned int",
    _T.LLONG: "long long",
    _T.ULLONG: "unsigned long long",
    _T.DOUBLE: "double",
}


def _c_integer(text: str, type: TypedParameterType) -> int | None:
    """virStrToLong_*: leading blanks, an optional sign, decimal digits and nothing else; the
    unsigned kinds take "-N" as its two's complement, as strtoul does ("-1" is the maximum)."""
    body = text.lstrip(" \t\n\v\f\r")
    digits = body[1:] if body[:1] in "+-" else body
    if not digits.isascii() or not digits.isdigit():
        return None
    number = int(body)
    low, high = _RANGES[type]
    if low == 0 and number < 0:
        if -number > high:
            return None
        number &= high
    return number if low <= number <= high else None


def typed_param_from_string(field: str, type: TypedParameterType, text: str) -> TypedParameter:
    """libvirt's virTypedParamsAddFromString: *text* read as a value of *type*, or
    VIR_ERR_INVALID_ARG in libvirt's words (what virsh's ``--set name=value`` reports)."""
    value: TypedValue | None
    if type in _RANGES:
        value = _c_integer(text, type)
    elif type is _T.DOUBLE:
        try:
            value = float(text)
        except ValueError:
            value = None
    elif type is _T.BOOLEAN:
        lowered = text.lower()
        value = True if lowered == "true" or text == "1" else None
        if lowered == "false" or text == "0":
            value = False
        if value is None:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.NONE, "Invalid boolean value")
    else:
        value = text
    if value is None:
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.NONE,
            f"Invalid value for field '{field}': expected {_EXPECTED[type]}",
        )
    return typed_param(field, type, value)


#: libvirt's names of the types in virTypedParamsValidate's messages.
_TYPE_NAMES = {
    _T.INT: "int",
    _T.UINT: "uint",
    _T.LLONG: "llong",
    _T.ULLONG: "ullong",
    _T.DOUBLE: "double",
    _T.BOOLEAN: "boolean",
    _T.STRING: "string",
}


def validate_typed_params(
    params: list[TypedParameter], allowed: dict[str, TypedParameterType]
) -> dict[str, TypedValue]:
    """libvirt's virTypedParamsValidate, for drivers: every field known, of its type, once.
    Returns the values by field."""
    out: dict[str, TypedValue] = {}
    for p in params:
        if p.field in out:
            raise make_error(
                ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"parameter '{p.field}' occurs multiple times"
            )
        expected = allowed.get(p.field)
        if expected is None:
            raise make_error(
                ErrorCode.ARGUMENT_UNSUPPORTED, ErrorDomain.NONE, f"parameter '{p.field}' not supported"
            )
        if p.type != expected:
            raise make_error(
                ErrorCode.INVALID_ARG,
                ErrorDomain.NONE,
                f"invalid type '{_TYPE_NAMES.get(p.type, str(int(p.type)))}' for parameter "
                f"'{p.field}', expected '{_TYPE_NAMES[expected]}'",
            )
        # (in C the type holds its value; over the wire a UINT of -5 could come: refused)
        problem = _problem(p.field, p.type, p.value)
        if problem is not None:
            raise invalid_arg(problem, "virTypedParamsValidate", "ctl")
        out[p.field] = p.value
    return out


#: VIR_DOMAIN_MEMORY_STAT_* tags' names, as libvirt-python's memoryStats and virsh's
#: dommemstat print them (index = tag).
MEMORY_STAT_NAMES = (
    "swap_in",
    "swap_out",
    "major_fault",
    "minor_fault",
    "unused",
    "available",
    "actual",
    "rss",
    "usable",
    "last_update",
    "disk_caches",
    "hugetlb_pgalloc",
    "hugetlb_pgfail",
)
