"""Generate the procedure section of docs/protocol.md from the procedure table.

``python -m pyvirt._tools.gen_api`` (with the generated code) or
``python -m pyvirt.rpc._doc --write docs/protocol.md`` rewrites the block between the
``<!-- procedures:begin -->`` / ``<!-- procedures:end -->`` markers; a test fails when the
document and the table disagree, so the protocol document cannot drift from the code.
"""

from __future__ import annotations

import inspect
import sys
import typing

from pyvirt._procedures import PROCEDURES, Procedure
from pyvirt.rpc._signatures import LOCAL_ONLY

BEGIN = "<!-- procedures:begin -->"
END = "<!-- procedures:end -->"


def _type_name(tp: typing.Any) -> str:
    if tp is type(None):
        return "nil"
    origin = typing.get_origin(tp)
    if origin is not None:
        args = ", ".join(_type_name(a) for a in typing.get_args(tp))
        name = getattr(origin, "__name__", str(origin))
        if name in ("Union", "UnionType"):
            return " or ".join(_type_name(a) for a in typing.get_args(tp))
        return f"{name}[{args}]"
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _permissions(proc: Procedure) -> str:
    """The row's ``@acl`` permissions; flag-dependent ones with the flag bits that need them."""
    parts = list(proc.acl)
    for rule in proc.flag_acl:
        condition = f"0x{rule.mask:x}" if rule.when_set else f"none of 0x{rule.mask:x}"
        parts.append(f"{rule.permission} (flags {condition})")
    return "<br>".join(parts) or "none"


def procedure_table() -> str:
    """The markdown table of every procedure, from the table and the driver contract."""
    from pyvirt.driver import DriverConnection

    lines = [
        "| # | method | libvirt API | permissions | read-only ok | priority | arguments | result "
        "| program |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for proc in sorted(PROCEDURES, key=lambda p: p.key):
        method = getattr(DriverConnection, proc.method, None)
        if method is None or proc.method in LOCAL_ONLY:
            args = result = "(served by the daemon itself)"
        else:
            hints = typing.get_type_hints(method)
            params = [p for p in inspect.signature(method).parameters if p != "self"]
            args = ", ".join(f"{p}: {_type_name(hints[p])}" for p in params) or "-"
            result = _type_name(hints.get("return", type(None)))
        lines.append(
            f"| {proc.number} | `{proc.method}` | {proc.api} | {_permissions(proc)} "
            f"| {'yes' if proc.readonly_ok else 'no'} "
            f"| {'yes' if proc.priority else 'no'} | {args} | {result} | {proc.program} |"
        )
    return "\n".join(lines) + "\n"


def render(document: str) -> str:
    """*document* with its generated block replaced by the current table."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{procedure_table()}{END}{tail}"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--write":
        with open(argv[1], encoding="utf-8") as handle:
            text = handle.read()
        with open(argv[1], "w", encoding="utf-8") as handle:
            handle.write(render(text))
        return 0
    sys.stdout.write(procedure_table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
