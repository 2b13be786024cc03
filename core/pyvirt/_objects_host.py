"""Handles for host interfaces and node devices (libvirt's virInterface and virNodeDevice).

Values, as the other handles (:mod:`pyvirt._objects`): the connection plus what identifies the
object, libvirt's ``{name, mac}`` for an interface and ``{name}`` for a node device.  A node
device handle also caches its parent's name when the driver gave it, as libvirt's does.
"""

from __future__ import annotations

from pyvirt._records import InterfaceRecord, InterfaceRef, NodeDeviceRecord

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection


class Interface:
    """A host network interface (ethernet, bridge, bond or VLAN) on a connection."""

    def __init__(
        self, conn: Connection, ref: InterfaceRef, record: InterfaceRecord | None = None
    ):
        self._conn = conn
        self._ref = ref
        self.record = record

    @property
    def ref(self) -> InterfaceRef:
        """The reference record (:class:`InterfaceRef`: name, mac) the driver identifies the
        interface by."""
        return self._ref

    @property
    def name(self) -> str:
        """The interface's name (virInterfaceGetName): held in the handle."""
        return self._ref.name

    @property
    def mac(self) -> str:
        """The interface's MAC address as the handle holds it (virInterfaceGetMACString);
        "" for interfaces without one (bridges, bonds)."""
        return self._ref.mac

    def xml_desc(self, flags: int = 0) -> str:
        """The interface's ``<interface>`` XML (virInterfaceGetXMLDesc; *flags*:
        :class:`InterfaceXMLFlags`)."""
        return str(self._conn._calls.interface_get_xml_desc(self._ref, flags))

    def is_active(self) -> bool:
        """Whether the interface is up (virInterfaceIsActive)."""
        return bool(self._conn._calls.interface_is_active(self._ref))

    def start(self, flags: int = 0) -> None:
        """Bring the interface up (virInterfaceCreate); already up is
        VIR_ERR_OPERATION_INVALID."""
        self._conn._calls.interface_create(self._ref, flags)

    def destroy(self, flags: int = 0) -> None:
        """Bring the interface down (virInterfaceDestroy); already down is
        VIR_ERR_OPERATION_INVALID."""
        self._conn._calls.interface_destroy(self._ref, flags)

    def undefine(self) -> None:
        """Remove the interface's definition (virInterfaceUndefine)."""
        self._conn._calls.interface_undefine(self._ref)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Interface) and other._ref.name == self._ref.name

    def __hash__(self) -> int:
        return hash(self._ref.name)

    def __repr__(self) -> str:
        return f"<pyvirt.Interface {self.name!r} mac={self.mac!r}>"


class NodeDevice:
    """A host device (PCI, USB, SCSI host, ...) as the node device driver knows it."""

    def __init__(self, conn: Connection, record: NodeDeviceRecord):
        self._conn = conn
        self._name = record.name
        self._parent: str | None = record.parent or None
        self.record = record

    @property
    def name(self) -> str:
        """The device's name (virNodeDeviceGetName): held in the handle."""
        return self._name

    def parent(self) -> str | None:
        """The parent device's name, None for a device without one (virNodeDeviceGetParent).

        As libvirt's, the handle keeps the parent the driver gave with it; otherwise it asks,
        and a failure there means "no parent" (libvirt returns NULL without raising)."""
        if self._parent is None:
            from pyvirt._errors import VirtError

            try:
                self._parent = self._conn._calls.node_device_get_parent(self._name)
            except VirtError:
                return None
        return self._parent

    def xml_desc(self, flags: int = 0) -> str:
        """The device's ``<device>`` XML (virNodeDeviceGetXMLDesc)."""
        return str(self._conn._calls.node_device_get_xml_desc(self._name, flags))

    def num_of_caps(self) -> int:
        """How many capabilities the device has (virNodeDeviceNumOfCaps)."""
        return int(self._conn._calls.node_device_num_of_caps(self._name))

    def list_caps(self) -> list[str]:
        """The device's capability names, e.g. ``["scsi_host"]`` (virNodeDeviceListCaps)."""
        count = self.num_of_caps()
        return list(self._conn._calls.node_device_list_caps(self._name, count))

    def destroy(self) -> None:
        """Remove a created device, such as a vHBA (virNodeDeviceDestroy)."""
        self._conn._calls.node_device_destroy(self._name)

    def start(self, flags: int = 0) -> None:
        """Start a defined, inactive device (virNodeDeviceCreate)."""
        self._conn._calls.node_device_create(self._name, flags)

    def undefine(self, flags: int = 0) -> None:
        """Remove a device's persistent definition (virNodeDeviceUndefine)."""
        self._conn._calls.node_device_undefine(self._name, flags)

    def is_active(self) -> bool:
        """Whether the device is active (virNodeDeviceIsActive)."""
        return bool(self._conn._calls.node_device_is_active(self._name))

    def is_persistent(self) -> bool:
        """Whether the device has a persistent definition (virNodeDeviceIsPersistent)."""
        return bool(self._conn._calls.node_device_is_persistent(self._name))

    @property
    def autostart(self) -> bool:
        """Whether the device starts with the host (virNodeDeviceGetAutostart)."""
        return bool(self._conn._calls.node_device_get_autostart(self._name))

    def set_autostart(self, autostart: bool) -> None:
        """Mark the device to start with the host, or not (virNodeDeviceSetAutostart)."""
        self._conn._calls.node_device_set_autostart(self._name, bool(autostart))

    def detach(self, driver_name: str | None = None, flags: int = 0) -> None:
        """Detach the device from its host driver for assignment to a guest
        (virNodeDeviceDetachFlags)."""
        self._conn._calls.node_device_detach_flags(self._name, driver_name, flags)

    def dettach(self) -> None:
        """libvirt's original detach call, with its spelling (virNodeDeviceDettach)."""
        self._conn._calls.node_device_dettach(self._name)

    def re_attach(self) -> None:
        """Give the device back to its host driver (virNodeDeviceReAttach)."""
        self._conn._calls.node_device_re_attach(self._name)

    def reset(self) -> None:
        """Reset the device (virNodeDeviceReset)."""
        self._conn._calls.node_device_reset(self._name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NodeDevice) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f"<pyvirt.NodeDevice {self.name!r}>"
