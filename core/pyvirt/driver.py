"""The driver contract: what a third-party driver codes against.

A driver distribution registers a :class:`ConnectDriver` subclass under the entry-point group
``pyvirt.drivers``; the entry-point *name* is the URI scheme it serves (``test`` for
``test:///default``), so opening a URI imports only the driver it names.  Opening walks the
drivers the way libvirt's ``virConnectOpen`` walks its driver table: the driver named by the
scheme first, then every other installed driver with local drivers before remote ones; each
answers *declined* (``None``), *success* (a :class:`DriverConnection`) or *error* (raises a
:class:`~pyvirt.VirtError`).

A :class:`DriverConnection` is one open connection.  It implements the per-category tables
(:class:`HypervisorDriver`, :class:`NetworkDriver`, :class:`StorageDriver`,
:class:`SecretDriver`, :class:`NWFilterDriver`); every method it
does not override answers libvirt's VIR_ERR_NO_SUPPORT, so a driver implements only what it
supports.  Arguments have already been checked by the public API (read-only, flags types), and
objects are passed as reference records (:class:`~pyvirt.DomainRef` …).

Drivers hosted by the daemon also implement :class:`StateDriver` (group
``pyvirt.state_drivers``): initialize / reload / shutdown / cleanup, separate from connections.

The driver kit, what the bundled drivers build on and any driver may: object lists with
libvirt's conflict checks, lookups, ids and listAll filters (:class:`DomainObjList`,
:class:`NetworkObjList`, :class:`StoragePoolObjList`, :class:`StorageVolObjList`, and the
filters over records such as :func:`domain_matches_filter`), and :func:`run_domain_hooks`, the
one policy for a domain's lifecycle hooks; :func:`model` and :func:`field`, mutable classes
declared as dataclasses are, without importing :mod:`dataclasses` (a driver's object state
is built on every ``pyvirsh`` run).  They load on first use (PEP 562), so a driver that
does not use them does not pay for them.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable

from pyvirt._checkpoint_driver import CheckpointDriver
from pyvirt._checks import invalid_arg
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._device_driver import DomainDeviceDriver
from pyvirt._domjob_driver import DomainJobDriver
from pyvirt._domstats_driver import DomainStatsDriver
from pyvirt._errors import InvalidArgError, VirtError, make_error
from pyvirt._guest_driver import DomainGuestDriver
from pyvirt._guest_memory_driver import GuestMemoryDriver
from pyvirt._hooks import call_hook
from pyvirt._host_cpu_driver import HostCpuDriver
from pyvirt._host_device_driver import InterfaceDriver, NodeDeviceDriver
from pyvirt._procedures import BY_METHOD
from pyvirt._qemu_lxc_driver import QemuLxcDriver
from pyvirt._records import (
    DomainInfo,
    DomainInterface,
    DomainRecord,
    DomainRef,
    DomainSnapshotRef,
    NetworkDHCPLease,
    NetworkRecord,
    NetworkRef,
    NodeInfo,
    ObjectEvent,
    SecurityLabel,
    SecurityModel,
    StoragePoolInfo,
    StoragePoolRecord,
    StoragePoolRef,
    StorageVolInfo,
    StorageVolRef,
    TypedParameter,
)
from pyvirt._secret_drivers import NWFilterDriver, SecretDriver
from pyvirt._storage_net_drivers import NetworkExtraDriver, StorageExtraDriver
from pyvirt._stream_driver import BytesStream, DriverStream, FdStream, FileStream
from pyvirt._uri import URI

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.  (The
# contract's own annotations, which the RPC layer reads, need only names imported above.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar, NoReturn

    from pyvirt._kit_blkio import (
        BLKIO_DEVICE_FIELDS,
        BLKIO_PARAM_TYPES,
        BlkioDevice,
        apply_blkio_params,
        blkio_device_params,
        blkio_tune,
        merge_blkio_devices,
        parse_blkio_devices,
        set_blkio_tune,
    )
    from pyvirt._kit_conf import parse_conf
    from pyvirt._kit_cpu_baseline import baseline_cpu_xml
    from pyvirt._kit_cpu_models import X86_CPU_MODELS, cpu_model_names
    from pyvirt._kit_cpus import (
        cpumap_of,
        cpus_of,
        emulator_pin,
        format_cpuset,
        iothread_ids,
        iothread_pins,
        parse_cpuset,
        set_iothread_pin,
        set_pin,
        vcpu_pin,
    )
    from pyvirt._kit_filters import (
        LIST_DOMAINS_ALL_FLAGS,
        LIST_NETWORKS_ALL_FLAGS,
        LIST_STORAGE_POOLS_ALL_FLAGS,
        domain_matches_filter,
        network_matches_filter,
        storage_pool_matches_filter,
    )
    from pyvirt._kit_hooks import DomainHookPhase, run_domain_hooks
    from pyvirt._kit_iotune import IOTUNE_FIELDS, IOTUNE_MAX, iotune_values, write_iotune
    from pyvirt._kit_model import field, model
    from pyvirt._kit_objects import (
        DomainObjList,
        ListedDomain,
        ListedNetwork,
        ListedObject,
        ListedStoragePool,
        ListedStorageVol,
        NetworkObjList,
        StoragePoolObjList,
        StorageVolObjList,
    )
    from pyvirt._kit_perf import PERF_EVENTS, perf_states, write_perf
    from pyvirt._kit_snapshots import (
        SNAPSHOT_CHILDREN_FLAGS,
        SNAPSHOT_LIST_FLAGS,
        MomentTree,
        SnapshotTree,
        snapshot_is_external,
    )

#: The kit's names, loaded on first use: module -> names.
_KIT_EXPORTS_BY_MODULE: dict[str, tuple[str, ...]] = {
    "pyvirt._kit_filters": (
        "LIST_DOMAINS_ALL_FLAGS",
        "LIST_NETWORKS_ALL_FLAGS",
        "LIST_STORAGE_POOLS_ALL_FLAGS",
        "domain_matches_filter",
        "network_matches_filter",
        "storage_pool_matches_filter",
    ),
    "pyvirt._kit_cpus": (
        "cpumap_of",
        "cpus_of",
        "emulator_pin",
        "iothread_ids",
        "iothread_pins",
        "format_cpuset",
        "parse_cpuset",
        "set_iothread_pin",
        "set_pin",
        "vcpu_pin",
    ),
    "pyvirt._kit_hooks": ("DomainHookPhase", "run_domain_hooks"),
    #: libvirt's x86 CPU driver's baseline (virConnectBaselineCPU) and model names.
    "pyvirt._kit_cpu_baseline": ("baseline_cpu_xml",),
    "pyvirt._kit_cpu_models": ("X86_CPU_MODELS", "cpu_model_names"),
    #: <blkiotune> and its per-device typed parameters (issue 11).
    "pyvirt._kit_blkio": (
        "BLKIO_DEVICE_FIELDS",
        "BLKIO_PARAM_TYPES",
        "BlkioDevice",
        "apply_blkio_params",
        "blkio_device_params",
        "blkio_tune",
        "merge_blkio_devices",
        "parse_blkio_devices",
        "set_blkio_tune",
    ),
    #: <disk><iotune> (block I/O throttling).
    "pyvirt._kit_iotune": ("IOTUNE_FIELDS", "IOTUNE_MAX", "iotune_values", "write_iotune"),
    #: libvirt's configuration-file syntax, for a driver's own qemu.conf-like file.
    "pyvirt._kit_conf": ("parse_conf",),
    "pyvirt._kit_model": ("field", "model"),
    #: <perf> events (libvirt's names and order) in a definition.
    "pyvirt._kit_perf": ("PERF_EVENTS", "perf_states", "write_perf"),
    "pyvirt._kit_snapshots": (
        "SNAPSHOT_CHILDREN_FLAGS",
        "SNAPSHOT_LIST_FLAGS",
        "MomentTree",
        "SnapshotTree",
        "snapshot_is_external",
    ),
    "pyvirt._kit_objects": (
        "DomainObjList",
        "ListedDomain",
        "ListedNetwork",
        "ListedObject",
        "ListedStoragePool",
        "ListedStorageVol",
        "NetworkObjList",
        "StoragePoolObjList",
        "StorageVolObjList",
    ),
}
_KIT_EXPORTS: dict[str, str] = {
    name: module for module, names in _KIT_EXPORTS_BY_MODULE.items() for name in names
}

__all__ = [
    "json_from_text",
    "json_to_text",
    "LIST_DOMAINS_ALL_FLAGS",
    "LIST_NETWORKS_ALL_FLAGS",
    "LIST_STORAGE_POOLS_ALL_FLAGS",
    "AuthCallback",
    "baseline_cpu_xml",
    "X86_CPU_MODELS",
    "cpu_model_names",
    "call_hook",
    "ConnectDriver",
    "DomainHookPhase",
    "DomainObjList",
    "DriverConnection",
    "BytesStream",
    "DriverStream",
    "domain_not_running",
    "FdStream",
    "FileStream",
    "HypervisorDriver",
    "InterfaceDriver",
    "invalid_arg",
    "ListedDomain",
    "ListedNetwork",
    "ListedObject",
    "ListedStoragePool",
    "ListedStorageVol",
    "MomentTree",
    "NetworkDriver",
    "NetworkObjList",
    "NWFilterDriver",
    "SecretDriver",
    "NodeDeviceDriver",
    "StateDriver",
    "StateInitResult",
    "StorageDriver",
    "StoragePoolObjList",
    "StorageVolObjList",
    "cpumap_of",
    "cpus_of",
    "domain_matches_filter",
    "emulator_pin",
    "field",
    "format_cpuset",
    "iothread_ids",
    "iothread_pins",
    "model",
    "PERF_EVENTS",
    "perf_states",
    "write_perf",
    "network_matches_filter",
    "parse_conf",
    "parse_cpuset",
    "run_domain_hooks",
    "set_iothread_pin",
    "set_pin",
    "SNAPSHOT_CHILDREN_FLAGS",
    "SNAPSHOT_LIST_FLAGS",
    "SnapshotTree",
    "snapshot_is_external",
    "storage_pool_matches_filter",
    "unsupported",
    "unsupported_flags",
    "vcpu_pin",
    # <blkiotune> (issue 11)
    "BLKIO_DEVICE_FIELDS",
    "BLKIO_PARAM_TYPES",
    "BlkioDevice",
    "apply_blkio_params",
    "blkio_device_params",
    "blkio_tune",
    "merge_blkio_devices",
    "parse_blkio_devices",
    "set_blkio_tune",
    # <disk><iotune>
    "IOTUNE_FIELDS",
    "IOTUNE_MAX",
    "iotune_values",
    "write_iotune",
]


def __getattr__(name: str) -> object:
    """Import the kit module that defines *name* on first use, and cache the value here."""
    module_name = _KIT_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pyvirt.driver' has no attribute {name!r}")
    module = __import__(module_name, fromlist=[name])
    value = getattr(module, name)
    globals()[name] = value
    return value


AuthCallback = Callable[[list[tuple[int, str]]], list[str]]
"""``auth(credentials) -> answers``: what :func:`pyvirt.open` passes to a driver that must ask
for credentials (a remote transport's SASL or SSH).  *credentials* are (type, prompt) pairs as
libvirt's virConnectAuth callback receives them (type a VIR_CRED_* number); the answers come
back in the same order."""


def unsupported(method: str, domain: int | None = None) -> NoReturn:
    """Raise libvirt's "not supported by the connection driver" error for a driver *method*.

    Without *domain*, the error domain is that of the public API file the C function lives
    in, as libvirt reports it from there: libvirt-domain-snapshot.c (DOMAIN_SNAPSHOT),
    libvirt-domain.c (DOMAIN: virDomain*, virConnectListAllDomains), else libvirt-host.c
    and libvirt.c (NONE)."""
    api = BY_METHOD[method].api if method in BY_METHOD else method
    if domain is None:
        domain = _api_file_domain(api)
    raise make_error(ErrorCode.NO_SUPPORT, domain, api)


def domain_not_running() -> VirtError:
    """libvirt's virDomainObjCheckActive error, which every driver raises for a call that
    needs a running domain: "Requested operation is not valid: domain is not running"."""
    return make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, "domain is not running")


def _api_file_domain(api: str) -> int:
    if api.startswith("virDomainSnapshot"):
        return ErrorDomain.DOMAIN_SNAPSHOT
    if api.startswith("virDomain") or api == "virConnectListAllDomains":
        return ErrorDomain.DOMAIN
    return ErrorDomain.NONE


def unsupported_flags(flags: int, allowed: int, function: str, domain: int) -> None:
    """libvirt's virCheckFlags: reject any bit outside *allowed*, naming the driver function."""
    extra = int(flags) & ~int(allowed)
    if extra:
        # libvirt 9.0 reports this through virReportInvalidArg: the bare message (no
        # "invalid argument: " prefix), the function and "flags" in str1/str2, int1=int2=0.
        raise InvalidArgError(
            f"unsupported flags (0x{extra:x}) in function {function}",
            code=ErrorCode.INVALID_ARG,
            domain=domain,
            str1=function,
            str2="flags",
            int1=0,
            int2=0,
        )


class HypervisorDriver:
    """Connection, host and domain entry points (libvirt's virHypervisorDriver)."""

    # connection and host
    def connect_close(self) -> None:
        """Release what the connection holds.  Called once; the default does nothing."""

    def connect_get_type(self) -> str:
        """virConnectGetType: the hypervisor name shown to users, e.g. "Test" or "QEMU"."""
        unsupported("connect_get_type")

    def connect_get_version(self) -> int:
        """virConnectGetVersion: the hypervisor's version, major*1000000 + minor*1000 + release."""
        unsupported("connect_get_version")

    def connect_get_lib_version(self) -> int:
        """virConnectGetLibVersion: the serving library's version, encoded as for
        connect_get_version."""
        unsupported("connect_get_lib_version")

    def connect_get_hostname(self) -> str:
        """virConnectGetHostname: the host's name."""
        unsupported("connect_get_hostname")

    def connect_get_uri(self) -> str:
        """virConnectGetURI: the canonical URI of this connection (what ``pyvirsh uri`` prints)."""
        unsupported("connect_get_uri")

    def connect_get_capabilities(self) -> str:
        """virConnectGetCapabilities: the host's ``<capabilities>`` XML (host CPU, guests it can
        run)."""
        unsupported("connect_get_capabilities")

    def connect_get_max_vcpus(self, type: str | None) -> int:
        """virConnectGetMaxVcpus: the most vCPUs a guest of domain *type* (None: default) may
        have."""
        unsupported("connect_get_max_vcpus")

    def connect_get_sysinfo(self, flags: int) -> str:
        """virConnectGetSysinfo: the host's ``<sysinfo>`` XML; reject unknown *flags* with
        :func:`unsupported_flags`."""
        unsupported("connect_get_sysinfo")

    def connect_set_identity(self, params: list[TypedParameter], flags: int) -> None:
        """virConnectSetIdentity: act for the identity in *params* (user-name, unix-user-id
        ...).  A daemon answers it for its client (pyvirtd: the identity its access rules
        see); no hypervisor driver has it (libvirt's test driver neither).  libvirt reports
        its absence in the DOMAIN error domain."""
        unsupported("connect_set_identity", ErrorDomain.DOMAIN)

    def connect_is_secure(self) -> bool:
        """virConnectIsSecure: whether the channel is safe from eavesdropping (local drivers:
        True)."""
        unsupported("connect_is_secure")

    def connect_is_alive(self) -> bool:
        """Local drivers are alive while open; remote drivers check their transport."""
        return True

    def connect_set_keepalive(self, interval: int, count: int) -> None:
        """Ping the peer every *interval* seconds of silence; after *count* unanswered pings
        the connection is closed.  ``interval <= 0`` stops it.  A client-side setting of
        remote transports (never sent to a daemon): local drivers refuse it as libvirt's public
        API does for them (VIR_FROM_DOMAIN)."""
        raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, "virConnectSetKeepAlive")

    def node_get_info(self) -> NodeInfo:
        """virNodeGetInfo: the host's CPU/memory summary as a :class:`~pyvirt.NodeInfo` (memory in
        KiB)."""
        unsupported("node_get_info")

    # events
    def connect_event_subscribe(self, listener: Callable[[ObjectEvent], None]) -> int:
        """Deliver every lifecycle event of this connection's objects to *listener*.

        Returns a token for :meth:`connect_event_unsubscribe`.  Listeners are called from
        the thread that changed the state, after the change, and must not block.
        """
        unsupported("connect_event_subscribe")

    def connect_event_unsubscribe(self, token: int) -> None:
        """virConnectDomainEventDeregisterAny: stop the listener registered under *token*."""
        unsupported("connect_event_unsubscribe")

    def node_get_free_memory(self) -> int:
        """virNodeGetFreeMemory: the host's free memory in bytes."""
        unsupported("node_get_free_memory")

    def node_get_security_model(self) -> SecurityModel:
        """virNodeGetSecurityModel: the host's security driver and DOI
        (:class:`~pyvirt.SecurityModel`)."""
        unsupported("node_get_security_model")

    # domains: lookup and listing
    def connect_list_all_domains(self, flags: int) -> list[DomainRecord]:
        """virConnectListAllDomains: one :class:`~pyvirt.DomainRecord` per domain matching *flags*
        (:class:`~pyvirt.ListDomainsFlags`; :func:`domain_matches_filter` applies them)."""
        unsupported("connect_list_all_domains")

    def domain_lookup_by_id(self, id: int) -> DomainRecord:
        """virDomainLookupByID: the running domain with *id*; an unknown domain raises
        VIR_ERR_NO_DOMAIN."""
        unsupported("domain_lookup_by_id")

    def domain_lookup_by_name(self, name: str) -> DomainRecord:
        """virDomainLookupByName: the domain called *name*; an unknown domain raises
        VIR_ERR_NO_DOMAIN."""
        unsupported("domain_lookup_by_name")

    def domain_lookup_by_uuid(self, uuid: str) -> DomainRecord:
        """virDomainLookupByUUID: the domain with the canonical *uuid*; an unknown domain raises
        VIR_ERR_NO_DOMAIN."""
        unsupported("domain_lookup_by_uuid")

    # domains: lifecycle
    def domain_define_xml(self, xml: str, flags: int) -> DomainRecord:
        """virDomainDefineXMLFlags: parse *xml*, add or update the persistent domain, return its
        record. Bad XML: VIR_ERR_XML_ERROR; a name held by another UUID: VIR_ERR_OPERATION_FAILED
        (the kit's :class:`DomainObjList` checks both ways)."""
        unsupported("domain_define_xml")

    def domain_create_xml(self, xml: str, flags: int) -> DomainRecord:
        """virDomainCreateXML: define a transient domain from *xml* and start it; return its record
        (with its id)."""
        unsupported("domain_create_xml")

    def domain_create(self, dom: DomainRef, flags: int) -> DomainRecord:
        """virDomainCreateWithFlags: start the defined domain *dom* and return its record with the
        new id. Already running: refuse it (QEMU: VIR_ERR_OPERATION_INVALID; test:
        VIR_ERR_INTERNAL_ERROR "Domain 'x' is already running")."""
        unsupported("domain_create")

    def domain_undefine(self, dom: DomainRef, flags: int) -> None:
        """virDomainUndefineFlags: remove *dom*'s persistent config (running: it becomes
        transient)."""
        unsupported("domain_undefine")

    def domain_shutdown(self, dom: DomainRef, flags: int) -> None:
        """virDomainShutdownFlags: ask the guest to power off; not running: refuse it (QEMU:
        VIR_ERR_OPERATION_INVALID; test: VIR_ERR_INTERNAL_ERROR)."""
        unsupported("domain_shutdown")

    def domain_reboot(self, dom: DomainRef, flags: int) -> None:
        """virDomainReboot: ask the guest to reboot; inactive: VIR_ERR_OPERATION_INVALID."""
        unsupported("domain_reboot")

    def domain_reset(self, dom: DomainRef, flags: int) -> None:
        """virDomainReset: reset the virtual hardware at once; inactive:
        VIR_ERR_OPERATION_INVALID."""
        unsupported("domain_reset")

    def domain_destroy(self, dom: DomainRef, flags: int) -> None:
        """virDomainDestroyFlags: stop *dom* at once (a transient domain is then forgotten);
        inactive: VIR_ERR_OPERATION_INVALID. On the daemon's priority workers, so it must not wait
        on a stuck job."""
        unsupported("domain_destroy")

    def domain_suspend(self, dom: DomainRef) -> None:
        """virDomainSuspend: pause the vCPUs; not running: refuse it (QEMU:
        VIR_ERR_OPERATION_INVALID; test: VIR_ERR_INTERNAL_ERROR)."""
        unsupported("domain_suspend")

    def domain_resume(self, dom: DomainRef) -> None:
        """virDomainResume: unpause; not paused: refuse it (test: VIR_ERR_INTERNAL_ERROR)."""
        unsupported("domain_resume")

    # domains: information and tuning
    def domain_get_xml_desc(self, dom: DomainRef, flags: int) -> str:
        """virDomainGetXMLDesc: the ``<domain>`` XML, live or (INACTIVE in *flags*) the next
        boot's."""
        unsupported("domain_get_xml_desc")

    def domain_get_info(self, dom: DomainRef) -> DomainInfo:
        """virDomainGetInfo: a :class:`~pyvirt.DomainInfo` (memory in KiB, cpu_time in ns)."""
        unsupported("domain_get_info")

    def domain_get_state(self, dom: DomainRef, flags: int) -> tuple[int, int]:
        """virDomainGetState: ``(state, reason)`` as libvirt's numbers."""
        unsupported("domain_get_state")

    def domain_get_max_memory(self, dom: DomainRef) -> int:
        """virDomainGetMaxMemory: the maximum memory in KiB."""
        unsupported("domain_get_max_memory")

    def domain_get_os_type(self, dom: DomainRef) -> str:
        """virDomainGetOSType: the guest OS type, e.g. "hvm"."""
        unsupported("domain_get_os_type")

    def domain_get_autostart(self, dom: DomainRef) -> bool:
        """virDomainGetAutostart: whether *dom* starts with the driver."""
        unsupported("domain_get_autostart")

    def domain_set_autostart(self, dom: DomainRef, autostart: bool) -> None:
        """virDomainSetAutostart: set it; a transient domain is VIR_ERR_OPERATION_INVALID."""
        unsupported("domain_set_autostart")

    def domain_is_active(self, dom: DomainRef) -> bool:
        """virDomainIsActive: whether *dom* is running or paused."""
        unsupported("domain_is_active")

    def domain_is_persistent(self, dom: DomainRef) -> bool:
        """virDomainIsPersistent: whether *dom* has a persistent config."""
        unsupported("domain_is_persistent")

    def domain_get_security_label(self, dom: DomainRef) -> SecurityLabel:
        """virDomainGetSecurityLabel: *dom*'s :class:`~pyvirt.SecurityLabel`."""
        unsupported("domain_get_security_label")

    def domain_get_security_label_list(self, dom: DomainRef) -> list[SecurityLabel]:
        """virDomainGetSecurityLabelList: *dom*'s label from each security driver, in the
        order of the host's security models (libvirt's test driver has none of it)."""
        unsupported("domain_get_security_label_list")

    def domain_has_managed_save_image(self, dom: DomainRef, flags: int) -> bool:
        """virDomainHasManagedSaveImage: whether a managed save image of *dom* exists."""
        unsupported("domain_has_managed_save_image")

    def domain_managed_save(self, dom: DomainRef, flags: int) -> None:
        """Save the running domain's state and stop it; the next start restores it."""
        unsupported("domain_managed_save")

    def domain_managed_save_remove(self, dom: DomainRef, flags: int) -> None:
        """Discard the domain's managed save image (none: nothing to do)."""
        unsupported("domain_managed_save_remove")

    def domain_set_memory_flags(self, dom: DomainRef, memory: int, flags: int) -> None:
        """virDomainSetMemoryFlags: set *memory* KiB, current or (VIR_DOMAIN_MEM_MAXIMUM) maximum,
        live and/or config per *flags*; above the maximum: VIR_ERR_INVALID_ARG."""
        unsupported("domain_set_memory_flags")

    def domain_get_vcpus_flags(self, dom: DomainRef, flags: int) -> int:
        """virDomainGetVcpusFlags: the vCPU count, live/config/maximum per *flags*."""
        unsupported("domain_get_vcpus_flags")

    def domain_set_vcpus_flags(self, dom: DomainRef, nvcpus: int, flags: int) -> None:
        """virDomainSetVcpusFlags: set *nvcpus*, live/config/maximum per *flags*; above the maximum:
        VIR_ERR_INVALID_ARG."""
        unsupported("domain_set_vcpus_flags")

    # -- domain extras (issue 10): metadata, rename --------------------------------------
    def domain_set_metadata(
        self,
        dom: DomainRef,
        type: int,
        metadata: str | None,
        key: str | None,
        uri: str | None,
        flags: int,
    ) -> None:
        """virDomainSetMetadata: set (None or "": remove) the title, description or the
        ``<metadata>`` element of namespace *uri* (prefix *key*), live and/or config."""
        unsupported("domain_set_metadata")

    def domain_get_metadata(self, dom: DomainRef, type: int, uri: str | None, flags: int) -> str:
        """virDomainGetMetadata: the title, description or the ``<metadata>`` element of
        namespace *uri*; missing: VIR_ERR_NO_DOMAIN_METADATA."""
        unsupported("domain_get_metadata")

    def domain_rename(self, dom: DomainRef, new_name: str, flags: int) -> None:
        """virDomainRename: give the inactive persistent domain *new_name*."""
        unsupported("domain_rename")

    def domain_fd_associate(self, dom: DomainRef, name: str, fds: list[int], flags: int) -> None:
        """virDomainFDAssociate: keep the open descriptors *fds* as group *name* for the
        domain's disks to use (VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_*).  Neither libvirt's test
        driver nor pyvirt's drivers do; through a daemon *fds* is empty (see the row)."""
        unsupported("domain_fd_associate")

    # -- domain vCPUs (issue 10): placement and pinning ---------------------------------
    def domain_get_vcpus(
        self, dom: DomainRef, maxinfo: int, maplen: int
    ) -> tuple[list[tuple[int, int, int, int]], bytes]:
        """virDomainGetVcpus: (number, state, cpu time ns, host CPU) of up to *maxinfo*
        online vCPUs, and their affinity as *maplen* bytes each (bit i: host CPU i)."""
        unsupported("domain_get_vcpus")

    def domain_pin_vcpu_flags(self, dom: DomainRef, vcpu: int, cpumap: bytes, flags: int) -> None:
        """virDomainPinVcpuFlags: let *vcpu* run on the host CPUs set in *cpumap*."""
        unsupported("domain_pin_vcpu_flags")

    def domain_get_vcpu_pin_info(
        self, dom: DomainRef, ncpumaps: int, maplen: int, flags: int
    ) -> bytes:
        """virDomainGetVcpuPinInfo: the affinity of the first *ncpumaps* vCPUs, *maplen*
        bytes each (fewer maps when the domain has fewer vCPUs)."""
        unsupported("domain_get_vcpu_pin_info")

    def domain_pin_emulator(self, dom: DomainRef, cpumap: bytes, flags: int) -> None:
        """virDomainPinEmulator: let the emulator threads run on the CPUs set in *cpumap*."""
        unsupported("domain_pin_emulator")

    def domain_get_emulator_pin_info(self, dom: DomainRef, maplen: int, flags: int) -> bytes:
        """virDomainGetEmulatorPinInfo: the emulator threads' affinity, *maplen* bytes."""
        unsupported("domain_get_emulator_pin_info")

    # -- domain statistics (issue 10) ---------------------------------------------------
    def domain_block_stats(self, dom: DomainRef, path: str) -> tuple[int, int, int, int, int]:
        """virDomainBlockStats of disk *path* (target or source): read requests, bytes read,
        write requests, bytes written, errors (-1: not known)."""
        unsupported("domain_block_stats")

    def domain_block_stats_flags(
        self, dom: DomainRef, path: str, flags: int
    ) -> list[TypedParameter]:
        """virDomainBlockStatsFlags: every counter the hypervisor keeps for disk *path*
        (rd_operations, rd_bytes, ..., flush_total_times) as typed parameters."""
        unsupported("domain_block_stats_flags")

    def domain_interface_stats(
        self, dom: DomainRef, device: str
    ) -> tuple[int, int, int, int, int, int, int, int]:
        """virDomainInterfaceStats of interface *device* (target name or MAC): rx bytes,
        packets, errors, drops, then the same for tx (-1: not known)."""
        unsupported("domain_interface_stats")

    def domain_get_disk_errors(
        self, dom: DomainRef, maxerrors: int, flags: int
    ) -> tuple[int, list[tuple[str, int]]]:
        """virDomainGetDiskErrors: how many disks have errors, and the first *maxerrors* of
        them as (target, VIR_DOMAIN_DISK_ERROR_*)."""
        unsupported("domain_get_disk_errors")

    def domain_screenshot(self, dom: DomainRef, screen: int, flags: int) -> bytes:
        """The image of console *screen* as PNG bytes (libvirt streams it and returns the
        MIME type; the image is small enough to be the result here)."""
        unsupported("domain_screenshot")

    # -- snapshots (libvirt's virDomainSnapshot* family) ----------------------------------
    def domain_snapshot_create_xml(self, dom: DomainRef, xml: str, flags: int) -> DomainSnapshotRef:
        """Take (or, with REDEFINE, record) the snapshot *xml* describes."""
        unsupported("domain_snapshot_create_xml")

    def domain_snapshot_get_xml_desc(self, snap: DomainSnapshotRef, flags: int) -> str:
        """The snapshot's ``<domainsnapshot>`` XML (with SNAPSHOT_XML_SECURE, secrets too)."""
        unsupported("domain_snapshot_get_xml_desc")

    def domain_snapshot_num(self, dom: DomainRef, flags: int) -> int:
        """How many snapshots pass the VIR_DOMAIN_SNAPSHOT_LIST_* filters."""
        unsupported("domain_snapshot_num")

    def domain_snapshot_list_names(self, dom: DomainRef, limit: int, flags: int) -> list[str]:
        """At most *limit* names of the snapshots passing the filters."""
        unsupported("domain_snapshot_list_names")

    def domain_snapshot_lookup_by_name(
        self, dom: DomainRef, name: str, flags: int
    ) -> DomainSnapshotRef:
        """The snapshot called *name*; VIR_ERR_NO_DOMAIN_SNAPSHOT if none."""
        unsupported("domain_snapshot_lookup_by_name")

    def domain_has_current_snapshot(self, dom: DomainRef, flags: int) -> bool:
        """Whether the domain has a current snapshot."""
        unsupported("domain_has_current_snapshot")

    def domain_snapshot_current(self, dom: DomainRef, flags: int) -> DomainSnapshotRef:
        """The current snapshot; VIR_ERR_NO_DOMAIN_SNAPSHOT if there is none."""
        unsupported("domain_snapshot_current")

    def domain_revert_to_snapshot(self, snap: DomainSnapshotRef, flags: int) -> None:
        """Put the domain back in the snapshot's state and definition."""
        unsupported("domain_revert_to_snapshot")

    def domain_snapshot_delete(self, snap: DomainSnapshotRef, flags: int) -> None:
        """Delete the snapshot (its children too with DELETE_CHILDREN, only them with
        DELETE_CHILDREN_ONLY); children left behind move to its parent."""
        unsupported("domain_snapshot_delete")

    def domain_snapshot_get_parent(self, snap: DomainSnapshotRef, flags: int) -> DomainSnapshotRef:
        """The parent snapshot; VIR_ERR_NO_DOMAIN_SNAPSHOT for a root."""
        unsupported("domain_snapshot_get_parent")

    def domain_snapshot_num_children(self, snap: DomainSnapshotRef, flags: int) -> int:
        """How many children (descendants with LIST_DESCENDANTS) pass the filters."""
        unsupported("domain_snapshot_num_children")

    def domain_snapshot_list_children_names(
        self, snap: DomainSnapshotRef, limit: int, flags: int
    ) -> list[str]:
        """At most *limit* names of the children passing the filters."""
        unsupported("domain_snapshot_list_children_names")

    def domain_snapshot_is_current(self, snap: DomainSnapshotRef, flags: int) -> bool:
        """Whether *snap* is its domain's current snapshot."""
        unsupported("domain_snapshot_is_current")

    def domain_snapshot_has_metadata(self, snap: DomainSnapshotRef, flags: int) -> bool:
        """Whether the driver keeps metadata for *snap*."""
        unsupported("domain_snapshot_has_metadata")

    def domain_list_all_snapshots(self, dom: DomainRef, flags: int) -> list[DomainSnapshotRef]:
        """The domain's snapshots that pass the VIR_DOMAIN_SNAPSHOT_LIST_* filters."""
        unsupported("domain_list_all_snapshots")

    def domain_snapshot_list_all_children(
        self, snap: DomainSnapshotRef, flags: int
    ) -> list[DomainSnapshotRef]:
        """The snapshot's children (all descendants with LIST_DESCENDANTS), filtered."""
        unsupported("domain_snapshot_list_all_children")

    def domain_open_console(self, dom: DomainRef, dev_name: str | None, flags: int) -> int:
        """A file descriptor joined to the guest's console *dev_name* (a device alias such
        as ``serial0``; None for the first console), owned by the caller: the guest's output
        is read from it and keystrokes written into it.  libvirt carries these bytes over a
        stream; in process the descriptor is the stream, and through pyvirtd the worker
        serves it as one (:class:`pyvirt.driver.FdStream`) while the client hands its caller
        one end of a socket pair pumped from it (:func:`pyvirt.rpc._streams.console_fd`)."""
        unsupported("domain_open_console")

    # host and domain information (libvirt's test driver answers all of them)
    def node_get_cells_free_memory(self, start_cell: int, max_cells: int) -> list[int]:
        """Free memory in bytes of NUMA cells *start_cell*.. (at most *max_cells* of them)."""
        unsupported("node_get_cells_free_memory", ErrorDomain.DOMAIN)

    def node_get_cpu_stats(self, cpu_num: int, flags: int) -> list[TypedParameter]:
        """CPU time counters (ns) of one host CPU, or of all (*cpu_num* -1): user, kernel,
        idle, iowait ... as ULLONG typed parameters."""
        unsupported("node_get_cpu_stats", ErrorDomain.DOMAIN)

    def node_get_memory_stats(self, cell_num: int, flags: int) -> list[TypedParameter]:
        """Memory counters (KiB) of one NUMA cell, or of the host (*cell_num* -1)."""
        unsupported("node_get_memory_stats", ErrorDomain.DOMAIN)

    def node_get_cpu_map(self, flags: int) -> list[bool]:
        """One entry per present host CPU: whether it is online."""
        unsupported("node_get_cpu_map", ErrorDomain.DOMAIN)

    def node_suspend_for_duration(self, target: int, duration: int, flags: int) -> None:
        """Suspend the host (VIR_NODE_SUSPEND_TARGET_*) for *duration* seconds."""
        unsupported("node_suspend_for_duration", ErrorDomain.DOMAIN)

    def domain_get_scheduler_type(self, dom: DomainRef) -> tuple[str, int]:
        """The scheduler's name and how many parameters it has."""
        unsupported("domain_get_scheduler_type", ErrorDomain.DOMAIN)

    def domain_get_scheduler_parameters(self, dom: DomainRef, flags: int) -> list[TypedParameter]:
        """The scheduler's parameters (*flags*: VIR_DOMAIN_AFFECT_*)."""
        unsupported("domain_get_scheduler_parameters", ErrorDomain.DOMAIN)

    def domain_set_scheduler_parameters(
        self, dom: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        """Change scheduler parameters (*flags*: VIR_DOMAIN_AFFECT_*)."""
        unsupported("domain_set_scheduler_parameters", ErrorDomain.DOMAIN)

    # -- domain tunables: typed parameters (*flags*: VIR_DOMAIN_AFFECT_*) ----------------
    def domain_get_memory_parameters(self, dom: DomainRef, flags: int) -> list[TypedParameter]:
        """The memory limits (memtune): hard, soft and swap hard limit in KiB."""
        unsupported("domain_get_memory_parameters", ErrorDomain.DOMAIN)

    def domain_set_memory_parameters(
        self, dom: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        """Change memory limits (memtune)."""
        unsupported("domain_set_memory_parameters", ErrorDomain.DOMAIN)

    def domain_get_blkio_parameters(self, dom: DomainRef, flags: int) -> list[TypedParameter]:
        """The block I/O weights and per-device limits (blkiotune)."""
        unsupported("domain_get_blkio_parameters", ErrorDomain.DOMAIN)

    def domain_set_blkio_parameters(
        self, dom: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        """Change block I/O weights and per-device limits (blkiotune)."""
        unsupported("domain_set_blkio_parameters", ErrorDomain.DOMAIN)

    def domain_get_numa_parameters(self, dom: DomainRef, flags: int) -> list[TypedParameter]:
        """The NUMA memory mode and nodeset (numatune)."""
        unsupported("domain_get_numa_parameters", ErrorDomain.DOMAIN)

    def domain_set_numa_parameters(
        self, dom: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        """Change the NUMA memory mode or nodeset (numatune)."""
        unsupported("domain_set_numa_parameters", ErrorDomain.DOMAIN)

    def domain_get_interface_parameters(
        self, dom: DomainRef, device: str, flags: int
    ) -> list[TypedParameter]:
        """The bandwidth limits of the interface *device* (name or MAC; domiftune)."""
        unsupported("domain_get_interface_parameters", ErrorDomain.DOMAIN)

    def domain_set_interface_parameters(
        self, dom: DomainRef, device: str, params: list[TypedParameter], flags: int
    ) -> None:
        """Change the bandwidth limits of the interface *device* (domiftune)."""
        unsupported("domain_set_interface_parameters", ErrorDomain.DOMAIN)

    def domain_get_block_io_tune(
        self, dom: DomainRef, disk: str, flags: int
    ) -> list[TypedParameter]:
        """The I/O throttling of the disk *disk* (target or source path; blkdeviotune)."""
        unsupported("domain_get_block_io_tune", ErrorDomain.DOMAIN)

    def domain_set_block_io_tune(
        self, dom: DomainRef, disk: str, params: list[TypedParameter], flags: int
    ) -> None:
        """Change the I/O throttling of the disk *disk* (blkdeviotune)."""
        unsupported("domain_set_block_io_tune", ErrorDomain.DOMAIN)

    def domain_get_perf_events(self, dom: DomainRef, flags: int) -> list[TypedParameter]:
        """Which perf events are enabled (perf): one boolean per event name."""
        unsupported("domain_get_perf_events", ErrorDomain.DOMAIN)

    def domain_set_perf_events(
        self, dom: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        """Enable or disable perf events (booleans by event name)."""
        unsupported("domain_set_perf_events", ErrorDomain.DOMAIN)

    def domain_get_guest_vcpus(self, dom: DomainRef, flags: int) -> list[TypedParameter]:
        """The guest's own view of its vCPUs, through its agent (guestvcpus)."""
        unsupported("domain_get_guest_vcpus", ErrorDomain.DOMAIN)

    def domain_set_guest_vcpus(self, dom: DomainRef, cpumap: str, state: int, flags: int) -> None:
        """Have the guest agent bring the vCPUs of *cpumap* ("0-3,^2") on (*state* 1) or off."""
        unsupported("domain_set_guest_vcpus", ErrorDomain.DOMAIN)

    def domain_set_vcpu(self, dom: DomainRef, vcpumap: str, state: int, flags: int) -> None:
        """Plug (*state* 1) or unplug the vCPUs of *vcpumap* (setvcpu)."""
        unsupported("domain_set_vcpu", ErrorDomain.DOMAIN)

    def domain_memory_stats(
        self, dom: DomainRef, max_stats: int, flags: int
    ) -> list[tuple[int, int]]:
        """At most *max_stats* memory statistics of the running domain, as (tag, value) pairs
        (VIR_DOMAIN_MEMORY_STAT_* tags; sizes in KiB)."""
        unsupported("domain_memory_stats", ErrorDomain.DOMAIN)

    def domain_get_time(self, dom: DomainRef, flags: int) -> tuple[int, int]:
        """The guest's clock: seconds since the epoch and nanoseconds."""
        unsupported("domain_get_time", ErrorDomain.DOMAIN)

    def domain_set_time(self, dom: DomainRef, seconds: int, nseconds: int, flags: int) -> None:
        """Set the guest's clock (VIR_DOMAIN_TIME_SYNC: from its RTC instead)."""
        unsupported("domain_set_time", ErrorDomain.DOMAIN)

    def domain_get_block_info(self, dom: DomainRef, path: str, flags: int) -> tuple[int, int, int]:
        """Capacity, allocation and physical size in bytes of the disk *path* (target or
        source)."""
        unsupported("domain_get_block_info", ErrorDomain.DOMAIN)

    def domain_get_control_info(self, dom: DomainRef, flags: int) -> tuple[int, int, int]:
        """The state of the hypervisor's control interface (VIR_DOMAIN_CONTROL_*), its detail
        and for how long (ms) it has been so."""
        unsupported("domain_get_control_info", ErrorDomain.DOMAIN)

    def domain_get_hostname(self, dom: DomainRef, flags: int) -> str:
        """The guest's hostname."""
        unsupported("domain_get_hostname", ErrorDomain.DOMAIN)

    def domain_interface_addresses(
        self, dom: DomainRef, source: int, flags: int
    ) -> list[DomainInterface]:
        """virDomainInterfaceAddresses: the guest's interfaces and their addresses, as
        *source* (libvirt's VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*: 0 lease, 1 agent, 2 arp)
        knows them."""
        unsupported("domain_interface_addresses", ErrorDomain.DOMAIN)


class NetworkDriver:
    """Virtual network entry points (libvirt's virNetworkDriver)."""

    def connect_list_all_networks(self, flags: int) -> list[NetworkRecord]:
        """virConnectListAllNetworks: one :class:`~pyvirt.NetworkRecord` per network matching
        *flags* (:func:`network_matches_filter`)."""
        unsupported("connect_list_all_networks", ErrorDomain.NETWORK)

    def network_lookup_by_name(self, name: str) -> NetworkRecord:
        """virNetworkLookupByName: the network called *name*; unknown: VIR_ERR_NO_NETWORK."""
        unsupported("network_lookup_by_name", ErrorDomain.NETWORK)

    def network_lookup_by_uuid(self, uuid: str) -> NetworkRecord:
        """virNetworkLookupByUUID: the network with *uuid*; unknown: VIR_ERR_NO_NETWORK."""
        unsupported("network_lookup_by_uuid", ErrorDomain.NETWORK)

    def network_define_xml(self, xml: str, flags: int) -> NetworkRecord:
        """virNetworkDefineXML: parse *xml*, add or update the persistent network, return its
        record."""
        unsupported("network_define_xml", ErrorDomain.NETWORK)

    def network_create_xml(self, xml: str, flags: int) -> NetworkRecord:
        """virNetworkCreateXML: define a transient network from *xml* and start it."""
        unsupported("network_create_xml", ErrorDomain.NETWORK)

    def network_create(self, net: NetworkRef) -> None:
        """virNetworkCreate: start *net*; already active: VIR_ERR_OPERATION_INVALID."""
        unsupported("network_create", ErrorDomain.NETWORK)

    def network_destroy(self, net: NetworkRef) -> None:
        """virNetworkDestroy: stop *net* (transient: forget it)."""
        unsupported("network_destroy", ErrorDomain.NETWORK)

    def network_undefine(self, net: NetworkRef) -> None:
        """virNetworkUndefine: remove *net*'s persistent config."""
        unsupported("network_undefine", ErrorDomain.NETWORK)

    def network_get_xml_desc(self, net: NetworkRef, flags: int) -> str:
        """virNetworkGetXMLDesc: the ``<network>`` XML (INACTIVE in *flags*: the persistent
        config)."""
        unsupported("network_get_xml_desc", ErrorDomain.NETWORK)

    def network_get_autostart(self, net: NetworkRef) -> bool:
        """virNetworkGetAutostart: whether *net* starts with the driver."""
        unsupported("network_get_autostart", ErrorDomain.NETWORK)

    def network_set_autostart(self, net: NetworkRef, autostart: bool) -> None:
        """virNetworkSetAutostart: set it."""
        unsupported("network_set_autostart", ErrorDomain.NETWORK)

    def network_get_bridge_name(self, net: NetworkRef) -> str:
        """virNetworkGetBridgeName: the host bridge device of *net*."""
        unsupported("network_get_bridge_name", ErrorDomain.NETWORK)

    def network_is_active(self, net: NetworkRef) -> bool:
        """virNetworkIsActive: whether *net* is running."""
        unsupported("network_is_active", ErrorDomain.NETWORK)

    def network_is_persistent(self, net: NetworkRef) -> bool:
        """virNetworkIsPersistent: whether *net* has a persistent config."""
        unsupported("network_is_persistent", ErrorDomain.NETWORK)

    def network_get_dhcp_leases(
        self, net: NetworkRef, mac: str | None, flags: int
    ) -> list[NetworkDHCPLease]:
        """virNetworkGetDHCPLeases: the current leases of *net*, only *mac*'s when given."""
        unsupported("network_get_dhcp_leases", ErrorDomain.NETWORK)


class StorageDriver:
    """Storage pool and volume entry points (libvirt's virStorageDriver)."""

    def connect_list_all_storage_pools(self, flags: int) -> list[StoragePoolRecord]:
        """virConnectListAllStoragePools: one :class:`~pyvirt.StoragePoolRecord` per pool matching
        *flags* (:func:`storage_pool_matches_filter`)."""
        unsupported("connect_list_all_storage_pools", ErrorDomain.STORAGE)

    def storage_pool_lookup_by_name(self, name: str) -> StoragePoolRecord:
        """virStoragePoolLookupByName: the pool called *name*; unknown: VIR_ERR_NO_STORAGE_POOL."""
        unsupported("storage_pool_lookup_by_name", ErrorDomain.STORAGE)

    def storage_pool_lookup_by_uuid(self, uuid: str) -> StoragePoolRecord:
        """virStoragePoolLookupByUUID: the pool with *uuid*; unknown: VIR_ERR_NO_STORAGE_POOL."""
        unsupported("storage_pool_lookup_by_uuid", ErrorDomain.STORAGE)

    def storage_pool_lookup_by_volume(self, vol: StorageVolRef) -> StoragePoolRecord:
        """virStoragePoolLookupByVolume: the pool that holds *vol*."""
        unsupported("storage_pool_lookup_by_volume", ErrorDomain.STORAGE)

    def storage_pool_define_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        """virStoragePoolDefineXML: parse *xml*, add the persistent pool (inactive), return its
        record."""
        unsupported("storage_pool_define_xml", ErrorDomain.STORAGE)

    def storage_pool_create_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        """virStoragePoolCreateXML: define a transient pool from *xml* and start it."""
        unsupported("storage_pool_create_xml", ErrorDomain.STORAGE)

    def storage_pool_create(self, pool: StoragePoolRef, flags: int) -> None:
        """virStoragePoolCreate: start *pool*; already active: VIR_ERR_OPERATION_INVALID."""
        unsupported("storage_pool_create", ErrorDomain.STORAGE)

    def storage_pool_build(self, pool: StoragePoolRef, flags: int) -> None:
        """virStoragePoolBuild: create the pool's underlying storage (e.g. its directory)."""
        unsupported("storage_pool_build", ErrorDomain.STORAGE)

    def storage_pool_destroy(self, pool: StoragePoolRef) -> None:
        """virStoragePoolDestroy: stop *pool*, keeping its data; inactive:
        VIR_ERR_OPERATION_INVALID."""
        unsupported("storage_pool_destroy", ErrorDomain.STORAGE)

    def storage_pool_delete(self, pool: StoragePoolRef, flags: int) -> None:
        """virStoragePoolDelete: delete the underlying storage of an inactive *pool*."""
        unsupported("storage_pool_delete", ErrorDomain.STORAGE)

    def storage_pool_undefine(self, pool: StoragePoolRef) -> None:
        """virStoragePoolUndefine: remove *pool*'s persistent config."""
        unsupported("storage_pool_undefine", ErrorDomain.STORAGE)

    def storage_pool_refresh(self, pool: StoragePoolRef, flags: int) -> None:
        """virStoragePoolRefresh: rescan the volumes of the active *pool*."""
        unsupported("storage_pool_refresh", ErrorDomain.STORAGE)

    def storage_pool_get_info(self, pool: StoragePoolRef) -> StoragePoolInfo:
        """virStoragePoolGetInfo: state and sizes in bytes (:class:`~pyvirt.StoragePoolInfo`)."""
        unsupported("storage_pool_get_info", ErrorDomain.STORAGE)

    def storage_pool_get_xml_desc(self, pool: StoragePoolRef, flags: int) -> str:
        """virStoragePoolGetXMLDesc: the ``<pool>`` XML."""
        unsupported("storage_pool_get_xml_desc", ErrorDomain.STORAGE)

    def storage_pool_get_autostart(self, pool: StoragePoolRef) -> bool:
        """virStoragePoolGetAutostart: whether *pool* starts with the driver."""
        unsupported("storage_pool_get_autostart", ErrorDomain.STORAGE)

    def storage_pool_set_autostart(self, pool: StoragePoolRef, autostart: bool) -> None:
        """virStoragePoolSetAutostart: set it; a transient pool is VIR_ERR_INVALID_ARG."""
        unsupported("storage_pool_set_autostart", ErrorDomain.STORAGE)

    def storage_pool_is_active(self, pool: StoragePoolRef) -> bool:
        """virStoragePoolIsActive: whether *pool* is started."""
        unsupported("storage_pool_is_active", ErrorDomain.STORAGE)

    def storage_pool_is_persistent(self, pool: StoragePoolRef) -> bool:
        """virStoragePoolIsPersistent: whether *pool* has a persistent config."""
        unsupported("storage_pool_is_persistent", ErrorDomain.STORAGE)

    def storage_pool_list_all_volumes(
        self, pool: StoragePoolRef, flags: int
    ) -> list[StorageVolRef]:
        """virStoragePoolListAllVolumes: a reference per volume of the active *pool*."""
        unsupported("storage_pool_list_all_volumes", ErrorDomain.STORAGE)

    def storage_vol_lookup_by_name(self, pool: StoragePoolRef, name: str) -> StorageVolRef:
        """virStorageVolLookupByName: the volume *name* in *pool*; unknown:
        VIR_ERR_NO_STORAGE_VOL."""
        unsupported("storage_vol_lookup_by_name", ErrorDomain.STORAGE)

    def storage_vol_lookup_by_key(self, key: str) -> StorageVolRef:
        """virStorageVolLookupByKey: the volume with *key* in any active pool; unknown:
        VIR_ERR_NO_STORAGE_VOL."""
        unsupported("storage_vol_lookup_by_key", ErrorDomain.STORAGE)

    def storage_vol_lookup_by_path(self, path: str) -> StorageVolRef:
        """virStorageVolLookupByPath: the volume at *path* in any active pool; unknown:
        VIR_ERR_NO_STORAGE_VOL."""
        unsupported("storage_vol_lookup_by_path", ErrorDomain.STORAGE)

    def storage_vol_create_xml(self, pool: StoragePoolRef, xml: str, flags: int) -> StorageVolRef:
        """virStorageVolCreateXML: create a volume in *pool* from *xml*; return its reference."""
        unsupported("storage_vol_create_xml", ErrorDomain.STORAGE)

    def storage_vol_delete(self, vol: StorageVolRef, flags: int) -> None:
        """virStorageVolDelete: delete *vol* and its data."""
        unsupported("storage_vol_delete", ErrorDomain.STORAGE)

    def storage_vol_get_info(self, vol: StorageVolRef) -> StorageVolInfo:
        """virStorageVolGetInfo: type and sizes in bytes (:class:`~pyvirt.StorageVolInfo`)."""
        unsupported("storage_vol_get_info", ErrorDomain.STORAGE)

    def storage_vol_get_xml_desc(self, vol: StorageVolRef, flags: int) -> str:
        """virStorageVolGetXMLDesc: the ``<volume>`` XML."""
        unsupported("storage_vol_get_xml_desc", ErrorDomain.STORAGE)

    def storage_vol_get_path(self, vol: StorageVolRef) -> str:
        """virStorageVolGetPath: the volume's path on the host."""
        unsupported("storage_vol_get_path", ErrorDomain.STORAGE)

    def storage_vol_upload(
        self, vol: StorageVolRef, offset: int, length: int, flags: int
    ) -> DriverStream:
        """virStorageVolUpload: the driver's end of a stream that writes *length* bytes (0:
        all that comes) into *vol* from *offset* (:class:`DriverStream`; a file volume's is a
        :class:`FileStream`).  Flag VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM (1): holes."""
        unsupported("storage_vol_upload", ErrorDomain.STORAGE)

    def storage_vol_download(
        self, vol: StorageVolRef, offset: int, length: int, flags: int
    ) -> DriverStream:
        """virStorageVolDownload: the driver's end of a stream that reads *length* bytes (0:
        to the end) of *vol* from *offset*.  Flag VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM (1):
        holes travel as holes."""
        unsupported("storage_vol_download", ErrorDomain.STORAGE)


class DriverConnection(
    HypervisorDriver,
    DomainDeviceDriver,
    NetworkDriver,
    StorageDriver,
    SecretDriver,
    NWFilterDriver,
    InterfaceDriver,
    NodeDeviceDriver,
    DomainStatsDriver,
    GuestMemoryDriver,
    CheckpointDriver,
    StorageExtraDriver,
    NetworkExtraDriver,
    DomainGuestDriver,
    DomainJobDriver,
    HostCpuDriver,
    QemuLxcDriver,
):
    """One open connection of a driver: all the tables it serves, in one object."""


class ConnectDriver(abc.ABC):
    """What a driver registers under ``pyvirt.drivers``: says which URIs it takes and opens them.

    Class attributes are the capability flags libvirt keeps in its connect-driver record.
    """

    #: Shown in errors and docs, e.g. "Test".
    name: ClassVar[str] = ""
    #: URI schemes this driver is tried for; ``None`` means any scheme (the remote driver).
    uri_schemes: ClassVar[tuple[str, ...] | None] = None
    #: Refuse (decline) URIs that name a host: such URIs are for the remote driver.
    local_only: ClassVar[bool] = True
    #: Tried after every local driver, as libvirt registers its remote driver last.
    is_remote: ClassVar[bool] = False

    @classmethod
    def probe(cls) -> str | None:
        """The URI this driver would open when none is given, or None (libvirt's URIProbe)."""
        return None

    @classmethod
    @abc.abstractmethod
    def open(
        cls, uri: URI | None, *, read_only: bool, auth: AuthCallback | None
    ) -> DriverConnection | None:
        """Open *uri*: a connection on success, None to decline, or raise a VirtError."""


class StateInitResult(enum.IntEnum):
    """What :meth:`StateDriver.initialize` reports, libvirt's VIR_DRV_STATE_INIT_*: ERROR (the
    daemon fails to start), SKIPPED (the driver does not apply here, e.g. its hypervisor is not
    installed; the daemon runs without it), COMPLETE (ready)."""

    ERROR = -1
    SKIPPED = 0
    COMPLETE = 1


class StateDriver(abc.ABC):
    """Daemon-side lifecycle of a driver (libvirt's virStateDriver), not tied to a connection.

    An instance owns the driver's state: pyvirtd loads one per worker process, calls
    :meth:`initialize`, and opens every client's connection with :meth:`open_connection`, so
    every client of the daemon sees the same state.  Nothing lives in module globals: two
    instances (two roots, two tests) are two independent drivers.
    """

    name: ClassVar[str] = ""
    #: The connect driver whose URI schemes this state driver serves (pyvirtd routes those
    #: schemes to it).
    connect_driver: ClassVar[type[ConnectDriver] | None] = None
    #: False if no entry point ever waits for long (a lock held briefly at most): the worker
    #: then runs calls on its I/O thread, saving a thread hand-off on every call.
    calls_may_block: ClassVar[bool] = True
    #: Connect-driver methods that never wait for long although others do (``calls_may_block``):
    #: they read the driver's state under a lock that is only ever held briefly.  The worker
    #: runs them on its I/O thread too, sparing them the two thread hand-offs (to a pool
    #: thread and back) that cost more than such a call itself.
    quick_methods: ClassVar[frozenset[str]] = frozenset()

    @property
    def uri_schemes(self) -> tuple[str, ...]:
        """The URI schemes this driver serves (its connect driver's)."""
        connect = self.connect_driver
        return tuple(connect.uri_schemes or ()) if connect is not None else ()

    @abc.abstractmethod
    def initialize(self, *, privileged: bool, root: str | None) -> StateInitResult:
        """Create run/state dirs, load configs, reconnect running objects, autostart."""

    def open_connection(
        self, uri: URI, *, read_only: bool, auth: AuthCallback | None = None
    ) -> DriverConnection | None:
        """Open a connection on this driver's state: *uri* is a parsed URI of one of
        :attr:`uri_schemes`.  Like :meth:`ConnectDriver.open`: a connection, None to
        decline, or raise a :class:`~pyvirt.VirtError`.

        Override it to open connections on the instance's state.  The default hands the URI
        to :attr:`connect_driver` (for a driver whose connect driver finds its state by
        itself), and refuses, naming the driver, when there is none."""
        connect = self.connect_driver
        if connect is None:
            raise make_error(
                ErrorCode.NO_SUPPORT,
                ErrorDomain.NONE,
                f"{self.name or type(self).__name__} state driver opens no connections",
            )
        return connect.open(uri, read_only=read_only, auth=auth)

    def probe(self) -> str | None:
        """The URI a client gets from this driver when it names none (libvirt's URIProbe);
        by default :attr:`connect_driver`'s answer."""
        connect = self.connect_driver
        return connect.probe() if connect is not None else None

    def reload(self) -> None:
        """SIGHUP: re-read configuration."""

    def shutdown(self) -> None:
        """The daemon is stopping: stop accepting work, let jobs finish."""

    def cleanup(self) -> None:
        """Release everything; called at exit in reverse registration order."""


def json_from_text(text: str) -> object:
    """libvirt's virJSONValueFromString: the value (numbers kept as written), or libvirt's
    INTERNAL_ERROR with yajl's own words ("cannot parse json ...")."""
    from pyvirt import _yajl

    try:
        return _yajl.loads(text)
    except _yajl.JSONSyntaxError as exc:
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, str(exc)) from None


def json_to_text(value: object, pretty: bool = False) -> str:
    """libvirt's virJSONValueToString: compact, or yajl's beautified layout."""
    from pyvirt import _yajl

    return _yajl.dumps(value, pretty)
