"""Shared pieces of the command-line builder: the refusal error, option escaping, the
per-build state and how a device's address and boot order become ``-device`` properties.

Split from :mod:`pyvirt_qemu._command` so the domain-wide settings and the devices
(:mod:`pyvirt_qemu._command_devices`) each stay one readable module.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import (
    Address,
    Device,
    DomainDef,
)

DEFAULT_EMULATOR = "/usr/bin/qemu-system-x86_64"
VNC_PORT_MIN = 5900
#: Autoport VNC: QEMU itself tries displays 0..N and takes the first free one (no race
#: between picking a port here and QEMU binding it); the port is read back with query-vnc.
VNC_AUTOPORT_LAST_DISPLAY = 65535 - VNC_PORT_MIN

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_NIC_MODELS = {"virtio": "virtio-net-pci", "e1000": "e1000", "e1000e": "e1000e",
               "rtl8139": "rtl8139"}  # fmt: skip
_USB_MODELS = {"piix3-uhci": "piix3-usb-uhci", "qemu-xhci": "qemu-xhci",
               "nec-xhci": "nec-usb-xhci", "ich9-ehci1": "ich9-usb-ehci1"}  # fmt: skip
_BOOT_LETTER = {"fd": "a", "hd": "c", "cdrom": "d", "network": "n"}
_FEATURES = frozenset({"acpi", "apic", "pae", "vmport"})
_LIFECYCLE = {
    "on_poweroff": ("destroy", "restart"),
    "on_reboot": ("destroy", "restart"),
    "on_crash": ("destroy", "restart", "preserve"),
}


def unsupported(what: str) -> Exception:
    """libvirt's VIR_ERR_CONFIG_UNSUPPORTED, reported by the QEMU driver."""
    return make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU, what)


def _opt(value: str) -> str:
    """Escape a value inside a QEMU ``a=b,c=d`` option string (a comma is doubled)."""
    return value.replace(",", ",,")


def is_q35(machine: str | None) -> bool:
    return bool(machine) and (machine or "").startswith(("q35", "pc-q35"))


@dataclass(frozen=True)
class LaunchPaths:
    """Where this run of the guest keeps its sockets (chosen by the driver per start)."""

    monitor: str
    channel_dir: str
    #: Open tap descriptors QEMU inherits, by interface index (``-netdev tap,fd=N``): the
    #: driver makes the taps (see :mod:`pyvirt_qemu._tap`), the builder only names them.
    tap_fds: Mapping[int, int] = field(default_factory=dict)
    #: Each disk's file by target, as :func:`pyvirt_qemu._disks.prepare_disks` found it (a
    #: ``<disk type='volume'>`` names a pool's volume, not a file).
    disk_files: Mapping[str, str] = field(default_factory=dict)
    #: Console log files the driver opened, by path (:mod:`pyvirt_qemu._console_logs`):
    #: QEMU gets each as an fd set, so its user needs no access to the log's directory.
    log_fds: Mapping[str, int] = field(default_factory=dict)


def assign_runtime_paths(live: DomainDef, paths: LaunchPaths) -> None:
    """Fill in what libvirt generates at start and shows in the live XML: the guest agent
    channel's socket path (``<source mode='bind' path=…/>``) when the user gave none."""
    for ch in live.chardevs:
        if ch.kind == "channel" and ch.type == "unix":
            src = ch.sources[0] if ch.sources else {}
            if not src.get("path") or _generated_elsewhere(src["path"], paths.channel_dir):
                name = ch.target.get("name") or f"channel{live.chardevs.index(ch)}"
                src = {"mode": "bind", "path": os.path.join(paths.channel_dir, name)}
                ch.sources = [src, *ch.sources[1:]]


def _generated_elsewhere(path: str, channel_dir: str) -> bool:
    """A path generated for an earlier run (a saved image's definition carries it, as
    libvirt's would not): another ``domain-N-name`` directory beside this run's."""
    run_dir = os.path.dirname(path)
    return (os.path.dirname(run_dir) == os.path.dirname(channel_dir)
            and os.path.basename(run_dir).startswith("domain-") and run_dir != channel_dir)  # fmt: skip


class _Builder:
    """One build: the argv being assembled plus the counters device ids come from."""

    def __init__(self, d: DomainDef, accel: str, paths: LaunchPaths) -> None:
        self.d = d
        self.accel = accel
        self.paths = paths
        self.q35 = is_q35(d.machine)
        self.pci_bus = "pcie.0" if self.q35 else "pci.0"
        self.argv: list[str] = []
        self.has_device_boot = False
        self.usb_ids: set[str] = set()
        #: ``-add-fd`` sets already given, by the descriptor they hold.
        self.fd_sets: dict[int, int] = {}
        #: ``<os><boot dev=…>`` turned into bootindex values, by device identity.
        self.legacy_boot = _legacy_boot_indices(d)

    def fd_set(self, fd: int) -> str:
        """``/dev/fdset/N`` for an open descriptor QEMU inherits (``-add-fd`` once each)."""
        if fd not in self.fd_sets:
            self.fd_sets[fd] = len(self.fd_sets)
            self.add("-add-fd", f"set={self.fd_sets[fd]},fd={fd}")
        return f"/dev/fdset/{self.fd_sets[fd]}"

    def boot_index(self, dev: Device) -> int | None:
        """The device's ``<boot order>``, else what its ``<os><boot dev>`` makes of it."""
        boot = _boot_order(dev)
        if boot is not None:
            self.has_device_boot = True
            return boot
        return self.legacy_boot.get(id(dev))

    def add(self, *args: str) -> None:
        self.argv.extend(args)

    def device(self, driver: str, props: list[tuple[str, object]], dev: Device | None) -> None:
        """One ``-device``; a PCI or USB ``<address>`` becomes bus/addr properties."""
        parts = [driver]
        parts += [f"{k}={_opt(str(v))}" for k, v in props if v is not None]
        if dev is not None and dev.address is not None and dev.address.type != "drive":
            # Drive addresses (controller/bus/unit) are already in the bus properties.
            parts += self.address_props(dev.address, driver)
        if dev is not None:
            boot = self.boot_index(dev)
            if boot is not None:
                parts.append(f"bootindex={boot}")
        self.add("-device", ",".join(parts))

    def address_props(self, addr: Address, what: str) -> list[str]:
        a = addr.attrs
        if addr.type == "pci":
            if int(a.get("domain", "0"), 16):
                raise unsupported(f"PCI address {_addr_text(addr)} of {what}: only domain 0")
            bus = int(a.get("bus", "0"), 16)
            slot, fn = int(a.get("slot", "0"), 16), int(a.get("function", "0"), 16)
            out = [f"bus={self.pci_bus if bus == 0 else f'pci.{bus}'}", f"addr=0x{slot:x}" + (f".0x{fn:x}" if fn else "")]
            if a.get("multifunction") == "on":
                out.append("multifunction=on")
            return out
        if addr.type == "usb":
            return [f"bus=usb.{int(a.get('bus', '0'))}", f"port={a.get('port', '1')}"]
        raise unsupported(f"address type '{addr.type}' for {what}")


def _addr_text(addr: Address) -> str:
    return " ".join(f"{k}={v}" for k, v in addr.attrs.items())


def _boot_order(dev: Device) -> int | None:
    for el in dev.extra:
        if el.tag == "boot":
            order = el.get("order", "")
            if not order.isdigit():
                raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                                 f"incorrect boot order '{order}', expecting positive integer")  # fmt: skip
            return int(order)
    return None


def _legacy_boot_indices(d: DomainDef) -> dict[int, int]:
    """libvirt 9.0 gives QEMU no ``-boot order=``: the n-th ``<os><boot dev>`` becomes
    bootindex n on the first device of that kind (a disk, a cdrom, a NIC), unless some
    device carries its own ``<boot order>``."""
    if any(_boot_order(dev) is not None for dev in d.devices):
        return {}
    firsts: dict[str, Device] = {}
    for disk in d.disks:
        firsts.setdefault("cdrom" if disk.device == "cdrom" else "hd", disk)
    if d.interfaces:
        firsts["network"] = d.interfaces[0]
    out: dict[int, int] = {}
    for n, kind in enumerate(d.boot_devs, start=1):
        if kind in firsts:
            out.setdefault(id(firsts[kind]), n)
    return out


def _check_extra(dev: Device, what: str, allowed: frozenset[str] = frozenset({"boot"})) -> None:
    for el in dev.extra:
        if el.tag not in allowed and el.tag != "alias":  # the device's id: any may carry one
            raise unsupported(f"<{el.tag}> in {what}")
