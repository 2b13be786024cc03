"""Contract: networks and storage pools, where the driver has them."""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path

import pytest

import pyvirt
from pyvirt import ErrorCode
from pyvirt.testing._contract import Contract

pytestmark = pytest.mark.pyvirt_contract


def test_listed_networks_are_found_by_name_and_uuid(
    contract: Contract, conn: pyvirt.Connection
) -> None:
    with contract.feature("list networks (virConnectListAllNetworks)"):
        networks = conn.list_networks()
    for net in networks:
        with contract.feature("look up a network (virNetworkLookupByName)"):
            assert conn.lookup_network_by_name(net.name).uuid == net.uuid
        assert conn.lookup_network_by_uuid(net.uuid).name == net.name


def test_a_missing_network_is_a_no_network_error(
    contract: Contract, conn: pyvirt.Connection
) -> None:
    name = contract.new_name()
    error = contract.error_of(
        "look up a network (virNetworkLookupByName)", lambda: conn.lookup_network_by_name(name)
    )
    assert error.code == ErrorCode.NO_NETWORK and isinstance(error, LookupError)
    assert str(error) == f"Network not found: no network with matching name '{name}'"


def test_network_define_start_destroy_undefine(contract: Contract, conn: pyvirt.Connection) -> None:
    name = contract.new_name()
    xml = (
        f"<network><name>{name}</name><uuid>{uuidlib.uuid4()}</uuid>"
        f"<bridge name='pvc{name[-8:]}'/></network>"
    )
    with contract.feature("define a network (virNetworkDefineXML)"):
        net = conn.define_network(xml)
    try:
        assert not net.is_active() and net.is_persistent()
        with contract.feature("start a network (virNetworkCreate)"):
            net.start()
        assert net.is_active()
        net.destroy()
        assert not net.is_active()
    finally:
        if net.is_active():
            net.destroy()
        net.undefine()
    with pytest.raises(pyvirt.NoNetworkError):
        conn.lookup_network_by_name(name)


def test_a_missing_pool_is_a_no_storage_pool_error(
    contract: Contract, conn: pyvirt.Connection
) -> None:
    name = contract.new_name()
    error = contract.error_of(
        "look up a storage pool (virStoragePoolLookupByName)",
        lambda: conn.lookup_storage_pool_by_name(name),
    )
    assert error.code == ErrorCode.NO_STORAGE_POOL and isinstance(error, LookupError)
    assert str(error) == f"Storage pool not found: no storage pool with matching name '{name}'"


def test_dir_pool_life_cycle_with_a_volume(
    contract: Contract, conn: pyvirt.Connection, tmp_path: Path
) -> None:
    name = contract.new_name()
    target = tmp_path / "pool"
    target.mkdir()
    xml = (
        f"<pool type='dir'><name>{name}</name><uuid>{uuidlib.uuid4()}</uuid>"
        f"<target><path>{target}</path></target></pool>"
    )
    with contract.feature("define a storage pool (virStoragePoolDefineXML)"):
        pool = conn.define_storage_pool(xml)
    try:
        with contract.feature("start a storage pool (virStoragePoolCreate)"):
            pool.start()
        assert pool.is_active()
        vol_xml = (
            "<volume><name>disk.img</name><capacity unit='bytes'>1048576</capacity>"
            "<target><format type='raw'/></target></volume>"
        )
        with contract.feature("create a volume (virStorageVolCreateXML)"):
            vol = pool.create_volume(vol_xml)
        assert [v.name for v in pool.list_volumes()] == ["disk.img"]
        assert vol.info().capacity == 1048576
        vol.delete()
        assert pool.list_volumes() == []
    finally:
        if pool.is_active():
            pool.destroy()
        pool.undefine()
    with pytest.raises(pyvirt.NoStoragePoolError):
        conn.lookup_storage_pool_by_name(name)
