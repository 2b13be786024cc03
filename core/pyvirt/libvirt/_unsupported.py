"""Stubs for the libvirt-python methods pyvirt does not implement yet.

A program calling one gets what libvirt gives for a driver without the function: a
``libvirtError`` with VIR_ERR_NO_SUPPORT naming the C API.  The stubs are made from one
table of signatures, so a wrong number of arguments is still Python's ``TypeError`` with
libvirt-python's wording (``virDomain.blockPeek() missing 1 required positional ...``).
"""

from __future__ import annotations

from typing import Any

from pyvirt._codes import ErrorDomain
from pyvirt.libvirt._errors import api, no_support

#: class -> "method(params)[=C API]"; the default C API is vir<Kind><Method>.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "virConnect": (
        "restoreParams(params, flags=0)=virDomainRestoreParams",
        "storagePoolLookupByTargetPath(path)=virStoragePoolLookupByTargetPath",
    ),
    "virDomain": (
        "blockCopy(disk, destxml, params=None, flags=0)",
        "blockPeek(disk, offset, size, flags=0)",
        "blockStats(path)",
        "blockStatsFlags(path, flags=0)",
        "diskErrors(flags=0)=virDomainGetDiskErrors",
        "emulatorPinInfo(flags=0)=virDomainGetEmulatorPinInfo",
        "interfaceStats(path)",
        "metadata(type, uri, flags=0)=virDomainGetMetadata",
        "openChannel(name, st, flags=0)",
        "openConsole(dev_name, st, flags=0)",
        "openGraphics(idx, fd, flags=0)",
        "openGraphicsFD(idx, flags=0)",
        "pinEmulator(cpumap, flags=0)",
        "pinVcpu(vcpu, cpumap)",
        "pinVcpuFlags(vcpu, cpumap, flags=0)",
        "rename(new_name, flags=0)",
        "saveParams(params, flags=0)",
        "setMetadata(type, metadata, key, uri, flags=0)",
        "vcpuPinInfo(flags=0)=virDomainGetVcpuPinInfo",
        "vcpus()=virDomainGetVcpus",
    ),
    "virNetwork": (),
    "virNetworkPort": (
        "parameters(flags=0)=virNetworkPortGetParameters",
        "setParameters(params, flags=0)",
    ),
    "virStoragePool": (),
    "virStorageVol": ("infoFlags(flags=0)=virStorageVolGetInfoFlags",),
}

_KIND_PREFIX: dict[str, str] = {
    "virConnect": "virConnect",
    "virDomain": "virDomain",
    "virNetwork": "virNetwork",
    "virNetworkPort": "virNetworkPort",
    "virStoragePool": "virStoragePool",
    "virStorageVol": "virStorageVol",
}
#: libvirt reports "not supported" from the public API file of the function, so the error
#: domain follows the object family the C name belongs to (checked in order).
_ERROR_DOMAINS: tuple[tuple[str, int], ...] = (
    ("NWFilter", ErrorDomain.NWFILTER),
    ("Secret", ErrorDomain.SECRET),
    ("NodeDevice", ErrorDomain.NODEDEV),
    ("ListAllDevices", ErrorDomain.NODEDEV),
    ("Stream", ErrorDomain.STREAMS),
    ("virInterface", ErrorDomain.INTERFACE),
    ("Interfaces", ErrorDomain.INTERFACE),
    ("virNetwork", ErrorDomain.NETWORK),
    ("virStorage", ErrorDomain.STORAGE),
)


def _error_domain(c_api: str) -> int:
    for marker, domain in _ERROR_DOMAINS:
        if marker in c_api:
            return int(domain)
    return int(ErrorDomain.DOMAIN)


def _c_name(class_name: str, method: str) -> str:
    return _KIND_PREFIX[class_name] + method[0].upper() + method[1:]


def _make_stub(class_name: str, signature: str) -> tuple[str, Any]:
    """Compile ``def method(self, <params>)`` inside a class of the same name, so Python's
    arity errors carry libvirt-python's qualified name."""
    text, _, c_api = signature.rpartition(")=") if ")=" in signature else (signature, "", "")
    method, params = text.split("(", 1)
    params = params.rstrip(")")
    c_api = c_api or _c_name(class_name, method)
    domain = _error_domain(c_api)
    source = (
        f"class {class_name}:\n"
        f"    def {method}(self{', ' if params else ''}{params}):\n"
        f"        raise _no_support({c_api!r}, {int(domain)})\n"
    )
    namespace: dict[str, Any] = {"_no_support": no_support}
    exec(compile(source, f"<pyvirt.libvirt stub {class_name}.{method}>", "exec"), namespace)
    function = vars(namespace[class_name])[method]
    function.__doc__ = f"Not supported by pyvirt yet: raises VIR_ERR_NO_SUPPORT ({c_api})."
    return method, api(function)


def add_unsupported(cls: type) -> None:
    """Give *cls* a stub for every libvirt-python method it does not define itself."""
    for signature in SIGNATURES[cls.__name__]:
        method, stub = _make_stub(cls.__name__, signature)
        if not any(method in vars(klass) for klass in cls.__mro__[:-1]):  # inherited counts
            setattr(cls, method, stub)
