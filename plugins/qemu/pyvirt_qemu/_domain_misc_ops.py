"""The QEMU connection's small domain calls: virDomainIsUpdated, virDomainInjectNMI,
virDomainSendKey, virDomainSetMemoryStatsPeriod, the job queries and abort, and
virDomainSetLifecycleAction, as libvirt's qemu driver answers them.

Why together: each is a check or two and one QMP command (``inject-nmi``, ``send-key``,
``qom-set`` of the balloon's polling interval, ``migrate_cancel``, ``set-action``) or a
field of the definition; none needs a module of its own.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

from pyvirt import (
    DomainModificationImpact,
    DomainRef,
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    make_error,
    typed_param,
)
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_qemu._affect import AffectOps
from pyvirt_qemu._balloon import has_balloon, set_stats_period, store_period
from pyvirt_qemu._lifecycle import save_run_status

if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

    from pyvirt_qemu._domain import QemuDomain, Run

__all__ = ["DomainMiscOps"]

_Q = ErrorDomain.QEMU
_AFFECT = DomainModificationImpact.LIVE | DomainModificationImpact.CONFIG
#: VIR_DOMAIN_JOB_STATS_COMPLETED, _KEEP_COMPLETED; VIR_DOMAIN_ABORT_JOB_POSTCOPY
_COMPLETED, _KEEP_COMPLETED, _POSTCOPY = 1, 2, 1
#: VIR_DOMAIN_JOB_NONE, _UNBOUNDED
_JOB_NONE, _JOB_UNBOUNDED = 0, 2
#: The calls libvirt runs as asynchronous jobs (the ones virDomainGetJobInfo reports and
#: virDomainAbortJob stops), with their VIR_DOMAIN_JOB_OPERATION_*.
_ASYNC_JOBS = {
    "virDomainSaveFlags": 2,
    "virDomainManagedSave": 2,
    "virDomainSnapshotCreateXML": 6,
    "virDomainRevertToSnapshot": 7,
    "virDomainCoreDumpWithFormat": 8,
}
#: Those whose data goes through QEMU's migration stream, which migrate_cancel stops.
_MIGRATING = frozenset({"virDomainSaveFlags", "virDomainManagedSave",
                        "virDomainCoreDumpWithFormat", "virDomainSnapshotCreateXML"})  # fmt: skip
#: VIR_DOMAIN_LIFECYCLE_* → the definition's field; VIR_DOMAIN_LIFECYCLE_ACTION_* names.
_EVENTS = ("on_poweroff", "on_reboot", "on_crash")
_ACTIONS = ("destroy", "restart", "rename-restart", "preserve", "coredump-destroy",
            "coredump-restart")  # fmt: skip


def _balloon_missing() -> Exception:
    return make_error(ErrorCode.OPERATION_INVALID, _Q,
                      "No memory balloon device configured, can not set the collection "
                      "period")  # fmt: skip


def _check_lifecycle(defn: DomainDef) -> None:
    """qemuValidateLifecycleAction on the definition as it would become."""
    actions = (defn.on_poweroff, defn.on_reboot, defn.on_crash)
    if "rename-restart" in actions:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                         "qemu driver doesn't support the 'rename-restart' action for "
                         "'on_reboot'/'on_poweroff'/'on_crash'")  # fmt: skip
    if "preserve" in actions[:2]:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                         "qemu driver doesn't support the 'preserve' action for "
                         "'on_reboot'/'on_poweroff'")  # fmt: skip
    if defn.on_reboot == "destroy" and defn.on_poweroff == "restart":
        # libvirt's words, its missing quote included
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                         "qemu driver doesn't support 'onReboot' set to 'destroy and "
                         "'onPoweroff' set to 'reboot'")  # fmt: skip


def _with_action(defn: DomainDef, field: str, action: str) -> DomainDef:
    """A shallow copy of *defn* with *field* set: what the check looks at before any change."""
    trial = copy.copy(defn)
    setattr(trial, field, action)
    return trial


class DomainMiscOps(AffectOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    def _active_run(self, dom_ref: DomainRef) -> tuple[QemuDomain, Run]:
        with self.driver.lock:
            dom = self.driver.domains.from_ref(dom_ref)
            run = dom.run
        if run is None:
            raise domain_not_running()
        return dom, run

    def domain_is_updated(self, dom: DomainRef) -> bool:
        """libvirt's qemu driver never marks a live definition as changed apart from the
        persistent one (hotplug changes both or says which), so: False, once it exists."""
        self.driver.domains.from_ref(dom)
        return False

    def domain_inject_nmi(self, dom: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 0, "qemuDomainInjectNMI", _Q)
        obj = self.driver.domains.from_ref(dom)
        with obj.job.hold("virDomainInjectNMI", self.driver.job_wait):
            _, run = self._active_run(dom)
            run.monitor.execute("inject-nmi")

    def domain_send_key(
        self, dom: DomainRef, codeset: int, holdtime: int, keycodes: list[int], flags: int
    ) -> None:
        """The codes are translated before the domain is even looked at, as libvirt does."""
        from pyvirt_qemu._keycodes import to_qnum

        unsupported_flags(flags, 0, "qemuDomainSendKey", _Q)
        qnum = to_qnum(codeset, keycodes)
        obj = self.driver.domains.from_ref(dom)
        with obj.job.hold("virDomainSendKey", self.driver.job_wait):
            _, run = self._active_run(dom)
            args: dict[str, object] = {"keys": [{"type": "number", "data": k} for k in qnum]}
            if holdtime:
                args["hold-time"] = holdtime
            run.monitor.execute("send-key", args)

    def domain_set_memory_stats_period(self, dom: DomainRef, period: int, flags: int) -> None:
        unsupported_flags(flags, _AFFECT, "qemuDomainSetMemoryStatsPeriod", _Q)

        def live(obj: QemuDomain, defn: DomainDef) -> None:
            if not has_balloon(defn):
                raise _balloon_missing()
            assert obj.run is not None
            try:
                set_stats_period(obj.run, period)
            except Exception:
                raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                                 "unable to set balloon driver collection period") from None  # fmt: skip
            store_period(defn, period)
            save_run_status(self.driver, obj)

        def config(defn: DomainDef) -> None:
            if not has_balloon(defn):
                raise _balloon_missing()
            store_period(defn, period)

        self._change(dom, flags, "virDomainSetMemoryStatsPeriod", live, config)

    # -- jobs -------------------------------------------------------------------------------
    def _async_job(self, obj: QemuDomain) -> str | None:
        holder = obj.job.holder
        return holder if holder in _ASYNC_JOBS else None

    def domain_get_job_stats(self, dom: DomainRef, flags: int) -> tuple[int, list[TypedParameter]]:
        """The running asynchronous job (type, operation, time elapsed in ms); none
        keeps its figures once finished, so COMPLETED answers "none" as libvirt does for a
        domain without a completed job."""
        unsupported_flags(flags, _COMPLETED | _KEEP_COMPLETED, "qemuDomainGetJobStats", _Q)
        obj = self.driver.domains.from_ref(dom)
        if flags & _COMPLETED:
            return _JOB_NONE, []
        if not obj.active:
            raise domain_not_running()
        api = self._async_job(obj)
        if api is None:
            return _JOB_NONE, []
        elapsed = int((time.monotonic() - obj.job.since) * 1000)
        return _JOB_UNBOUNDED, [
            typed_param("operation", TypedParameterType.INT, _ASYNC_JOBS[api]),
            typed_param("time_elapsed", TypedParameterType.ULLONG, elapsed),
        ]

    def domain_get_job_info(self, dom: DomainRef) -> list[int]:
        kind, params = self.domain_get_job_stats(dom, 0)
        elapsed = next((int(p.value) for p in params if p.field == "time_elapsed"), 0)
        return [kind, elapsed] + [0] * 10

    def domain_abort_job(self, dom: DomainRef) -> None:
        self.domain_abort_job_flags(dom, 0)

    def domain_abort_job_flags(self, dom: DomainRef, flags: int) -> None:
        """Stop the running save, dump or snapshot: QEMU cancels the migration stream it
        writes, and the job fails as cancelled."""
        unsupported_flags(flags, _POSTCOPY, "qemuDomainAbortJobFlags", _Q)
        obj, run = self._active_run(dom)
        api = self._async_job(obj)
        if api is None:
            raise make_error(ErrorCode.OPERATION_INVALID, _Q, "no job is active on the domain")
        if flags & _POSTCOPY:
            raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                             "current job is not outgoing migration in post-copy mode")  # fmt: skip
        if api not in _MIGRATING:  # a revert: libvirt runs it as a start job
            raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                             "cannot abort VM start; use virDomainDestroy instead")  # fmt: skip
        run.monitor.execute("migrate_cancel")

    # -- lifecycle actions ------------------------------------------------------------------
    def domain_set_lifecycle_action(
        self, dom: DomainRef, type: int, action: int, flags: int
    ) -> None:
        """Change on_poweroff/on_reboot/on_crash; a running guest's reboot behaviour is
        switched in QEMU too (``set-action``), since QEMU resets or stops by itself."""
        unsupported_flags(flags, _AFFECT, "qemuDomainSetLifecycleAction", _Q)
        field, name = _EVENTS[type], _ACTIONS[action]
        if field != "on_crash" and name.startswith("coredump-"):
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                             f"Lifecycle event '{field[3:]}' doesn't support '{name}' "
                             "action")  # fmt: skip

        def live(obj: QemuDomain, defn: DomainDef) -> None:
            _check_lifecycle(_with_action(defn, field, name))
            if field == "on_reboot" and obj.run is not None:
                reboot = "shutdown" if name == "destroy" else "reset"
                obj.run.monitor.execute("set-action", {"reboot": reboot})
            setattr(defn, field, name)
            save_run_status(self.driver, obj)

        def config(defn: DomainDef) -> None:
            _check_lifecycle(_with_action(defn, field, name))
            setattr(defn, field, name)

        self._change(dom, flags, "virDomainSetLifecycleAction", live, config)
