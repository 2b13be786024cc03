"""The QEMU driver object (libvirt's virQEMUDriver): every domain it knows, its directories,
finding running guests again after a restart, and the start/stop steps the entry points share.

Why one object per state driver: pyvirtd hosts the driver in a worker process and every
client connection there must see the same guests, as libvirt's single QEMU driver does.  The
state driver (:class:`~pyvirt_qemu.QemuStateDriver`) creates it on initialize; connections
borrow it.  The domains are in a :class:`pyvirt.driver.DomainObjList`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from pyvirt import (
    DomainCrashedReason,
    DomainEventID,
    DomainEventStoppedDetail,
    DomainPausedReason,
    DomainRunningReason,
    DomainShutoffReason,
    DomainState,
    ErrorCode,
    ErrorDomain,
    ObjectEvent,
    VirtError,
    make_error,
)
from pyvirt.conf import parse_domain_xml
from pyvirt.driver import DomainObjList, domain_not_running

from pyvirt_qemu._config import QemuPaths, remove_file
from pyvirt_qemu._console_sessions import ConsoleSessions
from pyvirt_qemu._dac import load_dac_config
from pyvirt_qemu._domain import QemuDomain, Run
from pyvirt_qemu._hookpoints import PREPARE, STARTED, STOPPED, run_hooks
from pyvirt_qemu._jobs import DEFAULT_JOB_WAIT
from pyvirt_qemu._lifecycle import (
    KILL_GRACE,
    enable_perf,
    handle_eof,
    on_monitor_eof,
    on_monitor_event,
    save_run_status,
    start_domain,
    stop_domain,
)
from pyvirt_qemu._listeners import deliver
from pyvirt_qemu._monitor import Monitor
from pyvirt_qemu._network import NetworkState
from pyvirt_qemu._passthrough_ops import MonitorEventRegistry
from pyvirt_qemu._process import QemuProcess
from pyvirt_qemu._qemu_probe import QemuProbe
from pyvirt_qemu._secrets import SecretStore
from pyvirt_qemu._snapshot_store import SnapshotStore
from pyvirt_qemu._status import load_status, remove_status
from pyvirt_qemu._storage import StorageState

log = logging.getLogger("pyvirt.qemu")

_QMP_STATE = {
    "running": (DomainState.RUNNING, DomainRunningReason.UNKNOWN),
    "paused": (DomainState.PAUSED, DomainPausedReason.USER),
    "prelaunch": (DomainState.PAUSED, DomainPausedReason.STARTING_UP),
    "guest-panicked": (DomainState.CRASHED, DomainCrashedReason.PANICKED),  # on_crash preserve
}


class QemuDriver:
    def __init__(
        self,
        paths: QemuPaths,
        *,
        privileged: bool,
        forced_accel: str | None = None,
        job_wait: float = DEFAULT_JOB_WAIT,
    ) -> None:
        self.paths = paths
        self.privileged = privileged
        self.forced_accel = forced_accel
        self.job_wait = job_wait
        self.lock = threading.RLock()
        #: Serialises define/create/undefine so the duplicate checks and the adds are one step.
        self.define_lock = threading.Lock()
        self.domains: DomainObjList[QemuDomain] = DomainObjList(ErrorDomain.QEMU)
        self.listeners: list[Callable[[ObjectEvent], None]] = []
        #: qemu-monitor-event's registrations, by connection (pyvirt_qemu._passthrough_ops).
        self.monitor_events = MonitorEventRegistry()
        self.storage = StorageState(paths.storage_config_dir, paths.storage_run_dir)
        #: The open console sessions, one per character device (virChrdevs).
        self.consoles = ConsoleSessions()
        self.storage.listeners = self.listeners  # pool events go to the same subscribers
        #: Virtual networks are the host's bridges and firewall: only the privileged
        #: driver (qemu:///system) has them, as only libvirt's system daemon does.
        self.networks = NetworkState(paths, self.listeners) if privileged else None
        #: Secrets (libvirt's secret driver, in the same daemon): both URIs have them.
        self.secrets = SecretStore(paths.secret_config_dir, self.listeners)
        #: Every domain's snapshot tree, kept where libvirt keeps it (<lib>/snapshot/<dom>).
        self.snapshots = SnapshotStore(paths.lib_dir / "snapshot")
        #: qemu.conf's DAC settings (beside the config dir, as /etc/libvirt/qemu.conf is):
        #: who QEMU runs as and whether its files are chowned to it.
        self.dac = load_dac_config(paths.config_dir.parent / "qemu.conf", privileged=privileged)
        #: What each QEMU binary offers, probed over QMP once and kept until it changes
        #: (libvirt's capabilities cache).
        self.probe = QemuProbe(paths.lib_dir / "capabilities")

    # -- the domain list (names the lifecycle code uses) ----------------------------------
    def remove_domain(self, dom: QemuDomain) -> None:
        self.domains.remove(dom)

    def take_id(self) -> int:
        """Reserve the next run id; :meth:`set_id` gives it to the domain once it runs."""
        return self.domains.reserve_id()

    def set_id(self, dom: QemuDomain, run_id: int) -> None:
        """Index *dom* under *run_id*, or drop its id when *run_id* is -1."""
        if run_id >= 0:
            self.domains.assign_id(dom, run_id)
        else:
            self.domains.release_id(dom)

    # -- events ----------------------------------------------------------------------------
    def emit(self, dom: QemuDomain, event: int, detail: int, event_id: int | None = None) -> None:
        """Deliver a lifecycle event to every subscriber of every connection, now.

        Nothing is queued for later subscribers, as in libvirt: events of what the driver
        finds while it initialises (a guest that died while the daemon was down becomes
        STOPPED/FAILED, shutoff reason crashed) reach only listeners already attached,
        which in pyvirtd is nobody, since clients connect after the worker is up.  A client
        learns of such a change from the domain's state and reason instead.
        """
        ev = ObjectEvent("domain", dom.name, dom.uuid, dom.id if event_id is None else event_id,
                         int(event), int(detail))  # fmt: skip
        deliver(self.listeners, ev)

    def emit_device(self, dom: QemuDomain, event_id: int, alias: str) -> None:
        """Deliver a device event (VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, _REMOVED or
        _REMOVAL_FAILED) naming the device's *alias*, as libvirt's hotplug code does."""
        ev = ObjectEvent("domain", dom.name, dom.uuid, dom.id, 0, 0, event_id=event_id, text=alias)
        deliver(self.listeners, ev)

    def emit_agent_lifecycle(self, dom: QemuDomain, state: int, reason: int) -> None:
        """Deliver VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE: the guest agent's channel is now
        *state* (connected/disconnected) because of *reason* (domain started, channel event)."""
        ev = ObjectEvent("domain", dom.name, dom.uuid, dom.id, int(state), int(reason),
                         event_id=DomainEventID.AGENT_LIFECYCLE)  # fmt: skip
        deliver(self.listeners, ev)

    # -- startup and shutdown of the driver ------------------------------------------------
    def initialize(self) -> None:
        """Load definitions, find running QEMUs again, then autostart (libvirt's order)."""
        try:
            self.paths.create()
        except OSError as exc:
            raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.QEMU,
                             f"cannot create driver directories: {exc}") from exc  # fmt: skip
        if self.dac.active:
            # QEMU, running as the DAC user, creates its sockets in per-run directories
            # here (libvirt gives /var/lib/libvirt/qemu to that user as well).
            os.chown(self.paths.lib_dir, self.dac.uid, self.dac.gid)
            os.chmod(self.paths.lib_dir, 0o755)
        self.secrets.initialize()  # first: guests' disks and TLS may need their secrets
        self.storage.initialize()  # first: autostarted guests may boot from its volumes
        if self.networks is not None:
            self.networks.initialize()  # and plug into its networks
        self._load_configs()
        self._reconnect_all()
        from pyvirt_qemu._snapshot_ops import recover_snapshots  # (it imports this module)

        recover_snapshots(self)  # guests found again first: a half-taken snapshot may be live
        self._autostart()

    def _load_configs(self) -> None:
        for path in sorted(self.paths.config_dir.glob("*.xml")):
            try:
                defn = parse_domain_xml(path.read_text(), default_arch="x86_64")
            except (OSError, VirtError) as exc:
                log.warning("skipping unreadable config %s: %s", path, exc)
                continue
            autostart = (self.paths.autostart_dir / path.name).is_symlink()
            dom = self.domains.add(QemuDomain(defn=defn, persistent=True, autostart=autostart))
            dom.managed_save = self.managed_save_path(dom.name).exists()

    def _reconnect_all(self) -> None:
        for path in sorted(self.paths.run_dir.glob("*.xml")):
            try:
                self._reconnect(path)
            except Exception:  # noqa: BLE001 - one bad status file must not stop the rest
                log.exception("cannot reconnect to the domain of %s", path)

    def _reconnect(self, path: Path) -> None:
        rec = load_status(path)
        dom = self.domains.find_by_name(rec.live.name)
        if dom is None or dom.uuid != rec.live.uuid:
            dom = self.domains.add(QemuDomain(defn=rec.live.copy(), persistent=False))
        proc = QemuProcess(rec.pid, rec.start_time)
        run = Run(proc=proc, monitor=Monitor(rec.live.name, rec.monitor),
                  lib_dir=Path(rec.lib_dir), log_offset=rec.log_offset,
                  got_shutdown=rec.got_shutdown)  # fmt: skip
        with self.lock:
            dom.live, dom.run = rec.live, run
            self.set_id(dom, rec.id)
            dom.state, dom.reason = DomainState(rec.state), rec.reason
        if not proc.alive():
            # It died while nobody watched: shut off, reason crashed (libvirt's answer when
            # the monitor is unreachable).
            stop_domain(self, dom, DomainShutoffReason.CRASHED, DomainEventStoppedDetail.FAILED)
            return
        if rec.state == DomainState.PAUSED and rec.reason == DomainPausedReason.STARTING_UP:
            # The daemon died while starting it: nobody finished its set-up, so it is
            # killed and left shut off (failed), never half-managed or started twice.
            log.warning("%s was being started when pyvirtd stopped; killing it", dom.name)
            stop_domain(self, dom, DomainShutoffReason.FAILED, DomainEventStoppedDetail.FAILED)
            return
        try:
            run.monitor.connect(
                lambda event, data: on_monitor_event(self, dom, run, event, data),
                lambda: on_monitor_eof(self, dom, run),
                timeout=5.0,
                alive=proc.alive,
            )
            status = run.monitor.execute("query-status")
        except VirtError as exc:
            log.warning("cannot reconnect to %s: %s; killing it", dom.name, exc)
            # libvirt kills what it cannot manage, so a guest can never run twice.
            stop_domain(self, dom, DomainShutoffReason.UNKNOWN, DomainEventStoppedDetail.FAILED)
            return
        qmp_state = str(status.get("status", ""))
        if qmp_state == "shutdown" or run.got_shutdown:
            # Caught mid-shutdown: finish it.
            stop_domain(self, dom, DomainShutoffReason.SHUTDOWN, DomainEventStoppedDetail.SHUTDOWN)
            return
        enable_perf(run, rec.live, strict=False)
        with self.lock:
            state, reason = _QMP_STATE.get(
                qmp_state, (DomainState.PAUSED, DomainPausedReason.UNKNOWN)
            )
            if state != dom.state:
                dom.state, dom.reason = state, reason
        save_run_status(self, dom)
        if not proc.alive():  # died between the checks: its EOF may have come before ours
            handle_eof(self, dom, run)

    def _autostart(self) -> None:
        pending = [d for d in self.domains if d.autostart and not d.active]
        if not pending:
            return

        def boot_all() -> None:
            for dom in pending:
                try:
                    if not dom.active:
                        self.start_with_hooks(dom, "virDomainCreate")
                except VirtError as exc:
                    log.warning("autostart of %s failed: %s", dom.name, exc)

        threading.Thread(target=boot_all, name="qemu-autostart", daemon=True).start()

    def close(self) -> None:
        """Let go of every monitor; the guests keep running and are found again later."""
        with self.lock:
            runs = [d.run for d in self.domains if d.run is not None]
        for run in runs:
            run.stopping = True  # our own disconnect is not the guest's end
            run.monitor.close()

    # -- small helpers shared with the entry points ----------------------------------------
    def config_path(self, name: str) -> Path:
        return self.paths.config_dir / f"{name}.xml"

    def autostart_link(self, name: str) -> Path:
        return self.paths.autostart_dir / f"{name}.xml"

    def managed_save_path(self, name: str) -> Path:
        """Where libvirt keeps it too: <lib>/save/<name>.save."""
        return self.paths.lib_dir / "save" / f"{name}.save"

    def start_with_hooks(
        self, dom: QemuDomain, api: str, *, paused: bool = False, force_boot: bool = False
    ) -> None:
        """Boot *dom*: prepare and start hooks, then the start under the job, then started.

        The hooks run with no job held (they may call back into the API); a failed start
        after them gets its stopped and release hooks, as libvirt's qemuProcessStop runs
        them for a start that did not make it.
        """
        run_hooks(PREPARE, dom.defn)
        with dom.job.hold(api, self.job_wait):
            self.start_held(dom, paused=paused, force_boot=force_boot)
            live, run_id = dom.live, dom.id
        if live is not None:
            run_hooks(STARTED, live, run_id)

    def start_held(
        self, dom: QemuDomain, *, paused: bool = False, force_boot: bool = False
    ) -> None:
        """The start proper, its job held and the prepare hooks done: from the managed save
        image when there is one (*force_boot* discards it), else a fresh boot."""
        if dom.active:
            raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                             "domain is already running")  # fmt: skip
        defn = dom.defn
        try:
            if dom.managed_save and force_boot:
                remove_file(self.managed_save_path(dom.name))
                dom.managed_save = False
            if dom.managed_save:
                from pyvirt_qemu._save_ops import restore_managed_save  # (it imports us)

                if restore_managed_save(self, dom, paused=paused):
                    return
            start_domain(self, dom, paused=paused)
        except BaseException:
            dom.job.defer(functools.partial(run_hooks, STOPPED, defn))
            raise

    def kill_and_stop(self, dom: QemuDomain, api: str) -> None:
        """destroy: kill first (a stuck job cannot block it), then take the job to clean up."""
        with self.lock:
            run = dom.run
            if run is None:
                raise domain_not_running()
            run.stopping = True
        run.proc.kill(KILL_GRACE)
        with dom.job.hold(api, self.job_wait):
            if dom.run is run:
                stop_domain(self, dom, DomainShutoffReason.DESTROYED,
                            DomainEventStoppedDetail.DESTROYED)  # fmt: skip


def forget_files(paths: QemuPaths, name: str) -> None:
    """Remove what a domain left in the run dir (used when a start is abandoned)."""
    with contextlib.suppress(VirtError):
        remove_status(paths.run_dir, name)
    for lib in paths.lib_dir.glob(f"domain-*-{name[:20]}"):
        shutil.rmtree(lib, ignore_errors=True)


def env_accel() -> str | None:
    value = os.environ.get("PYVIRT_QEMU_ACCEL", "").strip().lower()
    return value if value in ("tcg", "kvm") else None
