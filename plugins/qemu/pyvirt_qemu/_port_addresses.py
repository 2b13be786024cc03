"""USB ports and virtio-serial ports, given at define time as libvirt gives them.

Why: like PCI slots, these are part of what the guest sees (a tablet on port 1, the guest
agent's channel on port 1 of the first virtio-serial controller), libvirt writes them into the
definition, and QEMU needs them on the command line to keep them stable across restarts.
"""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import Address, ChardevDef, Device, DiskDef, DomainDef, InputDef

__all__ = ["assign_port_addresses"]

#: Ports of a USB controller's root hub, by model (libvirt's table for these models).
_USB_PORTS = {"piix3-uhci": 2, "qemu-xhci": 4, "nec-xhci": 4, "ich9-ehci1": 6}
#: Ports of one virtio-serial bus (QEMU's default max_ports).
_SERIAL_PORTS = 31


def _usb_devices(d: DomainDef) -> list[Device]:
    """USB devices in libvirt's order: inputs, then disks."""
    inputs: list[Device] = [i for i in d.inputs if isinstance(i, InputDef) and i.bus == "usb"]
    return inputs + [x for x in d.disks if isinstance(x, DiskDef) and x.target_bus == "usb"]


def _assign_usb(d: DomainDef) -> None:
    ctrl = next((c for c in d.controllers if c.type == "usb" and c.index == 0), None)
    if ctrl is None or ctrl.model == "none":
        return
    taken = {
        (dev.address.attrs.get("bus"), dev.address.attrs.get("port"))
        for dev in d.devices
        if dev.address is not None and dev.address.type == "usb"
    }
    ports = iter(range(1, _USB_PORTS.get(ctrl.model or "", 4) + 1))
    for dev in _usb_devices(d):
        if dev.address is not None:
            continue
        port = next((p for p in ports if ("0", str(p)) not in taken), None)
        if port is None:
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             "No free USB ports")  # fmt: skip
        dev.address = Address(type="usb", attrs={"bus": "0", "port": str(port)})


def _assign_virtio_serial(d: DomainDef) -> None:
    """Consoles may take port 0; channels start at 1 (port 0 is the console's)."""
    taken = {
        (dev.address.attrs.get("controller", "0"), dev.address.attrs.get("port"))
        for dev in d.devices
        if dev.address is not None and dev.address.type == "virtio-serial"
    }
    chardevs = [x for x in d.devices if isinstance(x, ChardevDef)
                and x.target.get("type") == "virtio"]  # fmt: skip
    ordered = [c for c in chardevs if c.kind == "console"] + [
        c for c in chardevs if c.kind == "channel"
    ]
    for chr_dev in ordered:
        if chr_dev.address is not None:
            continue
        first = 0 if chr_dev.kind == "console" else 1
        port = next((p for p in range(first, _SERIAL_PORTS) if ("0", str(p)) not in taken), None)
        if port is None:
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             "No free virtio-serial ports")  # fmt: skip
        taken.add(("0", str(port)))
        chr_dev.address = Address(type="virtio-serial",
                                  attrs={"controller": "0", "bus": "0", "port": str(port)})  # fmt: skip


def assign_port_addresses(d: DomainDef) -> None:
    """Give USB devices a root-hub port and virtio-serial ports their numbers."""
    _assign_virtio_serial(d)
    _assign_usb(d)
