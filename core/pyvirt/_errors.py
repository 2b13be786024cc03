"""The error model: one hierarchy rooted at :class:`VirtError`.

Every error carries libvirt's code, domain and message (built from libvirt's templates), so a
script can branch on numbers exactly as with libvirt.  Subclasses for common codes also derive
from the builtin exception a Python caller would naturally catch (a missing domain is a
``LookupError``, a bad argument a ``ValueError``), so existing ``except`` clauses keep working.
Errors are plain values: there is no global "last error".
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain, ErrorLevel, format_message

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class VirtError(Exception):
    """Base of every pyvirt error; mirrors libvirt's virError fields."""

    def __init__(
        self,
        message: str,
        *,
        code: int = ErrorCode.INTERNAL_ERROR,
        domain: int = ErrorDomain.NONE,
        level: int = ErrorLevel.ERROR,
        str1: str | None = None,
        str2: str | None = None,
        str3: str | None = None,
        int1: int = -1,
        int2: int = -1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = _as_enum(ErrorCode, code)
        self.domain = _as_enum(ErrorDomain, domain)
        self.level = _as_enum(ErrorLevel, level)
        self.str1 = str1
        self.str2 = str2
        self.str3 = str3
        self.int1 = int1
        self.int2 = int2

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={int(self.code)}, domain={int(self.domain)})"

    def to_fields(self) -> dict[str, Any]:
        """The error as plain data (what crosses the RPC)."""
        return {
            "code": int(self.code),
            "domain": int(self.domain),
            "message": self.message,
            "level": int(self.level),
            "str1": self.str1,
            "str2": self.str2,
            "str3": self.str3,
            "int1": self.int1,
            "int2": self.int2,
        }

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> VirtError:
        """Rebuild an error from plain data, picking the subclass from the code allow-list."""
        code = int(fields.get("code", ErrorCode.INTERNAL_ERROR))
        kind = _BY_CODE.get(code, VirtError)
        return kind(
            str(fields.get("message") or ""),
            code=code,
            domain=int(fields.get("domain", 0)),
            level=int(fields.get("level", ErrorLevel.ERROR)),
            str1=_opt_str(fields.get("str1")),
            str2=_opt_str(fields.get("str2")),
            str3=_opt_str(fields.get("str3")),
            int1=int(fields.get("int1", -1)),
            int2=int(fields.get("int2", -1)),
        )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _as_enum(kind: Any, value: int) -> Any:
    try:
        return kind(value)
    except ValueError:
        return int(value)


class InternalError(VirtError):
    """VIR_ERR_INTERNAL_ERROR (1)."""


class NoSupportError(VirtError, NotImplementedError):
    """VIR_ERR_NO_SUPPORT (3): the driver does not implement this function."""


class NoConnectError(VirtError, ConnectionError):
    """VIR_ERR_NO_CONNECT (5): no driver accepted the URI."""


class InvalidArgError(VirtError, ValueError):
    """VIR_ERR_INVALID_ARG (8)."""


class OperationFailedError(VirtError):
    """VIR_ERR_OPERATION_FAILED (9)."""


class XMLError(VirtError, ValueError):
    """VIR_ERR_XML_ERROR (27) and VIR_ERR_XML_DETAIL (35): malformed or invalid XML."""


class ExistsError(VirtError, FileExistsError):
    """The object exists already (DOM_EXIST 28, NETWORK_EXIST 37, STORAGE_VOL_EXIST 90)."""


class OperationDeniedError(VirtError, PermissionError):
    """VIR_ERR_OPERATION_DENIED (29): e.g. a modifying call on a read-only connection."""


class ConfSyntaxError(VirtError, ValueError):
    """VIR_ERR_CONF_SYNTAX (33): a configuration file (libvirt.conf, pyvirtd.toml) is malformed."""


class SystemCallError(VirtError, OSError):
    """VIR_ERR_SYSTEM_ERROR (38): an OS call failed."""


class RPCError(VirtError, ConnectionError):
    """VIR_ERR_RPC (39): the transport to the daemon failed."""


class NotFoundError(VirtError, LookupError):
    """An object lookup found nothing."""


class NoDomainError(NotFoundError):
    """VIR_ERR_NO_DOMAIN (42)."""


class NoNetworkError(NotFoundError):
    """VIR_ERR_NO_NETWORK (43)."""


class NoStoragePoolError(NotFoundError):
    """VIR_ERR_NO_STORAGE_POOL (49)."""


class NoStorageVolError(NotFoundError):
    """VIR_ERR_NO_STORAGE_VOL (50)."""


class NoDomainSnapshotError(NotFoundError):
    """VIR_ERR_NO_DOMAIN_SNAPSHOT (72)."""


class NoNodeDeviceError(NotFoundError):
    """VIR_ERR_NO_NODE_DEVICE (53)."""


class NoInterfaceError(NotFoundError):
    """VIR_ERR_NO_INTERFACE (57)."""


class AuthFailedError(VirtError, PermissionError):
    """VIR_ERR_AUTH_FAILED (45)."""


class OperationInvalidError(VirtError):
    """VIR_ERR_OPERATION_INVALID (55): the object is in the wrong state for this operation."""


class ConfigUnsupportedError(VirtError, ValueError):
    """VIR_ERR_CONFIG_UNSUPPORTED (67)."""


class OperationTimeoutError(VirtError, TimeoutError):
    """VIR_ERR_OPERATION_TIMEOUT (68)."""


class ArgumentUnsupportedError(VirtError, ValueError):
    """VIR_ERR_ARGUMENT_UNSUPPORTED (74)."""


class OperationUnsupportedError(VirtError, NotImplementedError):
    """VIR_ERR_OPERATION_UNSUPPORTED (84)."""


_C = ErrorCode
_BY_CODE: dict[int, type[VirtError]] = {
    _C.INTERNAL_ERROR: InternalError,
    _C.NO_SUPPORT: NoSupportError,
    _C.NO_CONNECT: NoConnectError,
    _C.INVALID_ARG: InvalidArgError,
    _C.OPERATION_FAILED: OperationFailedError,
    _C.XML_ERROR: XMLError,
    _C.XML_DETAIL: XMLError,
    _C.DOM_EXIST: ExistsError,
    _C.NETWORK_EXIST: ExistsError,
    _C.STORAGE_VOL_EXIST: ExistsError,
    _C.OPERATION_DENIED: OperationDeniedError,
    _C.CONF_SYNTAX: ConfSyntaxError,
    _C.SYSTEM_ERROR: SystemCallError,
    _C.RPC: RPCError,
    _C.NO_DOMAIN: NoDomainError,
    _C.NO_NETWORK: NoNetworkError,
    _C.NO_STORAGE_POOL: NoStoragePoolError,
    _C.NO_STORAGE_VOL: NoStorageVolError,
    _C.NO_DOMAIN_SNAPSHOT: NoDomainSnapshotError,
    _C.NO_NODE_DEVICE: NoNodeDeviceError,
    _C.NO_INTERFACE: NoInterfaceError,
    _C.AUTH_FAILED: AuthFailedError,
    _C.OPERATION_INVALID: OperationInvalidError,
    _C.CONFIG_UNSUPPORTED: ConfigUnsupportedError,
    _C.OPERATION_TIMEOUT: OperationTimeoutError,
    _C.ARGUMENT_UNSUPPORTED: ArgumentUnsupportedError,
    _C.OPERATION_UNSUPPORTED: OperationUnsupportedError,
}
del _C


def make_error(code: int, domain: int, detail: str | None = None) -> VirtError:
    """Build the error libvirt's ``virReportError(code, "%s", detail)`` would raise."""
    message, template = format_message(code, detail)
    kind = _BY_CODE.get(code, VirtError)
    return kind(message, code=code, domain=domain, str1=template, str2=detail)
