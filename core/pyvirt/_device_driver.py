"""The driver contract's device, save/restore, core-dump and block-job entry points: part of
libvirt's virHypervisorDriver, mixed into :class:`pyvirt.driver.DriverConnection`.

Kept apart from :mod:`pyvirt.driver` so that module stays small: these are one family
(changing what a domain's devices are or hold, and moving its state to and from files).  As
there, every method answers libvirt's VIR_ERR_NO_SUPPORT (error domain DOMAIN, naming the C
API) until a driver overrides it, and its annotations are the procedure's wire signature.
"""

from __future__ import annotations

from pyvirt._codes import ErrorDomain
from pyvirt._records import DomainRef
from pyvirt._secret_drivers import _no_support

_D = ErrorDomain.DOMAIN


class DomainDeviceDriver:
    """Devices (attach, detach, update), save/restore, core dumps and block jobs."""

    # devices
    def domain_attach_device(self, dom: DomainRef, xml: str) -> None:
        """virDomainAttachDevice: hot-plug the device described by *xml* into the live domain."""
        _no_support("domain_attach_device", _D)

    def domain_attach_device_flags(self, dom: DomainRef, xml: str, flags: int) -> None:
        """virDomainAttachDeviceFlags: attach to the live and/or persistent definition
        (VIR_DOMAIN_AFFECT_LIVE/CONFIG/CURRENT)."""
        _no_support("domain_attach_device_flags", _D)

    def domain_detach_device(self, dom: DomainRef, xml: str) -> None:
        """virDomainDetachDevice: unplug the live device *xml* describes."""
        _no_support("domain_detach_device", _D)

    def domain_detach_device_flags(self, dom: DomainRef, xml: str, flags: int) -> None:
        """virDomainDetachDeviceFlags: detach from the live and/or persistent definition."""
        _no_support("domain_detach_device_flags", _D)

    def domain_update_device_flags(self, dom: DomainRef, xml: str, flags: int) -> None:
        """virDomainUpdateDeviceFlags: change a device in place (a CD-ROM's media, a link
        state); VIR_DOMAIN_DEVICE_MODIFY_FORCE (4) forces an eject."""
        _no_support("domain_update_device_flags", _D)

    def domain_detach_device_alias(self, dom: DomainRef, alias: str, flags: int) -> None:
        """virDomainDetachDeviceAlias: detach the device whose ``<alias name=>`` is *alias*."""
        _no_support("domain_detach_device_alias", _D)

    def domain_is_updated(self, dom: DomainRef) -> bool:
        """virDomainIsUpdated: whether the live definition differs from the persistent one."""
        _no_support("domain_is_updated", _D)

    # save and restore
    def domain_save_flags(self, dom: DomainRef, to: str, dxml: str | None, flags: int) -> None:
        """virDomainSave(Flags): write the running domain's state to the file *to* and stop
        it; *dxml* replaces the saved definition (VIR_DOMAIN_SAVE_BYPASS_CACHE, RUNNING,
        PAUSED)."""
        _no_support("domain_save_flags", _D)

    def domain_restore_flags(self, frm: str, dxml: str | None, flags: int) -> None:
        """virDomainRestore(Flags): start a domain from the save file *frm* (libvirt's
        ``from``); *dxml* replaces its definition."""
        _no_support("domain_restore_flags", _D)

    def domain_save_image_get_xml_desc(self, file: str, flags: int) -> str:
        """virDomainSaveImageGetXMLDesc: the definition held in the save file *file*."""
        _no_support("domain_save_image_get_xml_desc", _D)

    def domain_save_image_define_xml(self, file: str, dxml: str, flags: int) -> None:
        """virDomainSaveImageDefineXML: replace the definition held in the save file *file*
        (RUNNING/PAUSED change the state it restores to)."""
        _no_support("domain_save_image_define_xml", _D)

    def domain_managed_save_get_xml_desc(self, dom: DomainRef, flags: int) -> str:
        """virDomainManagedSaveGetXMLDesc: the definition held in the managed save image."""
        _no_support("domain_managed_save_get_xml_desc", _D)

    def domain_managed_save_define_xml(self, dom: DomainRef, dxml: str | None, flags: int) -> None:
        """virDomainManagedSaveDefineXML: replace the managed save image's definition."""
        _no_support("domain_managed_save_define_xml", _D)

    def domain_core_dump_with_format(
        self, dom: DomainRef, to: str, dumpformat: int, flags: int
    ) -> None:
        """virDomainCoreDump(WithFormat): write the guest's memory to *to* in *dumpformat*
        (VIR_DOMAIN_CORE_DUMP_FORMAT_*); flags CRASH, LIVE, BYPASS_CACHE, RESET, MEMORY_ONLY."""
        _no_support("domain_core_dump_with_format", _D)

    # block jobs
    def domain_block_commit(
        self, dom: DomainRef, disk: str, base: str | None, top: str | None, bandwidth: int,
        flags: int,
    ) -> None:  # fmt: skip
        """virDomainBlockCommit: merge *top* of *disk*'s backing chain down into *base*."""
        _no_support("domain_block_commit", _D)

    def domain_block_rebase(
        self, dom: DomainRef, path: str, base: str | None, bandwidth: int, flags: int
    ) -> None:
        """virDomainBlockRebase: pull the chain above *base* into *path* (or copy, with
        VIR_DOMAIN_BLOCK_REBASE_COPY)."""
        _no_support("domain_block_rebase", _D)

    def domain_block_pull(self, dom: DomainRef, path: str, bandwidth: int, flags: int) -> None:
        """virDomainBlockPull: fill *path* with the whole of its backing chain."""
        _no_support("domain_block_pull", _D)

    def domain_block_resize(self, dom: DomainRef, disk: str, size: int, flags: int) -> None:
        """virDomainBlockResize: grow *disk* to *size* KiB (bytes with
        VIR_DOMAIN_BLOCK_RESIZE_BYTES)."""
        _no_support("domain_block_resize", _D)

    def domain_get_block_job_info(self, dom: DomainRef, path: str, flags: int) -> list[int]:
        """virDomainGetBlockJobInfo: [type, bandwidth, cur, end] of the job on *path*, or an
        empty list when there is none."""
        _no_support("domain_get_block_job_info", _D)

    def domain_block_job_abort(self, dom: DomainRef, path: str, flags: int) -> None:
        """virDomainBlockJobAbort: cancel (or, with PIVOT, finish) the job on *path*."""
        _no_support("domain_block_job_abort", _D)

    def domain_block_job_set_speed(
        self, dom: DomainRef, path: str, bandwidth: int, flags: int
    ) -> None:
        """virDomainBlockJobSetSpeed: limit the job on *path* to *bandwidth* MiB/s."""
        _no_support("domain_block_job_set_speed", _D)

    def domain_set_block_threshold(
        self, dom: DomainRef, dev: str, threshold: int, flags: int
    ) -> None:
        """virDomainSetBlockThreshold: raise VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD when *dev*
        is written beyond *threshold* bytes."""
        _no_support("domain_set_block_threshold", _D)

    # native configuration
    def connect_domain_xml_from_native(
        self, native_format: str, native_config: str, flags: int
    ) -> str:
        """virConnectDomainXMLFromNative: a domain definition from a hypervisor's own
        configuration (``qemu-argv``, ...)."""
        _no_support("connect_domain_xml_from_native", _D)

    def connect_domain_xml_to_native(self, native_format: str, domain_xml: str, flags: int) -> str:
        """virConnectDomainXMLToNative: the hypervisor's own configuration for a definition."""
        _no_support("connect_domain_xml_to_native", _D)
