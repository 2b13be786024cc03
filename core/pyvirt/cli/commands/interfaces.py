"""virsh's "Interface" commands: iface-list/-dumpxml/-define/-undefine/-start/-destroy, the
name/MAC conversions and the change transaction (iface-begin/-commit/-rollback).

Kept as virsh 9.0 has them, its quirks included: ``iface-destroy`` exits with failure even
when the interface went down (virsh returns false after printing success), and an argument
that parses as a MAC address is looked up only by MAC, anything else only by name.
"""

from __future__ import annotations

import re

from pyvirt.cli._control import INFO, Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import exclusive, read_file, string_req
from pyvirt.cli.commands.domain import dump_xml

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from pyvirt import Connection, Interface

_B, _S, _D = T.BOOL, T.STRING, T.DATA
_BY_NAME, _BY_MAC = 1, 2
#: virMacAddrParse: six groups of one or two hex digits separated by colons.
_MAC = re.compile(r"[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}\Z")


def interface(
    ctl: Control, p: Parsed, by: int = _BY_NAME | _BY_MAC, option: str = "interface"
) -> tuple[Interface, str]:
    """virshCommandOptInterfaceBy: a MAC address is looked up by MAC, anything else by
    name (each only if *by* allows it); the lookup's error follows virsh's line.  *option*
    names the command's option that holds the interface."""
    from pyvirt import VirtError

    name = string_req(p, option)
    assert name is not None
    ctl.log(INFO, f"{p.cmd.name}: found option <{option}>: {name}")
    error: VirtError | None = None
    try:
        if _MAC.match(name) is None:
            if by & _BY_NAME:
                return ctl.conn.lookup_interface_by_name(name), name
        elif by & _BY_MAC:
            return ctl.conn.lookup_interface_by_mac(name), name
    except VirtError as e:
        error = e
    raise Failure(f"failed to get interface '{name}'", cause=error)


def cmd_iface_list(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    exclusive(p, "all", "inactive")
    flags = 2  # VIR_CONNECT_LIST_INTERFACES_ACTIVE
    if p.bool("inactive"):
        flags = 1
    if p.bool("all"):
        flags = 3
    try:
        ifaces = ctl.conn.list_interfaces(flags)
    except VirtError as e:
        raise Failure("Failed to list interfaces", cause=e) from None
    rows = []
    for iface in sorted(ifaces, key=lambda i: i.name.lower()):
        active = iface.record.active if iface.record is not None else iface.is_active()
        rows.append([iface.name, "active" if active else "inactive", iface.mac])
    ctl.print(render(["Name", "State", "MAC Address"], rows, with_header=not ctl.quiet))
    return True


def cmd_iface_name(ctl: Control, p: Parsed) -> bool:
    iface, _ = interface(ctl, p, _BY_MAC)
    ctl.print(f"{iface.name}\n")
    return True


def cmd_iface_mac(ctl: Control, p: Parsed) -> bool:
    iface, _ = interface(ctl, p, _BY_NAME)
    ctl.print(f"{iface.mac}\n")
    return True


def cmd_iface_dumpxml(ctl: Control, p: Parsed) -> bool:
    iface, _ = interface(ctl, p)
    xml = iface.xml_desc(1 if p.bool("inactive") else 0)
    dump_xml(ctl, xml, string_req(p, "xpath"), p.bool("wrap"))
    return True


def cmd_iface_define(ctl: Control, p: Parsed) -> bool:
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        iface = ctl.conn.define_interface(xml, 1 if p.bool("validate") else 0)
    except Exception as e:
        raise Failure(f"Failed to define interface from {path}", cause=e) from None
    ctl.print_extra(f"Interface {iface.name} defined from {path}\n")
    return True


def _action(verb: str, done: str, method: str, succeeded: bool = True) -> Any:
    def handler(ctl: Control, p: Parsed) -> bool:
        iface, name = interface(ctl, p)
        try:
            getattr(iface, method)()
        except Exception as e:
            raise Failure(f"Failed to {verb} interface {name}", cause=e) from None
        ctl.print_extra(f"Interface {name} {done}\n")
        return succeeded

    return handler


def _transaction(verb: str, done: str, call: Callable[[Connection], None]) -> Any:
    def handler(ctl: Control, p: Parsed) -> bool:
        try:
            call(ctl.conn)
        except Exception as e:
            raise Failure(f"Failed to {verb} network config change transaction", cause=e) from None
        ctl.print_extra(f"Network config change transaction {done}\n")
        return True

    return handler


def _cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "interface", brief, desc, tuple(o), handler)


def _iface_opt(help: str = "interface name or MAC address") -> Opt:
    return Opt("interface", _D, help, req=True)


COMMANDS = [
    _cmd(
        "iface-begin",
        "create a snapshot of current interfaces settings, which can be later committed "
        "(iface-commit) or restored (iface-rollback)",
        "Create a restore point for interfaces settings",
        _transaction("begin", "started", lambda conn: conn.interface_change_begin()),
    ),
    _cmd(
        "iface-commit",
        "commit changes made since iface-begin and free restore point",
        "commit changes and free restore point",
        _transaction("commit", "committed", lambda conn: conn.interface_change_commit()),
    ),
    _cmd(
        "iface-define",
        "define an inactive persistent physical host interface or modify an existing "
        "persistent one from an XML file",
        "Define or modify a persistent physical host interface.",
        cmd_iface_define,
        Opt("file", _D, "file containing an XML interface description", req=True),
        Opt("validate", _B, "validate the XML against the schema"),
    ),
    _cmd(
        "iface-destroy",
        'destroy a physical host interface (disable it / "if-down")',
        "forcefully stop a physical host interface.",
        # virsh 9.0 reports failure after a successful destroy: kept, scripts see it.
        _action("destroy", "destroyed", "destroy", succeeded=False),
        _iface_opt(),
    ),
    _cmd(
        "iface-dumpxml",
        "interface information in XML",
        "Output the physical host interface information as an XML dump to stdout.",
        cmd_iface_dumpxml,
        _iface_opt(),
        Opt("inactive", _B, "show inactive defined XML"),
        Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
        Opt("wrap", _B, "wrap xpath results in an common root element"),
    ),
    _cmd(
        "iface-list",
        "list physical host interfaces",
        "Returns list of physical host interfaces.",
        cmd_iface_list,
        Opt("inactive", _B, "list inactive interfaces"),
        Opt("all", _B, "list inactive & active interfaces"),
    ),
    _cmd(
        "iface-mac",
        "convert an interface name to interface MAC address",
        "",
        cmd_iface_mac,
        _iface_opt("interface name"),
    ),
    _cmd(
        "iface-name",
        "convert an interface MAC address to interface name",
        "",
        cmd_iface_name,
        _iface_opt("interface mac"),
    ),
    _cmd(
        "iface-rollback",
        "rollback to previous saved configuration created via iface-begin",
        "rollback to previous restore point",
        _transaction("rollback", "rolled back", lambda conn: conn.interface_change_rollback()),
    ),
    _cmd(
        "iface-start",
        'start a physical host interface (enable it / "if-up")',
        "start a physical host interface.",
        _action("start", "started", "start"),
        _iface_opt(),
    ),
    _cmd(
        "iface-undefine",
        "undefine a physical host interface (remove it from configuration)",
        "undefine an interface.",
        _action("undefine", "undefined", "undefine"),
        _iface_opt(),
    ),
]
