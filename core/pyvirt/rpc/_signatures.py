"""Argument and result types of every procedure, read from the driver contract.

The procedure table names each driver method; the method's annotations in
:mod:`pyvirt.driver` are its wire signature.  So the types a client may send, the checks the
daemon applies before a driver sees a call, and the documentation cannot drift apart.

A signature is read on first use (:func:`signature`): a client run calls two or three
procedures, and reading all of them costs more than the rest of its start-up.
"""

from __future__ import annotations

from pyvirt._procedures import BY_NUMBER, PROCEDURES, Procedure
from pyvirt._record import record
from pyvirt.rpc._codec import ProtocolError, checker, type_hints

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt.rpc._codec import Checker

#: Methods whose arguments cannot cross the wire; the daemon serves them itself.
LOCAL_ONLY = frozenset(
    {
        "connect_event_subscribe",
        "connect_event_unsubscribe",
    }
)
#: Methods whose reply opens a stream: the daemon keeps the driver's
#: :class:`~pyvirt.driver.DriverStream` (a console's descriptor becomes a
#: :class:`~pyvirt.driver.FdStream`, a screenshot's bytes a
#: :class:`~pyvirt.driver.BytesStream`) and answers None, then moves the data as STREAM
#: messages (:mod:`pyvirtd._streams`); the clients' methods are written by hand
#: (:mod:`pyvirt.rpc._streams`), not generated.
STREAM_OPENERS = frozenset(
    {"storage_vol_upload", "storage_vol_download", "domain_open_console", "domain_screenshot"}
)
#: Those the asyncio API offers too: all of them.
ASYNC_STREAM_OPENERS = STREAM_OPENERS
#: Their procedure numbers (the worker's test on every call).
STREAM_OPENER_NUMBERS = frozenset(p.key for p in PROCEDURES if p.method in STREAM_OPENERS)
#: Methods the RPC layer itself implements (the session, not a call to a driver).
_SESSION = frozenset({"connect_open", "connect_close"})


@record
class Signature:
    """A procedure's argument names and checks, and the check of its result."""

    procedure: Procedure
    names: tuple[str, ...]
    args: tuple[Checker, ...]
    result: Checker
    #: What a malformed result is called in the error ("domain_get_info result"): made once,
    #: as every call's reply is checked with it.
    result_label: str

    def check_args(self, args: Any) -> list[Any]:
        checks = self.args
        if not isinstance(args, list) or len(args) != len(checks):
            raise ProtocolError(f"{self.procedure.method}: expected {len(checks)} arguments")
        if len(checks) == 1:  # most calls (lookups, info ...): without the list's own frame
            return [checks[0](args[0], self.names[0])]
        return [
            check(value, name)
            for check, value, name in zip(checks, args, self.names, strict=True)
        ]

    def check_result(self, value: Any) -> Any:
        return self.result(value, self.result_label)

    def flags_of(self, args: list[Any]) -> int:
        """The flags argument of a call (0 for a procedure without one, or one not an int:
        what decides the flag-dependent permissions)."""
        if "flags" not in self.names:
            return 0
        value = args[self.names.index("flags")]
        return value if type(value) is int else 0


def crosses_the_wire(proc: Procedure) -> bool:
    """Whether clients call *proc* through the daemon (it has a signature)."""
    return proc.method not in LOCAL_ONLY and proc.method not in _SESSION


def _parameters(method: Any) -> tuple[str, ...]:
    """The parameter names after ``self`` of a contract method, read from its code object
    rather than through :mod:`inspect`.  The contract's parameters are all positional (a call
    sends a list); a method with ``*args``, keyword-only parameters or ``**kwargs`` is refused,
    which the tests reading every signature (the daemon's) would show at once."""
    code = method.__code__
    if code.co_kwonlyargcount or code.co_flags & 0x0C:  # CO_VARARGS | CO_VARKEYWORDS
        raise TypeError(f"{method.__qualname__}: only positional parameters can cross the wire")
    return tuple(code.co_varnames[1 : code.co_argcount])


def _signature(proc: Procedure) -> Signature:
    from pyvirt.driver import DriverConnection

    method = getattr(DriverConnection, proc.method)
    hints = type_hints(method)
    names = _parameters(method)
    return Signature(
        proc,
        names,
        tuple(checker(hints[name]) for name in names),
        checker(type(None) if proc.method in STREAM_OPENERS else hints.get("return", type(None))),
        f"{proc.method} result",
    )


_BY_NUMBER: dict[int, Signature] = {}
#: The signatures made so far, by procedure number: a client's call finds its own here
#: without a call to :func:`wire_signature` (pyvirt.rpc._sync_backend.ClientBase._invoke).
MADE = _BY_NUMBER


def signature(number: int) -> Signature | None:
    """The signature of procedure *number* (its key, :attr:`pyvirt._procedures.Procedure.key`:
    the number itself for the remote program), or None if no such procedure crosses the wire."""
    found = _BY_NUMBER.get(number)
    if found is None:
        proc = BY_NUMBER.get(number)
        if proc is None or not crosses_the_wire(proc):
            return None
        found = _BY_NUMBER[number] = _signature(proc)
    return found


_ALL: dict[int, Signature] | None = None


def signatures() -> dict[int, Signature]:
    """Procedure number -> signature, for every procedure that crosses the wire (the
    daemon's dispatch table: it serves them all, so it reads them all once)."""
    global _ALL
    if _ALL is None:
        _ALL = {proc.key: sig for proc in PROCEDURES if (sig := signature(proc.key)) is not None}
    return _ALL


def wire_signature(number: int) -> Signature:
    """The signature of a procedure that crosses the wire (the generated stubs' lookup, once
    per call: a made signature is found without a call to :func:`signature`)."""
    found = _BY_NUMBER.get(number) or signature(number)
    if found is None:
        raise KeyError(f"procedure {number} does not cross the wire")
    return found
