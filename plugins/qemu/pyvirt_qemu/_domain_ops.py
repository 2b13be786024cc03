"""Domain entry points of a QEMU connection.

Why every modifying call runs under the domain's job and re-checks the state after getting
it: another call may have changed the domain while this one waited (libvirt's rule).  Reads
(lookups, listing, state, XML) take only the driver lock for an instant and never wait for a
job, so a slow start does not freeze ``list``.
"""

from __future__ import annotations

import contextlib
import os

from pyvirt import (
    DomainCreateFlags,
    DomainEventDefinedDetail,
    DomainEventResumedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainEventUndefinedDetail,
    DomainInfo,
    DomainMemoryModFlags,
    DomainPausedReason,
    DomainRecord,
    DomainRef,
    DomainRunningReason,
    DomainState,
    DomainXMLFlags,
    ErrorCode,
    ErrorDomain,
    SecurityLabel,
    SecurityModel,
    VirtError,
    make_error,
)
from pyvirt.conf import DomainDef, format_domain_xml, parse_domain_xml
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_qemu._agent_state import agent_shutdown
from pyvirt_qemu._command import LaunchPaths, assign_runtime_paths, build_argv
from pyvirt_qemu._config import atomic_write, remove_file
from pyvirt_qemu._console import console_device, open_console
from pyvirt_qemu._dac import dac_label_text
from pyvirt_qemu._defaults import apply_device_defaults, apply_qemu_defaults, choose_accel
from pyvirt_qemu._disks import apply_disk_defaults
from pyvirt_qemu._domain import QemuDomain
from pyvirt_qemu._hookpoints import PREPARE, STARTED, run_hooks
from pyvirt_qemu._lifecycle import save_run_status
from pyvirt_qemu._pci import assign_pci_addresses
from pyvirt_qemu._port_addresses import assign_port_addresses
from pyvirt_qemu._qemudriver import QemuDriver

_Q = ErrorDomain.QEMU
#: virDomainConsoleFlags
_CONSOLE_FORCE, _CONSOLE_SAFE = 1, 2
#: VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
_UNDEFINE_MANAGED_SAVE = 1



def parse_definition(xml: str) -> DomainDef:
    """Parse, fill in QEMU's defaults, and check the whole definition can be turned into a
    command line now, so an unsupported setting is refused at define time, not at boot."""
    defn = parse_domain_xml(xml, default_arch="x86_64", driver_defaults=apply_qemu_defaults)
    apply_device_defaults(defn)
    apply_disk_defaults(defn)
    assign_pci_addresses(defn)
    assign_port_addresses(defn)
    trial = defn.copy()
    # Taps are made at start; a placeholder descriptor lets their -netdev be checked now.
    taps = {i: -1 for i, nic in enumerate(trial.interfaces) if nic.type in ("network", "bridge")}
    paths = LaunchPaths(monitor="/nonexistent/monitor.sock", channel_dir="/nonexistent",
                        tap_fds=taps)  # fmt: skip
    assign_runtime_paths(trial, paths)
    build_argv(trial, accel=choose_accel(trial, None if defn.type == "kvm" else "tcg"),
               paths=paths)  # fmt: skip
    return defn


class DomainOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    driver: QemuDriver

    # -- lookup ----------------------------------------------------------------------------
    def _dom(self, ref: DomainRef) -> QemuDomain:
        return self.driver.domains.from_ref(ref)

    def connect_list_all_domains(self, flags: int) -> list[DomainRecord]:
        with self.driver.lock:
            return self.driver.domains.list_all(flags, "qemuConnectListAllDomains")

    def domain_lookup_by_name(self, name: str) -> DomainRecord:
        with self.driver.lock:
            return self.driver.domains.lookup_by_name(name).record()

    def domain_lookup_by_uuid(self, uuid: str) -> DomainRecord:
        with self.driver.lock:
            return self.driver.domains.lookup_by_uuid(uuid).record()

    def domain_lookup_by_id(self, id: int) -> DomainRecord:
        with self.driver.lock:
            return self.driver.domains.lookup_by_id(id).record()

    # -- define / undefine -----------------------------------------------------------------
    def domain_define_xml(self, xml: str, flags: int) -> DomainRecord:
        unsupported_flags(flags, 1, "qemuDomainDefineXMLFlags", _Q)
        defn = parse_definition(xml)
        with self.driver.define_lock:
            existing = self.driver.domains.check_add(defn.name, defn.uuid)
            # Written first: if the disk refuses, nothing in memory has changed either.
            atomic_write(self.driver.config_path(defn.name),
                         format_domain_xml(defn, inactive=True, secure=True))  # fmt: skip
            with self.driver.lock:
                if existing is None:
                    dom = self.driver.domains.add(QemuDomain(defn=defn, persistent=True))
                    detail = DomainEventDefinedDetail.ADDED
                else:
                    dom = existing
                    dom.defn, dom.persistent = defn, True
                    detail = DomainEventDefinedDetail.UPDATED
            if dom.active:
                with contextlib.suppress(VirtError):
                    save_run_status(self.driver, dom)
        self.driver.emit(dom, DomainEventType.DEFINED, detail)
        return dom.record()

    def domain_undefine(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, _UNDEFINE_MANAGED_SAVE, "qemuDomainUndefineFlags", _Q)
        with self.driver.define_lock:
            dom = self._dom(dom_ref)
            if not dom.persistent:
                raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                                 "cannot undefine transient domain")  # fmt: skip
            if dom.managed_save:
                if not flags & _UNDEFINE_MANAGED_SAVE:
                    raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                                     "Refusing to undefine while domain managed save image "
                                     "exists")  # fmt: skip
                remove_file(self.driver.managed_save_path(dom.name))
                dom.managed_save = False
            remove_file(self.driver.autostart_link(dom.name))
            remove_file(self.driver.config_path(dom.name))
            with self.driver.lock:
                dom.autostart = False
                if dom.active:
                    dom.persistent = False
                else:
                    self.driver.remove_domain(dom)
            if dom.active:
                with contextlib.suppress(VirtError):
                    save_run_status(self.driver, dom)
        self.driver.emit(dom, DomainEventType.UNDEFINED, DomainEventUndefinedDetail.REMOVED)

    # -- start -----------------------------------------------------------------------------
    def domain_create(self, dom_ref: DomainRef, flags: int) -> DomainRecord:
        allowed = DomainCreateFlags.START_PAUSED | DomainCreateFlags.START_FORCE_BOOT
        unsupported_flags(flags, allowed, "qemuDomainCreateWithFlags", _Q)
        dom = self._dom(dom_ref)
        if dom.active:  # refused before the prepare hook runs for nothing
            raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                             "domain is already running")  # fmt: skip
        paused = bool(flags & DomainCreateFlags.START_PAUSED)
        force = bool(flags & DomainCreateFlags.START_FORCE_BOOT)
        self.driver.start_with_hooks(dom, "virDomainCreate", paused=paused, force_boot=force)
        return dom.record()

    def domain_create_xml(self, xml: str, flags: int) -> DomainRecord:
        unsupported_flags(flags, DomainCreateFlags.START_VALIDATE | DomainCreateFlags.START_PAUSED,
                          "qemuDomainCreateXML", _Q)  # fmt: skip
        defn = parse_definition(xml)
        with self.driver.define_lock:
            self._refuse_existing(defn)
        run_hooks(PREPARE, defn)  # no lock held: the hook may call back into the API
        with self.driver.define_lock:
            self._refuse_existing(defn)  # again: someone may have taken the name meanwhile
            dom = QemuDomain(defn=defn, persistent=False)
            dom.job.acquire("virDomainCreateXML", self.driver.job_wait)
            self.driver.domains.add(dom)
        try:
            self.driver.start_held(dom, paused=bool(flags & DomainCreateFlags.START_PAUSED))
            live, run_id = dom.live, dom.id
        except BaseException:
            self.driver.remove_domain(dom)
            raise
        finally:
            dom.job.release()
        if live is not None:
            run_hooks(STARTED, live, run_id)
        return dom.record()

    def _refuse_existing(self, defn: DomainDef) -> None:
        """The kit's add checks for a start (an active one is "already active"); this driver
        also refuses to create over a defined, inactive domain of that name and uuid."""
        existing = self.driver.domains.check_add(defn.name, defn.uuid, check_active=True)
        if existing is not None:
            raise make_error(ErrorCode.OPERATION_FAILED, ErrorDomain.DOMAIN,
                             f"domain '{defn.name}' already exists with uuid "
                             f"{existing.uuid}")  # fmt: skip

    # -- stop ------------------------------------------------------------------------------
    def domain_destroy(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 1, "qemuDomainDestroyFlags", _Q)
        self.driver.kill_and_stop(self._dom(dom_ref), "virDomainDestroy")

    def _monitor_job(self, dom_ref: DomainRef, api: str, command: str) -> None:
        dom = self._dom(dom_ref)
        with dom.job.hold(api, self.driver.job_wait):
            run = dom.run
            if run is None:
                raise domain_not_running()
            if api == "virDomainReboot":
                run.fake_reboot = True
            run.monitor.execute(command)

    def domain_shutdown(self, dom_ref: DomainRef, flags: int) -> None:
        """ACPI power button (1) or the guest agent (2); with neither flag the agent when
        it is connected, the button when it is not or fails (libvirt's order)."""
        unsupported_flags(flags, 1 | 2, "qemuDomainShutdownFlags", _Q)
        if not agent_shutdown(self.driver, self._dom(dom_ref), "powerdown", flags):
            self._monitor_job(dom_ref, "virDomainShutdown", "system_powerdown")

    def domain_reboot(self, dom_ref: DomainRef, flags: int) -> None:
        """ACPI power button, and when the guest powers off QEMU is reset and continued
        instead of stopped (libvirt's "fake reboot"); the guest must answer ACPI.  The
        guest agent's reboot (flag 2) first, as for shutdown."""
        unsupported_flags(flags, 1 | 2, "qemuDomainReboot", _Q)
        if not agent_shutdown(self.driver, self._dom(dom_ref), "reboot", flags):
            self._monitor_job(dom_ref, "virDomainReboot", "system_powerdown")

    def domain_reset(self, dom_ref: DomainRef, flags: int) -> None:
        """system_reset; a crashed guest (kept by on_crash preserve) is then paused, reason
        crashed, as libvirt leaves it: QEMU keeps it stopped until resumed."""
        unsupported_flags(flags, 0, "qemuDomainReset", _Q)
        dom = self._dom(dom_ref)
        with dom.job.hold("virDomainReset", self.driver.job_wait):
            run = dom.run
            if run is None:
                raise domain_not_running()
            run.monitor.execute("system_reset")
            run.got_shutdown = run.panicked = False
            if dom.state != DomainState.CRASHED:
                return
            with self.driver.lock:
                dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.CRASHED
            save_run_status(self.driver, dom)

    # -- pause -----------------------------------------------------------------------------
    def domain_suspend(self, dom_ref: DomainRef) -> None:
        dom = self._dom(dom_ref)
        with dom.job.hold("virDomainSuspend", self.driver.job_wait):
            run = dom.run
            if run is None:
                raise domain_not_running()
            if dom.state == DomainState.PAUSED:
                return  # libvirt: suspending a paused domain changes nothing
            run.monitor.execute("stop")
            with self.driver.lock:
                dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.USER
            save_run_status(self.driver, dom)
        self.driver.emit(dom, DomainEventType.SUSPENDED, DomainEventSuspendedDetail.PAUSED)

    def domain_resume(self, dom_ref: DomainRef) -> None:
        dom = self._dom(dom_ref)
        with dom.job.hold("virDomainResume", self.driver.job_wait):
            run = dom.run
            if run is None:
                raise domain_not_running()
            if dom.state != DomainState.PAUSED:
                return
            run.monitor.execute("cont")
            with self.driver.lock:
                dom.state, dom.reason = DomainState.RUNNING, DomainRunningReason.UNPAUSED
            save_run_status(self.driver, dom)
        self.driver.emit(dom, DomainEventType.RESUMED, DomainEventResumedDetail.UNPAUSED)

    # -- memory ----------------------------------------------------------------------------
    def domain_set_memory_flags(self, dom_ref: DomainRef, memory: int, flags: int) -> None:
        live_f, config_f = DomainMemoryModFlags.LIVE, DomainMemoryModFlags.CONFIG
        unsupported_flags(flags, live_f | config_f, "qemuDomainSetMemoryFlags", _Q)
        dom = self._dom(dom_ref)
        with dom.job.hold("virDomainSetMemoryFlags", self.driver.job_wait):
            if not flags & (live_f | config_f):
                flags |= live_f if dom.active else config_f
            if flags & live_f and dom.run is None:
                raise domain_not_running()
            for defn in ([dom.live] if flags & live_f else []) + (
                [dom.defn] if flags & config_f else []
            ):
                if defn is not None and memory > defn.memory_kib:
                    raise make_error(ErrorCode.INVALID_ARG, _Q,
                                     "cannot set memory higher than max memory")  # fmt: skip
            if flags & config_f:
                new = dom.defn.copy()
                new.current_memory_kib = memory
                atomic_write(
                    self.driver.config_path(new.name),
                    format_domain_xml(new, inactive=True, secure=True),
                )
                dom.defn = new
            if flags & live_f and dom.run is not None and dom.live is not None:
                if dom.live.memballoon is None or dom.live.memballoon.model == "none":
                    raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                                     "Unable to change memory of active domain without the "
                                     "balloon device and guest OS balloon driver")  # fmt: skip
                dom.run.monitor.execute("balloon", {"value": memory * 1024})
                dom.live.current_memory_kib = memory
                save_run_status(self.driver, dom)

    # -- screenshot ------------------------------------------------------------------------
    def domain_screenshot(self, dom_ref: DomainRef, screen: int, flags: int) -> bytes:
        """QMP screendump as PNG (QEMU >= 7.1) into the run's private directory, read back.

        Screen N is the N-th video adapter (this driver gives each one head), as libvirt
        counts heads across adapters.
        """
        unsupported_flags(flags, 0, "qemuDomainScreenshot", _Q)
        dom = self._dom(dom_ref)
        with dom.job.hold("virDomainScreenshot", self.driver.job_wait):
            run, live = dom.run, dom.live
            if run is None or live is None:
                raise domain_not_running()
            screens = [i for i, v in enumerate(live.videos) if v.model != "none"]
            if not screens:
                raise make_error(ErrorCode.OPERATION_FAILED, _Q,
                                 "no screens to take screenshot from")  # fmt: skip
            if screen >= len(screens):
                raise make_error(ErrorCode.OPERATION_INVALID, _Q, "no such screen ID")
            path = run.lib_dir / "screendump.png"
            args: dict[str, object] = {"filename": str(path), "format": "png"}
            if screen:
                args["device"] = f"video{screens[screen]}"
            try:
                run.monitor.execute("screendump", args)
                return path.read_bytes()
            except OSError as exc:
                raise make_error(ErrorCode.SYSTEM_ERROR, _Q,
                                 f"unable to read screenshot {path}: {exc.strerror}") from exc  # fmt: skip
            finally:
                with contextlib.suppress(OSError):
                    path.unlink()

    # -- information -----------------------------------------------------------------------
    def domain_get_xml_desc(self, dom_ref: DomainRef, flags: int) -> str:
        allowed = DomainXMLFlags.SECURE | DomainXMLFlags.INACTIVE | DomainXMLFlags.MIGRATABLE
        unsupported_flags(flags, allowed, "qemuDomainGetXMLDesc", _Q)
        with self.driver.lock:
            dom = self._dom(dom_ref)
            secure = bool(flags & DomainXMLFlags.SECURE)
            if flags & DomainXMLFlags.INACTIVE or dom.live is None:
                return format_domain_xml(dom.defn, inactive=True, secure=secure)
            return format_domain_xml(dom.live, live_id=dom.id, secure=secure)

    def domain_get_info(self, dom_ref: DomainRef) -> DomainInfo:
        with self.driver.lock:
            dom = self._dom(dom_ref)
            defn = dom.live or dom.defn
            run = dom.run
            cpu = run.proc.cpu_time_ns() if run is not None else 0
            return DomainInfo(dom.state, defn.memory_kib,
                              defn.current_memory_kib if run is not None else defn.memory_kib,
                              defn.vcpus, cpu)  # fmt: skip

    def domain_get_state(self, dom_ref: DomainRef, flags: int) -> tuple[int, int]:
        unsupported_flags(flags, 0, "qemuDomainGetState", _Q)
        with self.driver.lock:
            dom = self._dom(dom_ref)
            return int(dom.state), int(dom.reason)

    def domain_get_max_memory(self, dom_ref: DomainRef) -> int:
        with self.driver.lock:
            return self._dom(dom_ref).defn.memory_kib

    def domain_get_os_type(self, dom_ref: DomainRef) -> str:
        with self.driver.lock:
            return self._dom(dom_ref).defn.os_type

    def domain_is_active(self, dom_ref: DomainRef) -> bool:
        with self.driver.lock:
            return self._dom(dom_ref).active

    def domain_is_persistent(self, dom_ref: DomainRef) -> bool:
        with self.driver.lock:
            return self._dom(dom_ref).persistent

    def domain_get_security_label(self, dom_ref: DomainRef) -> SecurityLabel:
        """The primary model's label: none has none; DAC's is the running guest's
        ``+uid:+gid``, never "enforcing" (libvirt's DAC driver does not set it)."""
        dom = self._dom(dom_ref)
        with self.driver.lock:
            live = dom.live
        if self.driver.dac.primary != "dac" or live is None:
            return SecurityLabel("", False)
        return SecurityLabel(dac_label_text(live), False)

    def domain_open_console(self, dom_ref: DomainRef, dev_name: str | None, flags: int) -> int:
        """The guest's serial console (a pty, or a unix socket QEMU listens on), one session
        per device (pyvirt_qemu._console_sessions): another is refused unless
        VIR_DOMAIN_CONSOLE_FORCE ends it; VIR_DOMAIN_CONSOLE_SAFE is what this tracking is."""
        unsupported_flags(flags, _CONSOLE_FORCE | _CONSOLE_SAFE, "qemuDomainOpenConsole", _Q)
        dom = self._dom(dom_ref)
        with self.driver.lock:
            live = dom.live
        if live is None:
            raise domain_not_running()
        device = f"{dom.uuid}/{console_device(live, dev_name)}"
        return self.driver.consoles.open(
            device, lambda: open_console(live, dev_name), bool(flags & _CONSOLE_FORCE)
        )

    def node_get_security_model(self) -> SecurityModel:
        """The primary security driver: with no SELinux/AppArmor libvirt's is "none" (DOI
        "0", which virsh dominfo prints) even though DAC is stacked under it;
        ``security_driver = "dac"`` in qemu.conf makes DAC the primary."""
        return SecurityModel(self.driver.dac.primary, "0")

    def domain_get_autostart(self, dom_ref: DomainRef) -> bool:
        with self.driver.lock:
            return self._dom(dom_ref).autostart

    def domain_set_autostart(self, dom_ref: DomainRef, autostart: bool) -> None:
        dom = self._dom(dom_ref)
        with self.driver.define_lock:
            if not dom.persistent:
                raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                                 "cannot set autostart for transient domain")  # fmt: skip
            link = self.driver.autostart_link(dom.name)
            if autostart and not link.is_symlink():
                try:
                    os.symlink(self.driver.config_path(dom.name), link)
                except OSError as exc:
                    raise make_error(ErrorCode.SYSTEM_ERROR, _Q,
                                     f"Failed to create symlink '{link}' to "
                                     f"'{self.driver.config_path(dom.name)}': {exc.strerror}") from exc  # fmt: skip
            elif not autostart:
                remove_file(link)
            dom.autostart = bool(autostart)
