"""Host network devices for virtual networks: bridges, their addresses, and guests' taps.

Why ``ip`` for links and an ioctl for taps: bridges and addresses outlive the daemon (a
running network must survive a pyvirtd restart), so they are made with iproute2, the tool an
administrator inspects them with.  A guest's tap is different: as libvirt does, the driver
opens ``/dev/net/tun`` itself, names the device, enslaves it to the bridge and hands the open
descriptor to QEMU (``-netdev tap,fd=N``).  The tap is not persistent, so it disappears the
moment QEMU (its last holder) exits: no tap can be leaked by a guest that dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
import struct
import subprocess
from pathlib import Path

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error

__all__ = [
    "IP",
    "TAP_PREFIX",
    "add_address",
    "create_bridge",
    "delete_link",
    "host_routes",
    "link_exists",
    "open_tap",
    "set_ip_forward",
]

IP = "ip"
#: Taps are pvtapN (libvirt's are vnetN): a libvirtd on the same host never sees ours.
TAP_PREFIX = "pvtap"
_SYS_NET = Path("/sys/class/net")
_TUNSETIFF = 0x400454CA
_IFF_TAP, _IFF_NO_PI, _IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
_IFNAMSIZ = 16


def _net_error(msg: str) -> VirtError:
    return make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.NETWORK, msg)


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([IP, *args], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise _net_error(f"Cannot run {IP}: {exc.strerror or exc}") from exc


def _ip_checked(what: str, *args: str) -> None:
    proc = _ip(*args)
    if proc.returncode != 0:
        said = proc.stderr.strip().removeprefix("RTNETLINK answers: ")
        raise _net_error(f"{what}: {said}")


def link_exists(name: str) -> bool:
    return (_SYS_NET / name).exists()


def create_bridge(name: str, mac: str | None, *, stp: bool, delay: int) -> None:
    """Create bridge *name* (down); libvirt's message when a device of that name exists."""
    if link_exists(name):
        raise _net_error(f"error creating bridge interface {name}: File exists")
    args = ["link", "add", "name", name]
    if mac:
        args += ["address", mac]
    args += ["type", "bridge", "stp_state", "1" if stp else "0",
             "forward_delay", str(delay * 100)]  # fmt: skip
    _ip_checked(f"error creating bridge interface {name}", *args)


def add_address(bridge: str, address: str, prefix: int) -> None:
    _ip_checked(f"Failed to add IP address {address}/{prefix} to {bridge}",
                "addr", "add", f"{address}/{prefix}", "dev", bridge)  # fmt: skip


def set_up(name: str) -> None:
    _ip_checked(f"Cannot set interface flags on '{name}'", "link", "set", name, "up")


def delete_link(name: str) -> None:
    """Remove a link if it is there (destroy and failed starts clean up with it)."""
    if link_exists(name):
        proc = _ip("link", "del", name)
        if proc.returncode != 0 and link_exists(name):
            raise _net_error(f"Failed to delete interface {name}: {proc.stderr.strip()}")


def host_routes() -> list[tuple[str, ipaddress.IPv4Network]]:
    """(device, destination network) of every IPv4 route of the host (``/proc/net/route``,
    which libvirt reads for its collision check)."""
    out: list[tuple[str, ipaddress.IPv4Network]] = []
    try:
        lines = Path("/proc/net/route").read_text().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        f = line.split()
        if len(f) < 8:
            continue
        dest = ipaddress.IPv4Address(struct.pack("<I", int(f[1], 16)))
        mask = ipaddress.IPv4Address(struct.pack("<I", int(f[7], 16)))
        if int(mask) == 0:
            continue  # the default route collides with nothing
        with contextlib.suppress(ValueError):
            out.append((f[0], ipaddress.IPv4Network(f"{dest}/{mask}", strict=False)))
    return out


def set_ip_forward() -> None:
    """NAT and routed networks forward packets, so the host must (as libvirt sets it)."""
    try:
        Path("/proc/sys/net/ipv4/ip_forward").write_text("1\n")
    except OSError as exc:
        raise _net_error(f"cannot enable /proc/sys/net/ipv4/ip_forward: {exc.strerror}") from exc


def _free_tap_name() -> str:
    used = {p.name for p in _SYS_NET.iterdir()} if _SYS_NET.exists() else set()
    n = 0
    while f"{TAP_PREFIX}{n}" in used:
        n += 1
    return f"{TAP_PREFIX}{n}"


def open_tap(bridge: str, mac: str, name: str | None = None) -> tuple[int, str]:
    """A new tap attached to *bridge*, up: (open descriptor for QEMU, its name).

    The tap's own MAC is the guest's with the first byte 0xfe, as libvirt sets it, so the
    bridge never takes the guest's address as its own.
    """
    if not link_exists(bridge):
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.NETWORK,
                         f"bridge '{bridge}' does not exist")  # fmt: skip
    for _attempt in range(8):  # another start may take the same free name first
        ifname = name or _free_tap_name()
        try:
            fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
        except OSError as exc:
            raise _net_error(f"Unable to open /dev/net/tun: {exc.strerror}") from exc
        try:
            req = struct.pack(f"{_IFNAMSIZ}sH", ifname.encode(), _IFF_TAP | _IFF_NO_PI | _IFF_VNET_HDR)
            fcntl.ioctl(fd, _TUNSETIFF, req)
        except OSError as exc:
            os.close(fd)
            if name is None and exc.errno == 16:  # EBUSY: taken meanwhile, pick again
                continue
            raise _net_error(f"Unable to create tap device {ifname}: {exc.strerror}") from exc
        try:
            tap_mac = "fe" + mac[2:]
            _ip_checked(f"Unable to set MAC of {ifname}", "link", "set", ifname, "address", tap_mac)
            _ip_checked(f"Unable to add bridge {bridge} port {ifname}",
                        "link", "set", ifname, "master", bridge)  # fmt: skip
            set_up(ifname)
        except VirtError:
            os.close(fd)
            raise
        return fd, ifname
    raise _net_error("Unable to create a tap device: no free name")
