"""Host and domain information of the test driver: NUMA cells' free memory, CPU statistics and
map, a domain's scheduler, block device sizes, control state and hostname.

The numbers are the ones libvirt's test driver invents (constant, so programs and virsh output
can be compared with it byte for byte); the checks and messages are its, in its order.
"""

from __future__ import annotations

from pyvirt import (
    DomainInterface,
    DomainIPAddress,
    DomainState,
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    make_error,
    typed_param,
    validate_typed_params,
)
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainRef

    from pyvirt_test._objects import TestDomain

_T = ErrorDomain.TEST

#: libvirt's test host CPU counters in ns, the same for every CPU.
_CPU_STATS = (
    ("user", 9797400000),
    ("kernel", 34678723400000),
    ("idle", 87264900000),
    ("iowait", 763600000),
)
#: libvirt's test host: 8 CPUs present, 0, 2 and 4 online.
_CPUS_PRESENT = 8
_CPUS_ONLINE = frozenset({0, 2, 4})
#: The test scheduler: name and its one parameter.
_SCHEDULER = "fair"
_SCHED_WEIGHT = 50
#: Block sizes libvirt's test driver reports for every disk: capacity, allocation, physical.
_BLOCK_INFO = (1099506450432, 1099511627776, 1099511627776)

#: VIR_DOMAIN_MEMORY_STAT_* tags.
(
    _MEM_SWAP_IN,
    _MEM_SWAP_OUT,
    _MEM_MAJOR_FAULT,
    _MEM_MINOR_FAULT,
    _MEM_UNUSED,
    _MEM_AVAILABLE,
    _MEM_ACTUAL_BALLOON,
    _MEM_RSS,
    _MEM_USABLE,
    _MEM_LAST_UPDATE,
    _MEM_DISK_CACHES,
    _MEM_HUGETLB_PGALLOC,
    _MEM_HUGETLB_PGFAIL,
) = range(13)
#: The test guest's clock as memory statistics report it (seconds since the epoch).
_GUEST_TIME = 627319920
#: VIR_DOMAIN_TIME_SYNC
_TIME_SYNC = 1


class InfoOps:
    """Mixin for the test connection; ``self.state`` is its :class:`TestState`."""

    state: TestState

    # -- host ---------------------------------------------------------------------------
    def node_get_cells_free_memory(self, start_cell: int, max_cells: int) -> list[int]:
        cells = max(self.state.node_info.nodes, 1)
        if start_cell < 0 or start_cell >= cells:
            raise make_error(ErrorCode.INVALID_ARG, _T, "Range exceeds available cells")
        last = min(cells, start_cell + max_cells)
        # libvirt's test driver answers each cell's size (KiB, 2 GiB per cell number) where
        # bytes are due; pyvirt answers what it answers (the capabilities agree on the sizes).
        return [(cell + 1) * 2048 * 1024 for cell in range(start_cell, last)]

    def node_get_cpu_stats(self, cpu_num: int, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, 0, "testNodeGetCPUStats", _T)
        return [typed_param(name, TypedParameterType.ULLONG, ns) for name, ns in _CPU_STATS]

    def node_get_cpu_map(self, flags: int) -> list[bool]:
        unsupported_flags(flags, 0, "testNodeGetCPUMap", _T)
        return [cpu in _CPUS_ONLINE for cpu in range(_CPUS_PRESENT)]

    # -- domains ------------------------------------------------------------------------
    def domain_get_scheduler_type(self, dom_ref: DomainRef) -> tuple[str, int]:
        # libvirt's test driver answers without looking the domain up: even for a handle
        # whose domain is gone (the real binding answers ('fair', 1) after undefine).
        return _SCHEDULER, 1

    def domain_get_scheduler_parameters(
        self, dom_ref: DomainRef, flags: int
    ) -> list[TypedParameter]:
        unsupported_flags(flags, 0, "testDomainGetSchedulerParametersFlags", _T)
        with self.state.lock:
            self.state.domains.from_ref(dom_ref)
        return [typed_param("weight", TypedParameterType.UINT, _SCHED_WEIGHT)]

    def domain_set_scheduler_parameters(
        self, dom_ref: DomainRef, params: list[TypedParameter], flags: int
    ) -> None:
        unsupported_flags(flags, 0, "testDomainSetSchedulerParametersFlags", _T)
        validate_typed_params(params, {"weight": TypedParameterType.UINT})
        with self.state.lock:
            self.state.domains.from_ref(dom_ref)
        # libvirt's test driver checks the weight and keeps nothing ("schedinfo" shows 50
        # after a change); so does this one, so that the two stay comparable.

    def domain_memory_stats(
        self, dom_ref: DomainRef, max_stats: int, flags: int
    ) -> list[tuple[int, int]]:
        unsupported_flags(flags, 0, "testDomainMemoryStats", _T)
        with self.state.lock:
            dom = self.state.domains.from_ref(dom_ref)
            if not dom.active:
                raise domain_not_running()
            current = dom.live.current_memory_kib
        half = current // 2
        stats = (
            (_MEM_ACTUAL_BALLOON, current),
            (_MEM_SWAP_IN, 0),
            (_MEM_SWAP_OUT, 0),
            (_MEM_MAJOR_FAULT, 0),
            (_MEM_MINOR_FAULT, 0),
            (_MEM_UNUSED, half),
            (_MEM_AVAILABLE, current),
            (_MEM_USABLE, half),
            (_MEM_LAST_UPDATE, _GUEST_TIME),
            (_MEM_DISK_CACHES, current // 8),
            (_MEM_HUGETLB_PGALLOC, 0),
            (_MEM_HUGETLB_PGFAIL, 0),
            (_MEM_RSS, half),
        )
        return list(stats[:max_stats])

    def _running(self, dom_ref: DomainRef) -> TestDomain:
        """The domain, which must be running (libvirt's test driver reports this one in its
        own error domain)."""
        dom = self.state.domains.from_ref(dom_ref)
        if dom.state != DomainState.RUNNING:  # (libvirt reports this one from the test driver)
            raise make_error(ErrorCode.OPERATION_INVALID, _T, "domain is not running")
        return dom

    def domain_get_time(self, dom_ref: DomainRef, flags: int) -> tuple[int, int]:
        unsupported_flags(flags, 0, "testDomainGetTime", _T)
        with self.state.lock:
            return self._running(dom_ref).guest_time

    def domain_set_time(self, dom_ref: DomainRef, seconds: int, nseconds: int, flags: int) -> None:
        unsupported_flags(flags, _TIME_SYNC, "testDomainSetTime", _T)
        with self.state.lock:
            dom = self.state.domains.from_ref(dom_ref)
            if not dom.active:  # paused is fine here, unlike for reading the clock
                raise domain_not_running()
            dom.guest_time = (seconds, nseconds)

    def domain_get_block_info(
        self, dom_ref: DomainRef, path: str, flags: int
    ) -> tuple[int, int, int]:
        unsupported_flags(flags, 0, "testDomainGetBlockInfo", _T)
        with self.state.lock:
            dom = self.state.domains.from_ref(dom_ref)
            disk = next(
                (d for d in dom.live.disks if path in (d.target_dev, d.source_path)),
                None,
            )
        if disk is None:
            raise make_error(
                ErrorCode.INVALID_ARG, _T, f"invalid path {path} not assigned to domain"
            )
        if disk.source_path is None:
            raise make_error(
                ErrorCode.OPERATION_INVALID,
                _T,
                f"disk '{path}' does not currently have a source assigned",
            )
        return _BLOCK_INFO

    def domain_get_control_info(self, dom_ref: DomainRef, flags: int) -> tuple[int, int, int]:
        unsupported_flags(flags, 0, "testDomainGetControlInfo", _T)
        with self.state.lock:
            if not self.state.domains.from_ref(dom_ref).active:
                raise domain_not_running()
        return 0, 0, 0  # VIR_DOMAIN_CONTROL_OK, no detail, no time in that state

    def domain_get_hostname(self, dom_ref: DomainRef, flags: int) -> str:
        unsupported_flags(flags, 0, "testDomainGetHostname", _T)
        with self.state.lock:
            dom = self.state.domains.from_ref(dom_ref)
            if not dom.active:
                raise domain_not_running()
            return f"{dom.name}host"

    def domain_interface_addresses(
        self, dom_ref: DomainRef, source: int, flags: int
    ) -> list[DomainInterface]:
        """libvirt's test driver: every interface (any source) gets 192.168.122.(3+i)/24."""
        unsupported_flags(flags, 0, "testDomainInterfaceAddresses", _T)
        with self.state.lock:
            dom = self.state.domains.from_ref(dom_ref)
            if not dom.active:
                raise domain_not_running()
            return [
                DomainInterface(nic.target_dev or "", nic.mac,
                                [DomainIPAddress(0, f"192.168.122.{3 + i}", 24)])
                for i, nic in enumerate(dom.live.interfaces)
            ]  # fmt: skip
