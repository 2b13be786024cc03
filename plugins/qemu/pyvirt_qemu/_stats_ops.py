"""A running guest's statistics, from QEMU's monitor and the host's ``/proc`` and ``/sys``.

Why from there and never from the guest: these are what libvirt reports without a guest
agent (the balloon's view of memory, QEMU's block counters, the tap device's packets seen
from the host, the vCPU threads' CPU time), so a guest cannot make them up.  Each call asks
the monitor directly rather than under the domain's job: a statistics read never waits for
a long job (a migration, a snapshot) and never holds one up, as libvirt's query jobs do not.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyvirt import (
    DomainRef,
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    make_error,
)
from pyvirt.driver import cpumap_of, domain_not_running, unsupported_flags

if TYPE_CHECKING:
    from pyvirt.conf import DiskDef, DomainDef

    from pyvirt_qemu._domain import Run
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = [
    "GUEST_STATS_QUERY",
    "StatsOps",
    "balloon_guest_stats",
    "disk_alias",
    "file_limits",
    "rss_kib",
    "tap_counters",
    "thread_stat",
]

_Q = ErrorDomain.QEMU
_TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
#: VIR_DOMAIN_MEMORY_STAT_* tags of the balloon's guest-stats, with libvirt's scaling to KiB
#: (events are counted, sizes come in bytes), in the order libvirt reports them.
_BALLOON_STATS = (
    ("stat-swap-in", 0, 1024), ("stat-swap-out", 1, 1024), ("stat-major-faults", 2, 1),
    ("stat-minor-faults", 3, 1), ("stat-free-memory", 4, 1024),
    ("stat-total-memory", 5, 1024), ("stat-available-memory", 8, 1024),
    ("last-update", 9, 1), ("stat-disk-caches", 10, 1024), ("stat-htlb-pgalloc", 11, 1),
    ("stat-htlb-pgfail", 12, 1),
)  # fmt: skip
_ACTUAL_BALLOON, _RSS = 6, 7
#: query-blockstats counters → virDomainBlockStatsFlags names, in libvirt's order.
_BLOCK_COUNTERS = (
    ("rd_operations", "rd_operations"), ("rd_bytes", "rd_bytes"),
    ("wr_operations", "wr_operations"), ("wr_bytes", "wr_bytes"),
    ("flush_operations", "flush_operations"), ("rd_total_time_ns", "rd_total_times"),
    ("wr_total_time_ns", "wr_total_times"), ("flush_total_time_ns", "flush_total_times"),
)  # fmt: skip
_VCPU_RUNNING = 1
_DISK_ERRORS = {"failed": 1, "nospace": 2}  # io-status → VIR_DOMAIN_DISK_ERROR_*



def host_cpus() -> list[bool]:
    """Present host CPUs and whether each is online (virNodeGetCPUMap)."""
    from pyvirt.conf import parse_bitmap

    base = Path("/sys/devices/system/cpu")
    try:
        present = parse_bitmap(((base / "present").read_text()).strip())
        online = parse_bitmap(((base / "online").read_text()).strip())
    except OSError:
        count = os.cpu_count() or 1
        present = online = set(range(count))
    return [cpu in online for cpu in range(max(present) + 1)]


#: The QMP command (and arguments) that reads the balloon driver's guest statistics.
GUEST_STATS_QUERY = ("qom-get", {"path": "/machine/peripheral/balloon0", "property": "guest-stats"})


def balloon_guest_stats(found: dict[str, Any]) -> list[tuple[int, int]]:
    """(VIR_DOMAIN_MEMORY_STAT_* tag, value) of a ``guest-stats`` answer, in libvirt's
    order; the figures the guest has not reported (QEMU's 2**64-1) are left out."""
    values: dict[str, Any] = {**found.get("stats", {}), "last-update": found.get("last-update", 0)}
    stats = []
    for key, tag, scale in _BALLOON_STATS:
        value = values.get(key, -1)
        if isinstance(value, int) and 0 <= value < 1 << 63:
            stats.append((tag, value // scale))
    return stats


def rss_kib(pid: int) -> int | None:
    """The resident set of process *pid* in KiB, or None when it cannot be read."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_KIB
    except (OSError, IndexError, ValueError):
        return None


def tap_counters(dev: str) -> tuple[int, int, int, int, int, int, int, int]:
    """virDomainInterfaceStats of the tap *dev*, turned round (what the tap sends is what
    the guest receives); -1 for a counter that cannot be read."""
    base = Path("/sys/class/net") / dev / "statistics"

    def read(name: str) -> int:
        try:
            return int((base / name).read_text())
        except (OSError, ValueError):
            return -1

    return (read("tx_bytes"), read("tx_packets"), read("tx_errors"), read("tx_dropped"),
            read("rx_bytes"), read("rx_packets"), read("rx_errors"), read("rx_dropped"))  # fmt: skip


def file_limits(source: str, fmt: str) -> tuple[int, int, int]:
    """(capacity, allocation, physical) of an image file as libvirt reads them from the
    host: the image's virtual size, the blocks the file holds, the file's length.  Raises
    OSError or ValueError when the file cannot be read."""
    from pyvirt_qemu._image_meta import read_meta

    st = os.stat(source)
    capacity = read_meta(source, fmt).capacity
    return capacity if capacity is not None else st.st_size, st.st_blocks * 512, st.st_size


def thread_stat(pid: int, tid: int) -> tuple[int, int]:
    """(CPU time in ns, the host CPU it last ran on) of thread *tid* of *pid*."""
    try:
        fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0, 0
    # After "pid (comm)": utime and stime are fields 14 and 15, processor 39 (1-based).
    return (int(fields[11]) + int(fields[12])) * _TICK_NS, int(fields[36])


class StatsOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`."""

    driver: QemuDriver

    def _running(self, ref: DomainRef) -> tuple[Run, DomainDef]:
        with self.driver.lock:
            dom = self.driver.domains.from_ref(ref)
            run, live = dom.run, dom.live
        if run is None or live is None:
            raise domain_not_running()
        return run, live

    # -- host CPUs and vCPUs ---------------------------------------------------------------
    def node_get_cpu_map(self, flags: int) -> list[bool]:
        unsupported_flags(flags, 0, "virHostCPUGetMap", ErrorDomain.NONE)
        return host_cpus()

    def domain_get_vcpus(
        self, dom_ref: DomainRef, maxinfo: int, maplen: int
    ) -> tuple[list[tuple[int, int, int, int]], bytes]:
        """Each vCPU thread's CPU time, the host CPU it last ran on and where it may run."""
        run, _ = self._running(dom_ref)
        threads = sorted(
            (int(c["cpu-index"]), int(c["thread-id"])) for c in run.monitor.execute("query-cpus-fast")
        )[:maxinfo]  # fmt: skip
        infos, maps = [], b""
        for index, tid in threads:
            cpu_ns, host_cpu = thread_stat(run.proc.pid, tid)
            infos.append((index, _VCPU_RUNNING, cpu_ns, host_cpu))
            try:
                allowed = os.sched_getaffinity(tid)
            except OSError:
                allowed = {i for i, on in enumerate(host_cpus()) if on}
            maps += cpumap_of(allowed, maplen)
        return infos, maps

    # -- memory ----------------------------------------------------------------------------
    def domain_memory_stats(
        self, dom_ref: DomainRef, max_stats: int, flags: int
    ) -> list[tuple[int, int]]:
        """The balloon's figures (QMP query-balloon and the device's guest-stats, present
        only when the guest's balloon driver reports them) and QEMU's resident set."""
        unsupported_flags(flags, 0, "qemuDomainMemoryStats", _Q)
        run, live = self._running(dom_ref)
        stats: list[tuple[int, int]] = []
        balloon = live.memballoon
        if balloon is not None and balloon.model != "none":
            actual = run.monitor.execute("query-balloon").get("actual", 0)
            stats.append((_ACTUAL_BALLOON, int(actual) // 1024))
            stats += balloon_guest_stats(run.monitor.execute(*GUEST_STATS_QUERY))
        else:
            stats.append((_ACTUAL_BALLOON, live.current_memory_kib))
        rss = rss_kib(run.proc.pid)
        if rss is not None:
            stats.append((_RSS, rss))
        return stats[:max_stats]

    # -- disks -----------------------------------------------------------------------------
    def _disk(self, live: DomainDef, path: str) -> DiskDef:
        for disk in live.disks:
            if path in (disk.target_dev, disk.source_path):
                return disk
        raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, f"invalid path: {path}")

    def _blockstats(self, dom_ref: DomainRef, path: str) -> dict[str, int]:
        if not path:
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, _Q,
                             "summary statistics are not supported yet")  # fmt: skip
        run, live = self._running(dom_ref)
        disk = self._disk(live, path)
        alias = disk_alias(disk)
        for entry in run.monitor.execute("query-blockstats"):
            qdev = str(entry.get("qdev", ""))
            if qdev == alias or qdev.startswith(f"/machine/peripheral/{alias}/"):
                return {k: int(v) for k, v in entry.get("stats", {}).items()
                        if isinstance(v, int)}  # fmt: skip
        raise make_error(ErrorCode.INTERNAL_ERROR, _Q,
                         f"cannot find statistics for device '{alias}'")  # fmt: skip

    def domain_block_stats(self, dom_ref: DomainRef, path: str) -> tuple[int, int, int, int, int]:
        got = self._blockstats(dom_ref, path)
        return (got.get("rd_operations", -1), got.get("rd_bytes", -1),
                got.get("wr_operations", -1), got.get("wr_bytes", -1), -1)  # fmt: skip

    def domain_block_stats_flags(
        self, dom_ref: DomainRef, path: str, flags: int
    ) -> list[TypedParameter]:
        unsupported_flags(flags, 1, "qemuDomainBlockStatsFlags", _Q)  # 1: STRING_OKAY
        got = self._blockstats(dom_ref, path)
        return [TypedParameter(name, TypedParameterType.LLONG, got[key]) for key, name in _BLOCK_COUNTERS
                if key in got]  # fmt: skip

    def domain_get_block_info(self, dom_ref: DomainRef, path: str, flags: int) -> tuple[int, int, int]:
        """Capacity (the image's virtual size), allocation (blocks the file holds on the
        host) and physical size (the file's length), as libvirt reports a file-backed disk."""
        unsupported_flags(flags, 0, "qemuDomainGetBlockInfo", _Q)
        with self.driver.lock:
            dom = self.driver.domains.from_ref(dom_ref)
            defn = dom.live or dom.defn
        disk = self._disk(defn, path)
        source = disk.source_path
        if source is None or disk.type not in ("file", "block"):
            raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                             f"disk '{disk.target_dev}' does not currently have a source "
                             "assigned")  # fmt: skip
        try:
            return file_limits(source, (disk.driver or {}).get("type", "raw"))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise make_error(ErrorCode.SYSTEM_ERROR, _Q,
                             f"cannot read file '{source}': {reason}") from None  # fmt: skip

    def domain_get_disk_errors(
        self, dom_ref: DomainRef, maxerrors: int, flags: int
    ) -> tuple[int, list[tuple[str, int]]]:
        """Disks whose I/O QEMU stopped on an error (query-block's io-status)."""
        unsupported_flags(flags, 0, "qemuDomainGetDiskErrors", _Q)
        run, live = self._running(dom_ref)
        by_alias = {disk_alias(d): d.target_dev for d in live.disks}
        errors = []
        for dev in run.monitor.execute("query-block"):
            qdev = str(dev.get("qdev", "")).removeprefix("/machine/peripheral/").split("/")[0]
            status = _DISK_ERRORS.get(str(dev.get("io-status", "ok")))
            if status is not None and qdev in by_alias:
                errors.append((by_alias[qdev], status))
        return len(errors), errors[:maxerrors]

    # -- interfaces and control --------------------------------------------------------------
    def domain_interface_stats(
        self, dom_ref: DomainRef, device: str
    ) -> tuple[int, int, int, int, int, int, int, int]:
        """The host side of the guest's tap device, turned round: what the tap sends is
        what the guest receives."""
        _, live = self._running(dom_ref)
        nic = next((n for n in live.interfaces
                    if device in (n.target_dev, n.mac) or device.lower() == n.mac), None)  # fmt: skip
        if nic is None:
            raise make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
                             f"'{device}' is not a known interface")  # fmt: skip
        if nic.target_dev is None:  # user-mode networking: no device on the host
            raise make_error(ErrorCode.INTERNAL_ERROR, _Q, "Interface name not provided")
        return tap_counters(nic.target_dev)

    def domain_get_control_info(self, dom_ref: DomainRef, flags: int) -> tuple[int, int, int]:
        """VIR_DOMAIN_CONTROL_OK: the monitor is there to take commands (a job that holds it
        queues them, which libvirt reports as OK too unless it is waiting on the monitor)."""
        unsupported_flags(flags, 0, "qemuDomainGetControlInfo", _Q)
        self._running(dom_ref)
        return 0, 0, 0


def disk_alias(disk: DiskDef) -> str:
    """The device id QEMU knows the disk by (``virtio-disk0``)."""
    from pyvirt_qemu import _aliases

    return _aliases.alias_of(disk) or _aliases.disk_alias(disk)
