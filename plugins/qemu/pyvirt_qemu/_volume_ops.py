"""Volume operations that change files: copy (create-from, clone), resize and wipe.

Why their own module: :mod:`pyvirt_qemu._storage` keeps the pools and the plain lifecycle of
volumes; these are libvirt's storage driver calls that take an existing volume's file and
make another or change it, with libvirt's argument rules and messages (storage_driver.c)
and the file work of its dir-pool backend (storage_util.c), see :mod:`pyvirt_qemu._qemu_img`.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

from pyvirt import ErrorCode, ErrorDomain, StoragePoolRef, StorageVolRef, make_error
from pyvirt.driver import unsupported_flags

from pyvirt_qemu import _qemu_img as qemu_img
from pyvirt_qemu._storage import _PREALLOC_METADATA, StorageOps, _err, _fs_sizes, _system

__all__ = ["VolumeOps"]

_ST = ErrorDomain.STORAGE
#: VIR_STORAGE_VOL_CREATE_REFLINK: accepted, and a plain copy made (as libvirt does where
#: the file system cannot share extents).
_REFLINK = 2
#: VIR_STORAGE_VOL_RESIZE_ALLOCATE / _DELTA / _SHRINK
_ALLOCATE, _DELTA, _SHRINK = 1, 2, 4
#: virStorageVolWipeAlgorithm: ZERO, then what ``scrub -p`` calls the others, then TRIM.
_WIPE_ZERO, _WIPE_TRIM, _WIPE_LAST = 0, 9, 10
_SCRUB_PATTERNS = ("", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33",
                   "random")  # fmt: skip
_ZEROS = bytes(1024 * 1024)


class VolumeOps(StorageOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection` (it includes the pools)."""

    def _busy_check(self, ref: StorageVolRef) -> None:
        if (ref.pool, ref.name) in self.storage.creating:
            raise _err(ErrorCode.OPERATION_INVALID,
                       f"volume '{ref.name}' is still being allocated.")  # fmt: skip

    # -- copies ----------------------------------------------------------------------------
    def storage_vol_create_xml_from(
        self, pool: StoragePoolRef, xml: str, clonevol: StorageVolRef, flags: int
    ) -> StorageVolRef:
        unsupported_flags(flags, _PREALLOC_METADATA | _REFLINK, "storageVolCreateXMLFrom", _ST)
        with self.storage.lock:
            self._vol(clonevol)
            self._busy_check(clonevol)
        _, src = self.measure(clonevol)
        target, vol, full = self.reserve_volume(pool, xml, from_api=True)
        # The copy is at least as large as what it copies.
        vol.capacity = max(vol.capacity, src.capacity)
        fmt = vol.format_type or "raw"

        def build() -> None:
            dst = vol.target_path or ""
            if fmt == "raw" and src.format == "raw":
                qemu_img.copy_raw(src.path, dst, vol.capacity, allocate=full)
                return
            backing = None
            el = vol.backing_store
            if el is not None and (el.findtext("path") or "").strip():
                fmt_el = el.find("format")
                backing = ((el.findtext("path") or "").strip(),
                           fmt_el.get("type", "raw") if fmt_el is not None else "raw")  # fmt: skip
            qemu_img.convert(src.path, src.format, dst, fmt, backing=backing)

        return self.build_reserved(target, vol, build)

    # -- resize ----------------------------------------------------------------------------
    def storage_vol_resize(self, vol: StorageVolRef, capacity: int, flags: int) -> None:
        unsupported_flags(flags, _ALLOCATE | _DELTA | _SHRINK, "storageVolResize", _ST)
        with self.storage.lock:
            pool, _ = self._vol(vol)
            self._busy_check(vol)
        _, facts = self.measure(vol)
        current = facts.capacity
        if flags & _DELTA:
            new = current - min(capacity, current) if flags & _SHRINK else current + capacity
        else:
            new = capacity
        if new < facts.allocation:
            raise _err(ErrorCode.INVALID_ARG, "can't shrink capacity below existing allocation")
        if new < current and not flags & _SHRINK:
            raise _err(ErrorCode.INVALID_ARG, "Can't shrink capacity below current capacity "
                       "unless shrink flag explicitly specified")  # fmt: skip
        if flags & _ALLOCATE:
            if new - facts.allocation > _fs_sizes(pool)[2]:
                raise _err(ErrorCode.INVALID_ARG, "Not enough space left in storage pool")
            if facts.format != "raw":
                raise _err(ErrorCode.OPERATION_UNSUPPORTED,
                           "preallocate is only supported for raw type volume")  # fmt: skip
        qemu_img.resize(facts.path, facts.format, new, current=current,
                        allocate=bool(flags & _ALLOCATE))  # fmt: skip

    # -- wipe ------------------------------------------------------------------------------
    def storage_vol_wipe(self, vol: StorageVolRef, flags: int) -> None:
        # libvirt's storageVolWipe is storageVolWipePattern with ZERO: its flag check too.
        self.storage_vol_wipe_pattern(vol, _WIPE_ZERO, flags)

    def storage_vol_wipe_pattern(self, vol: StorageVolRef, algorithm: int, flags: int) -> None:
        unsupported_flags(flags, 0, "storageVolWipePattern", _ST)
        if not 0 <= algorithm < _WIPE_LAST:
            raise _err(ErrorCode.INVALID_ARG, f"wiping algorithm {algorithm} not supported")
        self._wipe(vol, algorithm)

    def _wipe(self, vol: StorageVolRef, algorithm: int) -> None:
        with self.storage.lock:
            self._vol(vol)
            self._busy_check(vol)
        _, facts = self.measure(vol)
        if algorithm == _WIPE_TRIM:
            raise _err(ErrorCode.NO_SUPPORT, "'trim' algorithm not supported")
        if algorithm != _WIPE_ZERO:
            _scrub(facts.path, _SCRUB_PATTERNS[algorithm])
            return
        st = facts.stat
        try:
            fd = os.open(facts.path, os.O_RDWR | os.O_CLOEXEC)
        except OSError as exc:
            raise _system(f"Failed to open storage volume with path '{facts.path}'", exc) from exc
        try:
            if stat.S_ISREG(st.st_mode) and st.st_blocks < st.st_size // 512:
                # A sparse file: drop every block, keep the size (libvirt's zero for sparse).
                os.ftruncate(fd, 0)
                os.ftruncate(fd, st.st_size)
            else:
                _zero(fd, facts.allocation)
            os.fsync(fd)
        except OSError as exc:
            raise _system(f"Failed to wipe storage volume with path '{facts.path}'", exc) from exc
        finally:
            os.close(fd)
        with self.storage.lock:  # a wiped qcow2 is a raw file of zeros now
            self._vol(vol)[1].format_type = "raw"


def _zero(fd: int, length: int) -> None:
    """Write zeros over the first *length* bytes (what the volume had allocated)."""
    done = 0
    while done < length:
        done += os.write(fd, _ZEROS[: min(len(_ZEROS), length - done)])


def _scrub(path: str, pattern: str) -> None:
    scrub = shutil.which("scrub")
    if scrub is None:
        raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                         "Cannot find 'scrub' in path: No such file or directory")  # fmt: skip
    proc = subprocess.run([scrub, "-f", "-p", pattern, path], capture_output=True, text=True,
                          timeout=3600)  # fmt: skip
    if proc.returncode != 0:
        raise make_error(ErrorCode.INTERNAL_ERROR, _ST, f"scrub failed: {proc.stderr.strip()}")
