"""A test domain's title, description and ``<metadata>`` elements, and its renaming.

libvirt's test driver keeps these in the domain definition (live and persistent apart, chosen
by the AFFECT flags) and reports through the shared domain-config code, so most errors here
are in the DOMAIN error domain; only flag checks and state refusals are the test driver's own.
"""

from __future__ import annotations

from pyvirt import (
    DomainEventDefinedDetail,
    DomainEventID,
    DomainEventType,
    DomainEventUndefinedDetail,
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
    from pyvirt import DomainRef

_T = ErrorDomain.TEST
_AFFECT = DomainModificationImpact.LIVE | DomainModificationImpact.CONFIG


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
        from pyvirt.conf import set_domain_metadata

        unsupported_flags(flags, _AFFECT, "testDomainSetMetadata", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            live, persistent = self._defs_for(dom, flags)
            for defn in (live, persistent):
                if defn is not None:
                    set_domain_metadata(defn, type, metadata, key, uri)
            name, uuid, id = dom.name, dom.uuid, dom.id
        # As libvirt's test driver: one METADATA_CHANGE per successful change, carrying the
        # namespace URI as given (None for title and description).
        self.state.emit(
            "domain", name, uuid, id, type, 0, event_id=DomainEventID.METADATA_CHANGE, text=uri
        )

    def domain_get_metadata(
        self, dom_ref: DomainRef, type: int, uri: str | None, flags: int
    ) -> str:
        from pyvirt.conf import get_domain_metadata

        unsupported_flags(flags, _AFFECT, "testDomainGetMetadata", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            live, persistent = self._defs_for(dom, flags)
            defn = live if live is not None else persistent
            assert defn is not None
            return get_domain_metadata(defn, type, uri)

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
