"""libvirt-python's error model on top of pyvirt's :class:`~pyvirt.VirtError`.

pyvirt errors are plain exception values.  libvirt-python programs instead expect
``libvirtError`` (whose fields are read from the thread's "last error"), an optional global
error handler, and ``virGetLastError``.  All of that is kept here, and every pyvirt error
crosses into this world at one place: :func:`api`, the decorator every public method wears.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from pyvirt._codes import ErrorCode, ErrorDomain, ErrorLevel
from pyvirt._errors import VirtError, make_error

#: virGetLastError's shape: (code, domain, message, level, str1, str2, str3, int1, int2).
ErrorTuple = tuple[int, int, str | None, int, str | None, str | None, str | None, int, int]
#: A connection's error before anything failed on it (libvirt's zeroed virError).
NO_ERROR: ErrorTuple = (0, 0, None, 0, None, None, None, 0, 0)
ErrorHandler = Callable[[Any, ErrorTuple], object]

_P = ParamSpec("_P")
_R = TypeVar("_R")

_state = threading.local()
_handler: tuple[ErrorHandler, Any] | None = None

# What libvirt's default error printer calls each error domain: "libvirt: <name> error : ...",
# so "libvirt:  error : ..." (two spaces) for errors from no particular domain.
_DOMAIN_NAMES: dict[int, str] = {
    ErrorDomain.NONE: "",
    ErrorDomain.XML: "XML",
    ErrorDomain.RPC: "RPC",
    ErrorDomain.CONF: "Config File",
    ErrorDomain.QEMU: "QEMU Driver",
    ErrorDomain.TEST: "Test Driver",
    ErrorDomain.REMOTE: "Remote Driver",
    ErrorDomain.STORAGE: "Storage Driver",
    ErrorDomain.NETWORK: "Network Driver",
    ErrorDomain.INTERFACE: "Network Interface Driver",
    ErrorDomain.NODEDEV: "Node Device Driver",
    ErrorDomain.SECRET: "Secrets Driver",
    ErrorDomain.CPU: "CPU Driver",
    ErrorDomain.DOMAIN: "Domain Config",
    ErrorDomain.EVENT: "Events",
    ErrorDomain.URI: "URI Utils",
    ErrorDomain.AUTH: "Auth Utils",
}


class libvirtError(Exception):  # noqa: N801 - libvirt-python's name
    """The one exception libvirt-python raises for libvirt-level failures.

    Like libvirt-python, the constructor takes a fallback message and picks up the calling
    thread's last error; when there is none (the binding failed without libvirt saying why),
    every ``get_*`` accessor answers None.
    """

    def __init__(self, defmsg: str) -> None:
        err = virGetLastError()
        super().__init__(defmsg if err is None else err[2])
        self.err: ErrorTuple | None = err

    def _field(self, index: int) -> Any:
        return None if self.err is None else self.err[index]

    def get_error_code(self) -> int | None:
        return self._field(0)  # type: ignore[no-any-return]

    def get_error_domain(self) -> int | None:
        return self._field(1)  # type: ignore[no-any-return]

    def get_error_message(self) -> str | None:
        return self._field(2)  # type: ignore[no-any-return]

    def get_error_level(self) -> int | None:
        return self._field(3)  # type: ignore[no-any-return]

    def get_str1(self) -> str | None:
        return self._field(4)  # type: ignore[no-any-return]

    def get_str2(self) -> str | None:
        return self._field(5)  # type: ignore[no-any-return]

    def get_str3(self) -> str | None:
        return self._field(6)  # type: ignore[no-any-return]

    def get_int1(self) -> int | None:
        return self._field(7)  # type: ignore[no-any-return]

    def get_int2(self) -> int | None:
        return self._field(8)  # type: ignore[no-any-return]


def registerErrorHandler(f: ErrorHandler | None, ctx: Any) -> int:  # noqa: N802
    """Route every error to ``f(ctx, error_tuple)`` instead of libvirt's stderr printer;
    ``None`` restores the printer.  Returns 1 as libvirt-python does."""
    global _handler
    _handler = None if f is None else (f, ctx)
    return 1


def virGetLastError() -> ErrorTuple | None:  # noqa: N802
    """The calling thread's last error, or None.  Every API call clears it on entry, as
    libvirt's public functions do, so it describes the most recent failing call only."""
    return getattr(_state, "last", None)


def virResetLastError() -> None:  # noqa: N802
    _state.last = None


def virGetLastErrorCode() -> int:  # noqa: N802
    err = virGetLastError()
    return 0 if err is None else err[0]


def virGetLastErrorDomain() -> int:  # noqa: N802
    err = virGetLastError()
    return 0 if err is None else err[1]


def virGetLastErrorMessage() -> str:  # noqa: N802
    err = virGetLastError()
    return "no error" if err is None or err[2] is None else err[2]


def _as_tuple(error: VirtError) -> ErrorTuple:
    return (
        int(error.code),
        int(error.domain),
        error.message,
        int(error.level),
        error.str1,
        error.str2,
        error.str3,
        int(error.int1),
        int(error.int2),
    )


def report(error: VirtError) -> None:
    """Make *error* the thread's last error and tell the handler (or stderr), as libvirt's
    virRaiseError does before the binding turns the failure into an exception."""
    err = _as_tuple(error)
    _state.last = err
    handler = _handler
    if handler is not None:
        handler[0](handler[1], err)
    elif err[3] != ErrorLevel.NONE:
        level = "warning" if err[3] == ErrorLevel.WARNING else "error"
        sys.stderr.write(f"libvirt: {_DOMAIN_NAMES.get(err[1], '')} {level} : {err[2]}\n")


def to_libvirt_error(error: VirtError, fallback: str = "") -> libvirtError:
    """The one translation from pyvirt's error to libvirt-python's: same fields, same text."""
    report(error)
    return libvirtError(fallback or error.message)


def raise_error(code: int, domain: int, detail: str | None = None) -> None:
    """Raise libvirt's error for *code* with *detail*, through the same reporting path."""
    raise make_error(code, domain, detail)


def fail(defmsg: str) -> libvirtError:
    """A failure of libvirt-python's own glue, before libvirt is called: like there, the
    exception carries whatever last error the thread still has (usually none)."""
    return libvirtError(defmsg)


def api(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Wrap a public function: clear the last error, turn any VirtError into libvirtError.

    Python's own TypeErrors (wrong arity, wrong argument types) pass through untouched, which
    is what libvirt-python's C glue does too.
    """

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        _state.last = None
        try:
            return method(*args, **kwargs)
        except VirtError as error:
            # (no local may hold the exception: its traceback holds this frame, and the
            # cycle would keep the handles in *args*, and so their connection, alive)
            raise _dispatch(error, args[0] if args else None) from None

    return wrapper


def _dispatch(error: VirtError, owner: object) -> libvirtError:
    """Report *error* and keep it on the connection the failing call was made through (the
    object's own, or *owner* itself), as libvirt's virDispatchError copies it into
    ``conn->err`` for ``virConnGetLastError``."""
    exc = to_libvirt_error(error)
    conn = getattr(owner, "_conn", owner)
    keep = getattr(conn, "_keep_error", None)
    if keep is not None:
        keep(_state.last)
    return exc


def no_support(api_name: str, domain: int = ErrorDomain.DOMAIN) -> VirtError:
    """libvirt's error for an API the driver does not implement."""
    return make_error(ErrorCode.NO_SUPPORT, domain, api_name)
