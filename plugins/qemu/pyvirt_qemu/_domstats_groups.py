"""The statistics groups of virConnectGetAllDomainStats for one QEMU guest, as libvirt 9.0's
qemuDomainGetStats* workers name, order and omit them.

Why apart from the entry point (:mod:`pyvirt_qemu._domstats_ops`): the entry point decides
which guests, takes their jobs and asks every monitor at once; this module only turns one
guest's copied state (:class:`DomainView`), the host's ``/proc`` and ``/sys`` and the QMP
answers into typed parameters, so it never touches a lock or a monitor.

When a field is present follows libvirt: the groups that need QEMU's monitor (the balloon's
guest figures, the block counters and sizes, IOThreads, the dirty-rate, KVM's vCPU and VM
statistics) are filled only while the caller holds the guest's job (``have_job``), which a
busy guest under VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT does not give; a QMP command that
failed leaves its fields out, as libvirt resets such errors.  KVM's statistics come in
QEMU's order, where libvirt's are in its hash table's.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyvirt import DomainRef, TypedParameter, TypedParameterType, VirtError

from pyvirt_qemu._disks import Layer, disk_layers
from pyvirt_qemu._stats_ops import (
    GUEST_STATS_QUERY,
    balloon_guest_stats,
    disk_alias,
    file_limits,
    rss_kib,
    tap_counters,
    thread_stat,
)

if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

    from pyvirt_qemu._domain import QemuDomain, Run
    from pyvirt_qemu._monitor import Monitor

__all__ = ["DomainView", "GROUPS", "MONITOR_GROUPS", "group_params", "monitor_queries"]

_INT, _UINT = TypedParameterType.INT, TypedParameterType.UINT
_LLONG, _ULLONG = TypedParameterType.LLONG, TypedParameterType.ULLONG
_STRING = TypedParameterType.STRING
_TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")

# VIR_DOMAIN_STATS_* bits, in the order libvirt's worker table runs them.
STATE, CPU_TOTAL, BALLOON, VCPU, INTERFACE, BLOCK = 1, 2, 4, 8, 16, 32
PERF, IOTHREAD, MEMORY, DIRTYRATE, VM = 64, 128, 256, 512, 1024
#: Every group libvirt 9.0's QEMU driver has (its QEMU here has query-stats, which VM needs).
GROUPS = 0x7FF
#: Groups whose worker asks the monitor, for which libvirt takes the guest's query job.
MONITOR_GROUPS = CPU_TOTAL | BALLOON | VCPU | BLOCK | IOTHREAD | DIRTYRATE | VM

#: VIR_DOMAIN_MEMORY_STAT_* tag → the balloon group's field (ACTUAL_BALLOON, 6, is not one).
_MEMORY_FIELDS = {
    0: "swap_in", 1: "swap_out", 2: "major_fault", 3: "minor_fault", 4: "unused",
    5: "available", 7: "rss", 8: "usable", 9: "last-update", 10: "disk_caches",
    11: "hugetlb_pgalloc", 12: "hugetlb_pgfail",
}  # fmt: skip
_RSS = 7
#: query-blockstats counters → the block group's frontend fields, in libvirt's order.
_FRONTEND = (
    ("rd_operations", "rd.reqs"), ("rd_bytes", "rd.bytes"), ("rd_total_time_ns", "rd.times"),
    ("wr_operations", "wr.reqs"), ("wr_bytes", "wr.bytes"), ("wr_total_time_ns", "wr.times"),
    ("flush_operations", "fl.reqs"), ("flush_total_time_ns", "fl.times"),
)  # fmt: skip
_NET_FIELDS = ("rx.bytes", "rx.pkts", "rx.errs", "rx.drop",
               "tx.bytes", "tx.pkts", "tx.errs", "tx.drop")  # fmt: skip
#: query-dirty-rate's status → VIR_DOMAIN_DIRTYRATE_*.
_DIRTY_STATUS = {"unstarted": 0, "measuring": 1, "measured": 2}
_HALT_POLL = ("halt_poll_success_ns", "halt_poll_fail_ns")


@dataclass(frozen=True)
class DiskView:
    """What the block group needs of one disk: its target, QEMU's id for it, its images."""

    target: str
    alias: str
    layers: tuple[Layer, ...]


@dataclass(frozen=True)
class DomainView:
    """One guest's state as copied under the driver lock: the groups read only this."""

    ref: DomainRef
    state: int
    reason: int
    #: QEMU's process id, or None for a guest that is not running.
    pid: int | None
    monitor: Monitor | None
    defn: DomainDef
    disks: tuple[DiskView, ...]
    #: The host-side device of each ``<interface>`` (None: user-mode, nothing on the host).
    nics: tuple[str | None, ...]
    #: The enabled perf events and their counts (pyvirt_qemu._perf), read with the copy.
    perf: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, dom: QemuDomain) -> DomainView:
        """Copy *dom* (the caller holds the driver lock)."""
        run, live = dom.run, dom.live
        active = run is not None and live is not None
        defn = live if active and live is not None else dom.defn
        disks = []
        for n, disk in enumerate(defn.disks):
            path = disk.source_path if disk.type in ("file", "block") else None
            if active:
                layers = tuple(disk_layers(disk, path, n + 1))
            else:  # libvirt has read no chain of a definition: its own image, no index
                fmt = (disk.driver or {}).get("type", "raw")
                layers = (Layer(path, fmt, 0),) if path else ()
            disks.append(DiskView(disk.target_dev, disk_alias(disk), layers))
        return cls(
            ref=dom.ref(), state=int(dom.state), reason=int(dom.reason),
            pid=run.proc.pid if active and run is not None else None,
            monitor=run.monitor if active and run is not None else None,
            defn=defn, disks=tuple(disks),
            nics=tuple(nic.target_dev for nic in defn.interfaces) if active else (),
            perf=_perf_counts(run) if active and run is not None else (),
        )  # fmt: skip


#: A query a group needs: (its key among the answers, QMP command, arguments).
Query = tuple[str, str, "dict[str, Any] | None"]


def monitor_queries(view: DomainView, stats: int) -> list[Query]:
    """The QMP commands the asked groups need of a running guest (sent all at once)."""
    queries: list[Query] = []
    if stats & CPU_TOTAL:
        providers = [{"provider": "kvm", "names": list(_HALT_POLL)}]
        queries.append(("haltpoll", "query-stats", {"target": "vcpu", "providers": providers}))
    if stats & BALLOON and _has_balloon(view.defn):
        queries += [("balloon", "query-balloon", None), ("guest-stats", *GUEST_STATS_QUERY)]
    if stats & (VCPU | VM):
        queries.append(("schemas", "query-stats-schemas", None))
    if stats & VCPU:
        queries += [("cpus", "query-cpus-fast", None),
                    ("vcpu-stats", "query-stats", {"target": "vcpu"})]  # fmt: skip
    if stats & BLOCK:
        queries += [("blockstats", "query-blockstats", None),
                    ("nodestats", "query-blockstats", {"query-nodes": True}),
                    ("nodes", "query-named-block-nodes", {"flat": True})]  # fmt: skip
    if stats & IOTHREAD:
        queries.append(("iothreads", "query-iothreads", None))
    if stats & DIRTYRATE:
        queries.append(("dirtyrate", "query-dirty-rate", None))
    if stats & VM:
        queries.append(("vm-stats", "query-stats", {"target": "vm"}))
    return queries


def group_params(
    view: DomainView, stats: int, answers: dict[str, Any], *, have_job: bool, backing: bool
) -> list[TypedParameter]:
    """The typed parameters of the groups *stats* for *view*, in libvirt's order.
    *answers* holds the QMP answers by query key (a VirtError for a failed command)."""
    got: dict[str, Any] = {}
    if have_job:  # (marked: the balloon's resident set is read only then, as libvirt does)
        got = {k: v for k, v in answers.items() if not isinstance(v, VirtError)}
        got[_JOB] = True
    out: list[TypedParameter] = []
    for bit, worker in _WORKERS:
        if stats & bit:
            worker(view, got, out, backing)
    return out


# -- the workers, each appending its group's fields ------------------------------------------
Out = list[TypedParameter]


def _state(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    out += [TypedParameter("state.state", _INT, view.state),
            TypedParameter("state.reason", _INT, view.reason)]  # fmt: skip


def _cpu(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    """cgroup figures for a guest in one; else the process's.  A guest that is not running
    has no process: libvirt 9.0 then reads pid 0's, i.e. its own daemon's (the worker's
    here), which is what it reports."""
    times = _cgroup_cpu(view) if view.pid is not None else None
    if times is None:
        times = _proc_cpu(view.pid)
    if times is not None:
        total, user, system = times
        out += [TypedParameter("cpu.time", _ULLONG, total),
                TypedParameter("cpu.user", _ULLONG, user),
                TypedParameter("cpu.system", _ULLONG, system)]  # fmt: skip
    if view.pid is None:
        return
    # No <cachetune> monitors are supported, so libvirt's resctrl count is 0.
    out.append(TypedParameter("cpu.cache.monitor.count", _UINT, 0))
    halt = _halt_poll(got.get("haltpoll")) if "haltpoll" in got else _halt_poll_debugfs(view.pid)
    if halt is not None:
        out += [TypedParameter("cpu.haltpoll.success.time", _ULLONG, halt[0]),
                TypedParameter("cpu.haltpoll.fail.time", _ULLONG, halt[1])]  # fmt: skip


def _balloon(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    """The balloon's size is libvirt's ``cur_balloon``, which it keeps as QEMU reports it
    (at start and on BALLOON_CHANGE): until the guest's driver obeys a smaller target, the
    balloon stays as large as the memory.  Asked of QEMU here; the definition's figure is
    the target, used when the monitor cannot be asked."""
    defn = view.defn
    current = defn.current_memory_kib if _has_balloon(defn) else defn.memory_kib
    actual = got.get("balloon")
    if isinstance(actual, dict) and isinstance(actual.get("actual"), int):
        current = actual["actual"] // 1024
    out += [TypedParameter("balloon.current", _ULLONG, current),
            TypedParameter("balloon.maximum", _ULLONG, defn.memory_kib)]  # fmt: skip
    if view.pid is None or not _has_job(got):
        return
    stats: list[tuple[int, int]] = []
    if _has_balloon(defn):
        found = got.get("guest-stats")
        if not isinstance(found, dict):
            return  # libvirt: the memory statistics failed, so none of them
        stats = balloon_guest_stats(found)
    rss = rss_kib(view.pid)
    if rss is not None:
        stats.append((_RSS, rss))
    out += [TypedParameter(f"balloon.{_MEMORY_FIELDS[tag]}", _ULLONG, value)
            for tag, value in stats if tag in _MEMORY_FIELDS]  # fmt: skip


def _vcpu(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    defn = view.defn
    out += [TypedParameter("vcpu.current", _UINT, defn.vcpus),
            TypedParameter("vcpu.maximum", _UINT, defn.max_vcpus)]  # fmt: skip
    if view.pid is None:
        return
    by_path = {str(c.get("qom-path")): int(c["cpu-index"]) for c in got.get("cpus", [])
               if isinstance(c, dict) and "cpu-index" in c}  # fmt: skip
    kvm = {by_path.get(str(e.get("qom-path"))): e for e in _entries(got.get("vcpu-stats"))}
    schema = _schema(got.get("schemas"), "vcpu")
    for index, tid in vcpu_threads(view.pid)[: defn.vcpus]:
        prefix = f"vcpu.{index}."
        cpu_ns, _ = thread_stat(view.pid, tid)
        out += [TypedParameter(prefix + "state", _INT, 1),  # VIR_VCPU_RUNNING
                TypedParameter(prefix + "time", _ULLONG, cpu_ns),
                TypedParameter(prefix + "wait", _ULLONG, _sched_wait(view.pid, tid)),
                TypedParameter(prefix + "delay", _ULLONG, _sched_delay(view.pid, tid))]  # fmt: skip
        if index in kvm:
            out += _query_stats(f"vcpu.{index}", kvm[index], schema)


def _interface(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    if view.pid is None:
        return
    out.append(TypedParameter("net.count", _UINT, len(view.nics)))
    for n, dev in enumerate(view.nics):
        if dev is None:
            continue
        out.append(TypedParameter(f"net.{n}.name", _STRING, dev))
        for field, value in zip(_NET_FIELDS, tap_counters(dev), strict=True):
            if value >= 0:
                out.append(TypedParameter(f"net.{n}.{field}", _ULLONG, value))


def _block(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    count_at = len(out)
    out.append(TypedParameter("block.count", _UINT, 0))
    active = view.pid is not None
    frontends = _by_key(got.get("blockstats"), "qdev")
    nodestats = _by_key(got.get("nodestats"), "node-name")
    nodes = _by_key(got.get("nodes"), "node-name")
    record = 0
    for disk in view.disks:
        if not disk.layers:  # no image: its name only
            out.append(TypedParameter(f"block.{record}.name", _STRING, disk.target))
            record += 1
            continue
        for depth, layer in enumerate(disk.layers):
            prefix = f"block.{record}."
            out += [TypedParameter(prefix + "name", _STRING, disk.target),
                    TypedParameter(prefix + "path", _STRING, layer.path)]  # fmt: skip
            if layer.index:
                out.append(TypedParameter(prefix + "backingIndex", _UINT, layer.index))
            if depth == 0:
                out += _frontend(prefix, _frontend_entry(frontends, disk.alias))
            if active:
                out += _node_sizes(prefix, layer, nodestats, nodes)
            else:
                out += _file_sizes(prefix, layer)
            record += 1
            if not backing:
                break
    out[count_at] = TypedParameter("block.count", _UINT, record)


def _iothread(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    threads = got.get("iothreads")
    if view.pid is None or not isinstance(threads, list) or not threads:
        return
    out.append(TypedParameter("iothread.count", _UINT, len(threads)))
    for thread in threads:
        number = str(thread.get("id", "")).removeprefix("iothread")
        if not number.isdigit() or "poll-max-ns" not in thread:
            continue
        prefix = f"iothread.{number}."
        out += [TypedParameter(prefix + "poll-max-ns", _ULLONG, int(thread["poll-max-ns"])),
                TypedParameter(prefix + "poll-grow", _UINT, int(thread.get("poll-grow", 0))),
                TypedParameter(prefix + "poll-shrink", _UINT, int(thread.get("poll-shrink", 0)))]  # fmt: skip


def _dirtyrate(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    info = got.get("dirtyrate")
    if view.pid is None or not isinstance(info, dict):
        return
    status = _DIRTY_STATUS.get(str(info.get("status")), 0)
    mode = str(info.get("mode", "page-sampling"))
    out += [TypedParameter("dirtyrate.calc_status", _INT, status),
            TypedParameter("dirtyrate.calc_start_time", _LLONG, int(info.get("start-time", 0))),
            TypedParameter("dirtyrate.calc_period", _INT, int(info.get("calc-time", 0))),
            TypedParameter("dirtyrate.calc_mode", _STRING, mode)]  # fmt: skip
    if status != _DIRTY_STATUS["measured"]:
        return
    out.append(
        TypedParameter("dirtyrate.megabytes_per_second", _LLONG, int(info.get("dirty-rate", 0)))
    )
    if mode == "dirty-ring":
        for vcpu in info.get("vcpu-dirty-rate", []):
            out.append(TypedParameter(f"dirtyrate.vcpu.{int(vcpu['id'])}.megabytes_per_second",
                                      _LLONG, int(vcpu.get("dirty-rate", 0))))  # fmt: skip


def _vm(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    """KVM's per-VM statistics (query-stats; none under TCG)."""
    schema = _schema(got.get("schemas"), "vm")
    for entry in _entries(got.get("vm-stats")):
        out += _query_stats("vm", entry, schema)


def _perf(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    """perf.NAME: the count of each enabled perf event (none enabled: nothing)."""
    out += [TypedParameter(f"perf.{name}", _ULLONG, count) for name, count in view.perf]


def _perf_counts(run: Run) -> tuple[tuple[str, int], ...]:
    counts = []
    for name in run.perf.names():
        with contextlib.suppress(VirtError):  # (libvirt leaves an unreadable one out)
            counts.append((name, run.perf.read(name)))
    return tuple(counts)


def _nothing(view: DomainView, got: dict[str, Any], out: Out, backing: bool) -> None:
    """memory (no resctrl bandwidth monitors): what libvirt gives for a guest without."""


_Worker = Callable[[DomainView, dict[str, Any], Out, bool], None]
_WORKERS: tuple[tuple[int, _Worker], ...] = (
    (STATE, _state), (CPU_TOTAL, _cpu), (BALLOON, _balloon), (VCPU, _vcpu),
    (INTERFACE, _interface), (BLOCK, _block), (PERF, _perf), (IOTHREAD, _iothread),
    (MEMORY, _nothing), (DIRTYRATE, _dirtyrate), (VM, _vm),
)  # fmt: skip


# -- helpers --------------------------------------------------------------------------------
_JOB = "\0job"  # marks answers collected under the guest's job


def _has_job(got: dict[str, Any]) -> bool:
    return _JOB in got


def _has_balloon(defn: DomainDef) -> bool:
    balloon = defn.memballoon
    return balloon is not None and balloon.model != "none"


def _by_key(entries: Any, key: str) -> dict[str, dict[str, Any]]:
    if not isinstance(entries, list):
        return {}
    return {str(e[key]): e for e in entries if isinstance(e, dict) and e.get(key)}


#: query-stats-schemas' statistic types → the suffix libvirt names them with (histograms
#: have none: libvirt leaves them out).
_STAT_SUFFIX = {"cumulative": "sum", "instant": "cur", "peak": "max"}


def _entries(answer: Any) -> list[dict[str, Any]]:
    return [e for e in answer if isinstance(e, dict)] if isinstance(answer, list) else []


def _schema(answer: Any, target: str) -> dict[str, dict[str, Any]]:
    """Statistic name → its schema, for *target* (``vm``, ``vcpu``)."""
    return {str(stat.get("name")): stat for entry in _entries(answer)
            if entry.get("target") == target for stat in entry.get("stats", [])}  # fmt: skip


def _query_stats(prefix: str, entry: dict[str, Any], schema: dict[str, dict[str, Any]]) -> Out:
    """One query-stats entry as libvirt names its fields: ``PREFIX.NAME.sum|cur|max``,
    booleans as booleans, numbers as ULLONG; histograms and unknown names left out."""
    out = []
    for stat in entry.get("stats", []):
        name, value = str(stat.get("name")), stat.get("value")
        kind = schema.get(name, {})
        suffix = _STAT_SUFFIX.get(str(kind.get("type")))
        if suffix is None:
            continue
        field = f"{prefix}.{name}.{suffix}"
        if kind.get("unit") == "boolean" and isinstance(value, bool):
            out.append(TypedParameter(field, TypedParameterType.BOOLEAN, value))
        elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            out.append(TypedParameter(field, _ULLONG, value))
    return out


def _frontend_entry(frontends: dict[str, dict[str, Any]], alias: str) -> dict[str, Any] | None:
    for qdev, entry in frontends.items():
        if qdev == alias or qdev.startswith(f"/machine/peripheral/{alias}/"):
            return entry
    return None


def _frontend(prefix: str, entry: dict[str, Any] | None) -> Out:
    if entry is None:
        return []
    stats = entry.get("stats", {})
    return [TypedParameter(prefix + name, _ULLONG, int(stats[key]))
            for key, name in _FRONTEND if isinstance(stats.get(key), int)]  # fmt: skip


def _node_sizes(prefix: str, layer: Layer, nodestats: dict[str, dict[str, Any]],
                nodes: dict[str, dict[str, Any]]) -> Out:  # fmt: skip
    """A running image's allocation (QEMU's highest written offset), capacity and physical
    size (its format node's virtual and actual size), and its storage node's threshold."""
    fmt_node = f"libvirt-{layer.index}-format"
    stats = nodestats.get(fmt_node, {}).get("stats", {})
    image = nodes.get(fmt_node, {}).get("image", {})
    if not stats and not image:  # no job, or QEMU did not answer
        return []
    out = []
    if isinstance(stats.get("wr_highest_offset"), int):
        out.append(TypedParameter(prefix + "allocation", _ULLONG, stats["wr_highest_offset"]))
    if image.get("virtual-size"):
        out.append(TypedParameter(prefix + "capacity", _ULLONG, int(image["virtual-size"])))
    physical = image.get("actual-size")
    if not physical:
        try:
            physical = file_limits(layer.path, layer.format)[2]
        except (OSError, ValueError):
            physical = None
    if physical:
        out.append(TypedParameter(prefix + "physical", _ULLONG, int(physical)))
    threshold = nodes.get(f"libvirt-{layer.index}-storage", {}).get("write_threshold")
    if threshold:
        out.append(TypedParameter(prefix + "threshold", _ULLONG, int(threshold)))
    return out


def _file_sizes(prefix: str, layer: Layer) -> Out:
    """A stopped guest's image as the host shows it; nothing when it cannot be read."""
    try:
        capacity, allocation, physical = file_limits(layer.path, layer.format)
    except (OSError, ValueError):
        return []
    return [TypedParameter(prefix + "allocation", _ULLONG, allocation),
            TypedParameter(prefix + "capacity", _ULLONG, capacity),
            TypedParameter(prefix + "physical", _ULLONG, physical)]  # fmt: skip


def vcpu_threads(pid: int) -> list[tuple[int, int]]:
    """(vCPU index, thread id) of QEMU's vCPU threads, found by the names QEMU gives them
    (``CPU 0/TCG``, ``CPU 1/KVM``: it runs with ``debug-threads=on``) without asking it."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    for tid in tasks:
        try:
            comm = Path(f"/proc/{pid}/task/{tid}/comm").read_text()
        except OSError:
            continue
        head, _, rest = comm.partition(" ")
        number = rest.split("/", 1)[0]
        if head == "CPU" and "/" in rest and number.isdigit():
            found.append((int(number), int(tid)))
    return sorted(found)


def _sched_wait(pid: int, tid: int) -> int:
    """Time the thread waited for a CPU (ns; needs the kernel's schedstats, else 0)."""
    try:
        text = Path(f"/proc/{pid}/task/{tid}/sched").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("se.statistics.wait_sum", "se.wait_sum", "wait_sum"):
            try:
                return int(float(value) * 1_000_000)
            except ValueError:
                return 0
    return 0


def _sched_delay(pid: int, tid: int) -> int:
    """Time the thread spent runnable on a run queue (ns, schedstat's second field)."""
    try:
        return int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _cgroup_cpu(view: DomainView) -> tuple[int, int, int] | None:
    from pyvirt_qemu._cgroups import find_domain_cgroup

    cg = find_domain_cgroup(view.defn, view.ref.id)
    try:
        if cg is not None and cg.version == 2 and cg.has("cpu"):
            usec = dict(line.split() for line in cg.read("cpu", "cpu.stat").splitlines())
            return (int(usec["usage_usec"]) * 1000, int(usec["user_usec"]) * 1000,
                    int(usec["system_usec"]) * 1000)  # fmt: skip
        if cg is not None and cg.has("cpuacct"):
            ticks = dict(line.split() for line in cg.read("cpuacct", "cpuacct.stat").splitlines())
            return (int(cg.read("cpuacct", "cpuacct.usage")), int(ticks["user"]) * _TICK_NS,
                    int(ticks["system"]) * _TICK_NS)  # fmt: skip
    except (VirtError, KeyError, ValueError):
        return None
    return None


def _proc_cpu(pid: int | None) -> tuple[int, int, int] | None:
    path = f"/proc/{pid}/stat" if pid is not None else "/proc/self/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
        user, system = int(fields[11]) * _TICK_NS, int(fields[12]) * _TICK_NS
    except (OSError, IndexError, ValueError):
        return None
    return user + system, user, system


def _halt_poll(answer: Any) -> tuple[int, int] | None:
    """The vCPUs' halt-polling times summed from a query-stats answer (KVM's; an empty
    answer under TCG sums to 0, as libvirt reports it)."""
    if not isinstance(answer, list):
        return None
    sums = dict.fromkeys(_HALT_POLL, 0)
    for provider in answer:
        for stat in provider.get("stats", []):
            if stat.get("name") in sums and isinstance(stat.get("value"), int):
                sums[stat["name"]] += stat["value"]
    return sums[_HALT_POLL[0]], sums[_HALT_POLL[1]]


def _halt_poll_debugfs(pid: int) -> tuple[int, int] | None:
    """Without the monitor: KVM's debugfs files of the guest (absent without KVM or
    debugfs, and then the fields are left out, as libvirt leaves them)."""
    base = Path("/sys/kernel/debug/kvm")
    try:
        vm_dir = next(p for p in base.iterdir() if p.name.startswith(f"{pid}-"))
        sums = [0, 0]
        for vcpu in vm_dir.glob("vcpu*"):
            for i, name in enumerate(_HALT_POLL):
                sums[i] += int((vcpu / name).read_text())
    except (OSError, StopIteration, ValueError):
        return None
    return sums[0], sums[1]
