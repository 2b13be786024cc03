"""pyvirt's XML configuration layer, the analogue of libvirt's src/conf.

Parsers turn untrusted XML into typed, mutable dataclasses with libvirt's defaults applied;
formatters write them back byte for byte as libvirt 9.0 does.  Drivers import only from here.

The names load on first use (PEP 562), as in :mod:`pyvirt`: a driver that only holds
definitions (the test driver listing its domains) must not pay for lxml and the parsers and
formatters, which every ``pyvirsh`` run would otherwise import.  Type checkers see the
``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: see pyvirt/__init__.py.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._xml import MAX_XML_BYTES, parse_document
    from pyvirt.conf._checkpoint import (
        CheckpointDef,
        CheckpointDiskDef,
        align_checkpoint_disks,
        format_checkpoint_xml,
        parse_checkpoint_xml,
    )
    from pyvirt.conf._common import check_name, generate_mac, generate_uuid, parse_mac, parse_uuid
    from pyvirt.conf._devices import (
        Address,
        ChardevDef,
        ControllerDef,
        Device,
        DiskDef,
        GenericDevice,
        GraphicsDef,
        InputDef,
        InterfaceDef,
        MemballoonDef,
        VideoDef,
    )
    from pyvirt.conf._domain import DomainDef
    from pyvirt.conf._domain_format import format_domain_xml
    from pyvirt.conf._domain_parse import disk_name_to_index, parse_domain_xml

    # host interfaces and node devices (issue 10)
    from pyvirt.conf._interface import (
        HostInterfaceDef,
        InterfaceProtocolDef,
        format_host_interface_xml,
        parse_host_interface_xml,
    )
    from pyvirt.conf._metadata import get_domain_metadata, set_domain_metadata
    from pyvirt.conf._network import (
        DhcpHost,
        DhcpRange,
        IPDef,
        NetworkDef,
        check_dhcp_range,
        format_network_xml,
        ip_prefix,
        parse_network_xml,
    )
    from pyvirt.conf._network_update import (
        UPDATE_COMMANDS,
        UPDATE_SECTIONS,
        update_network_section,
        update_targets,
    )
    from pyvirt.conf._nodedev import (
        NodeDevCap,
        NodeDeviceDef,
        format_node_device_xml,
        parse_node_device_xml,
    )
    from pyvirt.conf._snapshot import (
        SNAPSHOT_STATES,
        SnapshotDef,
        SnapshotDiskDef,
        align_disks,
        format_snapshot_xml,
        parse_snapshot_xml,
    )
    from pyvirt.conf._storage import (
        Permissions,
        PoolDef,
        VolumeDef,
        apply_volume_defaults,
        format_pool_xml,
        format_volume_xml,
        parse_pool_xml,
        parse_volume_xml,
    )
    from pyvirt.conf._units import parse_bitmap, parse_scaled_integer, scale_integer

#: Where each public name lives: module -> names.
_EXPORTS_BY_MODULE: dict[str, tuple[str, ...]] = {
    "pyvirt.conf._common": (
        "check_name",
        "generate_mac",
        "generate_uuid",
        "parse_mac",
        "parse_uuid",
    ),
    "pyvirt.conf._devices": (
        "Address",
        "ChardevDef",
        "ControllerDef",
        "Device",
        "DiskDef",
        "GenericDevice",
        "GraphicsDef",
        "InputDef",
        "InterfaceDef",
        "MemballoonDef",
        "VideoDef",
    ),
    "pyvirt.conf._domain": ("DomainDef",),
    "pyvirt.conf._domain_format": ("format_domain_xml",),
    "pyvirt.conf._domain_parse": ("disk_name_to_index", "parse_domain_xml"),
    "pyvirt.conf._metadata": ("get_domain_metadata", "set_domain_metadata"),
    "pyvirt.conf._network": (
        "DhcpHost",
        "DhcpRange",
        "IPDef",
        "NetworkDef",
        "check_dhcp_range",
        "format_network_xml",
        "ip_prefix",
        "parse_network_xml",
    ),
    "pyvirt.conf._checkpoint": (
        "CheckpointDef",
        "CheckpointDiskDef",
        "align_checkpoint_disks",
        "format_checkpoint_xml",
        "parse_checkpoint_xml",
    ),
    "pyvirt.conf._network_update": (
        "UPDATE_COMMANDS",
        "UPDATE_SECTIONS",
        "update_network_section",
        "update_targets",
    ),
    "pyvirt.conf._snapshot": (
        "SNAPSHOT_STATES",
        "SnapshotDef",
        "SnapshotDiskDef",
        "align_disks",
        "format_snapshot_xml",
        "parse_snapshot_xml",
    ),
    "pyvirt.conf._storage": (
        "Permissions",
        "PoolDef",
        "VolumeDef",
        "apply_volume_defaults",
        "format_pool_xml",
        "format_volume_xml",
        "parse_pool_xml",
        "parse_volume_xml",
    ),
    "pyvirt.conf._units": (
        "parse_bitmap",
        "parse_scaled_integer",
        "scale_integer",
    ),
    # host interfaces and node devices (issue 10)
    "pyvirt.conf._interface": (
        "HostInterfaceDef",
        "InterfaceProtocolDef",
        "format_host_interface_xml",
        "parse_host_interface_xml",
    ),
    "pyvirt.conf._nodedev": (
        "NodeDevCap",
        "NodeDeviceDef",
        "format_node_device_xml",
        "parse_node_device_xml",
    ),
    # The hardened XML reader every parser uses (no entities, no network, a size cap), for
    # drivers that read documents of their own (the test driver's node files).
    "pyvirt._xml": ("MAX_XML_BYTES", "parse_document"),
}
_EXPORTS: dict[str, str] = {
    name: module for module, names in _EXPORTS_BY_MODULE.items() for name in names
}

__all__ = [
    "MAX_XML_BYTES",
    "UPDATE_COMMANDS",
    "UPDATE_SECTIONS",
    "update_network_section",
    "update_targets",
    "Address",
    "ChardevDef",
    "ControllerDef",
    "Device",
    "DhcpHost",
    "DhcpRange",
    "DiskDef",
    "DomainDef",
    "GenericDevice",
    "GraphicsDef",
    "IPDef",
    "InputDef",
    "InterfaceDef",
    "MemballoonDef",
    "NetworkDef",
    "Permissions",
    "PoolDef",
    "SnapshotDef",
    "SNAPSHOT_STATES",
    "SnapshotDiskDef",
    "VideoDef",
    "VolumeDef",
    "align_disks",
    "apply_volume_defaults",
    "check_name",
    # checkpoints (stats helper, issue 10)
    "CheckpointDef",
    "CheckpointDiskDef",
    "align_checkpoint_disks",
    "format_checkpoint_xml",
    "parse_checkpoint_xml",
    "disk_name_to_index",
    "format_domain_xml",
    "check_dhcp_range",
    "format_network_xml",
    "ip_prefix",
    "format_snapshot_xml",
    "format_pool_xml",
    "format_volume_xml",
    "generate_mac",
    "generate_uuid",
    "get_domain_metadata",
    "parse_domain_xml",
    "parse_mac",
    "parse_document",
    "parse_network_xml",
    "parse_pool_xml",
    "parse_snapshot_xml",
    "parse_scaled_integer",
    "parse_uuid",
    "parse_volume_xml",
    "parse_bitmap",
    "scale_integer",
    "set_domain_metadata",
    # host interfaces and node devices (issue 10)
    "HostInterfaceDef",
    "InterfaceProtocolDef",
    "NodeDevCap",
    "NodeDeviceDef",
    "format_host_interface_xml",
    "format_node_device_xml",
    "parse_host_interface_xml",
    "parse_node_device_xml",
]


def __getattr__(name: str) -> object:
    """Import the module that defines public *name* and cache the value in this namespace."""
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pyvirt.conf' has no attribute {name!r}")
    module = __import__(module_name, fromlist=[name])
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
