"""The enums every connection needs as soon as it is imported: the states that records carry
(a listed domain's state, a pool's, a volume's type) and the flags of opening a connection.

They live apart from :mod:`pyvirt._enums` (which re-exports them, with libvirt's numbers for
everything else) because building an enum class costs tens of microseconds: ``pyvirsh list``
should not build the forty it does not use.
"""

from __future__ import annotations

import enum


class ConnectFlags(enum.IntFlag):
    """VIR_CONNECT_*: how :func:`pyvirt.open` opens (RO: read-only; NO_ALIASES: ignore URI
    aliases)."""

    RO = 1
    NO_ALIASES = 2


class DomainState(enum.IntEnum):
    """VIR_DOMAIN_*: a domain's state (virDomainGetState, virDomainGetInfo, ``pyvirsh
    domstate``)."""

    NOSTATE = 0
    RUNNING = 1
    BLOCKED = 2
    PAUSED = 3
    SHUTDOWN = 4
    SHUTOFF = 5
    CRASHED = 6
    PMSUSPENDED = 7


class StoragePoolState(enum.IntEnum):
    """VIR_STORAGE_POOL_*: a pool's state (virStoragePoolGetInfo)."""

    INACTIVE = 0
    BUILDING = 1
    RUNNING = 2
    DEGRADED = 3
    INACCESSIBLE = 4


class StorageVolType(enum.IntEnum):
    """VIR_STORAGE_VOL_*: what backs a volume (virStorageVolGetInfo)."""

    FILE = 0
    BLOCK = 1
    DIR = 2
    NETWORK = 3
    NETDIR = 4
    PLOOP = 5


class TypedParameterType(enum.IntEnum):
    """VIR_TYPED_PARAM_*: the type a typed parameter's value declares (libvirt's numbers)."""

    INT = 1
    UINT = 2
    LLONG = 3
    ULLONG = 4
    DOUBLE = 5
    BOOLEAN = 6
    STRING = 7


# The listAll filters: every listing (pyvirsh list, the driver kit's filters) needs them.
class ListDomainsFlags(enum.IntFlag):
    """VIR_CONNECT_LIST_DOMAINS_*: filters of virConnectListAllDomains. Bits of one group (e.g.
    ACTIVE/INACTIVE) are alternatives; groups combine with AND; no bit of a group means no
    filter."""

    ACTIVE = 1
    INACTIVE = 2
    PERSISTENT = 4
    TRANSIENT = 8
    RUNNING = 16
    PAUSED = 32
    SHUTOFF = 64
    OTHER = 128
    MANAGEDSAVE = 256
    NO_MANAGEDSAVE = 512
    AUTOSTART = 1024
    NO_AUTOSTART = 2048
    HAS_SNAPSHOT = 4096
    NO_SNAPSHOT = 8192
    HAS_CHECKPOINT = 16384
    NO_CHECKPOINT = 32768


class ListNetworksFlags(enum.IntFlag):
    """VIR_CONNECT_LIST_NETWORKS_*: filters of virConnectListAllNetworks (grouped as for
    domains)."""

    INACTIVE = 1
    ACTIVE = 2
    PERSISTENT = 4
    TRANSIENT = 8
    AUTOSTART = 16
    NO_AUTOSTART = 32


class ListStoragePoolsFlags(enum.IntFlag):
    """VIR_CONNECT_LIST_STORAGE_POOLS_*: filters of virConnectListAllStoragePools (state groups,
    pool types)."""

    INACTIVE = 1
    ACTIVE = 2
    PERSISTENT = 4
    TRANSIENT = 8
    AUTOSTART = 16
    NO_AUTOSTART = 32
    DIR = 64
    FS = 128
    NETFS = 256
    LOGICAL = 512
    DISK = 1024
    ISCSI = 2048
    SCSI = 4096
    MPATH = 8192
    RBD = 16384
    SHEEPDOG = 32768
    GLUSTER = 65536
    ZFS = 131072
    VSTORAGE = 262144
    ISCSI_DIRECT = 524288


class DomainSnapshotListFlags(enum.IntFlag):
    """VIR_DOMAIN_SNAPSHOT_LIST_* (here: the driver kit's snapshot tree, which every test
    connection loads, filters with them)."""

    DESCENDANTS = 1
    ROOTS = 1
    METADATA = 2
    LEAVES = 4
    NO_LEAVES = 8
    NO_METADATA = 16
    INACTIVE = 32
    ACTIVE = 64
    DISK_ONLY = 128
    INTERNAL = 256
    EXTERNAL = 512
    TOPOLOGICAL = 1024
