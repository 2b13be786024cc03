"""PCI addresses for a QEMU definition, given when it is defined, the way libvirt gives them.

Why at define time and in libvirt's order: the addresses are the guest's hardware ABI (a NIC's
slot decides its name inside the guest, a disk's slot its place in the boot order), they show in
``dumpxml``, and a guest defined through pyvirt should see the same machine as one defined
through libvirt. So this follows libvirt's ``qemuDomainAssignPCIAddresses``: the chipset's fixed
functions first (PIIX3 on slot 1 of i440fx; SATA at 00:1f.2 and the primary video at slot 1 of
q35), then every device without an address in libvirt's order (PCI controllers, NICs, device
controllers, virtio disks, the balloon, videos, virtio inputs). On q35 each PCIe device gets a
``pcie-root-port`` of its own and conventional PCI devices go behind one ``pcie-to-pci-bridge``;
the ports are added in a dry run that counts them, plus one spare for hotplug, as libvirt adds.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import (
    Address,
    ControllerDef,
    Device,
    DiskDef,
    DomainDef,
    InputDef,
    InterfaceDef,
    MemballoonDef,
    VideoDef,
)

from pyvirt_qemu._command_base import is_q35
from pyvirt_qemu._defaults import add_controller

__all__ = ["assign_pci_addresses"]

#: What a device plugs into: a conventional PCI slot, a PCIe port, or a root bus slot.
PCI, PCIE, ROOT_PORT, BRIDGE = "pci", "pcie", "root-port", "bridge"
_ROOTS = ("pci-root", "pcie-root")
#: NIC and USB models that are PCI Express devices (the rest are conventional PCI).
_PCIE_NICS = frozenset({"virtio", "virtio-transitional", "virtio-non-transitional", "e1000e"})
_PCIE_USB = frozenset({"qemu-xhci", "nec-xhci"})


class _Bus:
    """One PCI bus: which slots it has and which kind of device each accepts."""

    def __init__(self, index: int, model: str) -> None:
        self.index, self.model = index, model
        self.used: dict[int, set[int]] = {}
        #: Slots whose functions hold auto-added root ports (libvirt fills all eight first).
        self.aggregate: set[int] = set()
        self.slots = range(0, 1) if model == "pcie-root-port" else range(1, 32)

    def accepts(self, kind: str) -> bool:
        if self.model == "pci-root" or self.model in ("pci-bridge", "pcie-to-pci-bridge"):
            return kind == PCI
        if self.model == "pcie-root":
            return kind == ROOT_PORT
        return kind in (PCIE, BRIDGE)  # a pcie-root-port


class _AddressSet:
    """The buses of one definition and the functions taken on each."""

    def __init__(self, d: DomainDef, q35: bool) -> None:
        self.q35 = q35
        pci = sorted((c for c in d.controllers if c.type == "pci"), key=lambda c: c.index)
        self.buses = [_Bus(c.index, c.model or ("pcie-root" if q35 else "pci-root")) for c in pci]

    def reserve(self, bus: int, slot: int, fn: int) -> None:
        taken = self.buses[bus].used.setdefault(slot, set()) if bus < len(self.buses) else None
        if taken is None or fn in taken:
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             f"Attempted double use of PCI Address 0000:{bus:02x}:{slot:02x}.{fn}"
                             if taken is not None else
                             f"Invalid PCI address 0000:{bus:02x}:{slot:02x}.{fn}. "
                             f"Only PCI buses up to {len(self.buses) - 1} are available")  # fmt: skip
        taken.add(fn)

    def free(self, slot: int, bus: _Bus) -> bool:
        return slot not in bus.used

    def next_free(self, kind: str) -> tuple[int, int, int] | None:
        for bus in self.buses:
            if not bus.accepts(kind):
                continue
            if kind == ROOT_PORT:
                for slot in sorted(bus.aggregate):
                    fns = bus.used[slot]
                    if len(fns) < 8:
                        return bus.index, slot, min(set(range(8)) - fns)
            for slot in bus.slots:
                if self.free(slot, bus):
                    return bus.index, slot, 0
        return None

    def take(self, kind: str) -> tuple[int, int, int]:
        """The next free place for *kind*, adding the buses it needs when none is left."""
        found = self.next_free(kind)
        while found is None:
            self.grow(kind)
            found = self.next_free(kind)
        bus, slot, fn = found
        self.reserve(bus, slot, fn)
        if kind == ROOT_PORT:
            self.buses[bus].aggregate.add(slot)
        return found

    def grow(self, kind: str) -> None:
        has_pcie_bridge = any(b.model == "pcie-to-pci-bridge" for b in self.buses)
        if not self.q35 or (kind == PCI and has_pcie_bridge):
            # Its own slot is found in the real pass, where PCI controllers go first (and
            # the slot the dry run kept back for a bridge, see _assign, is free again).
            self.buses.append(_Bus(len(self.buses), "pci-bridge"))
        elif kind == PCI:
            port = _Bus(len(self.buses), "pcie-root-port")
            self.buses.append(port)
            self.take(ROOT_PORT)
            port.used[0] = {0}  # the bridge sits in the new port
            self.buses.append(_Bus(len(self.buses), "pcie-to-pci-bridge"))
        elif kind in (PCIE, BRIDGE):
            self.buses.append(_Bus(len(self.buses), "pcie-root-port"))
            self.take(ROOT_PORT)
        else:
            raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.DOMAIN,
                             "No more available PCI slots")  # fmt: skip


def _pci_address(dev: Device) -> tuple[int, int, int] | None:
    a = dev.address
    if a is None or a.type != "pci":
        return None
    return tuple(int(a.attrs.get(k, "0"), 16) for k in ("bus", "slot", "function"))  # type: ignore[return-value]


def _set(dev: Device, where: tuple[int, int, int]) -> None:
    bus, slot, fn = where
    dev.address = Address(type="pci", attrs={
        "domain": "0x0000", "bus": f"0x{bus:02x}", "slot": f"0x{slot:02x}", "function": f"0x{fn}",
    })  # fmt: skip


def _kind(dev: Device, q35: bool) -> str | None:
    """What *dev* plugs into, or None when it takes no PCI address."""
    if isinstance(dev, ControllerDef):
        if dev.type == "pci":
            if dev.index == 0:
                return None  # the root bus itself
            return {"pcie-root-port": ROOT_PORT, "pcie-to-pci-bridge": BRIDGE}.get(
                dev.model or "", PCI) if dev.model not in _ROOTS else None  # fmt: skip
        if dev.type in ("fdc", "ccid") or (dev.type == "usb" and dev.model == "none"):
            return None
        if dev.type == "ide" and dev.index == 0:
            return None
        pcie = (dev.type == "usb" and (dev.model or "qemu-xhci") in _PCIE_USB) or (
            dev.type in ("virtio-serial", "sata") or dev.model == "virtio-scsi")
        return PCIE if q35 and pcie else PCI
    if isinstance(dev, InterfaceDef):
        return None if dev.type == "hostdev" else (
            PCIE if q35 and (dev.model or "") in _PCIE_NICS else PCI)  # fmt: skip
    if isinstance(dev, DiskDef):
        return (PCIE if q35 else PCI) if dev.target_bus == "virtio" else None
    if isinstance(dev, MemballoonDef):
        return None if dev.model == "none" else (PCIE if q35 else PCI)
    if isinstance(dev, VideoDef):
        return None if dev.model in ("none", "ramfb") else (
            PCIE if q35 and dev.model == "virtio" else PCI)  # fmt: skip
    if isinstance(dev, InputDef):
        return (PCIE if q35 else PCI) if dev.bus == "virtio" else None
    return None


def _in_libvirt_order(d: DomainDef) -> Iterator[Device]:
    """Devices in ``qemuDomainAssignDevicePCISlots``'s order."""
    yield from (c for c in d.controllers if c.type == "pci")
    yield from d.interfaces
    yield from (c for c in d.controllers if c.type != "pci")
    yield from d.disks
    if d.memballoon is not None:
        yield d.memballoon
    yield from d.videos
    yield from d.inputs


def _chipset(d: DomainDef, addrs: _AddressSet) -> None:
    """The addresses the chipset fixes: PIIX3's functions, q35's LPC/SATA/SMBus, the video."""
    if addrs.q35:
        for fn in (0, 3):
            addrs.reserve(0, 0x1F, fn)
        for c in d.controllers:
            if c.type == "sata" and c.index == 0 and c.address is None:
                _set(c, (0, 0x1F, 2))
        primary_slot = 1
    else:
        addrs.reserve(0, 1, 0)
        addrs.reserve(0, 1, 3)
        for c in d.controllers:
            fixed = {("usb", "piix3-uhci"): 2, ("ide", None): 1}.get(
                (c.type, c.model if c.type == "usb" else None))  # fmt: skip
            if fixed is not None and c.index == 0 and c.address is None:
                _set(c, (0, 1, fixed))
        primary_slot = 2
    for dev in d.devices:  # what the definition already says is taken
        where = _pci_address(dev)
        if where is not None:
            addrs.reserve(*where)
    videos = d.videos
    if videos and videos[0].address is None and _kind(videos[0], addrs.q35) is not None:
        if addrs.free(primary_slot, addrs.buses[0]):
            _set(videos[0], (0, primary_slot, 0))
            addrs.reserve(0, primary_slot, 0)


def _assign(d: DomainDef, addrs: _AddressSet, *, dry_run: bool = False) -> None:
    _chipset(d, addrs)
    if dry_run and not addrs.q35 and addrs.next_free(PCI) is not None:
        addrs.take(PCI)  # keep a slot for a bridge, so a full bus 0 can still grow
    for dev in _in_libvirt_order(d):
        kind = _kind(dev, addrs.q35)
        if kind is not None and dev.address is None:
            _set(dev, addrs.take(kind))


def _controller_details(d: DomainDef) -> None:
    """multifunction on shared slots; the model names and targets libvirt writes for buses."""
    slots: dict[tuple[int, int], list[Device]] = {}
    for dev in d.devices:
        where = _pci_address(dev)
        if where is not None:
            slots.setdefault(where[:2], []).append(dev)
    for devs in slots.values():
        if len(devs) > 1:
            for dev in devs:
                assert dev.address is not None
                if dev.address.attrs.get("function") in ("0x0", "0x00"):
                    dev.address.attrs.setdefault("multifunction", "on")
    names = {"pcie-root-port": "pcie-root-port", "pcie-to-pci-bridge": "pcie-pci-bridge",
             "pci-bridge": "pci-bridge"}  # fmt: skip
    for c in d.controllers:
        if c.type != "pci" or c.model not in names or any(e.tag == "model" for e in c.extra):
            continue
        c.extra.insert(0, etree.Element("model", name=names[c.model]))
        target: dict[str, str] = {}
        if c.model == "pcie-root-port" and (where := _pci_address(c)) is not None:
            target = {"chassis": str(c.index), "port": f"0x{(where[1] << 3) + where[2]:x}"}
        elif c.model == "pci-bridge":
            target = {"chassisNr": str(c.index)}
        if target and not any(e.tag == "target" for e in c.extra):
            c.extra.insert(1, etree.Element("target", target))


def assign_pci_addresses(d: DomainDef) -> None:
    """Give every device of *d* that needs one a PCI address, adding the buses they need."""
    q35 = is_q35(d.machine or "")
    user_buses = any(c.type == "pci" and c.index > 0 for c in d.controllers)
    dry = _AddressSet(d, q35)
    trial = d.copy()
    _assign(trial, dry, dry_run=True)
    if q35 and not user_buses and len(dry.buses) > 1:
        dry.take(PCIE)  # one spare root port for hotplug, as libvirt keeps
    for bus in dry.buses[1:]:
        if not any(c.type == "pci" and c.index == bus.index for c in d.controllers):
            add_controller(d, ControllerDef(type="pci", index=bus.index, model=bus.model))
    _assign(d, _AddressSet(d, q35))
    _controller_details(d)
