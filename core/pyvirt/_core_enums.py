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
