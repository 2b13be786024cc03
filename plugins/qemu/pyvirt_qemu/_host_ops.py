"""The QEMU connection's host entry points: ``virsh nodeinfo``, ``nodecpustats``,
``nodememstats``, ``freecell``, ``freepages``, ``node-memory-tune``, ``maxvcpus``,
``cpu-models`` and ``sysinfo``, as libvirt's qemu driver answers them (qemu_driver.c's qemuNode* and
qemuConnect* entries, which hand over to virhostcpu.c and virhostmem.c).

The figures come from :mod:`pyvirt_qemu._host_facts`; this module adds each call's flag
check, in the error domain of the libvirt function that makes it, and the typed parameters.
"""

from __future__ import annotations

import fcntl
import os

from pyvirt import (
    ErrorCode,
    ErrorDomain,
    NodeInfo,
    TypedParameter,
    TypedParameterType,
    make_error,
    typed_param,
    validate_typed_params,
)
from pyvirt.driver import cpu_model_names, unsupported_flags

from pyvirt_qemu import _host_facts as facts

__all__ = ["HostOps"]

_NONE, _Q = ErrorDomain.NONE, ErrorDomain.QEMU
_UINT, _ULLONG = TypedParameterType.UINT, TypedParameterType.ULLONG
#: VIR_TYPED_PARAM_STRING_OKAY
_STRING_OKAY = 4
#: The KSM tunables of virNodeGetMemoryParameters, in libvirt's order: (sysfs file, type).
_KSM_PARAMS = (
    ("pages_to_scan", _UINT),
    ("sleep_millisecs", _UINT),
    ("pages_shared", _ULLONG),
    ("pages_sharing", _ULLONG),
    ("pages_unshared", _ULLONG),
    ("pages_volatile", _ULLONG),
    ("full_scans", _ULLONG),
    ("merge_across_nodes", _UINT),
)
#: The ones virNodeSetMemoryParameters may change.
_KSM_SETTABLE = {f"shm_{name}": _UINT for name in ("pages_to_scan", "sleep_millisecs",
                                                    "merge_across_nodes")}  # fmt: skip
#: libvirt's answer for guests without KVM (and for no type at all).
_TCG_MAX_VCPUS = 16
_KVM_CHECK_EXTENSION = 0xAE03
_KVM_CAP_NR_VCPUS, _KVM_CAP_MAX_VCPUS = 9, 66


def _kvm_max_vcpus() -> int:
    """virHostCPUGetKVMMaxVCPUs: what /dev/kvm says a guest may have."""
    try:
        fd = os.open("/dev/kvm", os.O_RDONLY)
    except OSError as e:
        raise make_error(ErrorCode.SYSTEM_ERROR, _NONE,
                         f"Unable to open /dev/kvm: {e.strerror}") from None  # fmt: skip
    try:
        for cap in (_KVM_CAP_MAX_VCPUS, _KVM_CAP_NR_VCPUS):
            answer = fcntl.ioctl(fd, _KVM_CHECK_EXTENSION, cap)
            if answer > 0:
                return answer
        return 4  # the kernel's own default before it could tell
    finally:
        os.close(fd)


def _ksm_value(name: str) -> int | None:
    try:
        text = (facts.KSM / name).read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise make_error(ErrorCode.SYSTEM_ERROR, _NONE,
                         f"Failed to open file '{facts.KSM / name}': {e.strerror}") from None  # fmt: skip
    if not text.isdigit():
        raise make_error(ErrorCode.INTERNAL_ERROR, _NONE, f"failed to parse {name}")
    return int(text)


class HostOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection` (host figures need no state)."""

    def node_get_info(self) -> NodeInfo:
        return facts.node_info()

    def node_get_cpu_stats(self, cpu_num: int, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, 0, "virHostCPUGetStats", _NONE)
        return [typed_param(f, _ULLONG, ns) for f, ns in facts.cpu_stats(cpu_num)]

    def node_get_memory_stats(self, cell_num: int, flags: int) -> list[TypedParameter]:
        unsupported_flags(flags, 0, "virHostMemGetStats", _NONE)
        return [typed_param(f, _ULLONG, kib) for f, kib in facts.memory_stats(cell_num)]

    def node_get_free_memory(self) -> int:
        return facts.free_memory()

    def node_get_cells_free_memory(self, start_cell: int, max_cells: int) -> list[int]:
        return facts.cells_free_memory(start_cell, max_cells)

    def node_get_free_pages(
        self, pages: list[int], start_cell: int, cell_count: int, flags: int
    ) -> list[int]:
        unsupported_flags(flags, 0, "qemuNodeGetFreePages", _Q)
        return facts.free_pages(pages, start_cell, cell_count)

    def node_get_memory_parameters(self, flags: int) -> list[TypedParameter]:
        """The KSM knobs the kernel has (a missing file is left out, as libvirt does)."""
        unsupported_flags(flags, _STRING_OKAY, "virHostMemGetParameters", _NONE)
        out = []
        for name, kind in _KSM_PARAMS:
            value = _ksm_value(name)
            if value is not None:
                out.append(typed_param(f"shm_{name}", kind, value))
        return out

    def node_set_memory_parameters(self, params: list[TypedParameter], flags: int) -> None:
        """Write the KSM knobs: every one must exist before any is written; a sysfs that
        refuses (not root, read-only) is reported as the write's system error."""
        unsupported_flags(flags, 0, "virHostMemSetParameters", _NONE)
        validate_typed_params(params, _KSM_SETTABLE)
        for p in params:
            if not (facts.KSM / p.field.removeprefix("shm_")).exists():
                raise make_error(ErrorCode.OPERATION_INVALID, _NONE,
                                 f"Parameter '{p.field}' is not supported by this kernel")  # fmt: skip
        for p in params:
            path = facts.KSM / p.field.removeprefix("shm_")
            try:
                path.write_text(str(p.value))
            except OSError as e:
                raise make_error(ErrorCode.SYSTEM_ERROR, _NONE,
                                 f"failed to set {p.field}: {e.strerror}") from None  # fmt: skip

    def connect_get_max_vcpus(self, type: str | None) -> int:
        """qemuConnectGetMaxVcpus: 16 for TCG, /dev/kvm's limit for KVM (case-blind)."""
        if type is None or type.lower() == "qemu":
            return _TCG_MAX_VCPUS
        if type.lower() == "kvm":
            return _kvm_max_vcpus()
        raise make_error(ErrorCode.INVALID_ARG, _Q, f"unknown type '{type}'")

    def connect_get_sysinfo(self, flags: int) -> str:
        """The SMBIOS tables as dmidecode reads them (:mod:`pyvirt_qemu._sysinfo`)."""
        from pyvirt_qemu._sysinfo import host_sysinfo

        unsupported_flags(flags, 0, "qemuConnectGetSysinfo", _Q)
        xml = host_sysinfo()
        if xml is None:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _Q,
                             "Host SMBIOS information is not available")  # fmt: skip
        return xml

    def connect_get_cpu_model_names(self, arch: str, flags: int) -> list[str]:
        unsupported_flags(flags, 0, "qemuConnectGetCPUModelNames", _Q)
        return cpu_model_names(arch, _Q)
