"""Per-device block I/O limits of a running guest in its cgroup (``blkiotune
--device-weights/--device-read-bytes-sec/...``), as libvirt writes and reads them back.

Why read back: the kernel holds the truth (it may refuse or round a value, and writing 0
removes a limit), so libvirt records in the live XML what the cgroup file says after each
write (virCgroupSetupBlkioDevice*), and so does this module.  The device is named by its
``major:minor``, which only a block device has.
"""

from __future__ import annotations

import os
import stat

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error

from pyvirt_qemu._cgroups import DomainCgroup

__all__ = ["set_device_limit"]

#: <device> child -> cgroup v1 file (weights: BFQ's file first, then CFQ's).
_V1_FILES: dict[str, tuple[str, ...]] = {
    "weight": ("blkio.bfq.weight_device", "blkio.weight_device"),
    "read_iops_sec": ("blkio.throttle.read_iops_device",),
    "write_iops_sec": ("blkio.throttle.write_iops_device",),
    "read_bytes_sec": ("blkio.throttle.read_bps_device",),
    "write_bytes_sec": ("blkio.throttle.write_bps_device",),
}
#: <device> child -> key in cgroup v2's io.max ("weight" goes to io.weight instead).
_V2_KEYS = {"read_iops_sec": "riops", "write_iops_sec": "wiops",
            "read_bytes_sec": "rbps", "write_bytes_sec": "wbps"}  # fmt: skip


def _cgroup_error(code: ErrorCode, message: str) -> VirtError:
    return make_error(code, ErrorDomain.CGROUP, message)


def _block_device(path: str) -> str:
    """virCgroupGetBlockDevString: "major:minor" of the block device at *path*."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _cgroup_error(ErrorCode.SYSTEM_ERROR,
                            f"Path '{path}' is not accessible: {exc.strerror}") from exc  # fmt: skip
    if not stat.S_ISBLK(st.st_mode):
        raise _cgroup_error(ErrorCode.SYSTEM_ERROR,
                            f"Path '{path}' must be a block device: Invalid argument")  # fmt: skip
    return f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"


def _value_of(text: str, device: str, key: str | None = None) -> int:
    """The value a cgroup file's line for *device* holds (0: no line, no limit)."""
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0] != device:
            continue
        if key is None:
            return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        for item in parts[1:]:
            name, _eq, value = item.partition("=")
            if name == key:
                return int(value) if value.isdigit() else 0
    return 0


def _v1_file(cg: DomainCgroup, child: str) -> str:
    for name in _V1_FILES[child]:
        if (cg.path("blkio") / name).exists():
            return name
    if child == "weight":
        raise _cgroup_error(ErrorCode.OPERATION_INVALID,
                            "blkio device weight is valid only for cfq scheduler")  # fmt: skip
    raise _cgroup_error(ErrorCode.OPERATION_INVALID,
                        f"blkio throttling ({_V1_FILES[child][0]}) is not available")  # fmt: skip


def set_device_limit(cg: DomainCgroup, path: str, child: str, value: int) -> int:
    """Set one device's *child* (a <device> element name) to *value* in the guest's cgroup;
    the value the cgroup holds afterwards."""
    device = _block_device(path)
    if cg.version == 1:
        name = _v1_file(cg, child)
        cg.write("blkio", name, f"{device} {value}")
        return _value_of(cg.read("blkio", name), device)
    if child == "weight":
        cg.write("io", "io.weight", f"{device} {value}")
        return _value_of(cg.read("io", "io.weight"), device)
    key = _V2_KEYS[child]
    cg.write("io", "io.max", f"{device} {key}={value or 'max'}")
    return _value_of(cg.read("io", "io.max"), device, key)
