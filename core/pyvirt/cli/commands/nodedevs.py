"""virsh's "Node Device" commands: nodedev-list (flat, by capability, or as a tree),
-dumpxml, -info, -create/-destroy, -define/-undefine/-start/-autostart, the PCI
detach/reattach/reset calls and nodedev-event.

A device argument is a name, or a ``wwnn,wwpn`` pair looked up as a fibre channel SCSI host
(vshFindNodeDevice).  Against libvirt 9.0's test driver ``nodedev-list`` fails, because virsh
always asks for active (or inactive) devices and that driver refuses those filters; pyvirsh
asks the same and fails the same way.
"""

from __future__ import annotations

import re

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import read_file, string_req
from pyvirt.cli.commands.domain import dump_xml
from pyvirt.cli.commands.events import (
    _EVENT,
    _LIST,
    _LOOP,
    _TIMEOUT,
    _TIMESTAMP,
    _Waiter,
    timeout_ms,
)

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt import NodeDevice, ObjectEvent

_B, _S, _D = T.BOOL, T.STRING, T.DATA
#: virValidateWWN: 16 hex digits, optionally after "0x".
_WWN = re.compile(r"(0x)?[0-9A-Fa-f]{16}\Z")
#: virNodeDevCapType names with their VIR_CONNECT_LIST_NODE_DEVICES_CAP_* bit (virsh's switch).
_CAP_FLAGS = {
    "system": 1 << 0, "pci": 1 << 1, "usb_device": 1 << 2, "usb": 1 << 3, "net": 1 << 4,
    "scsi_host": 1 << 5, "scsi_target": 1 << 6, "scsi": 1 << 7, "storage": 1 << 8,
    "fc_host": 1 << 9, "vports": 1 << 10, "scsi_generic": 1 << 11, "drm": 1 << 12,
    "mdev_types": 1 << 13, "mdev": 1 << 14, "ccw": 1 << 15, "css": 1 << 16, "vdpa": 1 << 17,
    "ap_card": 1 << 18, "ap_queue": 1 << 19, "ap_matrix": 1 << 20, "vpd": 1 << 21,
}  # fmt: skip
_INACTIVE, _ACTIVE = 1 << 30, 1 << 31
_NODEDEV_EVENTS = ("lifecycle", "update")
_LIFECYCLE_NAMES = ("Created", "Deleted", "Defined", "Undefined")


def find_device(ctl: Control, value: str) -> NodeDevice:
    """vshFindNodeDevice: by name, or by a ``wwnn,wwpn`` pair; virsh's errors."""
    from pyvirt import VirtError

    if "," in value:
        parts = value.split(",")  # vshStringToArray (without its ",," escape)
        if len(parts) != 2:
            raise Failure(f"Malformed device value '{value}'")
        for wwn in parts:
            if _WWN.match(wwn) is None:  # virValidateWWN reports, virsh adds nothing
                raise Failure(f"internal error: Malformed wwn: {wwn}")
    try:
        if "," in value:
            return ctl.conn.lookup_scsi_host_by_wwn(parts[0], parts[1], 0)
        return ctl.conn.lookup_node_device_by_name(value)
    except VirtError as e:
        raise Failure(f"Could not find matching device '{value}'", cause=e) from None


def _by_name(ctl: Control, name: str) -> NodeDevice:
    """The commands that take a device key (detach, reattach, reset, start): by name only."""
    from pyvirt import VirtError

    try:
        return ctl.conn.lookup_node_device_by_name(name)
    except VirtError as e:
        raise Failure(f"Could not find matching device '{name}'", cause=e) from None


def _device_arg(p: Parsed) -> str:
    value = string_req(p, "device")
    assert value is not None
    return value


def cmd_nodedev_list(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError
    from pyvirt.cli._tree import render_tree

    cap_text = p.str("cap")
    caps = cap_text.split(",") if cap_text else []  # vshStringToArray("") is no names
    tree, inactive, every = p.bool("tree"), p.bool("inactive"), p.bool("all")
    if every and inactive:
        raise Failure("Option --all is incompatible with --inactive")
    if tree and (cap_text is not None or inactive):
        raise Failure("Option --tree is incompatible with --cap and --inactive")
    flags = 0
    for cap in caps:
        if cap not in _CAP_FLAGS:
            raise Failure("Invalid capability type")
        flags |= _CAP_FLAGS[cap]
    if inactive or every:
        flags |= _INACTIVE
    if not inactive:
        flags |= _ACTIVE
    try:
        devices = ctl.conn.list_node_devices(flags)
    except VirtError as e:
        raise Failure("Failed to list node devices", cause=e) from None
    devices.sort(key=lambda d: d.name.lower())
    names = [d.name for d in devices]
    if not tree:
        ctl.print("".join(f"{name}\n" for name in names))
        return True
    parents = [None if d.name == "computer" else d.parent() for d in devices]
    ctl.print("".join(render_tree(names, parents, i) for i, par in enumerate(parents) if par is None))
    return True


def cmd_nodedev_dumpxml(ctl: Control, p: Parsed) -> bool:
    xpath = string_req(p, "xpath")
    device = find_device(ctl, _device_arg(p))
    dump_xml(ctl, device.xml_desc(0), xpath, p.bool("wrap"))
    return True


def cmd_nodedev_info(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    device = find_device(ctl, _device_arg(p))
    parent = device.parent()

    def yes(ask: Any) -> str:
        # virsh prints "yes" for any non-zero answer, libvirt's -1 for "failed" included.
        try:
            return "yes" if ask() else "no"
        except VirtError:
            return "yes"

    try:
        autostart = "yes" if device.autostart else "no"
    except VirtError:
        autostart = "no autostart"
    lines = [
        ("Name:", device.name),
        ("Parent:", parent or ""),
        ("Active:", yes(device.is_active)),
        ("Persistent:", yes(device.is_persistent)),
        ("Autostart:", autostart),
    ]
    ctl.print("".join(f"{label:<15} {value}\n" for label, value in lines))
    return True


def _from_file(verb: str, method: str, done: str) -> Any:
    def handler(ctl: Control, p: Parsed) -> bool:
        path = string_req(p, "file")
        assert path is not None
        xml = read_file(path)
        try:
            device = getattr(ctl.conn, method)(xml, 1 if p.bool("validate") else 0)
        except Exception as e:
            raise Failure(verb.format(path=path), cause=e) from None
        ctl.print_extra(done.format(name=device.name, path=path))
        return True

    return handler


def cmd_nodedev_destroy(ctl: Control, p: Parsed) -> bool:
    value = _device_arg(p)
    device = find_device(ctl, value)
    try:
        device.destroy()
    except Exception as e:
        raise Failure(f"Failed to destroy node device '{value}'", cause=e) from None
    ctl.print_extra(f"Destroyed node device '{value}'\n")
    return True


def cmd_nodedev_undefine(ctl: Control, p: Parsed) -> bool:
    value = _device_arg(p)
    device = find_device(ctl, value)
    try:
        device.undefine(0)
    except Exception as e:
        raise Failure(f"Failed to undefine node device '{value}'", cause=e) from None
    ctl.print_extra(f"Undefined node device '{value}'\n")
    return True


def cmd_nodedev_autostart(ctl: Control, p: Parsed) -> bool:
    value = _device_arg(p)
    device = find_device(ctl, value)
    enable = not p.bool("disable")
    try:
        device.set_autostart(enable)
    except Exception as e:
        what = "mark" if enable else "unmark"
        raise Failure(f"failed to {what} device {value} as autostarted", cause=e) from None
    ctl.print_extra(f"Device {value} {'marked' if enable else 'unmarked'} as autostarted\n")
    return True


def _keyed(verb: str, done: str, call: Any) -> Any:
    """detach, reattach, reset, start: look up by name, call, virsh's two messages."""

    def handler(ctl: Control, p: Parsed) -> bool:
        name = _device_arg(p)
        device = _by_name(ctl, name)
        try:
            call(device, p)
        except Exception as e:
            raise Failure(f"Failed to {verb} device {name}", cause=e) from None
        ctl.print_extra(f"Device {name} {done}\n")
        return True

    return handler


def _detach(device: NodeDevice, p: Parsed) -> None:
    driver = p.str("driver")
    if driver is not None:
        device.detach(driver, 0)
    else:
        device.dettach()


def nodedev_event_text(ev: ObjectEvent) -> str:
    """vshEventLifecyclePrint's line (virsh-nodedev.c)."""
    kind = _LIFECYCLE_NAMES[ev.event] if 0 <= ev.event < len(_LIFECYCLE_NAMES) else "unknown"
    return f"event 'lifecycle' for node device {ev.name}: {kind}\n"


def cmd_nodedev_event(ctl: Control, p: Parsed) -> bool:
    if p.bool("list"):
        ctl.print("".join(f"{name}\n" for name in _NODEDEV_EVENTS))
        return True
    event = string_req(p, "event")
    if event is None:
        raise Failure("either --list or --event <type> is required")
    if event not in _NODEDEV_EVENTS:
        raise Failure(f"unknown event type {event}")
    timeout = timeout_ms(p)
    name = string_req(p, "device")
    if name is not None:
        name = _by_name(ctl, name).name
    waiter = _Waiter(ctl, p.bool("loop"), p.bool("timestamp"))
    conn = ctl.conn
    if event == "lifecycle":  # pyvirt's drivers send no "update" events
        waiter.watch(conn, "nodedev", None, nodedev_event_text, name=name)
    try:
        waiter.wait(timeout)
    finally:
        waiter.close(conn)
    return waiter.report()


def _cmd(name: str, brief: str, desc: str, handler: Any, *o: Opt) -> Cmd:
    return Cmd(name, "nodedev", brief, desc, tuple(o), handler)


def _device_opt(help: str = "device name or wwn pair in 'wwnn,wwpn' format") -> Opt:
    return Opt("device", _D, help, req=True)


_FILE = Opt("file", _D, "file containing an XML description of the device", req=True)
_VALIDATE = Opt("validate", _B, "validate the XML against the schema")

COMMANDS = [
    _cmd(
        "nodedev-create",
        "create a device defined by an XML file on the node",
        "Create a device on the node.  Note that this command creates devices on the "
        "physical host that can then be assigned to a virtual machine.",
        _from_file(
            "Failed to create node device from {path}",
            "create_node_device",
            "Node device {name} created from {path}\n",
        ),
        _FILE,
        _VALIDATE,
    ),
    _cmd(
        "nodedev-destroy",
        "destroy (stop) a device on the node",
        "Destroy a device on the node.  Note that this command destroys devices on the "
        "physical host",
        cmd_nodedev_destroy,
        Opt("name", T.ALIAS, "device"),
        _device_opt(),
    ),
    _cmd(
        "nodedev-detach",
        "detach node device from its device driver",
        "Detach node device from its device driver before assigning to a domain.",
        _keyed("detach", "detached", _detach),
        _device_opt("device key"),
        Opt("driver", _S, "pci device assignment backend driver (e.g. 'vfio' or 'xen')"),
    ),
    _cmd(
        "nodedev-dumpxml",
        "node device details in XML",
        "Output the node device details as an XML dump to stdout.",
        cmd_nodedev_dumpxml,
        _device_opt(),
        Opt("xpath", _S, "xpath expression to filter the XML document", req_opt=True),
        Opt("wrap", _B, "wrap xpath results in an common root element"),
    ),
    _cmd(
        "nodedev-list",
        "enumerate devices on this host",
        "",
        cmd_nodedev_list,
        Opt("tree", _B, "list devices in a tree"),
        Opt("cap", _S, "capability names, separated by comma"),
        Opt("inactive", _B, "list inactive devices"),
        Opt("all", _B, "list inactive & active devices"),
    ),
    _cmd(
        "nodedev-reattach",
        "reattach node device to its device driver",
        "Reattach node device to its device driver once released by the domain.",
        _keyed("re-attach", "re-attached", lambda d, p: d.re_attach()),
        _device_opt("device key"),
    ),
    _cmd(
        "nodedev-reset",
        "reset node device",
        "Reset node device before or after assigning to a domain.",
        _keyed("reset", "reset", lambda d, p: d.reset()),
        _device_opt("device key"),
    ),
    _cmd(
        "nodedev-event",
        "Node Device Events",
        "List event types, or wait for node device events to occur",
        cmd_nodedev_event,
        Opt("device", _S, "filter by node device name"),
        _EVENT,
        _LOOP,
        _TIMEOUT,
        _LIST,
        _TIMESTAMP,
    ),
    _cmd(
        "nodedev-define",
        "Define a device by an xml file on a node",
        "Defines a persistent device on the node that can be assigned to a domain. The "
        "device must be started before it can be assigned to a domain.",
        _from_file(
            "Failed to define node device from '{path}'",
            "define_node_device",
            "Node device '{name}' defined from '{path}'\n",
        ),
        _FILE,
        _VALIDATE,
    ),
    _cmd(
        "nodedev-undefine",
        "Undefine an inactive node device",
        "Undefines the configuration for an inactive node device",
        cmd_nodedev_undefine,
        _device_opt(),
    ),
    _cmd(
        "nodedev-start",
        "Start an inactive node device",
        "Starts an inactive node device that was previously defined",
        _keyed("start", "started", lambda d, p: d.start(0)),
        _device_opt("device name"),
    ),
    _cmd(
        "nodedev-autostart",
        "autostart a defined node device",
        "Configure a node device to be automatically started at boot.",
        cmd_nodedev_autostart,
        _device_opt(),
        Opt("disable", _B, "disable autostarting"),
    ),
    _cmd(
        "nodedev-info",
        "node device information",
        "Returns basic information about the node device",
        cmd_nodedev_info,
        _device_opt(),
    ),
]
