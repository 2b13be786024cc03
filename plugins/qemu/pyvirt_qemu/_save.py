"""Saving a running guest to a file and bringing it back: QEMU's migration stream behind a
header of our own.

Why a header: the migration stream alone cannot be started from, because QEMU must be given
the very devices the guest had, and whether it should run afterwards.  libvirt writes its
own header (``LibvirtQemudSave``, XML, flags) in front of the stream; ours has the same
parts in our own layout, and a file that does not start with our magic, or whose header is
cut short or unreadable, is refused with libvirt's words ("image magic is incorrect",
"failed to read ...") before any QEMU is started.

Layout: :data:`MAGIC` (16 bytes), then a 4-byte big-endian version, 4-byte flags
(:data:`WAS_RUNNING`), 8-byte XML length, the domain XML (UTF-8), zero padding to
:data:`DATA_ALIGN`, then QEMU's stream to the end of the file.  The XML's room is
:data:`EDIT_ROOM` larger than the XML written at save time, and the length field counts it
all (the XML, then NUL bytes): ``save-image-define`` and ``managedsave-define`` rewrite the
XML and the flags in place (:func:`rewrite_header`), the stream never moves, and an XML that
outgrows the room is refused as libvirt refuses it ("new xml too large to fit in file").
Images written before the room existed (length = the XML alone) read the same way.
"""

from __future__ import annotations

import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import DomainDef, format_domain_xml, parse_domain_xml

from pyvirt_qemu._monitor import Monitor

__all__ = [
    "SaveHeader",
    "migrate_to_file",
    "pass_file",
    "read_header",
    "restore_stream",
    "rewrite_header",
    "write_header",
]

MAGIC = b"PyvirtQemuSave\n\0"
VERSION = 1
WAS_RUNNING = 1
DATA_ALIGN = 4096
#: Room for a longer XML given later by save-image-define (an added description, say).
EDIT_ROOM = 64 * 1024
_FIXED = struct.Struct(">16sIIQ")
#: libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX in bytes/s: saving is not throttled.
_UNLIMITED = (2**63 - 1) // (1024 * 1024) * (1024 * 1024)
#: How long QEMU may take to write or read a guest's state.
SAVE_TIMEOUT = 600.0
_Q = ErrorDomain.QEMU


@dataclass
class SaveHeader:
    defn: DomainDef
    was_running: bool
    #: Where QEMU's stream starts in the file.
    offset: int


def _failed(detail: str) -> VirtError:
    return make_error(ErrorCode.OPERATION_FAILED, _Q, detail)


def _aligned(size: int) -> int:
    return -(-size // DATA_ALIGN) * DATA_ALIGN


def _head(xml: bytes, was_running: bool, offset: int) -> bytes:
    """The header's bytes up to the stream at *offset*: the XML's room filled with NULs."""
    room = offset - _FIXED.size
    flags = WAS_RUNNING if was_running else 0
    return _FIXED.pack(MAGIC, VERSION, flags, room) + xml + b"\0" * (room - len(xml))


def write_header(path: Path, defn: DomainDef, *, was_running: bool) -> int:
    """Create *path* with the header; returns the stream's offset."""
    xml = format_domain_xml(defn, inactive=False, secure=True).encode()
    offset = _aligned(_FIXED.size + len(xml) + EDIT_ROOM)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(_head(xml, was_running, offset))
    except OSError as exc:
        raise make_error(ErrorCode.SYSTEM_ERROR, _Q,
                         f"Failed to create file '{path}': {exc.strerror}") from exc  # fmt: skip
    return offset


def rewrite_header(path: Path, header: SaveHeader) -> None:
    """Put *header*'s definition and flags in place of the image's own (read from *path*
    as *header*); the stream stays where it is, so the XML must fit the room it had."""
    xml = format_domain_xml(header.defn, inactive=False, secure=True).encode()
    if _FIXED.size + len(xml) > header.offset:
        raise _failed("new xml too large to fit in file")
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, _head(xml, header.was_running, header.offset), 0)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise make_error(ErrorCode.SYSTEM_ERROR, _Q,
                         f"failed to write header to domain save file '{path}': "
                         f"{exc.strerror}") from exc  # fmt: skip


def read_header(path: Path) -> SaveHeader:
    """The header of the save image at *path*, or libvirt's error for a foreign/corrupt one."""
    try:
        with open(path, "rb") as f:
            fixed = f.read(_FIXED.size)
            if len(fixed) < _FIXED.size:
                raise _failed("failed to read qemu header")
            magic, version, flags, length = _FIXED.unpack(fixed)
            if magic != MAGIC:
                raise _failed("image magic is incorrect")
            if version != VERSION:
                raise _failed(f"image version is not supported ({version} > {VERSION})")
            if length > 16 * 1024 * 1024:
                raise _failed("failed to read domain XML")
            xml = f.read(length)
            size = os.fstat(f.fileno()).st_size
    except OSError as exc:
        raise make_error(ErrorCode.SYSTEM_ERROR, _Q,
                         f"Failed to open file '{path}': {exc.strerror}") from exc  # fmt: skip
    offset = _aligned(_FIXED.size + length)
    if len(xml) < length or size <= offset:
        raise _failed("failed to read domain XML")
    try:
        defn = parse_domain_xml(xml.rstrip(b"\0").decode(), default_arch="x86_64")
    except (UnicodeDecodeError, VirtError) as exc:
        raise _failed(f"failed to read domain XML: {exc}") from exc
    return SaveHeader(defn, bool(flags & WAS_RUNNING), offset)


def _wait_migration(monitor: Monitor, what: str) -> None:
    deadline = time.monotonic() + SAVE_TIMEOUT
    delay = 0.005
    while True:
        info = monitor.execute("query-migrate")
        status = str(info.get("status", ""))
        if status == "completed":
            return
        if status in ("failed", "cancelled"):
            raise _failed(f"{what}: {info.get('error-desc', status)}")
        if time.monotonic() >= deadline:
            monitor.execute("migrate_cancel")
            raise make_error(ErrorCode.OPERATION_TIMEOUT, _Q, f"{what} did not finish")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def pass_file(monitor: Monitor, name: str, path: Path, flags: int, offset: int = 0) -> str:
    """Open *path* here and hand the descriptor to QEMU as *name*; the ``fd:`` URI for it.

    Why not let QEMU open it: QEMU runs as the DAC user (pyvirt_qemu._dac), which may not
    reach a file the caller named (libvirt too opens save images and dumps itself)."""
    try:
        fd = os.open(path, flags | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise _failed(f"Failed to open domain image file '{path}': {exc.strerror}") from exc
    try:
        if offset:
            os.lseek(fd, offset, os.SEEK_SET)
        monitor.send_fd(name, fd)
    finally:
        os.close(fd)  # QEMU holds its own copy now
    return f"fd:{name}"


def migrate_to_file(monitor: Monitor, path: Path) -> None:
    """Append the (paused) guest's migration stream to *path* and wait until it is whole."""
    monitor.execute("migrate-set-parameters", {"max-bandwidth": _UNLIMITED})
    uri = pass_file(monitor, "pyvirt-save", path, os.O_WRONLY | os.O_APPEND)
    monitor.execute("migrate", {"uri": uri})
    _wait_migration(monitor, "saving the domain")


def restore_stream(monitor: Monitor, path: Path, offset: int) -> None:
    """Feed the stream at *offset* of *path* to a QEMU started with ``-incoming defer``."""
    uri = pass_file(monitor, "pyvirt-restore", path, os.O_RDONLY, offset)
    monitor.execute("migrate-incoming", {"uri": uri})
    deadline = time.monotonic() + SAVE_TIMEOUT
    while str(monitor.execute("query-status").get("status")) == "inmigrate":
        if time.monotonic() >= deadline:
            raise make_error(ErrorCode.OPERATION_TIMEOUT, _Q, "restoring the domain timed out")
        time.sleep(0.02)
    _wait_migration(monitor, "restoring the domain")
