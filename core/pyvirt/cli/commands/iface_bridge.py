"""virsh's interface commands that rewrite a host interface's definition: ``iface-bridge``
(put an interface under a new bridge), ``iface-unbridge`` (take a bridge's one interface
out again) and ``iface-edit`` (the ``$EDITOR`` loop of :mod:`pyvirt.cli._editor`).

All three start from the interface's persistent XML (virInterfaceGetXMLDesc with
VIR_INTERFACE_XML_INACTIVE), with no fallback to the live XML; libvirt's test driver refuses
that flag, so there, as with virsh, each stops at that call.  The rewriting follows virsh
9.0 (virsh-interface.c): the bridge takes over the interface's name and start mode, the
interface moves inside the bridge with its ``<mac>``, ``<bond>`` and ``<vlan>`` (and back up
on unbridging); STP is on unless ``--no-stp``, and only then is ``--delay`` written.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import opt_uint, string_req
from pyvirt.cli.commands.interfaces import interface

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

    from pyvirt import Interface

_BY_NAME = 1
_XML_INACTIVE = 1  # VIR_INTERFACE_XML_INACTIVE
#: What belongs to the enslaved device rather than to the bridge.
_DEVICE_CHILDREN = ("mac", "bond", "vlan")


def _inactive_xml(iface: Interface) -> str:
    try:
        return iface.xml_desc(_XML_INACTIVE)
    except Exception as e:
        raise Failure(cause=e) from None


def _parse(xml: str, name: str, label: str) -> etree._Element:
    from pyvirt import ErrorDomain, VirtError
    from pyvirt._xml import parse_document

    try:
        return parse_document(xml, label, ErrorDomain.NONE)
    except VirtError as e:
        raise Failure(f"Failed to parse configuration of {name}", cause=e) from None


def _move_device_children(source: etree._Element, target: etree._Element) -> None:
    for child in list(source):
        if child.tag in _DEVICE_CHILDREN:
            target.append(child)


def bridged(xml: str, if_name: str, br_name: str, stp: bool, delay: int) -> str:
    """*xml* (an interface's definition) rewritten as bridge *br_name* holding it."""
    from lxml import etree

    top = _parse(xml, if_name, "interface definition")
    if_type = top.get("type")
    if if_type is None:
        raise Failure(f"Existing device {if_name} has no type")
    if if_type == "bridge":
        raise Failure(f"Existing device {if_name} is already a bridge")
    if top.get("name") != if_name:
        raise Failure(
            f"Interface name from config {top.get('name')} doesn't match given supplied name "
            f"{if_name}"
        )
    bridge = etree.SubElement(top, "bridge", stp="on" if stp else "off")
    if stp:
        bridge.set("delay", str(delay))
    top.set("type", "bridge")
    top.set("name", br_name)
    device = etree.SubElement(bridge, "interface", type=if_type, name=if_name)
    _move_device_children(top, device)
    return etree.tostring(top, encoding="unicode")


def unbridged(xml: str, br_name: str) -> tuple[str, str]:
    """*xml* (a bridge's definition) rewritten as its one attached device: (name, XML)."""
    from lxml import etree

    top = _parse(xml, br_name, "bridge interface definition")
    br_type = top.get("type")
    if br_type is None:
        raise Failure(f"Existing device {br_name} has no type")
    if br_type != "bridge":
        raise Failure(f"Device {br_name} is not a bridge")
    if top.get("name") != br_name:
        raise Failure(
            f"Interface name from config {top.get('name')} doesn't match given supplied name "
            f"{br_name}"
        )
    bridge = top.find("bridge")
    if bridge is None:
        raise Failure("No bridge node in xml document")
    devices = bridge.findall("interface")
    if len(devices) > 1:
        raise Failure("Multiple interfaces attached to bridge")
    if not devices:
        raise Failure("No interface attached to bridge")
    if_name = devices[0].get("name")
    if if_name is None:
        raise Failure(f"Device attached to bridge {br_name} has no name")
    if_type = devices[0].get("type")
    if if_type is None:
        raise Failure(f"Attached device {if_name} has no type")
    top.set("type", if_type)
    top.set("name", if_name)
    _move_device_children(devices[0], top)
    top.remove(bridge)
    return if_name, etree.tostring(top, encoding="unicode")


def _define_and_start(
    ctl: Control, p: Parsed, xml: str, failures: tuple[str, str], done: tuple[str, str]
) -> bool:
    """Define the rewritten interface and, unless ``--no-start``, start it, with virsh's
    messages (*failures*: what failed to be done; *done*: what was)."""
    from pyvirt import VirtError

    try:
        iface = ctl.conn.define_interface(xml)
    except VirtError as e:
        raise Failure(f"Failed to {failures[0]}", cause=e) from None
    ctl.print_extra(f"{done[0]}\n")
    if not p.bool("no-start"):
        try:
            iface.start()
        except VirtError as e:
            raise Failure(f"Failed to {failures[1]}", cause=e) from None
        ctl.print_extra(f"{done[1]}\n")
    return True


def cmd_iface_bridge(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    iface, if_name = interface(ctl, p, _BY_NAME)
    br_name = string_req(p, "bridge")
    assert br_name is not None
    conn = ctl.conn
    # The bridge must be new; virsh keeps the failed lookup's error as its last one.
    last: VirtError | None = None
    try:
        conn.lookup_interface_by_name(br_name)
    except VirtError as e:
        last = e
    else:
        raise Failure(f"Network device {br_name} already exists")
    stp = not p.bool("no-stp")
    try:
        delay = opt_uint(p, "delay") or 0
    except Failure as e:
        raise Failure(*e.lines, cause=last) from None
    xml = bridged(_inactive_xml(iface), if_name, br_name, stp, delay)
    return _define_and_start(
        ctl,
        p,
        xml,
        (f"define new bridge interface {br_name}", f"start bridge interface {br_name}"),
        (
            f"Created bridge {br_name} with attached device {if_name}",
            f"Bridge interface {br_name} started",
        ),
    )


def cmd_iface_unbridge(ctl: Control, p: Parsed) -> bool:
    from pyvirt import VirtError

    bridge, br_name = interface(ctl, p, _BY_NAME, option="bridge")
    if_name, xml = unbridged(_inactive_xml(bridge), br_name)
    for step, call in (("destroy", bridge.destroy), ("undefine", bridge.undefine)):
        try:
            call()
        except VirtError as e:
            raise Failure(f"Failed to {step} bridge interface {br_name}", cause=e) from None
    return _define_and_start(
        ctl,
        p,
        xml,
        (f"define new interface {if_name}", f"start interface {if_name}"),
        (f"Device {if_name} un-attached from bridge {br_name}", f"Interface {if_name} started"),
    )


def cmd_iface_edit(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._editor import EditSpec, edit_object

    iface, _ = interface(ctl, p)
    spec = EditSpec(
        lambda: iface.xml_desc(_XML_INACTIVE), lambda xml: ctl.conn.define_interface(xml).name
    )
    edited = edit_object(ctl, spec)
    if edited is None:
        ctl.print_extra(f"Interface {iface.name} XML configuration not changed.\n")
    else:
        ctl.print_extra(f"Interface {edited} XML configuration edited.\n")
    return True


COMMANDS = [
    Cmd(
        "iface-bridge",
        "interface",
        "create a bridge device and attach an existing network device to it",
        "bridge an existing network device",
        (
            Opt("interface", T.DATA, "existing interface name", req=True),
            Opt("bridge", T.DATA, "new bridge device name", req=True),
            Opt("no-stp", T.BOOL, "do not enable STP for this bridge"),
            Opt(
                "delay",
                T.INT,
                "number of seconds to squelch traffic on newly connected ports",
            ),
            Opt("no-start", T.BOOL, "don't start the bridge immediately"),
        ),
        cmd_iface_bridge,
    ),
    Cmd(
        "iface-edit",
        "interface",
        "edit XML configuration for a physical host interface",
        "Edit the XML configuration for a physical host interface.",
        (Opt("interface", T.DATA, "interface name or MAC address", req=True),),
        cmd_iface_edit,
    ),
    Cmd(
        "iface-unbridge",
        "interface",
        "undefine a bridge device after detaching its device(s)",
        "unbridge a network device",
        (
            Opt("bridge", T.DATA, "current bridge device name", req=True),
            Opt(
                "no-start",
                T.BOOL,
                "don't start the detached interface immediately (not recommended)",
            ),
        ),
        cmd_iface_unbridge,
    ),
]
