"""Host perf counters on a guest's QEMU process, as libvirt keeps them (virperf.c): one
``perf_event_open`` descriptor per enabled ``<perf>`` event, counting the QEMU process and
the threads it starts (``inherit``), read for ``domstats --perf``.

Why ctypes and a raw system call: the standard library has no ``perf_event_open``, and the
call is small (a 128-byte attribute block, then an enable ioctl).  The cache-monitoring
events (cmt, mbmt, mbml) need Intel's cqm PMU, which libvirt looks for under
``/sys/devices/intel_cqm``; without it they are refused with libvirt's words, as are the
hardware counters on a host (or VM) whose CPU exposes none.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import platform
import struct
from pathlib import Path

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.driver import PERF_EVENTS

__all__ = ["PerfCounters"]

_HARDWARE, _SOFTWARE = 0, 1
#: libvirt's event -> (perf type, config); the cqm events' type is read from sysfs.
_ATTRS: dict[str, tuple[int, int]] = {
    "cmt": (0, 1), "mbmt": (0, 2), "mbml": (0, 3),
    "cpu_cycles": (_HARDWARE, 0), "instructions": (_HARDWARE, 1),
    "cache_references": (_HARDWARE, 2), "cache_misses": (_HARDWARE, 3),
    "branch_instructions": (_HARDWARE, 4), "branch_misses": (_HARDWARE, 5),
    "bus_cycles": (_HARDWARE, 6), "stalled_cycles_frontend": (_HARDWARE, 7),
    "stalled_cycles_backend": (_HARDWARE, 8), "ref_cpu_cycles": (_HARDWARE, 9),
    "cpu_clock": (_SOFTWARE, 0), "task_clock": (_SOFTWARE, 1), "page_faults": (_SOFTWARE, 2),
    "context_switches": (_SOFTWARE, 3), "cpu_migrations": (_SOFTWARE, 4),
    "page_faults_min": (_SOFTWARE, 5), "page_faults_maj": (_SOFTWARE, 6),
    "alignment_faults": (_SOFTWARE, 7), "emulation_faults": (_SOFTWARE, 8),
}  # fmt: skip
_CQM = ("cmt", "mbmt", "mbml")
_CQM_SYSFS = Path("/sys/devices/intel_cqm")
#: struct perf_event_attr as libvirt passes it: type, size, config, then the flag bits
#: (disabled = bit 0, inherit = bit 1) at offset 40; the rest zero.
_ATTR_SIZE = 128
_FLAGS_AT = 40
_DISABLED, _INHERIT = 1 << 0, 1 << 1
#: _IO('$', 0) and _IO('$', 1): PERF_EVENT_IOC_ENABLE / _DISABLE.
_IOC_ENABLE, _IOC_DISABLE = 0x2400, 0x2401
_SYSCALL = {"x86_64": 298, "aarch64": 241, "ppc64le": 319, "s390x": 331}.get(platform.machine())
_P = ErrorDomain.PERF


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _cqm_type() -> int:
    try:
        return int((_CQM_SYSFS / "type").read_text().strip())
    except (OSError, ValueError):
        return 0


class PerfCounters:
    """The perf descriptors of one run of QEMU, by event name."""

    def __init__(self) -> None:
        self._fds: dict[str, int] = {}
        self._scale: dict[str, int] = {}

    def enabled(self, name: str) -> bool:
        return name in self._fds

    def names(self) -> list[str]:
        """The enabled events, in libvirt's order."""
        return [n for n in PERF_EVENTS if n in self._fds]

    def enable(self, name: str, pid: int) -> None:
        """Count *name* on *pid* and its threads from now on (virPerfEventEnable)."""
        if name in self._fds:
            return
        kind, config = _ATTRS[name]
        if name in _CQM:
            kind = _cqm_type()
            if kind == 0:
                raise make_error(ErrorCode.ARGUMENT_UNSUPPORTED, _P,
                                 f"unable to enable host cpu perf event for {name}")  # fmt: skip
            if name == "cmt":
                try:
                    scale = (_CQM_SYSFS / "events" / "llc_occupancy.scale").read_text()
                    self._scale[name] = int(scale.strip())
                except (OSError, ValueError) as exc:
                    raise make_error(ErrorCode.SYSTEM_ERROR, _P,
                                     "failed to get cmt scaling factor") from exc  # fmt: skip
        attr = bytearray(_ATTR_SIZE)
        struct.pack_into("=IIQ", attr, 0, kind, _ATTR_SIZE, config)
        struct.pack_into("=Q", attr, _FLAGS_AT, _DISABLED | _INHERIT)
        fd = self._open(attr, pid, name)
        try:
            fcntl.ioctl(fd, _IOC_ENABLE)
        except OSError as exc:
            os.close(fd)
            raise _system(f"unable to enable host cpu perf event for {name}", exc.errno) from exc
        self._fds[name] = fd

    @staticmethod
    def _open(attr: bytearray, pid: int, name: str) -> int:
        if _SYSCALL is None:
            raise _system("Perf not supported on this platform", errno.ENXIO)
        buf = (ctypes.c_char * len(attr)).from_buffer(attr)
        libc = _libc()
        libc.syscall.restype = ctypes.c_long
        fd = libc.syscall(_SYSCALL, buf, ctypes.c_int(pid), ctypes.c_int(-1), ctypes.c_int(-1),
                          ctypes.c_ulong(0))  # fmt: skip
        if fd < 0:
            raise _system(f"unable to open host cpu perf event for {name}", ctypes.get_errno())
        return int(fd)

    def disable(self, name: str) -> None:
        fd = self._fds.pop(name, None)
        self._scale.pop(name, None)
        if fd is None:
            return
        try:
            fcntl.ioctl(fd, _IOC_DISABLE)
        except OSError as exc:
            raise _system(f"unable to disable host cpu perf event for {name}", exc.errno) from exc
        finally:
            os.close(fd)

    def read(self, name: str) -> int:
        """The count of the enabled event *name* (virPerfReadEvent)."""
        try:
            value = struct.unpack("=Q", os.read(self._fds[name], 8))[0]
        except OSError as exc:
            raise _system("Unable to read cache data", exc.errno) from exc
        return int(value * self._scale.get(name, 1))

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        self._scale.clear()


def _system(message: str, code: int | None) -> VirtError:
    """libvirt's virReportSystemError: the message, then the errno's text."""
    return make_error(ErrorCode.SYSTEM_ERROR, _P, f"{message}: {os.strerror(code or 0)}")
