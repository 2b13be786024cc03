"""A test domain's IOThreads: list, add, delete, pin and tune them, as libvirt's test driver.

The threads live where libvirt keeps them: ``<iothreads>`` (their count) and
``<iothreadids>`` in the definition, their pins in ``<cputune>`` (``<iothreadpin>``), so
``dumpxml`` shows them in libvirt's place.  A count larger than the ids listed stands for
threads numbered by libvirt from 1 upwards, skipping ids in use.  Polling values are
libvirt's testIOThreadInfo list (:attr:`pyvirt_test._objects.TestDomain.iothread_polls`):
every thread virDomainAddIOThread adds, whichever definition it went to, with the defaults
32768/0/0 until virDomainSetIOThreadParams changes them; ``domstats --iothread`` shows it.
"""

from __future__ import annotations

from pyvirt import (
    DomainModificationImpact,
    ErrorCode,
    ErrorDomain,
    TypedParameterType,
    make_error,
    validate_typed_params,
)
from pyvirt.driver import (
    cpumap_of,
    cpus_of,
    iothread_ids,
    iothread_pins,
    set_iothread_pin,
    unsupported_flags,
)

from pyvirt_test._vcpu_ops import VcpuOps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainRef, TypedParameter
    from pyvirt.conf import DomainDef

_T, _D = ErrorDomain.TEST, ErrorDomain.DOMAIN
_LIVE, _CONFIG = DomainModificationImpact.LIVE, DomainModificationImpact.CONFIG
#: libvirt's defaults for a new thread's polling: poll-max-ns, poll-grow, poll-shrink.
_DEFAULT_POLL = (32768, 0, 0)
_POLL_FIELDS = {
    "poll_max_ns": TypedParameterType.ULLONG,
    "poll_grow": TypedParameterType.UINT,
    "poll_shrink": TypedParameterType.UINT,
}


def _write_ids(defn: DomainDef, ids: list[int]) -> None:
    """Write ``<iothreads>`` and ``<iothreadids>`` for *ids* (both gone when empty)."""
    from lxml import etree

    defn.extra.pop("iothreads", None)
    defn.extra.pop("iothreadids", None)
    if not ids:
        return
    count = etree.Element("iothreads")
    count.text = str(len(ids))
    listed = etree.Element("iothreadids")
    for iothread_id in ids:
        etree.SubElement(listed, "iothread", id=str(iothread_id))
    defn.extra["iothreads"] = [count]
    defn.extra["iothreadids"] = [listed]


def _default_affinity(defn: DomainDef) -> set[int]:
    """An unpinned thread's CPUs as libvirt's test driver reports them: one per vCPU."""
    return set(range(defn.vcpus))


class IOThreadOps(VcpuOps):
    """Mixin for the test connection: the virDomain*IOThread* calls."""

    def domain_get_iothread_info(self, dom_ref: DomainRef, flags: int) -> list[tuple[int, bytes]]:
        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainGetIOThreadInfo", _T)
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            pins = iothread_pins(defn)
            out = []
            for iothread_id in iothread_ids(defn):
                cpus = pins.get(iothread_id) or _default_affinity(defn)
                out.append((iothread_id, cpumap_of(cpus, max(cpus) // 8 + 1)))
            return out

    def domain_add_iothread(self, dom_ref: DomainRef, iothread_id: int, flags: int) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainAddIOThread", _T)
        if iothread_id == 0:
            raise make_error(ErrorCode.INVALID_ARG, _T, "invalid value of 0 for iothread_id")
        with self.state.lock:
            dom = self._dom(dom_ref)
            defn = self._one_def(dom, flags)
            ids = iothread_ids(defn)
            if iothread_id in ids:
                raise make_error(
                    ErrorCode.INVALID_ARG,
                    _D,
                    f"an IOThread is already using iothread_id '{iothread_id}'",
                )
            _write_ids(defn, [*ids, iothread_id])
            dom.iothread_polls[iothread_id] = _DEFAULT_POLL

    def domain_del_iothread(self, dom_ref: DomainRef, iothread_id: int, flags: int) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainDelIOThread", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            defn = self._one_def(dom, flags)
            ids = iothread_ids(defn)
            if iothread_id not in ids:
                raise make_error(
                    ErrorCode.INVALID_ARG,
                    _D,
                    f"cannot find IOThread '{iothread_id}' in iothreadids list",
                )
            _write_ids(defn, [i for i in ids if i != iothread_id])
            set_iothread_pin(defn, iothread_id, None)
            dom.iothread_polls.pop(iothread_id, None)

    def domain_pin_iothread(
        self, dom_ref: DomainRef, iothread_id: int, cpumap: bytes, flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "testDomainPinIOThread", _T)
        with self.state.lock:
            defn = self._one_def(self._dom(dom_ref), flags)
            cpus = cpus_of(cpumap)
            if not cpus:
                raise make_error(
                    ErrorCode.INVALID_ARG, _T, "Empty iothread cpumap list for pinning"
                )
            if iothread_id not in iothread_ids(defn):
                raise make_error(ErrorCode.INVALID_ARG, _T, f"iothreadid {iothread_id} not found")
            set_iothread_pin(defn, iothread_id, cpus)

    def domain_set_iothread_params(
        self, dom_ref: DomainRef, iothread_id: int, params: list[TypedParameter], flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE, "testDomainSetIOThreadParams", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            defn = self._one_def(dom, flags)
            if iothread_id not in iothread_ids(defn):
                raise make_error(
                    ErrorCode.INVALID_ARG,
                    _T,
                    f"cannot find IOThread '{iothread_id}' in iothreadids",
                )
            validate_typed_params(params, _POLL_FIELDS)  # after the lookup, as libvirt
            max_ns, grow, shrink = dom.iothread_polls.get(iothread_id, _DEFAULT_POLL)
            for param in params:
                value = int(param.value)
                if param.field == "poll_max_ns":
                    max_ns = value
                elif param.field == "poll_grow":
                    grow = value
                else:
                    shrink = value
            if iothread_id in dom.iothread_polls:
                dom.iothread_polls[iothread_id] = (max_ns, grow, shrink)
