"""Save, restore, save images and core dumps of the test driver, in libvirt 9.0's file format.

libvirt's test driver writes a save image as the magic ``TestGuestMagic`` with its NUL, the
length of the definition as a native 32-bit int, then the definition (the live one, secure,
with its id).  The file is real: a save made here restores under libvirt's test driver and
the other way round.  A core dump is the magic alone.  Errors are the test driver's, in its
words, and a failed save leaves no file behind.
"""

from __future__ import annotations

import os
import struct

from pyvirt import (
    DomainEventStartedDetail,
    DomainEventStoppedDetail,
    DomainEventType,
    DomainRef,
    DomainRunningReason,
    DomainShutoffReason,
    DomainState,
    ErrorCode,
    ErrorDomain,
    make_error,
)
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_test._domain_ops import DomainOps, _parse
from pyvirt_test._objects import TestDomain

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

_T = ErrorDomain.TEST
MAGIC = b"TestGuestMagic\0"
_LEN = struct.Struct("=i")
_MAX_XML = 8192  # the test driver refuses longer definitions on reading
_SAVE_RUNNING, _SAVE_PAUSED = 2, 4  # VIR_DOMAIN_SAVE_RUNNING / PAUSED
_SAVE_IMAGE_XML_SECURE = 1
_DUMP_FORMAT_RAW = 0
_DUMP_CRASH = 1  # VIR_DUMP_CRASH, the only core-dump flag the test driver takes


def _system_error(message: str, errno: int) -> Exception:
    """libvirt's virReportSystemError: the message, then strerror (errno 0 is "Success")."""
    return make_error(ErrorCode.SYSTEM_ERROR, _T, f"{message}: {os.strerror(errno)}")


def _internal(message: str) -> Exception:
    return make_error(ErrorCode.INTERNAL_ERROR, _T, message)


def _write_file(path: str, data: bytes, what: str) -> None:
    """Write *data* to *path* (mode 0600, as libvirt creates it); on failure remove it and
    raise "*what*: open failed" / "write failed" with the OS's reason."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    except OSError as e:
        raise _system_error(f"{what}: open failed", e.errno or 0) from None
    try:
        os.write(fd, data)
    except OSError as e:
        os.close(fd)
        os.unlink(path)
        raise _system_error(f"{what}: write failed", e.errno or 0) from None
    os.close(fd)


def read_image(path: str) -> DomainDef:
    """The definition in the save image *path*, with libvirt's errors for a missing,
    truncated or foreign file."""
    try:
        with open(path, "rb") as f:
            data = f.read(len(MAGIC) + _LEN.size + _MAX_XML)
    except OSError as e:
        raise _system_error(f"cannot read domain image '{path}'", e.errno or 0) from None
    header, data = data[: len(MAGIC)], data[len(MAGIC) :]
    if len(header) < len(MAGIC):
        raise _system_error(f"incomplete save header in '{path}'", 0)
    if header != MAGIC:
        raise _internal("mismatched header magic")
    if len(data) < _LEN.size:
        raise _system_error(f"failed to read metadata length in '{path}'", 0)
    (size,) = _LEN.unpack(data[: _LEN.size])
    if size < 1 or size > _MAX_XML:
        raise _internal("length of metadata out of range")
    xml = data[_LEN.size : _LEN.size + size]
    if len(xml) < size:
        raise _system_error(f"incomplete metadata in '{path}'", 0)
    return _parse(xml.rstrip(b"\0").decode("utf-8", errors="replace"))


def image_bytes(xml: str) -> bytes:
    """A save image holding *xml*."""
    data = xml.encode()
    return MAGIC + _LEN.pack(len(data)) + data


class SaveOps(DomainOps):
    """Mixin for the test connection: save and restore through files, and core dumps."""

    def domain_is_updated(self, dom_ref: DomainRef) -> bool:
        with self.state.lock:
            self._dom(dom_ref)
            # The test driver never changes a live definition apart from its persistent one.
            return False

    def domain_save_flags(self, dom_ref: DomainRef, to: str, dxml: str | None, flags: int) -> None:
        from pyvirt.conf import format_domain_xml  # here, not at the top: it loads lxml

        unsupported_flags(flags, 0, "testDomainSaveFlags", _T)
        if dxml is not None:
            raise make_error(ErrorCode.ARGUMENT_UNSUPPORTED, _T, "xml modification unsupported")
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.active:
                raise domain_not_running()
            xml = format_domain_xml(dom.live, live_id=dom.id, secure=True)
            _write_file(to, image_bytes(xml), f"saving domain '{dom.name}' to '{to}'")
            self._stop(dom, DomainShutoffReason.SAVED, DomainEventStoppedDetail.SAVED)
        self._stopped_hooks(dom)

    def domain_restore_flags(self, frm: str, dxml: str | None, flags: int) -> None:
        unsupported_flags(flags, 0, "testDomainRestoreFlags", _T)
        if dxml is not None:
            raise make_error(ErrorCode.ARGUMENT_UNSUPPORTED, _T, "xml modification unsupported")
        defn = read_image(frm)
        with self.state.lock:
            new = TestDomain(live=defn, config=None, persistent=False)
            dom = self.state.domains.add(new, check_active=True)
            if dom is not new:
                # libvirt's ADD_LIVE: the image becomes the live definition, the persistent
                # one waits for the next shutdown.
                dom.config = dom.live if dom.persistent else None
                dom.live = defn
            self.state.activate(dom, DomainState.RUNNING, DomainRunningReason.RESTORED)
            self._emit(dom, DomainEventType.STARTED, DomainEventStartedDetail.RESTORED)

    def domain_save_image_get_xml_desc(self, file: str, flags: int) -> str:
        from pyvirt.conf import format_domain_xml

        unsupported_flags(flags, _SAVE_IMAGE_XML_SECURE, "testDomainSaveImageGetXMLDesc", _T)
        defn = read_image(file)
        return format_domain_xml(defn, inactive=True, secure=bool(flags & _SAVE_IMAGE_XML_SECURE))

    def domain_save_image_define_xml(self, file: str, xml: str, flags: int) -> None:
        from pyvirt.conf import format_domain_xml

        allowed = _SAVE_RUNNING | _SAVE_PAUSED
        unsupported_flags(flags, allowed, "testDomainSaveImageDefineXML", _T)
        read_image(file)
        defn = _parse(xml)
        xml = format_domain_xml(defn, inactive=True, secure=True)
        _write_file(file, image_bytes(xml), f"saving domain '{defn.name}' to '{file}'")

    def domain_core_dump_with_format(
        self, dom_ref: DomainRef, to: str, dumpformat: int, flags: int
    ) -> None:
        unsupported_flags(flags, _DUMP_CRASH, "testDomainCoreDumpWithFormat", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.active:
                raise domain_not_running()
            what = f"domain '{dom.name}' coredump"
            try:
                fd = os.open(to, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
            except OSError as e:
                raise _system_error(f"{what}: failed to open {to}", e.errno or 0) from None
            try:
                os.write(fd, MAGIC)
            except OSError as e:
                raise _system_error(
                    f"{what}: failed to write header to {to}", e.errno or 0
                ) from None
            finally:
                os.close(fd)
            if dumpformat != _DUMP_FORMAT_RAW:
                os.unlink(to)
                raise make_error(
                    ErrorCode.OPERATION_UNSUPPORTED,
                    _T,
                    "kdump-compressed format is not supported here",
                )
            if not flags & _DUMP_CRASH:
                return
            self._stop(dom, DomainShutoffReason.CRASHED, DomainEventStoppedDetail.CRASHED)
        self._stopped_hooks(dom)
