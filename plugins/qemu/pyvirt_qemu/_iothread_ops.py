"""A QEMU guest's IOThreads: list, add, delete, pin and tune them, as libvirt 9.0's driver.

Why QEMU is asked, not the definition, for a running guest: the threads are QEMU's
``iothread`` objects (``-object`` at start, object-add/object-del later), QMP's
query-iothreads names each one's host thread, and the kernel knows where that thread may
run (sched_getaffinity), so ``iothreadinfo`` shows what is true, in QEMU's order, as
libvirtd does.  The definitions keep what libvirt keeps: ``<iothreads>``/``<iothreadids>``
(thread-pool bounds included) and ``<cputune><iothreadpin>``; the live one goes to the
status file, so a restarted daemon still knows them.  Polling values live only in QEMU
(query-iothreads reports them: :func:`live_iothreads`), as in libvirt.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt import (
    DomainModificationImpact,
    DomainRef,
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

from pyvirt_qemu._affect import AffectOps
from pyvirt_qemu._command_iothreads import iothread_alias, iothread_object, iothread_users
from pyvirt_qemu._stats_ops import host_cpus

if TYPE_CHECKING:
    from lxml import etree
    from pyvirt import TypedParameter
    from pyvirt.conf import DomainDef

    from pyvirt_qemu._domain import QemuDomain, Run

__all__ = ["IOThreadOps", "LiveIOThread", "apply_iothread_pins", "live_iothreads"]

_Q, _D = ErrorDomain.QEMU, ErrorDomain.DOMAIN
_LIVE, _CONFIG = DomainModificationImpact.LIVE, DomainModificationImpact.CONFIG
_INT_MAX = 2**31 - 1
#: virDomainSetIOThreadParams' fields in libvirt 9.0 and QEMU's property for each.
_PARAMS = {
    "poll_max_ns": (TypedParameterType.ULLONG, "poll-max-ns"),
    "poll_grow": (TypedParameterType.UINT, "poll-grow"),
    "poll_shrink": (TypedParameterType.UINT, "poll-shrink"),
    "thread_pool_min": (TypedParameterType.INT, "thread-pool-min"),
    "thread_pool_max": (TypedParameterType.INT, "thread-pool-max"),
}
#: A live IOThread as QMP's query-iothreads describes it (the keys QEMU 7.2 gives).
LiveIOThread = dict[str, Any]


def live_iothreads(run: Run) -> list[tuple[int, LiveIOThread]]:
    """Each IOThread of the running guest with its id, in QEMU's order: QMP's
    query-iothreads record (``thread-id``, ``poll-max-ns``, ``poll-grow``, ``poll-shrink``…).
    Objects not named ``iothreadN`` (none libvirt makes) are left out."""
    out = []
    for info in run.monitor.execute("query-iothreads"):
        name = str(info.get("id", ""))
        if name.startswith("iothread") and name[8:].isdigit():
            out.append((int(name[8:]), info))
    return out


def iothread_tids(run: Run) -> set[int]:
    """Host thread ids of the guest's IOThreads (not emulator threads: they pin apart)."""
    return {int(info["thread-id"]) for _, info in live_iothreads(run)}


def _set_affinity(tid: int, cpus: set[int]) -> None:
    try:
        os.sched_setaffinity(tid, cpus)
    except OSError as exc:
        raise make_error(ErrorCode.SYSTEM_ERROR, _Q,
                         f"cannot set CPU affinity on process {tid}: {exc.strerror}") from None  # fmt: skip


def apply_iothread_pins(run: Run, live: DomainDef) -> None:
    """Pin a just-started guest's IOThreads as ``<iothreadpin>`` says (as libvirt at start)."""
    pins = iothread_pins(live)
    if not pins:
        return
    for iothread_id, info in live_iothreads(run):
        if iothread_id in pins:
            _set_affinity(int(info["thread-id"]), pins[iothread_id])


def _maplen() -> int:
    return (len(host_cpus()) + 7) // 8


def _listed(defn: DomainDef) -> list[etree._Element]:
    """The ``<iothread>`` elements of ``<iothreadids>`` (none when it is absent)."""
    listed = defn.extra.get("iothreadids")
    return list(listed[0]) if listed else []


def _write_ids(defn: DomainDef, ids: list[int]) -> None:
    """``<iothreads>`` and ``<iothreadids>`` for *ids* (both gone when empty), keeping each
    listed thread's attributes (its thread-pool bounds).  libvirt lists every id once
    any thread was added, deleted or pinned, so they are always listed here."""
    from lxml import etree

    old = {el.get("id"): el for el in _listed(defn)}
    defn.extra.pop("iothreads", None)
    defn.extra.pop("iothreadids", None)
    if not ids:
        return
    count = etree.Element("iothreads")
    count.text = str(len(ids))
    listed = etree.Element("iothreadids")
    for iothread_id in ids:
        kept = old.get(str(iothread_id))
        attrs = {str(k): str(v) for k, v in kept.attrib.items()} if kept is not None else {}
        etree.SubElement(listed, "iothread", {"id": str(iothread_id), **attrs})
    defn.extra["iothreads"] = [count]
    defn.extra["iothreadids"] = [listed]


def _set_pool(defn: DomainDef, iothread_id: int, values: dict[str, int]) -> None:
    """Record thread-pool bounds on ``<iothread id=…>`` as libvirt's live XML shows them."""
    _write_ids(defn, iothread_ids(defn))
    for el in _listed(defn):
        if el.get("id") == str(iothread_id):
            for field in ("thread_pool_min", "thread_pool_max"):
                if field in values:
                    el.set(field, str(values[field]))
                    if values[field] == -1:
                        del el.attrib[field]


def _pool_bound(defn: DomainDef, iothread_id: int, field: str) -> int:
    for el in _listed(defn):
        if el.get("id") == str(iothread_id) and el.get(field) is not None:
            return int(el.get(field, "-1"))
    return -1


def _check_ranges(values: dict[str, int]) -> None:
    """libvirt's qemuDomainIOThreadParseParams: QEMU takes ints, and pool bounds of -1
    (QEMU's default) or more (a maximum of 0 would be no pool at all)."""
    for field in ("poll_max_ns", "poll_grow", "poll_shrink"):
        if field in values and values[field] > _INT_MAX:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                             f"{_PARAMS[field][1]} ({values[field]}) must be less than or "
                             f"equal to {_INT_MAX}")  # fmt: skip
    low, high = values.get("thread_pool_min"), values.get("thread_pool_max")
    if low is not None and low < -1:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                         f"thread_pool_min ({low}) must be equal to or greater than -1")  # fmt: skip
    if high is not None and (high < -1 or high == 0):
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                         f"thread_pool_max ({high}) must be a positive number or -1")  # fmt: skip


def _check_live_pool(live: DomainDef, iothread_id: int, values: dict[str, int]) -> None:
    """A running QEMU's pool takes no -1 (it cannot be put back to its default), and the
    minimum, with the bound not given taken from the thread, is not above the maximum."""
    for field in ("thread_pool_min", "thread_pool_max"):
        if values.get(field) == -1:
            raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                             f"{field} (-1) must be equal to or greater than 0 for live "
                             "change")  # fmt: skip
    if "thread_pool_min" not in values and "thread_pool_max" not in values:
        return
    low = values.get("thread_pool_min", _pool_bound(live, iothread_id, "thread_pool_min"))
    high = values.get("thread_pool_max", _pool_bound(live, iothread_id, "thread_pool_max"))
    if low > high:
        raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                         f"thread_pool_min ({low}) can't be greater than thread_pool_max "
                         f"({high})")  # fmt: skip


def _check_add(defn: DomainDef, iothread_id: int) -> None:
    if iothread_id in iothread_ids(defn):
        raise make_error(ErrorCode.INVALID_ARG, _D,
                         f"an IOThread is already using iothread_id '{iothread_id}'")  # fmt: skip


def _check_del(defn: DomainDef, iothread_id: int) -> None:
    if iothread_id not in iothread_ids(defn):
        raise make_error(ErrorCode.INVALID_ARG, _D,
                         f"cannot find IOThread '{iothread_id}' in iothreadids list")  # fmt: skip
    used = iothread_users(defn, iothread_id)
    if used is not None:
        raise make_error(ErrorCode.INVALID_ARG, _D, used)


class IOThreadOps(AffectOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`: the virDomain*IOThread* calls."""

    def domain_get_iothread_info(self, dom_ref: DomainRef, flags: int) -> list[tuple[int, bytes]]:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainGetIOThreadInfo", _Q)
        with self.driver.lock:
            dom, defn = self._one_def(dom_ref, flags)
            run = dom.run if defn is dom.live else None
        maplen = _maplen()
        if run is None:
            pins = iothread_pins(defn)
            everywhere = {cpu for cpu, on in enumerate(host_cpus()) if on}
            return [(i, cpumap_of(pins.get(i) or everywhere, maplen)) for i in iothread_ids(defn)]
        with dom.job.hold("virDomainGetIOThreadInfo", self.driver.job_wait):
            self._check_same_run(dom, run)
            out = []
            for iothread_id, info in live_iothreads(run):
                try:
                    cpus = os.sched_getaffinity(int(info["thread-id"]))
                except OSError:
                    continue  # a thread that just ended with its object
                out.append((iothread_id, cpumap_of(cpus, maplen)))
            return out

    def domain_add_iothread(self, dom_ref: DomainRef, iothread_id: int, flags: int) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainAddIOThread", _Q)
        if iothread_id == 0:
            raise make_error(ErrorCode.INVALID_ARG, _Q, "invalid value of 0 for iothread_id")

        def live(dom: QemuDomain, run: Run, defn: DomainDef) -> None:
            run.monitor.execute("object-add", iothread_object(defn, iothread_id))
            _write_ids(defn, [*iothread_ids(defn), iothread_id])

        def config(defn: DomainDef) -> None:
            _write_ids(defn, [*iothread_ids(defn), iothread_id])

        self._change_iothreads(dom_ref, flags, "virDomainAddIOThread",
                     lambda defn: _check_add(defn, iothread_id), live, config)  # fmt: skip

    def domain_del_iothread(self, dom_ref: DomainRef, iothread_id: int, flags: int) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainDelIOThread", _Q)
        if iothread_id == 0:
            raise make_error(ErrorCode.INVALID_ARG, _Q, "invalid value of 0 for iothread_id")

        def drop(defn: DomainDef) -> None:
            _write_ids(defn, [i for i in iothread_ids(defn) if i != iothread_id])
            set_iothread_pin(defn, iothread_id, None)

        def live(dom: QemuDomain, run: Run, defn: DomainDef) -> None:
            run.monitor.execute("object-del", {"id": iothread_alias(iothread_id)})
            drop(defn)

        self._change_iothreads(dom_ref, flags, "virDomainDelIOThread",
                     lambda defn: _check_del(defn, iothread_id), live, drop)  # fmt: skip

    def domain_pin_iothread(
        self, dom_ref: DomainRef, iothread_id: int, cpumap: bytes, flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainPinIOThread", _Q)
        cpus = cpus_of(cpumap)
        if not cpus:
            raise make_error(ErrorCode.INVALID_ARG, _Q, "Empty iothread cpumap list for pinning")

        def check(defn: DomainDef, what: str) -> None:
            if iothread_id not in iothread_ids(defn):
                raise make_error(ErrorCode.INVALID_ARG, _Q, f"{what} {iothread_id} not found")

        def live(dom: QemuDomain, run: Run, defn: DomainDef) -> None:
            tid = next((int(info["thread-id"]) for i, info in live_iothreads(run)
                        if i == iothread_id), None)  # fmt: skip
            if tid is None:
                raise make_error(ErrorCode.INVALID_ARG, _Q, f"iothread {iothread_id} not found")
            _set_affinity(tid, cpus)
            set_iothread_pin(defn, iothread_id, cpus)
            _write_ids(defn, iothread_ids(defn))

        def config(defn: DomainDef) -> None:
            set_iothread_pin(defn, iothread_id, cpus)
            _write_ids(defn, iothread_ids(defn))

        self._change_iothreads(dom_ref, flags, "virDomainPinIOThread", None, live, config,
                     live_check=lambda defn: check(defn, "iothread"),
                     config_check=lambda defn: check(defn, "iothreadid"))  # fmt: skip

    def domain_set_iothread_params(
        self, dom_ref: DomainRef, iothread_id: int, params: list[TypedParameter], flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "qemuDomainSetIOThreadParams", _Q)
        given = validate_typed_params(params, {k: v[0] for k, v in _PARAMS.items()})
        values = {field: int(value) for field, value in given.items()}
        _check_ranges(values)

        def live_check(defn: DomainDef) -> None:
            if iothread_id not in iothread_ids(defn):
                raise make_error(ErrorCode.INVALID_ARG, _Q,
                                 f"cannot find IOThread '{iothread_id}' in iothreadids")  # fmt: skip
            _check_live_pool(defn, iothread_id, values)

        def config_check(defn: DomainDef) -> None:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "configuring persistent polling values is not supported")  # fmt: skip

        def live(dom: QemuDomain, run: Run, defn: DomainDef) -> None:
            path = f"/objects/{iothread_alias(iothread_id)}"
            for field, value in values.items():
                run.monitor.execute("qom-set", {"path": path, "property": _PARAMS[field][1],
                                                "value": value})  # fmt: skip
            if "thread_pool_min" in values or "thread_pool_max" in values:
                _set_pool(defn, iothread_id, values)

        self._change_iothreads(dom_ref, flags, "virDomainSetIOThreadParams", None, live, None,
                     live_check=live_check, config_check=config_check)  # fmt: skip

    # -- one change, live and/or persistent ------------------------------------------------
    def _change_iothreads(
        self,
        dom_ref: DomainRef,
        flags: int,
        api: str,
        check: Callable[[DomainDef], None] | None,
        live: Callable[[QemuDomain, Run, DomainDef], None],
        config: Callable[[DomainDef], None] | None,
        *,
        live_check: Callable[[DomainDef], None] | None = None,
        config_check: Callable[[DomainDef], None] | None = None,
    ) -> None:
        """Apply a change to the definitions *flags* pick, under the domain's job: every
        check first (the live definition's, then the persistent one's), so a refused call
        changes nothing; then the running QEMU and the live definition (saved to the status
        file), then the persistent definition (written to its file)."""
        with self.driver.lock:
            dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold(api, self.driver.job_wait), self.driver.define_lock:
            with self.driver.lock:
                dom, on_live, on_config = self._affected(dom_ref, flags)
                run, live_def = dom.run, dom.live
            if on_live and (run is None or live_def is None):
                from pyvirt.driver import domain_not_running

                raise domain_not_running()
            for wanted, defn, checks in ((on_live, live_def, (check, live_check)),
                                         (on_config, dom.defn, (check, config_check))):  # fmt: skip
                for fn in checks:
                    if wanted and fn is not None and defn is not None:
                        fn(defn)
            if on_live and run is not None and live_def is not None:
                new_live = live_def.copy()
                live(dom, run, new_live)
                with self.driver.lock:
                    dom.live = new_live
                from pyvirt_qemu._lifecycle import save_run_status  # (it imports this module)

                save_run_status(self.driver, dom)
            if on_config and config is not None:
                new = dom.defn.copy()
                config(new)
                dom.defn = new
                self._persist(dom)

    def _check_same_run(self, dom: QemuDomain, run: Run) -> None:
        if dom.run is not run:
            from pyvirt.driver import domain_not_running

            raise domain_not_running()
