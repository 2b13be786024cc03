"""The driver contract's checkpoint and backup entries (libvirt's virHypervisorDriver
domainCheckpoint* and domainBackup* slots), part of :class:`pyvirt.driver.DriverConnection`.

Kept apart from :mod:`pyvirt.driver` so the family stays in one small module.  A driver
without checkpoints inherits these and answers VIR_ERR_NO_SUPPORT in the error domain of
libvirt's checkpoint API file (VIR_FROM_DOMAIN_CHECKPOINT; backups: VIR_FROM_DOMAIN), naming
the C API as libvirt does.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._procedures import BY_METHOD
from pyvirt._records import DomainCheckpointRef, DomainRef

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def _no_support(method: str, domain: int = ErrorDomain.DOMAIN_CHECKPOINT) -> NoReturn:
    raise make_error(ErrorCode.NO_SUPPORT, domain, BY_METHOD[method].api)


class CheckpointDriver:
    """Checkpoints (virDomainCheckpoint*) and backups (virDomainBackup*)."""

    def domain_checkpoint_create_xml(
        self, dom: DomainRef, xml: str, flags: int
    ) -> DomainCheckpointRef:
        """Create (or with VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE, redefine) the checkpoint
        *xml* describes; its parent is the domain's current checkpoint."""
        _no_support("domain_checkpoint_create_xml")

    def domain_checkpoint_get_xml_desc(self, checkpoint: DomainCheckpointRef, flags: int) -> str:
        """The ``<domaincheckpoint>`` XML (VIR_DOMAIN_CHECKPOINT_XML_SECURE, NO_DOMAIN, SIZE)."""
        _no_support("domain_checkpoint_get_xml_desc")

    def domain_list_all_checkpoints(
        self, dom: DomainRef, flags: int
    ) -> list[DomainCheckpointRef]:
        """The domain's checkpoints passing *flags* (VIR_DOMAIN_CHECKPOINT_LIST_ROOTS,
        TOPOLOGICAL, LEAVES, NO_LEAVES)."""
        _no_support("domain_list_all_checkpoints")

    def domain_checkpoint_list_all_children(
        self, checkpoint: DomainCheckpointRef, flags: int
    ) -> list[DomainCheckpointRef]:
        """The children of *checkpoint* (every descendant with LIST_DESCENDANTS)."""
        _no_support("domain_checkpoint_list_all_children")

    def domain_checkpoint_lookup_by_name(
        self, dom: DomainRef, name: str, flags: int
    ) -> DomainCheckpointRef:
        """The checkpoint *name* of the domain; VIR_ERR_NO_DOMAIN_CHECKPOINT if none."""
        _no_support("domain_checkpoint_lookup_by_name")

    def domain_checkpoint_get_parent(
        self, checkpoint: DomainCheckpointRef, flags: int
    ) -> DomainCheckpointRef:
        """The parent checkpoint; VIR_ERR_NO_DOMAIN_CHECKPOINT for a root."""
        _no_support("domain_checkpoint_get_parent")

    def domain_checkpoint_delete(self, checkpoint: DomainCheckpointRef, flags: int) -> None:
        """Delete *checkpoint* (VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN, METADATA_ONLY,
        CHILDREN_ONLY); its children move to its parent."""
        _no_support("domain_checkpoint_delete")

    def domain_backup_begin(
        self, dom: DomainRef, backup_xml: str, checkpoint_xml: str | None, flags: int
    ) -> None:
        """Start the backup job *backup_xml* describes (optionally taking a checkpoint)."""
        _no_support("domain_backup_begin", ErrorDomain.DOMAIN)

    def domain_backup_get_xml_desc(self, dom: DomainRef, flags: int) -> str:
        """The ``<domainbackup>`` XML of the domain's backup job."""
        _no_support("domain_backup_get_xml_desc", ErrorDomain.DOMAIN)
