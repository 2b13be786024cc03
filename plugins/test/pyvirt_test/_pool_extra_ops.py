"""Storage entry points of the test driver beyond the pool and volume life cycle: source
discovery (libvirt's testConnectFindStoragePoolSources) and cloning a volume
(testStorageVolCreateXMLFrom).

libvirt's test driver "discovers" two canned volume groups for logical pools and one share of
the host named in the query for netfs pools; every other type is refused as libvirt refuses
it.  A clone is bookkeeping only, as every test volume is: a new volume in the same pool whose
allocation is its capacity.  Resizing, wiping and pool capabilities are not in libvirt's test
driver: the contract's NO_SUPPORT answers stand.
"""

from __future__ import annotations

from pyvirt import ErrorCode, ErrorDomain, StoragePoolRef, StorageVolRef, conf, make_error
from pyvirt.driver import unsupported_flags

from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import VolumeDef

    from pyvirt_test._objects import TestPool

_T = ErrorDomain.TEST

#: What libvirt's test driver answers for logical pools, whatever was asked.
_LOGICAL_SOURCES = """<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
"""
#: ... and for netfs pools: the one share of the host the query names.
_NETFS_SOURCES = """<sources>
  <source>
    <host name='{host}'/>
    <dir path='/testshare'/>
    <format type='nfs'/>
  </source>
</sources>
"""
#: libvirt's pool type names in virStoragePoolType order: "dir" is 0, which libvirt's test
#: driver mistakes for "unknown" (it tests the index for zero).
_POOL_TYPES = (
    "dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd",
    "sheepdog", "gluster", "zfs", "vstorage",
)  # fmt: skip


def _source_host(src_spec: str) -> str | None:
    """The first ``<host name=...>`` of a ``<source>`` query (virStoragePoolDefParseSource's
    checks and messages for the parts the test driver reads)."""
    from pyvirt.conf import parse_document  # (loads lxml: on first use, not at import)

    root = parse_document(src_spec, "storage_source_specification", ErrorDomain.STORAGE)
    if root.tag != "source":
        raise make_error(
            ErrorCode.XML_ERROR, ErrorDomain.STORAGE,
            f"expecting root element of 'source', not '{root.tag}'",
        )  # fmt: skip
    host = root.find("host")
    if host is None:
        return None
    name = host.get("name")
    if name is None:
        raise make_error(ErrorCode.XML_ERROR, ErrorDomain.STORAGE, "missing storage pool host name")
    return name


class PoolExtraOps:
    state: TestState

    if TYPE_CHECKING:

        def _active_pool_for(self, ref: StoragePoolRef) -> TestPool: ...

    def connect_find_storage_pool_sources(
        self, type: str, src_spec: str | None, flags: int
    ) -> str:
        unsupported_flags(flags, 0, "testConnectFindStoragePoolSources", _T)
        if type == _POOL_TYPES[0]:
            raise make_error(ErrorCode.INTERNAL_ERROR, _T, f"unknown storage pool type {type}")
        host = _source_host(src_spec) if src_spec is not None else None
        if type == "logical":
            return _LOGICAL_SOURCES
        if type == "netfs":
            if host is None:
                raise make_error(
                    ErrorCode.INVALID_ARG, _T, "hostname must be specified for netfs sources"
                )
            return _NETFS_SOURCES.format(host=host)
        raise make_error(
            ErrorCode.NO_SUPPORT, _T, f"pool type '{type}' does not support source discovery"
        )

    def storage_vol_create_xml_from(
        self, pool: StoragePoolRef, xml: str, clonevol: StorageVolRef, flags: int
    ) -> StorageVolRef:
        unsupported_flags(flags, 0, "testStorageVolCreateXMLFrom", _T)
        with self.state.lock:
            obj = self._active_pool_for(pool)
            vol: VolumeDef = conf.parse_volume_xml(xml, pool=obj.defn)
            if obj.volumes.find_by_name(vol.name) is not None:
                raise make_error(ErrorCode.OPERATION_FAILED, _T, "storage vol already exists")
            if obj.volumes.find_by_name(clonevol.name) is None:
                raise make_error(
                    ErrorCode.NO_STORAGE_VOL, _T,
                    f"no storage vol with matching name '{clonevol.name}'",
                )  # fmt: skip
            conf.apply_volume_defaults(vol, obj.defn)
            assert vol.allocation is not None
            if obj.defn.allocation + vol.allocation > obj.defn.capacity:
                raise make_error(
                    ErrorCode.INTERNAL_ERROR, _T,
                    f"Not enough free space in pool for volume '{vol.name}'",
                )  # fmt: skip
            obj.volumes.add(vol)
            obj.defn.allocation += vol.allocation
            obj.defn.available = obj.defn.capacity - obj.defn.allocation
            return obj.vol_ref(vol)
