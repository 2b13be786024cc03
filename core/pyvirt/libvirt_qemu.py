"""libvirt-python's ``libvirt_qemu`` on pyvirt: ``import pyvirt.libvirt_qemu as libvirt_qemu``.

The functions of libvirt's QEMU-specific library under libvirt-python's names and signatures
(``qemuMonitorCommand``, ``qemuAgentCommand``, ``qemuAttach``, ``qemuMonitorCommandWithFiles``,
``qemuMonitorEventRegister`` / ``Deregister``) and its ``VIR_*`` constants, over
:class:`pyvirt.Domain`'s and :class:`pyvirt.Connection`'s calls of the same names.  Argument
conversion is that of libvirt-python's C glue (:mod:`pyvirt.libvirt._args`), errors cross
into ``libvirtError`` at one place (:func:`pyvirt.libvirt._errors.api`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyvirt import libvirt as libvirt
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._qemu_events import deregister_monitor_events, register_monitor_events

VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT = 0
VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = 1
VIR_DOMAIN_QEMU_AGENT_COMMAND_MIN = -2
VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK = -2
VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT = -1
VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT = 0
VIR_DOMAIN_QEMU_AGENT_COMMAND_SHUTDOWN = 60
VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX = 1
VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_NOCASE = 2

_MONITOR = "virDomainQemuMonitorCommand"
_AGENT = "virDomainQemuAgentCommand"
_EVENTS = "virConnectDomainQemuMonitorEventRegister"


@api
def qemuMonitorCommand(domain: libvirt.virDomain, cmd: str, flags: int) -> str:  # noqa: N802
    """Send an arbitrary monitor command through qemu monitor of domain."""
    text = _args.string(cmd, _MONITOR, 2, "cmd")
    return domain._o.qemu_monitor_command(text, _args.flags(flags))


@api
def qemuMonitorCommandWithFiles(  # noqa: N802
    domain: libvirt.virDomain,
    cmd: str,
    files: list[int] = [],  # noqa: B006 - libvirt-python's signature, never mutated
    flags: int = 0,
) -> tuple[str, list[Any]]:
    """Send a monitor command with the descriptors *files*; (reply, descriptors QEMU handed
    back).  QEMU's replies carry no descriptors, so the list is empty, as in libvirt."""
    text = _args.string(cmd, "virDomainQemuMonitorCommandWithFiles", 2, "cmd")
    fds = _args.fd_list(files)
    return domain._o.qemu_monitor_command_with_files(text, fds, _args.flags(flags)), []


@api
def qemuAgentCommand(  # noqa: N802
    domain: libvirt.virDomain, cmd: str, timeout: int, flags: int
) -> str | None:
    """Send a guest agent command to domain."""
    text = _args.string(cmd, _AGENT, 2, "cmd")
    return domain._o.qemu_agent_command(text, _args.c_int(timeout), _args.flags(flags))


@api
def qemuAttach(conn: libvirt.virConnect, pid_value: int, flags: int) -> libvirt.virDomain:  # noqa: N802
    """Attach to an externally launched QEMU process identified by *pid_value*."""
    dom = conn._o.qemu_attach(_args.flags(pid_value), _args.flags(flags))
    return libvirt.virDomain(conn, dom)


@api
def qemuMonitorEventRegister(  # noqa: N802
    conn: libvirt.virConnect,
    dom: libvirt.virDomain,
    event: str,
    cb: Callable[[libvirt.virConnect, libvirt.virDomain, str, int, int, str, Any], None],
    opaque: Any,
    flags: int = 0,
) -> int:
    """Adds a qemu monitor event callback; *cb* is called from the event loop as
    ``cb(conn, dom, event, seconds, micros, details, opaque)``."""
    name = _args.optional_string(event, _EVENTS, 3)
    callback_id = register_monitor_events(conn, dom, name, cb, opaque, _args.flags(flags))
    # (libvirt-python keeps this attribute on the connection; programs may look at it)
    kept: dict[int, Any] = conn.__dict__.setdefault("qemuMonitorEventCallbackID", {})
    kept[callback_id] = opaque
    return callback_id


@api
def qemuMonitorEventDeregister(conn: libvirt.virConnect, callbackID: int) -> None:  # noqa: N802, N803
    """Removes a qemu monitor event callback."""
    deregister_monitor_events(conn, _args.c_int(callbackID))
    conn.__dict__.get("qemuMonitorEventCallbackID", {}).pop(callbackID, None)
