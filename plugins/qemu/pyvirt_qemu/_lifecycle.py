"""Starting and stopping QEMU, and reacting to what its monitor reports.

Why callers hold the domain's job but never the driver lock here: spawning QEMU and monitor
commands are slow, and the driver lock is only for quick field updates, so lookups and
listings stay instant while a guest starts.  Events and end-of-file arrive on the monitor
loop thread; anything that needs a job or a kill is handed to a short-lived thread.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyvirt import (
    DomainCrashedReason,
    DomainEventCrashedDetail,
    DomainEventResumedDetail,
    DomainEventShutdownDetail,
    DomainEventStartedDetail,
    DomainEventStoppedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainPausedReason,
    DomainRunningReason,
    DomainShutoffReason,
    DomainState,
    ErrorCode,
    ErrorDomain,
    VirtError,
    make_error,
)
from pyvirt.conf import DomainDef
from pyvirt.driver import perf_states, write_perf

from pyvirt_qemu._aliases import alias_of, assign_aliases
from pyvirt_qemu._balloon import set_stats_period, stats_period
from pyvirt_qemu._block_iotune import apply_disk_throttles
from pyvirt_qemu._cgroups import create_domain_cgroup, find_domain_cgroup, set_partition
from pyvirt_qemu._command import LaunchPaths, assign_runtime_paths, build_argv
from pyvirt_qemu._command_devices import link_state, vnc_password
from pyvirt_qemu._console_logs import close_console_logs, open_console_logs
from pyvirt_qemu._cpu_model import update_guest_cpu
from pyvirt_qemu._dac import label_domain, restore_domain
from pyvirt_qemu._defaults import check_emulator, choose_accel
from pyvirt_qemu._disks import prepare_disks
from pyvirt_qemu._domain import QemuDomain, Run
from pyvirt_qemu._hookpoints import STOPPED, run_hooks
from pyvirt_qemu._iothread_ops import apply_iothread_pins
from pyvirt_qemu._monitor import Monitor, MonitorClosed
from pyvirt_qemu._passthrough_ops import forward_monitor_event
from pyvirt_qemu._process import log_tail, spawn
from pyvirt_qemu._status import StatusRecord, remove_status, save_status
from pyvirt_qemu._tap import close_taps, open_taps
from pyvirt_qemu._tune_ops import apply_tunables
from pyvirt_qemu._vcpu_ops import apply_pins, vcpu_threads

if TYPE_CHECKING:
    from pyvirt_qemu._qemudriver import QemuDriver

log = logging.getLogger("pyvirt.qemu")

#: How long QEMU may take to open its monitor socket after being spawned.
MONITOR_CONNECT_TIMEOUT = 30.0
#: SIGTERM, then SIGKILL after this long (libvirt waits 10 s as well).
KILL_GRACE = 10.0


def _lib_dir(driver: QemuDriver, run_id: int, name: str) -> Path:
    # Short: it holds unix sockets, whose paths are limited to 107 bytes.
    return driver.paths.lib_dir / f"domain-{run_id}-{name[:20]}"


def save_run_status(driver: QemuDriver, dom: QemuDomain) -> None:
    """Write the status file of a running domain (called after every state change)."""
    run, live = dom.run, dom.live
    if run is None or live is None:
        return
    save_status(
        driver.paths.run_dir,
        StatusRecord(live=live, id=dom.id, pid=run.proc.pid, start_time=run.proc.start_time,
                     state=int(dom.state), reason=int(dom.reason), monitor=run.monitor.path,
                     lib_dir=str(run.lib_dir), log_offset=run.log_offset,
                     persistent=dom.persistent, got_shutdown=run.got_shutdown),
    )  # fmt: skip


def start_domain(
    driver: QemuDriver,
    dom: QemuDomain,
    *,
    paused: bool = False,
    announce: bool = True,
    defn: DomainDef | None = None,
    extra_argv: tuple[str, ...] = (),
) -> None:
    """Boot *dom* (its job held): spawn QEMU paused, handshake, refresh live data, cont.

    With *paused* (virsh start --paused) the CPUs never start: libvirt then reports
    paused (user) and emits SUSPENDED/PAUSED right after STARTED/BOOTED.  Without
    *announce* QEMU is left paused (starting up) and nothing is emitted: the caller (a
    revert or a restore) fills the guest's state in first, then continues and announces.
    *defn* (a save image's definition) replaces the domain's own for this run, and
    *extra_argv* is appended to QEMU's command line (``-incoming defer`` for a restore).
    """
    if dom.active:
        raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.QEMU, "domain is already running")
    live = (defn or dom.defn).copy()
    check_emulator(live.emulator or "")
    accel = choose_accel(live, driver.forced_accel)
    disk_files = prepare_disks(live, driver.storage.volume_file)
    run_id = driver.take_id()
    lib = _lib_dir(driver, run_id, live.name)
    taps = open_taps(live, driver.networks)
    logs: dict[str, int] = {}
    try:
        logs = open_console_logs(live)
        paths = LaunchPaths(monitor=str(lib / "monitor.sock"), channel_dir=str(lib), tap_fds=taps,
                            disk_files=disk_files, log_fds=logs)  # fmt: skip
        assign_runtime_paths(live, paths)
        assign_aliases(live)
        argv = build_argv(live, accel=accel, paths=paths) + list(extra_argv)
        shutil.rmtree(lib, ignore_errors=True)
        lib.mkdir(parents=True, mode=0o700)
        log_path = driver.paths.log_dir / f"{live.name}.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        try:
            label = label_domain(live, driver.dac, lib, disk_files)
        except VirtError:
            shutil.rmtree(lib, ignore_errors=True)
            raise
        creds = (label.uid, label.gid, label.groups) if label is not None else None
        if driver.privileged:
            set_partition(live)
        try:
            proc = spawn(argv, log_path, (*taps.values(), *logs.values()), creds)
        except OSError as exc:
            restore_domain(lib)
            shutil.rmtree(lib, ignore_errors=True)
            raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.QEMU,
                             f"Cannot run {argv[0]}: {exc.strerror or exc}") from exc  # fmt: skip
    finally:
        close_taps(taps)  # QEMU holds them now (or nobody does): they die with it
        close_console_logs(logs)
    run = Run(proc=proc, monitor=Monitor(live.name, paths.monitor), lib_dir=lib, log_offset=offset)
    # Recorded at once, as starting up: a pyvirtd killed before the start ends finds this
    # QEMU on its next start and kills it, as libvirt kills a half-started domain.
    save_status(driver.paths.run_dir, StatusRecord(
        live=live, id=run_id, pid=proc.pid, start_time=proc.start_time,
        state=int(DomainState.PAUSED), reason=int(DomainPausedReason.STARTING_UP),
        monitor=paths.monitor, lib_dir=str(lib), log_offset=offset, persistent=dom.persistent))  # fmt: skip
    try:
        run.monitor.connect(
            lambda event, data: on_monitor_event(driver, dom, run, event, data),
            lambda: on_monitor_eof(driver, dom, run),
            timeout=MONITOR_CONNECT_TIMEOUT,
            alive=proc.alive,
        )
        refresh_live_data(run, live)
        update_guest_cpu(run.monitor, live)
        if driver.privileged:
            cgroup = create_domain_cgroup(live, run_id, proc.pid, vcpu_threads(run))
            if cgroup is not None:
                apply_tunables(cgroup, live)
        apply_pins(run, live)
        apply_iothread_pins(run, live)
        enable_perf(run, live, strict=True)
        apply_disk_throttles(run.monitor, live)
        set_link_states(run, live)
        secret = vnc_password(live)
        if secret is not None:
            run.monitor.execute("set_password", {"protocol": "vnc", "password": secret[0]})
            run.monitor.execute("expire_password", {"protocol": "vnc", "time": secret[1]})
        if live.memballoon is not None and live.current_memory_kib < live.memory_kib:
            run.monitor.execute("balloon", {"value": live.current_memory_kib * 1024})
        if live.memballoon is not None and stats_period(live):
            set_stats_period(run, stats_period(live))
    except VirtError as exc:
        died = isinstance(exc, MonitorClosed) or not proc.alive()  # (before we kill it)
        _abandon(run)
        _remove_cgroup(live, run_id)
        remove_status(driver.paths.run_dir, live.name)
        if died:
            detail = log_tail(log_path, offset) or "QEMU exited during startup"
            raise make_error(
                ErrorCode.INTERNAL_ERROR,
                ErrorDomain.QEMU,
                f"qemu unexpectedly closed the monitor (vm='{live.name}'): {detail}",
            ) from None
        raise
    with driver.lock:
        dom.live, dom.run = live, run
        driver.set_id(dom, run_id)
        dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.STARTING_UP
    from pyvirt_qemu._agent_state import announce_agent_state  # (it imports this module)

    announce_agent_state(driver, dom, live)
    if not announce:
        save_run_status(driver, dom)
        return
    if paused:
        with driver.lock:
            dom.reason = DomainPausedReason.USER
        save_run_status(driver, dom)
        driver.emit(dom, DomainEventType.STARTED, DomainEventStartedDetail.BOOTED)
        driver.emit(dom, DomainEventType.SUSPENDED, DomainEventSuspendedDetail.PAUSED)
        return
    try:
        save_run_status(driver, dom)
        run.monitor.execute("cont")
    except VirtError:
        stop_domain(driver, dom, DomainShutoffReason.FAILED, DomainEventStoppedDetail.FAILED,
                    emit=False, hooks=False)  # fmt: skip
        raise
    with driver.lock:
        dom.state, dom.reason = DomainState.RUNNING, DomainRunningReason.BOOTED
    save_run_status(driver, dom)
    driver.emit(dom, DomainEventType.STARTED, DomainEventStartedDetail.BOOTED)


def set_link_states(run: Run, live: DomainDef) -> None:
    """Take down the links of the NICs defined with ``<link state='down'/>``: QEMU starts
    every link up (libvirt's qemuProcessSetLinkStates)."""
    for nic in live.interfaces:
        if link_state(nic) == "down":
            run.monitor.execute("set_link", {"name": alias_of(nic) or "", "up": False})


def enable_perf(run: Run, live: DomainDef, *, strict: bool) -> None:
    """Count the <perf> events *live* enables on QEMU.  At start a failure fails the start
    (libvirt's qemuProcessEnablePerf); on reconnecting (*strict* False) the event is marked
    disabled instead, as libvirt's qemuDomainPerfRestart does."""
    states = perf_states(live)
    dropped = False
    for name, on in states.items():
        if not on:
            continue
        try:
            run.perf.enable(name, run.proc.pid)
        except VirtError:
            if strict:
                raise
            states[name], dropped = False, True
    if dropped:
        write_perf(live, states)


def _abandon(run: Run) -> None:
    """Undo a start that failed before the domain became active."""
    run.stopping = True
    run.monitor.close()
    run.perf.close()
    run.proc.kill(KILL_GRACE)
    restore_domain(run.lib_dir)
    shutil.rmtree(run.lib_dir, ignore_errors=True)


def _remove_cgroup(live: DomainDef | None, run_id: int) -> None:
    cgroup = find_domain_cgroup(live, run_id) if live is not None else None
    if cgroup is not None:
        cgroup.remove()


def refresh_live_data(run: Run, live: Any) -> None:
    """Copy what only the running QEMU knows into the live definition: pty paths of serial
    consoles and the VNC port QEMU picked."""
    ptys: dict[str, str] = {}
    chardevs = run.monitor.execute("query-chardev")
    for chardev in chardevs:
        filename = str(chardev.get("filename", ""))
        if filename.startswith("pty:"):
            ptys[str(chardev.get("label"))] = filename[4:]
    for ch in live.chardevs:
        port = ch.target.get("port", "0")
        if ch.type != "pty":
            continue
        label = f"charserial{port}"
        if ch.kind == "console" and ch.target.get("type") == "virtio":
            label = f"charconsole{port}"
        if label in ptys:
            ch.sources = [{"path": ptys[label]}]
    from pyvirt_qemu._agent_state import refresh_channel_states  # (it imports this module)

    refresh_channel_states(live, chardevs)
    if live.graphics:
        g = live.graphics[0]
        if g.listens and g.listens[0].get("type", "address") == "address":
            # libvirt shows the address QEMU listens on, the default included.
            g.listens[0].setdefault("address", "127.0.0.1")
        vnc = run.monitor.execute("query-vnc")
        if vnc.get("enabled") and str(vnc.get("service", "")).isdigit():
            live.graphics[0].port = int(vnc["service"])


def stop_domain(
    driver: QemuDriver,
    dom: QemuDomain,
    reason: int,
    detail: int,
    *,
    emit: bool = True,
    hooks: bool = True,
) -> None:
    """End the current run (job held): kill QEMU if it still lives, forget the run, clean
    its files, drop a transient domain, emit STOPPED; the stopped and release hooks run
    when the job is released."""
    run = dom.run
    if run is None:
        return
    live = dom.live
    run.stopping = True
    run.monitor.close()
    run.perf.close()
    if run.agent is not None:
        run.agent.close()
    run.proc.kill(KILL_GRACE)
    with driver.lock:
        event_id = dom.id
        driver.set_id(dom, -1)
        dom.run, dom.live = None, None
        dom.state, dom.reason = DomainState.SHUTOFF, reason
        if not dom.persistent:
            driver.remove_domain(dom)
    with contextlib.suppress(VirtError):
        remove_status(driver.paths.run_dir, dom.name)
    _remove_cgroup(live, event_id)
    restore_domain(run.lib_dir)
    shutil.rmtree(run.lib_dir, ignore_errors=True)
    if emit:
        if detail == DomainEventStoppedDetail.DESTROYED and run.proc.ended_by_sigterm:
            # libvirt 9.0 passes on the SHUTDOWN QEMU reports on SIGTERM ("Shutdown
            # Finished after host request") before STOPPED/DESTROYED.
            driver.emit(dom, DomainEventType.SHUTDOWN, DomainEventShutdownDetail.HOST, event_id)
        driver.emit(dom, DomainEventType.STOPPED, detail, event_id)
    if hooks and live is not None:
        dom.job.defer(functools.partial(run_hooks, STOPPED, live, event_id))


# ---------------------------------------------------------------- monitor callbacks


def on_monitor_event(
    driver: QemuDriver, dom: QemuDomain, run: Run, event: str, data: dict[str, Any]
) -> None:
    """Runs on the monitor loop thread: quick state updates only."""
    forward_monitor_event(driver, dom, run, event)
    if event == "SHUTDOWN":
        run.got_shutdown = True
        guest_initiated = bool(data.get("guest")) or str(data.get("reason", "")).startswith(
            "guest-"
        )
        if guest_initiated and not run.stopping:
            _in_thread(handle_guest_shutdown, driver, dom, run, str(data.get("reason", "")))
        return
    if event == "DEVICE_DELETED":
        _device_deleted(driver, dom, run, _deleted_alias(data))
        return
    if event == "DEVICE_UNPLUG_GUEST_ERROR":
        from pyvirt_qemu._hotplug import removal_rejected  # (it imports this module)

        removal_rejected(driver, dom, run, _deleted_alias(data))
        return
    if event == "VSERPORT_CHANGE":
        from pyvirt_qemu._agent_state import on_vserport_change  # (it imports this module)

        on_vserport_change(driver, dom, run, str(data.get("id") or ""), bool(data.get("open")))
        return
    if event == "JOB_STATUS_CHANGE":
        from pyvirt_qemu._block_jobs import on_job_status

        on_job_status(driver, dom, run, data)
        return
    if event == "BLOCK_WRITE_THRESHOLD":
        from pyvirt_qemu._block_ops import on_write_threshold

        on_write_threshold(driver, dom, run, data)
        return
    if event == "GUEST_PANICKED":
        run.panicked = True
        if not run.stopping:
            _panic_pause(driver, dom, run)  # here, so it always comes before CRASHED
            _in_thread(handle_guest_panic, driver, dom, run)
        return
    if event == "DEVICE_TRAY_MOVED":
        from pyvirt_qemu._media import on_tray_moved  # (it imports this module)

        on_tray_moved(driver, dom, run, data)
        return
    if event in ("SUSPEND", "SUSPEND_DISK", "WAKEUP"):
        from pyvirt_qemu._pm_events import on_pm_event

        on_pm_event(driver, dom, run, event)
        return
    if event not in ("STOP", "RESUME"):
        return
    if event == "STOP" and (run.got_shutdown or run.panicked):
        # QEMU stops the guest after a power-off (-no-shutdown) or a panic: not a pause.
        return
    with driver.lock:
        # A job that paused or resumed the guest sets the state and emits itself.
        if dom.run is not run or run.stopping or dom.job.holder is not None:
            return
        if event == "STOP" and dom.state == DomainState.RUNNING:
            dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.UNKNOWN
            changed: tuple[int, int] = (
                DomainEventType.SUSPENDED,
                DomainEventSuspendedDetail.PAUSED,
            )
        elif event == "RESUME" and dom.state == DomainState.PAUSED:
            dom.state, dom.reason = DomainState.RUNNING, DomainRunningReason.UNPAUSED
            changed = (DomainEventType.RESUMED, DomainEventResumedDetail.UNPAUSED)
        else:
            return
    with contextlib.suppress(VirtError):
        save_run_status(driver, dom)
    driver.emit(dom, *changed)


def _deleted_alias(data: dict[str, Any]) -> str:
    """The id of the device a DEVICE_DELETED is about.  QEMU 7.2 sends none for an ejected
    vCPU, only one for its local APIC child (``/machine/peripheral/vcpu2/lapic``), which
    goes with it: that one stands for the vCPU."""
    device = str(data.get("device") or "")
    if device:
        return device
    parts = str(data.get("path") or "").split("/")
    if len(parts) == 5 and parts[2] == "peripheral" and parts[3].startswith("vcpu") \
            and parts[4] == "lapic":  # fmt: skip
        return parts[3]
    return ""


def _device_deleted(driver: QemuDriver, dom: QemuDomain, run: Run, alias: str) -> None:
    """The guest let go of a device: wake the detach waiting for it, or, when it gave up
    waiting, finish the removal in a thread of its own (pyvirt_qemu._hotplug)."""
    with driver.lock:
        waiter = run.device_waiters.get(alias)
        if waiter is not None:
            waiter.set()
            return
        pending = alias in run.pending_removals
    if pending and not run.stopping and alias.startswith("vcpu"):
        from pyvirt_qemu._vcpu_hotplug import vcpu_deleted  # (it imports this module)

        _in_thread(vcpu_deleted, driver, dom, run, alias)
        return
    if pending and not run.stopping:
        from pyvirt_qemu._hotplug import finish_removal  # (it imports this module)

        _in_thread(finish_removal, driver, dom, run, alias)


def _panic_pause(driver: QemuDriver, dom: QemuDomain, run: Run) -> None:
    """QEMU pauses a panicked guest (-no-shutdown makes pvpanic's action a pause).  libvirt
    9.0 reports that as a pause (paused, reason crashed) when the guest is to be destroyed;
    with restart or preserve it goes straight to crashed."""
    with driver.lock:
        if dom.run is not run or run.stopping or dom.live is None:
            return
        if dom.live.on_crash != "destroy" or dom.state != DomainState.RUNNING:
            return
        dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.CRASHED
    driver.emit(dom, DomainEventType.SUSPENDED, DomainEventSuspendedDetail.PAUSED)


def on_monitor_eof(driver: QemuDriver, dom: QemuDomain, run: Run) -> None:
    """QEMU closed its monitor: it exited.  Runs on the loop thread, so hand off."""
    if not run.stopping:
        _in_thread(handle_eof, driver, dom, run)


def _in_thread(fn: Any, *args: Any) -> None:
    threading.Thread(target=fn, args=args, name=f"qemu-{fn.__name__}", daemon=True).start()


def with_job(driver: QemuDriver, dom: QemuDomain, api: str, fn: Any) -> None:
    """Run *fn* under the domain's job, however long the current holder takes."""
    while True:
        try:
            with dom.job.hold(api, driver.job_wait):
                fn()
            return
        except VirtError as exc:
            if exc.code != ErrorCode.OPERATION_TIMEOUT:
                log.warning("%s of %s failed: %s", api, dom.name, exc)
                return


def handle_eof(driver: QemuDriver, dom: QemuDomain, run: Run) -> None:
    def body() -> None:
        if dom.run is not run or run.stopping:
            return
        if run.got_shutdown:
            stop_domain(driver, dom, DomainShutoffReason.SHUTDOWN,
                        DomainEventStoppedDetail.SHUTDOWN)  # fmt: skip
        else:
            stop_domain(driver, dom, DomainShutoffReason.CRASHED, DomainEventStoppedDetail.FAILED)

    with_job(driver, dom, "monitor EOF", body)


def _reset_and_continue(driver: QemuDriver, dom: QemuDomain, run: Run, reason: int) -> None:
    """libvirt's "fake reboot": the guest stopped by QEMU (power-off or panic) is reset and
    continued in the same process, so the next boot keeps its devices and its id."""
    run.fake_reboot = run.got_shutdown = run.panicked = False
    run.monitor.execute("system_reset")
    run.monitor.execute("cont")
    with driver.lock:
        dom.state, dom.reason = DomainState.RUNNING, reason
    save_run_status(driver, dom)


def handle_guest_shutdown(driver: QemuDriver, dom: QemuDomain, run: Run, reason: str) -> None:
    """The guest powered off (or rebooted under -no-reboot): apply on_poweroff/on_reboot,
    or finish a reboot() that asked for a power-down."""

    def body() -> None:
        if dom.run is not run or run.stopping or dom.live is None:
            return
        action = dom.live.on_reboot if reason == "guest-reset" else dom.live.on_poweroff
        if run.fake_reboot or action == "restart":
            _reset_and_continue(driver, dom, run, DomainRunningReason.BOOTED)
            return
        driver.emit(dom, DomainEventType.SHUTDOWN, DomainEventShutdownDetail.GUEST)
        stop_domain(driver, dom, DomainShutoffReason.SHUTDOWN, DomainEventStoppedDetail.SHUTDOWN)

    with_job(driver, dom, "guest shutdown", body)


def handle_guest_panic(driver: QemuDriver, dom: QemuDomain, run: Run) -> None:
    """The guest panicked (QEMU has paused it): crashed, then on_crash decides.

    As libvirt: CRASHED/PANICKED first; ``destroy`` ends the run (shut off, reason crashed,
    STOPPED/CRASHED), ``restart`` resets and continues it (running, reason crashed,
    RESUMED/UNPAUSED), ``preserve`` leaves it paused in QEMU and crashed in the API until a
    reset or destroy.
    """

    def body() -> None:
        if dom.run is not run or run.stopping or dom.live is None:
            return
        action = dom.live.on_crash
        with driver.lock:
            dom.state, dom.reason = DomainState.CRASHED, DomainCrashedReason.PANICKED
        driver.emit(dom, DomainEventType.CRASHED, DomainEventCrashedDetail.PANICKED)
        if action == "destroy":
            stop_domain(driver, dom, DomainShutoffReason.CRASHED, DomainEventStoppedDetail.CRASHED)
            return
        if action == "restart":
            _reset_and_continue(driver, dom, run, DomainRunningReason.CRASHED)
            driver.emit(dom, DomainEventType.RESUMED, DomainEventResumedDetail.UNPAUSED)
            return
        save_run_status(driver, dom)  # preserve

    with_job(driver, dom, "guest panic", body)
