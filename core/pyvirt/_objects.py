"""Handles for domains, networks, storage pools and volumes.

A handle is a value: the connection plus the object's reference record.  Nothing needs
freeing.  A handle made by a bulk listing also carries the listed record, so printing a list
needs no further calls.

The flag and reason enums a method needs are imported in that method: most runs call none of
them, and :mod:`pyvirt._enums` builds some forty enum classes.
"""

from __future__ import annotations

import enum

from pyvirt._checks import (
    check_c_long_long,
    check_flags,
    check_nonzero,
    check_uint,
    invalid_arg,
)
from pyvirt._codes import ErrorDomain
from pyvirt._core_enums import DomainState
from pyvirt._domain_devices import DomainDeviceMethods, _running_or_paused
from pyvirt._domain_extras import DomainMetadataMethods, _one_of_live_or_config
from pyvirt._domain_guest import DomainGuestMethods
from pyvirt._domain_jobs import DomainJobMethods
from pyvirt._domain_memory import DomainMemoryMethods
from pyvirt._domain_qemu import DomainQemuMethods
from pyvirt._domain_stats import DomainStatsMethods
from pyvirt._domain_tune import DomainTuneMethods
from pyvirt._domain_vcpus import DomainVcpuMethods
from pyvirt._objects_checkpoint import DomainCheckpointMethods
from pyvirt._records import (
    DomainInfo,
    DomainInterface,
    DomainRecord,
    DomainRef,
    DomainSnapshotRef,
    NetworkDHCPLease,
    NetworkRecord,
    NetworkRef,
    SecurityLabel,
    StoragePoolInfo,
    StoragePoolRecord,
    StoragePoolRef,
    StorageVolInfo,
    StorageVolRef,
)
from pyvirt._storage_net_extras import NetworkExtraMethods, StorageVolExtraMethods
from pyvirt._typed_params import typed_params_dict

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import TypedParameter
    from pyvirt._stream import Stream
    from pyvirt._typed_params import TypedValue

#: The largest memory size (KiB) libvirt's public API accepts: bytes must stay below
#: LLONG_MAX (observed on libvirt 9.0: 2**53 - 1 KiB is "numerical overflow: input too large").
_MAX_MEMORY_KIB = 2**53 - 2

#: VIR_TYPED_PARAM_STRING_OKAY: the caller can take string parameters.
_TYPED_PARAM_STRING_OKAY = 4
#: How many names a C int may ask for: the "all of them" of the name-listing calls.
_INT_MAX = 2**31 - 1


class Domain(
    DomainMetadataMethods,
    DomainVcpuMethods,
    DomainStatsMethods,
    DomainCheckpointMethods,
    DomainDeviceMethods,
    DomainTuneMethods,
    DomainGuestMethods,
    DomainJobMethods,
    DomainMemoryMethods,
    DomainQemuMethods,
):
    """A domain (virtual machine) on a connection."""

    def __init__(self, conn: Connection, ref: DomainRef | None, record: DomainRecord | None = None):
        # A listing builds thousands of handles: the reference record is derived from the
        # listed record only when a method needs it.
        self._conn = conn
        self._ref_cache = ref
        self.record = record

    @property
    def _ref(self) -> DomainRef:
        if self._ref_cache is None:
            assert self.record is not None
            self._ref_cache = self.record.ref
        return self._ref_cache

    def _refresh_id(self, record: DomainRecord | None) -> None:
        if record is not None:
            self._ref_cache = record.ref

    @property
    def connection(self) -> Connection:
        """The :class:`Connection` this handle calls through (libvirt's virDomainGetConnect)."""
        return self._conn

    @property
    def ref(self) -> DomainRef:
        """The reference record (:class:`DomainRef`: name, uuid, id) the driver identifies the
        domain by."""
        return self._ref

    @property
    def name(self) -> str:
        """The domain's name (virDomainGetName): held in the handle, no driver call."""
        return self.record.name if self._ref_cache is None and self.record else self._ref.name

    @property
    def uuid(self) -> str:
        """The domain's UUID in 8-4-4-4-12 form (virDomainGetUUIDString): held in the handle, no
        driver call."""
        return self.record.uuid if self._ref_cache is None and self.record else self._ref.uuid

    @property
    def id(self) -> int:
        """The id cached in this handle, -1 when inactive (libvirt's virDomainGetID)."""
        return self.record.id if self._ref_cache is None and self.record else self._ref.id

    def info(self) -> DomainInfo:
        """State, memory (KiB) and CPU figures as a :class:`DomainInfo` (virDomainGetInfo):
        ``cpu_time`` in nanoseconds, 0 for an inactive domain."""
        return self._conn._calls.domain_get_info(self._ref)

    def state(self, flags: int = 0) -> tuple[DomainState, enum.IntEnum | int]:
        """``(state, reason)``: a :class:`DomainState` and the reason enum for that state (e.g.
        :class:`DomainPausedReason`), or the bare number for a reason pyvirt does not know
        (virDomainGetState; *flags* must be 0)."""
        from pyvirt._enums import reason_enum

        state, reason = self._conn._calls.domain_get_state(self._ref, flags)
        return DomainState(state), reason_enum(state, reason)

    def xml_desc(self, flags: int = 0) -> str:
        """The domain's ``<domain>`` XML (virDomainGetXMLDesc). *flags*: :class:`DomainXMLFlags`
        INACTIVE (the next boot's config instead of the live one), SECURE (include passwords: needs
        a read-write connection, else VIR_ERR_OPERATION_DENIED), UPDATE_CPU, MIGRATABLE."""
        return str(self._conn._calls.domain_get_xml_desc(self._ref, flags))

    def xml(self, *, inactive: bool = False, secure: bool = False) -> str:
        """The domain's XML with the INACTIVE / SECURE flags spelled as keywords (see
        :meth:`xml_desc`)."""
        from pyvirt._enums import DomainXMLFlags

        flags = (DomainXMLFlags.INACTIVE if inactive else 0) | (
            DomainXMLFlags.SECURE if secure else 0
        )
        return self.xml_desc(int(flags))

    def os_type(self) -> str:
        """The guest OS type, e.g. "hvm" or "linux" (virDomainGetOSType)."""
        return str(self._conn._calls.domain_get_os_type(self._ref))

    def max_memory(self) -> int:
        """The most memory (KiB) the domain may balloon up to (virDomainGetMaxMemory)."""
        return int(self._conn._calls.domain_get_max_memory(self._ref))

    def vcpus(self, flags: int = 0) -> int:
        """The number of virtual CPUs (virDomainGetVcpusFlags): *flags* is :class:`DomainVcpuFlags`,
        LIVE or CONFIG (current vs next boot), MAXIMUM for the limit. LIVE on an inactive domain is
        VIR_ERR_OPERATION_INVALID."""
        return int(self._conn._calls.domain_get_vcpus_flags(self._ref, flags))

    def security_label(self) -> SecurityLabel:
        """The domain's security label as a :class:`SecurityLabel` (virDomainGetSecurityLabel)."""
        return self._conn._calls.domain_get_security_label(self._ref)

    def has_managed_save(self, flags: int = 0) -> bool:
        """Whether a managed save image exists, so the next start resumes from it
        (virDomainHasManagedSaveImage)."""
        return bool(self._conn._calls.domain_has_managed_save_image(self._ref, flags))

    def managed_save(self, flags: int = 0) -> None:
        """Save the domain's state and stop it; ``start`` resumes from it (virsh managedsave).
        *flags*: VIR_DOMAIN_SAVE_BYPASS_CACHE, and RUNNING or PAUSED (not both) for the state
        the next start leaves it in."""
        api = "virDomainManagedSave"
        _running_or_paused(flags, api)
        self._conn._calls.domain_managed_save(self._ref, flags, api=api)

    def managed_save_remove(self, flags: int = 0) -> None:
        """Discard the managed save image, so the next start boots afresh."""
        self._conn._calls.domain_managed_save_remove(self._ref, flags)

    # -- information ----------------------------------------------------------------------
    def scheduler_type(self) -> tuple[str, int]:
        """The scheduler's name and its number of parameters (virsh schedinfo's first line)."""
        name, count = self._conn._calls.domain_get_scheduler_type(self._ref)
        return str(name), int(count)

    def scheduler_parameters(self, flags: int | None = None) -> dict[str, TypedValue]:
        """The scheduler's parameters by name (types: :meth:`scheduler_parameter_list`)."""
        return typed_params_dict(self.scheduler_parameter_list(flags))

    def scheduler_parameter_list(self, flags: int | None = None) -> list[TypedParameter]:
        """The scheduler's parameters with their declared types.  *flags* None is libvirt's
        virDomainGetSchedulerParameters; an int is the Flags variant, which (as libvirt's
        public API does for drivers that take string parameters) adds
        VIR_TYPED_PARAM_STRING_OKAY."""
        if flags is None:
            api = "virDomainGetSchedulerParameters"
            return self._conn._calls.domain_get_scheduler_parameters(self._ref, 0, api=api)
        api = "virDomainGetSchedulerParametersFlags"
        _one_of_live_or_config(flags, api)
        flags = check_flags(flags, api) | _TYPED_PARAM_STRING_OKAY
        return self._conn._calls.domain_get_scheduler_parameters(self._ref, flags)

    def set_scheduler_parameters(
        self, params: list[TypedParameter], flags: int | None = None
    ) -> None:
        """Change scheduler parameters (make them with :func:`pyvirt.typed_param`).  *flags*
        None is libvirt's virDomainSetSchedulerParameters, an int the Flags variant."""
        api = "virDomainSetSchedulerParameters" if flags is None else (
            "virDomainSetSchedulerParametersFlags"
        )
        self._conn._calls.domain_set_scheduler_parameters(
            self._ref, list(params), flags or 0, api=api
        )

    def memory_stats(self, flags: int = 0) -> dict[str, int]:
        """The running domain's memory statistics (KiB) by libvirt-python's names, in the
        driver's order (virsh dommemstat)."""
        from pyvirt._typed_params import MEMORY_STAT_NAMES

        stats = self._conn._calls.domain_memory_stats(
            self._ref, len(MEMORY_STAT_NAMES), flags
        )
        return {MEMORY_STAT_NAMES[tag]: value for tag, value in stats if 0 <= tag < len(MEMORY_STAT_NAMES)}

    def get_time(self, flags: int = 0) -> tuple[int, int]:
        """The guest's clock: seconds since the epoch, and nanoseconds (virsh domtime)."""
        seconds, nseconds = self._conn._calls.domain_get_time(self._ref, flags)
        return int(seconds), int(nseconds)

    def set_time(self, seconds: int, nseconds: int = 0, flags: int = 0) -> None:
        """Set the guest's clock; with VIR_DOMAIN_TIME_SYNC, from its RTC instead."""
        api = "virDomainSetTime"
        seconds = check_c_long_long(seconds, "seconds", api)
        nseconds = check_uint(nseconds, "nseconds", api, maximum=2**32 - 1)
        self._conn._calls.domain_set_time(self._ref, seconds, nseconds, flags)

    def block_info(self, disk: str, flags: int = 0) -> tuple[int, int, int]:
        """Capacity, allocation and physical size (bytes) of *disk*, a target or source path."""
        api = "virDomainGetBlockInfo"
        if isinstance(disk, str) and not disk:
            raise invalid_arg(f"string disk in {api} must not be empty", api, "disk")
        capacity, allocation, physical = self._conn._calls.domain_get_block_info(
            self._ref, disk, flags
        )
        return int(capacity), int(allocation), int(physical)

    def control_info(self, flags: int = 0) -> tuple[int, int, int]:
        """The control interface's state (VIR_DOMAIN_CONTROL_*), its detail, and for how long
        (ms) it has been in that state (virsh domcontrol)."""
        state, details, state_time = self._conn._calls.domain_get_control_info(self._ref, flags)
        return int(state), int(details), int(state_time)

    def hostname(self, flags: int = 0) -> str:
        """The guest's hostname, as the hypervisor or guest agent reports it."""
        return str(self._conn._calls.domain_get_hostname(self._ref, flags))

    def interface_addresses(self, source: int = 0, flags: int = 0) -> list[DomainInterface]:
        """The guest's interfaces and their addresses (virDomainInterfaceAddresses): from
        its network's DHCP leases (*source* 0, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE),
        the guest agent (1) or the host's ARP table (2)."""
        return list(self._conn._calls.domain_interface_addresses(self._ref, source, flags))

    def is_active(self) -> bool:
        """Whether the domain is running (or paused): it has an id and a live config
        (virDomainIsActive)."""
        return bool(self._conn._calls.domain_is_active(self._ref))

    def is_persistent(self) -> bool:
        """Whether the domain has a persistent config that outlives it stopping
        (virDomainIsPersistent)."""
        return bool(self._conn._calls.domain_is_persistent(self._ref))

    @property
    def autostart(self) -> bool:
        """Whether the domain starts when the host (the driver's state) starts
        (virDomainGetAutostart)."""
        return bool(self._conn._calls.domain_get_autostart(self._ref))

    def set_autostart(self, autostart: bool) -> None:
        """Mark the domain to start with the host, or not (virDomainSetAutostart). A transient
        domain is VIR_ERR_OPERATION_INVALID ("cannot set autostart for transient domain")."""
        self._conn._calls.domain_set_autostart(self._ref, bool(autostart))

    # lifecycle
    def start(self, flags: int = 0) -> None:
        """Boot a defined domain (libvirt's virDomainCreateWithFlags); updates this handle's id."""
        record = self._conn._calls.domain_create(self._ref, flags)
        self._refresh_id(record)

    def shutdown(self, flags: int = 0) -> None:
        """Ask the guest to shut down (virDomainShutdown / virDomainShutdownFlags with
        :class:`DomainShutdownFlags`, e.g. ACPI_POWER_BTN); returns before it has stopped. A
        domain that is not running is refused in its driver's words (QEMU:
        VIR_ERR_OPERATION_INVALID "domain is not running"; test: VIR_ERR_INTERNAL_ERROR)."""
        api = "virDomainShutdownFlags" if flags else "virDomainShutdown"
        self._conn._calls.domain_shutdown(self._ref, flags, api=api)

    def reboot(self, flags: int = 0) -> None:
        """Ask the guest to reboot (virDomainReboot; *flags*: VIR_DOMAIN_REBOOT_ACPI_POWER_BTN, …);
        an inactive domain is VIR_ERR_OPERATION_INVALID."""
        self._conn._calls.domain_reboot(self._ref, flags)

    def reset(self, flags: int = 0) -> None:
        """Reset the virtual hardware at once, as the reset button does, without asking the guest
        (virDomainReset; *flags* 0)."""
        self._conn._calls.domain_reset(self._ref, flags)

    def destroy(self, flags: int = 0) -> None:
        """Stop the domain at once, as pulling the plug does (virDomainDestroy /
        virDomainDestroyFlags with :class:`DomainDestroyFlags` GRACEFUL). A transient domain is then
        gone; this handle's id becomes -1. An inactive domain is VIR_ERR_OPERATION_INVALID."""
        api = "virDomainDestroyFlags" if flags else "virDomainDestroy"
        self._conn._calls.domain_destroy(self._ref, flags, api=api)
        self._ref_cache = DomainRef(self._ref.name, self._ref.uuid, -1)

    def suspend(self) -> None:
        """Pause the domain's CPUs; memory stays allocated (virDomainSuspend). Not running:
        refused in the driver's words (QEMU: VIR_ERR_OPERATION_INVALID; test:
        VIR_ERR_INTERNAL_ERROR "domain 'x' not running")."""
        self._conn._calls.domain_suspend(self._ref)

    def resume(self) -> None:
        """Resume a paused domain (virDomainResume). Not paused: refused in the driver's words (test:
        VIR_ERR_INTERNAL_ERROR "domain 'x' not paused")."""
        self._conn._calls.domain_resume(self._ref)

    def undefine(self, flags: int = 0) -> None:
        """Remove the domain's persistent config (virDomainUndefine / virDomainUndefineFlags with
        :class:`DomainUndefineFlags`, e.g. MANAGED_SAVE to drop a save image too). A running domain
        becomes transient and is gone once stopped."""
        api = "virDomainUndefineFlags" if flags else "virDomainUndefine"
        self._conn._calls.domain_undefine(self._ref, flags, api=api)

    # tuning
    def set_memory(self, memory_kib: int, flags: int | None = None) -> None:
        """Set the current memory (balloon) in KiB; with MAXIMUM in *flags*, the maximum."""
        from pyvirt._enums import DomainMemoryModFlags

        api = "virDomainSetMemory" if flags is None else "virDomainSetMemoryFlags"
        memory_kib = check_uint(memory_kib, "memory", api, maximum=_MAX_MEMORY_KIB)
        check_nonzero(memory_kib, "memory", api)
        real_flags = int(DomainMemoryModFlags.LIVE) if flags is None else check_flags(flags, api)
        self._conn._calls.domain_set_memory_flags(self._ref, memory_kib, real_flags, api=api)

    def set_max_memory(self, memory_kib: int) -> None:
        """Set the most memory (KiB) the domain may use (virDomainSetMaxMemory); zero or out of
        range is VIR_ERR_INVALID_ARG."""
        from pyvirt._enums import DomainMemoryModFlags

        api = "virDomainSetMaxMemory"
        memory_kib = check_uint(memory_kib, "memory", api, maximum=_MAX_MEMORY_KIB)
        check_nonzero(memory_kib, "memory", api)
        self._conn._calls.domain_set_memory_flags(
            self._ref, memory_kib, int(DomainMemoryModFlags.MAXIMUM), api=api
        )

    def set_vcpus(self, nvcpus: int, flags: int | None = None) -> None:
        """Set the number of virtual CPUs (virDomainSetVcpus, or virDomainSetVcpusFlags when *flags*
        is given: :class:`DomainVcpuFlags` LIVE, CONFIG, MAXIMUM). Zero is VIR_ERR_INVALID_ARG; more
        than the maximum, VIR_ERR_INVALID_ARG from the driver."""
        from pyvirt._enums import DomainMemoryModFlags

        api = "virDomainSetVcpus" if flags is None else "virDomainSetVcpusFlags"
        nvcpus = check_uint(nvcpus, "nvcpus", api, maximum=2**32 - 1)
        check_nonzero(nvcpus, "nvcpus", api)
        real_flags = int(DomainMemoryModFlags.LIVE) if flags is None else check_flags(flags, api)
        self._conn._calls.domain_set_vcpus_flags(self._ref, nvcpus, real_flags, api=api)

    def screenshot(self, screen: int = 0, flags: int = 0) -> bytes:
        """A PNG image of the console *screen* (``virsh screenshot``; MIME type image/png)."""
        api = "virDomainScreenshot"
        screen = check_uint(screen, "screen", api, maximum=2**32 - 1)
        return bytes(self._conn._calls.domain_screenshot(self._ref, screen, flags))

    # -- snapshots ------------------------------------------------------------------------
    def snapshot_create_xml(self, xml: str, flags: int = 0) -> DomainSnapshot:
        """Take a snapshot as *xml* (a ``<domainsnapshot>``) describes (virsh snapshot-create);
        *flags*: VIR_DOMAIN_SNAPSHOT_CREATE_* (HALT stops the domain afterwards, REDEFINE
        records an existing snapshot's metadata)."""
        ref = self._conn._calls.domain_snapshot_create_xml(self._ref, xml, flags)
        return DomainSnapshot(self, ref)

    def list_snapshots(self, flags: int = 0) -> list[DomainSnapshot]:
        """The snapshots passing the VIR_DOMAIN_SNAPSHOT_LIST_* filters in *flags* (ROOTS:
        only those without a parent; TOPOLOGICAL: parents before children)."""
        refs = self._conn._calls.domain_list_all_snapshots(self._ref, flags)
        return [DomainSnapshot(self, ref) for ref in refs]

    def snapshot_num(self, flags: int = 0) -> int:
        """How many snapshots :meth:`list_snapshots` would list (virDomainSnapshotNum)."""
        return int(self._conn._calls.domain_snapshot_num(self._ref, flags))

    def snapshot_names(self, flags: int = 0) -> list[str]:
        """The names :meth:`list_snapshots` would list (libvirt's virDomainSnapshotListNames)."""
        return list(self._conn._calls.domain_snapshot_list_names(self._ref, _INT_MAX, flags))

    def snapshot_lookup_by_name(self, name: str, flags: int = 0) -> DomainSnapshot:
        """The snapshot called *name* (virDomainSnapshotLookupByName); NO_DOMAIN_SNAPSHOT
        (:class:`pyvirt.NoDomainSnapshotError`) if there is none."""
        ref = self._conn._calls.domain_snapshot_lookup_by_name(self._ref, name, flags)
        return DomainSnapshot(self, ref)

    def has_current_snapshot(self, flags: int = 0) -> bool:
        """Whether a snapshot is current (virDomainHasCurrentSnapshot)."""
        return bool(self._conn._calls.domain_has_current_snapshot(self._ref, flags))

    def snapshot_current(self, flags: int = 0) -> DomainSnapshot:
        """The current snapshot (the last taken or reverted to); NO_DOMAIN_SNAPSHOT if none."""
        return DomainSnapshot(self, self._conn._calls.domain_snapshot_current(self._ref, flags))

    def open_console(self, dev_name: str | None = None, flags: int = 0) -> int:
        """A file descriptor on the guest's console (``virsh console``), which the caller
        reads, writes and closes; *dev_name* picks a device by alias (``serial0``)."""
        return int(self._conn._calls.domain_open_console(self._ref, dev_name, flags))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Domain) and other._conn is self._conn and other.uuid == self.uuid

    def __hash__(self) -> int:
        return hash(self.uuid)

    def __repr__(self) -> str:
        return f"<pyvirt.Domain {self.name!r} id={self.id} uuid={self.uuid}>"


class DomainSnapshot:
    """A snapshot of a domain: a handle by name, like libvirt's virDomainSnapshot."""

    def __init__(self, domain: Domain, ref: DomainSnapshotRef) -> None:
        self._domain = domain
        self._ref = ref

    @property
    def name(self) -> str:
        """The snapshot's name, unique within its domain (virDomainSnapshotGetName)."""
        return self._ref.name

    @property
    def domain(self) -> Domain:
        """The domain the snapshot belongs to (virDomainSnapshotGetDomain)."""
        return self._domain

    @property
    def ref(self) -> DomainSnapshotRef:
        """The reference record the driver calls take (domain reference and name)."""
        return self._ref

    def xml_desc(self, flags: int = 0) -> str:
        """The ``<domainsnapshot>`` XML, with the domain it was taken from inside."""
        return str(self._domain._conn._calls.domain_snapshot_get_xml_desc(self._ref, flags))

    def parent(self, flags: int = 0) -> DomainSnapshot:
        """The parent snapshot; NO_DOMAIN_SNAPSHOT for a root."""
        ref = self._domain._conn._calls.domain_snapshot_get_parent(self._ref, flags)
        return DomainSnapshot(self._domain, ref)

    def list_children(self, flags: int = 0) -> list[DomainSnapshot]:
        """The children (every descendant with VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)."""
        refs = self._domain._conn._calls.domain_snapshot_list_all_children(self._ref, flags)
        return [DomainSnapshot(self._domain, ref) for ref in refs]

    def num_children(self, flags: int = 0) -> int:
        """How many children (descendants with LIST_DESCENDANTS) pass the filters in *flags*
        (virDomainSnapshotNumChildren)."""
        return int(self._domain._conn._calls.domain_snapshot_num_children(self._ref, flags))

    def children_names(self, flags: int = 0) -> list[str]:
        """The names :meth:`list_children` would list (virDomainSnapshotListChildrenNames)."""
        limit = _INT_MAX
        return list(
            self._domain._conn._calls.domain_snapshot_list_children_names(self._ref, limit, flags)
        )

    def is_current(self, flags: int = 0) -> bool:
        """Whether this is the domain's current snapshot (virDomainSnapshotIsCurrent)."""
        return bool(self._domain._conn._calls.domain_snapshot_is_current(self._ref, flags))

    def has_metadata(self, flags: int = 0) -> bool:
        """Whether libvirt keeps metadata for the snapshot (virDomainSnapshotHasMetadata)."""
        return bool(self._domain._conn._calls.domain_snapshot_has_metadata(self._ref, flags))

    def revert(self, flags: int = 0) -> None:
        """Put the domain back as the snapshot found it (virsh snapshot-revert); *flags*:
        VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING or PAUSED (not both), FORCE."""
        from pyvirt._enums import DomainSnapshotRevertFlags as Revert

        api = "virDomainRevertToSnapshot"
        if isinstance(flags, int) and flags & Revert.RUNNING and flags & Revert.PAUSED:
            raise invalid_arg(
                "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and "
                "'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive",
                api,
                "flags",
                ErrorDomain.DOMAIN_SNAPSHOT,
            )
        self._domain._conn._calls.domain_revert_to_snapshot(self._ref, flags, api=api)

    def delete(self, flags: int = 0) -> None:
        """Delete the snapshot; *flags*: VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN (and its
        descendants), CHILDREN_ONLY (only those), METADATA_ONLY."""
        self._domain._conn._calls.domain_snapshot_delete(self._ref, flags)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DomainSnapshot)
            and other._domain == self._domain
            and other.name == self.name
        )

    def __hash__(self) -> int:
        return hash((self._domain.uuid, self.name))

    def __repr__(self) -> str:
        return f"<pyvirt.DomainSnapshot {self.name!r} of {self._domain.name!r}>"


class Network(NetworkExtraMethods):
    """A virtual network on a connection."""

    def __init__(self, conn: Connection, ref: NetworkRef, record: NetworkRecord | None = None):
        self._conn = conn
        self._ref = ref
        self.record = record

    @property
    def ref(self) -> NetworkRef:
        """The reference record (:class:`NetworkRef`: name, uuid) the driver identifies the network
        by."""
        return self._ref

    @property
    def name(self) -> str:
        """The network's name (virNetworkGetName): held in the handle."""
        return self._ref.name

    @property
    def uuid(self) -> str:
        """The network's UUID (virNetworkGetUUIDString): held in the handle."""
        return self._ref.uuid

    def xml_desc(self, flags: int = 0) -> str:
        """The network's ``<network>`` XML (virNetworkGetXMLDesc; *flags*: :class:`NetworkXMLFlags`
        INACTIVE)."""
        return str(self._conn._calls.network_get_xml_desc(self._ref, flags))

    def bridge_name(self) -> str:
        """The host bridge device the network uses, e.g. ``virbr0`` (virNetworkGetBridgeName)."""
        return str(self._conn._calls.network_get_bridge_name(self._ref))

    def is_active(self) -> bool:
        """Whether the network is running (virNetworkIsActive)."""
        return bool(self._conn._calls.network_is_active(self._ref))

    def is_persistent(self) -> bool:
        """Whether the network has a persistent config (virNetworkIsPersistent)."""
        return bool(self._conn._calls.network_is_persistent(self._ref))

    @property
    def autostart(self) -> bool:
        """Whether the network starts with the host (virNetworkGetAutostart)."""
        return bool(self._conn._calls.network_get_autostart(self._ref))

    def set_autostart(self, autostart: bool) -> None:
        """Mark the network to start with the host, or not (virNetworkSetAutostart)."""
        self._conn._calls.network_set_autostart(self._ref, bool(autostart))

    def start(self) -> None:
        """Start a defined, inactive network (virNetworkCreate); already active is
        VIR_ERR_OPERATION_INVALID."""
        self._conn._calls.network_create(self._ref)

    def destroy(self) -> None:
        """Stop the network (virNetworkDestroy); a transient one is then gone."""
        self._conn._calls.network_destroy(self._ref)

    def undefine(self) -> None:
        """Remove the network's persistent config (virNetworkUndefine); an active one becomes
        transient."""
        self._conn._calls.network_undefine(self._ref)

    def dhcp_leases(self, mac: str | None = None, flags: int = 0) -> list[NetworkDHCPLease]:
        """The network's current DHCP leases, only those of *mac* when given
        (virNetworkGetDHCPLeases)."""
        return list(self._conn._calls.network_get_dhcp_leases(self._ref, mac, flags))

    def __repr__(self) -> str:
        return f"<pyvirt.Network {self.name!r} uuid={self.uuid}>"


class StoragePool:
    """A storage pool on a connection."""

    def __init__(
        self, conn: Connection, ref: StoragePoolRef, record: StoragePoolRecord | None = None
    ):
        self._conn = conn
        self._ref = ref
        self.record = record

    @property
    def ref(self) -> StoragePoolRef:
        """The reference record (:class:`StoragePoolRef`: name, uuid) the driver identifies the pool
        by."""
        return self._ref

    @property
    def name(self) -> str:
        """The pool's name (virStoragePoolGetName): held in the handle."""
        return self._ref.name

    @property
    def uuid(self) -> str:
        """The pool's UUID (virStoragePoolGetUUIDString): held in the handle."""
        return self._ref.uuid

    def info(self) -> StoragePoolInfo:
        """State and sizes in bytes as a :class:`StoragePoolInfo` (virStoragePoolGetInfo)."""
        return self._conn._calls.storage_pool_get_info(self._ref)

    def xml_desc(self, flags: int = 0) -> str:
        """The pool's ``<pool>`` XML (virStoragePoolGetXMLDesc; *flags*: :class:`StorageXMLFlags`
        INACTIVE)."""
        return str(self._conn._calls.storage_pool_get_xml_desc(self._ref, flags))

    def is_active(self) -> bool:
        """Whether the pool is started, its volumes visible (virStoragePoolIsActive)."""
        return bool(self._conn._calls.storage_pool_is_active(self._ref))

    def is_persistent(self) -> bool:
        """Whether the pool has a persistent config (virStoragePoolIsPersistent)."""
        return bool(self._conn._calls.storage_pool_is_persistent(self._ref))

    @property
    def autostart(self) -> bool:
        """Whether the pool starts with the host (virStoragePoolGetAutostart)."""
        return bool(self._conn._calls.storage_pool_get_autostart(self._ref))

    def set_autostart(self, autostart: bool) -> None:
        """Mark the pool to start with the host, or not (virStoragePoolSetAutostart); a transient
        pool is VIR_ERR_INVALID_ARG."""
        self._conn._calls.storage_pool_set_autostart(self._ref, bool(autostart))

    def start(self, flags: int = 0) -> None:
        """Start a defined, inactive pool and scan its volumes (virStoragePoolCreate; *flags*:
        VIR_STORAGE_POOL_CREATE_WITH_BUILD…). Already active: VIR_ERR_OPERATION_INVALID."""
        self._conn._calls.storage_pool_create(self._ref, flags)

    def build(self, flags: int = 0) -> None:
        """Create the pool's underlying storage, e.g. its target directory (virStoragePoolBuild;
        *flags*: VIR_STORAGE_POOL_BUILD_NEW, …)."""
        self._conn._calls.storage_pool_build(self._ref, flags)

    def destroy(self) -> None:
        """Stop the pool; its data stays (virStoragePoolDestroy). Inactive:
        VIR_ERR_OPERATION_INVALID."""
        self._conn._calls.storage_pool_destroy(self._ref)

    def delete(self, flags: int = 0) -> None:
        """Delete the pool's underlying storage; the pool must be inactive
        (virStoragePoolDelete)."""
        self._conn._calls.storage_pool_delete(self._ref, flags)

    def undefine(self) -> None:
        """Remove the pool's persistent config (virStoragePoolUndefine)."""
        self._conn._calls.storage_pool_undefine(self._ref)

    def refresh(self, flags: int = 0) -> None:
        """Rescan the pool's volumes (virStoragePoolRefresh); inactive:
        VIR_ERR_OPERATION_INVALID."""
        self._conn._calls.storage_pool_refresh(self._ref, flags)

    def list_volumes(self, flags: int = 0) -> list[StorageVol]:
        """Every volume of the active pool, in one call (virStoragePoolListAllVolumes; *flags*
        0)."""
        refs = self._conn._calls.storage_pool_list_all_volumes(self._ref, flags)
        return [StorageVol(self._conn, ref) for ref in refs]

    def lookup_volume_by_name(self, name: str) -> StorageVol:
        """The volume called *name* in this pool (virStorageVolLookupByName); none is
        VIR_ERR_NO_STORAGE_VOL."""
        return StorageVol(self._conn, self._conn._calls.storage_vol_lookup_by_name(self._ref, name))

    def create_volume(self, xml: str, flags: int = 0) -> StorageVol:
        """Create a volume from ``<volume>`` XML in the pool (virStorageVolCreateXML; *flags*
        VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA…); bad XML is VIR_ERR_XML_ERROR."""
        ref = self._conn._calls.storage_vol_create_xml(self._ref, xml, flags)
        return StorageVol(self._conn, ref)

    def create_volume_from(self, xml: str, clonevol: StorageVol, flags: int = 0) -> StorageVol:
        """Create a volume from ``<volume>`` XML in the pool, its data copied from *clonevol*
        (virStorageVolCreateXMLFrom)."""
        ref = self._conn._calls.storage_vol_create_xml_from(self._ref, xml, clonevol.ref, flags)
        return StorageVol(self._conn, ref)

    def __repr__(self) -> str:
        return f"<pyvirt.StoragePool {self.name!r} uuid={self.uuid}>"


class StorageVol(StorageVolExtraMethods):
    """A storage volume in a pool."""

    def __init__(self, conn: Connection, ref: StorageVolRef):
        self._conn = conn
        self._ref = ref

    @property
    def ref(self) -> StorageVolRef:
        """The reference record (:class:`StorageVolRef`: pool, name, key) the driver identifies the
        volume by."""
        return self._ref

    @property
    def name(self) -> str:
        """The volume's name in its pool (virStorageVolGetName): held in the handle."""
        return self._ref.name

    @property
    def key(self) -> str:
        """The volume's unique key (virStorageVolGetKey; for file volumes, its path): held in the
        handle."""
        return self._ref.key

    @property
    def pool_name(self) -> str:
        """The name of the pool holding the volume, from the handle (no driver call)."""
        return self._ref.pool

    def pool(self) -> StoragePool:
        """The pool holding the volume (virStoragePoolLookupByVolume)."""
        record = self._conn._calls.storage_pool_lookup_by_volume(self._ref)
        return StoragePool(self._conn, record.ref)

    def path(self) -> str:
        """The volume's path on the host (virStorageVolGetPath)."""
        return str(self._conn._calls.storage_vol_get_path(self._ref))

    def info(self) -> StorageVolInfo:
        """Type and sizes in bytes as a :class:`StorageVolInfo` (virStorageVolGetInfo)."""
        return self._conn._calls.storage_vol_get_info(self._ref)

    def xml_desc(self, flags: int = 0) -> str:
        """The volume's ``<volume>`` XML (virStorageVolGetXMLDesc; *flags* 0)."""
        return str(self._conn._calls.storage_vol_get_xml_desc(self._ref, flags))

    def delete(self, flags: int = 0) -> None:
        """Delete the volume and its data (virStorageVolDelete; *flags*:
        VIR_STORAGE_VOL_DELETE_ZEROED, …)."""
        self._conn._calls.storage_vol_delete(self._ref, flags)

    def upload(self, stream: Stream, offset: int = 0, length: int = 0, flags: int = 0) -> None:
        """Tie *stream* to writing the volume from *offset*, *length* bytes (0: all that is
        sent) (virStorageVolUpload; *flags*: VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)."""
        _check_offsets(offset, length, "virStorageVolUpload")
        stream._bind(self._conn._calls.storage_vol_upload(self._ref, offset, length, flags))

    def download(self, stream: Stream, offset: int = 0, length: int = 0, flags: int = 0) -> None:
        """Tie *stream* to reading the volume from *offset*, *length* bytes (0: to the end)
        (virStorageVolDownload; *flags*: VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)."""
        _check_offsets(offset, length, "virStorageVolDownload")
        stream._bind(self._conn._calls.storage_vol_download(self._ref, offset, length, flags))

    def __repr__(self) -> str:
        return f"<pyvirt.StorageVol {self.name!r} pool={self.pool_name!r}>"


def _check_offsets(offset: int, length: int, api: str) -> None:
    """libvirt's public API takes unsigned long long offsets: a negative one cannot be said."""
    for name, value in (("offset", offset), ("length", length)):
        if not isinstance(value, int) or value < 0 or value >= 1 << 64:
            raise invalid_arg(f"{name} in {api} must be a non-negative 64-bit integer", api, name,
                              ErrorDomain.STORAGE)  # fmt: skip
