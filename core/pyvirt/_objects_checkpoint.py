"""Domain checkpoints in the public API: :class:`DomainCheckpoint` (libvirt's
virDomainCheckpoint, a handle by name) and the checkpoint methods of :class:`pyvirt.Domain`
(a mixin, folded into the generated asyncio twin as the other domain families are).

Argument checks are those of libvirt-domain-checkpoint.c: the XML and name must not be NULL
(VIR_FROM_DOMAIN_CHECKPOINT), REDEFINE_VALIDATE needs REDEFINE, and the deletion flags
CHILDREN and CHILDREN_ONLY exclude each other.
"""

from __future__ import annotations

from pyvirt._checks import check_flags, invalid_arg, required_string
from pyvirt._codes import ErrorDomain
from pyvirt._records import DomainCheckpointRef

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._objects import Domain
    from pyvirt._records import DomainRef

_CHECK = ErrorDomain.DOMAIN_CHECKPOINT
_REDEFINE, _REDEFINE_VALIDATE = 1, 4  # VIR_DOMAIN_CHECKPOINT_CREATE_*
_DELETE_CHILDREN, _DELETE_CHILDREN_ONLY = 1, 4  # VIR_DOMAIN_CHECKPOINT_DELETE_*


def _exclusive_flags(flags: int, a: tuple[int, str], b: tuple[int, str], api: str) -> None:
    """VIR_EXCLUSIVE_FLAGS_GOTO: flags *a* and *b* (bit, C name) exclude each other."""
    if flags & a[0] and flags & b[0]:
        message = f"Flags '{a[1]}' and '{b[1]}' are mutually exclusive"
        raise invalid_arg(message, api, "flags", _CHECK)


def _create_flags(flags: int, api: str) -> int:
    """The creation flags, checked: VIR_REQUIRE_FLAG_GOTO(REDEFINE_VALIDATE, REDEFINE)."""
    flags = check_flags(flags, api)
    if flags & _REDEFINE_VALIDATE and not flags & _REDEFINE:
        message = (
            "Flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE' is required by flag "
            "'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE'"
        )
        raise invalid_arg(message, api, "flags", _CHECK)
    return flags


class DomainCheckpoint:
    """A checkpoint of a domain: a handle by name, like libvirt's virDomainCheckpoint."""

    def __init__(self, domain: Domain, ref: DomainCheckpointRef) -> None:
        self._domain = domain
        self._ref = ref

    @property
    def name(self) -> str:
        """The checkpoint's name, unique within its domain (virDomainCheckpointGetName)."""
        return self._ref.name

    @property
    def domain(self) -> Domain:
        """The domain the checkpoint belongs to (virDomainCheckpointGetDomain)."""
        return self._domain

    @property
    def ref(self) -> DomainCheckpointRef:
        """The reference record the driver calls take (domain reference and name)."""
        return self._ref

    def xml_desc(self, flags: int = 0) -> str:
        """The ``<domaincheckpoint>`` XML, with the domain it was taken from inside unless
        VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN."""
        return str(self._domain._conn._calls.domain_checkpoint_get_xml_desc(self._ref, flags))

    def parent(self, flags: int = 0) -> DomainCheckpoint:
        """The parent checkpoint; VIR_ERR_NO_DOMAIN_CHECKPOINT for a root."""
        ref = self._domain._conn._calls.domain_checkpoint_get_parent(self._ref, flags)
        return DomainCheckpoint(self._domain, ref)

    def list_children(self, flags: int = 0) -> list[DomainCheckpoint]:
        """The children (every descendant with VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS)."""
        refs = self._domain._conn._calls.domain_checkpoint_list_all_children(self._ref, flags)
        return [DomainCheckpoint(self._domain, ref) for ref in refs]

    def delete(self, flags: int = 0) -> None:
        """Delete the checkpoint (VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN, METADATA_ONLY,
        CHILDREN_ONLY); its children move up to its parent."""
        flags = check_flags(flags, "virDomainCheckpointDelete")
        _exclusive_flags(
            flags,
            (_DELETE_CHILDREN, "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN"),
            (_DELETE_CHILDREN_ONLY, "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY"),
            "virDomainCheckpointDelete",
        )
        self._domain._conn._calls.domain_checkpoint_delete(self._ref, flags)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DomainCheckpoint) and other._ref == self._ref

    def __hash__(self) -> int:
        return hash(self._ref)

    def __repr__(self) -> str:
        return f"<pyvirt.DomainCheckpoint {self.name!r} of {self._ref.domain.name!r}>"


class DomainCheckpointMethods:
    """Checkpoint and backup methods of :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    def checkpoint_create_xml(self, xml: str, flags: int = 0) -> DomainCheckpoint:
        """Create a checkpoint from *xml* (virsh checkpoint-create); *flags*:
        VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE, QUIESCE, REDEFINE_VALIDATE (with REDEFINE)."""
        api = "virDomainCheckpointCreateXML"
        xml = required_string(xml, "xmlDesc", api, _CHECK)
        flags = _create_flags(flags, api)
        ref = self._conn._calls.domain_checkpoint_create_xml(self._ref, xml, flags)
        return DomainCheckpoint(self, ref)  # type: ignore[arg-type]

    def list_checkpoints(self, flags: int = 0) -> list[DomainCheckpoint]:
        """The domain's checkpoints passing VIR_DOMAIN_CHECKPOINT_LIST_* *flags*."""
        refs = self._conn._calls.domain_list_all_checkpoints(self._ref, flags)
        return [DomainCheckpoint(self, ref) for ref in refs]  # type: ignore[arg-type]

    def checkpoint_lookup_by_name(self, name: str, flags: int = 0) -> DomainCheckpoint:
        """The checkpoint *name*; VIR_ERR_NO_DOMAIN_CHECKPOINT when there is none."""
        name = required_string(name, "name", "virDomainCheckpointLookupByName", _CHECK)
        ref = self._conn._calls.domain_checkpoint_lookup_by_name(self._ref, name, flags)
        return DomainCheckpoint(self, ref)  # type: ignore[arg-type]

    def backup_begin(self, backup_xml: str, checkpoint_xml: str | None = None, flags: int = 0) -> None:
        """Start a backup job (virDomainBackupBegin)."""
        backup_xml = required_string(backup_xml, "backupXML", "virDomainBackupBegin", _CHECK)
        self._conn._calls.domain_backup_begin(self._ref, backup_xml, checkpoint_xml, flags)

    def backup_xml_desc(self, flags: int = 0) -> str:
        """The running backup job's ``<domainbackup>`` XML (virDomainBackupGetXMLDesc)."""
        return str(self._conn._calls.domain_backup_get_xml_desc(self._ref, flags))
