"""Domain entry points of the test driver: libvirt's test-driver state machine.

Which operation is an error in which state, and with which code, follows libvirt 9.0's test
driver exactly (checked against it by the CLI comparison tests): for example suspending a
paused domain is an internal error "domain 'X' not running", while destroying a shut-off one
is "Requested operation is not valid: domain is not running".
"""

from __future__ import annotations

import time

from pyvirt import (
    DomainCreateFlags,
    DomainEventDefinedDetail,
    DomainEventResumedDetail,
    DomainEventStartedDetail,
    DomainEventStoppedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainEventUndefinedDetail,
    DomainInfo,
    DomainMemoryModFlags,
    DomainPausedReason,
    DomainRecord,
    DomainRef,
    DomainRunningReason,
    DomainSaveRestoreFlags,
    DomainShutoffReason,
    DomainState,
    DomainUndefineFlags,
    DomainVcpuFlags,
    DomainXMLFlags,
    ErrorCode,
    ErrorDomain,
    SecurityLabel,
    make_error,
)
from pyvirt.driver import (
    DomainHookPhase,
    domain_not_running,
    invalid_arg,
    run_domain_hooks,
    unsupported_flags,
)

from pyvirt_test._lookup_ops import DomainLookupOps
from pyvirt_test._objects import TestDomain
from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

_T = ErrorDomain.TEST
_MAX_VCPUS = 32


def _parse(xml: str) -> DomainDef:
    """Parse a definition and name its interfaces as libvirt's test driver does (testnetN)."""
    from pyvirt.conf import parse_domain_xml  # here, not at the top: it loads lxml

    defn = parse_domain_xml(xml)
    # testDomainGenerateIfnames: each unnamed interface gets the lowest testnetN no
    # interface has yet
    for iface in defn.interfaces:
        if not iface.target_dev:
            taken = {i.target_dev for i in defn.interfaces}
            iface.target_dev = next(
                f"testnet{n}" for n in range(len(taken) + 1) if f"testnet{n}" not in taken
            )
    return defn


def _not_running(dom: TestDomain) -> Exception:
    return make_error(ErrorCode.INTERNAL_ERROR, _T, f"domain '{dom.name}' not running")



class DomainOps(DomainLookupOps):
    """Mixin for the test connection (life cycle, definitions); ``self.state`` is its
    :class:`TestState`."""

    state: TestState
    driver_name = "Test"

    def _emit(self, dom: TestDomain, event: int, detail: int) -> None:
        self.state.emit("domain", dom.name, dom.uuid, dom.id, event, detail)

    def _hooks(self, phase: DomainHookPhase, dom: TestDomain, live_id: int = -1) -> None:
        """Run lifecycle hooks for *dom*; callers hold no lock, so hooks may call the API."""
        run_domain_hooks(phase, driver="test", defn=dom.live, live_id=live_id)

    # -- define / create / undefine -------------------------------------------------------
    def domain_define_xml(self, xml: str, flags: int) -> DomainRecord:
        unsupported_flags(flags, 1, "testDomainDefineXMLFlags", _T)
        defn = _parse(xml)
        with self.state.lock:
            new = TestDomain(live=defn, config=None)
            dom = self.state.domains.add(new)
            if dom is new:
                detail = DomainEventDefinedDetail.ADDED
            else:
                if dom.active:
                    dom.config = defn
                else:
                    dom.live = defn
                detail = DomainEventDefinedDetail.UPDATED
                dom.persistent = True
            self._emit(dom, DomainEventType.DEFINED, detail)
            return dom.record()

    def domain_create_xml(self, xml: str, flags: int) -> DomainRecord:
        unsupported_flags(flags, DomainCreateFlags.START_VALIDATE, "testDomainCreateXML", _T)
        defn = _parse(xml)
        with self.state.lock:
            new = TestDomain(live=defn, config=None, persistent=False)
            dom = self.state.domains.add(new, check_active=True)
            if dom is not new:
                dom.config = defn.copy() if dom.persistent else None
                dom.live = defn
            self.state.activate(dom, DomainState.RUNNING, DomainRunningReason.BOOTED)
            self._emit(dom, DomainEventType.STARTED, DomainEventStartedDetail.BOOTED)
            return dom.record()

    def domain_undefine(self, dom_ref: DomainRef, flags: int) -> None:
        allowed = (
            DomainUndefineFlags.MANAGED_SAVE
            | DomainUndefineFlags.SNAPSHOTS_METADATA
            | DomainUndefineFlags.NVRAM
            | DomainUndefineFlags.KEEP_NVRAM
            | DomainUndefineFlags.CHECKPOINTS_METADATA
            | DomainUndefineFlags.TPM
            | DomainUndefineFlags.KEEP_TPM
        )
        unsupported_flags(flags, allowed, "testDomainUndefineFlags", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            # libvirt's test driver has no "cannot undefine transient domain" check (QEMU's
            # has): undefining a running transient domain succeeds and changes nothing.
            if dom.managed_save and not flags & DomainUndefineFlags.MANAGED_SAVE:
                raise make_error(
                    ErrorCode.OPERATION_INVALID,
                    _T,
                    "Refusing to undefine while domain managed save image exists",
                )
            dom.managed_save = False
            self._emit(dom, DomainEventType.UNDEFINED, DomainEventUndefinedDetail.REMOVED)
            if dom.active:
                dom.persistent = False
                dom.config = None
            else:
                self.state.domains.remove(dom)

    # -- lifecycle ------------------------------------------------------------------------
    def domain_create(self, dom_ref: DomainRef, flags: int) -> DomainRecord:
        unsupported_flags(flags, 0, "testDomainCreateWithFlags", _T)
        for attempt in ("hooks", "start"):
            with self.state.lock:
                dom = self._dom(dom_ref)
                if dom.active:
                    raise make_error(
                        ErrorCode.INTERNAL_ERROR, _T, f"Domain '{dom.name}' is already running"
                    )
                if attempt == "start":
                    dom.managed_save = False
                    self.state.activate(dom, DomainState.RUNNING, DomainRunningReason.BOOTED)
                    self._emit(dom, DomainEventType.STARTED, DomainEventStartedDetail.BOOTED)
                    record = dom.record()
            if attempt == "hooks":
                self._hooks(DomainHookPhase.PREPARE, dom)
        self._hooks(DomainHookPhase.STARTED, dom, record.id)
        return record

    def _stop(self, dom: TestDomain, reason: int, detail: int) -> None:
        event_id = dom.id
        self.state.deactivate(dom, reason)
        self.state.emit("domain", dom.name, dom.uuid, event_id, DomainEventType.STOPPED, detail)

    def _stopped_hooks(self, dom: TestDomain) -> None:
        self._hooks(DomainHookPhase.STOPPED, dom)

    def domain_shutdown(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testDomainShutdownFlags", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            if dom.state not in (DomainState.RUNNING, DomainState.PAUSED):
                raise _not_running(dom)
            self._stop(dom, DomainShutoffReason.SHUTDOWN, DomainEventStoppedDetail.SHUTDOWN)
        self._stopped_hooks(dom)

    def domain_reboot(self, dom_ref: DomainRef, flags: int) -> None:
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.active:
                raise domain_not_running()
            dom.state = DomainState.RUNNING
            dom.reason = DomainRunningReason.BOOTED

    def domain_reset(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testDomainReset", _T)
        with self.state.lock:
            if not self._dom(dom_ref).active:
                raise domain_not_running()

    def domain_destroy(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 1, "testDomainDestroyFlags", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.active:
                raise domain_not_running()
            self._stop(dom, DomainShutoffReason.DESTROYED, DomainEventStoppedDetail.DESTROYED)
        self._stopped_hooks(dom)

    def domain_managed_save(self, dom_ref: DomainRef, flags: int) -> None:
        allowed = (
            DomainSaveRestoreFlags.BYPASS_CACHE
            | DomainSaveRestoreFlags.RUNNING
            | DomainSaveRestoreFlags.PAUSED
        )
        unsupported_flags(flags, allowed, "testDomainManagedSave", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.active:
                raise domain_not_running()
            if not dom.persistent:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, "cannot do managed save for transient domain"
                )
            self._stop(dom, DomainShutoffReason.SAVED, DomainEventStoppedDetail.SAVED)
            dom.managed_save = True
        self._stopped_hooks(dom)

    def domain_managed_save_remove(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testDomainManagedSaveRemove", _T)
        with self.state.lock:
            self._dom(dom_ref).managed_save = False

    def domain_suspend(self, dom_ref: DomainRef) -> None:
        with self.state.lock:
            dom = self._dom(dom_ref)
            if dom.state != DomainState.RUNNING:
                raise _not_running(dom)
            dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.USER
            self._emit(dom, DomainEventType.SUSPENDED, DomainEventSuspendedDetail.PAUSED)

    def domain_resume(self, dom_ref: DomainRef) -> None:
        with self.state.lock:
            dom = self._dom(dom_ref)
            if dom.state != DomainState.PAUSED:
                raise make_error(ErrorCode.INTERNAL_ERROR, _T, f"domain '{dom.name}' not paused")
            dom.state, dom.reason = DomainState.RUNNING, DomainRunningReason.UNPAUSED
            self._emit(dom, DomainEventType.RESUMED, DomainEventResumedDetail.UNPAUSED)

    # -- information ----------------------------------------------------------------------
    def domain_get_xml_desc(self, dom_ref: DomainRef, flags: int) -> str:
        allowed = (
            DomainXMLFlags.SECURE
            | DomainXMLFlags.INACTIVE
            | DomainXMLFlags.UPDATE_CPU
            | DomainXMLFlags.MIGRATABLE
        )
        unsupported_flags(flags, allowed, "testDomainGetXMLDesc", _T)
        from pyvirt.conf import format_domain_xml  # here, not at the top: it loads lxml

        with self.state.lock:
            dom = self._dom(dom_ref)
            inactive = bool(flags & DomainXMLFlags.INACTIVE)
            secure = bool(flags & DomainXMLFlags.SECURE)
            if inactive or not dom.active:
                return format_domain_xml(dom.persistent_def(), inactive=True, secure=secure)
            return format_domain_xml(dom.live, live_id=dom.id, secure=secure)

    def domain_get_info(self, dom_ref: DomainRef) -> DomainInfo:
        with self.state.lock:
            dom = self._dom(dom_ref)
            # libvirt's test driver reports the wall clock as CPU time, running or not.
            cpu_time = time.time_ns()
            return DomainInfo(
                dom.state,
                dom.live.memory_kib,
                dom.live.current_memory_kib,
                dom.live.vcpus,
                cpu_time,
            )

    def domain_get_state(self, dom_ref: DomainRef, flags: int) -> tuple[int, int]:
        unsupported_flags(flags, 0, "testDomainGetState", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            return int(dom.state), int(dom.reason)

    def domain_get_max_memory(self, dom_ref: DomainRef) -> int:
        with self.state.lock:
            return self._dom(dom_ref).live.memory_kib

    def domain_get_os_type(self, dom_ref: DomainRef) -> str:
        # libvirt's test driver answers "linux" whatever the XML says.
        with self.state.lock:
            self._dom(dom_ref)
        return "linux"

    def domain_get_autostart(self, dom_ref: DomainRef) -> bool:
        with self.state.lock:
            return self._dom(dom_ref).autostart

    def domain_set_autostart(self, dom_ref: DomainRef, autostart: bool) -> None:
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.persistent:
                raise make_error(
                    ErrorCode.OPERATION_INVALID,
                    ErrorDomain.DOMAIN,
                    "cannot set autostart for transient domain",
                )
            dom.autostart = bool(autostart)

    def domain_is_active(self, dom_ref: DomainRef) -> bool:
        with self.state.lock:
            return self._dom(dom_ref).active

    def domain_is_persistent(self, dom_ref: DomainRef) -> bool:
        with self.state.lock:
            return self._dom(dom_ref).persistent

    def domain_get_security_label(self, dom_ref: DomainRef) -> SecurityLabel:
        with self.state.lock:
            dom = self._dom(dom_ref)
            if dom.active:
                return SecurityLabel("libvirt-test", True)
            return SecurityLabel("", False)

    def domain_has_managed_save_image(self, dom_ref: DomainRef, flags: int) -> bool:
        unsupported_flags(flags, 0, "testDomainHasManagedSaveImage", _T)
        with self.state.lock:
            return self._dom(dom_ref).managed_save

    # -- tuning ---------------------------------------------------------------------------
    def _defs_for(self, dom: TestDomain, flags: int) -> tuple[DomainDef | None, DomainDef | None]:
        """libvirt's virDomainObjGetDefs after resolving AFFECT_CURRENT: (live, persistent)."""
        live_flag, config_flag = DomainMemoryModFlags.LIVE, DomainMemoryModFlags.CONFIG
        if not flags & (live_flag | config_flag):
            flags |= live_flag if dom.active else config_flag
        if flags & live_flag and not dom.active:
            raise domain_not_running()
        if flags & config_flag and not dom.persistent:
            raise make_error(
                ErrorCode.OPERATION_INVALID,
                ErrorDomain.DOMAIN,
                "transient domains do not have any persistent config",
            )
        if flags & live_flag and dom.persistent and dom.config is None:
            # libvirt keeps the persistent definition apart from the start on (newDef), so a
            # live-only change must not reach the next boot's definition.
            dom.config = dom.live.copy()
        live = dom.live if flags & live_flag else None
        persistent = None
        if flags & config_flag:
            if dom.active:
                if dom.config is None:
                    dom.config = dom.live.copy()
                persistent = dom.config
            else:
                persistent = dom.live
        return live, persistent

    def domain_set_memory_flags(self, dom_ref: DomainRef, memory: int, flags: int) -> None:
        allowed = (
            DomainMemoryModFlags.LIVE | DomainMemoryModFlags.CONFIG | DomainMemoryModFlags.MAXIMUM
        )
        unsupported_flags(flags, allowed, "testDomainSetMemoryFlags", _T)
        both = DomainMemoryModFlags.LIVE | DomainMemoryModFlags.CONFIG
        if flags & both == both:
            # libvirt's test driver picks one definition (virDomainObjGetOneDefState).
            raise invalid_arg(
                "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
                "virDomainObjGetOneDefState",
                "flags",
            )
        with self.state.lock:
            dom = self._dom(dom_ref)
            live, persistent = self._defs_for(dom, flags & ~DomainMemoryModFlags.MAXIMUM)
            if flags & DomainMemoryModFlags.MAXIMUM:
                if live is not None:
                    raise make_error(
                        ErrorCode.OPERATION_INVALID,
                        _T,
                        "cannot resize the maximum memory on an active domain",
                    )
                assert persistent is not None
                persistent.memory_kib = memory
                persistent.current_memory_kib = min(persistent.current_memory_kib, memory)
                return
            for defn in (live, persistent):
                if defn is not None and memory > defn.memory_kib:
                    raise make_error(
                        ErrorCode.INVALID_ARG, _T, "cannot set memory higher than max memory"
                    )
            for defn in (live, persistent):
                if defn is not None:
                    defn.current_memory_kib = memory

    def domain_get_vcpus_flags(self, dom_ref: DomainRef, flags: int) -> int:
        allowed = DomainVcpuFlags.LIVE | DomainVcpuFlags.CONFIG | DomainVcpuFlags.MAXIMUM
        unsupported_flags(flags, allowed, "testDomainGetVcpusFlags", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            live, persistent = self._defs_for(dom, flags & ~DomainVcpuFlags.MAXIMUM)
            defn = live if live is not None else persistent
            assert defn is not None
            return defn.max_vcpus if flags & DomainVcpuFlags.MAXIMUM else defn.vcpus

    def domain_set_vcpus_flags(self, dom_ref: DomainRef, nvcpus: int, flags: int) -> None:
        allowed = DomainVcpuFlags.LIVE | DomainVcpuFlags.CONFIG | DomainVcpuFlags.MAXIMUM
        unsupported_flags(flags, allowed, "testDomainSetVcpusFlags", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            live, persistent = self._defs_for(dom, flags & ~DomainVcpuFlags.MAXIMUM)
            if nvcpus > _MAX_VCPUS:
                raise make_error(
                    ErrorCode.INVALID_ARG,
                    _T,
                    f"requested cpu amount exceeds maximum supported amount ({nvcpus} > {_MAX_VCPUS})",
                )
            if flags & DomainVcpuFlags.MAXIMUM:
                if live is not None:
                    raise make_error(
                        ErrorCode.INVALID_ARG, _T, "cannot change maximum vCPUs of a live domain"
                    )
                assert persistent is not None
                persistent.max_vcpus = nvcpus
                persistent.vcpus = min(persistent.vcpus, nvcpus)
                return
            for defn in (live, persistent):
                if defn is not None and nvcpus > defn.max_vcpus:
                    raise make_error(
                        ErrorCode.INVALID_ARG,
                        _T,
                        f"requested cpu amount exceeds maximum ({nvcpus} > {defn.max_vcpus})",
                    )
            for defn in (live, persistent):
                if defn is not None:
                    defn.vcpus = nvcpus
