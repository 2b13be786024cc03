"""What an image file's header says about itself: its format, and the file it is backed by.

Why read the header ourselves rather than ask ``qemu-img info``: libvirt reads image headers
itself (``virStorageFileProbeFormat`` and the per-format metadata parsers), because the
answer decides which file QEMU is told to open with which format, and *how much* to trust
it is a security rule, not a detail:

- the top image's format is never probed: it is the ``<driver type>`` the user wrote (raw
  when absent), so a guest that writes a qcow2 header into a raw disk cannot make the host
  open some other file as its backing store;
- a backing file's format is the one the qcow2 header records; when the header records none,
  the backing file may be probed only if the probe says raw (a format that cannot itself
  name another file): anything else is refused, as libvirt 9.0 refuses it.

Only raw and qcow2 are understood here; a file of any other kind probes as raw.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

__all__ = ["ImageMeta", "probe_format", "read_meta", "resolve_backing"]

QCOW2_MAGIC = b"QFI\xfb"
#: Header extension holding the backing file's format name.
_EXT_BACKING_FORMAT = 0xE2792ACA
_EXT_END = 0
#: The version 2 header's length; version 3 headers say their own length at offset 100.
_V2_HEADER_LEN = 72
#: qcow2 refuses backing names longer than this (block/qcow2.c); so do we.
_MAX_BACKING_NAME = 1023
_HEADER_READ = 64 * 1024
#: qcow2 v3 feature bits libvirt names: (bit, name, 0 = compatible / 1 = incompatible word).
_V3_FEATURES = ((0, "lazy_refcounts", 0), (4, "extended_l2", 1))


@dataclass(frozen=True)
class ImageMeta:
    """What the header of one image file says."""

    #: The format the header shows (``qcow2`` or ``raw``).
    format: str
    #: The backing file name as recorded (possibly relative), or None.
    backing: str | None = None
    #: The backing file's format as recorded in the header, or None when it records none.
    backing_format: str | None = None
    #: The guest-visible size the header records (qcow2); None for raw (the file's size).
    capacity: int | None = None
    #: qcow2 version 3 details libvirt shows in a volume's XML: "1.1", the cluster size
    #: and the feature names (``lazy_refcounts``, ``extended_l2``); None for version 2.
    compat: str | None = None
    cluster_size: int | None = None
    features: tuple[str, ...] = ()


def probe_format(path: str) -> str:
    """``qcow2`` when the file starts with qcow2's magic, else ``raw``."""
    with open(path, "rb") as f:
        return "qcow2" if f.read(4) == QCOW2_MAGIC else "raw"


def read_meta(path: str, fmt: str) -> ImageMeta:
    """The header of *path* read as *fmt* (the format the caller already trusts).

    A file that is not what *fmt* says names no backing file: QEMU, told to open it as
    *fmt*, reports that in its own words.  Raises OSError when the file cannot be read and
    ValueError when a qcow2 header is damaged (a backing name outside the header, a
    truncated extension).
    """
    if fmt != "qcow2":
        return ImageMeta(fmt)
    with open(path, "rb") as f:
        head = f.read(_HEADER_READ)
    if head[:4] != QCOW2_MAGIC or len(head) < _V2_HEADER_LEN:
        return ImageMeta(fmt)
    version = struct.unpack_from(">I", head, 4)[0]
    backing_off, backing_len, cluster_bits, size = struct.unpack_from(">QIIQ", head, 8)
    backing = None
    if backing_off:
        if backing_len > _MAX_BACKING_NAME or backing_off + backing_len > len(head):
            raise ValueError("backing file name out of the header")
        backing = head[backing_off : backing_off + backing_len].decode("utf-8", "replace")
    header_len = _V2_HEADER_LEN
    v3: dict[str, object] = {}
    if version >= 3:
        incompatible, compatible = struct.unpack_from(">QQ", head, 72)
        header_len = struct.unpack_from(">I", head, 100)[0]
        feats = [name for bit, name, word in _V3_FEATURES if (compatible, incompatible)[word] >> bit & 1]
        v3 = {"compat": "1.1", "cluster_size": 1 << cluster_bits, "features": tuple(feats)}
    fmt_name = _backing_format(head, header_len, backing_off)
    return ImageMeta("qcow2", backing, fmt_name, capacity=size, **v3)  # type: ignore[arg-type]


def _backing_format(head: bytes, offset: int, limit: int) -> str | None:
    """Walk the header extensions (type, length, data padded to 8) for the backing format."""
    end = limit if limit else len(head)
    while offset + 8 <= end:
        ext_type, ext_len = struct.unpack_from(">II", head, offset)
        offset += 8
        if ext_type == _EXT_END:
            return None
        if offset + ext_len > len(head):
            raise ValueError("truncated header extension")
        if ext_type == _EXT_BACKING_FORMAT:
            return head[offset : offset + ext_len].decode("ascii", "replace")
        offset += (ext_len + 7) & ~7
    return None


def resolve_backing(image: str, backing: str) -> str:
    """A backing name is relative to the directory of the image that names it."""
    if os.path.isabs(backing):
        return os.path.normpath(backing)
    return os.path.normpath(os.path.join(os.path.dirname(image), backing))
