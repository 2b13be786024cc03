"""Plugging a guest's ``<interface type='network'>`` and ``type='bridge'`` into the host.

Why here and not in the command-line builder: making a tap is a side effect (a device on
the host, an open descriptor), and the builder stays pure.  Before QEMU is spawned the
driver resolves each interface's bridge (a network's must be active), opens a tap on it
and records what libvirt shows in the live XML: the tap as ``<target dev=…/>`` and, for a
network, its bridge on ``<source>``.  The descriptors go to QEMU and are closed here right
after the spawn, so QEMU holds the only reference and the tap dies with it.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import DomainDef, InterfaceDef

from pyvirt_qemu import _netdev

if TYPE_CHECKING:
    from pyvirt_qemu._network import NetworkState

__all__ = ["close_taps", "open_nic_tap", "open_taps"]


def _bridge_for(nic_type: str, source: dict[str, str], networks: NetworkState | None) -> str:
    if nic_type == "network":
        name = source.get("network")
        if not name:
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             "Missing source network name for network interface")  # fmt: skip
        if networks is None:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU,
                             "unsupported configuration: interface type 'network' needs the "
                             "privileged driver (qemu:///system)")  # fmt: skip
        return networks.bridge_of(name)
    bridge = source.get("bridge")
    if not bridge:
        raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                         "Missing source bridge name for bridge interface")  # fmt: skip
    if not _netdev.link_exists(bridge):
        raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                         f"Cannot get interface MTU on '{bridge}': No such device")  # fmt: skip
    return bridge


def open_taps(live: DomainDef, networks: NetworkState | None) -> dict[int, int]:
    """A tap per bridged interface of *live* (updated with the tap names): index → fd."""
    fds: dict[int, int] = {}
    try:
        for i, nic in enumerate(live.interfaces):
            if nic.type in ("network", "bridge"):
                fds[i] = open_nic_tap(nic, networks)
    except BaseException:
        close_taps(fds)
        raise
    return fds


def open_nic_tap(nic: InterfaceDef, networks: NetworkState | None) -> int:
    """A tap on the bridge of one bridged interface (updated with the tap's name, and a
    network's bridge): its descriptor, for QEMU (at start, or passed to it by hotplug)."""
    bridge = _bridge_for(nic.type, nic.source, networks)
    wanted = nic.target_dev if nic.target_dev and not nic.target_dev.startswith(
        (_netdev.TAP_PREFIX, "vnet")) else None  # fmt: skip
    fd, name = _netdev.open_tap(bridge, nic.mac or "", wanted)
    nic.target_dev = name
    if nic.type == "network":
        nic.source = {**nic.source, "bridge": bridge}
    return fd


def close_taps(fds: dict[int, int]) -> None:
    for fd in fds.values():
        with contextlib.suppress(OSError):
            os.close(fd)
