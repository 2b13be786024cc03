"""update-device of a QEMU connection (virDomainUpdateDeviceFlags): what virsh's
``update-device``, ``change-media`` and ``domif-setlink`` send.

Persistent (CONFIG): the disk with the new one's target, the NIC with its MAC, the graphics
of its type is replaced whole, as libvirt's qemuDomainUpdateDeviceConfig does; the result
is checked by building its command line, as define does.  Live: a CD-ROM's medium is
changed (:mod:`pyvirt_qemu._media`); a NIC's link goes up or down (QMP ``set_link``); a
VNC display takes a new password and expiry; anything else of a running device is refused
with libvirt's words.  Which definitions a call changes follows the AFFECT flags, as
attach and detach (:mod:`._hotplug_ops`).
"""

from __future__ import annotations

import copy

from lxml import etree
from pyvirt import DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.conf import (
    Device,
    DiskDef,
    DomainDef,
    GraphicsDef,
    InterfaceDef,
    format_domain_xml,
)
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._aliases import alias_of
from pyvirt_qemu._command_devices import link_state, vnc_secret
from pyvirt_qemu._domain import QemuDomain
from pyvirt_qemu._domain_ops import parse_definition
from pyvirt_qemu._hotplug_ops import CONFIG, LIVE, HotplugOps, parse_device
from pyvirt_qemu._lifecycle import save_run_status
from pyvirt_qemu._media import change_medium

__all__ = ["UpdateDeviceOps"]

_Q = ErrorDomain.QEMU
#: VIR_DOMAIN_DEVICE_MODIFY_FORCE: change a CD-ROM's medium even if the guest locked it.
FORCE = 4
#: libvirt's names of device kinds in its messages (virDomainDeviceType), by element.
_KIND = {"interface": "net", "serial": "chr", "parallel": "chr", "console": "chr",
         "channel": "chr"}  # fmt: skip
#: What of a NIC a live update leaves alone or handles itself when comparing the rest.
_NIC_OWN = ("link", "alias", "address", "target", "model")


def _kind(dev: Device) -> str:
    return _KIND.get(dev.tag, dev.tag)


def _nic_missing(dev: InterfaceDef) -> Exception:
    """libvirt's virDomainNetFindIdx error for a NIC that matches no device."""
    a = dev.address.attrs if dev.address is not None and dev.address.type == "pci" else None
    where = "(<null>)"
    if a is not None:
        where = (f"{int(a.get('domain', '0'), 0):04x}:{int(a.get('bus', '0'), 0):02x}:"
                 f"{int(a.get('slot', '0'), 0):02x}.{int(a.get('function', '0'), 0):x}")  # fmt: skip
    return make_error(ErrorCode.DEVICE_MISSING, ErrorDomain.DOMAIN,
                      f"no device found at address '{where}' matching MAC address "
                      f"'{dev.mac}' and alias '(<null>)'")  # fmt: skip


def _find_nic(defn: DomainDef, dev: InterfaceDef) -> InterfaceDef:
    for nic in defn.interfaces:
        if (nic.mac or "").lower() == (dev.mac or "").lower() and (
            dev.address is None or nic.address == dev.address
        ):
            return nic
    raise _nic_missing(dev)


def _replaced(defn: DomainDef, dev: Device) -> DomainDef:
    """A copy of *defn* with the device *dev* stands for replaced by it (its address kept
    when the new one names none): libvirt's qemuDomainUpdateDeviceConfig."""
    new = defn.copy()
    if isinstance(dev, DiskDef):
        old: Device | None = next((d for d in new.disks if d.target_dev == dev.target_dev), None)
        if old is None:
            raise make_error(ErrorCode.INVALID_ARG, _Q, f"target {dev.target_dev} doesn't exist.")
    elif isinstance(dev, InterfaceDef):
        old = _find_nic(new, dev)
    elif isinstance(dev, GraphicsDef):
        old = next((g for g in new.devices if isinstance(g, GraphicsDef) and g.type == dev.type),
                   None)  # fmt: skip
        if old is None:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             f"cannot find existing graphics type '{dev.type}' device to modify")  # fmt: skip
    else:
        raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                         f"persistent update of device '{_kind(dev)}' is not supported")  # fmt: skip
    put = dev.copy()
    if put.address is None:
        put.address = old.address
    new.devices = [put if d is old else d for d in new.devices]
    return new


def _same_source(a: DiskDef, b: DiskDef) -> bool:
    """libvirt's virStorageSourceIsSameLocation, for the file and volume disks this driver
    runs: the same kind of source naming the same thing (a live one's node index aside)."""
    def where(d: DiskDef) -> tuple[str, dict[str, str]]:
        return d.type, {k: v for k, v in d.source.items() if k != "index"}

    return where(a) == where(b)


def _element(dev: Device, tag: str) -> bytes | None:
    el = next((e for e in dev.extra if e.tag == tag), None)
    return None if el is None else etree.tostring(el, with_tail=False)


def _rest_of(nic: InterfaceDef, source_keys: set[str]) -> tuple[object, ...]:
    """What a live update may not change of a NIC (beyond what it handles itself).  Only
    the source attributes the update names count: the running NIC's has what was filled in
    at start (a network's bridge and port id), which nobody is asked to repeat."""
    extra = sorted(etree.tostring(e, with_tail=False) for e in nic.extra if e.tag not in _NIC_OWN)
    source = {k: v for k, v in nic.source.items() if k in source_keys}
    return nic.type, source, nic.attrs, tuple(extra)


class UpdateDeviceOps(HotplugOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    def domain_update_device_flags(self, dom_ref: DomainRef, xml: str, flags: int) -> None:
        unsupported_flags(flags, LIVE | CONFIG | FORCE, "qemuDomainUpdateDeviceFlags", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        dev = parse_device(xml)
        with dom.job.hold("virDomainUpdateDeviceFlags", self.driver.job_wait):
            flags = self._impact(dom, flags)
            new_config = None
            if flags & CONFIG:  # checked (and its command line built) before any change
                new_config = parse_definition(
                    format_domain_xml(_replaced(dom.defn, dev), inactive=True, secure=True)
                )
            if flags & LIVE:
                self._update_live(dom, dev, bool(flags & FORCE))
            if new_config is not None:
                self._write_config(dom, new_config)

    def _update_live(self, dom: QemuDomain, dev: Device, force: bool) -> None:
        run, live = dom.run, dom.live
        assert run is not None and live is not None
        if isinstance(dev, DiskDef):
            disk = next((d for d in live.disks if d.target_dev == dev.target_dev), None)
            if disk is None:
                raise make_error(ErrorCode.INTERNAL_ERROR, _Q,
                                 f"disk '{dev.target_dev}' not found")  # fmt: skip
            if _same_source(disk, dev):
                return
            if disk.device != "cdrom":
                raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                                 "disk source can be changed only in removable drives")  # fmt: skip
            try:
                change_medium(self.driver, dom, run, disk, dev, force)
            finally:  # a change that failed half way left the drive as the status must say
                save_run_status(self.driver, dom)
            return
        elif isinstance(dev, InterfaceDef):
            self._update_nic(dom, _find_nic(live, dev), dev)
        elif isinstance(dev, GraphicsDef):
            self._update_graphics(dom, live, dev)
        else:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                             f"live update of device '{_kind(dev)}' is not supported")  # fmt: skip
        save_run_status(self.driver, dom)

    def _update_nic(self, dom: QemuDomain, nic: InterfaceDef, dev: InterfaceDef) -> None:
        """The running NIC's link state (all a live update here changes of it)."""
        old_model, new_model = nic.model or "rtl8139", dev.model or "rtl8139"
        if old_model != new_model:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             f"cannot modify network device model from {old_model} to "
                             f"{new_model}")  # fmt: skip
        if new_model == "virtio" and _element(nic, "driver") != _element(dev, "driver"):
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "cannot modify virtio network device driver attributes")  # fmt: skip
        if _rest_of(nic, set(dev.source)) != _rest_of(dev, set(dev.source)):
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             f"unable to change config on '{nic.type}' network type")  # fmt: skip
        if _element(nic, "link") == _element(dev, "link"):
            return
        run = dom.run
        assert run is not None
        run.monitor.execute("set_link", {"name": alias_of(nic) or "", "up": link_state(dev) == "up"})
        with self.driver.lock:  # the new <link> as given (libvirt keeps an explicit "up")
            nic.extra = [e for e in nic.extra if e.tag != "link"]
            if (link := next((e for e in dev.extra if e.tag == "link"), None)) is not None:
                nic.extra.append(copy.deepcopy(link))

    def _update_graphics(self, dom: QemuDomain, live: DomainDef, dev: GraphicsDef) -> None:
        """A running VNC display's password and its expiry (all that may change live, as
        libvirt's qemuDomainChangeGraphics), refusing the rest in libvirt's words."""
        old = next((g for g in live.graphics if g.type == dev.type), None)
        if old is None:
            raise make_error(ErrorCode.DEVICE_MISSING, _Q,
                             "cannot find existing graphics device to modify of type "
                             f"'{dev.type}'")  # fmt: skip
        if dev.attrs.get("connected", "keep") != "keep":
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                             "VNC supports connected='keep' only")  # fmt: skip
        if dev.passwd is not None and len(dev.passwd) > 8:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                             f"VNC password is {len(dev.passwd)} characters long, only 8 "
                             "permitted")  # fmt: skip
        if bool(old.autoport) != bool(dev.autoport) or (not dev.autoport and old.port != dev.port):
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "cannot change port settings on vnc graphics")  # fmt: skip
        if old.listens != dev.listens:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "cannot change listen address setting on 'vnc' graphics")  # fmt: skip
        if old.attrs.get("keymap") != dev.attrs.get("keymap"):
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "cannot change keymap setting on vnc graphics")  # fmt: skip
        valid_to = dev.attrs.get("passwdValidTo")
        if dev.passwd is not None and (old.passwd, old.attrs.get("passwdValidTo")) != (
            dev.passwd, valid_to
        ):
            # (no password given: QEMU keeps its own, as libvirt asks nothing then)
            secret = vnc_secret(dev)
            run = dom.run
            assert run is not None
            run.monitor.execute("set_password", {"protocol": "vnc", "password": secret[0]})
            run.monitor.execute("expire_password", {"protocol": "vnc", "time": secret[1]})
        with self.driver.lock:
            old.passwd = dev.passwd
            kept = {k: v for k, v in old.attrs.items() if k not in ("passwdValidTo", "connected")}
            old.attrs = {**kept, **{k: v for k, v in dev.attrs.items()
                                    if k in ("passwdValidTo", "connected")}}  # fmt: skip
