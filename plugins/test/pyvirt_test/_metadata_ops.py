"""A test domain's title, description and ``<metadata>`` elements, and its renaming.

libvirt's test driver keeps these in the domain definition (live and persistent apart, chosen
by the AFFECT flags) and reports through the shared domain-config code, so most errors here
are in the DOMAIN error domain; only flag checks and state refusals are the test driver's own.
"""

from __future__ import annotations

import copy

from pyvirt import (
    DomainEventDefinedDetail,
    DomainEventType,
    DomainEventUndefinedDetail,
    DomainMetadataType,
    DomainModificationImpact,
    ErrorCode,
    ErrorDomain,
    make_error,
)
from pyvirt.driver import unsupported_flags

from pyvirt_test._domain_ops import DomainOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree
    from pyvirt import DomainRef
    from pyvirt.conf import DomainDef

_T = ErrorDomain.TEST
_AFFECT = DomainModificationImpact.LIVE | DomainModificationImpact.CONFIG


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
    from pyvirt.conf import parse_document  # (loads lxml: on first use, not at import)

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


def _set_on(
    defn: DomainDef, type: int, metadata: str | None, key: str | None, uri: str | None
) -> None:
    """libvirt's virDomainDefSetMetadata on one definition."""
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


def _get_from(defn: DomainDef, type: int, uri: str | None) -> str:
    """libvirt's virDomainDefGetMetadata on one definition."""
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


class MetadataOps(DomainOps):
    """Mixin for the test connection: metadata and rename (``self.state`` is its state)."""

    def domain_set_metadata(
        self,
        dom_ref: DomainRef,
        type: int,
        metadata: str | None,
        key: str | None,
        uri: str | None,
        flags: int,
    ) -> None:
        unsupported_flags(flags, _AFFECT, "testDomainSetMetadata", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            live, persistent = self._defs_for(dom, flags)
            for defn in (live, persistent):
                if defn is not None:
                    _set_on(defn, type, metadata, key, uri)
        # libvirt's test driver queues a METADATA_CHANGE event here; pyvirt's events carry
        # lifecycle events only, so there is none to send yet.

    def domain_get_metadata(
        self, dom_ref: DomainRef, type: int, uri: str | None, flags: int
    ) -> str:
        unsupported_flags(flags, _AFFECT, "testDomainGetMetadata", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            live, persistent = self._defs_for(dom, flags)
            defn = live if live is not None else persistent
            assert defn is not None
            return _get_from(defn, type, uri)

    def domain_rename(self, dom_ref: DomainRef, new_name: str, flags: int) -> None:
        unsupported_flags(flags, 0, "testDomainRename", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            if dom.active:
                raise make_error(ErrorCode.OPERATION_INVALID, _T, "cannot rename active domain")
            if not dom.persistent:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, "cannot rename a transient domain"
                )

            def apply() -> None:
                if "/" in new_name:
                    raise make_error(ErrorCode.XML_ERROR, _T, f"name {new_name} cannot contain '/'")
                self._emit(dom, DomainEventType.UNDEFINED, DomainEventUndefinedDetail.RENAMED)
                dom.live.name = new_name

            self.state.domains.rename(dom, new_name, apply)
            self._emit(dom, DomainEventType.DEFINED, DomainEventDefinedDetail.RENAMED)
