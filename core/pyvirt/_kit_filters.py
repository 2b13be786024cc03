"""The listAll filters of libvirt, over records: which objects a ``connect_list_all_*`` returns.

libvirt filters domains in ``virDomainObjMatchFilter``, networks in ``virNetworkObjMatch`` and
storage pools in ``virStoragePoolObjMatch``.  The flags come in *groups* (active/inactive,
persistent/transient, the four states, ...): a group with no flag set does not filter; within
a group an object passes when it has any of the properties whose flags are set (so
``ACTIVE | INACTIVE`` lists everything); across groups every group must pass.

Why over records: a record (:class:`~pyvirt.DomainRecord` ...) is what the driver returns
anyway, so the filter is the same code for every driver whatever its own objects look like.
What a record does not carry (snapshot and checkpoint counts, the pool's type) is passed in.

Plain ints, not :class:`enum.IntFlag` arithmetic: listing ten thousand domains runs these
tests ten thousand times, and IntFlag operations cost microseconds each.
"""

from __future__ import annotations

from pyvirt._core_enums import (
    DomainState,
    ListDomainsFlags,
    ListNetworksFlags,
    ListStoragePoolsFlags,
)
from pyvirt._records import DomainRecord, NetworkRecord, StoragePoolRecord

__all__ = [
    "LIST_DOMAINS_ALL_FLAGS",
    "LIST_NETWORKS_ALL_FLAGS",
    "LIST_STORAGE_POOLS_ALL_FLAGS",
    "domain_matches_filter",
    "network_matches_filter",
    "storage_pool_matches_filter",
]

_D = ListDomainsFlags
_ACTIVE, _INACTIVE = int(_D.ACTIVE), int(_D.INACTIVE)
_PERSISTENT, _TRANSIENT = int(_D.PERSISTENT), int(_D.TRANSIENT)
_RUNNING, _PAUSED, _SHUTOFF, _OTHER = (
    int(_D.RUNNING),
    int(_D.PAUSED),
    int(_D.SHUTOFF),
    int(_D.OTHER),
)
_STATES = _RUNNING | _PAUSED | _SHUTOFF | _OTHER
_MSAVE, _NO_MSAVE = int(_D.MANAGEDSAVE), int(_D.NO_MANAGEDSAVE)
_AUTO, _NO_AUTO = int(_D.AUTOSTART), int(_D.NO_AUTOSTART)
_SNAP, _NO_SNAP = int(_D.HAS_SNAPSHOT), int(_D.NO_SNAPSHOT)
_CHECK, _NO_CHECK = int(_D.HAS_CHECKPOINT), int(_D.NO_CHECKPOINT)
_STATE_BIT = {
    int(DomainState.RUNNING): _RUNNING,
    int(DomainState.PAUSED): _PAUSED,
    int(DomainState.SHUTOFF): _SHUTOFF,
}
_SHUTOFF_STATE = int(DomainState.SHUTOFF)

LIST_DOMAINS_ALL_FLAGS = sum(int(f) for f in ListDomainsFlags)
"""Every flag ``virConnectListAllDomains`` knows (libvirt 9.0): what a driver that filters with
:func:`domain_matches_filter` accepts (pass it to :func:`unsupported_flags`)."""
LIST_NETWORKS_ALL_FLAGS = sum(int(f) for f in ListNetworksFlags)
"""Every flag ``virConnectListAllNetworks`` knows."""
LIST_STORAGE_POOLS_ALL_FLAGS = sum(int(f) for f in ListStoragePoolsFlags)
"""Every flag ``virConnectListAllStoragePools`` knows (the state groups and the pool types)."""


def _group(flags: int, yes: int, no: int, value: bool) -> bool:
    """One two-flag group: no filter when neither flag is set, else either side may match."""
    wanted = flags & (yes | no)
    return not wanted or bool(wanted & (yes if value else no))


def domain_matches_filter(
    record: DomainRecord, flags: int, *, snapshots: int = 0, checkpoints: int = 0
) -> bool:
    """Whether *record* passes the ``VIR_CONNECT_LIST_DOMAINS_*`` filter *flags*.

    Active means not shut off (libvirt's ``virDomainObjIsActive`` is "has an id", which a
    driver keeps in step with the state).  *snapshots* and *checkpoints* are the counts a
    record does not carry; a driver without snapshots leaves them 0, so ``HAS_SNAPSHOT``
    matches nothing and ``NO_SNAPSHOT`` everything.
    """
    if not flags:
        return True
    state = int(record.state)
    active = state != _SHUTOFF_STATE
    if not (
        _group(flags, _ACTIVE, _INACTIVE, active)
        and _group(flags, _PERSISTENT, _TRANSIENT, record.persistent)
        and _group(flags, _MSAVE, _NO_MSAVE, record.managed_save)
        and _group(flags, _AUTO, _NO_AUTO, record.autostart)
        and _group(flags, _SNAP, _NO_SNAP, snapshots > 0)
        and _group(flags, _CHECK, _NO_CHECK, checkpoints > 0)
    ):
        return False
    states = flags & _STATES
    return not states or bool(states & _STATE_BIT.get(state, _OTHER))


_N = ListNetworksFlags
_N_ACTIVE, _N_INACTIVE = int(_N.ACTIVE), int(_N.INACTIVE)
_N_PERSISTENT, _N_TRANSIENT = int(_N.PERSISTENT), int(_N.TRANSIENT)
_N_AUTO, _N_NO_AUTO = int(_N.AUTOSTART), int(_N.NO_AUTOSTART)


def network_matches_filter(record: NetworkRecord, flags: int) -> bool:
    """Whether *record* passes the ``VIR_CONNECT_LIST_NETWORKS_*`` filter *flags*."""
    return (
        _group(flags, _N_ACTIVE, _N_INACTIVE, record.active)
        and _group(flags, _N_PERSISTENT, _N_TRANSIENT, record.persistent)
        and _group(flags, _N_AUTO, _N_NO_AUTO, record.autostart)
    )


_P = ListStoragePoolsFlags
#: The pool-type group: one flag per ``<pool type=...>``, named after the type.
_POOL_TYPE_BIT = {
    f.name.lower().replace("_", "-"): int(f) for f in _P if int(f) >= int(_P.DIR) and f.name
}
_POOL_TYPES = sum(_POOL_TYPE_BIT.values())


def storage_pool_matches_filter(record: StoragePoolRecord, flags: int, pool_type: str) -> bool:
    """Whether *record*, a pool of type *pool_type* (``dir``, ``iscsi-direct`` ...), passes
    the ``VIR_CONNECT_LIST_STORAGE_POOLS_*`` filter *flags*."""
    if not (
        _group(flags, int(_P.ACTIVE), int(_P.INACTIVE), record.active)
        and _group(flags, int(_P.PERSISTENT), int(_P.TRANSIENT), record.persistent)
        and _group(flags, int(_P.AUTOSTART), int(_P.NO_AUTOSTART), record.autostart)
    ):
        return False
    types = flags & _POOL_TYPES
    return not types or bool(types & _POOL_TYPE_BIT.get(pool_type, 0))
