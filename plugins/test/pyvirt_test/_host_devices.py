"""The test driver's host interfaces and node devices, and what ``test:///default`` starts
with: libvirt's default test configuration has interface ``eth1`` (up) and the node devices
``computer``, ``scsi_host1``, ``scsi_host2`` (vport-capable fibre channel HBAs) and
``scsi_host11`` (a vHBA on ``scsi_host1``).

Built on first use (see :class:`~pyvirt_test._state.TestState`): no ``pyvirsh`` command about
domains pays for these definitions.
"""

from __future__ import annotations

import copy

from pyvirt.conf import HostInterfaceDef, InterfaceProtocolDef, NodeDevCap, NodeDeviceDef
from pyvirt.driver import field, model


@model(slots=True)
class TestInterface:
    """A host interface of the test driver: its definition and whether it is up."""

    defn: HostInterfaceDef
    active: bool = False


@model
class HostDevices:
    """The interfaces (by name, in definition order), the interface transaction's saved copy
    (libvirt's ``backupIfaces``; None when no transaction runs) and the node devices."""

    interfaces: dict[str, TestInterface] = field(default_factory=dict)
    backup: dict[str, TestInterface] | None = None
    devices: dict[str, NodeDeviceDef] = field(default_factory=dict)

    def begin(self) -> None:
        """Save the interfaces for a rollback.  libvirt clones the definitions only, so after
        a rollback every interface is down, as it is in libvirt."""
        self.backup = {
            name: TestInterface(copy.deepcopy(iface.defn))
            for name, iface in self.interfaces.items()
        }


def host_devices_from(interfaces: list[HostInterfaceDef], devices: list[NodeDeviceDef]) -> HostDevices:
    """The host devices a node file lists: its interfaces all up, as libvirt loads them."""
    return HostDevices(
        interfaces={d.name: TestInterface(d, active=True) for d in interfaces},
        devices={d.name: d for d in devices},
    )


def _fc_host(host: int, unique_id: int, wwn: str, fabric: str, vports: bool) -> NodeDevCap:
    return NodeDevCap(
        "scsi_host",
        host=host,
        unique_id=unique_id,
        fc_host=True,
        wwnn=f"20000000{wwn}",
        wwpn=f"10000000{wwn}",
        fabric_wwn=f"20000000{fabric}",
        vport_ops=vports,
    )


def default_host_devices() -> HostDevices:
    """The interfaces and node devices of ``test:///default``, new objects on every call."""
    eth1 = HostInterfaceDef(
        "ethernet",
        "eth1",
        start_mode="onboot",
        mtu=1492,
        protocols=[
            InterfaceProtocolDef(
                "ipv4", ips=[("192.168.0.5", 24)], gateway="192.168.0.1"
            )
        ],
        mac="aa:bb:cc:dd:ee:ff",
    )
    computer = NodeDevCap(
        "system",
        hardware={
            "vendor": "Libvirt",
            "version": "Test driver",
            "serial": "123456",
            "uuid": "11111111-2222-3333-4444-555555555555",
        },
        firmware={"vendor": "Libvirt", "version": "Test Driver", "release_date": "01/22/2007"},
    )
    devices = [
        NodeDeviceDef("computer", caps=[computer]),
        NodeDeviceDef("scsi_host1", "computer", caps=[_fc_host(1, 0, "12341234", "43214321", True)]),
        NodeDeviceDef("scsi_host2", "computer", caps=[_fc_host(2, 1, "56785678", "87658765", True)]),
        NodeDeviceDef(
            "scsi_host11", "scsi_host1", caps=[_fc_host(11, 10, "34563456", "43214321", False)]
        ),
    ]
    return HostDevices(
        interfaces={"eth1": TestInterface(eth1, active=True)},
        devices={d.name: d for d in devices},
    )
