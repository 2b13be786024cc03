"""The public connection object: argument checks, the read-only rule, then the driver."""

from __future__ import annotations

import threading

from pyvirt._access import api_error_domain
from pyvirt._calls import DriverCalls
from pyvirt._checks import (
    check_flags,
    check_int,
    check_minus_one_or_more,
    check_non_negative,
    check_positive,
    check_string,
    check_uint,
    invalid_arg,
)
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._connection_host import ConnectionHostCpuMethods
from pyvirt._connection_stats import ConnectionStatsMethods
from pyvirt._core_enums import ConnectFlags
from pyvirt._domain_devices import ConnectionSaveImageMethods
from pyvirt._domain_qemu import ConnectionQemuMethods
from pyvirt._errors import VirtError, make_error
from pyvirt._objects import Domain, Network, StoragePool, StorageVol
from pyvirt._objects_host import Interface, NodeDevice
from pyvirt._objects_secrets import NWFilter, NWFilterBinding, Secret
from pyvirt._records import NodeInfo, ObjectEvent, SecurityModel
from pyvirt._typed_params import typed_params_dict

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

    from pyvirt._events import EventCallback, EventHub
    from pyvirt._stream import Stream
    from pyvirt._typed_params import TypedValue
    from pyvirt.driver import AuthCallback, ConnectDriver, DriverConnection

_UUID = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"


def normalize_uuid(text: str) -> str | None:
    """The canonical 8-4-4-4-12 lowercase form of *text*, or None if it is not a UUID."""
    import re  # here: re is not otherwise needed to open a connection and list

    compact = text.strip().replace("-", "")
    if not re.match(_UUID, text.strip()) or len(compact) != 32:
        return None
    c = compact.lower()
    return f"{c[:8]}-{c[8:12]}-{c[12:16]}-{c[16:20]}-{c[20:]}"


def canonical_uuid(uuid: str, api: str, domain: int = 0) -> str:
    """*uuid* in canonical form for a lookup by *api*, or VIR_ERR_INVALID_ARG as libvirt words
    it there: the hypervisor objects' lookups say "Invalid UUID"; libvirt-secret.c and
    libvirt-nwfilter.c (*domain* given) check the argument as virCheckNonNullArgGoto does."""
    canonical = normalize_uuid(check_string(uuid, "uuidstr" if domain else "uuid", api))
    if canonical is None:
        if domain:
            raise invalid_arg(f"uuidstr in {api} must be a valid UUID", api, "uuidstr", domain)
        raise invalid_arg("Invalid UUID", api, "uuidstr")
    return canonical


class Connection(
    ConnectionStatsMethods,
    ConnectionSaveImageMethods,
    ConnectionHostCpuMethods,
    ConnectionQemuMethods,
):
    """An open connection to a hypervisor through one driver.  Use as a context manager.

    Every method checks its arguments and the read-only rule here, in the public layer, for
    every driver alike (as libvirt's public API does), then calls the driver.
    """

    def __init__(
        self, driver_class: type[ConnectDriver], driver: DriverConnection, *, read_only: bool
    ) -> None:
        self._driver_class = driver_class
        self._driver: DriverConnection | None = driver
        self._read_only = read_only
        self._lock = threading.Lock()
        self._event_hub: EventHub | None = None
        #: The generated entries into the driver: closed check, argument and permission
        #: checks of the procedure table, typed call.
        self._calls = DriverCalls(self._open_driver, read_only)

    @property
    def _events(self) -> EventHub:
        """The event fan-out, made on first use: most connections (every pyvirsh command but
        ``event``) never subscribe, so they need not import it."""
        with self._lock:
            if self._event_hub is None:
                from pyvirt._events import EventHub

                self._event_hub = EventHub(self)
            return self._event_hub

    # -- plumbing -------------------------------------------------------------------------
    def _open_driver(self, api: str) -> DriverConnection:
        """The driver, or libvirt's VIR_ERR_INVALID_CONN naming *api* once closed."""
        driver = self._driver
        if driver is None:
            raise make_error(ErrorCode.INVALID_CONN, api_error_domain(api), api)
        return driver

    @property
    def driver(self) -> DriverConnection:
        """The driver's connection object (for drivers' own extension methods)."""
        if self._driver is None:
            raise make_error(ErrorCode.INVALID_CONN, ErrorDomain.NONE, "virConnectGetDriver")
        return self._driver

    @property
    def read_only(self) -> bool:
        """True when opened read-only (``virConnectOpenReadOnly``, or VIR_CONNECT_RO): calls that
        change state then fail with VIR_ERR_OPERATION_DENIED before reaching the driver."""
        return self._read_only

    def new_stream(self, flags: int = 0) -> Stream:
        """virStreamNew: a stream not yet tied to a transfer (give it to
        :meth:`StorageVol.upload` or :meth:`StorageVol.download`).  *flags*:
        :attr:`StreamFlags.NONBLOCK`."""
        from pyvirt._stream import Stream, StreamFlags

        check_flags(flags, "virStreamNew")
        if flags & ~int(StreamFlags.NONBLOCK):
            from pyvirt.driver import unsupported_flags

            unsupported_flags(flags, StreamFlags.NONBLOCK, "virStreamNew", ErrorDomain.STREAMS)
        self._open_driver("virStreamNew")
        return Stream(self, flags)

    def close(self) -> None:
        """Close the connection; later calls raise VIR_ERR_INVALID_CONN.  Idempotent."""
        with self._lock:
            driver, self._driver = self._driver, None
            hub = self._event_hub
        if driver is not None:
            if hub is not None:
                hub.close()
            driver.connect_close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def is_alive(self) -> bool:
        """Whether the connection is open and its transport still works (virConnectIsAlive). Local
        drivers are alive until closed; remote ones also check their socket and keepalive."""
        return self._driver is not None and self._driver.connect_is_alive()

    def set_keepalive(self, interval: int, count: int) -> None:
        """Start (``interval > 0``) or stop (``interval <= 0``) keepalive on the connection:
        after *interval* seconds of silence the peer is pinged, and when *count* pings in a
        row go unanswered the connection is closed; calls then fail with VIR_ERR_RPC
        "connection closed due to keepalive timeout".  Only remote connections support it:
        local drivers answer VIR_ERR_NO_SUPPORT, as libvirt's do."""
        driver = self._driver
        if driver is None:
            raise make_error(ErrorCode.INVALID_CONN, ErrorDomain.NONE, "virConnectSetKeepAlive")
        driver.connect_set_keepalive(int(interval), int(count))

    # -- connection and host --------------------------------------------------------------
    @property
    def uri(self) -> str:
        """The canonical URI of the connection, as the driver names it (virConnectGetURI), e.g.
        ``test:///default`` even when opened by an alias or with no URI."""
        return str(self._calls.connect_get_uri())

    def get_type(self) -> str:
        """The driver's hypervisor name, e.g. "Test" or "QEMU" (virConnectGetType)."""
        return str(self._calls.connect_get_type())

    def version(self) -> int:
        """The hypervisor's version as major*1000000 + minor*1000 + release."""
        return int(self._calls.connect_get_version())

    def lib_version(self) -> int:
        """The version of the library serving the connection (virConnectGetLibVersion), encoded as
        major*1000000 + minor*1000 + release; over a remote connection, the daemon's."""
        return int(self._calls.connect_get_lib_version())

    def hostname(self) -> str:
        """The host's name, as the hypervisor side sees it (virConnectGetHostname)."""
        return str(self._calls.connect_get_hostname())

    def capabilities(self) -> str:
        """The host's capabilities XML: CPU, NUMA cells, and the guest architectures and domain
        types the driver can run (virConnectGetCapabilities, ``<capabilities>``)."""
        return str(self._calls.connect_get_capabilities())

    def max_vcpus(self, type: str | None = None) -> int:
        """The most virtual CPUs a guest of domain *type* (e.g. "kvm"; None: the driver's default)
        may have (virConnectGetMaxVcpus)."""
        return int(self._calls.connect_get_max_vcpus(type))

    def sysinfo(self, flags: int = 0) -> str:
        """The host's SMBIOS data as ``<sysinfo>`` XML (virConnectGetSysinfo); *flags* must be 0.
        Drivers without it raise VIR_ERR_NO_SUPPORT."""
        return self._calls.connect_get_sysinfo(flags)

    def is_secure(self) -> bool:
        """Whether the channel to the hypervisor is safe from eavesdropping (virConnectIsSecure):
        true for local drivers and UNIX sockets, false for plain TCP."""
        return bool(self._calls.connect_is_secure())

    def node_info(self) -> NodeInfo:
        """The host's CPU and memory summary as a :class:`NodeInfo` (virNodeGetInfo; memory in
        KiB)."""
        return self._calls.node_get_info()

    def free_memory(self) -> int:
        """The host's free memory in bytes (virNodeGetFreeMemory)."""
        return int(self._calls.node_get_free_memory())

    def security_model(self) -> SecurityModel:
        """The host's security driver and its DOI as a :class:`SecurityModel`
        (virNodeGetSecurityModel)."""
        return self._calls.node_get_security_model()

    def cells_free_memory(self, start_cell: int = 0, max_cells: int = 1) -> list[int]:
        """Free memory in bytes of NUMA cells from *start_cell*, at most *max_cells* of them."""
        api = "virNodeGetCellsFreeMemory"
        check_non_negative(start_cell, "startCell", api)
        check_positive(max_cells, "maxCells", api)
        return list(self._calls.node_get_cells_free_memory(start_cell, max_cells))

    def cpu_stats(self, cpu_num: int = -1, flags: int = 0) -> dict[str, TypedValue]:
        """Host CPU time counters in ns (virsh nodecpustats): of CPU *cpu_num*, or all (-1)."""
        api = "virNodeGetCPUStats"
        check_minus_one_or_more(cpu_num, "cpuNum", api)
        return typed_params_dict(self._calls.node_get_cpu_stats(cpu_num, flags))

    def memory_stats(self, cell_num: int = -1, flags: int = 0) -> dict[str, TypedValue]:
        """Host memory counters in KiB (virsh nodememstats): of NUMA cell *cell_num*, or all."""
        api = "virNodeGetMemoryStats"
        # libvirt 9.0 names the argument "cpuNum" in this error too.
        check_minus_one_or_more(cell_num, "cellNum", api, reported="cpuNum")
        return typed_params_dict(self._calls.node_get_memory_stats(cell_num, flags))

    def cpu_map(self, flags: int = 0) -> list[bool]:
        """One entry per present host CPU: whether it is online (virsh nodecpumap)."""
        return list(self._calls.node_get_cpu_map(flags))

    def suspend_for_duration(self, target: int, duration: int, flags: int = 0) -> None:
        """Suspend the host to *target* (VIR_NODE_SUSPEND_TARGET_*) for *duration* seconds."""
        api = "virNodeSuspendForDuration"
        check_int(target, "target", api)
        check_uint(duration, "duration", api)
        self._calls.node_suspend_for_duration(target, duration, flags)

    # -- domains --------------------------------------------------------------------------
    def list_domains(self, flags: int = 0) -> list[Domain]:
        """All domains matching libvirt's listAllDomains *flags*, in one driver call."""
        records = self._calls.connect_list_all_domains(flags)
        return [Domain(self, None, r) for r in records]

    def lookup_domain_by_name(self, name: str) -> Domain:
        """The domain called *name* (virDomainLookupByName). Raises :class:`NoDomainError`
        (VIR_ERR_NO_DOMAIN, also a LookupError) when there is none."""
        return Domain(self, self._calls.domain_lookup_by_name(name).ref)

    def lookup_domain_by_uuid(self, uuid: str) -> Domain:
        """The domain with *uuid*, given with or without dashes (virDomainLookupByUUIDString). A
        malformed UUID is VIR_ERR_INVALID_ARG (an :class:`InvalidArgError`, also a ValueError); no
        such domain is VIR_ERR_NO_DOMAIN."""
        canonical = canonical_uuid(uuid, "virDomainLookupByUUIDString")
        return Domain(self, self._calls.domain_lookup_by_uuid(canonical).ref)

    def lookup_domain_by_id(self, id: int) -> Domain:
        """The running domain with hypervisor *id* (virDomainLookupByID); inactive domains have
        none. A negative or non-integer id is VIR_ERR_INVALID_ARG; no match, VIR_ERR_NO_DOMAIN."""
        if isinstance(id, bool) or not isinstance(id, int) or id < 0:
            raise invalid_arg(
                "id in virDomainLookupByID must be zero or greater", "virDomainLookupByID", "id"
            )
        return Domain(self, self._calls.domain_lookup_by_id(id).ref)

    def define_domain(self, xml: str, flags: int = 0) -> Domain:
        """Make a domain persistent from its ``<domain>`` XML without starting it
        (virDomainDefineXMLFlags; *flags*: :class:`DomainDefineFlags`, e.g. VALIDATE). Redefining an
        existing name updates its configuration. Bad XML is VIR_ERR_XML_ERROR; a name taken by
        another UUID, VIR_ERR_OPERATION_FAILED; a read-only connection, VIR_ERR_OPERATION_DENIED."""
        flags = check_flags(flags, "virDomainDefineXMLFlags")
        return Domain(self, self._calls.domain_define_xml(xml, flags, api="virDomainDefineXML").ref)

    def create_domain(self, xml: str, flags: int = 0) -> Domain:
        """Create and start a transient domain."""
        return Domain(self, self._calls.domain_create_xml(xml, flags).ref)

    # -- networks -------------------------------------------------------------------------
    def list_networks(self, flags: int = 0) -> list[Network]:
        """All networks matching *flags* (:class:`ListNetworksFlags`: ACTIVE/INACTIVE,
        PERSISTENT/TRANSIENT, AUTOSTART/NO_AUTOSTART), in one call (virConnectListAllNetworks)."""
        return [Network(self, r.ref, r) for r in self._calls.connect_list_all_networks(flags)]

    def lookup_network_by_name(self, name: str) -> Network:
        """The network called *name* (virNetworkLookupByName); none is VIR_ERR_NO_NETWORK
        (:class:`NoNetworkError`)."""
        return Network(self, self._calls.network_lookup_by_name(name).ref)

    def lookup_network_by_uuid(self, uuid: str) -> Network:
        """The network with *uuid* (virNetworkLookupByUUIDString); a malformed UUID is
        VIR_ERR_INVALID_ARG, no such network VIR_ERR_NO_NETWORK."""
        canonical = canonical_uuid(uuid, "virNetworkLookupByUUIDString")
        return Network(self, self._calls.network_lookup_by_uuid(canonical).ref)

    def define_network(self, xml: str, flags: int = 0) -> Network:
        """Make a network persistent from its ``<network>`` XML, inactive (virNetworkDefineXMLFlags;
        *flags*: VIR_NETWORK_DEFINE_VALIDATE). Bad XML is VIR_ERR_XML_ERROR; a name taken by another
        UUID, VIR_ERR_OPERATION_FAILED."""
        flags = check_flags(flags, "virNetworkDefineXMLFlags")
        return Network(self, self._calls.network_define_xml(xml, flags).ref)

    def create_network(self, xml: str, flags: int = 0) -> Network:
        """Create and start a transient network from ``<network>`` XML (virNetworkCreateXMLFlags);
        it disappears when destroyed."""
        flags = check_flags(flags, "virNetworkCreateXMLFlags")
        return Network(self, self._calls.network_create_xml(xml, flags).ref)

    # -- secrets ----------------------------------------------------------------------------
    def list_secrets(self, flags: int = 0) -> list[Secret]:
        """All secrets matching *flags* (:class:`ListSecretsFlags`: EPHEMERAL/NO_EPHEMERAL,
        PRIVATE/NO_PRIVATE), in one call (virConnectListAllSecrets)."""
        return [Secret(self, r) for r in self._calls.connect_list_all_secrets(flags)]

    def count_secrets(self) -> int:
        """How many secrets there are (virConnectNumOfSecrets, the call before listAll)."""
        return int(self._calls.connect_num_of_secrets())

    def list_secret_uuids(self, maxuuids: int) -> list[str]:
        """At most *maxuuids* secret UUIDs (virConnectListSecrets, the call before listAll)."""
        maxuuids = check_non_negative(maxuuids, "maxuuids", "virConnectListSecrets")
        return list(self._calls.connect_list_secrets(maxuuids))

    def lookup_secret_by_uuid(self, uuid: str) -> Secret:
        """The secret with *uuid* (virSecretLookupByUUIDString); a malformed UUID is
        VIR_ERR_INVALID_ARG, no such secret VIR_ERR_NO_SECRET."""
        canonical = canonical_uuid(uuid, "virSecretLookupByUUIDString", ErrorDomain.SECRET)
        return Secret(self, self._calls.secret_lookup_by_uuid(canonical))

    def lookup_secret_by_usage(self, usage_type: int, usage_id: str) -> Secret:
        """The secret of *usage_type* (:class:`SecretUsageType`) for *usage_id*, e.g. VOLUME
        and a volume's path (virSecretLookupByUsage)."""
        usage_type = check_int(usage_type, "usageType", "virSecretLookupByUsage")
        return Secret(self, self._calls.secret_lookup_by_usage(usage_type, usage_id))

    def define_secret(self, xml: str, flags: int = 0) -> Secret:
        """Add or update a secret from its ``<secret>`` XML, without a value
        (virSecretDefineXML; *flags*: VIR_SECRET_DEFINE_VALIDATE)."""
        return Secret(self, self._calls.secret_define_xml(xml, flags))

    # -- network filters --------------------------------------------------------------------
    def list_nwfilters(self, flags: int = 0) -> list[NWFilter]:
        """All network filters, in one call (virConnectListAllNWFilters)."""
        return [NWFilter(self, r) for r in self._calls.connect_list_all_nwfilters(flags)]

    def count_nwfilters(self) -> int:
        """How many network filters there are (virConnectNumOfNWFilters)."""
        return int(self._calls.connect_num_of_nwfilters())

    def list_nwfilter_names(self, maxnames: int) -> list[str]:
        """At most *maxnames* filter names (virConnectListNWFilters)."""
        maxnames = check_non_negative(maxnames, "maxnames", "virConnectListNWFilters")
        return list(self._calls.connect_list_nwfilters(maxnames))

    def lookup_nwfilter_by_name(self, name: str) -> NWFilter:
        """The filter called *name* (virNWFilterLookupByName)."""
        return NWFilter(self, self._calls.nwfilter_lookup_by_name(name))

    def lookup_nwfilter_by_uuid(self, uuid: str) -> NWFilter:
        """The filter with *uuid* (virNWFilterLookupByUUIDString); a malformed UUID is
        VIR_ERR_INVALID_ARG."""
        canonical = canonical_uuid(uuid, "virNWFilterLookupByUUIDString", ErrorDomain.NWFILTER)
        return NWFilter(self, self._calls.nwfilter_lookup_by_uuid(canonical))

    def define_nwfilter(self, xml: str, flags: int | None = None) -> NWFilter:
        """Add or update a filter from its ``<filter>`` XML: virNWFilterDefineXMLFlags with
        *flags* (VIR_NWFILTER_DEFINE_VALIDATE), virNWFilterDefineXML without."""
        if flags is None:
            return NWFilter(self, self._calls.nwfilter_define_xml(xml))
        return NWFilter(self, self._calls.nwfilter_define_xml_flags(xml, flags))

    def list_nwfilter_bindings(self, flags: int = 0) -> list[NWFilterBinding]:
        """All filter bindings (virConnectListAllNWFilterBindings)."""
        refs = self._calls.connect_list_all_nwfilter_bindings(flags)
        return [NWFilterBinding(self, r) for r in refs]

    def lookup_nwfilter_binding(self, portdev: str) -> NWFilterBinding:
        """The binding of port device *portdev* (virNWFilterBindingLookupByPortDev)."""
        return NWFilterBinding(self, self._calls.nwfilter_binding_lookup_by_port_dev(portdev))

    def create_nwfilter_binding(self, xml: str, flags: int = 0) -> NWFilterBinding:
        """Bind a filter to a port from ``<filterbinding>`` XML (virNWFilterBindingCreateXML;
        *flags*: VIR_NWFILTER_BINDING_CREATE_VALIDATE)."""
        return NWFilterBinding(self, self._calls.nwfilter_binding_create_xml(xml, flags))
    # -- host interfaces (issue 10) -------------------------------------------------------
    def list_interfaces(self, flags: int = 0) -> list[Interface]:
        """All host interfaces matching *flags* (:class:`ListInterfacesFlags`: ACTIVE,
        INACTIVE), in one call (virConnectListAllInterfaces)."""
        return [Interface(self, r.ref, r) for r in self._calls.connect_list_all_interfaces(flags)]

    def lookup_interface_by_name(self, name: str) -> Interface:
        """The interface called *name* (virInterfaceLookupByName); none is
        VIR_ERR_NO_INTERFACE (:class:`NoInterfaceError`)."""
        record = self._calls.interface_lookup_by_name(name)
        return Interface(self, record.ref, record)

    def lookup_interface_by_mac(self, mac: str) -> Interface:
        """The interface with MAC address *mac*, compared without case
        (virInterfaceLookupByMACString); two such is VIR_ERR_MULTIPLE_INTERFACES."""
        record = self._calls.interface_lookup_by_mac_string(mac)
        return Interface(self, record.ref, record)

    def define_interface(self, xml: str, flags: int = 0) -> Interface:
        """Define (or redefine) a host interface from ``<interface>`` XML, down when new
        (virInterfaceDefineXML; *flags*: VIR_INTERFACE_DEFINE_VALIDATE)."""
        record = self._calls.interface_define_xml(xml, flags)
        return Interface(self, record.ref, record)

    def interface_change_begin(self, flags: int = 0) -> None:
        """Save the host's interface configuration so it can be rolled back
        (virInterfaceChangeBegin); one transaction at a time."""
        self._calls.interface_change_begin(flags)

    def interface_change_commit(self, flags: int = 0) -> None:
        """Keep the interface changes made since the begin (virInterfaceChangeCommit)."""
        self._calls.interface_change_commit(flags)

    def interface_change_rollback(self, flags: int = 0) -> None:
        """Restore the interface configuration saved at the begin
        (virInterfaceChangeRollback)."""
        self._calls.interface_change_rollback(flags)

    # -- node devices (issue 10) ----------------------------------------------------------
    def list_node_devices(self, flags: int = 0) -> list[NodeDevice]:
        """All node devices matching *flags* (:class:`ListNodeDeviceFlags`: capabilities,
        ACTIVE/INACTIVE), in one call (virConnectListAllNodeDevices)."""
        return [NodeDevice(self, r) for r in self._calls.connect_list_all_node_devices(flags)]

    def num_of_node_devices(self, cap: str | None = None, flags: int = 0) -> int:
        """How many node devices have capability *cap*, all when None (virNodeNumOfDevices)."""
        return int(self._calls.node_num_of_devices(cap, flags))

    def list_node_device_names(self, cap: str | None = None, flags: int = 0) -> list[str]:
        """The names of the node devices with capability *cap* (virNodeListDevices)."""
        count = self.num_of_node_devices(cap, flags)
        return list(self._calls.node_list_devices(cap, count, flags))

    def lookup_node_device_by_name(self, name: str) -> NodeDevice:
        """The node device called *name* (virNodeDeviceLookupByName); none is
        VIR_ERR_NO_NODE_DEVICE (:class:`NoNodeDeviceError`)."""
        return NodeDevice(self, self._calls.node_device_lookup_by_name(name))

    def lookup_scsi_host_by_wwn(self, wwnn: str, wwpn: str, flags: int = 0) -> NodeDevice:
        """The fibre channel SCSI host with these WWNs (virNodeDeviceLookupSCSIHostByWWN)."""
        return NodeDevice(self, self._calls.node_device_lookup_scsi_host_by_wwn(wwnn, wwpn, flags))

    def create_node_device(self, xml: str, flags: int = 0) -> NodeDevice:
        """Create a device from ``<device>`` XML, such as an NPIV vHBA
        (virNodeDeviceCreateXML)."""
        return NodeDevice(self, self._calls.node_device_create_xml(xml, flags))

    def define_node_device(self, xml: str, flags: int = 0) -> NodeDevice:
        """Define a persistent device from ``<device>`` XML (virNodeDeviceDefineXML)."""
        return NodeDevice(self, self._calls.node_device_define_xml(xml, flags))

    # -- storage --------------------------------------------------------------------------
    def list_storage_pools(self, flags: int = 0) -> list[StoragePool]:
        """All storage pools matching *flags* (:class:`ListStoragePoolsFlags`: state, persistence,
        autostart and pool type bits), in one call (virConnectListAllStoragePools)."""
        records = self._calls.connect_list_all_storage_pools(flags)
        return [StoragePool(self, r.ref, r) for r in records]

    def lookup_storage_pool_by_name(self, name: str) -> StoragePool:
        """The pool called *name* (virStoragePoolLookupByName); none is VIR_ERR_NO_STORAGE_POOL
        (:class:`NoStoragePoolError`)."""
        return StoragePool(self, self._calls.storage_pool_lookup_by_name(name).ref)

    def lookup_storage_pool_by_uuid(self, uuid: str) -> StoragePool:
        """The pool with *uuid* (virStoragePoolLookupByUUIDString); a malformed UUID is
        VIR_ERR_INVALID_ARG, no such pool VIR_ERR_NO_STORAGE_POOL."""
        canonical = canonical_uuid(uuid, "virStoragePoolLookupByUUIDString")
        return StoragePool(self, self._calls.storage_pool_lookup_by_uuid(canonical).ref)

    def define_storage_pool(self, xml: str, flags: int = 0) -> StoragePool:
        """Make a storage pool persistent from its ``<pool>`` XML, inactive and unbuilt
        (virStoragePoolDefineXML). Bad XML is VIR_ERR_XML_ERROR; a duplicate name or target,
        VIR_ERR_OPERATION_FAILED."""
        return StoragePool(self, self._calls.storage_pool_define_xml(xml, flags).ref)

    def create_storage_pool(self, xml: str, flags: int = 0) -> StoragePool:
        """Create and start a transient pool from ``<pool>`` XML (virStoragePoolCreateXML; *flags*:
        VIR_STORAGE_POOL_CREATE_WITH_BUILD and its variants)."""
        return StoragePool(self, self._calls.storage_pool_create_xml(xml, flags).ref)

    def lookup_storage_vol_by_key(self, key: str) -> StorageVol:
        """The volume whose unique key (for file volumes, its path) is *key*
        (virStorageVolLookupByKey), searched across active pools; none is VIR_ERR_NO_STORAGE_VOL."""
        return StorageVol(self, self._calls.storage_vol_lookup_by_key(key))

    def lookup_storage_vol_by_path(self, path: str) -> StorageVol:
        """The volume at *path* on the host (virStorageVolLookupByPath), searched across active
        pools; none is VIR_ERR_NO_STORAGE_VOL."""
        return StorageVol(self, self._calls.storage_vol_lookup_by_path(path))

    def find_storage_pool_sources(
        self, type: str, src_spec: str | None = None, flags: int = 0
    ) -> str:
        """The sources of pools of *type* found on the host, as a ``<sources>`` document
        (virConnectFindStoragePoolSources); *src_spec*, a ``<source>``, narrows the search
        (the NFS server to ask)."""
        if type is None:
            api = "virConnectFindStoragePoolSources"
            raise invalid_arg(f"type in {api} must not be NULL", api, "type", ErrorDomain.STORAGE)
        return str(self._calls.connect_find_storage_pool_sources(type, src_spec, flags))

    def storage_pool_capabilities(self, flags: int = 0) -> str:
        """The ``<storagepoolCapabilities>`` XML: which pool types and formats the driver
        supports (virConnectGetStoragePoolCapabilities)."""
        return str(self._calls.connect_get_storage_pool_capabilities(flags))

    # -- events ---------------------------------------------------------------------------
    def register_event_callback(
        self, callback: EventCallback, *, kind: str | None = "domain", uuid: str | None = None
    ) -> int:
        """Call ``callback(conn, event)`` for each lifecycle event of *kind* (None: all kinds),
        optionally only for the object with *uuid*.  Returns an id for deregistration."""
        return self._events.register(callback, kind, uuid)

    def deregister_event_callback(self, callback_id: int) -> None:
        """Stop the callback registered under *callback_id* (virConnectDomainEventDeregisterAny); an
        unknown id is VIR_ERR_INVALID_ARG."""
        self._events.deregister(callback_id)

    def events(
        self, *, kind: str | None = None, timeout: float | None = None
    ) -> Iterator[ObjectEvent]:
        """Iterate over lifecycle events as they happen; ends after *timeout* idle seconds."""
        return self._events.iterate(kind, timeout)

    def __iter__(self) -> Iterator[Domain]:
        return iter(self.list_domains())

    def __repr__(self) -> str:
        state = "closed" if self._driver is None else ("read-only" if self._read_only else "open")
        return f"<pyvirt.Connection {self._driver_class.name} {state}>"


def open(
    uri: str | None = None,
    *,
    read_only: bool = False,
    auth: AuthCallback | None = None,
    flags: int = 0,
) -> Connection:
    """Open a connection to *uri* (or the default URI), like libvirt's virConnectOpenAuth."""
    from pyvirt._registry import open_driver

    flags = check_flags(flags, "virConnectOpenAuth")
    if flags & ~int(ConnectFlags.RO | ConnectFlags.NO_ALIASES):
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.NONE,
            f"unsupported flags (0x{flags & ~3:x}) in function virConnectOpenAuth",
        )
    read_only = read_only or bool(flags & ConnectFlags.RO)
    if uri is not None:
        check_string(uri, "name", "virConnectOpenAuth")
    driver_class, driver = open_driver(
        uri, read_only=read_only, auth=auth, no_aliases=bool(flags & ConnectFlags.NO_ALIASES)
    )
    conn = Connection(driver_class, driver, read_only=read_only)
    _announce_open(conn, uri)
    return conn


def _announce_open(conn: Connection, requested: str | None) -> None:
    from pyvirt._hooks import call_hook, hooks_active

    # Asking for the URI is a driver call (a round trip on a remote connection): skip it when
    # no plugin is listening.  A driver without connect_get_uri must still open: the hook then
    # gets the URI as the caller named it.
    if hooks_active():
        try:
            uri = conn.uri
        except VirtError:
            uri = requested or ""
        call_hook("pyvirt_connection_open", uri=uri, read_only=conn.read_only)
