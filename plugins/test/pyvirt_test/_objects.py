"""The objects a test connection holds: domains, networks, pools and volumes.

A domain keeps libvirt's split between the definition it runs with (``live``) and the one it
will boot with next time (``config``, libvirt's ``newDef``); they differ only while a running
domain has been redefined or tuned with ``--config``.
"""

from __future__ import annotations

from pyvirt import (
    DomainRecord,
    DomainRef,
    DomainState,
    ErrorDomain,
    NetworkRecord,
    NetworkRef,
    StoragePoolRecord,
    StoragePoolRef,
    StorageVolRef,
)
from pyvirt.driver import MomentTree, SnapshotTree, StorageVolObjList, field, model

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import (
        DomainDef,
        NetworkDef,
        PoolDef,
        VolumeDef,
    )


@model(slots=True)
class TestDomain:
    """A domain of the test driver: its definitions and its run state."""

    live: DomainDef
    config: DomainDef | None  # pending persistent definition while running (libvirt newDef)
    state: DomainState = DomainState.SHUTOFF
    reason: int = 0
    id: int = -1
    persistent: bool = True
    autostart: bool = False
    managed_save: bool = False
    #: The guest's clock (seconds, nanoseconds): libvirt's test driver starts every domain
    #: at 1989-11-17 15:32:00 UTC and keeps what virDomainSetTime sets.
    guest_time: tuple[int, int] = (627319920, 0)
    #: Snapshots by name (the tree is their parent names) and the current one.
    snapshots: SnapshotTree = field(default_factory=SnapshotTree)
    #: Checkpoints by name (the tree is their parent names, as for snapshots) and the
    #: current one, the parent of the next.
    checkpoints: MomentTree = field(default_factory=MomentTree)
    #: libvirt's testIOThreadInfo list: the IOThreads virDomainAddIOThread added (not those
    #: of the XML), by id: (poll-max-ns, poll-grow, poll-shrink).  It outlives a restart, and
    #: is what ``domstats --iothread`` reports while the domain runs.
    iothread_polls: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    #: The guest filesystems virDomainFSFreeze froze ("/", "/boot"): libvirt's test
    #: driver keeps them with the domain object, so they stay frozen across a restart.
    frozen_mounts: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.live.name

    @property
    def uuid(self) -> str:
        return self.live.uuid

    @property
    def active(self) -> bool:
        return self.state != DomainState.SHUTOFF

    def persistent_def(self) -> DomainDef:
        """The definition the next boot uses."""
        return self.config if (self.active and self.config is not None) else self.live

    def ref(self) -> DomainRef:
        return DomainRef(self.live.name, self.live.uuid, self.id)

    def record(self) -> DomainRecord:
        return DomainRecord(
            self.live.name,
            self.live.uuid,
            self.id,
            self.state,
            self.reason,
            self.persistent,
            self.autostart,
            self.managed_save,
        )


@model(slots=True)
class TestNetwork:
    """A network of the test driver: its definition and its flags."""

    defn: NetworkDef
    active: bool = False
    persistent: bool = True
    autostart: bool = False
    new_defn: NetworkDef | None = None  # defined while running (libvirt's newDef)

    @property
    def name(self) -> str:
        return self.defn.name

    @property
    def uuid(self) -> str:
        return self.defn.uuid

    def ref(self) -> NetworkRef:
        return NetworkRef(self.defn.name, self.defn.uuid)

    def record(self) -> NetworkRecord:
        return NetworkRecord(
            self.defn.name, self.defn.uuid, self.active, self.persistent, self.autostart
        )


@model(slots=True)
class TestPool:
    """A storage pool of the test driver: its definition, flags and volumes."""

    defn: PoolDef
    active: bool = False
    persistent: bool = True
    autostart: bool = False
    volumes: StorageVolObjList[VolumeDef] = field(
        default_factory=lambda: StorageVolObjList(ErrorDomain.TEST)
    )

    @property
    def name(self) -> str:
        return self.defn.name

    @property
    def uuid(self) -> str:
        return self.defn.uuid

    def ref(self) -> StoragePoolRef:
        return StoragePoolRef(self.defn.name, self.defn.uuid)

    def record(self) -> StoragePoolRecord:
        return StoragePoolRecord(
            self.defn.name, self.defn.uuid, self.active, self.persistent, self.autostart
        )

    def vol_ref(self, vol: VolumeDef) -> StorageVolRef:
        return StorageVolRef(self.defn.name, vol.name, vol.key or "")
