"""A file volume's XML as libvirtd 9.0 prints it for a dir pool, measured from the file.

Why measured each time and formatted here: libvirt refreshes a volume from the file before
it answers (``stat`` for allocation, physical size, owner, mode and times; the image header
for format, capacity, qcow2 version details and the backing file), so two daemons looking
at one directory print the same bytes, and tests/test_qemu_volumes.py holds us to that.
The generic volume formatter of :mod:`pyvirt.conf` serves the test driver, whose volumes
are not files; this one has the file's facts (``<physical>``, ``<timestamps>``,
``<compat>``, the backing file's own permissions) that only a real file has.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pyvirt_qemu._image_meta import ImageMeta, probe_format, read_meta, resolve_backing

__all__ = ["FileFacts", "file_facts", "format_file_volume"]


@dataclass(frozen=True)
class FileFacts:
    """What a refresh learns about one volume file."""

    path: str
    format: str
    capacity: int
    allocation: int
    physical: int
    stat: os.stat_result
    meta: ImageMeta


def file_facts(path: str) -> FileFacts:
    """Stat and read the header of *path* (a dir pool probes its volumes' formats)."""
    st = os.stat(path)
    fmt = probe_format(path)
    meta = read_meta(path, fmt)
    capacity = meta.capacity if meta.capacity is not None else st.st_size
    return FileFacts(path, fmt, capacity, st.st_blocks * 512, st.st_size, st, meta)


def _perms(lines: list[str], st: os.stat_result, pad: str) -> None:
    lines += [f"{pad}<permissions>", f"{pad}  <mode>{st.st_mode & 0o7777:04o}</mode>",
              f"{pad}  <owner>{st.st_uid}</owner>", f"{pad}  <group>{st.st_gid}</group>",
              f"{pad}</permissions>"]  # fmt: skip


def _times(lines: list[str], st: os.stat_result, pad: str) -> None:
    lines.append(f"{pad}<timestamps>")
    for tag, ns in (("atime", st.st_atime_ns), ("mtime", st.st_mtime_ns), ("ctime", st.st_ctime_ns)):
        lines.append(f"{pad}  <{tag}>{ns // 10**9}.{ns % 10**9:09d}</{tag}>")
    lines += [f"{pad}  <btime>0</btime>", f"{pad}</timestamps>"]


def format_file_volume(name: str, facts: FileFacts) -> str:
    """``virsh vol-dumpxml`` of the file volume *name*."""
    path, meta = escape(facts.path), facts.meta
    lines = [
        "<volume type='file'>",
        f"  <name>{escape(name)}</name>",
        f"  <key>{path}</key>",
        f"  <capacity unit='bytes'>{facts.capacity}</capacity>",
        f"  <allocation unit='bytes'>{facts.allocation}</allocation>",
        f"  <physical unit='bytes'>{facts.physical}</physical>",
        "  <target>",
        f"    <path>{path}</path>",
        f"    <format type='{facts.format}'/>",
    ]
    _perms(lines, facts.stat, "    ")
    _times(lines, facts.stat, "    ")
    if meta.compat is not None:
        lines += [f"    <compat>{meta.compat}</compat>",
                  f"    <clusterSize unit='B'>{meta.cluster_size}</clusterSize>"]  # fmt: skip
        if meta.features:
            lines += ["    <features>", *(f"      <{f}/>" for f in meta.features), "    </features>"]
        else:
            lines.append("    <features/>")
    lines.append("  </target>")
    if meta.backing is not None:
        _backing(lines, resolve_backing(facts.path, meta.backing), meta.backing_format or "raw")
    lines.append("</volume>")
    return "\n".join(lines) + "\n"


def _backing(lines: list[str], path: str, fmt: str) -> None:
    """The backing file, with its own permissions and times when it can be seen."""
    lines += ["  <backingStore>", f"    <path>{escape(path)}</path>", f"    <format type='{fmt}'/>"]
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if st is not None:
        _perms(lines, st, "    ")
        _times(lines, st, "    ")
    lines.append("  </backingStore>")
