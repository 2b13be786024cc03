"""virsh's QEMU-specific commands: ``qemu-monitor-command``, ``qemu-agent-command``,
``qemu-monitor-event`` and ``qemu-attach`` (libvirt-qemu's calls), with virsh 9.0's
options, checks in its order, output and messages.

``qemu-monitor-command NAME ARG...`` sends more than one word as QMP command NAME with the
words as its arguments: virsh joins them with commas inside braces and parses that as JSON
(with yajl's error text when it is not, :mod:`pyvirt._yajl`); one word is sent as it is
when it is a JSON object, else as the name of a command without arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import to_int, to_uint
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import _opt_number, dom_opt, domain, exclusive, string_req

if TYPE_CHECKING:
    from pyvirt import ObjectEvent
    from pyvirt._connection import Connection

_HMP = 1  # VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP
#: VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK, _DEFAULT, _NOWAIT
_AGENT_BLOCK, _AGENT_DEFAULT, _AGENT_NOWAIT = -2, -1, 0
#: VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX, _NOCASE
_EVENT_REGEX, _EVENT_NOCASE = 1, 2


def _words(p: Parsed) -> list[str]:
    value = p.values.get("cmd")
    return list(value) if isinstance(value, list) else []


def _internal_error(detail: str) -> BaseException:
    from pyvirt import ErrorCode, ErrorDomain, make_error

    return make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, detail)


def _monitor_text(words: list[str], hmp: bool) -> str:
    """virshMonitorCommandConcatCmd: the words as one command, or a QMP wrapper.  One word
    that is a JSON object goes as it is; any other one word is a command's name."""
    if hmp or not words:
        return " ".join(words)
    from pyvirt import _yajl

    if len(words) == 1:
        try:
            is_object = isinstance(_yajl.loads(words[0]), dict)
        except _yajl.JSONSyntaxError:
            is_object = False
        return words[0] if is_object else _yajl.dumps({"execute": words[0]})

    try:
        arguments = _yajl.loads("{" + ",".join(words[1:]) + "}")
    except _yajl.JSONSyntaxError as exc:
        raise Failure(
            f"failed to wrap arguments '{' '.join(words[1:])}' into a QMP command wrapper",
            cause=_internal_error(str(exc)),
        ) from None
    return _yajl.dumps({"execute": words[0], "arguments": arguments})


def _pass_fds(p: Parsed) -> list[int] | None:
    """--pass-fds N,M,...: the descriptors, None when absent or empty."""
    text = p.str("pass-fds")
    if not text:
        return None
    fds = []
    for part in text.split(","):
        fd = to_int(part)
        if fd is None:
            raise Failure(f"Unable to parse FD number '{part}'")
        fds.append(fd)
    return fds


def cmd_qemu_monitor_command(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "hmp", "pretty")
    exclusive(p, "hmp", "return-value")
    dom, _ = domain(ctl, p)
    hmp = p.bool("hmp")
    fds = _pass_fds(p)
    text = _monitor_text(_words(p), hmp)
    flags = _HMP if hmp else 0
    if fds is not None:
        result = dom.qemu_monitor_command_with_files(text, fds, flags)
    else:
        result = dom.qemu_monitor_command(text, flags)
    pretty, return_value = p.bool("pretty"), p.bool("return-value")
    if not (pretty or return_value):
        ctl.print(f"{result}\n")
        return True
    from pyvirt import _yajl

    try:
        reply: Any = _yajl.loads(result)
    except _yajl.JSONSyntaxError as exc:
        raise Failure(cause=_internal_error(str(exc))) from None
    if return_value:
        if not isinstance(reply, dict) or "return" not in reply:
            raise Failure("'return' member missing")
        reply = reply["return"]
    ctl.print(_yajl.dumps(reply, pretty).removesuffix("\n"))
    return True


def cmd_qemu_agent_command(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    text = " ".join(_words(p))
    timeout = _opt_number(p, "timeout", to_int)
    given = 0
    if timeout is not None:
        given += 1
        if timeout < 1:
            raise Failure("timeout must be positive")
    else:
        timeout = _AGENT_DEFAULT
    if p.bool("async"):
        timeout, given = _AGENT_NOWAIT, given + 1
    if p.bool("block"):
        timeout, given = _AGENT_BLOCK, given + 1
    if given > 1:
        raise Failure("timeout, async and block options are exclusive")
    result = dom.qemu_agent_command(text, timeout, 0)
    if result is None:
        return False
    if p.bool("pretty"):
        from pyvirt import _yajl

        try:
            result = _yajl.dumps(_yajl.loads(result), pretty=True)
        except _yajl.JSONSyntaxError:
            pass  # virsh prints the agent's text as it came
    ctl.print(f"{result}\n")
    return True


def cmd_qemu_attach(ctl: Control, p: Parsed) -> bool:
    pid = _opt_number(p, "pid", to_uint)
    assert pid is not None  # a required option
    try:
        dom = ctl.conn.qemu_attach(pid)
    except Exception as e:
        raise Failure(f"Failed to attach to pid {pid}", cause=e) from None
    ctl.print_extra(f"Domain '{dom.name}' attached to pid {pid}\n")
    return True


def cmd_qemu_monitor_event(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli.commands.events import _Waiter, timeout_ms

    flags = (_EVENT_REGEX if p.bool("regex") else 0) | (_EVENT_NOCASE if p.bool("no-case") else 0)
    timeout = timeout_ms(p)
    event = string_req(p, "event")
    dom = domain(ctl, p)[0] if p.str("domain") is not None else None
    conn: Connection = ctl.conn
    pretty, timestamp = p.bool("pretty"), p.bool("timestamp")
    callback_id = conn.qemu_monitor_event_register(dom, event, flags)
    # the driver numbers its registrations: its events carry the number as their event id
    waiter = _Waiter(ctl, p.bool("loop"), False)
    try:
        waiter.watch(
            conn,
            "qemu-monitor",
            None,
            lambda ev: _monitor_event_text(ev, pretty, timestamp),
            event_id=callback_id,
        )
        waiter.wait(timeout)
    finally:
        waiter.close(conn)
        conn.qemu_monitor_event_deregister(callback_id)
    return waiter.report()


def _monitor_event_text(ev: ObjectEvent, pretty: bool, timestamp: bool) -> str:
    """virshEventQemuPrint's line."""
    details = ev.details
    if pretty and details is not None:
        from pyvirt import _yajl

        try:
            details = _yajl.dumps(_yajl.loads(details), pretty=True)
        except _yajl.JSONSyntaxError:
            pass
    shown = "<null>" if details is None else details  # libvirt's NULLSTR
    if timestamp:
        from pyvirt.cli.commands.events import timestamp_now

        return f"{timestamp_now()}: event {ev.text} for domain '{ev.name}': {shown}\n"
    return f"event {ev.text} at {ev.event}.{ev.detail:06d} for domain '{ev.name}': {shown}\n"


_CMD = Opt("cmd", T.ARGV, "command", req=True)

COMMANDS = [
    Cmd(
        "qemu-monitor-command",
        "domain",
        "QEMU Monitor Command",
        "QEMU Monitor Command",
        (
            dom_opt(),
            Opt("hmp", T.BOOL, "command is in human monitor protocol"),
            Opt("pretty", T.BOOL, "pretty-print any qemu monitor protocol output"),
            Opt("return-value", T.BOOL, "extract the value of the 'return' key from the returned string"),
            Opt("pass-fds", T.STRING, "pass file descriptors N,M,... along with the command", req_opt=True),
            _CMD,
        ),
        cmd_qemu_monitor_command,
    ),
    Cmd(
        "qemu-agent-command",
        "domain",
        "QEMU Guest Agent Command",
        "Run an arbitrary qemu guest agent command; use at your own risk",
        (
            dom_opt(),
            Opt("timeout", T.INT, "timeout seconds. must be positive.", req_opt=True),
            Opt("async", T.BOOL, "execute command without waiting for timeout"),
            Opt("block", T.BOOL, "execute command without timeout"),
            Opt("pretty", T.BOOL, "pretty-print the output"),
            _CMD,
        ),
        cmd_qemu_agent_command,
    ),
    Cmd(
        "qemu-monitor-event",
        "domain",
        "QEMU Monitor Events",
        "Listen for QEMU Monitor Events",
        (
            Opt("domain", T.STRING, "filter by domain name, id or uuid"),
            Opt("event", T.STRING, "filter by event name"),
            Opt("pretty", T.BOOL, "pretty-print any JSON output"),
            Opt("loop", T.BOOL, "loop until timeout or interrupt, rather than one-shot"),
            Opt("timeout", T.INT, "timeout seconds"),
            Opt("regex", T.BOOL, "treat event as a regex rather than literal filter"),
            Opt("no-case", T.BOOL, "treat event case-insensitively"),
            Opt("timestamp", T.BOOL, "show timestamp for each printed event"),
        ),
        cmd_qemu_monitor_event,
    ),
    Cmd(
        "qemu-attach",
        "domain",
        "QEMU Attach",
        "QEMU Attach",
        (Opt("pid", T.DATA, "pid", req=True),),
        cmd_qemu_attach,
    ),
]  # fmt: skip
