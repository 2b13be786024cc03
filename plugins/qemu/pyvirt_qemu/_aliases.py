"""Device aliases of a running guest, named as libvirt names them.

Why: the alias is the device's id inside QEMU (``-device ...,id=net0``), the name the live XML
shows (``<alias name='net0'/>``), and the handle hot-unplug, ``detach-device-alias``, block
jobs and statistics go by; tools written against libvirt look devices up by these names.
A name the user chose (``ua-...``) is kept.
"""

from __future__ import annotations

from lxml import etree
from pyvirt.conf import (
    ChardevDef,
    ControllerDef,
    Device,
    DiskDef,
    DomainDef,
    InputDef,
    InterfaceDef,
    MemballoonDef,
    VideoDef,
    disk_name_to_index,
)

from pyvirt_qemu._command_base import is_q35

__all__ = ["alias_of", "assign_aliases", "disk_alias"]


def alias_of(dev: Device) -> str | None:
    """The alias *dev* carries (a user's or libvirt's), or None."""
    el = next((e for e in dev.extra if e.tag == "alias"), None)
    return el.get("name") if el is not None else None


def disk_alias(disk: DiskDef, lsi: frozenset[str] | set[str] = frozenset()) -> str:
    """libvirt's alias of *disk* (virtio-disk0, sata0-0-0, scsi0-0-0-2 ...).  *lsi*: indices
    of the lsilogic SCSI controllers, whose disks QEMU addresses by unit alone
    (``scsi0-0-2``; a virtio-scsi disk is ``scsi0-0-0-2``)."""
    addr = disk.address.attrs if disk.address is not None else {}
    bus = disk.target_bus or "ide"
    if bus == "virtio":
        return f"virtio-disk{disk_name_to_index(disk.target_dev)}"
    if bus == "usb":
        return f"usb-disk{disk_name_to_index(disk.target_dev)}"
    ctrl, sub, unit = (addr.get(k, "0") for k in ("controller", "bus", "unit"))
    if bus == "scsi":
        if ctrl in lsi:
            return f"scsi{ctrl}-{sub}-{unit}"
        return f"scsi{ctrl}-{sub}-{addr.get('target', '0')}-{unit}"
    return f"{bus}{ctrl}-{sub}-{unit}"


def _controller(c: ControllerDef, q35: bool) -> str:
    if c.type == "pci":
        return ("pcie.0" if q35 else "pci.0") if c.index == 0 else f"pci.{c.index}"
    if c.type == "usb":
        return "usb" if c.index == 0 else f"usb{c.index}"
    if c.type == "ide" or (c.type == "sata" and q35 and c.index == 0):
        return "ide"  # q35's built-in AHCI is QEMU's "ide" bus
    return f"{c.type}{c.index}"


def _chardev(ch: ChardevDef, nth: dict[str, int]) -> str:
    port = ch.target.get("port", "0")
    if ch.kind == "serial" or (ch.kind == "console" and ch.target.get("type") == "serial"):
        return f"serial{port}"  # a serial console is a view of its serial port
    return f"{ch.kind}{nth[ch.kind]}"


def assign_aliases(live: DomainDef) -> None:
    """Give every device of the running definition *live* its alias (keeping users')."""
    q35 = is_q35(live.machine)
    counters: dict[str, int] = {}
    lsi = {str(c.index) for c in live.controllers if c.type == "scsi" and c.model == "lsilogic"}

    def nth(kind: str) -> int:
        counters[kind] = counters.get(kind, -1) + 1
        return counters[kind]

    for dev in live.devices:
        name: str | None = None
        if isinstance(dev, DiskDef):
            name = disk_alias(dev, lsi)
        elif isinstance(dev, InterfaceDef):
            name = f"net{nth('net')}"
        elif isinstance(dev, ControllerDef):
            name = _controller(dev, q35)
        elif isinstance(dev, ChardevDef):
            index = nth(dev.kind)
            name = _chardev(dev, {dev.kind: index})
        elif isinstance(dev, InputDef):
            name = f"input{nth('input')}"
        elif isinstance(dev, VideoDef):
            name = f"video{nth('video')}"
        elif isinstance(dev, MemballoonDef):
            name = None if dev.model == "none" else "balloon0"
        if name is None or alias_of(dev) is not None:
            continue
        dev.extra.append(etree.Element("alias", name=name))
