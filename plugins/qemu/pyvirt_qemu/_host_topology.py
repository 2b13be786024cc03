"""The host's NUMA cells, CPU topology, page sizes and caches, read from sysfs as libvirt
reads them for ``<capabilities>``.

Why sysfs and not a cached summary: memory per cell and hugepage counts change while the
daemon runs (an administrator reserves hugepages), and libvirt reports them afresh.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pyvirt.driver import format_cpuset, parse_cpuset

__all__ = ["Cell", "HostCpuInfo", "cache_banks", "host_cells", "host_page_sizes", "topology"]

SYS = Path("/sys/devices/system")


@dataclass
class HostCpuInfo:
    id: int
    socket: int
    die: int
    core: int
    siblings: str


@dataclass
class Cell:
    id: int
    memory_kib: int
    pages: list[tuple[int, int]]  # (size KiB, count)
    distances: list[tuple[int, int]]
    cpus: list[HostCpuInfo] = field(default_factory=list)


def _read(path: Path, default: str = "") -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return default


def _cpu(cpu: int) -> HostCpuInfo:
    topo = SYS / "cpu" / f"cpu{cpu}" / "topology"
    siblings = _read(topo / "thread_siblings_list", str(cpu))
    return HostCpuInfo(cpu, int(_read(topo / "physical_package_id", "0")),
                       int(_read(topo / "die_id", "0")), int(_read(topo / "core_id", "0")),
                       format_cpuset(parse_cpuset(siblings)))  # fmt: skip


def host_page_sizes() -> list[int]:
    """The system page size and every hugepage size, KiB, smallest first."""
    sizes = [os.sysconf("SC_PAGE_SIZE") // 1024]
    with contextlib.suppress(OSError):
        for entry in os.listdir("/sys/kernel/mm/hugepages"):
            m = re.fullmatch(r"hugepages-(\d+)kB", entry)
            if m:
                sizes.append(int(m[1]))
    return sorted(set(sizes))


def _meminfo_total(text: str) -> int:
    m = re.search(r"MemTotal:\s+(\d+) kB", text)
    return int(m[1]) if m else 0


def _cell_pages(node: Path | None, memory_kib: int) -> list[tuple[int, int]]:
    """Pages of each size in a cell: hugepages as reserved, the rest in system pages."""
    sizes = host_page_sizes()
    huge_dir = node / "hugepages" if node else Path("/sys/kernel/mm/hugepages")
    out: list[tuple[int, int]] = []
    huge_kib = 0
    for size in sizes[1:]:
        count = int(_read(huge_dir / f"hugepages-{size}kB" / "nr_hugepages", "0") or 0)
        huge_kib += count * size
        out.append((size, count))
    return [(sizes[0], (memory_kib - huge_kib) // sizes[0]), *out]


def host_cells() -> list[Cell]:
    """Every NUMA node, or one cell holding the whole host where there is no NUMA."""
    nodes = sorted(int(p.name[4:]) for p in (SYS / "node").glob("node[0-9]*"))
    if not nodes:
        memory = _meminfo_total(_read(Path("/proc/meminfo")))
        cpus = sorted(parse_cpuset(_read(SYS / "cpu" / "online", "0")))
        return [Cell(0, memory, _cell_pages(None, memory), [(0, 10)], [_cpu(c) for c in cpus])]
    cells = []
    for n in nodes:
        node = SYS / "node" / f"node{n}"
        memory = _meminfo_total(_read(node / "meminfo"))
        distances = [int(d) for d in _read(node / "distance").split()]
        cpus = sorted(parse_cpuset(_read(node / "cpulist"))) if _read(node / "cpulist") else []
        cells.append(Cell(n, memory, _cell_pages(node, memory),
                          list(zip(nodes, distances, strict=False)),
                          [_cpu(c) for c in cpus]))  # fmt: skip
    return cells


def topology(cells: list[Cell]) -> tuple[int, int, int]:
    """Sockets per cell, cores per socket, threads per core (libvirt's nodeinfo)."""
    cpus = [c for cell in cells for c in cell.cpus]
    if not cpus:
        return 1, 1, 1
    threads = max(len(parse_cpuset(c.siblings)) for c in cpus)
    sockets = max(len({c.socket for c in cell.cpus}) for cell in cells)
    cores = max(len({(c.socket, c.die, c.core) for c in cell.cpus}) for cell in cells)
    return sockets, max(cores // max(sockets, 1), 1), threads


_CACHE_TYPES = {"Unified": "both", "Data": "data", "Instruction": "code"}


def _pretty(kib: int) -> tuple[int, str]:
    """A size in the largest unit that holds it exactly (libvirt's cache bank sizes)."""
    for unit in ("TiB", "GiB", "MiB"):
        scale = {"MiB": 1024, "GiB": 1024**2, "TiB": 1024**3}[unit]
        if kib % scale == 0 and kib >= scale:
            return kib // scale, unit
    return kib, "KiB"


def cache_banks() -> list[tuple[int, int, str, int, str, str]]:
    """Level 3 and higher caches: (id, level, type, size, unit, cpus), as libvirt lists them
    (it leaves the smaller caches out: only those can be partitioned)."""
    banks: dict[tuple[int, int, str], tuple[int, str]] = {}
    for index in sorted(SYS.glob("cpu/cpu[0-9]*/cache/index[0-9]*")):
        level = int(_read(index / "level", "0") or 0)
        if level < 3 or not (index / "id").exists():
            continue
        kind = _CACHE_TYPES.get(_read(index / "type"), "both")
        size_text = _read(index / "size", "0K")
        kib = int(size_text.rstrip("KMG") or 0) * {"K": 1, "M": 1024, "G": 1024**2}.get(size_text[-1:], 1)
        key = (int(_read(index / "id")), level, kind)
        banks.setdefault(key, (kib, _read(index / "shared_cpu_list")))
    out = []
    for (bank_id, level, kind), (kib, cpus) in sorted(banks.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        size, unit = _pretty(kib)
        out.append((bank_id, level, kind, size, unit, format_cpuset(parse_cpuset(cpus))))
    return out
