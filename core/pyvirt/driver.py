"""The driver contract: what a third-party driver codes against.

A driver distribution registers a :class:`ConnectDriver` subclass under the entry-point group
``pyvirt.drivers``; the entry-point *name* is the URI scheme it serves (``test`` for
``test:///default``), so opening a URI imports only the driver it names.  Opening walks the
drivers the way libvirt's ``virConnectOpen`` walks its driver table: the driver named by the
scheme first, then every other installed driver with local drivers before remote ones; each
answers *declined* (``None``), *success* (a :class:`DriverConnection`) or *error* (raises a
:class:`~pyvirt.VirtError`).

A :class:`DriverConnection` is one open connection.  It implements the per-category tables
(:class:`HypervisorDriver`, :class:`NetworkDriver`, :class:`StorageDriver`); every method it
does not override answers libvirt's VIR_ERR_NO_SUPPORT, so a driver implements only what it
supports.  Arguments have already been checked by the public API (read-only, flags types), and
objects are passed as reference records (:class:`~pyvirt.DomainRef` …).

Drivers hosted by the daemon also implement :class:`StateDriver` (group
``pyvirt.state_drivers``): initialize / reload / shutdown / cleanup, separate from connections.

The driver kit, what the bundled drivers build on and any driver may: object lists with
libvirt's conflict checks, lookups, ids and listAll filters (:class:`DomainObjList`,
:class:`NetworkObjList`, :class:`StoragePoolObjList`, :class:`StorageVolObjList`, and the
filters over records such as :func:`domain_matches_filter`), and :func:`run_domain_hooks`, the
one policy for a domain's lifecycle hooks.  They load on first use (PEP 562), so a driver that
does not use them does not pay for them.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable

from pyvirt._checks import invalid_arg
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import InvalidArgError, make_error
from pyvirt._hooks import call_hook
from pyvirt._procedures import BY_METHOD
from pyvirt._records import (
    DomainInfo,
    DomainRecord,
    DomainRef,
    DomainSnapshotRef,
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
)
from pyvirt._uri import URI

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.  (The
# contract's own annotations, which the RPC layer reads, need only names imported above.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar, NoReturn

    from pyvirt._kit_filters import (
        LIST_DOMAINS_ALL_FLAGS,
        LIST_NETWORKS_ALL_FLAGS,
        LIST_STORAGE_POOLS_ALL_FLAGS,
        domain_matches_filter,
        network_matches_filter,
        storage_pool_matches_filter,
    )
    from pyvirt._kit_hooks import DomainHookPhase, run_domain_hooks
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
    "pyvirt._kit_hooks": ("DomainHookPhase", "run_domain_hooks"),
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
    "LIST_DOMAINS_ALL_FLAGS",
    "LIST_NETWORKS_ALL_FLAGS",
    "LIST_STORAGE_POOLS_ALL_FLAGS",
    "AuthCallback",
    "call_hook",
    "ConnectDriver",
    "DomainHookPhase",
    "DomainObjList",
    "DriverConnection",
    "HypervisorDriver",
    "invalid_arg",
    "ListedDomain",
    "ListedNetwork",
    "ListedObject",
    "ListedStoragePool",
    "ListedStorageVol",
    "NetworkDriver",
    "NetworkObjList",
    "StateDriver",
    "StateInitResult",
    "StorageDriver",
    "StoragePoolObjList",
    "StorageVolObjList",
    "domain_matches_filter",
    "network_matches_filter",
    "run_domain_hooks",
    "storage_pool_matches_filter",
    "unsupported",
    "unsupported_flags",
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


#: ``auth(credentials) -> answers``: credentials are (type, prompt) pairs, as libvirt's
#: virConnectAuth callback receives them.
AuthCallback = Callable[[list[tuple[int, str]]], list[str]]


def unsupported(method: str, domain: int = ErrorDomain.NONE) -> NoReturn:
    """Raise libvirt's "not supported by the connection driver" error for a driver *method*."""
    api = BY_METHOD[method].api if method in BY_METHOD else method
    raise make_error(ErrorCode.NO_SUPPORT, domain, api)


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
        unsupported("connect_get_type")

    def connect_get_version(self) -> int:
        unsupported("connect_get_version")

    def connect_get_lib_version(self) -> int:
        unsupported("connect_get_lib_version")

    def connect_get_hostname(self) -> str:
        unsupported("connect_get_hostname")

    def connect_get_uri(self) -> str:
        unsupported("connect_get_uri")

    def connect_get_capabilities(self) -> str:
        unsupported("connect_get_capabilities")

    def connect_get_max_vcpus(self, type: str | None) -> int:
        unsupported("connect_get_max_vcpus")

    def connect_get_sysinfo(self, flags: int) -> str:
        unsupported("connect_get_sysinfo")

    def connect_is_secure(self) -> bool:
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
        unsupported("node_get_info")

    # events
    def connect_event_subscribe(self, listener: Callable[[ObjectEvent], None]) -> int:
        """Deliver every lifecycle event of this connection's objects to *listener*.

        Returns a token for :meth:`connect_event_unsubscribe`.  Listeners are called from
        the thread that changed the state, after the change, and must not block.
        """
        unsupported("connect_event_subscribe")

    def connect_event_unsubscribe(self, token: int) -> None:
        unsupported("connect_event_unsubscribe")

    def node_get_free_memory(self) -> int:
        unsupported("node_get_free_memory")

    def node_get_security_model(self) -> SecurityModel:
        unsupported("node_get_security_model")

    # domains: lookup and listing
    def connect_list_all_domains(self, flags: int) -> list[DomainRecord]:
        unsupported("connect_list_all_domains")

    def domain_lookup_by_id(self, id: int) -> DomainRecord:
        unsupported("domain_lookup_by_id")

    def domain_lookup_by_name(self, name: str) -> DomainRecord:
        unsupported("domain_lookup_by_name")

    def domain_lookup_by_uuid(self, uuid: str) -> DomainRecord:
        unsupported("domain_lookup_by_uuid")

    # domains: lifecycle
    def domain_define_xml(self, xml: str, flags: int) -> DomainRecord:
        unsupported("domain_define_xml")

    def domain_create_xml(self, xml: str, flags: int) -> DomainRecord:
        unsupported("domain_create_xml")

    def domain_create(self, dom: DomainRef, flags: int) -> DomainRecord:
        unsupported("domain_create")

    def domain_undefine(self, dom: DomainRef, flags: int) -> None:
        unsupported("domain_undefine")

    def domain_shutdown(self, dom: DomainRef, flags: int) -> None:
        unsupported("domain_shutdown")

    def domain_reboot(self, dom: DomainRef, flags: int) -> None:
        unsupported("domain_reboot")

    def domain_reset(self, dom: DomainRef, flags: int) -> None:
        unsupported("domain_reset")

    def domain_destroy(self, dom: DomainRef, flags: int) -> None:
        unsupported("domain_destroy")

    def domain_suspend(self, dom: DomainRef) -> None:
        unsupported("domain_suspend")

    def domain_resume(self, dom: DomainRef) -> None:
        unsupported("domain_resume")

    # domains: information and tuning
    def domain_get_xml_desc(self, dom: DomainRef, flags: int) -> str:
        unsupported("domain_get_xml_desc")

    def domain_get_info(self, dom: DomainRef) -> DomainInfo:
        unsupported("domain_get_info")

    def domain_get_state(self, dom: DomainRef, flags: int) -> tuple[int, int]:
        unsupported("domain_get_state")

    def domain_get_max_memory(self, dom: DomainRef) -> int:
        unsupported("domain_get_max_memory")

    def domain_get_os_type(self, dom: DomainRef) -> str:
        unsupported("domain_get_os_type")

    def domain_get_autostart(self, dom: DomainRef) -> bool:
        unsupported("domain_get_autostart")

    def domain_set_autostart(self, dom: DomainRef, autostart: bool) -> None:
        unsupported("domain_set_autostart")

    def domain_is_active(self, dom: DomainRef) -> bool:
        unsupported("domain_is_active")

    def domain_is_persistent(self, dom: DomainRef) -> bool:
        unsupported("domain_is_persistent")

    def domain_get_security_label(self, dom: DomainRef) -> SecurityLabel:
        unsupported("domain_get_security_label")

    def domain_has_managed_save_image(self, dom: DomainRef, flags: int) -> bool:
        unsupported("domain_has_managed_save_image")

    def domain_managed_save(self, dom: DomainRef, flags: int) -> None:
        """Save the running domain's state and stop it; the next start restores it."""
        unsupported("domain_managed_save")

    def domain_managed_save_remove(self, dom: DomainRef, flags: int) -> None:
        """Discard the domain's managed save image (none: nothing to do)."""
        unsupported("domain_managed_save_remove")

    def domain_set_memory_flags(self, dom: DomainRef, memory: int, flags: int) -> None:
        unsupported("domain_set_memory_flags")

    def domain_get_vcpus_flags(self, dom: DomainRef, flags: int) -> int:
        unsupported("domain_get_vcpus_flags")

    def domain_set_vcpus_flags(self, dom: DomainRef, nvcpus: int, flags: int) -> None:
        unsupported("domain_set_vcpus_flags")

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


class NetworkDriver:
    """Virtual network entry points (libvirt's virNetworkDriver)."""

    def connect_list_all_networks(self, flags: int) -> list[NetworkRecord]:
        unsupported("connect_list_all_networks", ErrorDomain.NETWORK)

    def network_lookup_by_name(self, name: str) -> NetworkRecord:
        unsupported("network_lookup_by_name", ErrorDomain.NETWORK)

    def network_lookup_by_uuid(self, uuid: str) -> NetworkRecord:
        unsupported("network_lookup_by_uuid", ErrorDomain.NETWORK)

    def network_define_xml(self, xml: str, flags: int) -> NetworkRecord:
        unsupported("network_define_xml", ErrorDomain.NETWORK)

    def network_create_xml(self, xml: str, flags: int) -> NetworkRecord:
        unsupported("network_create_xml", ErrorDomain.NETWORK)

    def network_create(self, net: NetworkRef) -> None:
        unsupported("network_create", ErrorDomain.NETWORK)

    def network_destroy(self, net: NetworkRef) -> None:
        unsupported("network_destroy", ErrorDomain.NETWORK)

    def network_undefine(self, net: NetworkRef) -> None:
        unsupported("network_undefine", ErrorDomain.NETWORK)

    def network_get_xml_desc(self, net: NetworkRef, flags: int) -> str:
        unsupported("network_get_xml_desc", ErrorDomain.NETWORK)

    def network_get_autostart(self, net: NetworkRef) -> bool:
        unsupported("network_get_autostart", ErrorDomain.NETWORK)

    def network_set_autostart(self, net: NetworkRef, autostart: bool) -> None:
        unsupported("network_set_autostart", ErrorDomain.NETWORK)

    def network_get_bridge_name(self, net: NetworkRef) -> str:
        unsupported("network_get_bridge_name", ErrorDomain.NETWORK)

    def network_is_active(self, net: NetworkRef) -> bool:
        unsupported("network_is_active", ErrorDomain.NETWORK)

    def network_is_persistent(self, net: NetworkRef) -> bool:
        unsupported("network_is_persistent", ErrorDomain.NETWORK)


class StorageDriver:
    """Storage pool and volume entry points (libvirt's virStorageDriver)."""

    def connect_list_all_storage_pools(self, flags: int) -> list[StoragePoolRecord]:
        unsupported("connect_list_all_storage_pools", ErrorDomain.STORAGE)

    def storage_pool_lookup_by_name(self, name: str) -> StoragePoolRecord:
        unsupported("storage_pool_lookup_by_name", ErrorDomain.STORAGE)

    def storage_pool_lookup_by_uuid(self, uuid: str) -> StoragePoolRecord:
        unsupported("storage_pool_lookup_by_uuid", ErrorDomain.STORAGE)

    def storage_pool_lookup_by_volume(self, vol: StorageVolRef) -> StoragePoolRecord:
        unsupported("storage_pool_lookup_by_volume", ErrorDomain.STORAGE)

    def storage_pool_define_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        unsupported("storage_pool_define_xml", ErrorDomain.STORAGE)

    def storage_pool_create_xml(self, xml: str, flags: int) -> StoragePoolRecord:
        unsupported("storage_pool_create_xml", ErrorDomain.STORAGE)

    def storage_pool_create(self, pool: StoragePoolRef, flags: int) -> None:
        unsupported("storage_pool_create", ErrorDomain.STORAGE)

    def storage_pool_build(self, pool: StoragePoolRef, flags: int) -> None:
        unsupported("storage_pool_build", ErrorDomain.STORAGE)

    def storage_pool_destroy(self, pool: StoragePoolRef) -> None:
        unsupported("storage_pool_destroy", ErrorDomain.STORAGE)

    def storage_pool_delete(self, pool: StoragePoolRef, flags: int) -> None:
        unsupported("storage_pool_delete", ErrorDomain.STORAGE)

    def storage_pool_undefine(self, pool: StoragePoolRef) -> None:
        unsupported("storage_pool_undefine", ErrorDomain.STORAGE)

    def storage_pool_refresh(self, pool: StoragePoolRef, flags: int) -> None:
        unsupported("storage_pool_refresh", ErrorDomain.STORAGE)

    def storage_pool_get_info(self, pool: StoragePoolRef) -> StoragePoolInfo:
        unsupported("storage_pool_get_info", ErrorDomain.STORAGE)

    def storage_pool_get_xml_desc(self, pool: StoragePoolRef, flags: int) -> str:
        unsupported("storage_pool_get_xml_desc", ErrorDomain.STORAGE)

    def storage_pool_get_autostart(self, pool: StoragePoolRef) -> bool:
        unsupported("storage_pool_get_autostart", ErrorDomain.STORAGE)

    def storage_pool_set_autostart(self, pool: StoragePoolRef, autostart: bool) -> None:
        unsupported("storage_pool_set_autostart", ErrorDomain.STORAGE)

    def storage_pool_is_active(self, pool: StoragePoolRef) -> bool:
        unsupported("storage_pool_is_active", ErrorDomain.STORAGE)

    def storage_pool_is_persistent(self, pool: StoragePoolRef) -> bool:
        unsupported("storage_pool_is_persistent", ErrorDomain.STORAGE)

    def storage_pool_list_all_volumes(
        self, pool: StoragePoolRef, flags: int
    ) -> list[StorageVolRef]:
        unsupported("storage_pool_list_all_volumes", ErrorDomain.STORAGE)

    def storage_vol_lookup_by_name(self, pool: StoragePoolRef, name: str) -> StorageVolRef:
        unsupported("storage_vol_lookup_by_name", ErrorDomain.STORAGE)

    def storage_vol_lookup_by_key(self, key: str) -> StorageVolRef:
        unsupported("storage_vol_lookup_by_key", ErrorDomain.STORAGE)

    def storage_vol_lookup_by_path(self, path: str) -> StorageVolRef:
        unsupported("storage_vol_lookup_by_path", ErrorDomain.STORAGE)

    def storage_vol_create_xml(self, pool: StoragePoolRef, xml: str, flags: int) -> StorageVolRef:
        unsupported("storage_vol_create_xml", ErrorDomain.STORAGE)

    def storage_vol_delete(self, vol: StorageVolRef, flags: int) -> None:
        unsupported("storage_vol_delete", ErrorDomain.STORAGE)

    def storage_vol_get_info(self, vol: StorageVolRef) -> StorageVolInfo:
        unsupported("storage_vol_get_info", ErrorDomain.STORAGE)

    def storage_vol_get_xml_desc(self, vol: StorageVolRef, flags: int) -> str:
        unsupported("storage_vol_get_xml_desc", ErrorDomain.STORAGE)

    def storage_vol_get_path(self, vol: StorageVolRef) -> str:
        unsupported("storage_vol_get_path", ErrorDomain.STORAGE)


class DriverConnection(HypervisorDriver, NetworkDriver, StorageDriver):
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
