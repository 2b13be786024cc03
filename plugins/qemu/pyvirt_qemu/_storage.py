"""The ``dir`` storage pools served by the QEMU state driver's connections.

A dir pool is a directory of image files (libvirt's storage_backend_fs ``dir`` type), enough
for a user to create a disk and boot from it without libvirt's separate storage daemon.

Why files and not a cache: the directory is the truth.  Volumes are found by reading the
directory (pool start and refresh), created with ``qemu-img create``, and measured each time
they are asked about: allocation from ``st_blocks * 512``, capacity from the image header
(a qcow2 file is smaller than the disk it holds), see :mod:`pyvirt_qemu._volume_xml`.  Definitions are written
atomically to the storage config dir (``/etc/pyvirt/storage`` as root); a pool that is
started leaves a status copy in the storage run dir, so pyvirtd restarted finds it still
active, as libvirt's storage driver does with ``/run/libvirt/storage``.

Why one lock and a set of names being created: ``qemu-img`` may take a while (a fully
allocated raw file), and lookups must not wait for it; the name is reserved under the lock,
the file created outside it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    ObjectEvent,
    StoragePoolEventType,
    StoragePoolInfo,
    StoragePoolRecord,
    StoragePoolRef,
    StoragePoolState,
    StorageVolInfo,
    StorageVolRef,
    StorageVolType,
    VirtError,
    conf,
    make_error,
)
from pyvirt.conf import PoolDef, VolumeDef
from pyvirt.driver import FileStream, StoragePoolObjList, unsupported_flags

from pyvirt_qemu import _qemu_img as qemu_img
from pyvirt_qemu._config import atomic_write, remove_file
from pyvirt_qemu._listeners import deliver
from pyvirt_qemu._volume_xml import FileFacts, file_facts, format_file_volume

__all__ = ["DirPool", "StorageOps", "StorageState"]

_ST = ErrorDomain.STORAGE
#: Formats this driver creates; others found in the directory are listed as they are.
CREATE_FORMATS = ("raw", "qcow2")
#: VIR_STORAGE_POOL_CREATE_WITH_BUILD: start builds the directory first.
_CREATE_WITH_BUILD = 1
#: VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA.
_PREALLOC_METADATA = 1
#: VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM, VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM
_SPARSE_STREAM = 1


def _err(code: int, msg: str) -> VirtError:
    return make_error(code, _ST, msg)


def _system(msg: str, exc: OSError) -> VirtError:
    return _err(ErrorCode.SYSTEM_ERROR, f"{msg}: {exc.strerror or exc}")


def _refuse_active(pool: DirPool, how: str) -> None:
    """libvirt's refusal of a call that needs the pool inactive ("already" or "still")."""
    if pool.active:
        raise _err(ErrorCode.OPERATION_INVALID, f"storage pool '{pool.name}' is {how} active")


def _refuse_busy(st: StorageState, pool: DirPool) -> None:
    """libvirt's refusal while a volume of the pool is being created."""
    if any(p == pool.name for p, _ in st.creating):
        raise _err(ErrorCode.OPERATION_INVALID,
                   f"pool '{pool.name}' has asynchronous jobs running.")  # fmt: skip


@dataclass(eq=False)
class DirPool:
    defn: PoolDef
    persistent: bool
    active: bool = False
    autostart: bool = False
    #: name → volume definition (path, key, format); sizes are measured when asked.
    volumes: dict[str, VolumeDef] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.defn.name

    @property
    def uuid(self) -> str:
        return self.defn.uuid

    @property
    def path(self) -> Path:
        return Path(self.defn.target_path or "")

    def record(self) -> StoragePoolRecord:
        return StoragePoolRecord(self.name, self.uuid, self.active, self.persistent,
                                 self.autostart)  # fmt: skip

    def vol_ref(self, vol: VolumeDef) -> StorageVolRef:
        return StorageVolRef(self.name, vol.name, vol.key or "")


def _scan(pool: DirPool) -> dict[str, VolumeDef]:
    """Read the pool's directory: every regular file is a volume, its format probed."""
    try:
        entries = sorted(os.scandir(pool.path), key=lambda e: e.name)
    except OSError as exc:
        raise _system(f"cannot open directory '{pool.path}'", exc) from exc
    found: dict[str, VolumeDef] = {}
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        path = str(pool.path / entry.name)
        found[entry.name] = VolumeDef(name=entry.name, capacity=0, key=path, target_path=path,
                                      format_type=_probe_format(path))  # fmt: skip
    return found


def _probe_format(path: str) -> str:
    """libvirt probes the header itself rather than running a tool per file: so do we."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return "raw"
    return "qcow2" if head == b"QFI\xfb" else "raw"


def _pool_type(pool: DirPool) -> str:
    return pool.defn.type


class StorageState:
    """Every dir pool of the driver, loaded from and saved to its directories."""

    def __init__(self, config_dir: Path, run_dir: Path) -> None:
        self.config_dir = config_dir
        self.autostart_dir = config_dir / "autostart"
        self.run_dir = run_dir
        self.lock = threading.RLock()
        self.pools: StoragePoolObjList[DirPool] = StoragePoolObjList(_ST, pool_type=_pool_type)
        #: (pool name, volume name) being created by qemu-img right now.
        self.creating: set[tuple[str, str]] = set()
        self.listeners: list[Callable[[ObjectEvent], None]] = []

    # -- startup ---------------------------------------------------------------------------
    def initialize(self) -> None:
        for d in (self.config_dir, self.autostart_dir, self.run_dir):
            try:
                d.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise _system(f"cannot create storage directory '{d}'", exc) from exc
        for path in sorted(self.config_dir.glob("*.xml")):
            with contextlib.suppress(OSError, VirtError):
                defn = conf.parse_pool_xml(path.read_text())
                autostart = (self.autostart_dir / path.name).is_symlink()
                self.pools.add(DirPool(defn, persistent=True, autostart=autostart))
        for path in sorted(self.run_dir.glob("*.xml")):  # active before the restart
            with contextlib.suppress(OSError, VirtError):
                defn = conf.parse_pool_xml(path.read_text())
                pool = self.pools.find_by_name(defn.name)
                if pool is None:
                    pool = self.pools.add(DirPool(defn, persistent=False))
                self._activate(pool)
        for pool in self.pools:
            if pool.autostart and not pool.active:
                with contextlib.suppress(VirtError):
                    self._activate(pool)

    def _activate(self, pool: DirPool) -> None:
        pool.volumes = _scan(pool)
        atomic_write(self.run_dir / f"{pool.name}.xml", conf.format_pool_xml(pool.defn),
                     durable=False)  # fmt: skip
        pool.active = True

    def _deactivate(self, pool: DirPool) -> None:
        remove_file(self.run_dir / f"{pool.name}.xml")
        pool.active = False
        pool.volumes = {}
        if not pool.persistent:
            self.pools.remove(pool)

    def emit(self, pool: DirPool, event: int) -> None:
        ev = ObjectEvent("pool", pool.name, pool.uuid, -1, int(event), 0)
        deliver(self.listeners, ev)

    # -- lookups ---------------------------------------------------------------------------
    def by_uuid(self, uuid: str) -> DirPool:
        return self.pools.lookup_by_uuid(uuid)

    def by_name(self, name: str) -> DirPool:
        return self.pools.lookup_by_name(name)

    def volume_file(self, pool_name: str, vol_name: str) -> str:
        """The file of a ``<disk type='volume'>``'s volume, with libvirt's lookup errors."""
        with self.lock:
            pool = self.by_name(pool_name)
            if not pool.active:
                raise _not_active(pool)
            vol = pool.volumes.get(vol_name)
            if vol is None:
                raise _err(ErrorCode.NO_STORAGE_VOL,
                           f"no storage vol with matching name '{vol_name}'")  # fmt: skip
            return vol.target_path or ""


def _not_active(pool: DirPool) -> VirtError:
    return _err(ErrorCode.OPERATION_INVALID, f"storage pool '{pool.name}' is not active")


class StorageOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`: libvirt's storage entry
    points for dir pools; ``self.storage`` is the driver's :class:`StorageState`."""

    storage: StorageState

    # -- pools -----------------------------------------------------------------------------
    def connect_list_all_storage_pools(self, flags: int) -> list[StoragePoolRecord]:
        with self.storage.lock:
            return self.storage.pools.list_all(flags, "storageConnectListAllStoragePools")

    def storage_pool_lookup_by_name(self, name: str) -> StoragePoolRecord:
        with self.storage.lock:
            return self.storage.by_name(name).record()

    def storage_pool_lookup_by_uuid(self, uuid: str) -> StoragePoolRecord:
        with self.storage.lock:
            return self.storage.by_uuid(uuid).record()

    def storage_pool_lookup_by_volume(self, vol: StorageVolRef) -> StoragePoolRecord:
        with self.storage.lock:
            return self.storage.by_name(vol.pool).record()

    def _parse_pool(self, xml: str) -> PoolDef:
        defn = conf.parse_pool_xml(xml)
        if defn.type != "dir":
            raise _err(ErrorCode.NO_SUPPORT,
                       f"this driver supports only dir pools, not '{defn.type}'")  # fmt: skip
        return defn

    def storage_pool_define_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        unsupported_flags(flags, 0, "storagePoolDefineXML", _ST)
        defn = self._parse_pool(xml)
        st = self.storage
        with st.lock:
            existing = st.pools.check_add(defn.name, defn.uuid)
            atomic_write(
                st.config_dir / f"{defn.name}.xml", conf.format_pool_xml(defn, inactive=True)
            )
            if existing is None:
                pool = st.pools.add(DirPool(defn, persistent=True))
            else:
                pool = existing
                pool.defn, pool.persistent = defn, True
            st.emit(pool, StoragePoolEventType.DEFINED)
            return pool.record()

    def storage_pool_create_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        unsupported_flags(flags, _CREATE_WITH_BUILD, "storagePoolCreateXML", _ST)
        defn = self._parse_pool(xml)
        st = self.storage
        with st.lock:
            # An active one is the kit's "pool is already active as"; this driver also
            # refuses to create over a defined, inactive pool.
            existing = st.pools.check_add(defn.name, defn.uuid, check_active=True)
            if existing is not None:
                raise _err(ErrorCode.OPERATION_INVALID, f"pool '{defn.name}' already exists")
            pool = DirPool(defn, persistent=False)
            if flags & _CREATE_WITH_BUILD:
                self._build(pool)
            st.pools.add(pool)
            try:
                st._activate(pool)
            except VirtError:
                st.pools.remove(pool)
                raise
            st.emit(pool, StoragePoolEventType.STARTED)
            return pool.record()

    def storage_pool_create(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, _CREATE_WITH_BUILD, "storagePoolCreate", _ST)
        st = self.storage
        with st.lock:
            pool = st.by_uuid(ref.uuid)
            _refuse_active(pool, "already")
            if flags & _CREATE_WITH_BUILD:
                self._build(pool)
            st._activate(pool)
            st.emit(pool, StoragePoolEventType.STARTED)

    def _build(self, pool: DirPool) -> None:
        try:
            pool.path.mkdir(parents=True, exist_ok=True, mode=0o755)
        except OSError as exc:
            raise _system(f"cannot create path '{pool.path}'", exc) from exc

    def storage_pool_build(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "storagePoolBuild", _ST)
        with self.storage.lock:
            pool = self.storage.by_uuid(ref.uuid)
            _refuse_active(pool, "already")
            self._build(pool)

    def storage_pool_delete(self, ref: StoragePoolRef, flags: int) -> None:
        """Remove an inactive dir pool's directory (it must be empty), as libvirt's dir
        backend does, and say so with the DELETED event."""
        st = self.storage
        with st.lock:
            pool = st.by_uuid(ref.uuid)
            _refuse_active(pool, "still")
            _refuse_busy(st, pool)
            unsupported_flags(flags, 0, "virStorageBackendFileSystemDelete", _ST)
            try:
                pool.path.rmdir()
            except OSError as exc:
                raise _system(f"failed to remove pool '{pool.path}'", exc) from exc
            st.emit(pool, StoragePoolEventType.DELETED)

    def storage_pool_destroy(self, ref: StoragePoolRef) -> None:
        st = self.storage
        with st.lock:
            pool = st.by_uuid(ref.uuid)
            if not pool.active:
                raise _not_active(pool)
            _refuse_busy(st, pool)
            st._deactivate(pool)
            st.emit(pool, StoragePoolEventType.STOPPED)

    def storage_pool_undefine(self, ref: StoragePoolRef) -> None:
        st = self.storage
        with st.lock:
            pool = st.by_uuid(ref.uuid)
            _refuse_active(pool, "still")
            remove_file(st.autostart_dir / f"{pool.name}.xml")
            remove_file(st.config_dir / f"{pool.name}.xml")
            st.pools.remove(pool)
            st.emit(pool, StoragePoolEventType.UNDEFINED)

    def storage_pool_refresh(self, ref: StoragePoolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "storagePoolRefresh", _ST)
        with self.storage.lock:
            pool = self.storage.by_uuid(ref.uuid)
            if not pool.active:
                raise _not_active(pool)
            pool.volumes = _scan(pool)

    def storage_pool_get_info(self, ref: StoragePoolRef) -> StoragePoolInfo:
        with self.storage.lock:
            pool = self.storage.by_uuid(ref.uuid)
            if not pool.active:
                return StoragePoolInfo(StoragePoolState.INACTIVE, 0, 0, 0)
            capacity, allocation, available = _fs_sizes(pool)
            return StoragePoolInfo(StoragePoolState.RUNNING, capacity, allocation, available)

    def storage_pool_get_xml_desc(self, ref: StoragePoolRef, flags: int) -> str:
        unsupported_flags(flags, 1, "storagePoolGetXMLDesc", _ST)
        with self.storage.lock:
            pool = self.storage.by_uuid(ref.uuid)
            defn = pool.defn
            if pool.active and not flags & 1:
                defn.capacity, defn.allocation, defn.available = _fs_sizes(pool)
            return conf.format_pool_xml(defn, inactive=bool(flags & 1))

    def storage_pool_get_autostart(self, ref: StoragePoolRef) -> bool:
        with self.storage.lock:
            return self.storage.by_uuid(ref.uuid).autostart

    def storage_pool_set_autostart(self, ref: StoragePoolRef, autostart: bool) -> None:
        st = self.storage
        with st.lock:
            pool = st.by_uuid(ref.uuid)
            if not pool.persistent:
                raise _err(ErrorCode.INVALID_ARG, "cannot set autostart for transient pool")
            link = st.autostart_dir / f"{pool.name}.xml"
            if autostart and not link.is_symlink():
                try:
                    os.symlink(st.config_dir / f"{pool.name}.xml", link)
                except OSError as exc:
                    raise _system(f"Failed to create symlink '{link}'", exc) from exc
            elif not autostart:
                remove_file(link)
            pool.autostart = bool(autostart)

    def storage_pool_is_active(self, ref: StoragePoolRef) -> bool:
        with self.storage.lock:
            return self.storage.by_uuid(ref.uuid).active

    def storage_pool_is_persistent(self, ref: StoragePoolRef) -> bool:
        with self.storage.lock:
            return self.storage.by_uuid(ref.uuid).persistent

    def storage_pool_list_all_volumes(self, ref: StoragePoolRef, flags: int) -> list[StorageVolRef]:
        unsupported_flags(flags, 0, "storagePoolListAllVolumes", _ST)
        with self.storage.lock:
            pool = self.storage.by_uuid(ref.uuid)
            if not pool.active:
                raise _not_active(pool)
            return [pool.vol_ref(v) for v in pool.volumes.values()]

    # -- volumes ---------------------------------------------------------------------------
    def _vol(self, ref: StorageVolRef) -> tuple[DirPool, VolumeDef]:
        pool = self.storage.by_name(ref.pool)
        if not pool.active:
            raise _not_active(pool)
        vol = pool.volumes.get(ref.name)
        if vol is None:
            raise _err(ErrorCode.NO_STORAGE_VOL, f"no storage vol with matching name '{ref.name}'")
        return pool, vol

    def storage_vol_lookup_by_name(self, ref: StoragePoolRef, name: str) -> StorageVolRef:
        with self.storage.lock:
            pool = self.storage.by_uuid(ref.uuid)
            return pool.vol_ref(self._vol(StorageVolRef(pool.name, name, ""))[1])

    def _find(self, attr: str, value: str) -> StorageVolRef:
        with self.storage.lock:
            for pool in self.storage.pools:
                for vol in pool.volumes.values():
                    if getattr(vol, attr) == value:
                        return pool.vol_ref(vol)
        # libvirt quotes the path and not the key (storageVolLookupByKey / ByPath)
        what = f"key {value}" if attr == "key" else f"path '{value}'"
        raise _err(ErrorCode.NO_STORAGE_VOL, f"no storage vol with matching {what}")

    def storage_vol_lookup_by_key(self, key: str) -> StorageVolRef:
        return self._find("key", key)

    def storage_vol_lookup_by_path(self, path: str) -> StorageVolRef:
        return self._find("target_path", os.path.normpath(path))

    def storage_vol_create_xml(self, ref: StoragePoolRef, xml: str, flags: int) -> StorageVolRef:
        unsupported_flags(flags, _PREALLOC_METADATA, "storageVolCreateXML", _ST)
        pool, vol, full = self.reserve_volume(ref, xml, from_api=False)
        fmt = vol.format_type or "raw"
        meta = bool(flags & _PREALLOC_METADATA)
        return self.build_reserved(pool, vol, lambda: _create_image(vol, fmt, full=full, metadata=meta))

    def reserve_volume(
        self, ref: StoragePoolRef, xml: str, *, from_api: bool
    ) -> tuple[DirPool, VolumeDef, bool]:
        """Parse a new volume's XML and reserve its name while its file is made (outside
        the lock): (pool, volume, whether its whole allocation is asked for)."""
        st = self.storage
        with st.lock:
            pool = st.by_uuid(ref.uuid)
            if not pool.active:
                raise _not_active(pool)
            vol = conf.parse_volume_xml(xml, pool=pool.defn)
            if "/" in vol.name:
                raise _err(ErrorCode.INVALID_ARG, f"volume name '{vol.name}' cannot contain '/'")
            full = vol.allocation is None or vol.allocation >= vol.capacity
            conf.apply_volume_defaults(vol, pool.defn)
            fmt = vol.format_type or "raw"
            if fmt not in CREATE_FORMATS:
                raise _err(ErrorCode.NO_SUPPORT, f"creating {fmt} volumes is not supported")
            key = (pool.name, vol.name)
            if vol.name in pool.volumes or key in st.creating or (pool.path / vol.name).exists():
                if from_api:  # storageVolCreateXMLFrom words it differently
                    raise _err(ErrorCode.INTERNAL_ERROR,
                               f"storage volume name '{vol.name}' already in use.")  # fmt: skip
                raise _err(ErrorCode.STORAGE_VOL_EXIST, f"'{vol.name}'")
            st.creating.add(key)
            return pool, vol, full

    def build_reserved(
        self, pool: DirPool, vol: VolumeDef, build: Callable[[], None]
    ) -> StorageVolRef:
        """Run *build* for a volume :meth:`reserve_volume` reserved, then list it."""
        st = self.storage
        try:
            build()
        finally:
            with st.lock:
                st.creating.discard((pool.name, vol.name))
        with st.lock:
            pool.volumes[vol.name] = vol
            return pool.vol_ref(vol)

    def storage_vol_delete(self, ref: StorageVolRef, flags: int) -> None:
        unsupported_flags(flags, 0, "storageVolDelete", _ST)
        with self.storage.lock:
            pool, vol = self._vol(ref)
            try:
                os.unlink(vol.target_path or "")
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise _system(f"cannot unlink file '{vol.target_path}'", exc) from exc
            del pool.volumes[vol.name]

    def measure(self, ref: StorageVolRef) -> tuple[str, FileFacts]:
        """The volume's name and today's facts (libvirt refreshes a volume per query)."""
        with self.storage.lock:
            _, vol = self._vol(ref)
        path = vol.target_path or ""
        try:
            facts = file_facts(path)
        except OSError as exc:
            raise _system(f"cannot stat file '{path}'", exc) from exc
        except ValueError as exc:
            raise _err(ErrorCode.INTERNAL_ERROR, f"cannot read image '{path}': {exc}") from exc
        if not stat.S_ISREG(facts.stat.st_mode):
            raise _err(ErrorCode.INTERNAL_ERROR, f"'{path}' is not a regular file")
        return vol.name, facts

    def storage_vol_get_info(self, ref: StorageVolRef) -> StorageVolInfo:
        facts = self.measure(ref)[1]
        return StorageVolInfo(StorageVolType.FILE, facts.capacity, facts.allocation)

    def storage_vol_get_xml_desc(self, ref: StorageVolRef, flags: int) -> str:
        unsupported_flags(flags, 0, "storageVolGetXMLDesc", _ST)
        return format_file_volume(*self.measure(ref))

    def storage_vol_get_path(self, ref: StorageVolRef) -> str:
        with self.storage.lock:
            return self._vol(ref)[1].target_path or ""

    # -- streams ---------------------------------------------------------------------------
    def _vol_stream(self, ref: StorageVolRef, offset: int, length: int, writing: bool) -> FileStream:
        """libvirt's virStorageBackendVolUploadLocal / DownloadLocal: the volume's file,
        opened as a stream from *offset* for *length* bytes."""
        with self.storage.lock:
            _, vol = self._vol(ref)
            if (ref.pool, vol.name) in self.storage.creating:
                raise _err(ErrorCode.OPERATION_INVALID,
                           f"volume '{vol.name}' is still being allocated.")  # fmt: skip
            path = vol.target_path or ""
        return FileStream(path, offset, length, writing=writing)

    def storage_vol_upload(
        self, ref: StorageVolRef, offset: int, length: int, flags: int
    ) -> FileStream:
        unsupported_flags(flags, _SPARSE_STREAM, "storageVolUpload", _ST)
        return self._vol_stream(ref, offset, length, True)

    def storage_vol_download(
        self, ref: StorageVolRef, offset: int, length: int, flags: int
    ) -> FileStream:
        unsupported_flags(flags, _SPARSE_STREAM, "storageVolDownload", _ST)
        return self._vol_stream(ref, offset, length, False)


def _fs_sizes(pool: DirPool) -> tuple[int, int, int]:
    """libvirt's dir pool sizes: the file system's, from statvfs."""
    try:
        sv = os.statvfs(pool.path)
    except OSError as exc:
        raise _system(f"cannot statvfs path '{pool.path}'", exc) from exc
    capacity = sv.f_blocks * sv.f_frsize
    return capacity, (sv.f_blocks - sv.f_bfree) * sv.f_frsize, sv.f_bavail * sv.f_frsize


def _backing_of(vol: VolumeDef, fmt: str) -> tuple[str, str] | None:
    """The ``<backingStore>`` of a volume to create: (file, format), checked as libvirt
    checks it (raw volumes have none; the file must exist)."""
    el = vol.backing_store
    if el is None or not (el.findtext("path") or "").strip():
        return None
    if fmt == "raw":
        raise _err(ErrorCode.NO_SUPPORT, "backing storage not supported for raw volumes")
    path = (el.findtext("path") or "").strip()
    fmt_el = el.find("format")
    backing_fmt = fmt_el.get("type", "raw") if fmt_el is not None else "raw"
    try:
        os.stat(path)
    except OSError as exc:
        raise _system(f"inaccessible backing store volume {path}", exc) from exc
    return path, backing_fmt


def _create_image(vol: VolumeDef, fmt: str, *, full: bool, metadata: bool) -> None:
    """Raw files are written directly (every byte allocated when the allocation asks for
    the whole capacity), qcow2 through qemu-img, as libvirt's dir pools make them."""
    path = vol.target_path or ""
    backing = _backing_of(vol, fmt)
    if fmt == "raw":
        qemu_img.create_raw(path, vol.capacity, allocate=full)
    else:
        qemu_img.create_qcow2(path, vol.capacity, backing=backing, prealloc=metadata, full=full)
