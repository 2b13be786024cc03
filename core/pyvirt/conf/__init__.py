"""pyvirt's XML configuration layer (libvirt's src/conf): parse to typed models, format back."""

from pyvirt.conf._domain import DomainDef
from pyvirt.conf._domain_format import format_domain_xml
from pyvirt.conf._domain_parse import parse_domain_xml
from pyvirt.conf._units import parse_scaled_integer

__all__ = ["DomainDef", "format_domain_xml", "parse_domain_xml", "parse_scaled_integer"]
