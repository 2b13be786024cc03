"""libvirt-python's API on pyvirt: ``import pyvirt.libvirt as libvirt`` and run unchanged.

Everything a libvirt-python program touches is here under libvirt-python's names: the module
functions (``open``, ``openReadOnly``, ``openAuth``, ``getVersion``, ``registerErrorHandler``,
``virGetLastError``, the ``virEvent*`` default event loop), the classes ``virConnect``,
``virDomain``, ``virDomainSnapshot``, ``virNetwork``, ``virStoragePool``, ``virStorageVol``,
``virInterface``, ``virNodeDevice`` and ``libvirtError``,
and every ``VIR_*`` constant of libvirt 9.0: the numbers produced from pyvirt's enums, the
strings (typed-parameter field names) from :mod:`pyvirt.libvirt._field_names`.

The layer is thin on purpose: argument conversion as libvirt-python's C glue does it, return
shapes as libvirt-python returns them, and one translation of pyvirt's errors
(:func:`pyvirt.libvirt._errors.api`).  Behaviour is pyvirt's, which mirrors libvirt's.
"""

from __future__ import annotations

from pyvirt.libvirt import _eventloop
from pyvirt.libvirt._checkpoint import virDomainCheckpoint
from pyvirt.libvirt._connect import (
    getVersion,
    open,
    openAuth,
    openReadOnly,
    virConnect,
    virInitialize,
)
from pyvirt.libvirt._constants import CONSTANTS as _CONSTANTS
from pyvirt.libvirt._domain import virDomain
from pyvirt.libvirt._errors import (
    libvirtError,
    registerErrorHandler,
    virGetLastError,
    virGetLastErrorCode,
    virGetLastErrorDomain,
    virGetLastErrorMessage,
    virResetLastError,
)
from pyvirt.libvirt._eventimpl import virEventInvokeFreeCallback, virEventRegisterImpl
from pyvirt.libvirt._eventloop import (
    virEventAddHandle,
    virEventAddTimeout,
    virEventRegisterDefaultImpl,
    virEventRemoveHandle,
    virEventRemoveTimeout,
    virEventRunDefaultImpl,
    virEventUpdateHandle,
    virEventUpdateTimeout,
)
from pyvirt.libvirt._field_names import FIELD_NAMES as _FIELD_NAMES
from pyvirt.libvirt._interface import virInterface
from pyvirt.libvirt._network import virNetwork
from pyvirt.libvirt._network_port import virNetworkPort
from pyvirt.libvirt._nodedev import virNodeDevice
from pyvirt.libvirt._nwfilter import virNWFilter, virNWFilterBinding
from pyvirt.libvirt._secret import virSecret
from pyvirt.libvirt._snapshot import virDomainSnapshot
from pyvirt.libvirt._storage import virStoragePool, virStorageVol
from pyvirt.libvirt._stream import virStream

#: libvirt-python's aliases for event callbacks, private there but read at import time by
#: libvirtaio (its asyncio event loop for libvirt), which then runs on this module too.
_EventCB = _eventloop.HandleCallback
_TimerCB = _eventloop.TimeoutCallback

globals().update(_CONSTANTS)
globals().update(_FIELD_NAMES)

__all__ = [
    "getVersion",
    "libvirtError",
    "open",
    "openAuth",
    "openReadOnly",
    "registerErrorHandler",
    "virConnect",
    "virDomain",
    "virDomainSnapshot",
    "virDomainCheckpoint",
    "virEventAddHandle",
    "virEventAddTimeout",
    "virEventInvokeFreeCallback",
    "virEventRegisterImpl",
    "virEventRegisterDefaultImpl",
    "virEventRemoveHandle",
    "virEventRemoveTimeout",
    "virEventRunDefaultImpl",
    "virEventUpdateHandle",
    "virEventUpdateTimeout",
    "virGetLastError",
    "virGetLastErrorCode",
    "virGetLastErrorDomain",
    "virGetLastErrorMessage",
    "virInitialize",
    "virInterface",
    "virNetwork",
    "virNetworkPort",
    "virNWFilter",
    "virNWFilterBinding",
    "virSecret",
    "virNodeDevice",
    "virResetLastError",
    "virStoragePool",
    "virStorageVol",
    "virStream",
    *sorted(_CONSTANTS),
    *sorted(_FIELD_NAMES),
]


def __getattr__(name: str) -> int:
    """Only reached for names that do not exist.  Declaring it tells type checkers that
    attributes not spelled out above (the ~960 ``VIR_*`` constants added from the table) are
    ints, so ``libvirt.VIR_DOMAIN_RUNNING`` type-checks in programs using this module (the
    few string constants, field names, type as ints too: declaring each was not worth it)."""
    raise AttributeError(f"module 'pyvirt.libvirt' has no attribute {name!r}")
