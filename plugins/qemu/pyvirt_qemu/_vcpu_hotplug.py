"""vCPU hotplug of a running guest (libvirt's qemuDomainSetVcpusLive / qemuDomainSetVcpu).

QEMU starts with ``-smp CURRENT,maxcpus=MAX``: the first CURRENT vCPUs are the boot CPUs
(no device id, never unpluggable, libvirt's ``hotpluggable='no'``); every other one is an
empty slot ``query-hotpluggable-cpus`` lists with the topology properties a ``device_add``
needs.  vCPU *i* is the *i*-th slot in topology order, and a plugged one is the device
``vcpuI``, libvirt's alias.  ``device_del`` only asks the guest (ACPI eject): as for other
devices the call waits :data:`~pyvirt_qemu._hotplug.REMOVE_WAIT` seconds for QEMU's
DEVICE_DELETED and then answers libvirt's "vcpu unplug request timed out"; a late event still
finishes the removal (:func:`vcpu_deleted`).

The live XML then carries libvirt's ``<vcpus>``: each vCPU's ``enabled``, ``hotpluggable``
and, while enabled, the ``order`` it came online in (boot CPUs first).  A plugged vCPU's
thread gets what a boot vCPU's got at start: its ``vcpuN`` cgroup with the definition's
vCPU period and quota, and its ``<vcpupin>``; an unplugged one's cgroup goes.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error

from pyvirt_qemu._cgroups import find_domain_cgroup, place_vcpu, remove_vcpu
from pyvirt_qemu._hotplug import REMOVE_WAIT
from pyvirt_qemu._lifecycle import save_run_status
from pyvirt_qemu._tune_ops import apply_vcpu_tunables
from pyvirt_qemu._vcpu_ops import pin_plugged_vcpu, vcpu_threads

if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._monitor import Monitor
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["set_live_vcpu_count", "set_live_vcpus", "vcpu_deleted"]

_Q = ErrorDomain.QEMU
_TOPOLOGY = ("socket-id", "die-id", "cluster-id", "core-id", "thread-id")


def _slots(monitor: Monitor) -> list[dict[str, Any]]:
    """QEMU's hotpluggable CPU slots in vCPU order (QMP lists them highest first)."""
    slots = [dict(s) for s in monitor.execute("query-hotpluggable-cpus")]
    slots.sort(key=lambda s: tuple(int(s["props"].get(k, 0)) for k in _TOPOLOGY))
    return slots


class _Vcpus:
    """The live ``<vcpus>`` state: per vCPU id, whether enabled, hotpluggable, its order."""

    def __init__(self, live: DomainDef, present: list[bool]) -> None:
        self.enabled: dict[int, bool] = {}
        self.hotpluggable: dict[int, bool] = {}
        self.order: dict[int, int] = {}
        old = live.extra.get("vcpus")
        known: dict[int, etree._Element] = {}
        if old:
            for el in old[0].iter("vcpu"):
                known[int(el.get("id", "0"))] = el
        for i, on in enumerate(present):
            found = known.get(i)
            self.enabled[i] = on
            if found is not None:
                self.hotpluggable[i] = found.get("hotpluggable") == "yes"
                if on and found.get("order"):
                    self.order[i] = int(found.get("order", "0"))
            else:  # first hotplug: the boot CPUs are the enabled ones
                self.hotpluggable[i] = not on
                if on:
                    self.order[i] = i + 1

    def write(self, live: DomainDef) -> None:
        root = etree.Element("vcpus")
        for i in sorted(self.enabled):
            attrs = {"id": str(i), "enabled": "yes" if self.enabled[i] else "no",
                     "hotpluggable": "yes" if self.hotpluggable[i] else "no"}  # fmt: skip
            if self.enabled[i] and i in self.order:
                attrs["order"] = str(self.order[i])
            etree.SubElement(root, "vcpu", attrs)
        live.extra["vcpus"] = [root]
        live.vcpus = sum(self.enabled.values())


def _present(slots: list[dict[str, Any]]) -> list[bool]:
    return [bool(s.get("qom-path")) for s in slots]


def _update_live(driver: QemuDriver, dom: QemuDomain, run: Run, state: _Vcpus) -> None:
    """Keep *state* as the live definition's vCPUs and save the status."""
    with driver.lock:
        if dom.run is not run or dom.live is None:
            return
        live = dom.live.copy()
        state.write(live)
        dom.live = live
    save_run_status(driver, dom)


def _current(driver: QemuDriver, dom: QemuDomain, run: Run) -> _Vcpus:
    """The live vCPUs as QEMU has them now (orders and hotpluggability from the XML)."""
    with driver.lock:
        live = dom.live
    assert live is not None
    return _Vcpus(live, _present(_slots(run.monitor)))


def plug_vcpus(driver: QemuDriver, dom: QemuDomain, run: Run, wanted: list[int]) -> None:
    """device_add each vCPU of *wanted* (ids), in that order (job held)."""
    slots = _slots(run.monitor)
    for vcpu in wanted:
        state = _current(driver, dom, run)  # before the add: who was there at boot
        slot = slots[vcpu]
        run.monitor.execute("device_add", {"driver": slot["type"], "id": f"vcpu{vcpu}",
                                           **slot["props"]})  # fmt: skip
        state.enabled[vcpu] = True
        state.order[vcpu] = max(state.order.values(), default=0) + 1
        _update_live(driver, dom, run, state)
        _set_up_thread(driver, dom, run, vcpu)


def _set_up_thread(driver: QemuDriver, dom: QemuDomain, run: Run, vcpu: int) -> None:
    """libvirt's qemuProcessSetupVcpu for a just plugged vCPU: cgroup, tunables, pin."""
    tid = vcpu_threads(run).get(vcpu)
    with driver.lock:
        live = dom.live
    if tid is None or live is None:
        return
    cg = find_domain_cgroup(live, dom.id)
    if cg is not None:
        place_vcpu(cg, vcpu, tid)
        apply_vcpu_tunables(cg, live, vcpu)
    pin_plugged_vcpu(live, vcpu, tid)


def _forget_thread(driver: QemuDriver, dom: QemuDomain, vcpu: int) -> None:
    with driver.lock:
        live = dom.live
    cg = find_domain_cgroup(live, dom.id) if live is not None else None
    if cg is not None:
        remove_vcpu(cg, vcpu)


def unplug_vcpus(driver: QemuDriver, dom: QemuDomain, run: Run, wanted: list[int]) -> None:
    """device_del each vCPU of *wanted* and wait for the guest to let it go (job held)."""
    for vcpu in wanted:
        alias = f"vcpu{vcpu}"
        waiter = threading.Event()
        with driver.lock:
            run.device_waiters[alias] = waiter
            run.pending_removals[alias] = (None, [])
        try:
            run.monitor.execute("device_del", {"id": alias})
            waiter.wait(REMOVE_WAIT)
        finally:
            with driver.lock:
                run.device_waiters.pop(alias, None)
                deleted = waiter.is_set()
                if deleted:
                    run.pending_removals.pop(alias, None)
        if not deleted:
            raise make_error(ErrorCode.OPERATION_TIMEOUT, _Q,
                             "vcpu unplug request timed out. Unplug result must be manually "
                             "inspected in the domain")  # fmt: skip
        _update_live(driver, dom, run, _current(driver, dom, run))
        _forget_thread(driver, dom, vcpu)


def vcpu_deleted(driver: QemuDriver, dom: QemuDomain, run: Run, alias: str) -> None:
    """A vCPU's DEVICE_DELETED after its unplug gave up waiting: refresh the live XML."""
    from pyvirt_qemu._lifecycle import with_job  # (it imports this module's importers)

    def body() -> None:
        with driver.lock:
            if dom.run is not run or run.pending_removals.pop(alias, None) is None:
                return
        with contextlib.suppress(VirtError):
            _update_live(driver, dom, run, _current(driver, dom, run))
        _forget_thread(driver, dom, int(alias.removeprefix("vcpu")))

    with_job(driver, dom, "vcpu removal", body)


def _live_state(driver: QemuDriver, dom: QemuDomain, run: Run) -> tuple[_Vcpus, int]:
    state = _current(driver, dom, run)
    return state, len(state.enabled)


def set_live_vcpu_count(driver: QemuDriver, dom: QemuDomain, run: Run, count: int) -> None:
    """setvcpus --live: plug the lowest absent vCPUs, or unplug the last plugged ones."""
    state, _ = _live_state(driver, dom, run)
    current = sum(state.enabled.values())
    if count > current:
        absent = [i for i, on in sorted(state.enabled.items()) if not on]
        plug_vcpus(driver, dom, run, absent[: count - current])
    elif count < current:
        plugged = [i for i, on in state.enabled.items() if on and state.hotpluggable[i]]
        plugged.sort(key=lambda vcpu: state.order.get(vcpu, vcpu), reverse=True)
        if len(plugged) < current - count:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "cannot unplug the vcpus present at boot")  # fmt: skip
        unplug_vcpus(driver, dom, run, plugged[: current - count])


def set_live_vcpus(driver: QemuDriver, dom: QemuDomain, run: Run, ids: set[int], on: bool) -> None:
    """setvcpu --live: plug or unplug exactly the vCPUs *ids* (libvirt's checks first)."""
    state, total = _live_state(driver, dom, run)
    for vcpu in sorted(ids):
        if vcpu >= total:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             f"vcpu {vcpu} is not present in live config")  # fmt: skip
        if state.enabled[vcpu] == on:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             f"vcpu '{vcpu}' is already in requested state")  # fmt: skip
        if not state.hotpluggable[vcpu]:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             f"vcpu '{vcpu}' can't be unplugged")  # fmt: skip
    if on:
        plug_vcpus(driver, dom, run, sorted(ids))
    else:
        unplug_vcpus(driver, dom, run, sorted(ids))
