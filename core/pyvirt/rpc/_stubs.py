"""Client stubs generated from the procedure table, for the sync and the asyncio client alike.

One function builds both flavours, so the two clients cannot drift: a stub checks its
arguments against the driver contract's annotations (the same check the daemon applies),
sends the call through the class's ``_invoke`` / ``_asend``, and returns the decoded result.

The asyncio stub is the only coroutine between the caller and the reply: ``_asend`` is a
plain method returning what to await (the reply's future, or a coroutine when the connection
must first be reopened), and the stub checks the result itself.  With many calls in flight,
every frame and allocation per call shows in the calls per second.

A stub is made the first time its method is looked up: the class gets a placeholder per
procedure at import, and reading a signature (the contract's annotations) is left to the few
procedures a run actually calls.
"""

from __future__ import annotations

from pyvirt._procedures import PROCEDURES, Procedure
from pyvirt.rpc._codec import ProtocolError
from pyvirt.rpc._signatures import Signature, crosses_the_wire, signature

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def _checked(sig: Signature, args: tuple[Any, ...]) -> list[Any]:
    try:
        return sig.check_args(list(args))
    except ProtocolError as exc:
        from pyvirt._codes import ErrorCode, ErrorDomain
        from pyvirt._errors import make_error

        raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.RPC, str(exc)) from None


def _sync_stub(sig: Signature) -> Callable[..., Any]:
    number = sig.procedure.number

    def stub(self: Any, *args: Any) -> Any:
        return self._invoke(number, _checked(sig, args), sig)

    return stub


def _async_stub(sig: Signature) -> Callable[..., Any]:
    number = sig.procedure.number
    check_result = sig.result
    where = f"{sig.procedure.method} result"

    async def stub(self: Any, *args: Any) -> Any:
        value = await self._asend(number, _checked(sig, args), sig)
        try:
            return check_result(value, where)
        except ProtocolError as exc:
            raise _malformed(sig, exc) from None

    return stub


def _malformed(sig: Signature, exc: ProtocolError) -> Exception:
    from pyvirt.rpc._channel import lost

    return lost(f"malformed reply to {sig.procedure.method}: {exc}")


def _make_stub(cls: type, proc: Procedure, is_async: bool) -> Callable[..., Any]:
    sig = signature(proc.number)
    assert sig is not None
    method = (_async_stub if is_async else _sync_stub)(sig)
    method.__name__ = proc.method
    method.__qualname__ = f"{cls.__name__}.{proc.method}"
    method.__doc__ = f"{proc.api} over RPC (procedure {proc.number})."
    return method


class _StubOnFirstUse:
    """Stands in a client class for one procedure's stub until the method is first looked up,
    then puts the stub in its place (later lookups are plain method lookups)."""

    def __init__(self, cls: type, proc: Procedure, is_async: bool) -> None:
        self.cls = cls
        self.proc = proc
        self.is_async = is_async

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        method = _make_stub(self.cls, self.proc, self.is_async)
        setattr(self.cls, self.proc.method, method)
        return method if instance is None else method.__get__(instance, self.cls)


def install_stubs(cls: type, *, is_async: bool) -> type:
    """Give *cls* one method per wire procedure, named as the driver contract names it."""
    for proc in PROCEDURES:
        if crosses_the_wire(proc) and proc.method not in cls.__dict__:
            # (a method the class defines itself is answered locally)
            setattr(cls, proc.method, _StubOnFirstUse(cls, proc, is_async))
    return cls
