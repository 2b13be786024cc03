"""Storage pool and volume entry points of the test driver (libvirt's testStorage*).

Pools are bookkeeping only: no directory is created or read.  A pool's allocation is the sum
of its volumes' allocations and its available space the capacity left over, as libvirt's
test driver reports them.
"""

from __future__ import annotations

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    StoragePoolEventType,
    StoragePoolInfo,
    StoragePoolRecord,
    StoragePoolRef,
    StoragePoolState,
    StorageVolInfo,
    StorageVolRef,
    StorageVolType,
    conf,
    make_error,
)
from pyvirt.driver import unsupported_flags

from pyvirt_test._objects import TestPool
from pyvirt_test._state import POOL_CAPACITY, TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import PoolDef, VolumeDef

_T = ErrorDomain.TEST


_POOL_REFRESH = 1  # VIR_STORAGE_POOL_EVENT_ID_REFRESH


def _not_active(pool: TestPool) -> Exception:
    return make_error(ErrorCode.OPERATION_INVALID, _T, f"storage pool '{pool.name}' is not active")


def _is_active(pool: TestPool) -> Exception:
    return make_error(ErrorCode.OPERATION_INVALID, _T, f"storage pool '{pool.name}' is active")


def _fill_defaults(defn: PoolDef) -> None:
    # The test driver invents a 100 GiB pool with nothing allocated.
    defn.capacity = POOL_CAPACITY
    defn.allocation = 0
    defn.available = POOL_CAPACITY


class StorageOps:
    state: TestState

    def _pool(self, ref: StoragePoolRef) -> TestPool:
        return self.state.pools.from_ref(ref)

    def _pool_event(self, pool: TestPool, event: int) -> None:
        self.state.emit("pool", pool.name, pool.uuid, -1, event, 0)

    def connect_list_all_storage_pools(self, flags: int) -> list[StoragePoolRecord]:
        with self.state.lock:
            return self.state.pools.list_all(flags, "testConnectListAllStoragePools")

    def storage_pool_lookup_by_name(self, name: str) -> StoragePoolRecord:
        with self.state.lock:
            return self.state.pools.lookup_by_name(name).record()

    def storage_pool_lookup_by_uuid(self, uuid: str) -> StoragePoolRecord:
        with self.state.lock:
            return self.state.pools.lookup_by_uuid(uuid).record()

    def storage_pool_lookup_by_volume(self, vol: StorageVolRef) -> StoragePoolRecord:
        with self.state.lock:
            return self.state.pools.lookup_by_name(vol.pool).record()

    def storage_pool_define_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        unsupported_flags(flags, 1, "testStoragePoolDefineXML", _T)
        defn = conf.parse_pool_xml(xml)
        with self.state.lock:
            _fill_defaults(defn)
            new = TestPool(defn, active=False, persistent=True)
            pool = self.state.pools.add(new)
            if pool is not new:
                pool.defn = defn
                pool.persistent = True
            self._pool_event(pool, StoragePoolEventType.DEFINED)
            return pool.record()

    def storage_pool_create_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        unsupported_flags(flags, 0, "testStoragePoolCreateXML", _T)
        defn = conf.parse_pool_xml(xml)
        with self.state.lock:
            _fill_defaults(defn)
            new = TestPool(defn, active=True, persistent=False)
            pool = self.state.pools.add(new, check_active=True)
            if pool is not new:  # a defined, inactive pool: started with this definition
                pool.defn, pool.active = defn, True
            self._pool_event(pool, StoragePoolEventType.STARTED)
            return pool.record()

    def storage_pool_create(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testStoragePoolCreate", _T)
        with self.state.lock:
            pool = self._pool(ref)
            if pool.active:
                raise _is_active(pool)
            pool.active = True
            self._pool_event(pool, StoragePoolEventType.STARTED)

    def storage_pool_build(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testStoragePoolBuild", _T)
        with self.state.lock:
            pool = self._pool(ref)
            if pool.active:
                raise _is_active(pool)

    def storage_pool_destroy(self, ref: StoragePoolRef) -> None:
        with self.state.lock:
            pool = self._pool(ref)
            if not pool.active:
                raise _not_active(pool)
            pool.active = False
            self._pool_event(pool, StoragePoolEventType.STOPPED)
            if not pool.persistent:
                self.state.pools.remove(pool)

    def storage_pool_delete(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testStoragePoolDelete", _T)
        with self.state.lock:
            pool = self._pool(ref)
            if pool.active:
                raise _is_active(pool)

    def storage_pool_undefine(self, ref: StoragePoolRef) -> None:
        with self.state.lock:
            pool = self._pool(ref)
            if pool.active:
                raise _is_active(pool)
            self.state.pools.remove(pool)
            self._pool_event(pool, StoragePoolEventType.UNDEFINED)

    def storage_pool_refresh(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testStoragePoolRefresh", _T)
        with self.state.lock:
            pool = self._pool(ref)
            if not pool.active:
                raise _not_active(pool)
            # libvirt's test driver tells the pool's REFRESH listeners (event id 1).
            self.state.emit("pool", pool.name, pool.uuid, -1, 0, 0, event_id=_POOL_REFRESH)

    def storage_pool_get_info(self, ref: StoragePoolRef) -> StoragePoolInfo:
        with self.state.lock:
            pool = self._pool(ref)
            d = pool.defn
            state = StoragePoolState.RUNNING if pool.active else StoragePoolState.INACTIVE
            return StoragePoolInfo(state, d.capacity, d.allocation, d.available)

    def storage_pool_get_xml_desc(self, ref: StoragePoolRef, flags: int) -> str:
        unsupported_flags(flags, 1, "testStoragePoolGetXMLDesc", _T)
        with self.state.lock:
            return conf.format_pool_xml(self._pool(ref).defn)

    def storage_pool_get_autostart(self, ref: StoragePoolRef) -> bool:
        with self.state.lock:
            return self._pool(ref).autostart

    def storage_pool_set_autostart(self, ref: StoragePoolRef, autostart: bool) -> None:
        with self.state.lock:
            pool = self._pool(ref)
            if not pool.persistent:
                # libvirt's test driver words it by the config file a transient pool lacks
                raise make_error(ErrorCode.INVALID_ARG, _T, "pool has no config file")
            pool.autostart = bool(autostart)

    def storage_pool_is_active(self, ref: StoragePoolRef) -> bool:
        with self.state.lock:
            return self._pool(ref).active

    def storage_pool_is_persistent(self, ref: StoragePoolRef) -> bool:
        with self.state.lock:
            return self._pool(ref).persistent

    def storage_pool_list_all_volumes(self, ref: StoragePoolRef, flags: int) -> list[StorageVolRef]:
        unsupported_flags(flags, 0, "testStoragePoolListAllVolumes", _T)
        with self.state.lock:
            pool = self._pool(ref)
            if not pool.active:
                raise make_error(ErrorCode.OPERATION_INVALID, _T, "storage pool is not active")
            return [pool.vol_ref(v) for v in pool.volumes]

    # -- volumes --------------------------------------------------------------------------
    def _active_pool_for(self, ref: StoragePoolRef) -> TestPool:
        pool = self._pool(ref)
        if not pool.active:
            raise _not_active(pool)
        return pool

    def _vol(self, ref: StorageVolRef) -> tuple[TestPool, VolumeDef]:
        pool = self.state.pools.lookup_by_name(ref.pool)
        return pool, pool.volumes.lookup_by_name(ref.name)

    def storage_vol_lookup_by_name(self, ref: StoragePoolRef, name: str) -> StorageVolRef:
        with self.state.lock:
            pool = self._active_pool_for(ref)
            return pool.vol_ref(pool.volumes.lookup_by_name(name))

    def _find_vol(self, attr: str, value: str) -> StorageVolRef:
        for pool in self.state.pools:
            if not pool.active:
                continue
            vols = pool.volumes
            vol = vols.find_by_key(value) if attr == "key" else vols.find_by_path(value)
            if vol is not None:
                return pool.vol_ref(vol)
        raise make_error(
            ErrorCode.NO_STORAGE_VOL, _T, f"no storage vol with matching {attr} '{value}'"
        )

    def storage_vol_lookup_by_key(self, key: str) -> StorageVolRef:
        with self.state.lock:
            return self._find_vol("key", key)

    def storage_vol_lookup_by_path(self, path: str) -> StorageVolRef:
        with self.state.lock:
            return self._find_vol("path", path)

    def storage_vol_create_xml(self, ref: StoragePoolRef, xml: str, flags: int) -> StorageVolRef:
        unsupported_flags(flags, 0, "testStorageVolCreateXML", _T)
        with self.state.lock:
            pool = self._active_pool_for(ref)
            vol = conf.parse_volume_xml(xml, pool=pool.defn)
            conf.apply_volume_defaults(vol, pool.defn)
            assert vol.allocation is not None
            pool.volumes.add(vol)  # refuses a name, key or path already in use
            if pool.defn.allocation + vol.allocation > pool.defn.capacity:
                pool.volumes.remove(vol)
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    _T,
                    f"Not enough free space in pool for volume '{vol.name}'",
                )
            pool.defn.allocation += vol.allocation
            pool.defn.available = pool.defn.capacity - pool.defn.allocation
            return pool.vol_ref(vol)

    def storage_vol_delete(self, ref: StorageVolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testStorageVolDelete", _T)
        with self.state.lock:
            pool, vol = self._vol(ref)
            if not pool.active:
                raise _not_active(pool)
            pool.volumes.remove(vol)
            pool.defn.allocation -= vol.allocation or 0
            pool.defn.available = pool.defn.capacity - pool.defn.allocation

    def storage_vol_get_info(self, ref: StorageVolRef) -> StorageVolInfo:
        with self.state.lock:
            _, vol = self._vol(ref)
            kind = getattr(StorageVolType, (vol.type or "file").upper(), StorageVolType.FILE)
            return StorageVolInfo(kind, vol.capacity, vol.allocation or 0)

    def storage_vol_get_xml_desc(self, ref: StorageVolRef, flags: int) -> str:
        unsupported_flags(flags, 0, "testStorageVolGetXMLDesc", _T)
        with self.state.lock:
            return conf.format_volume_xml(self._vol(ref)[1])

    def storage_vol_get_path(self, ref: StorageVolRef) -> str:
        with self.state.lock:
            return self._vol(ref)[1].target_path or ""
