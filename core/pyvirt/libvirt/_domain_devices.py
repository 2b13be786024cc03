"""libvirt-python's device, save/restore, core-dump and block-job methods (``attachDevice``,
``save``, ``restore``, ``coreDump``, ``blockCommit`` ...), families of
:class:`pyvirt.libvirt.virDomain` and :class:`pyvirt.libvirt.virConnect` kept in one module.

Signatures and return shapes are libvirt-python's: 0 for success, the XML as ``str``,
``isUpdated`` as an int, ``blockJobInfo`` as a dict (empty when no job runs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api

if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._objects import Domain


def _s(value: Any, c_api: str, position: int) -> str:
    """A string argument whose NULL the public layer reports, in libvirt's words."""
    return _args.optional_string(value, c_api, position)  # type: ignore[return-value]


class DomainDeviceMethods:
    """Mixin of :class:`pyvirt.libvirt.virDomain`."""

    _o: Domain

    # -- devices ---------------------------------------------------------------------------
    @api
    def attachDevice(self, xml: str) -> int:  # noqa: N802 - libvirt-python's name
        self._o.attach_device(_s(xml, "virDomainAttachDevice", 2))
        return 0

    @api
    def attachDeviceFlags(self, xml: str, flags: int = 0) -> int:  # noqa: N802
        self._o.attach_device(_s(xml, "virDomainAttachDeviceFlags", 2), _args.flags(flags))
        return 0

    @api
    def detachDevice(self, xml: str) -> int:  # noqa: N802
        self._o.detach_device(_s(xml, "virDomainDetachDevice", 2))
        return 0

    @api
    def detachDeviceFlags(self, xml: str, flags: int = 0) -> int:  # noqa: N802
        self._o.detach_device(_s(xml, "virDomainDetachDeviceFlags", 2), _args.flags(flags))
        return 0

    @api
    def updateDeviceFlags(self, xml: str, flags: int = 0) -> int:  # noqa: N802
        self._o.update_device(_s(xml, "virDomainUpdateDeviceFlags", 2), _args.flags(flags))
        return 0

    @api
    def detachDeviceAlias(self, alias: str, flags: int = 0) -> int:  # noqa: N802
        self._o.detach_device_alias(_s(alias, "virDomainDetachDeviceAlias", 2), _args.flags(flags))
        return 0

    @api
    def isUpdated(self) -> int:  # noqa: N802
        return int(self._o.is_updated())

    # -- save and core dump ----------------------------------------------------------------
    @api
    def save(self, to: str) -> int:
        self._o.save(_s(to, "virDomainSave", 2))
        return 0

    @api
    def saveFlags(self, to: str, dxml: str | None = None, flags: int = 0) -> int:  # noqa: N802
        c_api = "virDomainSaveFlags"
        self._o.save(_s(to, c_api, 2), _args.optional_string(dxml, c_api, 3), _args.flags(flags))
        return 0

    @api
    def coreDump(self, to: str, flags: int = 0) -> int:  # noqa: N802
        self._o.core_dump(_s(to, "virDomainCoreDump", 2), _args.flags(flags))
        return 0

    @api
    def coreDumpWithFormat(self, to: str, dumpformat: int, flags: int = 0) -> int:  # noqa: N802
        self._o.core_dump(
            _s(to, "virDomainCoreDumpWithFormat", 2), _args.flags(flags), _args.c_uint(dumpformat)
        )
        return 0

    @api
    def managedSaveGetXMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.managed_save_xml(_args.flags(flags))

    @api
    def managedSaveDefineXML(self, dxml: str | None, flags: int = 0) -> int:  # noqa: N802
        c_api = "virDomainManagedSaveDefineXML"
        self._o.define_managed_save_xml(_args.optional_string(dxml, c_api, 2), _args.flags(flags))
        return 0

    # -- block jobs ------------------------------------------------------------------------
    @api
    def blockCommit(  # noqa: N802
        self, disk: str, base: str | None, top: str | None, bandwidth: int = 0, flags: int = 0
    ) -> int:
        c_api = "virDomainBlockCommit"
        self._o.block_commit(
            _s(disk, c_api, 2),
            _args.optional_string(base, c_api, 3),
            _args.optional_string(top, c_api, 4),
            _args.c_ulong(bandwidth),
            _args.flags(flags),
        )
        return 0

    @api
    def blockRebase(  # noqa: N802
        self, disk: str, base: str | None, bandwidth: int = 0, flags: int = 0
    ) -> int:
        c_api = "virDomainBlockRebase"
        self._o.block_rebase(
            _s(disk, c_api, 2),
            _args.optional_string(base, c_api, 3),
            _args.c_ulong(bandwidth),
            _args.flags(flags),
        )
        return 0

    @api
    def blockPull(self, disk: str, bandwidth: int = 0, flags: int = 0) -> int:  # noqa: N802
        self._o.block_pull(
            _s(disk, "virDomainBlockPull", 2), _args.c_ulong(bandwidth), _args.flags(flags)
        )
        return 0

    @api
    def blockResize(self, disk: str, size: int, flags: int = 0) -> int:  # noqa: N802
        self._o.block_resize(
            _s(disk, "virDomainBlockResize", 2), _args.c_long_long(size), _args.flags(flags)
        )
        return 0

    @api
    def blockJobInfo(self, path: str, flags: int = 0) -> dict[str, int]:  # noqa: N802
        return self._o.block_job_info(_s(path, "virDomainGetBlockJobInfo", 2), _args.flags(flags))

    @api
    def blockJobAbort(self, disk: str, flags: int = 0) -> int:  # noqa: N802
        self._o.block_job_abort(_s(disk, "virDomainBlockJobAbort", 2), _args.flags(flags))
        return 0

    @api
    def blockJobSetSpeed(self, disk: str, bandwidth: int, flags: int = 0) -> int:  # noqa: N802
        self._o.block_job_set_speed(
            _s(disk, "virDomainBlockJobSetSpeed", 2), _args.c_ulong(bandwidth), _args.flags(flags)
        )
        return 0

    @api
    def setBlockThreshold(self, dev: str, threshold: int, flags: int = 0) -> int:  # noqa: N802
        self._o.set_block_threshold(
            _s(dev, "virDomainSetBlockThreshold", 2),
            _args.c_long_long(threshold),
            _args.flags(flags),
        )
        return 0


class ConnectSaveImageMethods:
    """Mixin of :class:`pyvirt.libvirt.virConnect`: restore, save images, native XML."""

    _o: Connection

    @api
    def restore(self, frm: str) -> int:
        self._o.restore(_s(frm, "virDomainRestore", 2))
        return 0

    @api
    def restoreFlags(self, frm: str, dxml: str | None = None, flags: int = 0) -> int:  # noqa: N802
        c_api = "virDomainRestoreFlags"
        self._o.restore(
            _s(frm, c_api, 2), _args.optional_string(dxml, c_api, 3), _args.flags(flags)
        )
        return 0

    @api
    def saveImageGetXMLDesc(self, file: str, flags: int = 0) -> str:  # noqa: N802
        return self._o.save_image_xml(
            _s(file, "virDomainSaveImageGetXMLDesc", 2), _args.flags(flags)
        )

    @api
    def saveImageDefineXML(self, file: str, dxml: str, flags: int = 0) -> int:  # noqa: N802
        c_api = "virDomainSaveImageDefineXML"
        self._o.define_save_image_xml(_s(file, c_api, 2), _s(dxml, c_api, 3), _args.flags(flags))
        return 0

    @api
    def domainXMLFromNative(  # noqa: N802
        self,
        nativeFormat: str,
        nativeConfig: str,
        flags: int = 0,  # noqa: N803
    ) -> str:
        c_api = "virConnectDomainXMLFromNative"
        return self._o.domain_xml_from_native(
            _s(nativeFormat, c_api, 2), _s(nativeConfig, c_api, 3), _args.flags(flags)
        )

    @api
    def domainXMLToNative(  # noqa: N802
        self,
        nativeFormat: str,
        domainXml: str,
        flags: int = 0,  # noqa: N803
    ) -> str:
        c_api = "virConnectDomainXMLToNative"
        return self._o.domain_xml_to_native(
            _s(nativeFormat, c_api, 2), _s(domainXml, c_api, 3), _args.flags(flags)
        )
