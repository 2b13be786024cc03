"""``virDomainCheckpoint``: libvirt-python's checkpoint handle over a
:class:`pyvirt.DomainCheckpoint`, and the checkpoint and backup methods of ``virDomain`` (a
base class of it).

Names, defaults and return shapes are libvirt-python's: ``0`` for the C status codes, lists
of handles; argument errors come in error domain VIR_FROM_DOMAIN_CHECKPOINT, as
libvirt-domain-checkpoint.c reports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt._codes import ErrorDomain
from pyvirt._objects_checkpoint import DomainCheckpoint
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import Handle

if TYPE_CHECKING:
    from pyvirt.libvirt._connect import virConnect
    from pyvirt.libvirt._domain import virDomain

_CHECK = ErrorDomain.DOMAIN_CHECKPOINT


class virDomainCheckpoint(Handle):  # noqa: N801 - libvirt-python's name
    """A checkpoint of a :class:`virDomain`."""

    _o: DomainCheckpoint

    def __init__(self, dom: virDomain, _obj: DomainCheckpoint) -> None:
        super().__init__(dom.connect(), _obj)
        self._dom = dom

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virDomainCheckpoint) and other._o == self._o

    def __hash__(self) -> int:
        return hash(self._o)

    def getName(self) -> str:  # noqa: N802
        return self._o.name

    def domain(self) -> virDomain:
        return self._dom

    def getDomain(self) -> virDomain:  # noqa: N802
        return self._dom

    def connect(self) -> virConnect:
        return self._conn

    def getConnect(self) -> virConnect:  # noqa: N802
        return self._conn

    @api
    def getXMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def getParent(self, flags: int = 0) -> virDomainCheckpoint:  # noqa: N802
        return virDomainCheckpoint(self._dom, self._o.parent(_args.flags(flags)))

    @api
    def listAllChildren(self, flags: int = 0) -> list[virDomainCheckpoint]:  # noqa: N802
        found = self._o.list_children(_args.flags(flags))
        return [virDomainCheckpoint(self._dom, c) for c in found]

    @api
    def delete(self, flags: int = 0) -> int:
        self._o.delete(_args.flags(flags))
        return 0


class DomainCheckpointMethods:
    """``virDomain``'s checkpoint and backup methods (a base class of it)."""

    _o: object

    def _checkpoint(self, cp: DomainCheckpoint) -> virDomainCheckpoint:
        return virDomainCheckpoint(self, cp)  # type: ignore[arg-type]

    @api
    def checkpointCreateXML(self, xmlDesc: str, flags: int = 0) -> virDomainCheckpoint:  # noqa: N802, N803
        xml = _args.string(xmlDesc, "virDomainCheckpointCreateXML", 1, "xmlDesc", _CHECK)
        return self._checkpoint(self._o.checkpoint_create_xml(xml, _args.flags(flags)))  # type: ignore[attr-defined]

    @api
    def checkpointLookupByName(self, name: str, flags: int = 0) -> virDomainCheckpoint:  # noqa: N802
        text = _args.string(name, "virDomainCheckpointLookupByName", 1, "name", _CHECK)
        return self._checkpoint(self._o.checkpoint_lookup_by_name(text, _args.flags(flags)))  # type: ignore[attr-defined]

    @api
    def listAllCheckpoints(self, flags: int = 0) -> list[virDomainCheckpoint]:  # noqa: N802
        return [self._checkpoint(c) for c in self._o.list_checkpoints(_args.flags(flags))]  # type: ignore[attr-defined]

    @api
    def backupBegin(  # noqa: N802
        self,
        backupXML: str,  # noqa: N803
        checkpointXML: str | None,  # noqa: N803
        flags: int = 0,
    ) -> int:
        xml = _args.string(backupXML, "virDomainBackupBegin", 1, "backupXML")
        checkpoint = _args.optional_string(checkpointXML, "virDomainBackupBegin", 2)
        self._o.backup_begin(xml, checkpoint, _args.flags(flags))  # type: ignore[attr-defined]
        return 0

    @api
    def backupGetXMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return str(self._o.backup_xml_desc(_args.flags(flags)))  # type: ignore[attr-defined]
