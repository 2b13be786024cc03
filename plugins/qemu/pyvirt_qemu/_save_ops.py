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
from pathlib import Path

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
from pyvirt.conf import DomainDef, format_domain_xml
from pyvirt.driver import domain_not_running, invalid_arg, unsupported_flags

from pyvirt_qemu._config import remove_file
from pyvirt_qemu._domain import QemuDomain
from pyvirt_qemu._domain_ops import parse_definition
from pyvirt_qemu._lifecycle import save_run_status, start_domain, stop_domain
from pyvirt_qemu._qemudriver import QemuDriver
from pyvirt_qemu._save import (
    SaveHeader,
    migrate_to_file,
    read_header,
    restore_stream,
    rewrite_header,
    write_header,
)

__all__ = ["SaveOps", "restore_from_file", "restore_managed_save", "save_to_file"]

log = logging.getLogger("pyvirt.qemu")
_Q = ErrorDomain.QEMU
_S = DomainSaveRestoreFlags
_E = DomainEventType
_SAVE_FLAGS = _S.BYPASS_CACHE | _S.RUNNING | _S.PAUSED


def _set_state(driver: QemuDriver, dom: QemuDomain, state: DomainState, reason: int) -> None:
    with driver.lock:
        dom.state, dom.reason = state, reason
    save_run_status(driver, dom)


class SaveOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`; ``self.driver`` is the state."""

    driver: QemuDriver

    def domain_managed_save(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, _SAVE_FLAGS, "qemuDomainManagedSave", _Q)
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold("virDomainManagedSave", self.driver.job_wait):
            if dom.run is not None and not dom.persistent:
                raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                                 "cannot do managed save for transient domain")  # fmt: skip
            path = self.driver.managed_save_path(dom.name)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            save_to_file(self.driver, dom, path, None, flags)
            dom.managed_save = True

    def domain_save_flags(self, dom: DomainRef, to: str, dxml: str | None, flags: int) -> None:
        """virDomainSave(Flags) to the file *to*; *dxml* replaces the saved definition (its
        name and uuid must stay the domain's)."""
        unsupported_flags(flags, _SAVE_FLAGS, "qemuDomainSaveFlags", _Q)
        obj = self.driver.domains.from_ref(dom)
        with obj.job.hold("virDomainSaveFlags", self.driver.job_wait):
            save_to_file(self.driver, obj, Path(to), dxml, flags)

    def domain_restore_flags(self, frm: str, dxml: str | None, flags: int) -> None:
        """virDomainRestore(Flags): the domain of the image's definition (added as transient
        when unknown) is started from it; the file stays."""
        unsupported_flags(flags, _SAVE_FLAGS, "qemuDomainRestoreFlags", _Q)
        driver = self.driver
        path = Path(frm)
        header = read_header(path)
        if dxml is not None:
            header.defn = _replacement(header.defn, dxml)
        defn = header.defn
        with driver.define_lock:
            dom = driver.domains.check_add(defn.name, defn.uuid, check_active=True)
            if dom is None:
                dom = driver.domains.add(QemuDomain(defn=defn.copy(), persistent=False))
                added = True
            else:
                added = False
        try:
            with dom.job.hold("virDomainRestoreFlags", driver.job_wait):
                if dom.active:
                    raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                                     f"domain '{dom.name}' is already active")  # fmt: skip
                paused = bool(flags & _S.PAUSED) or (
                    not header.was_running and not flags & _S.RUNNING
                )
                restore_from_file(driver, dom, path, header, paused=paused, by_user=False)
        except BaseException:
            if added and not dom.active:
                driver.remove_domain(dom)
            raise

    def domain_save_image_get_xml_desc(self, file: str, flags: int) -> str:
        unsupported_flags(flags, 1, "qemuDomainSaveImageGetXMLDesc", _Q)  # SECURE
        return format_domain_xml(read_header(Path(file)).defn, inactive=True,
                                 secure=bool(flags & 1))  # fmt: skip

    def domain_save_image_define_xml(self, file: str, xml: str, flags: int) -> None:
        """Replace the definition kept in a save image (same domain, libvirt's ABI check);
        RUNNING or PAUSED also changes what a restore does after loading it."""
        unsupported_flags(flags, _S.RUNNING | _S.PAUSED, "qemuDomainSaveImageDefineXML", _Q)
        _redefine_image(Path(file), xml, flags)

    def domain_managed_save_get_xml_desc(self, dom_ref: DomainRef, flags: int) -> str:
        unsupported_flags(flags, 1, "qemuDomainManagedSaveGetXMLDesc", _Q)  # SECURE
        dom = self.driver.domains.from_ref(dom_ref)
        return format_domain_xml(read_header(self._managed_image(dom)).defn, inactive=True,
                                 secure=bool(flags & 1))  # fmt: skip

    def domain_managed_save_define_xml(
        self, dom_ref: DomainRef, dxml: str | None, flags: int
    ) -> None:
        """As save-image-define on the managed save image.  No XML is refused here (libvirtd
        9.0's qemu driver dies on it: its connection ends with "End of file")."""
        api = "virDomainManagedSaveDefineXML"
        unsupported_flags(flags, _S.RUNNING | _S.PAUSED, "qemuDomainManagedSaveDefineXML", _Q)
        if dxml is None:
            raise invalid_arg(f"dxml in {api} must not be NULL", api, "dxml")
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold(api, self.driver.job_wait):
            _redefine_image(self._managed_image(dom), dxml, flags)

    def _managed_image(self, dom: QemuDomain) -> Path:
        path = self.driver.managed_save_path(dom.name)
        if not dom.managed_save or not path.exists():
            raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                             "domain does not have managed save image")  # fmt: skip
        return path

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


def save_to_file(
    driver: QemuDriver, dom: QemuDomain, path: Path, dxml: str | None, flags: int
) -> None:
    """Pause, write header and stream to *path*, stop QEMU (shut off, reason saved); on a
    failure the file goes and the guest runs on (job held)."""
    run, live = dom.run, dom.live
    if run is None or live is None:
        raise domain_not_running()
    saved = _replacement(live, dxml) if dxml is not None else live
    was_running = dom.state == DomainState.RUNNING
    resume = (was_running or bool(flags & _S.RUNNING)) and not flags & _S.PAUSED
    if was_running:
        run.monitor.execute("stop")
        _set_state(driver, dom, DomainState.PAUSED, DomainPausedReason.SAVE)
        driver.emit(dom, _E.SUSPENDED, DomainEventSuspendedDetail.PAUSED)
    try:
        write_header(path, saved, was_running=resume)
        migrate_to_file(run.monitor, path)
    except VirtError:
        with contextlib.suppress(OSError, VirtError):
            path.unlink()
            if was_running:  # the save failed: the guest goes on
                run.monitor.execute("cont")
                _set_state(driver, dom, DomainState.RUNNING, DomainRunningReason.SAVE_CANCELED)
                driver.emit(dom, _E.RESUMED, DomainEventResumedDetail.UNPAUSED)
        raise
    stop_domain(driver, dom, DomainShutoffReason.SAVED, DomainEventStoppedDetail.SAVED)


def _redefine_image(path: Path, dxml: str, flags: int) -> None:
    """save-image-define and managedsave-define: the image's header rewritten in place."""
    header = read_header(path)
    header.defn = _replacement(header.defn, dxml)
    if flags & _S.RUNNING:
        header.was_running = True
    elif flags & _S.PAUSED:
        header.was_running = False
    rewrite_header(path, header)


def _replacement(saved: DomainDef, dxml: str) -> DomainDef:
    """A definition given to replace the one in a save image: it must describe the same
    domain (libvirt also checks the guest ABI; here the devices must match by count)."""
    new = parse_definition(dxml)  # (with the defaults a define fills in, as libvirt's)
    if new.name != saved.name:  # (libvirt's guest ABI check, in its order and words)
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                         f"Target domain name '{new.name}' does not match source "
                         f"'{saved.name}'")  # fmt: skip
    if new.uuid != saved.uuid:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                         f"Target domain uuid {new.uuid} does not match source {saved.uuid}")  # fmt: skip
    if len(new.devices) != len(saved.devices):
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                         "Target domain device count does not match source")  # fmt: skip
    return new


def restore_from_file(
    driver: QemuDriver, dom: QemuDomain, path: Path, header: SaveHeader, *, paused: bool,
    by_user: bool,
) -> None:  # fmt: skip
    """Boot *dom* from the image at *path* (job held): STARTED/RESTORED, then running
    (reason restored) or paused (SUSPENDED: PAUSED when *by_user* asked, else RESTORED)."""
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
    if not paused:
        run.monitor.execute("cont")
        _set_state(driver, dom, DomainState.RUNNING, DomainRunningReason.RESTORED)
    else:
        # libvirt leaves the reason of the incoming migration it restored from: "paused
        # (migrating)", asked for or kept from a paused save alike (seen with libvirtd 9.0).
        _set_state(driver, dom, DomainState.PAUSED, DomainPausedReason.MIGRATION)
        detail = (
            DomainEventSuspendedDetail.PAUSED if by_user else DomainEventSuspendedDetail.RESTORED
        )
        driver.emit(dom, _E.SUSPENDED, detail)


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
    restore_from_file(driver, dom, path, header, paused=paused or not header.was_running,
                      by_user=paused)  # fmt: skip
    remove_file(path)
    dom.managed_save = False
    return True
