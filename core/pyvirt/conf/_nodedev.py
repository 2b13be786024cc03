"""Node device XML (``<device>``): :class:`NodeDeviceDef`, the parser virNodeDeviceCreateXML
uses and libvirt 9.0's formatter.

Why modelled: node device drivers answer capability filters, parents and fibre channel WWNs
(vHBA creation, virNodeDeviceLookupSCSIHostByWWN) from these fields.  The system and SCSI host
capabilities (with their fc_host and vport_ops sub-capabilities) are typed, which is what
libvirt's test driver holds and creates; other capability types are recognised by name, as
libvirt's parser does before it reads their bodies, and kept as that name only.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._kit_model import field, model
from pyvirt.conf._common import child, child_text, children, local_name

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

    from pyvirt._xml import XMLWriter

__all__ = [
    "CAPABILITY_TYPES",
    "NodeDevCap",
    "NodeDeviceDef",
    "format_node_device_xml",
    "parse_node_device_xml",
]

_NODEDEV = ErrorDomain.NODEDEV
#: virNodeDevCapType names, in libvirt's order (the index is the enum's value).
CAPABILITY_TYPES = (
    "system",
    "pci",
    "usb_device",
    "usb",
    "net",
    "scsi_host",
    "scsi_target",
    "scsi",
    "storage",
    "fc_host",
    "vports",
    "scsi_generic",
    "drm",
    "mdev_types",
    "mdev",
    "ccw",
    "css",
    "vdpa",
    "ap_card",
    "ap_queue",
    "ap_matrix",
    "vpd",
)
#: The name a device has while virNodeDeviceCreateXML parses it (libvirt's CREATE_DEVICE).
NEW_DEVICE = "new device"


@model(slots=True)
class NodeDevCap:
    """One ``<capability>``.  ``system``: hardware and firmware strings; ``scsi_host``: host
    number, unique id and the optional fc_host (WWNs) and vport_ops sub-capabilities."""

    type: str
    product: str | None = None
    hardware: dict[str, str] = field(default_factory=dict)  # vendor, version, serial, uuid
    firmware: dict[str, str] = field(default_factory=dict)  # vendor, version, release_date
    host: int = 0
    unique_id: int = -1
    fc_host: bool = False
    wwnn: str | None = None
    wwpn: str | None = None
    fabric_wwn: str | None = None
    vport_ops: bool = False
    max_vports: int = 0
    vports: int = 0


@model(slots=True)
class NodeDeviceDef:
    """A node device: its name, parent (by name, or by WWNs for a vHBA to create) and
    capabilities."""

    name: str
    parent: str | None = None
    parent_wwnn: str | None = None
    parent_wwpn: str | None = None
    parent_fabric_wwn: str | None = None
    caps: list[NodeDevCap] = field(default_factory=list)

    def cap_names(self) -> list[str]:
        """Capability names as virNodeDeviceListCaps gives them (top level only)."""
        return [cap.type for cap in self.caps]

    def has_cap(self, name: str) -> bool:
        """libvirt's virNodeDeviceCapsListExport/"matches cap" test: a top-level capability,
        or fc_host/vports as flags of a SCSI host."""
        for cap in self.caps:
            if cap.type == name:
                return True
            if cap.type == "scsi_host" and (
                (name == "fc_host" and cap.fc_host) or (name == "vports" and cap.vport_ops)
            ):
                return True
        return False

    def scsi_host(self) -> NodeDevCap | None:
        return next((cap for cap in self.caps if cap.type == "scsi_host"), None)


# -- parsing (virNodeDeviceCreateXML's CREATE_DEVICE mode) -------------------------------------
def _internal(detail: str) -> VirtError:
    return make_error(ErrorCode.INTERNAL_ERROR, _NODEDEV, detail)


def _xml_error(detail: str) -> VirtError:
    return make_error(ErrorCode.XML_ERROR, ErrorDomain.XML, detail)


def _number(elem: etree._Element, tag: str, default: int, device: str) -> int:
    text = (child_text(elem, tag) or "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise _internal(f"invalid {tag} value '{text}' for '{device}'") from None


def _parse_scsi_host(elem: etree._Element, cap: NodeDevCap, name: str, create: bool) -> None:
    if not create:  # an existing host's numbers (a created vHBA gets them from the host)
        cap.host = _number(elem, "host", 0, name)
        cap.unique_id = _number(elem, "unique_id", -1, name)
    for sub in children(elem, "capability"):
        kind = sub.get("type")
        if kind == "fc_host":
            cap.fc_host = True
            cap.wwnn = child_text(sub, "wwnn") or None
            cap.wwpn = child_text(sub, "wwpn") or None
            cap.fabric_wwn = child_text(sub, "fabric_wwn") or None
            if cap.wwnn is None or cap.wwpn is None:
                which = "WWNN" if cap.wwnn is None else "WWPN"
                raise _internal(f"no {which} supplied for '{name}', and auto-generation failed")
        elif kind == "vport_ops":
            # the counts come from sysfs in libvirt, never from the XML: 0 in the test driver
            cap.vport_ops = True


def _parse_system(elem: etree._Element, cap: NodeDevCap, name: str) -> None:
    hardware, firmware = child(elem, "hardware"), child(elem, "firmware")
    cap.product = child_text(elem, "product")
    for section, keys, values in (
        (hardware, ("vendor", "version", "serial", "uuid"), cap.hardware),
        (firmware, ("vendor", "version", "release_date"), cap.firmware),
    ):
        for key in keys:
            text = child_text(section, key)
            if text is not None:
                values[key] = text
    if not cap.hardware.get("uuid"):
        raise _internal(f"no system UUID supplied for '{name}'")


def parse_node_device_xml(xml: str | bytes, *, create: bool = True) -> NodeDeviceDef:
    """Parse a ``<device>`` as libvirt 9.0 does: to create (CREATE_DEVICE: the device is
    called "new device" until created), or, with *create* false, an existing device as a test
    driver node file lists it (EXISTING_DEVICE: its own name and numbers).  Either needs at
    least one capability."""
    from pyvirt._xml import parse_document

    root = parse_document(xml, "node_device_definition", _NODEDEV)
    if local_name(root) != "device":
        raise _xml_error(f"expecting root element of 'device', not '{local_name(root)}'")
    name = NEW_DEVICE
    if not create:
        name = (child_text(root, "name") or "").strip()
        if not name:
            raise _xml_error("no device name")
    d = NodeDeviceDef(name)
    parent = child(root, "parent")
    if parent is not None:
        d.parent = (parent.text or "").strip() or None
        d.parent_wwnn = parent.get("wwnn")
        d.parent_wwpn = parent.get("wwpn")
        d.parent_fabric_wwn = parent.get("fabric_wwn")
    for elem in children(root, "capability"):
        kind = elem.get("type")
        if kind is None:
            raise _xml_error("Missing required attribute 'type' in element 'capability'")
        if kind not in CAPABILITY_TYPES:
            raise _xml_error(
                f"Invalid value for attribute 'type' in element 'capability': '{kind}'."
            )
        cap = NodeDevCap(kind)
        if kind == "system":
            _parse_system(elem, cap, d.name)
        elif kind == "scsi_host":
            _parse_scsi_host(elem, cap, d.name, create)
        d.caps.append(cap)
    if not d.caps:
        raise _internal(f"no device capabilities for '{d.name}'")
    return d


# -- formatting ------------------------------------------------------------------------------
def _format_cap(w: XMLWriter, cap: NodeDevCap) -> None:
    w.open("capability", [("type", cap.type)])
    if cap.type == "system":
        if cap.product is not None:
            w.text("product", cap.product)
        for section, fields, values in (
            ("hardware", ("vendor", "version", "serial", "uuid"), cap.hardware),
            ("firmware", ("vendor", "version", "release_date"), cap.firmware),
        ):
            w.open(section)
            for name in fields:
                if name in values:
                    w.text(name, values[name])
            w.close(section)
    elif cap.type == "scsi_host":
        w.text("host", str(cap.host))
        if cap.unique_id != -1:
            w.text("unique_id", str(cap.unique_id))
        if cap.fc_host:
            w.open("capability", [("type", "fc_host")])
            for name in ("wwnn", "wwpn", "fabric_wwn"):
                value = getattr(cap, name)
                if value is not None:
                    w.text(name, value)
            w.close("capability")
        if cap.vport_ops:
            w.open("capability", [("type", "vport_ops")])
            w.text("max_vports", str(cap.max_vports))
            w.text("vports", str(cap.vports))
            w.close("capability")
    w.close("capability")


def format_node_device_xml(d: NodeDeviceDef) -> str:
    """The device as libvirt 9.0's virNodeDeviceDefFormat writes it."""
    from pyvirt._xml import XMLWriter

    w = XMLWriter()
    w.open("device")
    w.text("name", d.name)
    if d.parent is not None:
        w.text("parent", d.parent)
    for cap in d.caps:
        _format_cap(w, cap)
    w.close("device")
    return w.getvalue()
