"""Managed save of a QEMU connection (virDomainManagedSave and friends), and the start that
resumes a managed save image.

The guest is paused, its definition and state written to ``<lib>/save/<name>.save``
(:mod:`pyvirt_qemu._save`: our header, then QEMU's migration stream) and QEMU stopped,
shut off with reason *saved*.  The next start (``virsh start``, autostart) boots QEMU with
``-incoming defer`` from the image's own definition, feeds it the stream and continues the
guest where it was, then removes the image, as libvirt's qemuDomainObjStart does; an image
that is not ours or is cut short is removed and the guest boots afresh (libvirt's
"unlink_corrupt" rule), and ``--force-boot`` discards it on purpose.
"""

from __future__ import annotations

import contextlib
import logging

from pyvirt import (
    DomainEventResumedDetail,
    DomainEventStartedDetail,
    DomainEventStoppedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainPausedReason,
    DomainRef,
    DomainRunningReason,
    DomainSaveRestoreFlags,
    DomainShutoffReason,
    DomainState,
    ErrorCode,
    ErrorDomain,
    VirtError,
    make_error,
)
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._config import remove_file
from pyvirt_qemu._domain import QemuDomain
from pyvirt_qemu._lifecycle import save_run_status, start_domain, stop_domain
from pyvirt_qemu._qemudriver import QemuDriver
from pyvirt_qemu._save import migrate_to_file, read_header, restore_stream, write_header

__all__ = ["SaveOps", "restore_managed_save"]

log = logging.getLogger("pyvirt.qemu")
_Q = ErrorDomain.QEMU
_S = DomainSaveRestoreFlags
_E = DomainEventType


def _set_state(driver: QemuDriver, dom: QemuDomain, state: DomainState, reason: int) -> None:
    with driver.lock:
        dom.state, dom.reason = state, reason
    save_run_status(driver, dom)


class SaveOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    driver: QemuDriver

    def domain_managed_save(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, _S.BYPASS_CACHE | _S.RUNNING | _S.PAUSED,
                          "qemuDomainManagedSave", _Q)  # fmt: skip
        if flags & _S.RUNNING and flags & _S.PAUSED:
            raise make_error(ErrorCode.INVALID_ARG, _Q,
                             "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are "
                             "mutually exclusive")  # fmt: skip
        driver = self.driver
        dom = driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainManagedSave", driver.job_wait):
            run, live = dom.run, dom.live
            if run is None or live is None:
                raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                                 "domain is not running")  # fmt: skip
            if not dom.persistent:
                raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                                 "cannot do managed save for transient domain")  # fmt: skip
            was_running = dom.state == DomainState.RUNNING
            resume = (was_running or bool(flags & _S.RUNNING)) and not flags & _S.PAUSED
            path = driver.managed_save_path(dom.name)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if was_running:
                run.monitor.execute("stop")
                _set_state(driver, dom, DomainState.PAUSED, DomainPausedReason.SAVE)
                driver.emit(dom, _E.SUSPENDED, DomainEventSuspendedDetail.PAUSED)
            try:
                write_header(path, live, was_running=resume)
                migrate_to_file(run.monitor, path)
            except VirtError:
                with contextlib.suppress(VirtError):
                    remove_file(path)
                    if was_running:  # the save failed: the guest goes on
                        run.monitor.execute("cont")
                        _set_state(driver, dom, DomainState.RUNNING,
                                   DomainRunningReason.SAVE_CANCELED)  # fmt: skip
                        driver.emit(dom, _E.RESUMED, DomainEventResumedDetail.UNPAUSED)
                raise
            stop_domain(driver, dom, DomainShutoffReason.SAVED, DomainEventStoppedDetail.SAVED)
            dom.managed_save = True

    def domain_has_managed_save_image(self, dom_ref: DomainRef, flags: int) -> bool:
        unsupported_flags(flags, 0, "qemuDomainHasManagedSaveImage", _Q)
        with self.driver.lock:
            return self.driver.domains.from_ref(dom_ref).managed_save

    def domain_managed_save_remove(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 0, "qemuDomainManagedSaveRemove", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainManagedSaveRemove", self.driver.job_wait):
            remove_file(self.driver.managed_save_path(dom.name))
            dom.managed_save = False


def restore_managed_save(driver: QemuDriver, dom: QemuDomain, *, paused: bool) -> bool:
    """Start *dom* from its managed save image (job held); False when there was no usable
    image (it is removed if corrupt) and the caller should boot normally."""
    path = driver.managed_save_path(dom.name)
    try:
        header = read_header(path)
    except VirtError as exc:
        log.warning("removing the corrupt managed save image of %s: %s", dom.name, exc)
        remove_file(path)
        dom.managed_save = False
        return False
    start_domain(driver, dom, announce=False, defn=header.defn,
                 extra_argv=("-incoming", "defer"))  # fmt: skip
    run = dom.run
    assert run is not None
    try:
        restore_stream(run.monitor, path, header.offset)
    except VirtError:
        stop_domain(driver, dom, DomainShutoffReason.FAILED, DomainEventStoppedDetail.FAILED,
                    emit=False)  # fmt: skip
        raise
    driver.emit(dom, _E.STARTED, DomainEventStartedDetail.RESTORED)
    if header.was_running and not paused:
        run.monitor.execute("cont")
        _set_state(driver, dom, DomainState.RUNNING, DomainRunningReason.RESTORED)
    else:
        _set_state(driver, dom, DomainState.PAUSED, DomainPausedReason.USER)
        detail = (
            DomainEventSuspendedDetail.PAUSED if paused else DomainEventSuspendedDetail.RESTORED
        )
        driver.emit(dom, _E.SUSPENDED, detail)
    remove_file(path)
    dom.managed_save = False
    return True
