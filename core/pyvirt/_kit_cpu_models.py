"""The x86 CPU models libvirt 9.0's CPU driver knows (i686 and x86_64), in the order of its
CPU map index: what virConnectGetCPUModelNames lists, and the order a CPU baseline tries
models in (newest last).  Kept apart from the baseline's model data
(:mod:`pyvirt._cpu_x86_data`, generated from QEMU in this order) so listing names loads no
feature data.

:func:`cpu_model_names` is the whole of virConnectGetCPUModelNames as libvirt's drivers
answer it (its test and QEMU drivers share the CPU driver), so every pyvirt driver lists the
same names and refuses the same architectures.
"""

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

X86_CPU_MODELS: tuple[str, ...] = (
    "486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo",
    "qemu32", "kvm32", "cpu64-rhel5", "cpu64-rhel6", "qemu64", "kvm64", "Conroe", "Penryn",
    "Nehalem", "Nehalem-IBRS", "Westmere", "Westmere-IBRS", "SandyBridge", "SandyBridge-IBRS",
    "IvyBridge", "IvyBridge-IBRS", "Haswell-noTSX", "Haswell-noTSX-IBRS", "Haswell",
    "Haswell-IBRS", "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Broadwell", "Broadwell-IBRS",
    "Skylake-Client", "Skylake-Client-IBRS", "Skylake-Client-noTSX-IBRS", "Skylake-Server",
    "Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS", "Cascadelake-Server",
    "Cascadelake-Server-noTSX", "Icelake-Client", "Icelake-Client-noTSX", "Icelake-Server",
    "Icelake-Server-noTSX", "Cooperlake", "Snowridge", "athlon", "phenom", "Opteron_G1",
    "Opteron_G2", "Opteron_G3", "Opteron_G4", "Opteron_G5", "EPYC", "EPYC-IBPB", "EPYC-Rome",
    "EPYC-Milan", "Dhyana",
)  # fmt: skip
"""libvirt 9.0's x86 CPU model names (virConnectGetCPUModelNames for i686 and x86_64), in its
CPU map's index order: the order a baseline tries them in, newest last."""

#: The ppc64 CPU driver's models (ppc64 and ppc64le).
_PPC64_MODELS = (
    "POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWERPC_e5500", "POWERPC_e6500",
)  # fmt: skip
#: Architecture -> the models its CPU driver lists.  ARM and s390 have CPU drivers that
#: accept any model and list none.
_MODELS_BY_ARCH: dict[str, tuple[str, ...]] = {
    "i686": X86_CPU_MODELS,
    "x86_64": X86_CPU_MODELS,
    "ppc64": _PPC64_MODELS,
    "ppc64le": _PPC64_MODELS,
    "armv6l": (),
    "armv7l": (),
    "armv7b": (),
    "aarch64": (),
    "s390": (),
    "s390x": (),
}
#: libvirt 9.0's other architecture names (virArch): known, but without a CPU driver.
_ARCHES_WITHOUT_CPU_DRIVER = frozenset(
    {
        "alpha", "cris", "ia64", "lm32", "m68k", "microblaze", "microblazeel", "mips", "mipsel",
        "mips64", "mips64el", "openrisc", "parisc", "parisc64", "ppc", "ppcle", "ppcemb",
        "riscv32", "riscv64", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "xtensa",
        "xtensaeb",
    }
)  # fmt: skip


def cpu_model_names(arch: str, domain: ErrorDomain) -> list[str]:
    """virCPUGetModels for *arch*: its CPU driver's models (none for drivers that take any
    model).  An architecture libvirt does not know is the driver's INVALID_ARG, in the
    calling driver's error *domain*; a known one without a CPU driver is the CPU driver's
    NO_SUPPORT."""
    models = _MODELS_BY_ARCH.get(arch)
    if models is not None:
        return list(models)
    if arch in _ARCHES_WITHOUT_CPU_DRIVER:
        raise make_error(ErrorCode.NO_SUPPORT, ErrorDomain.CPU,
                         f"'{arch}' architecture is not supported by CPU driver")  # fmt: skip
    raise make_error(ErrorCode.INVALID_ARG, domain, f"cannot find architecture {arch}")
