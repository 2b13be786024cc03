"""The procedure table: every driver entry point, once.  pyvirt's ``remote_protocol.x``.

Each row carries what libvirt annotates on a procedure: its RPC number, the driver method that
implements it, the libvirt API it stands for (named in errors such as "read only access
prevents virDomainSuspend"), the object it acts on, the access-control permissions it needs
(``@acl:`` — unconditional ones, and those that apply only when a flag is set, such as
``domain:read_secure`` for ``VIR_DOMAIN_XML_SECURE``) and whether it runs on the daemon's
priority workers (``@priority: high``).  Argument and result types are the annotations of the
driver method the row names (:class:`pyvirt.driver.DriverConnection`).

Everything else is generated from, or checked against, this table: the public API's entry
checks and the permission check (:mod:`pyvirt._access`, one rule for the public API, the
clients and the daemon), the client stubs, the daemon's dispatch and the protocol document
(``python -m pyvirt._tools.gen_api``; ``--check`` in CI fails on drift).

Adding a procedure: one row here (libvirt's number, API and ``@acl`` lines), one method on
the driver contract, then run the generator.
"""

from __future__ import annotations

from pyvirt._access import read_only_holds
from pyvirt._record import record


@record
class FlagAcl:
    """A permission needed only for some flags (libvirt's ``@acl: obj:perm:FLAG``): when any
    bit of *mask* is set in the call's flags, or, with *when_set* false, when none is."""

    permission: str
    mask: int
    when_set: bool = True

    def applies(self, flags: int) -> bool:
        return bool(flags & self.mask) == self.when_set


@record
class Procedure:
    """One row of the table."""

    number: int
    method: str
    api: str
    #: What the procedure acts on: connect, domain, network, storage_pool, storage_vol, secret,
    #: nwfilter, nwfilter_binding, interface or node_device.
    object: str
    #: Permissions always needed, as "object:permission" (libvirt's viraccessperm names).
    acl: tuple[str, ...]
    #: Permissions needed only with some flags.
    flag_acl: tuple[FlagAcl, ...]
    #: Served by the daemon's priority workers (libvirt's ``@priority: high``).
    priority: bool
    #: Whether a read-only connection may make the call at all (every unconditional
    #: permission held, per :func:`pyvirt._access.read_only_holds`): derived once, for the
    #: worker's refusal before it reads a call's arguments.
    readonly_ok: bool
    #: libvirt's public API refuses read-only connections (``virCheckReadOnlyGoto``) although
    #: the @acl asks only read permissions: calls that may reach into the guest, such as
    #: virDomainGetHostname through the guest agent.
    refuses_read_only: bool = False
    #: The RPC program the procedure belongs to: "remote" (libvirt's REMOTE_PROGRAM, the
    #: public API), "qemu" (QEMU_PROGRAM, libvirt-qemu.so) or "lxc" (LXC_PROGRAM,
    #: libvirt-lxc.so).  Each program numbers its procedures from 1, as libvirt's do.
    program: str = "remote"

    @property
    def key(self) -> int:
        """The row's one number across programs: its procedure number, plus the program's
        offset (:data:`PROGRAM_OFFSETS`; 0 for the remote program, so a remote procedure's key
        is its number).  Dispatch, signatures and client stubs are keyed by it."""
        return PROGRAM_OFFSETS[self.program] + self.number


#: Program name -> libvirt's program code, as the wire header carries it.
PROGRAM_CODES: dict[str, int] = {"remote": 0x20008086, "qemu": 0x20008087, "lxc": 0x00068000}
#: Program name -> offset of its procedures' keys (:attr:`Procedure.key`); no program has
#: 65,536 procedures.
PROGRAM_OFFSETS: dict[str, int] = {"remote": 0, "qemu": 1 << 16, "lxc": 2 << 16}
_PROGRAM_BY_CODE = {code: PROGRAM_OFFSETS[name] for name, code in PROGRAM_CODES.items()}


def procedure_key(program_code: int, number: int) -> int | None:
    """The key of procedure *number* of the program whose wire code is *program_code*, or
    None for a program that has no procedures in the table."""
    offset = _PROGRAM_BY_CODE.get(program_code)
    return None if offset is None else offset + number


def wire_address(key: int) -> tuple[int, int]:
    """(program code, procedure number) of the procedure whose key is *key*."""
    offset = key & ~0xFFFF
    name = next(n for n, o in PROGRAM_OFFSETS.items() if o == offset)
    return PROGRAM_CODES[name], key & 0xFFFF


# Flag bits the flag-dependent permissions name (values of libvirt's enums; the enum classes
# themselves are not imported: this table is read on every pyvirsh run).
_XML_SECURE = 1  # VIR_DOMAIN_XML_SECURE
_XML_MIGRATABLE = 8  # VIR_DOMAIN_XML_MIGRATABLE
_VCPU_GUEST = 8  # VIR_DOMAIN_VCPU_GUEST
_GUEST_AGENT = 2  # VIR_DOMAIN_SHUTDOWN_GUEST_AGENT, VIR_DOMAIN_REBOOT_GUEST_AGENT
_AFFECT_LIVE = 1  # VIR_DOMAIN_AFFECT_LIVE
_AFFECT_CONFIG = 2  # VIR_DOMAIN_AFFECT_CONFIG
_SNAPSHOT_QUIESCE = 64  # VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE
_CHECKPOINT_QUIESCE = 2  # VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE

#: ``domain:save`` as libvirt requires it for calls with LIVE/CONFIG/CURRENT impact: with
#: CONFIG, or when neither CONFIG nor LIVE is given (CURRENT may mean the config).
_SAVE_BY_IMPACT = (
    FlagAcl("domain:save", _AFFECT_CONFIG | _AFFECT_LIVE, when_set=False),
    FlagAcl("domain:save", _AFFECT_CONFIG),
)


def _readonly_ok(acl: tuple[str, ...]) -> bool:
    return all(read_only_holds(p) for p in acl)


def _p(
    number: int,
    method: str,
    api: str,
    *acl: str,
    flags: tuple[FlagAcl, ...] = (),
    prio: bool = False,
    refuses_read_only: bool = False,
    program: str = "remote",
) -> Procedure:
    obj = method.split("_")[0]
    if method.startswith("storage_pool_") or method == "connect_list_all_storage_pools":
        obj = "storage_pool"
    elif method.startswith("storage_vol_"):
        obj = "storage_vol"
    elif method.startswith("nwfilter_binding_"):
        obj = "nwfilter_binding"
    elif method.startswith("network_port_"):
        obj = "network_port"
    if method.startswith(("connect_", "node_")):
        obj = "connect"
    if method.startswith("node_device_"):
        obj = "node_device"
    readonly_ok = _readonly_ok(acl) and not refuses_read_only
    return Procedure(
        number, method, api, obj, acl, flags, prio, readonly_ok, refuses_read_only, program
    )


PROCEDURES: tuple[Procedure, ...] = (
    # connection and host
    _p(1, "connect_open", "virConnectOpen", "connect:getattr", prio=True),
    _p(2, "connect_close", "virConnectClose", prio=True),
    _p(3, "connect_get_type", "virConnectGetType", "connect:getattr", prio=True),
    _p(4, "connect_get_version", "virConnectGetVersion", "connect:getattr", prio=True),
    _p(5, "connect_get_max_vcpus", "virConnectGetMaxVcpus", "connect:read", prio=True),
    _p(6, "node_get_info", "virNodeGetInfo", "connect:read", prio=True),
    _p(7, "connect_get_capabilities", "virConnectGetCapabilities", "connect:read"),
    _p(59, "connect_get_hostname", "virConnectGetHostname", "connect:getattr", prio=True),
    _p(110, "connect_get_uri", "virConnectGetURI", "connect:getattr", prio=True),
    _p(149, "connect_is_secure", "virConnectIsSecure", prio=True),
    _p(157, "connect_get_lib_version", "virConnectGetLibVersion", "connect:getattr", prio=True),
    _p(203, "connect_get_sysinfo", "virConnectGetSysinfo", "connect:read", prio=True),
    _p(102, "node_get_free_memory", "virNodeGetFreeMemory", "connect:read", prio=True),
    _p(
        316,
        "connect_event_subscribe",
        "virConnectDomainEventRegisterAny",
        "connect:search_domains",
        prio=True,
    ),
    _p(
        317,
        "connect_event_unsubscribe",
        "virConnectDomainEventDeregisterAny",
        "connect:read",
        prio=True,
    ),
    _p(122, "node_get_security_model", "virNodeGetSecurityModel", "connect:read", prio=True),
    # domains: lookup and listing
    _p(22, "domain_lookup_by_id", "virDomainLookupByID", "domain:getattr", prio=True),
    _p(23, "domain_lookup_by_name", "virDomainLookupByName", "domain:getattr", prio=True),
    _p(24, "domain_lookup_by_uuid", "virDomainLookupByUUID", "domain:getattr", prio=True),
    _p(
        273,
        "connect_list_all_domains",
        "virConnectListAllDomains",
        "connect:search_domains",
        prio=True,
    ),
    # domains: lifecycle
    _p(
        350,
        "domain_define_xml",
        "virDomainDefineXMLFlags",
        "domain:write",
        "domain:save",
        prio=True,
    ),
    _p(10, "domain_create_xml", "virDomainCreateXML", "domain:write", "domain:start"),
    _p(196, "domain_create", "virDomainCreateWithFlags", "domain:start"),
    _p(231, "domain_undefine", "virDomainUndefineFlags", "domain:delete", prio=True),
    _p(
        258,
        "domain_shutdown",
        "virDomainShutdownFlags",
        "domain:init_control",
        flags=(FlagAcl("domain:write", _GUEST_AGENT),),
    ),
    _p(
        27,
        "domain_reboot",
        "virDomainReboot",
        "domain:init_control",
        flags=(FlagAcl("domain:write", _GUEST_AGENT),),
    ),
    _p(245, "domain_reset", "virDomainReset", "domain:reset"),
    _p(234, "domain_destroy", "virDomainDestroyFlags", "domain:stop", prio=True),
    _p(34, "domain_suspend", "virDomainSuspend", "domain:suspend"),
    _p(28, "domain_resume", "virDomainResume", "domain:suspend"),
    # domains: information and tuning
    _p(
        14,
        "domain_get_xml_desc",
        "virDomainGetXMLDesc",
        "domain:read",
        flags=(FlagAcl("domain:read_secure", _XML_SECURE | _XML_MIGRATABLE),),
    ),
    _p(15, "domain_get_autostart", "virDomainGetAutostart", "domain:read", prio=True),
    _p(16, "domain_get_info", "virDomainGetInfo", "domain:read"),
    _p(17, "domain_get_max_memory", "virDomainGetMaxMemory", "domain:read", prio=True),
    _p(19, "domain_get_os_type", "virDomainGetOSType", "domain:read", prio=True),
    _p(29, "domain_set_autostart", "virDomainSetAutostart", "domain:write", prio=True),
    _p(150, "domain_is_active", "virDomainIsActive", "domain:read", prio=True),
    _p(151, "domain_is_persistent", "virDomainIsPersistent", "domain:read", prio=True),
    _p(212, "domain_get_state", "virDomainGetState", "domain:read", prio=True),
    _p(121, "domain_get_security_label", "virDomainGetSecurityLabel", "domain:read", prio=True),
    # -- cpubase: every security driver's label (libvirtd drops a driver's error for it)
    _p(278, "domain_get_security_label_list", "virDomainGetSecurityLabelList", "domain:read"),
    _p(183, "domain_has_managed_save_image", "virDomainHasManagedSaveImage", "domain:read"),
    _p(182, "domain_managed_save", "virDomainManagedSave", "domain:hibernate"),
    _p(184, "domain_managed_save_remove", "virDomainManagedSaveRemove", "domain:hibernate"),
    _p(
        204,
        "domain_set_memory_flags",
        "virDomainSetMemoryFlags",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(
        200,
        "domain_get_vcpus_flags",
        "virDomainGetVcpusFlags",
        "domain:read",
        flags=(FlagAcl("domain:write", _VCPU_GUEST),),
    ),
    _p(
        199,
        "domain_set_vcpus_flags",
        "virDomainSetVcpusFlags",
        "domain:write",
        flags=(*_SAVE_BY_IMPACT, FlagAcl("domain:write", _VCPU_GUEST)),
    ),
    # libvirt's 201 streams the console; in process a file descriptor stands for the stream,
    # so it stays out of the daemon's calls until pyvirtd has streams (rpc LOCAL_ONLY).
    _p(201, "domain_open_console", "virDomainOpenConsole", "domain:open_device"),
    # libvirt's 211 streams the image; here the PNG comes back as the call's result.
    _p(211, "domain_screenshot", "virDomainScreenshot", "domain:screenshot"),
    # host and domain information (issue 10): libvirt's @acl and @priority lines
    _p(101, "node_get_cells_free_memory", "virNodeGetCellsFreeMemory", "connect:read", prio=True),
    _p(227, "node_get_cpu_stats", "virNodeGetCPUStats", "connect:read", prio=True),
    _p(228, "node_get_memory_stats", "virNodeGetMemoryStats", "connect:read", prio=True),
    _p(293, "node_get_cpu_map", "virNodeGetCPUMap", "connect:read"),
    _p(250, "node_suspend_for_duration", "virNodeSuspendForDuration", "connect:pm_control"),
    _p(56, "domain_get_scheduler_type", "virDomainGetSchedulerType", "domain:read"),
    _p(
        223,
        "domain_get_scheduler_parameters",
        "virDomainGetSchedulerParametersFlags",
        "domain:read",
    ),
    # 219 is libvirt's Flags form; the flagless virDomainSetSchedulerParameters (58) is the
    # same driver call with flags 0, and the name read-only refusals give by default.
    _p(
        219,
        "domain_set_scheduler_parameters",
        "virDomainSetSchedulerParameters",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(194, "domain_get_block_info", "virDomainGetBlockInfo", "domain:read"),
    _p(159, "domain_memory_stats", "virDomainMemoryStats", "domain:read"),
    _p(337, "domain_get_time", "virDomainGetTime", "domain:write"),
    _p(338, "domain_set_time", "virDomainSetTime", "domain:set_time"),
    _p(229, "domain_get_control_info", "virDomainGetControlInfo", "domain:read", prio=True),
    _p(277, "domain_get_hostname", "virDomainGetHostname", "domain:read", refuses_read_only=True),
    # domain extras (issue 10): metadata, title and description; rename
    _p(264, "domain_set_metadata", "virDomainSetMetadata", "domain:write", flags=_SAVE_BY_IMPACT),
    _p(265, "domain_get_metadata", "virDomainGetMetadata", "domain:read"),
    _p(358, "domain_rename", "virDomainRename", "domain:write", "domain:save"),
    # -- cpubase: descriptors handed to the driver for a domain (libvirt 9.0); pyvirt's
    # transport carries no descriptors, so through a daemon the driver gets none.
    _p(443, "domain_fd_associate", "virDomainFDAssociate", "domain:write"),
    # domain tunables (issue 10, helper "tune"): memtune, numatune, blkiotune, domiftune,
    # blkdeviotune and perf, typed parameters in both directions; libvirt's @acl lines.
    _p(
        197,
        "domain_set_memory_parameters",
        "virDomainSetMemoryParameters",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(198, "domain_get_memory_parameters", "virDomainGetMemoryParameters", "domain:read"),
    _p(
        205,
        "domain_set_blkio_parameters",
        "virDomainSetBlkioParameters",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(206, "domain_get_blkio_parameters", "virDomainGetBlkioParameters", "domain:read"),
    _p(
        252,
        "domain_set_block_io_tune",
        "virDomainSetBlockIoTune",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(253, "domain_get_block_io_tune", "virDomainGetBlockIoTune", "domain:read"),
    _p(
        254,
        "domain_set_numa_parameters",
        "virDomainSetNumaParameters",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(255, "domain_get_numa_parameters", "virDomainGetNumaParameters", "domain:read"),
    _p(
        256,
        "domain_set_interface_parameters",
        "virDomainSetInterfaceParameters",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(
        257,
        "domain_get_interface_parameters",
        "virDomainGetInterfaceParameters",
        "domain:read",
    ),
    _p(365, "domain_get_perf_events", "virDomainGetPerfEvents", "domain:read"),
    _p(
        366,
        "domain_set_perf_events",
        "virDomainSetPerfEvents",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    # vCPUs seen from the guest (helper "tune"): the agent's view, and hot(un)plug of one
    _p(371, "domain_get_guest_vcpus", "virDomainGetGuestVcpus", "domain:write"),
    _p(372, "domain_set_guest_vcpus", "virDomainSetGuestVcpus", "domain:write"),
    _p(384, "domain_set_vcpu", "virDomainSetVcpu", "domain:write", flags=_SAVE_BY_IMPACT),
    # domain vCPUs (issue 10): placement and pinning.  225 (virDomainPinVcpuFlags) also
    # serves the flagless virDomainPinVcpu (26), as 219 serves 58.
    _p(20, "domain_get_vcpus", "virDomainGetVcpus", "domain:read"),
    _p(225, "domain_pin_vcpu_flags", "virDomainPinVcpu", "domain:write", flags=_SAVE_BY_IMPACT),
    _p(230, "domain_get_vcpu_pin_info", "virDomainGetVcpuPinInfo", "domain:read"),
    _p(279, "domain_pin_emulator", "virDomainPinEmulator", "domain:write", flags=_SAVE_BY_IMPACT),
    _p(280, "domain_get_emulator_pin_info", "virDomainGetEmulatorPinInfo", "domain:read"),
    # domain statistics (issue 10)
    _p(64, "domain_block_stats", "virDomainBlockStats", "domain:read"),
    _p(218, "domain_block_stats_flags", "virDomainBlockStatsFlags", "domain:read"),
    _p(65, "domain_interface_stats", "virDomainInterfaceStats", "domain:read"),
    _p(263, "domain_get_disk_errors", "virDomainGetDiskErrors", "domain:read"),
    # domain snapshots (libvirt's virDomainSnapshot* family)
    _p(
        185,
        "domain_snapshot_create_xml",
        "virDomainSnapshotCreateXML",
        "domain:snapshot",
        flags=(FlagAcl("domain:fs_freeze", _SNAPSHOT_QUIESCE),),
    ),
    _p(
        186,
        "domain_snapshot_get_xml_desc",
        "virDomainSnapshotGetXMLDesc",
        "domain:read",
        flags=(FlagAcl("domain:read_secure", _XML_SECURE),),
        prio=True,
    ),
    _p(187, "domain_snapshot_num", "virDomainSnapshotNum", "domain:read", prio=True),
    _p(
        188,
        "domain_snapshot_list_names",
        "virDomainSnapshotListNames",
        "domain:read",
        prio=True,
    ),
    _p(
        189,
        "domain_snapshot_lookup_by_name",
        "virDomainSnapshotLookupByName",
        "domain:read",
        prio=True,
    ),
    _p(190, "domain_has_current_snapshot", "virDomainHasCurrentSnapshot", "domain:read"),
    _p(191, "domain_snapshot_current", "virDomainSnapshotCurrent", "domain:read"),
    _p(192, "domain_revert_to_snapshot", "virDomainRevertToSnapshot", "domain:snapshot"),
    _p(193, "domain_snapshot_delete", "virDomainSnapshotDelete", "domain:snapshot"),
    _p(
        244,
        "domain_snapshot_get_parent",
        "virDomainSnapshotGetParent",
        "domain:read",
        prio=True,
    ),
    _p(
        246,
        "domain_snapshot_num_children",
        "virDomainSnapshotNumChildren",
        "domain:read",
        prio=True,
    ),
    _p(
        247,
        "domain_snapshot_list_children_names",
        "virDomainSnapshotListChildrenNames",
        "domain:read",
        prio=True,
    ),
    _p(271, "domain_snapshot_is_current", "virDomainSnapshotIsCurrent", "domain:read"),
    _p(272, "domain_snapshot_has_metadata", "virDomainSnapshotHasMetadata", "domain:read"),
    _p(
        274,
        "domain_list_all_snapshots",
        "virDomainListAllSnapshots",
        "domain:read",
        prio=True,
    ),
    _p(
        275,
        "domain_snapshot_list_all_children",
        "virDomainSnapshotListAllChildren",
        "domain:read",
        prio=True,
    ),
    # devices, save/restore, core dumps and block jobs (issue 10, the "attach" family):
    # libvirt's test driver serves save, restore, their images and the core dump; the rest
    # answer VIR_ERR_NO_SUPPORT there, named as libvirt names them (8 and 13 are the flagless
    # driver slots of 160 and 161, as in libvirt's virHypervisorDriver).
    _p(8, "domain_attach_device", "virDomainAttachDevice", "domain:write", "domain:save"),
    _p(13, "domain_detach_device", "virDomainDetachDevice", "domain:write", "domain:save"),
    _p(
        160,
        "domain_attach_device_flags",
        "virDomainAttachDeviceFlags",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(
        161,
        "domain_detach_device_flags",
        "virDomainDetachDeviceFlags",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(
        174,
        "domain_update_device_flags",
        "virDomainUpdateDeviceFlags",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(
        392,
        "domain_detach_device_alias",
        "virDomainDetachDeviceAlias",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(202, "domain_is_updated", "virDomainIsUpdated", "domain:read", prio=True),
    # 232 also serves the flagless virDomainSave (55), 233 virDomainRestore (54) and 334
    # virDomainCoreDump (53), as 219 serves 58: the test driver has one body for each pair.
    _p(232, "domain_save_flags", "virDomainSaveFlags", "domain:hibernate"),
    _p(233, "domain_restore_flags", "virDomainRestoreFlags", "domain:start", "domain:write"),
    _p(
        235,
        "domain_save_image_get_xml_desc",
        "virDomainSaveImageGetXMLDesc",
        "domain:write",
        prio=True,
    ),
    _p(
        236,
        "domain_save_image_define_xml",
        "virDomainSaveImageDefineXML",
        "domain:write",
        "domain:hibernate",
        prio=True,
    ),
    _p(
        388,
        "domain_managed_save_get_xml_desc",
        "virDomainManagedSaveGetXMLDesc",
        "domain:read",
        flags=(FlagAcl("domain:read_secure", _XML_SECURE),),
    ),
    _p(
        389,
        "domain_managed_save_define_xml",
        "virDomainManagedSaveDefineXML",
        "domain:write",
        "domain:hibernate",
    ),
    _p(334, "domain_core_dump_with_format", "virDomainCoreDumpWithFormat", "domain:core_dump"),
    _p(290, "domain_block_commit", "virDomainBlockCommit", "domain:block_write"),
    _p(266, "domain_block_rebase", "virDomainBlockRebase", "domain:block_write"),
    _p(240, "domain_block_pull", "virDomainBlockPull", "domain:block_write"),
    _p(251, "domain_block_resize", "virDomainBlockResize", "domain:block_write"),
    _p(238, "domain_get_block_job_info", "virDomainGetBlockJobInfo", "domain:read"),
    _p(237, "domain_block_job_abort", "virDomainBlockJobAbort", "domain:write"),
    _p(239, "domain_block_job_set_speed", "virDomainBlockJobSetSpeed", "domain:write"),
    _p(386, "domain_set_block_threshold", "virDomainSetBlockThreshold", "domain:write"),
    _p(
        135,
        "connect_domain_xml_from_native",
        "virConnectDomainXMLFromNative",
        "connect:write",
    ),
    _p(136, "connect_domain_xml_to_native", "virConnectDomainXMLToNative", "connect:write"),
    # networks
    _p(
        283,
        "connect_list_all_networks",
        "virConnectListAllNetworks",
        "connect:search_networks",
        prio=True,
    ),
    _p(46, "network_lookup_by_name", "virNetworkLookupByName", "network:getattr", prio=True),
    _p(47, "network_lookup_by_uuid", "virNetworkLookupByUUID", "network:getattr", prio=True),
    _p(
        41,
        "network_define_xml",
        "virNetworkDefineXML",
        "network:write",
        "network:save",
        prio=True,
    ),
    _p(40, "network_create_xml", "virNetworkCreateXML", "network:write", "network:start"),
    _p(39, "network_create", "virNetworkCreate", "network:start"),
    _p(42, "network_destroy", "virNetworkDestroy", "network:stop", prio=True),
    _p(49, "network_undefine", "virNetworkUndefine", "network:delete", prio=True),
    _p(43, "network_get_xml_desc", "virNetworkGetXMLDesc", "network:read", prio=True),
    _p(44, "network_get_autostart", "virNetworkGetAutostart", "network:read", prio=True),
    _p(48, "network_set_autostart", "virNetworkSetAutostart", "network:write", prio=True),
    _p(45, "network_get_bridge_name", "virNetworkGetBridgeName", "network:read", prio=True),
    _p(152, "network_is_active", "virNetworkIsActive", "network:read", prio=True),
    _p(153, "network_is_persistent", "virNetworkIsPersistent", "network:read", prio=True),
    # addresses on virtual networks: DHCP leases, and a guest's addresses (lease source)
    _p(341, "network_get_dhcp_leases", "virNetworkGetDHCPLeases", "network:read", prio=True),
    _p(353, "domain_interface_addresses", "virDomainInterfaceAddresses", "domain:read"),
    # storage pools
    _p(
        281,
        "connect_list_all_storage_pools",
        "virConnectListAllStoragePools",
        "connect:search_storage_pools",
        prio=True,
    ),
    _p(
        84,
        "storage_pool_lookup_by_name",
        "virStoragePoolLookupByName",
        "storage_pool:getattr",
        prio=True,
    ),
    _p(
        85,
        "storage_pool_lookup_by_uuid",
        "virStoragePoolLookupByUUID",
        "storage_pool:getattr",
        prio=True,
    ),
    _p(
        86,
        "storage_pool_lookup_by_volume",
        "virStoragePoolLookupByVolume",
        "storage_pool:getattr",
        prio=True,
    ),
    _p(
        77,
        "storage_pool_define_xml",
        "virStoragePoolDefineXML",
        "storage_pool:write",
        "storage_pool:save",
        prio=True,
    ),
    _p(
        76,
        "storage_pool_create_xml",
        "virStoragePoolCreateXML",
        "storage_pool:start",
        "storage_pool:write",
    ),
    _p(78, "storage_pool_create", "virStoragePoolCreate", "storage_pool:start"),
    _p(79, "storage_pool_build", "virStoragePoolBuild", "storage_pool:format"),
    _p(80, "storage_pool_destroy", "virStoragePoolDestroy", "storage_pool:stop", prio=True),
    _p(81, "storage_pool_delete", "virStoragePoolDelete", "storage_pool:format"),
    _p(82, "storage_pool_undefine", "virStoragePoolUndefine", "storage_pool:delete", prio=True),
    _p(83, "storage_pool_refresh", "virStoragePoolRefresh", "storage_pool:refresh"),
    _p(87, "storage_pool_get_info", "virStoragePoolGetInfo", "storage_pool:read", prio=True),
    _p(
        88,
        "storage_pool_get_xml_desc",
        "virStoragePoolGetXMLDesc",
        "storage_pool:read",
        prio=True,
    ),
    _p(
        89,
        "storage_pool_get_autostart",
        "virStoragePoolGetAutostart",
        "storage_pool:read",
        prio=True,
    ),
    _p(
        90,
        "storage_pool_set_autostart",
        "virStoragePoolSetAutostart",
        "storage_pool:write",
        prio=True,
    ),
    _p(154, "storage_pool_is_active", "virStoragePoolIsActive", "storage_pool:read", prio=True),
    _p(
        155,
        "storage_pool_is_persistent",
        "virStoragePoolIsPersistent",
        "storage_pool:read",
        prio=True,
    ),
    _p(
        282,
        "storage_pool_list_all_volumes",
        "virStoragePoolListAllVolumes",
        "storage_pool:search_storage_vols",
        prio=True,
    ),
    # storage volumes
    _p(
        95,
        "storage_vol_lookup_by_name",
        "virStorageVolLookupByName",
        "storage_vol:getattr",
        prio=True,
    ),
    _p(
        96,
        "storage_vol_lookup_by_key",
        "virStorageVolLookupByKey",
        "storage_vol:getattr",
        prio=True,
    ),
    _p(
        97,
        "storage_vol_lookup_by_path",
        "virStorageVolLookupByPath",
        "storage_vol:getattr",
        prio=True,
    ),
    _p(93, "storage_vol_create_xml", "virStorageVolCreateXML", "storage_vol:create"),
    _p(94, "storage_vol_delete", "virStorageVolDelete", "storage_vol:delete"),
    _p(98, "storage_vol_get_info", "virStorageVolGetInfo", "storage_vol:read", prio=True),
    _p(99, "storage_vol_get_xml_desc", "virStorageVolGetXMLDesc", "storage_vol:read", prio=True),
    _p(100, "storage_vol_get_path", "virStorageVolGetPath", "storage_vol:read", prio=True),
    # secrets (libvirt's virSecret family): @acl and @priority of remote_protocol.x
    _p(
        287,
        "connect_list_all_secrets",
        "virConnectListAllSecrets",
        "connect:search_secrets",
        prio=True,
    ),
    _p(
        139, "connect_num_of_secrets", "virConnectNumOfSecrets", "connect:search_secrets", prio=True
    ),
    _p(140, "connect_list_secrets", "virConnectListSecrets", "connect:search_secrets", prio=True),
    _p(141, "secret_lookup_by_uuid", "virSecretLookupByUUID", "secret:getattr", prio=True),
    _p(147, "secret_lookup_by_usage", "virSecretLookupByUsage", "secret:getattr", prio=True),
    _p(
        142,
        "secret_define_xml",
        "virSecretDefineXML",
        "secret:write",
        "secret:save",
        prio=True,
    ),
    _p(143, "secret_get_xml_desc", "virSecretGetXMLDesc", "secret:read", prio=True),
    _p(144, "secret_set_value", "virSecretSetValue", "secret:write", prio=True),
    # read_secure is not a read-only permission: a read-only connection never reads a value.
    _p(145, "secret_get_value", "virSecretGetValue", "secret:read_secure", prio=True),
    _p(146, "secret_undefine", "virSecretUndefine", "secret:delete", prio=True),
    # network filters and their bindings (libvirt's virNWFilter, virNWFilterBinding)
    _p(
        286,
        "connect_list_all_nwfilters",
        "virConnectListAllNWFilters",
        "connect:search_nwfilters",
        prio=True,
    ),
    _p(
        178,
        "connect_num_of_nwfilters",
        "virConnectNumOfNWFilters",
        "connect:search_nwfilters",
        prio=True,
    ),
    _p(
        179,
        "connect_list_nwfilters",
        "virConnectListNWFilters",
        "connect:search_nwfilters",
        prio=True,
    ),
    _p(175, "nwfilter_lookup_by_name", "virNWFilterLookupByName", "nwfilter:getattr", prio=True),
    _p(176, "nwfilter_lookup_by_uuid", "virNWFilterLookupByUUID", "nwfilter:getattr", prio=True),
    _p(
        180,
        "nwfilter_define_xml",
        "virNWFilterDefineXML",
        "nwfilter:write",
        "nwfilter:save",
        prio=True,
    ),
    _p(
        431,
        "nwfilter_define_xml_flags",
        "virNWFilterDefineXMLFlags",
        "nwfilter:write",
        "nwfilter:save",
        prio=True,
    ),
    _p(177, "nwfilter_get_xml_desc", "virNWFilterGetXMLDesc", "nwfilter:read", prio=True),
    _p(181, "nwfilter_undefine", "virNWFilterUndefine", "nwfilter:delete", prio=True),
    _p(
        401,
        "connect_list_all_nwfilter_bindings",
        "virConnectListAllNWFilterBindings",
        "connect:search_nwfilter_bindings",
        prio=True,
    ),
    _p(
        397,
        "nwfilter_binding_lookup_by_port_dev",
        "virNWFilterBindingLookupByPortDev",
        "nwfilter_binding:getattr",
        prio=True,
    ),
    _p(
        399,
        "nwfilter_binding_create_xml",
        "virNWFilterBindingCreateXML",
        "nwfilter_binding:create",
        prio=True,
    ),
    _p(
        398,
        "nwfilter_binding_get_xml_desc",
        "virNWFilterBindingGetXMLDesc",
        "nwfilter_binding:read",
        prio=True,
    ),
    _p(
        400,
        "nwfilter_binding_delete",
        "virNWFilterBindingDelete",
        "nwfilter_binding:delete",
        prio=True,
    ),
    # -- streams: calls whose reply opens a stream (pyvirt.rpc._signatures.STREAM_OPENERS);
    # the data then travels as STREAM messages on the caller's connection (docs/protocol.md).
    _p(208, "storage_vol_upload", "virStorageVolUpload", "storage_vol:data_write"),
    _p(209, "storage_vol_download", "virStorageVolDownload", "storage_vol:data_read"),
    # host interfaces (issue 10): libvirt's virInterface* family and its @acl/@priority lines
    _p(
        284,
        "connect_list_all_interfaces",
        "virConnectListAllInterfaces",
        "connect:search_interfaces",
        prio=True,
    ),
    _p(128, "interface_lookup_by_name", "virInterfaceLookupByName", "interface:getattr", prio=True),
    _p(
        129,
        "interface_lookup_by_mac_string",
        "virInterfaceLookupByMACString",
        "interface:getattr",
        prio=True,
    ),
    _p(130, "interface_get_xml_desc", "virInterfaceGetXMLDesc", "interface:read"),
    _p(
        131,
        "interface_define_xml",
        "virInterfaceDefineXML",
        "interface:write",
        "interface:save",
        prio=True,
    ),
    _p(132, "interface_undefine", "virInterfaceUndefine", "interface:delete", prio=True),
    _p(133, "interface_create", "virInterfaceCreate", "interface:start"),
    _p(134, "interface_destroy", "virInterfaceDestroy", "interface:stop", prio=True),
    _p(156, "interface_is_active", "virInterfaceIsActive", "interface:read", prio=True),
    _p(220, "interface_change_begin", "virInterfaceChangeBegin", "interface:write"),
    _p(221, "interface_change_commit", "virInterfaceChangeCommit", "interface:write"),
    _p(222, "interface_change_rollback", "virInterfaceChangeRollback", "interface:write"),
    # node devices (issue 10): libvirt's virNodeDevice* family
    _p(
        111,
        "node_num_of_devices",
        "virNodeNumOfDevices",
        "connect:search_node_devices",
        prio=True,
    ),
    _p(
        112,
        "node_list_devices",
        "virNodeListDevices",
        "connect:search_node_devices",
        prio=True,
    ),
    _p(
        285,
        "connect_list_all_node_devices",
        "virConnectListAllNodeDevices",
        "connect:search_node_devices",
        prio=True,
    ),
    _p(
        113,
        "node_device_lookup_by_name",
        "virNodeDeviceLookupByName",
        "node_device:getattr",
        prio=True,
    ),
    _p(
        297,
        "node_device_lookup_scsi_host_by_wwn",
        "virNodeDeviceLookupSCSIHostByWWN",
        "node_device:getattr",
        prio=True,
    ),
    _p(114, "node_device_get_xml_desc", "virNodeDeviceGetXMLDesc", "node_device:read"),
    _p(115, "node_device_get_parent", "virNodeDeviceGetParent", "node_device:read", prio=True),
    _p(116, "node_device_num_of_caps", "virNodeDeviceNumOfCaps", "node_device:read", prio=True),
    _p(117, "node_device_list_caps", "virNodeDeviceListCaps", "node_device:read", prio=True),
    _p(118, "node_device_dettach", "virNodeDeviceDettach", "node_device:detach"),
    _p(119, "node_device_re_attach", "virNodeDeviceReAttach", "node_device:detach"),
    _p(120, "node_device_reset", "virNodeDeviceReset", "node_device:detach"),
    _p(301, "node_device_detach_flags", "virNodeDeviceDetachFlags", "node_device:detach"),
    _p(
        123,
        "node_device_create_xml",
        "virNodeDeviceCreateXML",
        "node_device:write",
        "node_device:start",
    ),
    _p(124, "node_device_destroy", "virNodeDeviceDestroy", "node_device:stop", prio=True),
    _p(
        428,
        "node_device_define_xml",
        "virNodeDeviceDefineXML",
        "node_device:write",
        "node_device:save",
        prio=True,
    ),
    _p(429, "node_device_undefine", "virNodeDeviceUndefine", "node_device:delete", prio=True),
    _p(430, "node_device_create", "virNodeDeviceCreate", "node_device:start"),
    # libvirt's public virNodeDeviceGetAutostart refuses read-only connections (9.0).
    _p(
        433,
        "node_device_get_autostart",
        "virNodeDeviceGetAutostart",
        "node_device:read",
        refuses_read_only=True,
    ),
    _p(434, "node_device_set_autostart", "virNodeDeviceSetAutostart", "node_device:write"),
    _p(435, "node_device_is_persistent", "virNodeDeviceIsPersistent", "node_device:read"),
    _p(436, "node_device_is_active", "virNodeDeviceIsActive", "node_device:read"),
    # -- binding helper (issue 10): guest memory calls libvirt-python programs make on the
    # test driver (remote_protocol.x numbers and @acl)
    _p(104, "domain_memory_peek", "virDomainMemoryPeek", "domain:mem_read"),
    _p(
        308,
        "domain_set_memory_stats_period",
        "virDomainSetMemoryStatsPeriod",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(426, "domain_get_messages", "virDomainGetMessages", "domain:read"),
    # -- stats helper (issue 10): bulk domain statistics.  One procedure serves
    # virConnectGetAllDomainStats and virDomainListGetStats (@aclfilter: domain:read).
    _p(
        344,
        "connect_get_all_domain_stats",
        "virConnectGetAllDomainStats",
        "connect:search_domains",
    ),
    # -- stats helper (issue 10): domain checkpoints and backups (remote_protocol.x 411-422)
    _p(
        411,
        "domain_checkpoint_create_xml",
        "virDomainCheckpointCreateXML",
        "domain:checkpoint",
        flags=(FlagAcl("domain:fs_freeze", _CHECKPOINT_QUIESCE),),
    ),
    _p(
        412,
        "domain_checkpoint_get_xml_desc",
        "virDomainCheckpointGetXMLDesc",
        "domain:read",
        flags=(FlagAcl("domain:read_secure", _XML_SECURE),),
    ),
    _p(413, "domain_list_all_checkpoints", "virDomainListAllCheckpoints", "domain:read"),
    _p(
        414,
        "domain_checkpoint_list_all_children",
        "virDomainCheckpointListAllChildren",
        "domain:read",
    ),
    _p(
        415,
        "domain_checkpoint_lookup_by_name",
        "virDomainCheckpointLookupByName",
        "domain:read",
    ),
    _p(416, "domain_checkpoint_get_parent", "virDomainCheckpointGetParent", "domain:read"),
    _p(417, "domain_checkpoint_delete", "virDomainCheckpointDelete", "domain:checkpoint"),
    _p(421, "domain_backup_begin", "virDomainBackupBegin", "domain:backup"),
    _p(422, "domain_backup_get_xml_desc", "virDomainBackupGetXMLDesc", "domain:read"),
    # -- storage and network extras (issue 10, "store"): libvirt's numbers, @acl, @priority
    _p(
        75,
        "connect_find_storage_pool_sources",
        "virConnectFindStoragePoolSources",
        "connect:detect_storage_pools",
    ),
    _p(
        403,
        "connect_get_storage_pool_capabilities",
        "virConnectGetStoragePoolCapabilities",
        "connect:read",
        prio=True,
    ),
    _p(125, "storage_vol_create_xml_from", "virStorageVolCreateXMLFrom", "storage_vol:create"),
    _p(165, "storage_vol_wipe", "virStorageVolWipe", "storage_vol:format"),
    _p(259, "storage_vol_wipe_pattern", "virStorageVolWipePattern", "storage_vol:format"),
    _p(260, "storage_vol_resize", "virStorageVolResize", "storage_vol:resize"),
    _p(
        291,
        "network_update",
        "virNetworkUpdate",
        "network:write",
        flags=(
            FlagAcl("network:save", _AFFECT_CONFIG | _AFFECT_LIVE, when_set=False),
            FlagAcl("network:save", _AFFECT_CONFIG),
        ),
    ),
    _p(
        404,
        "network_list_all_ports",
        "virNetworkListAllPorts",
        "network:read",
        "network:search_ports",
        prio=True,
    ),
    _p(
        405,
        "network_port_lookup_by_uuid",
        "virNetworkPortLookupByUUID",
        "network_port:getattr",
        prio=True,
    ),
    _p(406, "network_port_create_xml", "virNetworkPortCreateXML", "network_port:create", prio=True),
    _p(409, "network_port_get_xml_desc", "virNetworkPortGetXMLDesc", "network_port:read", prio=True),
    _p(410, "network_port_delete", "virNetworkPortDelete", "network_port:delete", prio=True),
    # -- guest helper (issue 10): calls that reach into the guest (through its agent, or as
    # keyboard, NMI and signals) and the lifecycle actions; remote_protocol.x's @acl lines.
    _p(210, "domain_inject_nmi", "virDomainInjectNMI", "domain:inject_nmi"),
    _p(226, "domain_send_key", "virDomainSendKey", "domain:send_input"),
    _p(
        261,
        "domain_pm_suspend_for_duration",
        "virDomainPMSuspendForDuration",
        "domain:pm_control",
    ),
    _p(267, "domain_pm_wakeup", "virDomainPMWakeup", "domain:pm_control"),
    _p(294, "domain_fstrim", "virDomainFSTrim", "domain:fs_trim"),
    _p(295, "domain_send_process_signal", "virDomainSendProcessSignal", "domain:send_signal"),
    _p(335, "domain_fsfreeze", "virDomainFSFreeze", "domain:fs_freeze"),
    _p(336, "domain_fsthaw", "virDomainFSThaw", "domain:fs_freeze"),
    _p(349, "domain_get_fsinfo", "virDomainGetFSInfo", "domain:fs_freeze"),
    _p(357, "domain_set_user_password", "virDomainSetUserPassword", "domain:set_password"),
    _p(
        390,
        "domain_set_lifecycle_action",
        "virDomainSetLifecycleAction",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(418, "domain_get_guest_info", "virDomainGetGuestInfo", "domain:write"),
    _p(
        420,
        "domain_agent_set_response_timeout",
        "virDomainAgentSetResponseTimeout",
        "domain:write",
    ),
    _p(424, "domain_authorized_ssh_keys_get", "virDomainAuthorizedSSHKeysGet", "domain:write"),
    _p(425, "domain_authorized_ssh_keys_set", "virDomainAuthorizedSSHKeysSet", "domain:write"),
    # -- domjobs helper (issue 10): IOThreads, CPU statistics, jobs, migration tunables,
    # launch security and the dirty-page rate; libvirt's numbers, @acl and @priority.
    _p(351, "domain_get_iothread_info", "virDomainGetIOThreadInfo", "domain:read"),
    _p(352, "domain_pin_iothread", "virDomainPinIOThread", "domain:write", flags=_SAVE_BY_IMPACT),
    _p(355, "domain_add_iothread", "virDomainAddIOThread", "domain:write", flags=_SAVE_BY_IMPACT),
    _p(356, "domain_del_iothread", "virDomainDelIOThread", "domain:write", flags=_SAVE_BY_IMPACT),
    _p(
        402,
        "domain_set_iothread_params",
        "virDomainSetIOThreadParams",
        "domain:write",
        flags=_SAVE_BY_IMPACT,
    ),
    _p(262, "domain_get_cpu_stats", "virDomainGetCPUStats", "domain:read"),
    _p(163, "domain_get_job_info", "virDomainGetJobInfo", "domain:read"),
    _p(298, "domain_get_job_stats", "virDomainGetJobStats", "domain:read"),
    _p(164, "domain_abort_job", "virDomainAbortJob", "domain:abort"),
    _p(442, "domain_abort_job_flags", "virDomainAbortJobFlags", "domain:abort"),
    _p(166, "domain_migrate_set_max_downtime", "virDomainMigrateSetMaxDowntime", "domain:migrate"),
    # libvirt's public API lets a read-only connection make these two getters (no
    # virCheckReadOnlyGoto, unlike virDomainMigrateGetMaxSpeed): read permission here.
    _p(387, "domain_migrate_get_max_downtime", "virDomainMigrateGetMaxDowntime", "domain:read"),
    _p(
        299,
        "domain_migrate_get_compression_cache",
        "virDomainMigrateGetCompressionCache",
        "domain:read",
    ),
    _p(
        300,
        "domain_migrate_set_compression_cache",
        "virDomainMigrateSetCompressionCache",
        "domain:migrate",
    ),
    _p(207, "domain_migrate_set_max_speed", "virDomainMigrateSetMaxSpeed", "domain:migrate"),
    _p(242, "domain_migrate_get_max_speed", "virDomainMigrateGetMaxSpeed", "domain:migrate"),
    _p(364, "domain_migrate_start_post_copy", "virDomainMigrateStartPostCopy", "domain:migrate"),
    _p(
        396,
        "domain_get_launch_security_info",
        "virDomainGetLaunchSecurityInfo",
        "domain:read",
        "domain:read_secure",
    ),
    _p(
        439,
        "domain_set_launch_security_state",
        "virDomainSetLaunchSecurityState",
        "domain:write",
    ),
    # Which optional protocols a driver has (virDrvFeature): the migration entry points of
    # the public API choose their path, or refuse, by it, as libvirt's do.
    _p(60, "connect_supports_feature", "virConnectSupportsFeature", "connect:read", prio=True),
    # libvirt's public virDomainStartDirtyRateCalc refuses read-only connections.
    _p(
        427,
        "domain_start_dirty_rate_calc",
        "virDomainStartDirtyRateCalc",
        "domain:read",
        refuses_read_only=True,
    ),
    # -- host CPU, pages and host tunables (issue 10, "host"): remote_protocol.x's numbers,
    # probed from virsh -> libvirtd 9.0, with their @acl and @priority lines
    _p(340, "node_get_free_pages", "virNodeGetFreePages", "connect:read"),
    _p(347, "node_alloc_pages", "virNodeAllocPages", "connect:write"),
    _p(312, "connect_get_cpu_model_names", "virConnectGetCPUModelNames", "connect:read", prio=True),
    # libvirt's virConnectCompareCPU lets read-only connections compare.
    _p(158, "connect_compare_cpu", "virConnectCompareCPU", "connect:read"),
    # -- cpubase: the identity a client asks a daemon to act as (libvirtd lets read-only
    # clients set it too); answered by the daemon itself, drivers have none.
    _p(419, "connect_set_identity", "virConnectSetIdentity", "connect:read"),
    # -- cpubase: the host CPUs' baseline (virsh cpu-baseline); read-only connections may ask
    _p(162, "connect_baseline_cpu", "virConnectBaselineCPU", "connect:read"),
    _p(
        393,
        "connect_compare_hypervisor_cpu",
        "virConnectCompareHypervisorCPU",
        "connect:write",
    ),
    _p(
        394,
        "connect_baseline_hypervisor_cpu",
        "virConnectBaselineHypervisorCPU",
        "connect:write",
    ),
    _p(
        342,
        "connect_get_domain_capabilities",
        "virConnectGetDomainCapabilities",
        "connect:write",
    ),
    _p(289, "node_get_memory_parameters", "virNodeGetMemoryParameters", "connect:read"),
    _p(288, "node_set_memory_parameters", "virNodeSetMemoryParameters", "connect:write"),
    _p(395, "node_get_sev_info", "virNodeGetSEVInfo", "connect:read", refuses_read_only=True),
    # -- the libvirt-qemu and libvirt-lxc programs (issues 10 and 11, helper qprog):
    # qemu_protocol.x and lxc_protocol.x, their numbers (each program counts from 1), @acl
    # lines and priorities.  libvirt's public API refuses read-only connections for every one
    # (virCheckReadOnlyGoto), the monitor-event registration included although its @acl asks
    # only domain:read.
    _p(
        1,
        "domain_qemu_monitor_command",
        "virDomainQemuMonitorCommand",
        "domain:write",
        program="qemu",
    ),
    _p(
        7,
        "domain_qemu_monitor_command_with_files",
        "virDomainQemuMonitorCommandWithFiles",
        "domain:write",
        program="qemu",
    ),
    _p(2, "domain_qemu_attach", "virDomainQemuAttach", "connect:write", program="qemu"),
    _p(
        3,
        "domain_qemu_agent_command",
        "virDomainQemuAgentCommand",
        "domain:write",
        program="qemu",
    ),
    _p(
        4,
        "connect_domain_qemu_monitor_event_register",
        "virConnectDomainQemuMonitorEventRegister",
        "connect:search_domains",
        "connect:read",
        prio=True,
        refuses_read_only=True,
        program="qemu",
    ),
    _p(
        5,
        "connect_domain_qemu_monitor_event_deregister",
        "virConnectDomainQemuMonitorEventDeregister",
        "connect:read",
        prio=True,
        refuses_read_only=True,
        program="qemu",
    ),
    _p(
        1,
        "domain_lxc_open_namespace",
        "virDomainLxcOpenNamespace",
        "domain:open_namespace",
        program="lxc",
    ),
)

BY_METHOD: dict[str, Procedure] = {p.method: p for p in PROCEDURES}
#: Key (:attr:`Procedure.key`: the number, for the remote program) -> row.
BY_NUMBER: dict[int, Procedure] = {p.key: p for p in PROCEDURES}

assert len(BY_METHOD) == len(PROCEDURES), "duplicate method in the procedure table"
assert len(BY_NUMBER) == len(PROCEDURES), "duplicate number in the procedure table"
