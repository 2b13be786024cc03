"""attach-device / detach-device of a QEMU connection (virDomainAttachDevice(Flags),
virDomainDetachDevice(Flags)): disks and NICs plugged into the running guest
(:mod:`pyvirt_qemu._hotplug`) and/or added to the persistent definition.

Which definitions a call changes follows libvirt's virDomainObjUpdateModificationImpact:
CURRENT means the live one when the domain runs and the persistent one when it does not;
LIVE on a shut-off domain and CONFIG on a transient one are refused.  The device XML is
parsed as part of a domain, so it gets the same defaults (a generated MAC, the disk bus
from its target name) and the same checks as a definition; a config change is checked by
building the new definition's command line, as define does.
"""

from __future__ import annotations

import re

from pyvirt import DomainEventID, DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.conf import (
    Device,
    DiskDef,
    DomainDef,
    InterfaceDef,
    format_domain_xml,
    parse_document,
    parse_domain_xml,
)
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._affect import AffectOps
from pyvirt_qemu._aliases import alias_of
from pyvirt_qemu._command_iothreads import check_iothread_users
from pyvirt_qemu._domain import QemuDomain
from pyvirt_qemu._domain_ops import parse_definition
from pyvirt_qemu._hotplug import plug_disk, plug_nic, unplug
from pyvirt_qemu._lifecycle import save_run_status

__all__ = ["CONFIG", "LIVE", "HotplugOps", "parse_device"]

_Q = ErrorDomain.QEMU
#: VIR_DOMAIN_AFFECT_*
LIVE, CONFIG = 1, 2


def parse_device(xml: str) -> DiskDef | InterfaceDef | Device:
    """The one device *xml* describes, with a domain definition's defaults."""
    # Malformed XML is reported on the user's document, as libvirt's "(device_definition)"
    # (parsed inside the domain below, it would show that wrapper instead).
    parse_document(xml, "device_definition", ErrorDomain.DOMAIN)
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", xml)
    shell = (f"<domain type='qemu'><name>hotplug</name><memory>65536</memory>"
             f"<os><type>hvm</type></os><devices>{body}</devices></domain>")  # fmt: skip
    # Parsing may add what the device implies (a disk's controller): the one wanted is
    # the one of the element's own kind.
    tag = m[1] if (m := re.match(r"\s*<([\w-]+)", body)) else ""
    devices = [d for d in parse_domain_xml(shell, default_arch="x86_64").devices if d.tag == tag]
    if len(devices) != 1:
        raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                         "expected exactly one device element")  # fmt: skip
    return devices[0]


def _with(defn: DomainDef, dev: Device) -> DomainDef:
    """A copy of *defn* with *dev* after the last device of its kind (libvirt keeps the
    devices grouped by kind)."""
    new = defn.copy()
    same = [i for i, d in enumerate(new.devices) if type(d) is type(dev)]
    at = same[-1] + 1 if same else (0 if isinstance(dev, DiskDef) else len(new.devices))
    new.devices.insert(at, dev.copy())
    return new


def _find(defn: DomainDef, dev: Device, *, live: bool) -> Device:
    """The device of *defn* that *dev* names: a disk by its target, a NIC by its MAC."""
    if isinstance(dev, DiskDef):
        for d in defn.disks:
            if d.target_dev == dev.target_dev:
                return d
        what = f"disk {dev.target_dev} not found" if live else f"no target device {dev.target_dev}"
    elif isinstance(dev, InterfaceDef):
        for nic in defn.interfaces:
            if (nic.mac or "").lower() == (dev.mac or "").lower():
                return nic
        what = f"no device matching MAC address {dev.mac} found"
    else:
        raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                         f"{'live' if live else 'persistent'} detach of device '{dev.tag}' is "
                         "not supported")  # fmt: skip
    raise make_error(ErrorCode.DEVICE_MISSING, _Q, what)


def _by_alias(defn: DomainDef, alias: str) -> Device:
    """The device of *defn* called *alias* (libvirt's virDomainDefFindDevice by alias)."""
    for dev in defn.devices:
        if alias_of(dev) == alias:
            return dev
    raise make_error(ErrorCode.INTERNAL_ERROR, _Q, f"no device found with alias {alias}")


def _check_new(defn: DomainDef, dev: Device, *, live: bool) -> None:
    """libvirt's duplicate checks for an attach."""
    if isinstance(dev, DiskDef) and any(d.target_dev == dev.target_dev for d in defn.disks):
        code = ErrorCode.OPERATION_FAILED if live else ErrorCode.OPERATION_INVALID
        raise make_error(code, _Q, f"target {dev.target_dev} already exists")
    if isinstance(dev, InterfaceDef) and any(
        (n.mac or "").lower() == (dev.mac or "").lower() for n in defn.interfaces
    ):
        raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                         f"network device with mac {dev.mac} already exists")  # fmt: skip


class HotplugOps(AffectOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    def _impact(self, dom: QemuDomain, flags: int) -> int:
        """libvirt's virDomainObjUpdateModificationImpact (the shared AFFECT rules), as flags."""
        _, live, config = self._affected(dom.ref(), flags)
        return (flags & ~(LIVE | CONFIG)) | (LIVE if live else 0) | (CONFIG if config else 0)

    def _write_config(self, dom: QemuDomain, new: DomainDef) -> None:
        dom.defn = new
        self._persist(dom)  # secrets included: a VNC password must survive an attach

    # -- attach ----------------------------------------------------------------------------
    def domain_attach_device(self, dom: DomainRef, xml: str) -> None:
        self._attach(dom, xml, LIVE, "virDomainAttachDevice")

    def domain_attach_device_flags(self, dom: DomainRef, xml: str, flags: int) -> None:
        unsupported_flags(flags, LIVE | CONFIG, "qemuDomainAttachDeviceFlags", _Q)
        self._attach(dom, xml, flags, "virDomainAttachDeviceFlags")

    def _attach(self, ref: DomainRef, xml: str, flags: int, api: str) -> None:
        dom = self.driver.domains.from_ref(ref)
        dev = parse_device(xml)
        with dom.job.hold(api, self.driver.job_wait):
            flags = self._impact(dom, flags)
            new_config = None
            if flags & CONFIG:  # checked (and its command line built) before any change
                _check_new(dom.defn, dev, live=False)
                new_config = parse_definition(
                    format_domain_xml(_with(dom.defn, dev), inactive=True, secure=True)
                )
            if flags & LIVE:
                self._attach_live(dom, dev)
            if new_config is not None:
                self._write_config(dom, new_config)

    def _attach_live(self, dom: QemuDomain, dev: Device) -> None:
        run, live = dom.run, dom.live
        assert run is not None and live is not None
        _check_new(live, dev, live=True)
        if isinstance(dev, DiskDef):
            check_iothread_users(_with(live, dev))  # its IOThread one the guest runs
            alias = plug_disk(run.monitor, dev)
        elif isinstance(dev, InterfaceDef):
            nic = dev.copy()  # gets its tap's name, in the live definition only
            assert isinstance(nic, InterfaceDef)
            alias = plug_nic(run.monitor, nic, self.driver.networks)
            dev = nic
        else:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             f"live attach of device '{dev.tag}' is not supported")  # fmt: skip
        with self.driver.lock:
            dom.live = _with(live, dev)
        save_run_status(self.driver, dom)
        self.driver.emit_device(dom, DomainEventID.DEVICE_ADDED, alias)

    # -- detach ----------------------------------------------------------------------------
    def domain_detach_device(self, dom: DomainRef, xml: str) -> None:
        self._detach(dom, xml, LIVE, "virDomainDetachDevice")

    def domain_detach_device_flags(self, dom: DomainRef, xml: str, flags: int) -> None:
        unsupported_flags(flags, LIVE | CONFIG, "qemuDomainDetachDeviceFlags", _Q)
        self._detach(dom, xml, flags, "virDomainDetachDeviceFlags")

    def domain_detach_device_alias(self, dom_ref: DomainRef, alias: str, flags: int) -> None:
        """The device called *alias*: from the configuration (any kind, found by a user's
        ``ua-`` alias), and live by the running guest's alias (disks and NICs, as
        detach-device): libvirt's asynchronous form, which asks the guest and returns
        without waiting for it to let go (the removal finishes when QEMU says so)."""
        unsupported_flags(flags, LIVE | CONFIG, "qemuDomainDetachDeviceAlias", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainDetachDeviceAlias", self.driver.job_wait):
            flags = self._impact(dom, flags)
            new_config = None
            if flags & CONFIG:
                doomed = _by_alias(dom.defn, alias)
                new_config = dom.defn.copy()
                new_config.devices = [d for d in dom.defn.devices if d is not doomed]
            if flags & LIVE:
                run, live = dom.run, dom.live
                assert run is not None and live is not None
                found = _by_alias(live, alias)
                if not isinstance(found, (DiskDef, InterfaceDef)):
                    raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                                     f"live detach of device '{found.tag}' is not supported")  # fmt: skip
                unplug(self.driver, dom, run, found, wait=0.0)
            if new_config is not None:
                self._write_config(dom, new_config)

    def _detach(self, ref: DomainRef, xml: str, flags: int, api: str) -> None:
        """Config first checked, then the live unplug (which may end before the guest lets
        go: the removal then finishes when QEMU says so), then the config written."""
        dom = self.driver.domains.from_ref(ref)
        dev = parse_device(xml)
        with dom.job.hold(api, self.driver.job_wait):
            flags = self._impact(dom, flags)
            new_config = None
            if flags & CONFIG:
                doomed = _find(dom.defn, dev, live=False)
                new_config = dom.defn.copy()
                new_config.devices = [d for d in dom.defn.devices if d is not doomed]
            if flags & LIVE:
                run, live = dom.run, dom.live
                assert run is not None and live is not None
                found = _find(live, dev, live=True)
                assert isinstance(found, (DiskDef, InterfaceDef))
                unplug(self.driver, dom, run, found)
            if new_config is not None:
                self._write_config(dom, new_config)
