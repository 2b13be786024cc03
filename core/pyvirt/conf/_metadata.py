"""A domain definition's title, description and ``<metadata>`` elements, as libvirt's
virDomainDefSetMetadata and virDomainDefGetMetadata read and change them.

Why in conf: every driver keeps these in its definitions the same way (live and persistent
apart); only which definitions a call affects, the persistence and the events are the
driver's.  The errors are the domain-config code's (DOMAIN and XML error domains).
"""

from __future__ import annotations

import copy

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

    from pyvirt.conf._domain import DomainDef

__all__ = ["get_domain_metadata", "set_domain_metadata"]


def _not_present() -> Exception:
    return make_error(
        ErrorCode.NO_DOMAIN_METADATA,
        ErrorDomain.DOMAIN,
        "Requested metadata element is not present",
    )


def _unknown_type(type: int) -> Exception:
    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"unknown metadata type '{type}'")


def _namespace(elem: etree._Element) -> str | None:
    from lxml import etree

    return etree.QName(elem).namespace


def _element_with_namespace(metadata: str, key: str, uri: str) -> etree._Element:
    """Parse *metadata* and put its un-namespaced elements into *uri* with prefix *key*, as
    libvirt's virXMLInjectNamespace does (elements already in a namespace keep it)."""
    import re

    from lxml import etree

    from pyvirt._xml import parse_document

    parsed = parse_document(metadata, "metadata_xml", ErrorDomain.DOMAIN)
    # an XML name without a colon (libxml2's xmlValidateNCName), as a namespace prefix must be
    if not re.fullmatch(r"[^\W\d][\w.\-]*", key):
        raise make_error(
            ErrorCode.INTERNAL_ERROR,
            ErrorDomain.XML,
            "failed to validate prefix for a new XML namespace",
        )
    tag = parsed.tag if _namespace(parsed) else f"{{{uri}}}{parsed.tag}"
    nsmap: dict[str | None, str] = dict(parsed.nsmap)
    nsmap[key] = uri  # declared after the element's own, as libxml2's xmlNewNs appends it
    # lxml's stubs leave out the None key of a default namespace, which lxml accepts.
    attrib = {str(k): str(v) for k, v in parsed.attrib.items()}
    root = etree.Element(tag, attrib=attrib, nsmap=nsmap)  # type: ignore[arg-type]
    root.text = parsed.text
    for child in list(parsed):
        root.append(child)
    for elem in root.iter():
        if isinstance(elem.tag, str) and _namespace(elem) is None:
            elem.tag = f"{{{uri}}}{elem.tag}"
    return root


def _without_namespace(elem: etree._Element, uri: str) -> str:
    """The element as virDomainGetMetadata hands it out: *uri*'s prefix stripped, libxml2's
    formatting (virXMLExtractNamespaceXML)."""
    from lxml import etree

    dup = copy.deepcopy(elem)
    dup.tail = None
    for node in dup.iter():
        if isinstance(node.tag, str) and _namespace(node) == uri:
            node.tag = etree.QName(node).localname
    etree.cleanup_namespaces(dup)
    return etree.tostring(dup, pretty_print=True, encoding="unicode").rstrip("\n")


def set_domain_metadata(
    defn: DomainDef, type: int, metadata: str | None, key: str | None, uri: str | None
) -> None:
    """libvirt's virDomainDefSetMetadata on one definition."""
    from pyvirt._enums import DomainMetadataType
    if type == DomainMetadataType.DESCRIPTION:
        defn.description = metadata or None
    elif type == DomainMetadataType.TITLE:
        defn.title = metadata or None
    elif type == DomainMetadataType.ELEMENT:
        assert uri is not None
        new = None
        if metadata is not None:
            assert key is not None
            new = _element_with_namespace(metadata, key, uri)
        defn.metadata = [el for el in defn.metadata if _namespace(el) != uri]
        if new is not None:
            defn.metadata.append(new)
            defn.has_metadata = True
    else:
        raise _unknown_type(type)


def get_domain_metadata(defn: DomainDef, type: int, uri: str | None) -> str:
    """libvirt's virDomainDefGetMetadata on one definition."""
    from pyvirt._enums import DomainMetadataType
    if type == DomainMetadataType.DESCRIPTION:
        found = defn.description
    elif type == DomainMetadataType.TITLE:
        found = defn.title
    elif type == DomainMetadataType.ELEMENT:
        elem = next((el for el in defn.metadata if _namespace(el) == uri), None)
        assert uri is not None
        found = None if elem is None else _without_namespace(elem, uri)
    else:
        raise _unknown_type(type)
    if found is None:
        raise _not_present()
    return found
