"""Plain records that cross the driver boundary (and, later, the wire).

Object handles are values, not remote pointers: a domain is known by (name, uuid, id), so there
is nothing to free and a handle can be rebuilt anywhere.  Listing returns full records so callers
never make one call per object.
"""

from __future__ import annotations

from pyvirt._core_enums import (
    DomainState,
    StoragePoolState,
    StorageVolType,
    TypedParameterType,
)
from pyvirt._record import record

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    _R = TypeVar("_R", bound=type)

#: Every record that crosses the wire, in the order declared (pyvirt.rpc's codec reads it).
WIRE_RECORDS: list[type] = []


def wire(code: int) -> Callable[[_R], _R]:
    """Declare the record's msgpack ext code: part of the protocol, so fixed once given
    (docs/protocol.md lists them; the codec refuses two records with one code)."""

    def declare(cls: _R) -> _R:
        type.__setattr__(cls, "__wire_code__", code)
        WIRE_RECORDS.append(cls)
        return cls

    return declare


@wire(1)
@record
class DomainRef:
    """What identifies a domain: libvirt's ``{name, uuid, id}`` (id -1 when inactive)."""

    name: str
    uuid: str
    id: int = -1


@wire(15)
@record
class DomainSnapshotRef:
    """What identifies a domain snapshot: libvirt's ``{name, domain}`` (a snapshot's name is
    unique only within its domain)."""

    domain: DomainRef
    name: str


@wire(2)
@record
class DomainRecord:
    """A domain as listed in bulk: identity plus the state the CLI needs to print it."""

    name: str
    uuid: str
    id: int
    state: DomainState
    reason: int
    persistent: bool
    autostart: bool
    managed_save: bool = False

    @property
    def ref(self) -> DomainRef:
        """The :class:`DomainRef` (name, uuid, id) for calls on this domain."""
        return DomainRef(self.name, self.uuid, self.id)


@wire(3)
@record
class DomainInfo:
    """libvirt's virDomainInfo: memory in KiB, CPU time in nanoseconds."""

    state: DomainState
    max_memory: int
    memory: int
    nr_virt_cpu: int
    cpu_time: int


@wire(5)
@record
class SecurityLabel:
    """libvirt's virSecurityLabel: a domain's security label and whether it is enforced."""

    label: str
    enforcing: bool


@wire(6)
@record
class SecurityModel:
    """libvirt's virSecurityModel: the host's security driver and its DOI."""

    model: str
    doi: str


@wire(4)
@record
class NodeInfo:
    """libvirt's virNodeInfo: memory in KiB, frequency in MHz."""

    model: str
    memory: int
    cpus: int
    mhz: int
    nodes: int
    sockets: int
    cores: int
    threads: int


@wire(7)
@record
class NetworkRef:
    """What identifies a network: libvirt's ``{name, uuid}``."""

    name: str
    uuid: str


@wire(8)
@record
class NetworkRecord:
    """A network as listed in bulk: identity plus the flags ``net-list`` prints."""

    name: str
    uuid: str
    active: bool
    persistent: bool
    autostart: bool

    @property
    def ref(self) -> NetworkRef:
        """The :class:`NetworkRef` (name, uuid) for calls on this network."""
        return NetworkRef(self.name, self.uuid)


# -- network ports (issue 10, "store": wire codes 65-69) ------------------------------------
@wire(65)
@record
class NetworkPortRef:
    """What identifies a network port: libvirt's ``{net, uuid}``, the network it is on and
    the port's own UUID."""

    net: NetworkRef
    uuid: str


# -- host interfaces and node devices (issue 10) -------------------------------------------
@wire(46)
@record
class InterfaceRef:
    """What identifies a host interface: libvirt's ``{name, mac}``."""

    name: str
    mac: str


@wire(47)
@record
class InterfaceRecord:
    """A host interface as listed in bulk: identity plus whether it is up."""

    name: str
    mac: str
    active: bool

    @property
    def ref(self) -> InterfaceRef:
        """The :class:`InterfaceRef` (name, mac) for calls on this interface."""
        return InterfaceRef(self.name, self.mac)


@wire(48)
@record
class NodeDeviceRecord:
    """A node device: its name (what identifies it, libvirt's ``{name}``) and its parent's
    name, which libvirt's handle caches ("" when the device has none)."""

    name: str
    parent: str


@wire(9)
@record
class StoragePoolRef:
    """What identifies a storage pool: libvirt's ``{name, uuid}``."""

    name: str
    uuid: str


@wire(11)
@record
class StoragePoolInfo:
    """libvirt's virStoragePoolInfo: sizes in bytes."""

    state: StoragePoolState
    capacity: int
    allocation: int
    available: int


@wire(10)
@record
class StoragePoolRecord:
    """A storage pool as listed in bulk: identity plus the flags ``pool-list`` prints."""

    name: str
    uuid: str
    active: bool
    persistent: bool
    autostart: bool

    @property
    def ref(self) -> StoragePoolRef:
        """The :class:`StoragePoolRef` (name, uuid) for calls on this pool."""
        return StoragePoolRef(self.name, self.uuid)


@wire(12)
@record
class StorageVolRef:
    """libvirt's ``{pool, name, key}``."""

    pool: str
    name: str
    key: str


@wire(13)
@record
class StorageVolInfo:
    """libvirt's virStorageVolInfo: the volume type, sizes in bytes."""

    type: StorageVolType
    capacity: int
    allocation: int


@wire(14)
@record
class ObjectEvent:
    """An event: which object (kind "domain", "network", "pool" or "nodedev"), what happened.

    *event_id* is libvirt's event id within the kind (VIR_DOMAIN_EVENT_ID_*, 0: lifecycle).
    For a lifecycle event *event* and *detail* are libvirt's numbers (e.g.
    DomainEventType.SUSPENDED, PAUSED); for a domain's METADATA_CHANGE *event* is the
    VIR_DOMAIN_METADATA_* type and *text* the namespace URI (None for title and description).
    """

    kind: str
    name: str
    uuid: str
    id: int
    event: int
    detail: int
    #: Through pyvirtd: the worker's boot id and its event sequence number, so a client can
    #: tell a restart (new boot id) or a gap (skipped number) apart.  Empty/0 for local drivers.
    boot_id: str = ""
    seq: int = 0
    #: Last, so that positional construction of lifecycle events keeps working.
    event_id: int = 0
    text: str | None = None
    #: A QMP event forwarded by virConnectDomainQemuMonitorEventRegister (kind
    #: "qemu-monitor"): its ``data`` as JSON text (None when it has none).  Such an event has
    #: *event_id* the registration's callback id, *text* the QMP event name, *event* and
    #: *detail* the seconds and microseconds of QEMU's timestamp.  A domain's BLOCK_THRESHOLD
    #: has *text* the disk, *details* its image, *event* the threshold, *detail* the excess.
    details: str | None = None


# -- secrets and network filters (libvirt's virSecret, virNWFilter, virNWFilterBinding) --------
@wire(40)
@record
class SecretRef:
    """What identifies a secret: libvirt's ``{uuid, usageType, usageID}`` (usage type a
    VIR_SECRET_USAGE_TYPE_* number, 0 NONE with an empty id), so ``secret-list`` needs no
    call per secret.  Never the value: values travel only as the result of
    ``secret_get_value`` and the argument of ``secret_set_value``."""

    uuid: str
    usage_type: int
    usage_id: str


@wire(41)
@record
class NWFilterRef:
    """What identifies a network filter: libvirt's ``{name, uuid}``."""

    name: str
    uuid: str


@wire(42)
@record
class NWFilterBindingRef:
    """What identifies a network filter binding: libvirt's ``{portdev, filtername}`` (the
    guest's port device the filter is bound to, and the filter)."""

    portdev: str
    filtername: str


@wire(32)
@record
class TypedParameter:
    """libvirt's virTypedParameter: one named value with its declared type.

    Every call that answers with libvirt's "typed parameters" (node CPU statistics, scheduler
    parameters, ...) carries a ``list[TypedParameter]`` on the wire, so the declared type
    travels with the value (an ULLONG and an INT are both Python ints).  Make them with
    :func:`pyvirt.typed_param`, which checks the value against the type; the public API turns
    a list into the dict libvirt-python returns (:func:`pyvirt.typed_params_dict`).
    """

    field: str
    type: TypedParameterType
    value: bool | int | float | str


# -- addresses handed out on virtual networks (virNetworkGetDHCPLeases,
#    virDomainInterfaceAddresses) ----------------------------------------------------------


@wire(43)
@record
class NetworkDHCPLease:
    """libvirt's virNetworkDHCPLease: one lease a network's DHCP server gave out.

    *type* is libvirt's VIR_IP_ADDR_TYPE_* (0 IPv4, 1 IPv6); *expirytime* seconds since the
    epoch (0: never); *iaid*, *hostname* and *clientid* None when unknown.
    """

    iface: str
    expirytime: int
    type: int
    mac: str
    iaid: str | None
    ipaddr: str
    prefix: int
    hostname: str | None
    clientid: str | None


@wire(44)
@record
class DomainIPAddress:
    """One address of a guest's interface (libvirt's virDomainIPAddress)."""

    type: int
    addr: str
    prefix: int


@wire(45)
@record
class DomainInterface:
    """A guest interface and its addresses (libvirt's virDomainInterface): *name* is the
    host-side device (the tap) for the lease and ARP sources, *hwaddr* its MAC."""

    name: str
    hwaddr: str | None
    addrs: list[DomainIPAddress]


# -- bulk domain statistics (virConnectGetAllDomainStats, virDomainListGetStats) -------------


@wire(60)
@record
class DomainStatsRecord:
    """libvirt's virDomainStatsRecord: one domain and the statistics asked of it, as typed
    parameters named ``group.field`` (``state.state``, ``state.reason`` ...).  One call
    answers a list of them for every domain, so a monitoring loop makes one round trip."""

    dom: DomainRef
    params: list[TypedParameter]


@wire(61)
@record
class DomainCheckpointRef:
    """What identifies a domain checkpoint: libvirt's ``{name, domain}`` (a checkpoint's
    name is unique only within its domain)."""

    domain: DomainRef
    name: str


# -- the guest's view (helper "guest", issue 10: wire codes 90-94) -----------------------------


@wire(90)
@record
class DomainFSInfo:
    """One mounted filesystem inside the guest (libvirt's virDomainFSInfo): where it is
    mounted, the guest's device name, its type, and the domain's disks (target names) that
    back it.  libvirt-python hands these out as ``(mountpoint, name, fstype, devAliases)``."""

    mountpoint: str
    name: str
    fstype: str
    dev_aliases: list[str]
