"""The host's CPU and memory figures as libvirt's virhostcpu.c and virhostmem.c read them
on Linux: ``/proc/cpuinfo``, ``/proc/stat``, ``/proc/meminfo``, the NUMA nodes' sysfs files
and the KSM knobs in ``/sys/kernel/mm/ksm``.

Why read afresh on every call: these are the moving figures of ``virsh nodeinfo``,
``nodecpustats``, ``nodememstats``, ``freecell`` and ``freepages``; libvirt caches none of
them.  Errors are libvirt's util errors, in its NONE error domain, so messages match.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pyvirt import ErrorCode, ErrorDomain, NodeInfo, make_error
from pyvirt.driver import invalid_arg, parse_cpuset

from pyvirt_qemu._host_topology import SYS, host_cells, host_page_sizes, topology

__all__ = [
    "KSM",
    "cells_free_memory",
    "cpu_stats",
    "free_memory",
    "free_pages",
    "memory_stats",
    "node_info",
    "numa_nodes",
]

_NONE = ErrorDomain.NONE
KSM = Path("/sys/kernel/mm/ksm")


def numa_nodes() -> list[int]:
    """The host's NUMA node ids; empty where the kernel has no NUMA (libvirt then fakes one
    cell holding the whole host)."""
    return sorted(int(p.name[4:]) for p in (SYS / "node").glob("node[0-9]*"))


def _meminfo(path: Path) -> dict[str, int]:
    """``Field: value kB`` lines (``Node N`` prefixes dropped), values in KiB, file order."""
    out: dict[str, int] = {}
    for line in path.read_text().splitlines():
        words = line.split()
        if words[:1] == ["Node"]:
            words = words[2:]
        if len(words) >= 2 and words[1].isdigit():
            out.setdefault(words[0], int(words[1]))
    return out


def _node_memory(node: int) -> tuple[int, int]:
    """(total, free) of NUMA *node* in KiB (libnuma's numa_node_size64)."""
    info = _meminfo(SYS / "node" / f"node{node}" / "meminfo")
    return info.get("MemTotal:", 0), info.get("MemFree:", 0)


def _available_kib() -> int:
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 1024


def _cpu_mhz() -> int:
    """The last ``cpu MHz`` line of /proc/cpuinfo, without its fraction (x86's field)."""
    mhz = 0
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        m = re.match(r"cpu MHz\s*:\s*(\d+)", line)
        if m:
            mhz = int(m[1])
    return mhz


def _cpuset(name: str) -> set[int]:
    try:
        return parse_cpuset((SYS / "cpu" / name).read_text().strip())
    except OSError:
        return set()


def node_info() -> NodeInfo:
    """virNodeGetInfo: CPUs online, the topology of the largest cell, memory in KiB.  A
    topology that does not multiply out to the CPUs is reported flat, as libvirt does."""
    cells = host_cells()
    online = _cpuset("online")
    offline = len(_cpuset("present") - online)
    cpus = sum(1 for cell in cells for cpu in cell.cpus if cpu.id in online)
    nodes = len(cells)
    sockets, cores, threads = topology(cells)
    if nodes * sockets * cores * threads != cpus + offline:
        nodes, sockets, cores, threads = 1, 1, cpus + offline, 1
    ids = numa_nodes()
    memory = sum(_node_memory(n)[0] for n in ids) if ids else (
        os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 1024)  # fmt: skip
    return NodeInfo(os.uname().machine, memory, cpus, _cpu_mhz(), nodes, sockets, cores, threads)


#: /proc/stat's columns: user nice system idle iowait irq softirq ...
_NS_PER_TICK = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def cpu_stats(cpu_num: int) -> list[tuple[str, int]]:
    """virHostCPUGetStatsLinux: kernel, user, idle and iowait time (ns) of one CPU or all
    (*cpu_num* -1), from /proc/stat."""
    header = "cpu" if cpu_num == -1 else f"cpu{cpu_num}"
    for line in Path("/proc/stat").read_text().splitlines():
        words = line.split()
        if words[:1] != [header] or len(words) < 5:
            continue
        ticks = [int(w) for w in words[1:11]] + [0] * 10
        usr, nice, system, idle, iowait, irq, softirq = ticks[:7]
        return [
            ("kernel", (system + irq + softirq) * _NS_PER_TICK),
            ("user", (usr + nice) * _NS_PER_TICK),
            ("idle", idle * _NS_PER_TICK),
            ("iowait", iowait * _NS_PER_TICK),
        ]
    raise invalid_arg("Invalid cpuNum in virHostCPUGetStatsLinux", "virHostCPUGetStatsLinux",
                      "cpuNum", _NONE)  # fmt: skip


_MEM_FIELDS = {"MemTotal:": "total", "MemFree:": "free", "Buffers:": "buffers",
               "Cached:": "cached"}  # fmt: skip


def memory_stats(cell_num: int) -> list[tuple[str, int]]:
    """virHostMemGetStats: total, free, buffers and cached (KiB) of the host, or total and
    free of one NUMA cell.  Without NUMA, cell 0 is the host."""
    ids = numa_nodes()
    if not ids and cell_num == 0:
        cell_num = -1
    if cell_num == -1:
        path, wanted = Path("/proc/meminfo"), 4
    else:
        top = max(ids) if ids else 0
        if cell_num > top:
            raise invalid_arg(f"cellNum in virHostMemGetStats must be less than or equal to "
                              f"{top}", "virHostMemGetStats", "cellNum", _NONE)  # fmt: skip
        path, wanted = SYS / "node" / f"node{cell_num}" / "meminfo", 2
    try:
        info = _meminfo(path)
    except OSError as e:
        raise make_error(ErrorCode.SYSTEM_ERROR, _NONE,
                         f"cannot open {path}: {e.strerror}") from None  # fmt: skip
    found = [(_MEM_FIELDS[k], v) for k, v in info.items() if k in _MEM_FIELDS][:wanted]
    if not found:
        raise make_error(ErrorCode.INTERNAL_ERROR, _NONE, "no available memory line found")
    return found


def _out_of_range(start: int, top: int) -> Exception:
    return make_error(ErrorCode.INTERNAL_ERROR, _NONE, f"start cell {start} out of range (0-{top})")


def free_memory() -> int:
    """virHostMemGetInfo's free memory, bytes: every NUMA node's MemFree."""
    ids = numa_nodes()
    if not ids:
        return _available_kib() * 1024
    return sum(_node_memory(n)[1] for n in ids) * 1024


def cells_free_memory(start_cell: int, max_cells: int) -> list[int]:
    """virHostMemGetCellsFree: free bytes of cells *start_cell*.. (at most *max_cells*)."""
    ids = numa_nodes()
    if not ids:
        if start_cell != 0:
            raise _out_of_range(start_cell, 0)
        return [_available_kib() * 1024]
    top = max(ids)
    if start_cell > top:
        raise _out_of_range(start_cell, top)
    last = min(top, start_cell + max_cells - 1)
    return [_node_memory(n)[1] * 1024 for n in range(start_cell, last + 1)]


def _page_free(node: int, size: int) -> int:
    """virNumaGetPageInfo's free count of *size* KiB pages on *node* (-1: the host)."""
    system = host_page_sizes()[0]
    if size == system:
        free_kib = free_memory() // 1024 if node == -1 else _node_memory(node)[1]
        return free_kib // system
    base = SYS / "node" / f"node{node}" if node >= 0 else Path("/sys/kernel/mm")
    try:
        return int((base / "hugepages" / f"hugepages-{size}kB" / "free_hugepages").read_text())
    except OSError:
        where = f" on node {node}" if node >= 0 else ""
        raise make_error(ErrorCode.OPERATION_FAILED, _NONE,
                         f"page size {size} is not available{where}") from None  # fmt: skip


def free_pages(pages: list[int], start_cell: int, cell_count: int) -> list[int]:
    """virHostMemGetFreePages: for each cell from *start_cell*, the free pages of each size."""
    ids = numa_nodes()
    top = max(ids) if ids else 0
    if not ids and start_cell == 0 and cell_count == 1:
        start_cell = top = -1
    if start_cell > top:
        raise _out_of_range(start_cell, top)
    last = min(top, start_cell + cell_count - 1)
    counts = [_page_free(cell, size) for cell in range(start_cell, last + 1) for size in pages]
    if not counts:
        raise make_error(ErrorCode.INTERNAL_ERROR, _NONE, "no suitable info found")
    return counts
