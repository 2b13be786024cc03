"""The host's network interfaces as libvirt's udev interface backend shows them (what
``virsh -c qemu:///system iface-list`` and ``iface-dumpxml`` answer): read from sysfs, never
changed.

Why read-only: libvirt 9.0 as Debian builds it has no netcf, so its interface driver is the
udev one, which only reports (define, start, destroy and the change transaction are "not
supported"); a pyvirt user on this host sees the same.  The rules are that backend's:
bridge ports and tap devices are not listed (but can be looked up by name), an interface is
active when its operstate is "up", the type comes from the device type (else a dot in the
name means a VLAN, a ``bonding`` directory a bond), a bridge lists its ports but for guests'
``vnetN`` taps, and the link speed is shown only for an interface that is up (the kernel's
-1, "unknown", read as libvirt reads it: 4294967295).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import HostInterfaceDef

__all__ = ["NET", "interface_def", "is_active", "listed", "lookup_mac", "mac_of"]

#: Where the kernel lists network devices.
NET = Path("/sys/class/net")
_I = ErrorDomain.INTERFACE
_BOND_MODES = ("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
               "balance-tlb", "balance-alb")  # fmt: skip
_ARP_VALIDATE = (None, "active", "backup", "all")
_CARRIER = ("ioctl", "netif")


def _attr(name: str, attr: str) -> str | None:
    try:
        return (NET / name / attr).read_text().strip()
    except OSError:
        return None


def _no_interface(name: str) -> VirtError:
    return make_error(ErrorCode.NO_INTERFACE, _I, f"couldn't find interface named '{name}'")


def _exists(name: str) -> bool:
    return bool(name) and "/" not in name and (NET / name).is_dir()


def mac_of(name: str) -> str:
    return _attr(name, "address") or ""


def is_active(name: str) -> bool:
    """operstate "up" (libvirt's test for an active interface)."""
    if not _exists(name):
        raise _no_interface(name)
    return _attr(name, "operstate") == "up"


def listed() -> list[str]:
    """The interfaces libvirt lists: every net device but bridge ports and tap devices."""
    try:
        names = sorted(os.listdir(NET))
    except OSError:
        return []
    return [n for n in names
            if not (NET / n / "brport" / "state").exists() and _attr(n, "tun_flags") is None]  # fmt: skip


def lookup_mac(mac: str) -> str:
    """The one listed interface whose address is *mac* as written (udev compares the text)."""
    found = [n for n in listed() if _attr(n, "address") == mac]
    if not found:
        raise make_error(ErrorCode.NO_INTERFACE, _I,
                         f"couldn't find interface with MAC address '{mac}'")  # fmt: skip
    if len(found) > 1:
        raise make_error(ErrorCode.MULTIPLE_INTERFACES, _I,
                         f"the MAC address '{mac}' matches multiple interfaces")  # fmt: skip
    return found[0]


def _failed(detail: str) -> VirtError:
    return make_error(ErrorCode.INTERNAL_ERROR, _I, detail)


def _required(name: str, attr: str) -> str:
    value = _attr(name, attr)
    if value is None:
        raise _failed(f"Could not retrieve '{attr}' for '{name}'")
    return value


def _int(name: str, attr: str, text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise _failed(f"Could not parse '{attr}' '{text}' for '{name}'") from None


def _numbered(name: str, attr: str) -> int:
    """A bonding value written "name N": its N."""
    text = _required(name, attr)
    _, sep, number = text.partition(" ")
    if not sep:
        raise _failed(f"Invalid format for '{attr}' for '{name}'")
    if not number:
        raise _failed(f"Unable to find correct value in '{attr}' for '{name}'")
    return _int(name, attr, " " + number)


def _type(name: str) -> str:
    devtype = None
    for line in (_attr(name, "uevent") or "").splitlines():
        key, _, value = line.partition("=")
        if key == "DEVTYPE":
            devtype = value
    if devtype in ("vlan", "bridge", "bond"):
        return devtype
    if "." in name:
        return "vlan"
    return "bond" if _attr(name, "bonding/mode") is not None else "ethernet"


def _link(name: str, d: HostInterfaceDef) -> None:
    state = _attr(name, "operstate")
    if state is None:
        return
    d.link_state = state
    if state == "up":  # (libvirt reads the speed of a running link only)
        with contextlib.suppress(ValueError, TypeError):
            d.link_speed = int(_attr(name, "speed") or "") & 0xFFFFFFFF


def interface_def(name: str) -> HostInterfaceDef:
    """What ``iface-dumpxml NAME`` shows, built from sysfs as libvirt's udevGetIfaceDef."""
    if not _exists(name):
        raise _no_interface(name)
    d = HostInterfaceDef(type=_type(name), name=name, mac=_attr(name, "address"))
    _link(name, d)
    mtu = _attr(name, "mtu")
    try:
        d.mtu = int(mtu or "")
    except ValueError:
        raise _failed(f"Could not parse MTU value '{mtu}'") from None
    if d.type == "bridge":
        _bridge(name, d)
    elif d.type == "bond":
        _bond(name, d)
    elif d.type == "vlan":
        _vlan(name, d)
    return d


def _members(name: str, names: list[str], parent: str) -> list[HostInterfaceDef]:
    members = []
    for member in sorted(names):
        try:
            members.append(interface_def(member))
        except VirtError:
            raise _failed(f"Could not get interface information for '{member}', which is "
                          f"{parent} '{name}'") from None  # fmt: skip
    return members


def _bridge(name: str, d: HostInterfaceDef) -> None:
    d.bridge_delay = _required(name, "bridge/forward_delay")
    stp = _int(name, "bridge/stp_state", _required(name, "bridge/stp_state"))
    if stp not in (-1, 0, 1):
        raise _failed(f"Invalid STP state value {stp} received for '{name}'. "
                      "Must be -1, 0, or 1.")  # fmt: skip
    d.bridge_stp = None if stp == -1 else bool(stp)
    try:
        ports = os.listdir(NET / name / "brif")
    except OSError as exc:
        raise make_error(ErrorCode.SYSTEM_ERROR, _I, f"Could not get members of bridge "
                         f"'{name}': {exc.strerror}") from exc  # fmt: skip
    # (a guest's tap, vnetN, is no part of the host's configuration)
    ports = [p for p in ports if not (p.startswith("vnet") and p[4:5].isdigit())]
    d.members = _members(name, ports, "a member of bridge")


def _bond(name: str, d: HostInterfaceDef) -> None:
    d.mii_downdelay = _int(name, "bonding/downdelay", _required(name, "bonding/downdelay"))
    d.mii_updelay = _int(name, "bonding/updelay", _required(name, "bonding/updelay"))
    d.mii_freq = _int(name, "bonding/miimon", _required(name, "bonding/miimon"))
    d.arp_interval = _int(name, "bonding/arp_interval", _required(name, "bonding/arp_interval"))
    mode = _numbered(name, "bonding/mode")
    d.bond_mode = _BOND_MODES[mode] if 0 <= mode < len(_BOND_MODES) else None
    validate = _numbered(name, "bonding/arp_validate")
    d.arp_validate = _ARP_VALIDATE[validate] if 0 <= validate < len(_ARP_VALIDATE) else None
    carrier = _int(name, "bonding/use_carrier", _required(name, "bonding/use_carrier"))
    d.mii_carrier = _CARRIER[carrier] if carrier in (0, 1) else None
    d.bond_monitor = "arp" if d.arp_interval > 0 else "mii" if d.mii_freq > 0 else None
    d.arp_target = _required(name, "bonding/arp_ip_target")
    slaves = [e.removeprefix("slave_") for e in os.listdir(NET / name) if e.startswith("slave_")]
    d.members = _members(name, slaves, "a enslaved in bond")


def _vlan(name: str, d: HostInterfaceDef) -> None:
    try:
        text = Path("/proc/net/vlan", name).read_text()
    except OSError as exc:
        raise make_error(ErrorCode.SYSTEM_ERROR, _I, f"Failed to open file "
                         f"'/proc/net/vlan/{name}': {exc.strerror}") from exc  # fmt: skip
    _, found, rest = text.partition("VID: ")
    vid = rest[: len(rest) - len(rest.lstrip("0123456789"))]
    if not found or not vid or not rest[len(vid):len(vid) + 1].isspace():
        raise _failed(f"failed to find the VID for the VLAN device '{name}'")
    _, found, rest = rest[len(vid):].partition("\nDevice: ")
    device = rest.split("\n", 1)[0]
    if not found or not device:
        raise _failed(f"failed to find the real device for the VLAN device '{name}'")
    d.vlan_tag, d.vlan_device = vid, device
