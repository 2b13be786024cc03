"""pyvirt: virtualization management in Python, with libvirt's architecture.

``pyvirt.open(uri)`` returns a :class:`Connection`; drivers are plugins found through the
``pyvirt.drivers`` entry-point group (see :mod:`pyvirt.driver`).  Errors are
:class:`VirtError` subclasses carrying libvirt's codes.

The names below are loaded on first use (PEP 562): ``import pyvirt`` is on the path of every
``pyvirsh`` run, so it must cost next to nothing; a name costs its module's import only when a
caller touches it.  Type checkers and IDEs see the same names through the ``TYPE_CHECKING``
imports, and ``tests/test_public_api.py`` keeps the three lists (imports, ``_EXPORTS``,
``__all__``) in step.
"""

from __future__ import annotations

# Not ``typing.TYPE_CHECKING``: importing typing alone would cost more than the rest of this
# module.  Type checkers treat any constant of this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._codes import ErrorCode, ErrorDomain, ErrorLevel
    from pyvirt._connection import Connection, open
    from pyvirt._core_enums import (
        ConnectFlags,
        DomainState,
        StoragePoolState,
        StorageVolType,
        TypedParameterType,
    )
    from pyvirt._enums import (
        DomainCrashedReason,
        DomainCreateFlags,
        DomainDefineFlags,
        DomainDestroyFlags,
        DomainEventCrashedDetail,
        DomainEventDefinedDetail,
        DomainEventID,
        DomainEventPMSuspendedDetail,
        DomainEventResumedDetail,
        DomainEventShutdownDetail,
        DomainEventStartedDetail,
        DomainEventStoppedDetail,
        DomainEventSuspendedDetail,
        DomainEventType,
        DomainEventUndefinedDetail,
        DomainMemoryModFlags,
        DomainMetadataType,
        DomainModificationImpact,
        DomainPausedReason,
        DomainRunningReason,
        DomainSaveRestoreFlags,
        DomainShutdownFlags,
        DomainShutoffReason,
        DomainSnapshotCreateFlags,
        DomainSnapshotDeleteFlags,
        DomainSnapshotListFlags,
        DomainSnapshotRevertFlags,
        DomainSnapshotXMLFlags,
        DomainUndefineFlags,
        DomainVcpuFlags,
        DomainXMLFlags,
        ListDomainsFlags,
        ListNetworksFlags,
        ListStoragePoolsFlags,
        NetworkEventType,
        NetworkXMLFlags,
        StoragePoolEventType,
        StorageXMLFlags,
    )
    from pyvirt._errors import (
        ArgumentUnsupportedError,
        AuthFailedError,
        ConfigUnsupportedError,
        ConfSyntaxError,
        ExistsError,
        InternalError,
        InvalidArgError,
        NoConnectError,
        NoDomainError,
        NoDomainSnapshotError,
        NoInterfaceError,
        NoNetworkError,
        NoNodeDeviceError,
        NoStoragePoolError,
        NoStorageVolError,
        NoSupportError,
        NotFoundError,
        OperationDeniedError,
        OperationFailedError,
        OperationInvalidError,
        OperationTimeoutError,
        OperationUnsupportedError,
        RPCError,
        SystemCallError,
        VirtError,
        XMLError,
        make_error,
    )
    from pyvirt._hooks import hookimpl
    from pyvirt._objects import Domain, DomainSnapshot, Network, StoragePool, StorageVol
    from pyvirt._records import (
        DomainInfo,
        DomainRecord,
        DomainRef,
        DomainSnapshotRef,
        NetworkRecord,
        NetworkRef,
        NodeInfo,
        ObjectEvent,
        SecurityLabel,
        SecurityModel,
        StoragePoolInfo,
        StoragePoolRecord,
        StoragePoolRef,
        StorageVolInfo,
        StorageVolRef,
        TypedParameter,
    )
    from pyvirt._typed_params import (
        typed_param,
        typed_param_from_string,
        typed_params_dict,
        validate_typed_params,
    )
    from pyvirt._uri import URI, parse_uri

if TYPE_CHECKING:
    #: The installed distribution's version; the one source is the workspace's VERSION file,
    #: which the build writes into the distribution's metadata.  Read on first use (see
    #: ``__getattr__``): ``importlib.metadata`` costs milliseconds that ``pyvirsh`` need not pay.
    __version__: str

#: Where each public name lives: module -> names.
_EXPORTS_BY_MODULE: dict[str, tuple[str, ...]] = {
    "pyvirt._codes": ("ErrorCode", "ErrorDomain", "ErrorLevel"),
    "pyvirt._connection": ("Connection", "open"),
    # Apart from pyvirt._enums: a connection needs these four, not the forty others.
    "pyvirt._core_enums": (
        "ConnectFlags",
        "DomainState",
        "StoragePoolState",
        "StorageVolType",
        "TypedParameterType",
    ),
    "pyvirt._enums": (
        "DomainCrashedReason",
        "DomainCreateFlags",
        "DomainDefineFlags",
        "DomainSaveRestoreFlags",
        "DomainSnapshotCreateFlags",
        "DomainSnapshotDeleteFlags",
        "DomainSnapshotListFlags",
        "DomainSnapshotRevertFlags",
        "DomainSnapshotXMLFlags",
        "DomainDestroyFlags",
        "DomainEventCrashedDetail",
        "DomainEventDefinedDetail",
        "DomainEventID",
        "DomainEventPMSuspendedDetail",
        "DomainEventResumedDetail",
        "DomainEventShutdownDetail",
        "DomainEventStartedDetail",
        "DomainEventStoppedDetail",
        "DomainEventSuspendedDetail",
        "DomainEventType",
        "DomainEventUndefinedDetail",
        "DomainMemoryModFlags",
        "DomainMetadataType",
        "DomainModificationImpact",
        "DomainPausedReason",
        "DomainRunningReason",
        "DomainShutdownFlags",
        "DomainShutoffReason",
        "DomainUndefineFlags",
        "DomainVcpuFlags",
        "DomainXMLFlags",
        "ListDomainsFlags",
        "ListNetworksFlags",
        "ListStoragePoolsFlags",
        "NetworkEventType",
        "NetworkXMLFlags",
        "StoragePoolEventType",
        "StorageXMLFlags",
    ),
    "pyvirt._errors": (
        "ArgumentUnsupportedError",
        "AuthFailedError",
        "ConfigUnsupportedError",
        "ConfSyntaxError",
        "ExistsError",
        "InternalError",
        "InvalidArgError",
        "NoConnectError",
        "NoDomainError",
        "NoInterfaceError",
        "NoNetworkError",
        "NoNodeDeviceError",
        "NoStoragePoolError",
        "NoDomainSnapshotError",
        "NoStorageVolError",
        "NoSupportError",
        "NotFoundError",
        "OperationDeniedError",
        "OperationFailedError",
        "OperationInvalidError",
        "OperationTimeoutError",
        "OperationUnsupportedError",
        "RPCError",
        "SystemCallError",
        "VirtError",
        "XMLError",
        "make_error",
    ),
    "pyvirt._hooks": ("hookimpl",),
    "pyvirt._objects": ("Domain", "DomainSnapshot", "Network", "StoragePool", "StorageVol"),
    "pyvirt._records": (
        "DomainInfo",
        "DomainRecord",
        "DomainRef",
        "DomainSnapshotRef",
        "NetworkRecord",
        "NetworkRef",
        "NodeInfo",
        "ObjectEvent",
        "SecurityLabel",
        "SecurityModel",
        "StoragePoolInfo",
        "StoragePoolRecord",
        "StoragePoolRef",
        "StorageVolInfo",
        "StorageVolRef",
        "TypedParameter",
    ),
    "pyvirt._typed_params": (
        "typed_param",
        "typed_param_from_string",
        "typed_params_dict",
        "validate_typed_params",
    ),
    "pyvirt._uri": ("URI", "parse_uri"),
}
_EXPORTS: dict[str, str] = {
    name: module for module, names in _EXPORTS_BY_MODULE.items() for name in names
}

__all__ = [
    "URI",
    "ArgumentUnsupportedError",
    "AuthFailedError",
    "ConfSyntaxError",
    "ConfigUnsupportedError",
    "ConnectFlags",
    "Connection",
    "Domain",
    "DomainSnapshot",
    "DomainSnapshotRef",
    "DomainCrashedReason",
    "DomainCreateFlags",
    "DomainDefineFlags",
    "DomainSaveRestoreFlags",
    "DomainSnapshotCreateFlags",
    "DomainSnapshotDeleteFlags",
    "DomainSnapshotListFlags",
    "DomainSnapshotRevertFlags",
    "DomainSnapshotXMLFlags",
    "DomainDestroyFlags",
    "DomainEventCrashedDetail",
    "DomainEventDefinedDetail",
    "DomainEventID",
    "DomainEventPMSuspendedDetail",
    "DomainEventResumedDetail",
    "DomainEventShutdownDetail",
    "DomainEventStartedDetail",
    "DomainEventStoppedDetail",
    "DomainEventSuspendedDetail",
    "DomainEventType",
    "DomainEventUndefinedDetail",
    "DomainInfo",
    "DomainMemoryModFlags",
    "DomainMetadataType",
    "DomainModificationImpact",
    "DomainPausedReason",
    "DomainRecord",
    "DomainRef",
    "DomainRunningReason",
    "DomainShutdownFlags",
    "DomainShutoffReason",
    "DomainState",
    "DomainUndefineFlags",
    "DomainVcpuFlags",
    "DomainXMLFlags",
    "ErrorCode",
    "ErrorDomain",
    "ErrorLevel",
    "ExistsError",
    "InternalError",
    "InvalidArgError",
    "ListDomainsFlags",
    "ListNetworksFlags",
    "ListStoragePoolsFlags",
    "Network",
    "NetworkEventType",
    "NetworkRecord",
    "NetworkRef",
    "NetworkXMLFlags",
    "NoConnectError",
    "NoDomainError",
    "NoInterfaceError",
    "NoNetworkError",
    "NoNodeDeviceError",
    "NoStoragePoolError",
    "NoDomainSnapshotError",
    "NoStorageVolError",
    "NoSupportError",
    "NodeInfo",
    "NotFoundError",
    "ObjectEvent",
    "OperationDeniedError",
    "OperationFailedError",
    "OperationInvalidError",
    "OperationTimeoutError",
    "OperationUnsupportedError",
    "RPCError",
    "SecurityLabel",
    "SecurityModel",
    "StoragePool",
    "StoragePoolEventType",
    "StoragePoolInfo",
    "StoragePoolRecord",
    "StoragePoolRef",
    "StoragePoolState",
    "StorageVol",
    "StorageVolInfo",
    "StorageVolRef",
    "StorageVolType",
    "StorageXMLFlags",
    "SystemCallError",
    "TypedParameter",
    "TypedParameterType",
    "VirtError",
    "XMLError",
    "hookimpl",
    "make_error",
    "open",
    "parse_uri",
    "typed_param",
    "typed_param_from_string",
    "typed_params_dict",
    "validate_typed_params",
]


def __getattr__(name: str) -> object:
    """Import the module that defines public *name* and cache the value in this namespace."""
    if name == "__version__":
        from importlib.metadata import version

        globals()[name] = value = version("pyvirt")
        return value
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pyvirt' has no attribute {name!r}")
    module = __import__(module_name, fromlist=[name])
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
