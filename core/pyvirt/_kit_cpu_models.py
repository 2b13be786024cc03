"""The x86 CPU models libvirt 9.0's CPU driver knows (i686 and x86_64), in the order of its
CPU map index: what virConnectGetCPUModelNames lists, and the order a CPU baseline tries
models in (newest last).  Kept apart from the baseline's model data
(:mod:`pyvirt._cpu_x86_data`, generated from QEMU in this order) so listing names loads no
feature data.
"""

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
