"""The CPUID instruction from Python, for the host CPU of the capabilities.

Why two ways: libvirt runs CPUID in its own process.  The kernel's cpuid device
(``/dev/cpu/0/cpuid``) runs it for us where the ``cpuid`` module is loaded; where it is not
(a container, a kernel without the module loaded) a dozen bytes of x86-64 code in an
executable page do the same through ctypes.  Either answers the same words.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import platform
import struct
from collections.abc import Callable

__all__ = ["CpuidReader", "cpuid_reader", "device_reader", "native_reader"]

#: (leaf, subleaf) -> (eax, ebx, ecx, edx)
CpuidReader = Callable[[int, int], tuple[int, int, int, int]]
_DEVICE = "/dev/cpu/0/cpuid"
#: void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) in the System V x86-64 ABI:
#: push rbx; mov r8, rdx; mov eax, edi; mov ecx, esi; cpuid; store eax, ebx, ecx, edx at
#: [r8], [r8+4], [r8+8], [r8+12]; pop rbx; ret.
_CODE = bytes.fromhex("53" "4989d0" "89f8" "89f1" "0fa2" "418900" "41895804" "41894808"
                      "4189500c" "5b" "c3")  # fmt: skip
_native: tuple[mmap.mmap, Callable[..., None]] | None = None


def device_reader() -> CpuidReader | None:
    """CPUID through the kernel's cpuid device of CPU 0 (None where it cannot be opened)."""
    if not os.access(_DEVICE, os.R_OK):
        return None

    def read(leaf: int, sub: int) -> tuple[int, int, int, int]:
        fd = os.open(_DEVICE, os.O_RDONLY | os.O_CLOEXEC)
        try:
            eax, ebx, ecx, edx = struct.unpack("<4I", os.pread(fd, 16, (sub << 32) | leaf))
        finally:
            os.close(fd)
        return eax, ebx, ecx, edx

    return read


def native_reader() -> CpuidReader | None:
    """CPUID run in this process (x86-64 only; None where no page may be executable)."""
    global _native
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    if _native is None:
        try:
            page = mmap.mmap(-1, mmap.PAGESIZE,
                             prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)  # fmt: skip
        except (OSError, ValueError):
            return None
        page.write(_CODE)
        address = ctypes.addressof(ctypes.c_char.from_buffer(page))
        prototype = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32,
                                     ctypes.POINTER(ctypes.c_uint32 * 4))  # fmt: skip
        _native = (page, prototype(address))
    function = _native[1]

    def read(leaf: int, sub: int) -> tuple[int, int, int, int]:
        out = (ctypes.c_uint32 * 4)()
        function(leaf, sub, ctypes.byref(out))
        return out[0], out[1], out[2], out[3]

    return read


def cpuid_reader() -> CpuidReader | None:
    """The kernel's device where it is there, else the in-process instruction."""
    return device_reader() or native_reader()
