"""pyvirt's typed API for host interfaces and node devices (pyvirt.Interface,
pyvirt.NodeDevice, their Connection methods and asyncio twins), in process and through
pyvirtd, with libvirt's errors for bad input and wrong state."""

from __future__ import annotations

import asyncio
import threading

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import running_daemon

pytestmark = pytest.mark.xdist_group("host-devices-api")

VHBA = (
    "<device><parent>scsi_host1</parent><capability type='scsi_host'>"
    "<capability type='fc_host'><wwnn>2000000012341111</wwnn><wwpn>1000000012341111</wwpn>"
    "</capability></capability></device>"
)


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


@pytest.fixture(params=["test:///default", "test+unix:///default"], ids=["local", "daemon"])
def conn(request):
    if request.param.startswith("test+unix"):
        request.getfixturevalue("daemon")
    c = pyvirt.open(request.param)
    yield c
    c.close()


def test_interfaces_round_trip(conn) -> None:
    (eth1,) = conn.list_interfaces()
    assert (eth1.name, eth1.mac, eth1.is_active()) == ("eth1", "aa:bb:cc:dd:ee:ff", True)
    assert conn.list_interfaces(pyvirt.ListInterfacesFlags.INACTIVE) == []
    assert conn.lookup_interface_by_mac("AA:BB:CC:DD:EE:FF").mac == "AA:BB:CC:DD:EE:FF"
    eth1.destroy()
    with pytest.raises(pyvirt.OperationInvalidError) as down:
        eth1.destroy()
    assert str(down.value) == "Requested operation is not valid"
    eth1.start()
    conn.interface_change_begin()
    with pytest.raises(pyvirt.OperationInvalidError, match="another transaction running"):
        conn.interface_change_begin()
    new = conn.define_interface("<interface type='bridge' name='br7'><bridge/></interface>")
    assert (new.name, new.mac, new.is_active()) == ("br7", "", False)
    assert new.xml_desc() == "<interface type='bridge' name='br7'>\n  <bridge>\n  </bridge>\n</interface>\n"
    conn.interface_change_rollback()
    assert [i.name for i in conn.list_interfaces(3)] == ["eth1"]
    assert not conn.lookup_interface_by_name("eth1").is_active()  # rolled back: down
    with pytest.raises(pyvirt.NoInterfaceError) as gone:
        new.xml_desc()
    assert gone.value.code == pyvirt.ErrorCode.NO_INTERFACE


@pytest.mark.parametrize(
    ("xml", "code", "message"),
    [
        ("<interface", pyvirt.ErrorCode.XML_DETAIL, "(interface_definition):1:"),
        ("<interface type='x' name='y'/>", pyvirt.ErrorCode.XML_ERROR, "Invalid value for"),
        ("<interface type='vlan' name='v'/>", pyvirt.ErrorCode.XML_ERROR, "misses the vlan"),
        ("<interface type='ethernet' name='e'><mtu size='x'/></interface>",
         pyvirt.ErrorCode.INTERNAL_ERROR, "cause is unknown"),
        ("<!DOCTYPE a [<!ENTITY b 'c'>]><interface type='ethernet' name='&b;'/>",
         pyvirt.ErrorCode.XML_ERROR, "entity declarations are not allowed"),
    ],
)  # fmt: skip
def test_bad_interface_xml_is_refused_and_changes_nothing(conn, xml, code, message) -> None:
    with pytest.raises(pyvirt.VirtError) as bad:
        conn.define_interface(xml)
    assert bad.value.code == code and message in str(bad.value)
    assert [i.name for i in conn.list_interfaces(3)] == ["eth1"]


def test_node_devices_round_trip(conn) -> None:
    names = sorted(d.name for d in conn.list_node_devices())
    assert names == ["computer", "scsi_host1", "scsi_host11", "scsi_host2"]
    assert conn.num_of_node_devices("vports") == 2
    assert sorted(conn.list_node_device_names("fc_host")) == ["scsi_host1", "scsi_host11", "scsi_host2"]
    computer = conn.lookup_node_device_by_name("computer")
    assert (computer.parent(), computer.list_caps()) == (None, ["system"])
    with pytest.raises(pyvirt.VirtError) as active_only:
        conn.list_node_devices(pyvirt.ListNodeDeviceFlags.ACTIVE)
    assert "unsupported flags (0x80000000)" in str(active_only.value)
    with pytest.raises(pyvirt.NoSupportError):
        computer.is_active()
    created = conn.create_node_device(VHBA)
    assert (created.name, created.parent()) == ("scsi_host12", "scsi_host1")
    assert "<wwnn>2000000012341111</wwnn>" in created.xml_desc()
    created.destroy()
    with pytest.raises(pyvirt.NoNodeDeviceError):
        created.xml_desc()


def test_node_device_events_in_process() -> None:
    conn = pyvirt.open("test:///default")
    seen: list[tuple[str, int]] = []
    done = threading.Event()

    def record(_conn: pyvirt.Connection, ev: pyvirt.ObjectEvent) -> None:
        seen.append((ev.name, ev.event))
        if len(seen) == 2:
            done.set()

    conn.register_event_callback(record, kind="nodedev")
    conn.create_node_device(VHBA).destroy()
    assert done.wait(10)
    lifecycle = pyvirt.NodeDeviceEventLifecycleType
    assert seen == [("scsi_host12", lifecycle.CREATED), ("scsi_host12", lifecycle.DELETED)]
    conn.close()


def test_asyncio_through_pyvirtd(daemon) -> None:
    async def main() -> None:
        async with await pyvirt.aio.open("test+unix:///default") as conn:
            ifaces, devices = await asyncio.gather(conn.list_interfaces(), conn.list_node_devices())
            assert [i.name for i in ifaces] == ["eth1"]
            assert isinstance(devices[0], pyvirt.aio.AsyncNodeDevice)
            dev = await conn.lookup_node_device_by_name("scsi_host11")
            assert await dev.parent() == "scsi_host1"
            assert await dev.list_caps() == ["scsi_host"]
            iface = await conn.lookup_interface_by_name("eth1")
            assert "<mtu size='1492'/>" in await iface.xml_desc()
        async with await pyvirt.aio.open("test+unix:///default", read_only=True) as ro:
            with pytest.raises(pyvirt.OperationDeniedError, match="virInterfaceChangeBegin"):
                await ro.interface_change_begin()
            with pytest.raises(pyvirt.OperationDeniedError, match="virNodeDeviceCreateXML"):
                await ro.create_node_device(VHBA)

    asyncio.run(main())
