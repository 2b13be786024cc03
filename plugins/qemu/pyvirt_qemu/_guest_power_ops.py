"""Guest calls of the QEMU driver that go through the guest agent or the guest's power
management: its filesystems (virDomainGetFSInfo, virDomainFSTrim), a user's SSH keys
(virDomainAuthorizedSSHKeysGet/Set), ACPI suspend and wake-up (virDomainPMSuspendForDuration,
virDomainPMWakeup), with libvirt 9.0's checks in its order and words.

The state a suspend leads to comes from QEMU's own SUSPEND and WAKEUP events
(:mod:`pyvirt_qemu._pm_events`), as in libvirt: the agent's guest-suspend-* has no reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt import DomainFSInfo, DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.conf import DiskDef, DomainDef
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_qemu._agent_state import agent_of

if TYPE_CHECKING:
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["GuestPowerOps"]

_Q = ErrorDomain.QEMU
#: VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND / _REMOVE
_APPEND, _REMOVE = 1, 2
#: VIR_NODE_SUSPEND_TARGET_MEM, _DISK, _HYBRID -> the agent's command
_SUSPEND = {0: "guest-suspend-ram", 1: "guest-suspend-disk", 2: "guest-suspend-hybrid"}


def _pci(addr: dict[str, Any]) -> tuple[int, int, int, int]:
    return (int(addr.get("domain", 0)), int(addr.get("bus", 0)), int(addr.get("slot", 0)),
            int(addr.get("function", 0)))  # fmt: skip


def _disk_of(live: DomainDef, found: dict[str, Any]) -> DiskDef | None:
    """The domain disk the guest names (libvirt's virDomainDiskByAddress): a virtio disk by
    its PCI address, a disk on a controller by controller, bus, target and unit, else by
    serial."""
    pci = _pci(found.get("pci-controller") or {})
    bus_type = str(found.get("bus-type", ""))
    for disk in live.disks:
        attrs = disk.address.attrs if disk.address is not None else {}
        if disk.address is not None and disk.address.type == "pci" and bus_type == "virtio":
            if tuple(int(attrs.get(k, "0"), 0) for k in ("domain", "bus", "slot", "function")) == pci:
                return disk
        elif disk.address is not None and disk.address.type == "drive" and bus_type != "virtio":
            want = (found.get("bus"), found.get("target"), found.get("unit"))
            if (int(attrs.get("bus", 0)), int(attrs.get("target", 0)), int(attrs.get("unit", 0))) == want:
                return disk
    serial = found.get("serial")
    for disk in live.disks:
        el = next((e for e in disk.extra if e.tag == "serial"), None)
        if serial and el is not None and (el.text or "") == serial:
            return disk
    return None


class GuestPowerOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    driver: QemuDriver

    def _running_dom(self, dom_ref: DomainRef) -> Any:
        dom = self.driver.domains.from_ref(dom_ref)
        if dom.run is None:
            raise domain_not_running()
        return dom

    # -- filesystems -----------------------------------------------------------------------
    def domain_get_fsinfo(self, dom_ref: DomainRef, flags: int) -> list[DomainFSInfo]:
        unsupported_flags(flags, 0, "qemuDomainGetFSInfo", _Q)
        dom = self._running_dom(dom_ref)
        found = agent_of(self.driver, dom).execute("guest-get-fsinfo") or []
        live = dom.live
        out = []
        for fs in found:
            aliases = []
            for disk in fs.get("disk") or []:
                match = _disk_of(live, disk) if live is not None else None
                if match is not None and match.target_dev:
                    aliases.append(match.target_dev)
            out.append(DomainFSInfo(str(fs.get("mountpoint", "")), str(fs.get("name", "")),
                                    str(fs.get("type", "")), aliases))  # fmt: skip
        return out

    def domain_fstrim(
        self, dom_ref: DomainRef, mountpoint: str | None, minimum: int, flags: int
    ) -> None:
        unsupported_flags(flags, 0, "qemuDomainFSTrim", _Q)
        if mountpoint is not None:
            raise make_error(ErrorCode.ARGUMENT_UNSUPPORTED, _Q,
                             "Specifying mount point is not supported for now")  # fmt: skip
        dom = self._running_dom(dom_ref)
        agent_of(self.driver, dom).execute("guest-fstrim", {"minimum": minimum})

    # -- SSH keys --------------------------------------------------------------------------
    def domain_authorized_ssh_keys_get(self, dom_ref: DomainRef, user: str, flags: int) -> list[str]:
        unsupported_flags(flags, 0, "qemuDomainAuthorizedSSHKeysGet", _Q)
        dom = self._running_dom(dom_ref)
        got = agent_of(self.driver, dom).execute("guest-ssh-get-authorized-keys",
                                                 {"username": user}) or {}  # fmt: skip
        return [str(k) for k in got.get("keys", [])]

    def domain_authorized_ssh_keys_set(
        self, dom_ref: DomainRef, user: str, keys: list[str], flags: int
    ) -> None:
        """APPEND adds, REMOVE removes, neither replaces the whole list (libvirt's reset)."""
        unsupported_flags(flags, _APPEND | _REMOVE, "qemuDomainAuthorizedSSHKeysSet", _Q)
        dom = self._running_dom(dom_ref)
        agent = agent_of(self.driver, dom)
        if flags & _REMOVE:
            agent.execute("guest-ssh-remove-authorized-keys", {"username": user, "keys": keys})
        else:
            agent.execute("guest-ssh-add-authorized-keys",
                          {"username": user, "keys": keys, "reset": not flags & _APPEND})  # fmt: skip

    # -- power management ------------------------------------------------------------------
    def domain_pm_suspend_for_duration(
        self, dom_ref: DomainRef, target: int, duration: int, flags: int
    ) -> None:
        unsupported_flags(flags, 0, "qemuDomainPMSuspendForDuration", _Q)
        if duration:
            raise make_error(ErrorCode.ARGUMENT_UNSUPPORTED, _Q,
                             "Duration not supported. Use 0 for now")  # fmt: skip
        if target not in _SUSPEND:
            raise make_error(ErrorCode.INVALID_ARG, _Q, f"Unknown suspend target: {target}")
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainPMSuspendForDuration", self.driver.job_wait):
            if dom.run is None or dom.live is None:
                raise domain_not_running()
            pm = _pm_states(dom.live)
            if pm.get("suspend-to-mem") == "no" and target in (0, 2):
                raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                                 "S3 state is disabled for this domain")  # fmt: skip
            if pm.get("suspend-to-disk") == "no" and target == 1:
                raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                                 "S4 state is disabled for this domain")  # fmt: skip
            agent_of(self.driver, dom).execute(_SUSPEND[target])

    def domain_pm_wakeup(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 0, "qemuDomainPMWakeup", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainPMWakeup", self.driver.job_wait):
            if dom.run is None:
                raise domain_not_running()
            dom.run.monitor.execute("system_wakeup")


def _pm_states(defn: DomainDef) -> dict[str, str]:
    """``<pm><suspend-to-mem enabled='no'/>...``: each element's ``enabled``."""
    out: dict[str, str] = {}
    for pm in defn.extra.get("pm", []):
        for child in pm:
            out[str(child.tag)] = str(child.get("enabled", ""))
    return out
