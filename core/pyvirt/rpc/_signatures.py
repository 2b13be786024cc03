"""Argument and result types of every procedure, read from the driver contract.

The procedure table names each driver method; the method's annotations in
:mod:`pyvirt.driver` are its wire signature.  So the types a client may send, the checks the
daemon applies before a driver sees a call, and the documentation cannot drift apart.
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any

from pyvirt._procedures import PROCEDURES, Procedure
from pyvirt.rpc._codec import Checker, ProtocolError, checker

#: Methods whose arguments cannot cross the wire; the daemon serves them itself.
LOCAL_ONLY = frozenset({"connect_event_subscribe", "connect_event_unsubscribe"})


@dataclass(frozen=True, slots=True)
class Signature:
    procedure: Procedure
    names: tuple[str, ...]
    args: tuple[Checker, ...]
    result: Checker

    def check_args(self, args: Any) -> list[Any]:
        if not isinstance(args, list) or len(args) != len(self.args):
            raise ProtocolError(f"{self.procedure.method}: expected {len(self.args)} arguments")
        return [
            check(value, name)
            for check, value, name in zip(self.args, args, self.names, strict=True)
        ]

    def check_result(self, value: Any) -> Any:
        return self.result(value, f"{self.procedure.method} result")


def _signature(proc: Procedure) -> Signature:
    from pyvirt.driver import DriverConnection

    method = getattr(DriverConnection, proc.method)
    hints = typing.get_type_hints(method)
    params = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
    return Signature(
        proc,
        tuple(p.name for p in params),
        tuple(checker(hints[p.name]) for p in params),
        checker(hints.get("return", type(None))),
    )


_BY_NUMBER: dict[int, Signature] | None = None


def signatures() -> dict[int, Signature]:
    """Procedure number -> signature, for every procedure that crosses the wire."""
    global _BY_NUMBER
    if _BY_NUMBER is None:
        _BY_NUMBER = {
            p.number: _signature(p)
            for p in PROCEDURES
            if p.method not in LOCAL_ONLY and p.method not in ("connect_open", "connect_close")
        }
    return _BY_NUMBER
