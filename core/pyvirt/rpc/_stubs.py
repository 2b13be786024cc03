"""Client stubs generated from the procedure table, for the sync and the asyncio client alike.

One function builds both flavours, so the two clients cannot drift: a stub checks its
arguments against the driver contract's annotations (the same check the daemon applies),
sends the call through the class's ``_invoke`` / ``_asend``, and returns the decoded result.

The asyncio stub is the only coroutine between the caller and the reply: ``_asend`` is a
plain method returning what to await (the reply's future, or a coroutine when the connection
must first be reopened), and the stub checks the result itself.  With many calls in flight,
every frame and allocation per call shows in the calls per second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyvirt.rpc._codec import ProtocolError
from pyvirt.rpc._signatures import Signature, signatures


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


def install_stubs(cls: type, *, is_async: bool) -> type:
    """Give *cls* one method per wire procedure, named as the driver contract names it."""
    for sig in signatures().values():
        if sig.procedure.method in cls.__dict__:
            continue  # answered locally by the client class itself
        method = (_async_stub if is_async else _sync_stub)(sig)
        method.__name__ = sig.procedure.method
        method.__qualname__ = f"{cls.__name__}.{sig.procedure.method}"
        method.__doc__ = f"{sig.procedure.api} over RPC (procedure {sig.procedure.number})."
        setattr(cls, sig.procedure.method, method)
    return cls
