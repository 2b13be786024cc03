"""``virStoragePool`` and ``virStorageVol`` over pyvirt's storage handles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import Handle, IdentifiedHandle
from pyvirt.libvirt._unsupported import add_unsupported

if TYPE_CHECKING:
    from pyvirt._objects import StoragePool, StorageVol
    from pyvirt.libvirt._stream import virStream


class virStoragePool(IdentifiedHandle):  # noqa: N801 - libvirt-python's name
    """A storage pool on a :class:`virConnect`."""

    _o: StoragePool

    if TYPE_CHECKING:
        # The NO_SUPPORT stubs are attached at import (see _unsupported); this tells type
        # checkers that those methods exist.
        def __getattr__(self, name: str) -> Any: ...

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virStoragePool) and other._o.uuid == self._o.uuid

    def __hash__(self) -> int:
        return hash(self._o.uuid)

    @api
    def info(self) -> list[int]:
        """[state, capacity, allocation, available], sizes in bytes."""
        i = self._o.info()
        return [int(i.state), i.capacity, i.allocation, i.available]

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def create(self, flags: int = 0) -> int:
        self._o.start(_args.flags(flags))
        return 0

    @api
    def build(self, flags: int = 0) -> int:
        self._o.build(_args.flags(flags))
        return 0

    @api
    def destroy(self) -> int:
        self._o.destroy()
        return 0

    @api
    def delete(self, flags: int = 0) -> int:
        self._o.delete(_args.flags(flags))
        return 0

    @api
    def undefine(self) -> int:
        self._o.undefine()
        return 0

    @api
    def refresh(self, flags: int = 0) -> int:
        self._o.refresh(_args.flags(flags))
        return 0

    @api
    def listAllVolumes(self, flags: int = 0) -> list[virStorageVol]:  # noqa: N802
        return [virStorageVol(self._conn, v) for v in self._o.list_volumes(_args.flags(flags))]

    @api
    def listVolumes(self) -> list[str]:  # noqa: N802
        return [v.name for v in self._o.list_volumes(0)]

    @api
    def numOfVolumes(self) -> int:  # noqa: N802
        return len(self._o.list_volumes(0))

    @api
    def storageVolLookupByName(self, name: str) -> virStorageVol:  # noqa: N802
        name = _args.string(name, "virStorageVolLookupByName", 2, "name")
        return virStorageVol(self._conn, self._o.lookup_volume_by_name(name))

    @api
    def createXML(self, xmlDesc: str, flags: int = 0) -> virStorageVol:  # noqa: N802, N803
        xml = _args.string(xmlDesc, "virStorageVolCreateXML", 2, "xmlDesc")
        return virStorageVol(self._conn, self._o.create_volume(xml, _args.flags(flags)))

    @api
    def createXMLFrom(  # noqa: N802
        self, xmlDesc: str, clonevol: virStorageVol, flags: int = 0  # noqa: N803
    ) -> virStorageVol:
        xml = _args.string(xmlDesc, "virStorageVolCreateXMLFrom", 2, "xmlDesc", 18)
        vol = self._o.create_volume_from(xml, clonevol._o, _args.flags(flags))
        return virStorageVol(self._conn, vol)


class virStorageVol(Handle):  # noqa: N801 - libvirt-python's name
    """A volume in a storage pool."""

    _o: StorageVol

    if TYPE_CHECKING:
        # The NO_SUPPORT stubs are attached at import (see _unsupported); this tells type
        # checkers that those methods exist.
        def __getattr__(self, name: str) -> Any: ...

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virStorageVol) and other._o.key == self._o.key

    def __hash__(self) -> int:
        return hash(self._o.key)

    def key(self) -> str:
        return self._o.key

    @api
    def path(self) -> str:
        return self._o.path()

    @api
    def info(self) -> list[int]:
        """[type, capacity, allocation], sizes in bytes."""
        i = self._o.info()
        return [int(i.type), i.capacity, i.allocation]

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def delete(self, flags: int = 0) -> int:
        self._o.delete(_args.flags(flags))
        return 0

    @api
    def upload(self, stream: virStream, offset: int, length: int, flags: int = 0) -> int:
        self._o.upload(stream._o, _args.c_ulong(offset), _args.c_ulong(length), _args.flags(flags))
        return 0

    @api
    def download(self, stream: virStream, offset: int, length: int, flags: int = 0) -> int:
        self._o.download(stream._o, _args.c_ulong(offset), _args.c_ulong(length), _args.flags(flags))
        return 0

    @api
    def resize(self, capacity: int, flags: int = 0) -> int:
        self._o.resize(_args.c_ulong(capacity), _args.flags(flags))
        return 0

    @api
    def wipe(self, flags: int = 0) -> int:
        self._o.wipe(_args.flags(flags))
        return 0

    @api
    def wipePattern(self, algorithm: int, flags: int = 0) -> int:  # noqa: N802
        self._o.wipe_pattern(_args.c_uint(algorithm), _args.flags(flags))
        return 0

    @api
    def storagePoolLookupByVolume(self) -> virStoragePool:  # noqa: N802
        return virStoragePool(self._conn, self._o.pool())


add_unsupported(virStoragePool)
add_unsupported(virStorageVol)
