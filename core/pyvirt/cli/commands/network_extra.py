"""virsh's remaining "Networking" commands: name and UUID conversions, ``net-update`` and the
network port commands (``net-port-create``, ``-delete``, ``-dumpxml``, ``-list``).

Texts and the order of checks are virsh 9.0's (virsh-network.c).
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import (
    BY_NAME,
    BY_UUID,
    exclusive,
    flag_bits,
    network,
    opt_int,
    read_file,
    string_req,
)
from pyvirt.cli.commands.domain import dump_xml

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt import Network, NetworkPort

_B, _S, _D, _I = T.BOOL, T.STRING, T.DATA, T.INT

#: virsh's names of VIR_NETWORK_UPDATE_COMMAND_* and VIR_NETWORK_SECTION_* (index = value;
#: 0, "none", is refused as unrecognized), as pyvirt.conf.UPDATE_COMMANDS/SECTIONS hold
#: them: repeated here because importing pyvirt.conf loads lxml.
_COMMANDS = ("none", "modify", "delete", "add-last", "add-first")
_SECTIONS = (
    "none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward",
    "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv",
)  # fmt: skip


def cmd_net_name(ctl: Control, p: Parsed) -> bool:
    net, _ = network(ctl, p, by=BY_UUID)
    ctl.print(f"{net.name}\n")
    return True


def cmd_net_uuid(ctl: Control, p: Parsed) -> bool:
    net, _ = network(ctl, p, by=BY_NAME)
    ctl.print(f"{net.uuid}\n")
    return True


def _named(text: str, names: tuple[str, ...], what: str) -> int:
    index = names.index(text) if text in names else 0
    if index <= 0:
        raise Failure(f"unrecognized {what} name '{text}'")
    return index


def cmd_net_update(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    net, _ = network(ctl, p)
    command_text = string_req(p, "command")
    assert command_text is not None
    command = _named("add-last" if command_text == "add" else command_text, _COMMANDS, "command")
    section_text = string_req(p, "section")
    assert section_text is not None
    section = _named(section_text, _SECTIONS, "section")
    parent_index = opt_int(p, "parent-index")
    xml = string_req(p, "xml")
    assert xml is not None
    if not xml.startswith("<"):  # the name of a file holding the element
        xml = read_file(xml)
    config, live = p.bool("config"), p.bool("live")
    flags = flag_bits(p, {"live": 1, "config": 2})
    try:
        net.update(command, section, -1 if parent_index is None else parent_index, xml, flags)
    except Exception as e:
        raise Failure(f"Failed to update network {net.name}", cause=e) from None
    if config:
        done = "persistent config and live state" if live else "persistent config"
    elif live or net.is_active():
        done = "live state"
    else:
        done = "persistent config"
    # (no newline: virsh ends the line with the one it prints after every command)
    ctl.print_extra(f"Updated network {net.name} {done}")
    return True


# -- network ports ---------------------------------------------------------------------------
def _port(ctl: Control, p: Parsed, net: Network) -> tuple[NetworkPort | None, str]:
    """virshCommandOptNetworkPort: by UUID only.  virsh prints no cause after its message,
    and its net-port-dumpxml and net-port-delete then still succeed (exit status 0): kept,
    scripts see it.  None when there is no such port."""
    from pyvirt import VirtError

    uuid = string_req(p, "port")
    assert uuid is not None
    try:
        return net.lookup_port_by_uuid(uuid), uuid
    except VirtError:
        ctl.error(f"failed to get network port '{uuid}'")
        return None, uuid


def cmd_net_port_create(ctl: Control, p: Parsed) -> bool:
    net, _ = network(ctl, p)
    path = string_req(p, "file")
    assert path is not None
    xml = read_file(path)
    try:
        port = net.create_port(xml, 2 if p.bool("validate") else 0)
    except Exception as e:
        raise Failure(f"Failed to create network from {path}", cause=e) from None
    ctl.print_extra(f"Network port {port.uuid} created from {path}\n")
    return True


def cmd_net_port_delete(ctl: Control, p: Parsed) -> bool:
    net, _ = network(ctl, p)
    port, uuid = _port(ctl, p, net)
    if port is None:
        return True
    try:
        port.delete(0)
    except Exception as e:
        raise Failure(f"Failed to delete network port {uuid}", cause=e) from None
    ctl.print_extra(f"Network port {uuid} deleted\n")
    return True


def cmd_net_port_dumpxml(ctl: Control, p: Parsed) -> bool:
    net, _ = network(ctl, p)
    port, _ = _port(ctl, p, net)
    if port is None:
        return True
    dump_xml(ctl, port.xml_desc(0), string_req(p, "xpath"), p.bool("wrap"))
    return True


def cmd_net_port_list(ctl: Control, p: Parsed) -> bool:
    net, _ = network(ctl, p)
    ports = sorted(net.list_ports(0), key=lambda port: port.uuid)
    if p.bool("uuid"):
        ctl.print("".join(f"{port.uuid}\n" for port in ports))
        return True
    ctl.print(render(["UUID"], [[port.uuid] for port in ports], with_header=not ctl.quiet))
    return True


_NET = Opt("network", _D, "network name or uuid", req=True)


def _cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "network", brief, desc, tuple(o), handler)


COMMANDS = [
    _cmd("net-name", "convert a network UUID to network name", "", cmd_net_name,
         Opt("network", _D, "network uuid", req=True)),
    _cmd("net-port-create", "create a network port from an XML file", "Create a network port.",
         cmd_net_port_create, _NET,
         Opt("file", _D, "file containing an XML network port description", req=True),
         Opt("validate", _B, "validate the XML against the schema")),
    _cmd("net-port-delete", "delete the specified network port",
         "Delete the specified network port.", cmd_net_port_delete, _NET,
         Opt("port", _D, "port UUID", req=True)),
    _cmd("net-port-dumpxml", "network port information in XML",
         "Output the network port information as an XML dump to stdout.", cmd_net_port_dumpxml,
         _NET, Opt("port", _D, "port UUID", req=True),
         Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
         Opt("wrap", _B, "wrap xpath results in an common root element")),
    _cmd("net-port-list", "list network ports", "Returns list of network ports.",
         cmd_net_port_list, _NET, Opt("uuid", _B, "list uuid's only"),
         Opt("table", _B, "list table (default)")),
    _cmd("net-update", "update parts of an existing network's configuration", "",
         cmd_net_update, _NET,
         Opt("command", _D, "type of update (add-first, add-last (add), delete, or modify)",
             req=True),
         Opt("section", _D, "which section of network configuration to update", req=True),
         Opt("xml", _D, "name of file containing xml (or, if it starts with '<', the complete "
             "xml element itself) to add/modify, or to be matched for search", req=True),
         Opt("parent-index", _I, "which parent object to search through", req_opt=True),
         Opt("config", _B, "affect next network startup"),
         Opt("live", _B, "affect running network"),
         Opt("current", _B, "affect current state of network")),
    _cmd("net-uuid", "convert a network name to network UUID", "", cmd_net_uuid,
         Opt("network", _D, "network name", req=True)),
]  # fmt: skip
