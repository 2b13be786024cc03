"""What the generated client stubs (:mod:`pyvirt.rpc._client_stubs`) share: argument checks
that fail as libvirt's VIR_ERR_INVALID_ARG, and the check of a reply's value."""

from __future__ import annotations

from pyvirt.rpc._codec import ProtocolError

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt.rpc._signatures import Signature


def checked(sig: Signature, args: list[Any]) -> list[Any]:
    """*args* checked against the driver contract's annotations (the daemon's check too), so
    a wrong argument is refused here, naming it, instead of by the daemon."""
    try:
        return sig.check_args(args)
    except ProtocolError as exc:
        from pyvirt._codes import ErrorCode, ErrorDomain
        from pyvirt._errors import make_error

        raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.RPC, str(exc)) from None


def checked_result(sig: Signature, value: Any) -> Any:
    """A reply's *value*, checked against the procedure's result type; a malformed reply is
    a lost connection (libvirt's VIR_ERR_RPC), not a value to pass on."""
    try:
        return sig.result(value, sig.result_label)  # sig.check_result, a frame less per call
    except ProtocolError as exc:
        from pyvirt.rpc._channel import lost

        raise lost(f"malformed reply to {sig.procedure.method}: {exc}") from None

