"""Volumes of the QEMU driver's dir pools against libvirtd's: XML, sizes and file operations.

libvirtd 9.0 (``qemu:///system``, through the real binding under ``/usr/bin/python3``) and
the QEMU driver in this process run the same script of volume calls: create (raw, sparse,
qcow2, qcow2 over a backing file), create-from and clone, resize (grow, shrink, delta,
allocate), wipe (zero, other algorithms) and every bad variant, each on a pool of its own
whose files start identical.  Results and errors (code, domain, message) must be equal and
so must every volume's XML afterwards, with only the directory and the file times masked.
Then both daemons look at *one* directory and their ``vol-dumpxml`` must match byte for
byte, times included.  Skipped where libvirtd's ``qemu:///system`` does not answer.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyvirt import StoragePoolRef, StorageVolRef, VirtError
from pyvirt._uri import parse_uri
from qemu_helpers import (  # noqa: F401 - fixtures
    QEMU_IMG,
    InProcessDriver,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
)

pytestmark = [needs_qemu, needs_libvirtd_qemu]

MiB = 1024 * 1024

#: Runs a script of storage calls in the real binding; prints one JSON result per call.
_LIBVIRT_SCRIPT = r"""
import json, sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
conn = libvirt.open("qemu:///system")
pool_name, ops = json.loads(sys.stdin.read())
pool = conn.storagePoolLookupByName(pool_name)
out = []
for op in ops:
    kind, args = op[0], op[1:]
    try:
        if kind == "create":
            pool.createXML(args[0], args[1]); res = "ok"
        elif kind == "create_from":
            pool.createXMLFrom(args[0], pool.storageVolLookupByName(args[1]), args[2]); res = "ok"
        elif kind == "resize":
            pool.storageVolLookupByName(args[0]).resize(args[1], args[2]); res = "ok"
        elif kind == "wipe_pattern":
            pool.storageVolLookupByName(args[0]).wipePattern(args[1], args[2]); res = "ok"
        elif kind == "wipe":
            pool.storageVolLookupByName(args[0]).wipe(args[1]); res = "ok"
        elif kind == "xml":
            res = pool.storageVolLookupByName(args[0]).XMLDesc(0)
        elif kind == "info":
            res = pool.storageVolLookupByName(args[0]).info()
    except libvirt.libvirtError as e:
        res = [e.get_error_code(), e.get_error_domain(), e.get_error_message()]
    out.append(res)
print(json.dumps(out))
"""


def _libvirt_run(pool: str, ops: list[list[Any]]) -> list[Any]:
    done = subprocess.run(["/usr/bin/python3", "-c", _LIBVIRT_SCRIPT], input=json.dumps([pool, ops]),
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _pyvirt_run(raw: Any, pool: StoragePoolRef, ops: list[list[Any]]) -> list[Any]:
    """The same script on the QEMU driver's connection: the calls the public API makes."""

    def vol(name: str) -> StorageVolRef:
        return raw.storage_vol_lookup_by_name(pool, name)

    out: list[Any] = []
    for kind, *args in ops:
        try:
            res: Any = "ok"
            if kind == "create":
                raw.storage_vol_create_xml(pool, args[0], args[1])
            elif kind == "create_from":
                raw.storage_vol_create_xml_from(pool, args[0], vol(args[1]), args[2])
            elif kind == "resize":
                raw.storage_vol_resize(vol(args[0]), args[1], args[2])
            elif kind == "wipe_pattern":
                raw.storage_vol_wipe_pattern(vol(args[0]), args[1], args[2])
            elif kind == "wipe":
                raw.storage_vol_wipe(vol(args[0]), args[1])
            elif kind == "xml":
                res = raw.storage_vol_get_xml_desc(vol(args[0]), 0)
            elif kind == "info":
                info = raw.storage_vol_get_info(vol(args[0]))
                res = [int(info.type), info.capacity, info.allocation]
        except VirtError as e:
            res = [int(e.code), int(e.domain), str(e)]
        out.append(res)
    return out


def vol_xml(name: str, capacity: int, fmt: str, *, allocation: int | None = None,
            backing: tuple[str, str] | None = None) -> str:  # fmt: skip
    alloc = f"<allocation>{allocation}</allocation>" if allocation is not None else ""
    back = ""
    if backing is not None:
        back = (f"<backingStore><path>{backing[0]}</path><format type='{backing[1]}'/>"
                "</backingStore>")  # fmt: skip
    return (f"<volume><name>{name}</name><capacity>{capacity}</capacity>{alloc}"
            f"<target><format type='{fmt}'/></target>{back}</volume>")  # fmt: skip


@pytest.fixture
def two_dirs() -> Iterator[tuple[Path, Path]]:
    """A directory for libvirtd's pool and one for ours, both readable by libvirtd."""
    base = Path(tempfile.mkdtemp(prefix="pvvol-", dir="/tmp"))
    base.chmod(0o755)
    (base / "L").mkdir()
    (base / "P").mkdir()
    try:
        yield base / "L", base / "P"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _libvirt_pool(name: str, path: Path) -> None:
    done = subprocess.run(["virsh", "-c", "qemu:///system", "pool-create-as", name, "dir",
                           "--target", str(path)], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr


def _libvirt_pool_gone(name: str) -> None:
    subprocess.run(["virsh", "-c", "qemu:///system", "pool-destroy", name], capture_output=True,
                   timeout=60, check=False)  # fmt: skip


def _masked(results: list[Any], d: Path) -> list[Any]:
    out = []
    for r in results:
        if isinstance(r, str):
            r = r.replace(str(d), "DIR")
            r = re.sub(r"<(a|m|c)time>[0-9.]+</", r"<\1time>T</", r)
        elif isinstance(r, list) and len(r) == 3 and isinstance(r[2], str):
            r = [r[0], r[1], r[2].replace(str(d), "DIR")]
        out.append(r)
    return out


def _script(d: str) -> list[list[Any]]:
    """The calls both daemons run; *d* is the pool's directory (for backing files)."""
    ops: list[list[Any]] = [
        ["create", vol_xml("full.img", 8 * MiB, "raw"), 0],
        ["create", vol_xml("sparse.img", 8 * MiB, "raw", allocation=0), 0],
        ["create", vol_xml("odd.img", 1000001, "raw", allocation=0), 0],
        ["create", vol_xml("base.qcow2", 16 * MiB, "qcow2"), 0],
        ["create", vol_xml("odd.qcow2", 1000001, "qcow2"), 0],
        ["create", vol_xml("meta.qcow2", 4 * MiB, "qcow2"), 1],
        ["create", vol_xml("child.qcow2", 16 * MiB, "qcow2",
                           backing=(f"{d}/base.qcow2", "qcow2")), 0],
        ["create", vol_xml("bad.img", MiB, "raw", backing=(f"{d}/base.qcow2", "qcow2")), 0],
        ["create", vol_xml("bad.qcow2", MiB, "qcow2", backing=(f"{d}/nope.qcow2", "qcow2")), 0],
        ["create", vol_xml("full.img", MiB, "raw"), 0],
        # copies: raw→qcow2, raw→raw (sparse stays sparse), bigger, a qcow2 with its backing
        ["create_from", vol_xml("conv.qcow2", 8 * MiB, "qcow2"), "full.img", 0],
        ["create_from", vol_xml("copy.img", MiB, "raw", allocation=0), "sparse.img", 0],
        ["create_from", vol_xml("big.img", 16 * MiB, "raw"), "full.img", 0],
        ["create_from", vol_xml("clone.qcow2", 16 * MiB, "qcow2",
                                backing=(f"{d}/base.qcow2", "qcow2")), "child.qcow2", 0],
        ["create_from", vol_xml("conv.qcow2", MiB, "qcow2"), "full.img", 0],
        ["create_from", vol_xml("x.img", MiB, "raw"), "full.img", 8],
        # resize
        ["resize", "sparse.img", 4 * MiB, 0],
        ["resize", "sparse.img", 4 * MiB, 4],
        ["resize", "sparse.img", MiB, 2],
        ["resize", "sparse.img", 2 * MiB, 2 | 4],
        ["resize", "sparse.img", 8 * MiB, 1],
        ["resize", "full.img", MiB, 4],
        ["resize", "base.qcow2", 32 * MiB, 0],
        ["resize", "base.qcow2", 8 * MiB, 4],
        ["resize", "base.qcow2", 64 * MiB, 1],
        ["resize", "sparse.img", MiB, 8],
        # wipe
        ["wipe", "conv.qcow2", 0],
        ["wipe", "copy.img", 0],
        ["wipe", "full.img", 1],
        ["wipe_pattern", "copy.img", 99, 0],
        ["wipe_pattern", "copy.img", 8, 1],
    ]
    names = ["full.img", "sparse.img", "odd.img", "base.qcow2", "odd.qcow2", "meta.qcow2",
             "child.qcow2", "conv.qcow2", "copy.img", "big.img", "clone.qcow2"]  # fmt: skip
    ops += [["xml", n] for n in names] + [["info", n] for n in names]
    return ops


def test_volume_calls_and_their_files_match_libvirtd(
    qemu_driver: InProcessDriver, two_dirs: tuple[Path, Path]
) -> None:
    ldir, pdir = two_dirs
    lpool = f"pvvol-{os.getpid()}"
    _libvirt_pool(lpool, ldir)
    try:
        want = _libvirt_run(lpool, _script(str(ldir)))
    finally:
        _libvirt_pool_gone(lpool)
    raw = qemu_driver.state.open_connection(parse_uri("qemu:///session"), read_only=False)
    rec = raw.storage_pool_create_xml(
        f"<pool type='dir'><name>p</name><target><path>{pdir}</path></target></pool>", 0
    )
    got = _pyvirt_run(raw, StoragePoolRef(rec.name, rec.uuid), _script(str(pdir)))
    # Owners differ only where libvirtd chowned nothing either: both run as root here.
    for op, g, w in zip(_script("D"), _masked(got, pdir), _masked(want, ldir), strict=True):
        assert g == w, op
    # The files themselves: same sizes and allocation, same qcow2 headers.
    for name in ("conv.qcow2", "copy.img", "big.img", "clone.qcow2", "base.qcow2", "odd.qcow2"):
        lst, pst = os.stat(ldir / name), os.stat(pdir / name)
        assert (pst.st_size, pst.st_blocks) == (lst.st_size, lst.st_blocks), name


def test_one_directory_seen_by_both_daemons_gives_the_same_bytes(
    qemu_driver: InProcessDriver, two_dirs: tuple[Path, Path]
) -> None:
    d, _ = two_dirs
    img = QEMU_IMG or "qemu-img"
    subprocess.run([img, "create", "-q", "-f", "raw", str(d / "a.raw"), "3M"], check=True)
    subprocess.run([img, "create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on",
                    str(d / "v3.qcow2"), "16M"], check=True)  # fmt: skip
    subprocess.run([img, "create", "-q", "-f", "qcow2", "-b", "v3.qcow2", "-F", "qcow2",
                    str(d / "rel.qcow2")], check=True)  # fmt: skip
    subprocess.run([img, "create", "-q", "-f", "qcow2", "-u", "-b", "/nonexistent.qcow2", "-F",
                    "qcow2", str(d / "dangling.qcow2"), "1M"], check=True)  # fmt: skip
    (d / "sparse.raw").write_bytes(b"")
    os.truncate(d / "sparse.raw", 5 * MiB)
    names = ["a.raw", "v3.qcow2", "rel.qcow2", "dangling.qcow2", "sparse.raw"]
    conn = qemu_driver.connect()
    pool = conn.create_storage_pool(
        f"<pool type='dir'><name>shared</name><target><path>{d}</path></target></pool>"
    )
    first = [pool.lookup_volume_by_name(n).xml_desc() for n in names]  # reads: atime settles
    lpool = f"pvvol-shared-{os.getpid()}"
    _libvirt_pool(lpool, d)
    try:
        ops: list[list[Any]] = [["xml", n] for n in names] + [["info", n] for n in names]
        want = _libvirt_run(lpool, ops)
    finally:
        _libvirt_pool_gone(lpool)
    got = [pool.lookup_volume_by_name(n).xml_desc() for n in names]
    assert got == want[: len(names)]
    assert first[0] == got[0]
    infos = [[int(i.type), i.capacity, i.allocation]
             for i in (pool.lookup_volume_by_name(n).info() for n in names)]  # fmt: skip
    assert infos == [[int(t), c, a] for t, c, a in want[len(names) :]]
    pool.destroy()
