"""``virDomainSnapshot``: libvirt-python's snapshot handle over a :class:`pyvirt.DomainSnapshot`,
and the snapshot methods of ``virDomain`` (added to it by :func:`add_domain_methods`).

Names, defaults and return shapes are libvirt-python's: ``0`` for the C status codes,
``int`` for the C booleans, lists of handles or names; argument errors come in error domain
VIR_FROM_DOMAIN_SNAPSHOT, as libvirt-domain-snapshot.c reports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt._codes import ErrorDomain
from pyvirt._objects import DomainSnapshot
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import Handle

if TYPE_CHECKING:
    from pyvirt.libvirt._connect import virConnect
    from pyvirt.libvirt._domain import virDomain

_SNAP = ErrorDomain.DOMAIN_SNAPSHOT


class virDomainSnapshot(Handle):  # noqa: N801 - libvirt-python's name
    """A snapshot of a :class:`virDomain`."""

    _o: DomainSnapshot

    def __init__(self, dom: virDomain, _obj: DomainSnapshot) -> None:
        super().__init__(dom.connect(), _obj)
        self._dom = dom

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virDomainSnapshot) and other._o == self._o

    def __hash__(self) -> int:
        return hash(self._o)

    def getName(self) -> str:  # noqa: N802
        return self._o.name

    def getDomain(self) -> virDomain:  # noqa: N802
        return self._dom

    def domain(self) -> virDomain:
        return self._dom

    def getConnect(self) -> virConnect:  # noqa: N802
        return self._conn

    @api
    def getXMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def getParent(self, flags: int = 0) -> virDomainSnapshot:  # noqa: N802
        return virDomainSnapshot(self._dom, self._o.parent(_args.flags(flags)))

    @api
    def isCurrent(self, flags: int = 0) -> int:  # noqa: N802
        return int(self._o.is_current(_args.flags(flags)))

    @api
    def hasMetadata(self, flags: int = 0) -> int:  # noqa: N802
        return int(self._o.has_metadata(_args.flags(flags)))

    @api
    def listAllChildren(self, flags: int = 0) -> list[virDomainSnapshot]:  # noqa: N802
        return [virDomainSnapshot(self._dom, s) for s in self._o.list_children(_args.flags(flags))]

    @api
    def listChildrenNames(self, flags: int = 0) -> list[str]:  # noqa: N802
        return self._o.children_names(_args.flags(flags))

    @api
    def numChildren(self, flags: int = 0) -> int:  # noqa: N802
        return self._o.num_children(_args.flags(flags))

    @api
    def delete(self, flags: int = 0) -> int:
        self._o.delete(_args.flags(flags))
        return 0


class DomainSnapshotMethods:
    """``virDomain``'s snapshot methods (a base class of it)."""

    _o: object

    def _snap(self, snap: DomainSnapshot) -> virDomainSnapshot:
        return virDomainSnapshot(self, snap)  # type: ignore[arg-type]

    @api
    def snapshotCreateXML(self, xmlDesc: str, flags: int = 0) -> virDomainSnapshot:  # noqa: N802, N803
        api_name = "virDomainSnapshotCreateXML"
        xml = _args.string(xmlDesc, api_name, 1, "xmlDesc", _SNAP)
        return self._snap(self._o.snapshot_create_xml(xml, _args.flags(flags)))  # type: ignore[attr-defined]

    @api
    def snapshotLookupByName(self, name: str, flags: int = 0) -> virDomainSnapshot:  # noqa: N802
        api_name = "virDomainSnapshotLookupByName"
        text = _args.string(name, api_name, 1, "name", _SNAP)
        return self._snap(self._o.snapshot_lookup_by_name(text, _args.flags(flags)))  # type: ignore[attr-defined]

    @api
    def snapshotCurrent(self, flags: int = 0) -> virDomainSnapshot:  # noqa: N802
        return self._snap(self._o.snapshot_current(_args.flags(flags)))  # type: ignore[attr-defined]

    @api
    def hasCurrentSnapshot(self, flags: int = 0) -> int:  # noqa: N802
        return int(self._o.has_current_snapshot(_args.flags(flags)))  # type: ignore[attr-defined]

    @api
    def listAllSnapshots(self, flags: int = 0) -> list[virDomainSnapshot]:  # noqa: N802
        return [self._snap(s) for s in self._o.list_snapshots(_args.flags(flags))]  # type: ignore[attr-defined]

    @api
    def snapshotListNames(self, flags: int = 0) -> list[str]:  # noqa: N802
        return list(self._o.snapshot_names(_args.flags(flags)))  # type: ignore[attr-defined]

    @api
    def snapshotNum(self, flags: int = 0) -> int:  # noqa: N802
        return int(self._o.snapshot_num(_args.flags(flags)))  # type: ignore[attr-defined]

    @api
    def revertToSnapshot(self, snap: virDomainSnapshot, flags: int = 0) -> int:  # noqa: N802
        if not isinstance(snap, virDomainSnapshot):
            # libvirt-python passes NULL on, and libvirt reports the invalid snapshot.
            from pyvirt._codes import ErrorCode
            from pyvirt._errors import make_error

            raise make_error(ErrorCode.INVALID_DOMAIN_SNAPSHOT, _SNAP, "virDomainRevertToSnapshot")
        snap._o.revert(_args.flags(flags))
        return 0
