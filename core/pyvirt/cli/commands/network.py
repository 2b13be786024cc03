"""virsh's "Networking" commands: net-list/info/dumpxml and the network lifecycle."""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import (
    JSON_OPT,
    emit_json,
    network,
    read_file,
    string_req,
    yes_no,
)
from pyvirt.cli.commands.domain import dump_xml
from pyvirt.cli.commands.events import NET_EVENT

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_B, _S, _D = T.BOOL, T.STRING, T.DATA


def _net_opt() -> Opt:
    return Opt("network", _D, "network name or uuid", req=True)


def _from_file(verb: str, past: str, method: str) -> Any:
    def handler(ctl: Control, p: Parsed) -> bool:
        path = string_req(p, "file")
        assert path is not None
        xml = read_file(path)
        try:
            net = getattr(ctl.conn, method)(xml, 1 if p.bool("validate") else 0)
        except Exception as e:
            raise Failure(f"Failed to {verb} network from {path}", cause=e) from None
        ctl.print_extra(f"Network {net.name} {past} from {path}\n")
        return True

    return handler


def _action(verb: str, done: str, method: str) -> Any:
    def handler(ctl: Control, p: Parsed) -> bool:
        net, name = network(ctl, p)
        try:
            getattr(net, method)()
        except Exception as e:
            raise Failure(f"Failed to {verb} network {name}", cause=e) from None
        ctl.print_extra(f"Network {name} {done}\n")
        return True

    return handler


def cmd_net_autostart(ctl: Control, p: Parsed) -> bool:
    net, name = network(ctl, p)
    enable = not p.bool("disable")
    try:
        net.set_autostart(enable)
    except Exception as e:
        what = "mark" if enable else "unmark"
        raise Failure(f"failed to {what} network {name} as autostarted", cause=e) from None
    ctl.print_extra(f"Network {name} {'marked' if enable else 'unmarked'} as autostarted\n")
    return True


def cmd_net_dumpxml(ctl: Control, p: Parsed) -> bool:
    net, _ = network(ctl, p)
    xml = net.xml_desc(1 if p.bool("inactive") else 0)
    dump_xml(ctl, xml, string_req(p, "xpath"), p.bool("wrap"))
    return True


def _net_json(net: Any) -> dict[str, Any]:
    rec = net.record
    active = rec.active if rec is not None else net.is_active()
    return {
        "name": net.name,
        "uuid": net.uuid,
        "state": "active" if active else "inactive",
        "active": active,
        "persistent": rec.persistent if rec is not None else net.is_persistent(),
        "autostart": rec.autostart if rec is not None else net.autostart,
    }


def cmd_net_info(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    net, _ = network(ctl, p)
    lines = [("Name:", net.name), ("UUID:", net.uuid)]
    data: dict[str, Any] = {"name": net.name, "uuid": net.uuid}
    for label, key, fetch in (
        ("Active:", "active", net.is_active),
        ("Persistent:", "persistent", net.is_persistent),
        ("Autostart:", "autostart", lambda: net.autostart),
    ):
        try:
            value = fetch()
        except VirtError:
            lines.append((label, "no autostart" if key == "autostart" else "unknown"))
            continue
        data[key] = value
        lines.append((label, yes_no(value)))
    try:
        bridge: str | None = net.bridge_name()
        lines.append(("Bridge:", str(bridge)))
    except VirtError:
        bridge = None
    data["bridge"] = bridge
    if p.bool("json"):
        emit_json(ctl, data)
    else:
        ctl.print("".join(f"{k:<15} {v}\n" for k, v in lines))
    return True


def cmd_net_list(ctl: Control, p: Parsed) -> bool:
    flags = 2
    if p.bool("inactive"):
        flags = 1
    if p.bool("all"):
        flags = 3
    for name, bit in (("persistent", 4), ("transient", 8), ("autostart", 16), ("no-autostart", 32)):
        if p.bool(name):
            flags |= bit
    if p.bool("table") + p.bool("name") + p.bool("uuid") > 1:
        raise Failure("Only one argument from --table, --name and --uuid may be specified.")
    nets = sorted(ctl.conn.list_networks(flags), key=lambda n: n.name.lower())
    if p.bool("json"):
        emit_json(ctl, [_net_json(n) for n in nets])
    elif p.bool("uuid"):
        ctl.print("".join(f"{n.uuid}\n" for n in nets))
    elif p.bool("name"):
        ctl.print("".join(f"{n.name}\n" for n in nets))
    else:
        rows = []
        for n in nets:
            d = _net_json(n)
            rows.append([n.name, d["state"], yes_no(d["autostart"]), yes_no(d["persistent"])])
        header = ["Name", "State", "Autostart", "Persistent"]
        ctl.print(render(header, rows, with_header=not ctl.quiet))
    return True


def _cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "network", brief, desc, tuple(o), handler)


_FILE = Opt("file", _D, "file containing an XML network description", req=True)
_VALIDATE = Opt("validate", _B, "validate the XML against the schema")
_XPATH = (
    Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
    Opt("wrap", _B, "wrap xpath results in an common root element"),
)

COMMANDS = [
    _cmd(
        "net-autostart",
        "autostart a network",
        "Configure a network to be automatically started at boot.",
        cmd_net_autostart,
        _net_opt(),
        Opt("disable", _B, "disable autostarting"),
    ),
    _cmd(
        "net-create",
        "create a network from an XML file",
        "Create a network.",
        _from_file("create", "created", "create_network"),
        _FILE,
        _VALIDATE,
    ),
    _cmd(
        "net-define",
        "define an inactive persistent virtual network or modify an existing "
        "persistent one from an XML file",
        "Define or modify a persistent virtual network.",
        _from_file("define", "defined", "define_network"),
        _FILE,
        _VALIDATE,
    ),
    _cmd(
        "net-destroy",
        "destroy (stop) a network",
        "Forcefully stop a given network.",
        _action("destroy", "destroyed", "destroy"),
        _net_opt(),
    ),
    _cmd(
        "net-dumpxml",
        "network information in XML",
        "Output the network information as an XML dump to stdout.",
        cmd_net_dumpxml,
        _net_opt(),
        Opt("inactive", _B, "show inactive defined XML"),
        *_XPATH,
    ),
    NET_EVENT,
    _cmd(
        "net-info",
        "network information",
        "Returns basic information about the network",
        cmd_net_info,
        _net_opt(),
        JSON_OPT,
    ),
    _cmd(
        "net-list",
        "list networks",
        "Returns list of networks.",
        cmd_net_list,
        Opt("inactive", _B, "list inactive networks"),
        Opt("all", _B, "list inactive & active networks"),
        Opt("persistent", _B, "list persistent networks"),
        Opt("transient", _B, "list transient networks"),
        Opt("autostart", _B, "list networks with autostart enabled"),
        Opt("no-autostart", _B, "list networks with autostart disabled"),
        Opt("uuid", _B, "list uuid's only"),
        Opt("name", _B, "list network names only"),
        Opt("table", _B, "list table (default)"),
        JSON_OPT,
    ),
    _cmd(
        "net-start",
        "start a (previously defined) inactive network",
        "Start a network.",
        _action("start", "started", "start"),
        _net_opt(),
    ),
    _cmd(
        "net-undefine",
        "undefine a persistent network",
        "Undefine the configuration for a persistent network.",
        _action("undefine", "has been undefined", "undefine"),
        _net_opt(),
    ),
]
