"""Node device entry points of the test driver (libvirt's testNodeDevice* behaviour).

libvirt 9.0's test driver mocks NPIV: creating a device validates the vHBA request (fibre
channel WWNs, a vport-capable parent) and then copies ``scsi_host11`` as ``scsi_host12`` with
the requested WWNs; destroying checks the same and removes the device.  Both send node device
lifecycle events.  Two of its quirks are kept because programs can see them: destroying a
device that is not a vHBA (or whose parent is gone) reports success and changes nothing, and
virConnectListAllNodeDevices refuses the ACTIVE/INACTIVE filters (so ``virsh nodedev-list``
fails against it).  Define, undefine, start, autostart and the PCI detach calls are not
implemented there, so they answer "not supported" here too.
"""

from __future__ import annotations

import functools

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    NodeDeviceRecord,
    VirtError,
    make_error,
)
from pyvirt.driver import unsupported_flags

from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import ListNodeDeviceFlags
    from pyvirt.conf import NodeDevCap, NodeDeviceDef

_T = ErrorDomain.TEST
_N = ErrorDomain.NODEDEV
#: The vHBA libvirt's mock copies, and the name it gives the copy.
_TEMPLATE, _CREATED = "scsi_host11", "scsi_host12"


def _record(defn: NodeDeviceDef) -> NodeDeviceRecord:
    return NodeDeviceRecord(defn.name, defn.parent or "")


def _internal(detail: str) -> VirtError:
    return make_error(ErrorCode.INTERNAL_ERROR, _N, detail)


def _fc_cap(defn: NodeDeviceDef) -> NodeDevCap | None:
    """virNodeDeviceGetWWNs: the SCSI host capability carrying fibre channel WWNs."""
    cap = defn.scsi_host()
    return cap if cap is not None and cap.fc_host else None


@functools.cache
def _cap_flags() -> dict[ListNodeDeviceFlags, str]:
    """VIR_CONNECT_LIST_NODE_DEVICES_FILTERS_CAP: every capability bit (and nothing else),
    made on first use: pyvirt's enums are not loaded by a pyvirsh run that lists domains."""
    from pyvirt import ListNodeDeviceFlags

    return {flag: flag.name[4:].lower() for flag in ListNodeDeviceFlags if flag.name and
            flag.name.startswith("CAP_")}  # fmt: skip


def _flag_cap_name(flag: ListNodeDeviceFlags) -> str:
    names = {"pci_dev": "pci", "usb_dev": "usb_device", "usb_interface": "usb",
             "ccw_dev": "ccw", "css_dev": "css"}  # fmt: skip
    cap = _cap_flags()[flag]
    return names.get(cap, cap)


class NodeDeviceOps:
    state: TestState

    def _devices(self) -> dict[str, NodeDeviceDef]:
        return self.state.host_devices.devices

    def _device(self, name: str) -> NodeDeviceDef:
        found = self._devices().get(name)
        if found is None:
            raise make_error(
                ErrorCode.NO_NODE_DEVICE, _T, f"no node device with matching name '{name}'"
            )
        return found

    def _matching(self, cap: str | None) -> list[NodeDeviceDef]:
        return [d for d in self._devices().values() if cap is None or d.has_cap(cap)]

    def node_num_of_devices(self, cap: str | None, flags: int) -> int:
        unsupported_flags(flags, 0, "testNodeNumOfDevices", _T)
        with self.state.lock:
            return len(self._matching(cap))

    def node_list_devices(self, cap: str | None, maxnames: int, flags: int) -> list[str]:
        unsupported_flags(flags, 0, "testNodeListDevices", _T)
        with self.state.lock:
            return [d.name for d in self._matching(cap)][: max(maxnames, 0)]

    def connect_list_all_node_devices(self, flags: int) -> list[NodeDeviceRecord]:
        unsupported_flags(flags, sum(_cap_flags()), "testConnectListAllNodeDevices", _T)
        wanted = [_flag_cap_name(flag) for flag in _cap_flags() if flags & flag]
        with self.state.lock:
            return [
                _record(d)
                for d in self._devices().values()
                if not wanted or any(d.has_cap(cap) for cap in wanted)
            ]

    def node_device_lookup_by_name(self, name: str) -> NodeDeviceRecord:
        with self.state.lock:
            return _record(self._device(name))

    def node_device_get_xml_desc(self, name: str, flags: int) -> str:
        from pyvirt.conf import format_node_device_xml

        unsupported_flags(flags, 0, "testNodeDeviceGetXMLDesc", _T)
        with self.state.lock:
            return format_node_device_xml(self._device(name))

    def node_device_get_parent(self, name: str) -> str:
        with self.state.lock:
            parent = self._device(name).parent
        if parent is None:
            raise make_error(ErrorCode.INTERNAL_ERROR, _T, "no parent for this device")
        return parent

    def node_device_num_of_caps(self, name: str) -> int:
        with self.state.lock:
            return len(self._device(name).caps)

    def node_device_list_caps(self, name: str, maxnames: int) -> list[str]:
        with self.state.lock:
            return self._device(name).cap_names()[: max(maxnames, 0)]

    # -- creating and destroying vHBAs ---------------------------------------------------------
    def _vport_parent(self, defn: NodeDeviceDef) -> NodeDeviceDef:
        """virNodeDeviceObjListGetParentHost: the parent the vHBA would be created on."""
        devices = list(self._devices().values())
        if defn.parent is not None:
            found = self._devices().get(defn.parent)
        elif defn.parent_wwnn is not None and defn.parent_wwpn is not None:
            found = next((d for d in devices if (c := _fc_cap(d)) is not None and
                          (c.wwnn, c.wwpn) == (defn.parent_wwnn, defn.parent_wwpn)), None)  # fmt: skip
        elif defn.parent_fabric_wwn is not None:
            found = next((d for d in devices if (c := _fc_cap(d)) is not None and
                          c.fabric_wwn == defn.parent_fabric_wwn), None)  # fmt: skip
        else:
            found = next((d for d in devices if d.has_cap("vports")), None)
            if found is None:
                raise _internal("Could not find any vport capable device")
        if found is None:
            raise _internal(f"Could not find parent device for '{defn.name}'")
        if not found.has_cap("vports"):
            raise _internal(f"Parent device {found.name} is not capable of vport operations")
        return found

    def node_device_create_xml(self, xml: str, flags: int) -> NodeDeviceRecord:
        import copy

        from pyvirt.conf import parse_node_device_xml

        # VIR_NODE_DEVICE_CREATE_XML_VALIDATE is accepted; without RELAX NG schemas the
        # document is checked by the parser only.
        unsupported_flags(flags, 1, "testNodeDeviceCreateXML", _T)
        defn = parse_node_device_xml(xml)
        requested = _fc_cap(defn)
        if requested is None:
            raise _internal("Device is not a fibre channel HBA")
        with self.state.lock:
            self._vport_parent(defn)
            template = self._devices().get(_TEMPLATE)
            if template is None:  # libvirt's mock fails here without saying why
                raise VirtError(
                    "An error occurred, but the cause is unknown",
                    code=ErrorCode.INTERNAL_ERROR,
                    domain=ErrorDomain.NONE,
                )
            created = copy.deepcopy(template)
            created.name = _CREATED
            fc = _fc_cap(created)
            if fc is not None:
                fc.wwnn, fc.wwpn = requested.wwnn, requested.wwpn
            self._devices()[_CREATED] = created
            from pyvirt import NodeDeviceEventLifecycleType

            self._event(_CREATED, NodeDeviceEventLifecycleType.CREATED)
        # libvirt's handle caches the parent the caller asked for, not the copy's.
        return NodeDeviceRecord(_CREATED, defn.parent or "")

    def node_device_destroy(self, name: str) -> None:
        with self.state.lock:
            defn = self._device(name)
            if _fc_cap(defn) is None:
                return  # libvirt reports "not a fibre channel HBA" yet returns success
            if defn.parent is None or defn.parent not in self._devices():
                return  # likewise "cannot find parent": reported, success, nothing removed
            del self._devices()[name]
            from pyvirt import NodeDeviceEventLifecycleType

            self._event(name, NodeDeviceEventLifecycleType.DELETED)

    def _event(self, name: str, event: int) -> None:
        self.state.emit("nodedev", name, "", -1, event, 0)
