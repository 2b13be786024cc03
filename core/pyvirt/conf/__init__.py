"""pyvirt's XML configuration layer, the analogue of libvirt's src/conf.

Parsers turn untrusted XML into typed, mutable dataclasses with libvirt's defaults applied;
formatters write them back byte for byte as libvirt 9.0 does.  Drivers import only from here.
"""

from pyvirt.conf._common import generate_mac, generate_uuid, parse_mac, parse_uuid
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
from pyvirt.conf._domain_parse import parse_domain_xml
from pyvirt.conf._network import (
    DhcpHost,
    DhcpRange,
    IPDef,
    NetworkDef,
    format_network_xml,
    parse_network_xml,
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
from pyvirt.conf._units import parse_scaled_integer, scale_integer

__all__ = [
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
    "VideoDef",
    "VolumeDef",
    "apply_volume_defaults",
    "format_domain_xml",
    "format_network_xml",
    "format_pool_xml",
    "format_volume_xml",
    "generate_mac",
    "generate_uuid",
    "parse_domain_xml",
    "parse_mac",
    "parse_network_xml",
    "parse_pool_xml",
    "parse_scaled_integer",
    "parse_uuid",
    "parse_volume_xml",
    "scale_integer",
]
