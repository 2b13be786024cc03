"""pool-delete on the QEMU driver's dir pools: the pool's directory goes when the pool is
inactive and the directory empty, with libvirt's errors otherwise (active, not empty, gone)
and its DELETED event; one virsh script through pyvirtd beside libvirtd, equal."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    scripts_on_both_daemons,
)

pytestmark = needs_qemu


def _pool_xml(name: str, path: Path) -> str:
    return f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>"


def test_a_deleted_pool_s_directory_is_gone_and_the_event_says_so(
    qemu_driver: InProcessDriver, tmp_path: Path
) -> None:
    from pyvirt import ErrorCode, StoragePoolEventType, VirtError

    conn = qemu_driver.connect()
    seen: list[int] = []
    conn.register_event_callback(lambda _c, e: seen.append(e.event), kind="pool")
    target = tmp_path / "pool"
    pool = conn.define_storage_pool(_pool_xml("del", target))
    pool.build()
    pool.start()
    with pytest.raises(VirtError, match="storage pool 'del' is still active") as e:
        pool.delete()
    assert e.value.code == ErrorCode.OPERATION_INVALID
    pool.destroy()
    pool.delete()
    assert not target.exists()
    assert StoragePoolEventType.DELETED in seen


@needs_libvirtd_qemu
def test_pool_delete_through_pyvirtd_matches_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    name = f"pyvirt-pdel-{uuid.uuid4().hex[:8]}"
    os.chmod(tmp_path, 0o755)
    xml = tmp_path / "pool.xml"
    xml.write_text(_pool_xml(name, tmp_path / "dir"))
    n = name
    script = (
        f"pool-define {xml}; pool-delete {n}; pool-build {n}; pool-start {n}; "
        f"pool-delete {n}; vol-create-as {n} v1 1M; pool-destroy {n}; pool-delete {n}; "
        f"pool-start {n}; vol-delete v1 --pool {n}; pool-destroy {n}; pool-delete {n}; "
        f"pool-delete {n}; pool-delete {n} --zeroed; pool-undefine {n}; pool-delete {n}"
    )
    want, got = scripts_on_both_daemons((script, script), name, daemon_env,
                                        ("pool-destroy", "pool-undefine"))  # fmt: skip
    assert got == want
