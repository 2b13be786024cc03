"""Object lists for drivers: libvirt's virDomainObjList, virNetworkObjList, virStoragePoolObjList
and the volume list of a pool, over the driver's own objects.

A list indexes objects by name and uuid (domains also by id) so that lookups are dictionary
hits, and owns the rules every driver must share: the name/uuid conflict checks of an add
(with libvirt 9.0's codes, error domains and words), id allocation, rename, and listAll with
libvirt's filters.  What an object *is* stays the driver's: anything with the attributes of
:class:`ListedObject` (and :class:`ListedDomain` for domains) can be listed.

Each list has its own lock, taken briefly inside every method, so a list is never corrupt;
a driver that must make a check and a change atomic with its own state (check, write a file,
then add) holds its own lock around both, as libvirt's drivers do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._kit_filters import (
    LIST_DOMAINS_ALL_FLAGS,
    LIST_NETWORKS_ALL_FLAGS,
    LIST_STORAGE_POOLS_ALL_FLAGS,
    domain_matches_filter,
    network_matches_filter,
    storage_pool_matches_filter,
)
from pyvirt._records import (
    DomainRecord,
    DomainRef,
    NetworkRecord,
    NetworkRef,
    StoragePoolRecord,
    StoragePoolRef,
)
from pyvirt.driver import unsupported_flags

# Not typing at run time: importing it costs a command-line run several milliseconds, and the
# object lists are loaded by every run of the test driver.  Type checkers read the real
# Generic, Protocol and TypeVar; at run time these stand-ins give the same class hierarchy
# (``DomainObjList[MyDomain]`` is DomainObjList itself, as a generic alias would be for
# instantiation).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Generic, Protocol, TypeVar
else:

    class Generic:
        """Run-time stand-in for typing.Generic: subscripting gives the class back."""

        __slots__ = ()

        def __class_getitem__(cls, _params):
            return cls

    Protocol = Generic

    def TypeVar(name, **_kwargs):  # noqa: N802 - typing's name
        return name


__all__ = [
    "DomainObjList",
    "ListedDomain",
    "ListedNetwork",
    "ListedObject",
    "ListedStoragePool",
    "ListedStorageVol",
    "NetworkObjList",
    "StoragePoolObjList",
    "StorageVolObjList",
]


class ListedObject(Protocol):
    """What a list needs of an object: its identity and the two flags the add checks read."""

    @property
    def name(self) -> str:
        """The object's name, unique in its list."""
        ...

    @property
    def uuid(self) -> str:
        """The object's UUID, canonical form, unique in its list."""
        ...

    @property
    def active(self) -> bool:
        """Running (domains) or started (networks, pools): the add checks refuse such a clash."""
        ...

    @property
    def persistent(self) -> bool:
        """Defined (kept when it stops), as opposed to transient."""
        ...


class ListedDomain(ListedObject, Protocol):
    """A domain: also its run id (-1 when shut off; the list assigns it) and its record."""

    id: int

    def record(self) -> DomainRecord:
        """The record listAll returns for it, which the filters read."""
        ...


class ListedNetwork(ListedObject, Protocol):
    """A network: also its record, which the listAll filters read."""

    def record(self) -> NetworkRecord:
        """The record listAll returns for it."""
        ...


class ListedStoragePool(ListedObject, Protocol):
    """A storage pool: also its record, which the listAll filters read."""

    def record(self) -> StoragePoolRecord:
        """The record listAll returns for it."""
        ...


T = TypeVar("T", bound=ListedObject)
D = TypeVar("D", bound=ListedDomain)
N = TypeVar("N", bound=ListedNetwork)
P = TypeVar("P", bound=ListedStoragePool)


class _ObjectList(Generic[T]):
    """The name and uuid indexes and the add/remove/rename rules shared by every list."""

    #: Word used in the add and rename messages ("domain 'x' already exists with uuid ...").
    _kind = ""
    #: Word used in lookup failures ("no storage pool with matching name 'x'").
    _noun = ""
    #: Error domain of the conflict errors: libvirt reports them from its conf layer.
    _conf_domain = ErrorDomain.NONE
    _not_found = ErrorCode.INTERNAL_ERROR

    def __init__(self, error_domain: int) -> None:
        """*error_domain* is the driver's (``ErrorDomain.TEST``, ``ErrorDomain.QEMU``...):
        lookups and unsupported listAll flags are reported in it, as the driver would."""
        self.error_domain = error_domain
        self.lock = threading.RLock()
        self._by_name: dict[str, T] = {}
        self._by_uuid: dict[str, T] = {}

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._by_uuid)

    def __iter__(self) -> Iterator[T]:
        """The objects in the order they were added (a snapshot: the list may change)."""
        with self.lock:
            return iter(list(self._by_uuid.values()))

    def find_by_name(self, name: str) -> T | None:
        return self._by_name.get(name)

    def find_by_uuid(self, uuid: str) -> T | None:
        return self._by_uuid.get(uuid)

    def _missing(self, detail: str | None) -> VirtError:
        return make_error(self._not_found, self.error_domain, detail)

    def lookup_by_name(self, name: str) -> T:
        """The object named *name*, or libvirt's "no X with matching name" error."""
        obj = self._by_name.get(name)
        if obj is None:
            raise self._missing(f"no {self._noun} with matching name '{name}'")
        return obj

    def lookup_by_uuid(self, uuid: str) -> T:
        """The object with *uuid*, or libvirt's "no X with matching uuid" error."""
        obj = self._by_uuid.get(uuid)
        if obj is None:
            raise self._missing(f"no {self._noun} with matching uuid '{uuid}'")
        return obj

    # -- adding ----------------------------------------------------------------------------
    def _refuse_live(self, existing: T) -> None:
        """The extra check of an add that starts the object (libvirt's CHECK_LIVE)."""
        raise NotImplementedError

    def check_add(self, name: str, uuid: str, *, check_active: bool = False) -> T | None:
        """libvirt's add checks without adding: the object with this uuid, or None.

        A uuid held under another name, or a name held under another uuid, is an error
        (VIR_ERR_OPERATION_FAILED).  With *check_active* (an add that starts the object:
        create-from-XML), an existing object that is already running is refused too.
        """
        with self.lock:
            existing = self._by_uuid.get(uuid)
            if existing is not None:
                if existing.name != name:
                    raise make_error(
                        ErrorCode.OPERATION_FAILED,
                        self._conf_domain,
                        f"{self._kind} '{existing.name}' is already defined with uuid {uuid}",
                    )
                if check_active:
                    self._refuse_live(existing)
                return existing
            same_name = self._by_name.get(name)
            if same_name is not None:
                raise make_error(
                    ErrorCode.OPERATION_FAILED,
                    self._conf_domain,
                    f"{self._kind} '{name}' already exists with uuid {same_name.uuid}",
                )
            return None

    def add(self, obj: T, *, check_active: bool = False) -> T:
        """Add *obj* after :meth:`check_add`; if an object with its name and uuid is already
        listed, that one is returned instead (the caller then gives it the new definition,
        as libvirt's add assigns the def) and *obj* is not added."""
        with self.lock:
            existing = self.check_add(obj.name, obj.uuid, check_active=check_active)
            if existing is not None:
                return existing
            self._by_name[obj.name] = obj
            self._by_uuid[obj.uuid] = obj
            return obj

    def remove(self, obj: T) -> None:
        """Forget *obj* (nothing happens if another object has taken its place)."""
        with self.lock:
            if self._by_uuid.get(obj.uuid) is obj:
                del self._by_uuid[obj.uuid]
            if self._by_name.get(obj.name) is obj:
                del self._by_name[obj.name]

    def rename(self, obj: T, new_name: str, apply: Callable[[], None]) -> None:
        """Rename *obj*: check, then ``apply()`` (which changes the object's definition so
        that ``obj.name`` becomes *new_name*), then re-index.  If ``apply`` raises, nothing
        changes.  libvirt's virDomainObjListRename checks and words."""
        with self.lock:
            old_name = obj.name
            if new_name == old_name:
                raise make_error(
                    ErrorCode.OPERATION_INVALID,
                    self._conf_domain,
                    f"Can't rename {self._kind} to itself",
                )
            if new_name in self._by_name:
                raise make_error(
                    ErrorCode.OPERATION_INVALID,
                    self._conf_domain,
                    f"{self._kind} with name '{new_name}' already exists",
                )
            apply()
            if obj.name != new_name:
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    ErrorDomain.NONE,
                    f"renaming {self._kind} '{old_name}' did not change its name",
                )
            if self._by_name.get(old_name) is obj:
                del self._by_name[old_name]
            self._by_name[new_name] = obj


class DomainObjList(_ObjectList[D]):
    """libvirt's virDomainObjList: domains by name, uuid and id; ids; listAll.

    Ids are never reused while the list lives (libvirt's ``nextid``): a domain gets the next
    one each time it starts (:meth:`assign_id`) and gives it back when it stops
    (:meth:`release_id`).
    """

    _kind = "domain"
    _noun = "domain"
    _conf_domain = ErrorDomain.DOMAIN
    _not_found = ErrorCode.NO_DOMAIN

    def __init__(self, error_domain: int, *, lookup_detail: bool = True) -> None:
        """With ``lookup_detail=False`` failed lookups by name, uuid and id say only
        "Domain not found", as libvirt's test driver does (QEMU's name what was sought)."""
        super().__init__(error_domain)
        self.lookup_detail = lookup_detail
        self._by_id: dict[int, D] = {}
        self._next_id = 1

    def _missing(self, detail: str | None) -> VirtError:
        return super()._missing(detail if self.lookup_detail else None)

    def _refuse_live(self, existing: D) -> None:
        if existing.active:
            raise make_error(
                ErrorCode.OPERATION_INVALID,
                ErrorDomain.DOMAIN,
                f"domain '{existing.name}' is already active",
            )
        if not existing.persistent:
            raise make_error(
                ErrorCode.OPERATION_INVALID,
                ErrorDomain.DOMAIN,
                f"domain '{existing.name}' is already being started",
            )

    def find_by_id(self, id: int) -> D | None:
        """The running domain with run id *id*, or None."""
        return self._by_id.get(id)

    def lookup_by_id(self, id: int) -> D:
        """The running domain with run id *id*, or libvirt's VIR_ERR_NO_DOMAIN."""
        obj = self._by_id.get(id)
        if obj is None:
            raise self._missing(f"no domain with matching id {id}")
        return obj

    def from_ref(self, ref: DomainRef) -> D:
        """The domain behind a handle; a vanished one is reported with its uuid and name
        (libvirt's "no domain with matching uuid 'U' (NAME)"), whatever ``lookup_detail``."""
        obj = self._by_uuid.get(ref.uuid)
        if obj is None:
            raise make_error(
                ErrorCode.NO_DOMAIN,
                self.error_domain,
                f"no domain with matching uuid '{ref.uuid}' ({ref.name})",
            )
        return obj

    def remove(self, obj: D) -> None:
        """Forget *obj* (undefined, or a transient domain that stopped), its id included."""
        with self.lock:
            super().remove(obj)
            if obj.id >= 0 and self._by_id.get(obj.id) is obj:
                del self._by_id[obj.id]

    def reserve_id(self) -> int:
        """Take the next run id without giving it to a domain yet (a start that must name
        its files after the id before the guest runs); :meth:`assign_id` gives it later."""
        with self.lock:
            id = self._next_id
            self._next_id += 1
            return id

    def assign_id(self, obj: D, id: int | None = None) -> int:
        """Give *obj* a run id: the next free one, or *id* (a domain found running again
        after a restart keeps its id, and later ids start above it)."""
        with self.lock:
            if obj.id >= 0 and self._by_id.get(obj.id) is obj:
                del self._by_id[obj.id]
            if id is None:
                id = self._next_id
            self._next_id = max(self._next_id, id + 1)
            obj.id = id
            self._by_id[id] = obj
            return id

    def release_id(self, obj: D) -> None:
        """*obj* stopped: it has no id any more (-1)."""
        with self.lock:
            if self._by_id.get(obj.id) is obj:
                del self._by_id[obj.id]
            obj.id = -1

    def list_all(
        self,
        flags: int,
        function: str,
        *,
        snapshots: Callable[[D], int] | None = None,
        checkpoints: Callable[[D], int] | None = None,
    ) -> list[DomainRecord]:
        """``virConnectListAllDomains``: the records of the domains *flags* selects.

        *function* names the driver's entry point in the unsupported-flags error
        ("unsupported flags (0x10000) in function testConnectListAllDomains").  Drivers with
        snapshots or checkpoints pass their counters; without, none has any.
        """
        unsupported_flags(flags, LIST_DOMAINS_ALL_FLAGS, function, self.error_domain)
        with self.lock:
            objs = list(self._by_uuid.values())
        if not flags:
            return [obj.record() for obj in objs]
        out = []
        for obj in objs:
            record = obj.record()
            if domain_matches_filter(
                record,
                flags,
                snapshots=snapshots(obj) if snapshots is not None else 0,
                checkpoints=checkpoints(obj) if checkpoints is not None else 0,
            ):
                out.append(record)
        return out


class NetworkObjList(_ObjectList[N]):
    """libvirt's virNetworkObjList: networks by name and uuid; listAll."""

    _kind = "network"
    _noun = "network"
    _conf_domain = ErrorDomain.NETWORK
    _not_found = ErrorCode.NO_NETWORK

    def _refuse_live(self, existing: N) -> None:
        if existing.active:
            raise make_error(
                ErrorCode.OPERATION_INVALID,
                ErrorDomain.NETWORK,
                f"network is already active as '{existing.name}'",
            )

    def from_ref(self, ref: NetworkRef) -> N:
        """The network behind a handle, or VIR_ERR_NO_NETWORK."""
        return self.lookup_by_uuid(ref.uuid)

    def list_all(self, flags: int, function: str) -> list[NetworkRecord]:
        """``virConnectListAllNetworks`` with libvirt's filters."""
        unsupported_flags(flags, LIST_NETWORKS_ALL_FLAGS, function, self.error_domain)
        with self.lock:
            objs = list(self._by_uuid.values())
        records = [obj.record() for obj in objs]
        return [r for r in records if network_matches_filter(r, flags)] if flags else records


class StoragePoolObjList(_ObjectList[P]):
    """libvirt's virStoragePoolObjList: pools by name and uuid; listAll (also by pool type)."""

    _kind = "pool"
    _noun = "storage pool"
    _conf_domain = ErrorDomain.STORAGE
    _not_found = ErrorCode.NO_STORAGE_POOL

    def __init__(self, error_domain: int, *, pool_type: Callable[[P], str]) -> None:
        """*pool_type* tells a pool's ``<pool type=...>`` (``dir``, ``logical`` ...), which
        the type flags of listAll filter on."""
        super().__init__(error_domain)
        self._pool_type = pool_type

    def _refuse_live(self, existing: P) -> None:
        if existing.active:
            raise make_error(
                ErrorCode.OPERATION_INVALID,
                ErrorDomain.STORAGE,
                f"pool is already active as '{existing.name}'",
            )

    def from_ref(self, ref: StoragePoolRef) -> P:
        """The pool behind a handle, or VIR_ERR_NO_STORAGE_POOL."""
        return self.lookup_by_uuid(ref.uuid)

    def list_all(self, flags: int, function: str) -> list[StoragePoolRecord]:
        """``virConnectListAllStoragePools`` with libvirt's filters."""
        unsupported_flags(flags, LIST_STORAGE_POOLS_ALL_FLAGS, function, self.error_domain)
        with self.lock:
            objs = list(self._by_uuid.values())
        if not flags:
            return [obj.record() for obj in objs]
        return [
            record
            for obj, record in ((obj, obj.record()) for obj in objs)
            if storage_pool_matches_filter(record, flags, self._pool_type(obj))
        ]


class ListedStorageVol(Protocol):
    """A volume: its name in the pool, its key and its path, all fixed once it is listed."""

    @property
    def name(self) -> str:
        """The volume's name, unique in its pool."""
        ...

    @property
    def key(self) -> str | None:
        """The volume's key (libvirt's storage-wide identifier), if it has one yet."""
        ...

    @property
    def target_path(self) -> str | None:
        """The volume's path on the host, if it has one yet."""
        ...


V = TypeVar("V", bound=ListedStorageVol)


class StorageVolObjList(Generic[V]):
    """The volumes of one pool (libvirt's virStorageVolObjList): by name, key and path."""

    def __init__(self, error_domain: int) -> None:
        self.error_domain = error_domain
        self._by_name: dict[str, V] = {}
        self._by_key: dict[str, V] = {}
        self._by_path: dict[str, V] = {}

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[V]:
        return iter(list(self._by_name.values()))

    def add(self, vol: V) -> None:
        """Add *vol*; a name, key or path already used is libvirt's "storage vol already
        exists" (VIR_ERR_OPERATION_FAILED)."""
        if (
            vol.name in self._by_name
            or (vol.key is not None and vol.key in self._by_key)
            or (vol.target_path is not None and vol.target_path in self._by_path)
        ):
            raise make_error(ErrorCode.OPERATION_FAILED, self.error_domain,
                             "storage vol already exists")  # fmt: skip
        self._by_name[vol.name] = vol
        if vol.key is not None:
            self._by_key[vol.key] = vol
        if vol.target_path is not None:
            self._by_path[vol.target_path] = vol

    def remove(self, vol: V) -> None:
        """Forget *vol* (deleted) under its name, key and path."""
        if self._by_name.get(vol.name) is vol:
            del self._by_name[vol.name]
        if vol.key is not None and self._by_key.get(vol.key) is vol:
            del self._by_key[vol.key]
        if vol.target_path is not None and self._by_path.get(vol.target_path) is vol:
            del self._by_path[vol.target_path]

    def find_by_name(self, name: str) -> V | None:
        """The volume named *name* in this pool, or None."""
        return self._by_name.get(name)

    def find_by_key(self, key: str) -> V | None:
        """The volume with key *key*, or None."""
        return self._by_key.get(key)

    def find_by_path(self, path: str) -> V | None:
        """The volume at *path*, or None."""
        return self._by_path.get(path)

    def lookup_by_name(self, name: str) -> V:
        """The volume named *name*, or libvirt's VIR_ERR_NO_STORAGE_VOL."""
        vol = self._by_name.get(name)
        if vol is None:
            raise make_error(ErrorCode.NO_STORAGE_VOL, self.error_domain,
                             f"no storage vol with matching name '{name}'")  # fmt: skip
        return vol

    def list_all(self, flags: int, function: str) -> list[V]:
        """``virStoragePoolListAllVolumes``: libvirt defines no filter flags for it."""
        unsupported_flags(flags, 0, function, self.error_domain)
        return list(self._by_name.values())
