"""A guest's QEMU in a cgroup of its own, placed where libvirt places it.

Why: the host's administrator limits and weighs guests with cgroups (``schedinfo``,
``memtune``, ``blkiotune``), and tools that read the cgroup tree expect libvirt's layout:
``<partition>/qemu-<id>-<name>.libvirt-qemu`` under each controller (the partition is
``/machine``, shown in the live XML as ``<resource><partition>``).  On cgroup v1 the CPU
controllers also get an ``emulator`` child holding QEMU's own threads and one ``vcpuN``
child per virtual CPU thread, so a period and quota can be given to the vCPUs, to the
emulator and to the whole guest apart; on v2 the guest's cgroup is one leaf.

Only the privileged driver uses cgroups, as only libvirt's system daemon does; where no
hierarchy is writable (a container), guests run without one, as libvirt runs them.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import DomainDef

__all__ = [
    "CGROUP_ROOT",
    "DEFAULT_PARTITION",
    "DomainCgroup",
    "create_domain_cgroup",
    "find_domain_cgroup",
    "place_vcpu",
    "remove_vcpu",
    "set_partition",
]

CGROUP_ROOT = Path("/sys/fs/cgroup")
DEFAULT_PARTITION = "/machine"
#: v1 controllers a guest is placed in, as libvirtd 9.0 places it on such a host (cpuacct
#: comes along where it shares cpu's mount; ``devices`` is left out: it only matters with
#: the device ACLs libvirt writes there, which this driver does not write).
V1_CONTROLLERS = ("cpu", "cpuset", "memory", "blkio", "freezer")
#: v1 controllers whose guest cgroup is split into emulator and vcpuN children.
_SPLIT = ("cpu", "cpuset")


def _err(message: str, code: ErrorCode = ErrorCode.SYSTEM_ERROR) -> VirtError:
    return make_error(code, ErrorDomain.CGROUP, message)


def _v1_mounts(root: Path) -> dict[str, Path]:
    """Each v1 controller's own mount (``/sys/fs/cgroup/cpu``...), where it is writable."""
    found = {}
    for name in V1_CONTROLLERS:
        path = root / name
        if (path / "cgroup.procs").exists() and os.access(path, os.W_OK):
            found[name] = path
    return found


def _v2_root(root: Path) -> Path | None:
    if (root / "cgroup.controllers").exists() and os.access(root, os.W_OK):
        return root
    return None


def scope_name(run_id: int, name: str) -> str:
    """libvirt's machine name with its driver suffix: ``qemu-1-guest.libvirt-qemu``
    (characters a path cannot hold become nothing, as libvirt drops them)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "", name)[:47]
    return f"qemu-{run_id}-{safe}.libvirt-qemu"


@dataclass
class DomainCgroup:
    """The guest's cgroup: v1 as controller → directory, v2 as one directory."""

    version: int
    dirs: dict[str, Path] = field(default_factory=dict)

    def has(self, controller: str) -> bool:
        return controller in self.dirs

    def path(self, controller: str, sub: str = "") -> Path:
        base = self.dirs[controller]
        if sub and self.version == 1 and controller in _SPLIT:
            return base / sub
        return base

    def read(self, controller: str, name: str, sub: str = "") -> str:
        path = self.path(controller, sub) / name
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise _err(f"Unable to read from '{path}': {exc.strerror or exc}") from exc

    def write(self, controller: str, name: str, value: str, sub: str = "") -> None:
        path = self.path(controller, sub) / name
        try:
            path.write_text(value)
        except OSError as exc:
            raise _err(f"Unable to write to '{path}': {exc.strerror or exc}") from exc

    def remove(self) -> None:
        """Remove the guest's cgroups, children first (they must hold no task by now)."""
        for base in self.dirs.values():
            for child in sorted(base.glob("*/"), reverse=True):
                if child.is_dir() and (child / "cgroup.procs").exists():
                    with contextlib.suppress(OSError):
                        child.rmdir()
            with contextlib.suppress(OSError):
                base.rmdir()


def partition_of(live: DomainDef) -> str:
    for res in live.extra.get("resource", []):
        text = res.findtext("partition")
        if text:
            return text
    return DEFAULT_PARTITION


def set_partition(live: DomainDef) -> None:
    """The live XML's ``<resource><partition>/machine</partition></resource>``."""
    if live.extra.get("resource"):
        return
    res = etree.Element("resource")
    etree.SubElement(res, "partition").text = DEFAULT_PARTITION
    live.extra["resource"] = [res]


def find_domain_cgroup(live: DomainDef, run_id: int,
                       root: Path = CGROUP_ROOT) -> DomainCgroup | None:  # fmt: skip
    """The cgroup a running guest was placed in, or None (none was writable)."""
    rel = partition_of(live).strip("/") + "/" + scope_name(run_id, live.name)
    mounts = _v1_mounts(root)
    if mounts:
        dirs = {c: m / rel for c, m in mounts.items() if (m / rel).is_dir()}
        return DomainCgroup(1, dirs) if dirs else None
    v2 = _v2_root(root)
    if v2 is not None and (v2 / rel).is_dir():
        return DomainCgroup(2, {c: v2 / rel for c in ("cpu", "memory", "io", "cpuset")})
    return None


def _mkdir(path: Path, *, inherit_cpuset: bool) -> None:
    """Create a cgroup directory, or use the one there: the partition (``machine``) is
    shared by every guest, and two guests starting at once both find it missing."""
    with contextlib.suppress(FileExistsError):
        path.mkdir()
    if inherit_cpuset:
        # A v1 cpuset cgroup starts with no CPU and no node: a task cannot join it
        # until it is given its parent's (whoever created the directory).
        for name in ("cpuset.cpus", "cpuset.mems"):
            if not (path / name).read_text().strip():
                (path / name).write_text((path.parent / name).read_text())


def _move(target: Path, pids: list[int], threads: bool) -> None:
    name = "tasks" if threads else "cgroup.procs"
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            (target / name).write_text(str(pid))


def create_domain_cgroup(live: DomainDef, run_id: int, pid: int, vcpu_tids: dict[int, int],
                         root: Path = CGROUP_ROOT) -> DomainCgroup | None:  # fmt: skip
    """Place QEMU (*pid*) and its vCPU threads; None where no hierarchy is writable."""
    parts = [p for p in partition_of(live).split("/") if p] + [scope_name(run_id, live.name)]
    mounts = _v1_mounts(root)
    cg: DomainCgroup
    try:
        if mounts:
            cg = DomainCgroup(1)
            for controller, mount in mounts.items():
                path = mount
                for part in parts:
                    path = path / part
                    _mkdir(path, inherit_cpuset=controller == "cpuset")
                cg.dirs[controller] = path
            for controller in mounts:
                if controller not in _SPLIT:
                    _move(cg.dirs[controller], [pid], threads=False)
                    continue
                base = cg.dirs[controller]
                _mkdir(base / "emulator", inherit_cpuset=controller == "cpuset")
                _move(base / "emulator", [pid], threads=False)
                for vcpu, tid in vcpu_tids.items():
                    _mkdir(base / f"vcpu{vcpu}", inherit_cpuset=controller == "cpuset")
                    _move(base / f"vcpu{vcpu}", [tid], threads=True)
            return cg
        v2 = _v2_root(root)
        if v2 is None:
            return None
        path = v2
        for part in parts:
            with contextlib.suppress(OSError):  # a controller the kernel lacks is no error
                (path / "cgroup.subtree_control").write_text("+cpu +memory +io +cpuset")
            path = path / part
            _mkdir(path, inherit_cpuset=False)
        _move(path, [pid], threads=False)
        return DomainCgroup(2, {c: path for c in ("cpu", "memory", "io", "cpuset")})
    except OSError as exc:
        raise _err(f"Unable to create cgroup for {live.name}: {exc.strerror or exc}") from exc


def place_vcpu(cg: DomainCgroup, vcpu: int, tid: int) -> None:
    """A hotplugged vCPU's thread into a ``vcpuN`` child of its own, as the boot vCPUs are
    at start (libvirt's qemuProcessSetupVcpu); on v2 it stays in the guest's one leaf."""
    if cg.version != 1:
        return
    try:
        for controller in _SPLIT:
            if controller in cg.dirs:
                child = cg.dirs[controller] / f"vcpu{vcpu}"
                _mkdir(child, inherit_cpuset=controller == "cpuset")
                _move(child, [tid], threads=True)
    except OSError as exc:
        raise _err(f"Unable to add vcpu {vcpu} to its cgroup: {exc.strerror or exc}") from exc


def remove_vcpu(cg: DomainCgroup, vcpu: int) -> None:
    """An unplugged vCPU's ``vcpuN`` children go (its thread is gone with it)."""
    if cg.version != 1:
        return
    for controller in _SPLIT:
        if controller in cg.dirs:
            with contextlib.suppress(OSError):
                (cg.dirs[controller] / f"vcpu{vcpu}").rmdir()
