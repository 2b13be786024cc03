"""Making, copying and resizing image files, the way libvirt's dir pools do.

Why these exact commands: a volume made here must be the file libvirtd would have made
from the same XML, so that the two daemons report it alike (``vol-dumpxml`` is compared
byte for byte).  So, as libvirt 9.0's storage_util.c: raw files are written directly
(``ftruncate``, and ``fallocate`` when the whole allocation is asked for); qcow2 goes
through ``qemu-img create`` with ``compat=0.10`` and the size in KiB rounded up; a copy
between two raw volumes is a sparse copy, any other is ``qemu-img convert``; a raw volume
grows or shrinks with ``ftruncate``, a qcow2 one with ``qemu-img resize``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error

__all__ = ["QEMU_IMG", "convert", "copy_raw", "create_qcow2", "create_raw", "resize"]

QEMU_IMG = "qemu-img"
_ST = ErrorDomain.STORAGE
#: libvirt's copy buffer; a block of zeros this size in a sparse copy becomes a hole.
_COPY_CHUNK = 1024 * 1024


def _system(msg: str, exc: OSError) -> VirtError:
    return make_error(ErrorCode.SYSTEM_ERROR, _ST, f"{msg}: {exc.strerror or exc}")


def _run(cmd: list[str], what: str) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except OSError as exc:
        raise _system(f"Cannot run {cmd[0]}", exc) from exc
    if proc.returncode != 0:
        raise make_error(ErrorCode.INTERNAL_ERROR, _ST, f"{what}: {proc.stderr.strip()}")


@contextlib.contextmanager
def _new_file(path: str, failure: str) -> Iterator[int]:
    """A new file (never an existing one) to fill; removed again when filling it fails."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise _system(f"cannot create path '{path}'", exc) from exc
    try:
        yield fd
    except OSError as exc:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise _system(failure, exc) from exc
    os.close(fd)


def create_raw(path: str, capacity: int, *, allocate: bool) -> None:
    """A raw file of *capacity* bytes, every byte allocated when *allocate*."""
    with _new_file(path, f"cannot allocate {capacity} bytes in file '{path}'") as fd:
        if allocate and capacity:
            os.posix_fallocate(fd, 0, capacity)
        os.ftruncate(fd, capacity)


def _qcow2_options(backing: tuple[str, str] | None, prealloc: str | None) -> list[str]:
    """``-o`` of a new qcow2: libvirt's compat=0.10, and the backing file as options (which
    ``create`` and ``convert`` both take; a comma in a value is doubled)."""
    opts = []
    if backing is not None:
        opts += [f"backing_file={backing[0].replace(',', ',,')}", f"backing_fmt={backing[1]}"]
    opts.append("compat=0.10")
    if prealloc is not None:
        opts.append(f"preallocation={prealloc}")
    return ["-o", ",".join(opts)]


def create_qcow2(
    path: str, capacity: int, *, backing: tuple[str, str] | None, prealloc: bool, full: bool
) -> None:
    """``qemu-img create -f qcow2`` as libvirt runs it (size in KiB, rounded up).  Asked to
    preallocate, libvirt allocates the whole file (falloc) when the allocation asked for is
    the capacity, else only the metadata."""
    kib = -(-capacity // 1024)
    mode = ("falloc" if full else "metadata") if prealloc else None
    cmd = [QEMU_IMG, "create", "-f", "qcow2", *_qcow2_options(backing, mode), path, f"{kib}K"]
    try:
        _run(cmd, "storage volume creation failed")
    except VirtError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.chmod(path, 0o600)


def convert(
    src: str, src_fmt: str, dst: str, dst_fmt: str, *, backing: tuple[str, str] | None
) -> None:
    """``qemu-img convert``: a copy in another format (or keeping a qcow2's backing file,
    whose clusters the copy then does not repeat)."""
    cmd = [QEMU_IMG, "convert", "-f", src_fmt, "-O", dst_fmt]
    if dst_fmt == "qcow2":
        cmd += _qcow2_options(backing, None)
    try:
        _run([*cmd, src, dst], "storage volume creation failed")
    except VirtError:
        with contextlib.suppress(OSError):
            os.unlink(dst)
        raise
    os.chmod(dst, 0o600)


def copy_raw(src: str, dst: str, capacity: int, *, allocate: bool) -> None:
    """Raw to raw: copy the data, leaving holes where the source reads zeros unless the
    whole allocation was asked for, then extend to *capacity*."""
    with _new_file(dst, f"failed to copy '{src}' to '{dst}'") as fd, open(src, "rb") as inp:
        while chunk := inp.read(_COPY_CHUNK):
            if allocate or chunk != bytes(len(chunk)):
                os.write(fd, chunk)
            else:
                os.lseek(fd, len(chunk), os.SEEK_CUR)
        size = max(capacity, os.lseek(fd, 0, os.SEEK_CUR))
        if allocate:
            os.posix_fallocate(fd, 0, size)
        os.ftruncate(fd, size)


def resize(path: str, fmt: str, capacity: int, *, current: int, allocate: bool) -> None:
    """A raw file is truncated (all of it allocated when asked); anything else goes
    through ``qemu-img resize``, with ``--shrink`` when it gets smaller."""
    if fmt == "raw":
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError as exc:
            raise _system(f"Unable to open '{path}'", exc) from exc
        try:
            if allocate and capacity:  # libvirt allocates the whole file, holes included
                os.posix_fallocate(fd, 0, capacity)
            os.ftruncate(fd, capacity)
        except OSError as exc:
            raise _system(f"Failed to truncate file '{path}'", exc) from exc
        finally:
            os.close(fd)
        return
    cmd = [QEMU_IMG, "resize"]
    if capacity < current:
        cmd.append("--shrink")
    rounded = -(-capacity // 512) * 512
    _run([*cmd, path, str(rounded)], f"failed to resize '{path}'")
