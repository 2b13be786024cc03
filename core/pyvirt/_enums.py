"""States, reasons, flags and event codes with libvirt's numbers.

Scripts compare these against numbers they already know from libvirt; ``pyvirt.libvirt``
derives its ``VIR_*`` constants from these classes rather than typing them twice.
"""

from __future__ import annotations

import enum

# Defined apart because every connection needs them as it is imported (records carry the
# states); re-exported here, where the rest of the enums live.
from pyvirt._core_enums import ConnectFlags as ConnectFlags
from pyvirt._core_enums import DomainSnapshotListFlags as DomainSnapshotListFlags
from pyvirt._core_enums import DomainState as DomainState
from pyvirt._core_enums import ListDomainsFlags as ListDomainsFlags
from pyvirt._core_enums import ListNetworksFlags as ListNetworksFlags
from pyvirt._core_enums import ListStoragePoolsFlags as ListStoragePoolsFlags
from pyvirt._core_enums import StoragePoolState as StoragePoolState
from pyvirt._core_enums import StorageVolType as StorageVolType
from pyvirt._core_enums import TypedParameterType as TypedParameterType


class DomainNostateReason(enum.IntEnum):
    UNKNOWN = 0


class DomainRunningReason(enum.IntEnum):
    """VIR_DOMAIN_RUNNING_*: why a domain is RUNNING (the reason of virDomainGetState)."""

    UNKNOWN = 0
    BOOTED = 1
    MIGRATED = 2
    RESTORED = 3
    FROM_SNAPSHOT = 4
    UNPAUSED = 5
    MIGRATION_CANCELED = 6
    SAVE_CANCELED = 7
    WAKEUP = 8
    CRASHED = 9
    POSTCOPY = 10
    POSTCOPY_FAILED = 11


class DomainBlockedReason(enum.IntEnum):
    UNKNOWN = 0


class DomainPausedReason(enum.IntEnum):
    """VIR_DOMAIN_PAUSED_*: why a domain is PAUSED."""

    UNKNOWN = 0
    USER = 1
    MIGRATION = 2
    SAVE = 3
    DUMP = 4
    IOERROR = 5
    WATCHDOG = 6
    FROM_SNAPSHOT = 7
    SHUTTING_DOWN = 8
    SNAPSHOT = 9
    CRASHED = 10
    STARTING_UP = 11
    POSTCOPY = 12
    POSTCOPY_FAILED = 13
    API_ERROR = 14


class DomainShutdownReason(enum.IntEnum):
    UNKNOWN = 0
    USER = 1


class DomainShutoffReason(enum.IntEnum):
    """VIR_DOMAIN_SHUTOFF_*: why a domain is SHUTOFF."""

    UNKNOWN = 0
    SHUTDOWN = 1
    DESTROYED = 2
    CRASHED = 3
    MIGRATED = 4
    SAVED = 5
    FAILED = 6
    FROM_SNAPSHOT = 7
    DAEMON = 8


class DomainCrashedReason(enum.IntEnum):
    """VIR_DOMAIN_CRASHED_*: why a domain is CRASHED (a guest panic kept by on_crash
    preserve is PANICKED)."""

    UNKNOWN = 0
    PANICKED = 1


class DomainPMSuspendedReason(enum.IntEnum):
    UNKNOWN = 0


REASONS_BY_STATE: dict[DomainState, type[enum.IntEnum]] = {
    DomainState.NOSTATE: DomainNostateReason,
    DomainState.RUNNING: DomainRunningReason,
    DomainState.BLOCKED: DomainBlockedReason,
    DomainState.PAUSED: DomainPausedReason,
    DomainState.SHUTDOWN: DomainShutdownReason,
    DomainState.SHUTOFF: DomainShutoffReason,
    DomainState.CRASHED: DomainCrashedReason,
    DomainState.PMSUSPENDED: DomainPMSuspendedReason,
}


def reason_enum(state: int, reason: int) -> enum.IntEnum | int:
    """The reason as the enum member for its state, or the bare number if unknown."""
    try:
        return REASONS_BY_STATE[DomainState(state)](reason)
    except (ValueError, KeyError):
        return reason


class DomainXMLFlags(enum.IntFlag):
    """VIR_DOMAIN_XML_*: what virDomainGetXMLDesc includes (SECURE needs a read-write
    connection)."""

    SECURE = 1
    INACTIVE = 2
    UPDATE_CPU = 4
    MIGRATABLE = 8


class DomainCreateFlags(enum.IntFlag):
    """VIR_DOMAIN_START_*: how virDomainCreateWithFlags / virDomainCreateXML start a domain."""

    NONE = 0
    START_PAUSED = 1
    START_AUTODESTROY = 2
    START_BYPASS_CACHE = 4
    START_FORCE_BOOT = 8
    START_VALIDATE = 16
    START_RESET_NVRAM = 32


class DomainDefineFlags(enum.IntFlag):
    """VIR_DOMAIN_DEFINE_*: virDomainDefineXMLFlags (VALIDATE: check the XML against the schema)."""

    VALIDATE = 1


class DomainUndefineFlags(enum.IntFlag):
    """VIR_DOMAIN_UNDEFINE_*: what virDomainUndefineFlags removes along with the config."""

    MANAGED_SAVE = 1
    SNAPSHOTS_METADATA = 2
    NVRAM = 4
    KEEP_NVRAM = 8
    CHECKPOINTS_METADATA = 16
    TPM = 32
    KEEP_TPM = 64


class DomainModificationImpact(enum.IntFlag):
    """VIR_DOMAIN_AFFECT_*: whether a change applies to the running domain (LIVE), its persistent
    config (CONFIG), or whichever state it is in (CURRENT)."""

    CURRENT = 0
    LIVE = 1
    CONFIG = 2


class DomainMetadataType(enum.IntEnum):
    """VIR_DOMAIN_METADATA_*: which part of a domain's metadata virDomainSetMetadata and
    virDomainGetMetadata act on."""

    DESCRIPTION = 0
    TITLE = 1
    ELEMENT = 2


class DomainMemoryModFlags(enum.IntFlag):
    """VIR_DOMAIN_MEM_*: virDomainSetMemoryFlags (the affect bits, and MAXIMUM for the limit)."""

    CURRENT = 0
    LIVE = 1
    CONFIG = 2
    MAXIMUM = 4


class DomainVcpuFlags(enum.IntFlag):
    """VIR_DOMAIN_VCPU_*: virDomainGetVcpusFlags / virDomainSetVcpusFlags."""

    CURRENT = 0
    LIVE = 1
    CONFIG = 2
    MAXIMUM = 4
    GUEST = 8
    HOTPLUGGABLE = 16


class DomainShutdownFlags(enum.IntFlag):
    """VIR_DOMAIN_SHUTDOWN_*: how virDomainShutdownFlags (and virDomainReboot) ask the guest."""

    DEFAULT = 0
    ACPI_POWER_BTN = 1
    GUEST_AGENT = 2
    INITCTL = 4
    SIGNAL = 8
    PARAVIRT = 16


DomainRebootFlags = DomainShutdownFlags


class DomainSaveRestoreFlags(enum.IntFlag):
    """VIR_DOMAIN_SAVE_*: how a saved domain is written and how it resumes."""

    BYPASS_CACHE = 1
    RUNNING = 2
    PAUSED = 4
    RESET_NVRAM = 8


class DomainSnapshotCreateFlags(enum.IntFlag):
    """VIR_DOMAIN_SNAPSHOT_CREATE_*."""

    REDEFINE = 1
    CURRENT = 2
    NO_METADATA = 4
    HALT = 8
    DISK_ONLY = 16
    REUSE_EXT = 32
    QUIESCE = 64
    ATOMIC = 128
    LIVE = 256
    VALIDATE = 512


class DomainSnapshotDeleteFlags(enum.IntFlag):
    """VIR_DOMAIN_SNAPSHOT_DELETE_*."""

    CHILDREN = 1
    METADATA_ONLY = 2
    CHILDREN_ONLY = 4


class DomainSnapshotRevertFlags(enum.IntFlag):
    """VIR_DOMAIN_SNAPSHOT_REVERT_*."""

    RUNNING = 1
    PAUSED = 2
    FORCE = 4
    RESET_NVRAM = 8


class DomainSnapshotXMLFlags(enum.IntFlag):
    """VIR_DOMAIN_SNAPSHOT_XML_*."""

    SECURE = 1


class DomainDestroyFlags(enum.IntFlag):
    """VIR_DOMAIN_DESTROY_*: virDomainDestroyFlags (GRACEFUL: SIGTERM only, no SIGKILL)."""

    DEFAULT = 0
    GRACEFUL = 1
    REMOVE_LOGS = 2


class DomainEventID(enum.IntEnum):
    """VIR_DOMAIN_EVENT_ID_*: the kinds of domain event libvirt delivers (pyvirt delivers
    LIFECYCLE)."""

    LIFECYCLE = 0
    REBOOT = 1
    RTC_CHANGE = 2
    WATCHDOG = 3
    IO_ERROR = 4
    GRAPHICS = 5
    IO_ERROR_REASON = 6
    CONTROL_ERROR = 7
    BLOCK_JOB = 8
    DISK_CHANGE = 9
    TRAY_CHANGE = 10
    PMWAKEUP = 11
    PMSUSPEND = 12
    BALLOON_CHANGE = 13
    PMSUSPEND_DISK = 14
    DEVICE_REMOVED = 15
    BLOCK_JOB_2 = 16
    TUNABLE = 17
    AGENT_LIFECYCLE = 18
    DEVICE_ADDED = 19
    MIGRATION_ITERATION = 20
    JOB_COMPLETED = 21
    DEVICE_REMOVAL_FAILED = 22
    METADATA_CHANGE = 23
    BLOCK_THRESHOLD = 24
    MEMORY_FAILURE = 25
    MEMORY_DEVICE_SIZE_CHANGE = 26


class DomainEventType(enum.IntEnum):
    """VIR_DOMAIN_EVENT_*: what happened to a domain, the ``event`` of an :class:`ObjectEvent`."""

    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    SUSPENDED = 3
    RESUMED = 4
    STOPPED = 5
    SHUTDOWN = 6
    PMSUSPENDED = 7
    CRASHED = 8


class DomainEventDefinedDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_DEFINED_*: the detail of a DEFINED event."""

    ADDED = 0
    UPDATED = 1
    RENAMED = 2
    FROM_SNAPSHOT = 3


class DomainEventUndefinedDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_UNDEFINED_*: the detail of an UNDEFINED event."""

    REMOVED = 0
    RENAMED = 1


class DomainEventStartedDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_STARTED_*: the detail of a STARTED event."""

    BOOTED = 0
    MIGRATED = 1
    RESTORED = 2
    FROM_SNAPSHOT = 3
    WAKEUP = 4


class DomainEventSuspendedDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_SUSPENDED_*: the detail of a SUSPENDED event."""

    PAUSED = 0
    MIGRATED = 1
    IOERROR = 2
    WATCHDOG = 3
    RESTORED = 4
    FROM_SNAPSHOT = 5
    API_ERROR = 6
    POSTCOPY = 7
    POSTCOPY_FAILED = 8


class DomainEventResumedDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_RESUMED_*: the detail of a RESUMED event."""

    UNPAUSED = 0
    MIGRATED = 1
    FROM_SNAPSHOT = 2
    POSTCOPY = 3
    POSTCOPY_FAILED = 4


class DomainEventStoppedDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_STOPPED_*: the detail of a STOPPED event."""

    SHUTDOWN = 0
    DESTROYED = 1
    CRASHED = 2
    MIGRATED = 3
    SAVED = 4
    FAILED = 5
    FROM_SNAPSHOT = 6


class DomainEventShutdownDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_SHUTDOWN_*: the detail of a SHUTDOWN event."""

    FINISHED = 0
    GUEST = 1
    HOST = 2


class DomainEventPMSuspendedDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_PMSUSPENDED_*: the detail of a PMSUSPENDED event."""

    MEMORY = 0
    DISK = 1


class DomainEventCrashedDetail(enum.IntEnum):
    """VIR_DOMAIN_EVENT_CRASHED_*: the detail of a CRASHED event."""

    PANICKED = 0
    CRASHLOADED = 1


class NetworkXMLFlags(enum.IntFlag):
    """VIR_NETWORK_XML_*: virNetworkGetXMLDesc (INACTIVE: the persistent config)."""

    INACTIVE = 1


class NetworkEventType(enum.IntEnum):
    """VIR_NETWORK_EVENT_*: what happened to a network, the ``event`` of a network
    :class:`ObjectEvent`."""

    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    STOPPED = 3


class StoragePoolEventType(enum.IntEnum):
    """VIR_STORAGE_POOL_EVENT_*: what happened to a pool, the ``event`` of a pool
    :class:`ObjectEvent`."""

    DEFINED = 0
    UNDEFINED = 1
    STARTED = 2
    STOPPED = 3
    CREATED = 4
    DELETED = 5


class StorageXMLFlags(enum.IntFlag):
    """VIR_STORAGE_XML_*: virStoragePoolGetXMLDesc (INACTIVE: the persistent config)."""

    INACTIVE = 1
