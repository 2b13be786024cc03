"""Storage pool and volume entry points of the test driver (libvirt's testStorage*).

Pools are bookkeeping only: no directory is created or read.  A pool's allocation is the sum
of its volumes' allocations and its available space the capacity left over, as libvirt's
test driver reports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    ListStoragePoolsFlags,
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

if TYPE_CHECKING:
    from pyvirt.conf import PoolDef, VolumeDef

_T = ErrorDomain.TEST
_F = ListStoragePoolsFlags


def _matches(pool: TestPool, flags: int) -> bool:
    pairs = (
        (_F.ACTIVE, _F.INACTIVE, pool.active),
        (_F.PERSISTENT, _F.TRANSIENT, pool.persistent),
        (_F.AUTOSTART, _F.NO_AUTOSTART, pool.autostart),
    )
    for yes, no, value in pairs:
        if flags & (yes | no) and not ((flags & yes and value) or (flags & no and not value)):
            return False
    type_bits = int(flags) & ~0x3F
    if type_bits:
        bit = getattr(_F, pool.defn.type.upper().replace("-", "_"), None)
        if bit is None or not type_bits & int(bit):
            return False
    return True


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
        return self.state.pool_by_uuid(ref.uuid)

    def _pool_event(self, pool: TestPool, event: int) -> None:
        self.state.emit("pool", pool.name, pool.uuid, -1, event, 0)

    def connect_list_all_storage_pools(self, flags: int) -> list[StoragePoolRecord]:
        unsupported_flags(flags, sum(_F), "testConnectListAllStoragePools", _T)
        with self.state.lock:
            return [p.record() for p in self.state.pools.values() if _matches(p, flags)]

    def storage_pool_lookup_by_name(self, name: str) -> StoragePoolRecord:
        with self.state.lock:
            return self.state.pool_by_name(name).record()

    def storage_pool_lookup_by_uuid(self, uuid: str) -> StoragePoolRecord:
        with self.state.lock:
            return self.state.pool_by_uuid(uuid).record()

    def storage_pool_lookup_by_volume(self, vol: StorageVolRef) -> StoragePoolRecord:
        with self.state.lock:
            return self.state.pool_by_name(vol.pool).record()

    def _check_duplicate_pool(self, defn: PoolDef) -> TestPool | None:
        existing = self.state.pools.get(defn.name)
        if existing is not None and existing.uuid != defn.uuid:
            raise make_error(
                ErrorCode.OPERATION_FAILED,
                ErrorDomain.STORAGE,
                f"pool '{defn.name}' already exists with uuid {existing.uuid}",
            )
        for pool in self.state.pools.values():
            if pool.uuid == defn.uuid and pool.name != defn.name:
                raise make_error(
                    ErrorCode.OPERATION_FAILED,
                    ErrorDomain.STORAGE,
                    f"pool '{pool.name}' is already defined with uuid {defn.uuid}",
                )
        return existing

    def storage_pool_define_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        unsupported_flags(flags, 1, "testStoragePoolDefineXML", _T)
        defn = conf.parse_pool_xml(xml)
        with self.state.lock:
            existing = self._check_duplicate_pool(defn)
            _fill_defaults(defn)
            if existing is None:
                pool = TestPool(defn, active=False, persistent=True)
                self.state.pools[defn.name] = pool
            else:
                pool = existing
                pool.defn = defn
                pool.persistent = True
            self._pool_event(pool, StoragePoolEventType.DEFINED)
            return pool.record()

    def storage_pool_create_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        unsupported_flags(flags, 7, "testStoragePoolCreateXML", _T)
        defn = conf.parse_pool_xml(xml)
        with self.state.lock:
            existing = self._check_duplicate_pool(defn)
            if existing is not None:
                raise make_error(
                    ErrorCode.OPERATION_FAILED,
                    ErrorDomain.STORAGE,
                    f"pool '{defn.name}' already exists with uuid {existing.uuid}",
                )
            _fill_defaults(defn)
            pool = TestPool(defn, active=True, persistent=False)
            self.state.pools[defn.name] = pool
            self._pool_event(pool, StoragePoolEventType.STARTED)
            return pool.record()

    def storage_pool_create(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 7, "testStoragePoolCreate", _T)
        with self.state.lock:
            pool = self._pool(ref)
            if pool.active:
                raise _is_active(pool)
            pool.active = True
            self._pool_event(pool, StoragePoolEventType.STARTED)

    def storage_pool_build(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 0xF, "testStoragePoolBuild", _T)
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
                del self.state.pools[pool.name]

    def storage_pool_delete(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 1, "testStoragePoolDelete", _T)
        with self.state.lock:
            pool = self._pool(ref)
            if pool.active:
                raise _is_active(pool)

    def storage_pool_undefine(self, ref: StoragePoolRef) -> None:
        with self.state.lock:
            pool = self._pool(ref)
            if pool.active:
                raise _is_active(pool)
            del self.state.pools[pool.name]
            self._pool_event(pool, StoragePoolEventType.UNDEFINED)

    def storage_pool_refresh(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testStoragePoolRefresh", _T)
        with self.state.lock:
            pool = self._pool(ref)
            if not pool.active:
                raise _not_active(pool)

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
                raise make_error(
                    ErrorCode.INVALID_ARG, _T, "cannot set autostart for transient pool"
                )
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
            return [pool.vol_ref(v) for v in pool.volumes.values()]

    # -- volumes --------------------------------------------------------------------------
    def _active_pool_for(self, ref: StoragePoolRef) -> TestPool:
        pool = self._pool(ref)
        if not pool.active:
            raise _not_active(pool)
        return pool

    def _vol(self, ref: StorageVolRef) -> tuple[TestPool, VolumeDef]:
        pool = self.state.pool_by_name(ref.pool)
        vol = pool.volumes.get(ref.name)
        if vol is None:
            raise make_error(
                ErrorCode.NO_STORAGE_VOL, _T, f"no storage vol with matching name '{ref.name}'"
            )
        return pool, vol

    def storage_vol_lookup_by_name(self, ref: StoragePoolRef, name: str) -> StorageVolRef:
        with self.state.lock:
            pool = self._active_pool_for(ref)
            vol = pool.volumes.get(name)
            if vol is None:
                raise make_error(
                    ErrorCode.NO_STORAGE_VOL, _T, f"no storage vol with matching name '{name}'"
                )
            return pool.vol_ref(vol)

    def _find_vol(self, attr: str, value: str) -> StorageVolRef:
        for pool in self.state.pools.values():
            if not pool.active:
                continue
            for vol in pool.volumes.values():
                if getattr(vol, attr) == value:
                    return pool.vol_ref(vol)
        raise make_error(
            ErrorCode.NO_STORAGE_VOL,
            _T,
            f"no storage vol with matching {attr.replace('target_', '')} '{value}'",
        )

    def storage_vol_lookup_by_key(self, key: str) -> StorageVolRef:
        with self.state.lock:
            return self._find_vol("key", key)

    def storage_vol_lookup_by_path(self, path: str) -> StorageVolRef:
        with self.state.lock:
            return self._find_vol("target_path", path)

    def storage_vol_create_xml(self, ref: StoragePoolRef, xml: str, flags: int) -> StorageVolRef:
        unsupported_flags(flags, 0, "testStorageVolCreateXML", _T)
        with self.state.lock:
            pool = self._active_pool_for(ref)
            vol = conf.parse_volume_xml(xml, pool=pool.defn)
            if vol.name in pool.volumes:
                raise make_error(ErrorCode.OPERATION_FAILED, _T, "storage vol already exists")
            conf.apply_volume_defaults(vol, pool.defn)
            assert vol.allocation is not None
            if pool.defn.allocation + vol.allocation > pool.defn.capacity:
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    _T,
                    f"Not enough free space in pool for volume '{vol.name}'",
                )
            pool.volumes[vol.name] = vol
            pool.defn.allocation += vol.allocation
            pool.defn.available = pool.defn.capacity - pool.defn.allocation
            return pool.vol_ref(vol)

    def storage_vol_delete(self, ref: StorageVolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testStorageVolDelete", _T)
        with self.state.lock:
            pool, vol = self._vol(ref)
            if not pool.active:
                raise _not_active(pool)
            del pool.volumes[vol.name]
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
