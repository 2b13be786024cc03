"""libvirt-python's ``libvirt_lxc`` on pyvirt: ``import pyvirt.libvirt_lxc as libvirt_lxc``.

``lxcOpenNamespace`` is a call to the driver (libvirt's LXC program); ``lxcEnterCGroup`` is
done here, in the calling process, as libvirt-lxc.so does it: after its read-only and flag
checks it moves the caller into every cgroup of the container's init process, whose pid is
the domain's id for the LXC driver.  Like libvirt-python's, it answers -1 rather than raise
when it fails (the error is the thread's last error).
"""

from __future__ import annotations

import os
from pathlib import Path

from pyvirt import libvirt as libvirt
from pyvirt._access import denied
from pyvirt._checks import invalid_arg
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api, report

_ENTER_CGROUP = "virDomainLxcEnterCGroup"


@api
def lxcOpenNamespace(domain: libvirt.virDomain, flags: int) -> list[int]:  # noqa: N802
    """Descriptors of the container's namespaces, for ``setns()``."""
    return domain._o.lxc_open_namespace(_args.flags(flags))


def lxcEnterCGroup(domain: libvirt.virDomain, flags: int) -> int:  # noqa: N802
    """Move the calling process into the container's cgroups; 0, or -1 on failure."""
    try:
        _enter_cgroup(domain, _args.flags(flags))
    except VirtError as error:
        report(error)
        return -1
    return 0


def _enter_cgroup(domain: libvirt.virDomain, flags: int) -> None:
    if domain._conn._o.read_only:
        raise denied(_ENTER_CGROUP)
    if flags:
        message = f"unsupported flags (0x{flags:x}) in function {_ENTER_CGROUP}"
        raise invalid_arg(message, _ENTER_CGROUP, "flags", ErrorDomain.NONE)
    pid = domain._o.id
    for path in _cgroup_dirs("self" if pid <= 0 else str(pid)):
        try:
            (path / "cgroup.procs").write_text(f"{os.getpid()}\n")
        except OSError as exc:
            raise make_error(
                ErrorCode.SYSTEM_ERROR,
                ErrorDomain.CGROUP,
                f"Unable to write to '{path / 'cgroup.procs'}': {exc.strerror}",
            ) from None


def _cgroup_dirs(pid: str) -> list[Path]:
    """The directories of the cgroups process *pid* is in, one per mounted hierarchy."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError as exc:
        raise make_error(
            ErrorCode.SYSTEM_ERROR,
            ErrorDomain.CGROUP,
            f"Unable to read '/proc/{pid}/cgroup': {exc.strerror}",
        ) from None
    mounts = _mounts()
    found = []
    for line in lines:
        _hid, controllers, placement = line.split(":", 2)
        wanted = set(controllers.split(",")) if controllers else None
        for options, target in mounts:
            if options is None if wanted is None else options is not None and wanted <= options:
                if (target / placement.lstrip("/")).is_dir():
                    found.append(target / placement.lstrip("/"))
                break
    return found


def _mounts() -> list[tuple[set[str] | None, Path]]:
    """Mounted hierarchies: v1 ones with their mount options (which name their controllers,
    or ``name=``), the v2 one with None."""
    found: list[tuple[set[str] | None, Path]] = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        _source, target, fstype, options, *_rest = line.split()
        if fstype in ("cgroup", "cgroup2"):
            found.append((set(options.split(",")) if fstype == "cgroup" else None, Path(target)))
    return found
