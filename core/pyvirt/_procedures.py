"""The procedure table: every driver entry point, once.

This is pyvirt's ``remote_protocol.x``.  Each row names a driver method, the libvirt API it
implements (used in error messages such as "read only access prevents virDomainSuspend"), the
libvirt RPC procedure number, whether a read-only connection may call it, and whether it runs on
the daemon's priority workers.  The public API's read-only check, the "not supported" errors and
(with the daemon) the client stubs, the dispatcher and the protocol document all read this table,
so they cannot disagree.
"""

from __future__ import annotations

from pyvirt._record import record


@record
class Procedure:
    """One row of the table."""

    number: int
    method: str
    api: str
    readonly_ok: bool
    priority: bool = False


def _p(number: int, method: str, api: str, *, ro: bool, prio: bool = False) -> Procedure:
    return Procedure(number, method, api, ro, prio)


PROCEDURES: tuple[Procedure, ...] = (
    # connection and host
    _p(1, "connect_open", "virConnectOpen", ro=True, prio=True),
    _p(2, "connect_close", "virConnectClose", ro=True, prio=True),
    _p(3, "connect_get_type", "virConnectGetType", ro=True, prio=True),
    _p(4, "connect_get_version", "virConnectGetVersion", ro=True, prio=True),
    _p(5, "connect_get_max_vcpus", "virConnectGetMaxVcpus", ro=True, prio=True),
    _p(6, "node_get_info", "virNodeGetInfo", ro=True, prio=True),
    _p(7, "connect_get_capabilities", "virConnectGetCapabilities", ro=True, prio=True),
    _p(59, "connect_get_hostname", "virConnectGetHostname", ro=True, prio=True),
    _p(110, "connect_get_uri", "virConnectGetURI", ro=True, prio=True),
    _p(149, "connect_is_secure", "virConnectIsSecure", ro=True, prio=True),
    _p(157, "connect_get_lib_version", "virConnectGetLibVersion", ro=True, prio=True),
    _p(203, "connect_get_sysinfo", "virConnectGetSysinfo", ro=True, prio=True),
    _p(102, "node_get_free_memory", "virNodeGetFreeMemory", ro=True, prio=True),
    _p(316, "connect_event_subscribe", "virConnectDomainEventRegisterAny", ro=True, prio=True),
    _p(317, "connect_event_unsubscribe", "virConnectDomainEventDeregisterAny", ro=True, prio=True),
    _p(118, "node_get_security_model", "virNodeGetSecurityModel", ro=True, prio=True),
    # domains: lookup and listing
    _p(22, "domain_lookup_by_id", "virDomainLookupByID", ro=True, prio=True),
    _p(23, "domain_lookup_by_name", "virDomainLookupByName", ro=True, prio=True),
    _p(24, "domain_lookup_by_uuid", "virDomainLookupByUUID", ro=True, prio=True),
    _p(273, "connect_list_all_domains", "virConnectListAllDomains", ro=True, prio=True),
    # domains: lifecycle
    _p(350, "domain_define_xml", "virDomainDefineXMLFlags", ro=False),
    _p(10, "domain_create_xml", "virDomainCreateXML", ro=False),
    _p(196, "domain_create", "virDomainCreateWithFlags", ro=False),
    _p(231, "domain_undefine", "virDomainUndefineFlags", ro=False, prio=True),
    _p(258, "domain_shutdown", "virDomainShutdownFlags", ro=False),
    _p(27, "domain_reboot", "virDomainReboot", ro=False),
    _p(245, "domain_reset", "virDomainReset", ro=False),
    _p(234, "domain_destroy", "virDomainDestroyFlags", ro=False, prio=True),
    _p(34, "domain_suspend", "virDomainSuspend", ro=False),
    _p(28, "domain_resume", "virDomainResume", ro=False),
    # domains: information and tuning
    _p(14, "domain_get_xml_desc", "virDomainGetXMLDesc", ro=True, prio=True),
    _p(15, "domain_get_autostart", "virDomainGetAutostart", ro=True, prio=True),
    _p(16, "domain_get_info", "virDomainGetInfo", ro=True, prio=True),
    _p(17, "domain_get_max_memory", "virDomainGetMaxMemory", ro=True, prio=True),
    _p(19, "domain_get_os_type", "virDomainGetOSType", ro=True, prio=True),
    _p(29, "domain_set_autostart", "virDomainSetAutostart", ro=False),
    _p(150, "domain_is_active", "virDomainIsActive", ro=True, prio=True),
    _p(151, "domain_is_persistent", "virDomainIsPersistent", ro=True, prio=True),
    _p(212, "domain_get_state", "virDomainGetState", ro=True, prio=True),
    _p(121, "domain_get_security_label", "virDomainGetSecurityLabel", ro=True, prio=True),
    _p(183, "domain_has_managed_save_image", "virDomainHasManagedSaveImage", ro=True, prio=True),
    _p(204, "domain_set_memory_flags", "virDomainSetMemoryFlags", ro=False),
    _p(236, "domain_get_vcpus_flags", "virDomainGetVcpusFlags", ro=True, prio=True),
    _p(237, "domain_set_vcpus_flags", "virDomainSetVcpusFlags", ro=False),
    # libvirt's 211 streams the image; here the PNG comes back as the call's result.
    _p(211, "domain_screenshot", "virDomainScreenshot", ro=False),
    # networks
    _p(283, "connect_list_all_networks", "virConnectListAllNetworks", ro=True, prio=True),
    _p(46, "network_lookup_by_name", "virNetworkLookupByName", ro=True, prio=True),
    _p(47, "network_lookup_by_uuid", "virNetworkLookupByUUID", ro=True, prio=True),
    _p(41, "network_define_xml", "virNetworkDefineXML", ro=False),
    _p(40, "network_create_xml", "virNetworkCreateXML", ro=False),
    _p(39, "network_create", "virNetworkCreate", ro=False),
    _p(42, "network_destroy", "virNetworkDestroy", ro=False, prio=True),
    _p(49, "network_undefine", "virNetworkUndefine", ro=False, prio=True),
    _p(43, "network_get_xml_desc", "virNetworkGetXMLDesc", ro=True, prio=True),
    _p(44, "network_get_autostart", "virNetworkGetAutostart", ro=True, prio=True),
    _p(48, "network_set_autostart", "virNetworkSetAutostart", ro=False),
    _p(45, "network_get_bridge_name", "virNetworkGetBridgeName", ro=True, prio=True),
    _p(152, "network_is_active", "virNetworkIsActive", ro=True, prio=True),
    _p(153, "network_is_persistent", "virNetworkIsPersistent", ro=True, prio=True),
    # storage pools
    _p(281, "connect_list_all_storage_pools", "virConnectListAllStoragePools", ro=True, prio=True),
    _p(84, "storage_pool_lookup_by_name", "virStoragePoolLookupByName", ro=True, prio=True),
    _p(85, "storage_pool_lookup_by_uuid", "virStoragePoolLookupByUUID", ro=True, prio=True),
    _p(86, "storage_pool_lookup_by_volume", "virStoragePoolLookupByVolume", ro=True, prio=True),
    _p(77, "storage_pool_define_xml", "virStoragePoolDefineXML", ro=False),
    _p(76, "storage_pool_create_xml", "virStoragePoolCreateXML", ro=False),
    _p(78, "storage_pool_create", "virStoragePoolCreate", ro=False),
    _p(79, "storage_pool_build", "virStoragePoolBuild", ro=False),
    _p(80, "storage_pool_destroy", "virStoragePoolDestroy", ro=False, prio=True),
    _p(81, "storage_pool_delete", "virStoragePoolDelete", ro=False),
    _p(82, "storage_pool_undefine", "virStoragePoolUndefine", ro=False, prio=True),
    _p(83, "storage_pool_refresh", "virStoragePoolRefresh", ro=False),
    _p(87, "storage_pool_get_info", "virStoragePoolGetInfo", ro=True, prio=True),
    _p(88, "storage_pool_get_xml_desc", "virStoragePoolGetXMLDesc", ro=True, prio=True),
    _p(89, "storage_pool_get_autostart", "virStoragePoolGetAutostart", ro=True, prio=True),
    _p(90, "storage_pool_set_autostart", "virStoragePoolSetAutostart", ro=False),
    _p(154, "storage_pool_is_active", "virStoragePoolIsActive", ro=True, prio=True),
    _p(155, "storage_pool_is_persistent", "virStoragePoolIsPersistent", ro=True, prio=True),
    _p(282, "storage_pool_list_all_volumes", "virStoragePoolListAllVolumes", ro=True, prio=True),
    # storage volumes
    _p(95, "storage_vol_lookup_by_name", "virStorageVolLookupByName", ro=True, prio=True),
    _p(96, "storage_vol_lookup_by_key", "virStorageVolLookupByKey", ro=True, prio=True),
    _p(97, "storage_vol_lookup_by_path", "virStorageVolLookupByPath", ro=True, prio=True),
    _p(93, "storage_vol_create_xml", "virStorageVolCreateXML", ro=False),
    _p(94, "storage_vol_delete", "virStorageVolDelete", ro=False),
    _p(98, "storage_vol_get_info", "virStorageVolGetInfo", ro=True, prio=True),
    _p(99, "storage_vol_get_xml_desc", "virStorageVolGetXMLDesc", ro=True, prio=True),
    _p(100, "storage_vol_get_path", "virStorageVolGetPath", ro=True, prio=True),
)

BY_METHOD: dict[str, Procedure] = {p.method: p for p in PROCEDURES}
BY_NUMBER: dict[int, Procedure] = {p.number: p for p in PROCEDURES}

assert len(BY_METHOD) == len(PROCEDURES), "duplicate method in the procedure table"
assert len(BY_NUMBER) == len(PROCEDURES), "duplicate number in the procedure table"
