"""The QEMU driver's dir storage pools: a directory of images, qemu-img for volumes.

In-process, as pyvirtd's worker hosts the driver; one test boots a guest from a volume it
created, which is what the pool is for.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyvirt import (
    DomainState,
    ErrorCode,
    StoragePoolEventType,
    StoragePoolState,
    VirtError,
)
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    guest_xml,
    needs_qemu,
    qemu_driver,
    qemu_pids,
    qemu_root,
)

pytestmark = needs_qemu

MiB = 1024 * 1024


def pool_xml(name: str, path: Path) -> str:
    return f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>"


def vol_xml(name: str, capacity: int, fmt: str, allocation: int | None = None) -> str:
    # What pyvirsh vol-create-as sends.
    alloc = f"<allocation>{allocation}</allocation>" if allocation is not None else ""
    return (f"<volume><name>{name}</name><capacity>{capacity}</capacity>{alloc}"
            f"<target><format type='{fmt}'/></target></volume>")  # fmt: skip


def test_dir_pool_lifecycle_volumes_and_persistence(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    conn = qemu_driver.connect()
    events: list[tuple[str, int]] = []
    conn.register_event_callback(lambda _c, e: events.append((e.name, e.event)), kind=None)
    images = qemu_root / "images"
    pool = conn.define_storage_pool(pool_xml("imgs", images))
    assert (qemu_root / "storage" / "etc" / "imgs.xml").exists()
    assert not pool.is_active() and pool.is_persistent()
    with pytest.raises(VirtError, match="cannot open directory"):
        pool.start()  # no directory yet: libvirt's pool-start fails the same way
    pool.build()
    pool.start()
    assert pool.info().state == StoragePoolState.RUNNING
    assert pool.info().capacity == os.statvfs(images).f_blocks * os.statvfs(images).f_frsize

    raw = pool.create_volume(vol_xml("a.img", 8 * MiB, "raw"))  # allocation = capacity
    sparse = pool.create_volume(vol_xml("s.img", 8 * MiB, "raw", allocation=0))
    q = pool.create_volume(vol_xml("b.qcow2", 1024 * MiB, "qcow2"))
    assert raw.path() == str(images / "a.img") and raw.key == raw.path()
    assert raw.info().capacity == 8 * MiB
    assert raw.info().allocation == os.stat(images / "a.img").st_blocks * 512 >= 8 * MiB
    assert sparse.info().allocation < MiB
    # qcow2: the disk holds 1 GiB, the file only its metadata.
    assert q.info().capacity == 1024 * MiB
    assert q.info().allocation == os.stat(images / "b.qcow2").st_blocks * 512 < 2 * MiB
    assert "<format type='qcow2'/>" in q.xml_desc()
    assert sorted(v.name for v in pool.list_volumes()) == ["a.img", "b.qcow2", "s.img"]
    with pytest.raises(VirtError) as info:
        pool.create_volume(vol_xml("a.img", MiB, "raw"))
    assert info.value.code == ErrorCode.STORAGE_VOL_EXIST

    # A file put there behind the pool's back appears on refresh.
    (images / "extra.raw").write_bytes(b"\0" * 4096)
    assert "extra.raw" not in [v.name for v in pool.list_volumes()]
    pool.refresh()
    assert conn.lookup_storage_vol_by_path(str(images / "extra.raw")).name == "extra.raw"
    sparse.delete()
    assert not (images / "s.img").exists()
    with pytest.raises(VirtError) as info:
        pool.lookup_volume_by_name("s.img")
    assert info.value.code == ErrorCode.NO_STORAGE_VOL

    # The driver restarted (pyvirtd restarted): the pool is still active, volumes found.
    qemu_driver.stop()
    again = InProcessDriver(qemu_root)
    try:
        conn2 = again.connect()
        pool2 = conn2.lookup_storage_pool_by_name("imgs")
        assert pool2.is_active()
        assert sorted(v.name for v in pool2.list_volumes()) == ["a.img", "b.qcow2", "extra.raw"]
        assert pool2.lookup_volume_by_name("b.qcow2").info().capacity == 1024 * MiB
        with pytest.raises(VirtError, match="is still active"):
            pool2.undefine()
        pool2.destroy()
        with pytest.raises(VirtError, match="is not active"):
            pool2.list_volumes()
        pool2.undefine()
        assert conn2.list_storage_pools() == []
        assert not (qemu_root / "storage" / "etc" / "imgs.xml").exists()
        assert (images / "a.img").exists()  # undefine keeps the data, as libvirt does
    finally:
        again.stop()
    E = StoragePoolEventType
    assert events == [("imgs", E.DEFINED), ("imgs", E.STARTED)]


def test_boot_a_guest_from_a_created_volume(qemu_driver: InProcessDriver, qemu_root: Path) -> None:
    conn = qemu_driver.connect()
    images = qemu_root / "images"
    images.mkdir()
    pool = conn.create_storage_pool(pool_xml("tmp", images))  # transient, started
    vol = pool.create_volume(vol_xml("root.qcow2", 64 * MiB, "qcow2"))
    disk = (
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source file='{vol.path()}'/><target dev='vda' bus='virtio'/></disk>"
    )
    dom = conn.define_domain(guest_xml("fromvol", None, extra=disk))
    dom.start()
    assert dom.state()[0] == DomainState.RUNNING
    assert vol.path() in open(f"/proc/{qemu_pids(qemu_root)[0]}/cmdline").read()
    assert vol.info().capacity == 64 * MiB  # readable while the guest holds it
    dom.destroy()
    dom.undefine()
    vol.delete()
    pool.destroy()
    assert conn.list_storage_pools() == []  # transient: gone once stopped
