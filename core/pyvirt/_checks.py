"""Argument checks done in the public API layer, before any driver sees the call.

They mirror libvirt's virCheck* macros (same codes, same messages, error domain DOMAIN), so a
bad argument is refused identically whatever driver is behind the connection.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import InvalidArgError, VirtError, make_error

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_UINT_MAX = 2**32 - 1
_ULONG_MAX = 2**64 - 1


def check_flags(flags: Any, api: str) -> int:
    """Flags are a non-negative machine word; anything else is an invalid argument."""
    if isinstance(flags, bool) or not isinstance(flags, int):
        raise make_error(
            ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"flags in {api} must be an integer"
        )
    if flags < 0 or flags > _UINT_MAX:
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.DOMAIN,
            f"flags in {api} must be between 0 and {_UINT_MAX}",
        )
    return int(flags)


def invalid_arg(
    message: str, api: str, argname: str, domain: int = ErrorDomain.DOMAIN
) -> InvalidArgError:
    """libvirt's virReportInvalidArg: the bare message, with the API and argument in str1/str2
    and int1/int2 set to 0 (libvirt passes zeros there, not the usual -1).  *domain* is the
    reporting file's error domain (VIR_FROM_DOMAIN_SNAPSHOT for the snapshot APIs)."""
    return InvalidArgError(
        message,
        code=ErrorCode.INVALID_ARG,
        domain=domain,
        str1=api,
        str2=argname,
        int1=0,
        int2=0,
    )


def check_nonzero(value: int, argname: str, api: str) -> None:
    if value == 0:
        raise invalid_arg(f"{argname} in {api} must not be zero", api, argname)


def check_uint(value: Any, argname: str, api: str, maximum: int = _ULONG_MAX) -> int:
    """An unsigned integer argument (memory, vcpus): refuse wrong types and out-of-range values."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise make_error(
            ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"{argname} in {api} must be an integer"
        )
    if value < 0 or value > maximum:
        shown = value if value >= 0 else value + 2**64
        raise VirtError(
            f"numerical overflow: input too large: {shown}",
            code=ErrorCode.OVERFLOW,
            domain=ErrorDomain.DOMAIN,
            str1="numerical overflow: %s",
            str2=f"input too large: {shown}",
        )
    return int(value)


def check_string(value: Any, argname: str, api: str) -> str:
    if not isinstance(value, str):
        raise make_error(
            ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"{argname} in {api} must be a string"
        )
    if "\x00" in value:
        raise make_error(
            ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"{argname} in {api} must not contain NUL"
        )
    return value


def check_int(value: Any, argname: str, api: str) -> int:
    """A signed C ``int`` argument (a cell or CPU number, a count)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise make_error(
            ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"{argname} in {api} must be an integer"
        )
    if not -(2**31) <= value < 2**31:
        raise invalid_arg(f"{argname} in {api} must fit a C int", api, argname)
    return int(value)


def check_positive(value: Any, argname: str, api: str) -> int:
    """libvirt's virCheckPositiveArg."""
    if check_int(value, argname, api) <= 0:
        raise invalid_arg(f"{argname} in {api} must be greater than zero", api, argname)
    return int(value)


def check_minus_one_or_more(value: Any, argname: str, api: str, reported: str = "") -> int:
    """A CPU or cell number where -1 means "all": libvirt refuses other negatives.  libvirt
    sometimes names another argument in the error's str2 (*reported*)."""
    if check_int(value, argname, api) < -1:
        raise invalid_arg(
            f"{argname} in {api} only accepts -1 as a negative value", api, reported or argname
        )
    return int(value)


def check_non_negative(value: Any, argname: str, api: str) -> int:
    """libvirt's virCheckNonNegativeArg."""
    if check_int(value, argname, api) < 0:
        raise invalid_arg(f"{argname} in {api} must be zero or greater", api, argname)
    return int(value)


def check_c_long_long(value: Any, argname: str, api: str) -> int:
    """A signed 64-bit argument (a time in seconds)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise make_error(
            ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"{argname} in {api} must be an integer"
        )
    if not -(2**63) <= value < 2**63:
        raise invalid_arg(f"{argname} in {api} must fit a C long long", api, argname)
    return int(value)


def required_string(value: Any, argname: str, api: str, domain: int = ErrorDomain.DOMAIN) -> str:
    """virCheckNonNullArgGoto for a string argument: NULL is refused in *api*'s words (and
    *domain*, the reporting file's error domain), anything else must be a string."""
    if value is None:
        raise invalid_arg(f"{argname} in {api} must not be NULL", api, argname, domain)
    return check_string(value, argname, api)
