"""A domain's devices (attach, detach, update), save/restore and its images, core dumps and
block jobs: part of :class:`pyvirt.Domain` and :class:`pyvirt.Connection`, kept apart so the
family stays in one small module.

Argument checks are the ones libvirt's public API makes before the driver sees the call, with
its words.  Where libvirt has a flagless call beside the Flags one (virDomainAttachDevice and
virDomainAttachDeviceFlags ...), *flags* ``None`` makes the flagless call, so errors name
the API a libvirt program would have called.
"""

from __future__ import annotations

from pyvirt._checks import check_string, invalid_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import DomainRef

_SAVE_RUNNING, _SAVE_PAUSED = 2, 4  # VIR_DOMAIN_SAVE_RUNNING, VIR_DOMAIN_SAVE_PAUSED
_DUMP_FORMAT_RAW, _DUMP_FORMAT_LAST = 0, 5  # VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, _LAST


def _running_or_paused(flags: object, api: str) -> None:
    """libvirt's VIR_EXCLUSIVE_FLAGS for the state a save image restores to."""
    if isinstance(flags, int) and flags & _SAVE_RUNNING and flags & _SAVE_PAUSED:
        raise invalid_arg(
            "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive",
            api,
            "ctl",
        )


def _required(value: object, argname: str, api: str) -> str:
    if value is None:
        raise invalid_arg(f"{argname} in {api} must not be NULL", api, argname)
    return check_string(value, argname, api)


def _maybe(value: object, argname: str, api: str) -> str | None:
    return None if value is None else check_string(value, argname, api)


class DomainDeviceMethods:
    """Device, save, core-dump and block-job methods of :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    # -- devices ---------------------------------------------------------------------------
    def attach_device(self, xml: str, flags: int | None = None) -> None:
        """Add the device *xml* describes (virDomainAttachDevice; with *flags*,
        virDomainAttachDeviceFlags: :class:`DomainModificationImpact` LIVE/CONFIG/CURRENT)."""
        if flags is None:
            xml = _required(xml, "xml", "virDomainAttachDevice")
            self._conn._calls.domain_attach_device(self._ref, xml)
            return
        xml = _required(xml, "xml", "virDomainAttachDeviceFlags")
        self._conn._calls.domain_attach_device_flags(self._ref, xml, flags)

    def detach_device(self, xml: str, flags: int | None = None) -> None:
        """Remove the device *xml* describes (virDomainDetachDevice; with *flags*,
        virDomainDetachDeviceFlags)."""
        if flags is None:
            xml = _required(xml, "xml", "virDomainDetachDevice")
            self._conn._calls.domain_detach_device(self._ref, xml)
            return
        xml = _required(xml, "xml", "virDomainDetachDeviceFlags")
        self._conn._calls.domain_detach_device_flags(self._ref, xml, flags)

    def update_device(self, xml: str, flags: int = 0) -> None:
        """Change a device in place, such as a CD-ROM's media (virDomainUpdateDeviceFlags;
        VIR_DOMAIN_DEVICE_MODIFY_FORCE forces an eject)."""
        xml = _required(xml, "xml", "virDomainUpdateDeviceFlags")
        self._conn._calls.domain_update_device_flags(self._ref, xml, flags)

    def detach_device_alias(self, alias: str, flags: int = 0) -> None:
        """Remove the device whose alias is *alias* (virDomainDetachDeviceAlias)."""
        alias = _required(alias, "alias", "virDomainDetachDeviceAlias")
        self._conn._calls.domain_detach_device_alias(self._ref, alias, flags)

    def is_updated(self) -> bool:
        """Whether the running domain's definition differs from its persistent one
        (virDomainIsUpdated)."""
        return bool(self._conn._calls.domain_is_updated(self._ref))

    # -- save and core dump ----------------------------------------------------------------
    def save(self, to: str, dxml: str | None = None, flags: int | None = None) -> None:
        """Write the running domain's state to the file *to* and stop it (virDomainSave;
        with *dxml* or *flags*, virDomainSaveFlags: BYPASS_CACHE, and RUNNING or PAUSED for
        the state a restore leaves it in)."""
        api = "virDomainSave" if flags is None and dxml is None else "virDomainSaveFlags"
        to = _required(to, "to", api)
        dxml = _maybe(dxml, "dxml", api)
        _running_or_paused(flags, api)
        self._conn._calls.domain_save_flags(self._ref, to, dxml, flags or 0, api=api)

    def core_dump(self, to: str, flags: int = 0, dumpformat: int | None = None) -> None:
        """Write the guest's memory to the file *to* (virDomainCoreDump; with *dumpformat*
        (:class:`DomainCoreDumpFormat`), virDomainCoreDumpWithFormat).  *flags*:
        :class:`DomainCoreDumpFlags`; CRASH and LIVE, and CRASH and RESET, exclude each other."""
        api = "virDomainCoreDump" if dumpformat is None else "virDomainCoreDumpWithFormat"
        to = _required(to, "to", api)
        if isinstance(flags, int):
            for a, b, names in ((1, 2, ("CRASH", "LIVE")), (1, 8, ("CRASH", "RESET"))):
                if flags & a and flags & b:
                    raise invalid_arg(
                        f"Flags 'VIR_DUMP_{names[0]}' and 'VIR_DUMP_{names[1]}' are mutually "
                        "exclusive",
                        api,
                        "ctl",
                    )
        fmt = _DUMP_FORMAT_RAW if dumpformat is None else dumpformat
        if isinstance(fmt, int) and not 0 <= fmt < _DUMP_FORMAT_LAST:
            raise invalid_arg(f"dumpformat '{fmt}' is not supported", api, "flags")
        self._conn._calls.domain_core_dump_with_format(self._ref, to, fmt, flags, api=api)

    def managed_save_xml(self, flags: int = 0) -> str:
        """The definition held in the managed save image (virDomainManagedSaveGetXMLDesc;
        VIR_DOMAIN_SAVE_IMAGE_XML_SECURE adds secrets)."""
        return self._conn._calls.domain_managed_save_get_xml_desc(self._ref, flags)

    def define_managed_save_xml(self, dxml: str | None, flags: int = 0) -> None:
        """Replace the managed save image's definition (virDomainManagedSaveDefineXML;
        RUNNING or PAUSED change the state the next start leaves the domain in)."""
        api = "virDomainManagedSaveDefineXML"
        dxml = _maybe(dxml, "dxml", api)
        _running_or_paused(flags, api)
        self._conn._calls.domain_managed_save_define_xml(self._ref, dxml, flags)

    # -- block jobs ------------------------------------------------------------------------
    def block_commit(
        self, disk: str, base: str | None = None, top: str | None = None, bandwidth: int = 0,
        flags: int = 0,
    ) -> None:  # fmt: skip
        """Merge *top* of *disk*'s backing chain into *base* (virDomainBlockCommit)."""
        api = "virDomainBlockCommit"
        disk = _required(disk, "disk", api)
        base, top = _maybe(base, "base", api), _maybe(top, "top", api)
        self._conn._calls.domain_block_commit(self._ref, disk, base, top, bandwidth, flags)

    def block_rebase(
        self, disk: str, base: str | None = None, bandwidth: int = 0, flags: int = 0
    ) -> None:
        """Pull the chain above *base* into *disk*, or copy it (virDomainBlockRebase)."""
        api = "virDomainBlockRebase"
        disk = _required(disk, "disk", api)
        base = _maybe(base, "base", api)
        self._conn._calls.domain_block_rebase(self._ref, disk, base, bandwidth, flags)

    def block_pull(self, disk: str, bandwidth: int = 0, flags: int = 0) -> None:
        """Fill *disk* with its whole backing chain (virDomainBlockPull)."""
        disk = _required(disk, "disk", "virDomainBlockPull")
        self._conn._calls.domain_block_pull(self._ref, disk, bandwidth, flags)

    def block_resize(self, disk: str, size: int, flags: int = 0) -> None:
        """Grow *disk* to *size* KiB, or bytes with VIR_DOMAIN_BLOCK_RESIZE_BYTES
        (virDomainBlockResize)."""
        disk = _required(disk, "disk", "virDomainBlockResize")
        self._conn._calls.domain_block_resize(self._ref, disk, size, flags)

    def block_job_info(self, disk: str, flags: int = 0) -> dict[str, int]:
        """The block job on *disk* as libvirt-python gives it (type, bandwidth, cur, end),
        or an empty dict when there is none (virDomainGetBlockJobInfo)."""
        disk = _required(disk, "disk", "virDomainGetBlockJobInfo")
        info = self._conn._calls.domain_get_block_job_info(self._ref, disk, flags)
        return dict(zip(("type", "bandwidth", "cur", "end"), info, strict=False))

    def block_job_abort(self, disk: str, flags: int = 0) -> None:
        """Cancel the block job on *disk*, or pivot to its copy (virDomainBlockJobAbort)."""
        disk = _required(disk, "disk", "virDomainBlockJobAbort")
        self._conn._calls.domain_block_job_abort(self._ref, disk, flags)

    def block_job_set_speed(self, disk: str, bandwidth: int, flags: int = 0) -> None:
        """Limit the block job on *disk* to *bandwidth* (virDomainBlockJobSetSpeed)."""
        disk = _required(disk, "disk", "virDomainBlockJobSetSpeed")
        self._conn._calls.domain_block_job_set_speed(self._ref, disk, bandwidth, flags)

    def set_block_threshold(self, dev: str, threshold: int, flags: int = 0) -> None:
        """Ask for a BLOCK_THRESHOLD event when *dev* is written past *threshold* bytes
        (virDomainSetBlockThreshold)."""
        dev = _required(dev, "dev", "virDomainSetBlockThreshold")
        self._conn._calls.domain_set_block_threshold(self._ref, dev, threshold, flags)


class ConnectionSaveImageMethods:
    """Restore, save-image and native-configuration methods of :class:`pyvirt.Connection`."""

    if TYPE_CHECKING:
        from pyvirt._calls import DriverCalls

        _calls: DriverCalls

    def restore(self, frm: str, dxml: str | None = None, flags: int | None = None) -> None:
        """Start a domain again from the save file *frm* (virDomainRestore; with *dxml* or
        *flags*, virDomainRestoreFlags: BYPASS_CACHE, RUNNING or PAUSED)."""
        api = "virDomainRestore" if flags is None and dxml is None else "virDomainRestoreFlags"
        frm = _required(frm, "from", api)
        dxml = _maybe(dxml, "dxml", api)
        _running_or_paused(flags, api)
        self._calls.domain_restore_flags(frm, dxml, flags or 0, api=api)

    def save_image_xml(self, file: str, flags: int = 0) -> str:
        """The definition held in the save file *file* (virDomainSaveImageGetXMLDesc)."""
        file = _required(file, "file", "virDomainSaveImageGetXMLDesc")
        return self._calls.domain_save_image_get_xml_desc(file, flags)

    def define_save_image_xml(self, file: str, dxml: str, flags: int = 0) -> None:
        """Replace the definition held in the save file *file* (virDomainSaveImageDefineXML;
        RUNNING or PAUSED change the state a restore leaves the domain in)."""
        api = "virDomainSaveImageDefineXML"
        file = _required(file, "file", api)
        dxml = _required(dxml, "dxml", api)
        _running_or_paused(flags, api)
        self._calls.domain_save_image_define_xml(file, dxml, flags)

    def domain_xml_from_native(self, native_format: str, native_config: str, flags: int = 0) -> str:
        """A domain definition from a hypervisor's own configuration
        (virConnectDomainXMLFromNative)."""
        api = "virConnectDomainXMLFromNative"
        native_format = _required(native_format, "nativeFormat", api)
        native_config = _required(native_config, "nativeConfig", api)
        return self._calls.connect_domain_xml_from_native(native_format, native_config, flags)

    def domain_xml_to_native(self, native_format: str, domain_xml: str, flags: int = 0) -> str:
        """The hypervisor's own configuration for a definition (virConnectDomainXMLToNative)."""
        api = "virConnectDomainXMLToNative"
        native_format = _required(native_format, "nativeFormat", api)
        domain_xml = _required(domain_xml, "domainXml", api)
        return self._calls.connect_domain_xml_to_native(native_format, domain_xml, flags)
