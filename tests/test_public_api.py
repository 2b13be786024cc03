"""The public surface is exactly what is meant to be public, and importing it is cheap."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import pyvirt
import pyvirt.driver

PUBLIC = {
    # connections, handles, records
    "open", "Connection", "Domain", "Network", "StoragePool", "StorageVol",
    "DomainInfo", "DomainRecord", "DomainRef", "NetworkRecord", "NetworkRef", "NodeInfo",
    "NetworkPort", "NetworkPortRef",
    "DomainInterface", "DomainIPAddress", "DomainFSInfo", "NetworkDHCPLease",
    "SecurityLabel", "SecurityModel", "StoragePoolInfo", "StoragePoolRecord", "StoragePoolRef",
    "StorageVolInfo", "StorageVolRef", "ObjectEvent",
    # URIs and hooks
    "URI", "parse_uri", "hookimpl",
    # errors
    "ErrorCode", "ErrorDomain", "ErrorLevel", "make_error", "VirtError",
    "ArgumentUnsupportedError", "AuthFailedError", "ConfSyntaxError", "ConfigUnsupportedError",
    "ExistsError", "InternalError", "InvalidArgError", "NoConnectError", "NoDomainError",
    "NoInterfaceError", "NoNetworkError", "NoNodeDeviceError", "NoStoragePoolError",
    "NoDomainSnapshotError", "NoStorageVolError", "NoSupportError", "NotFoundError", "OperationDeniedError",
    "OperationFailedError", "OperationInvalidError", "OperationTimeoutError",
    "OperationUnsupportedError", "RPCError", "SystemCallError", "XMLError",
    # libvirt's enums
    "ConnectFlags", "DomainCrashedReason", "DomainCreateFlags", "DomainDefineFlags", "DomainDestroyFlags",
    "DomainEventCrashedDetail", "DomainEventDefinedDetail", "DomainEventID",
    "DomainEventPMSuspendedDetail", "DomainEventResumedDetail", "DomainEventShutdownDetail",
    "DomainEventStartedDetail", "DomainEventStoppedDetail", "DomainEventSuspendedDetail",
    "DomainEventType", "DomainEventUndefinedDetail", "DomainMemoryModFlags", "DomainMetadataType",
    "DomainModificationImpact", "DomainPausedReason", "DomainRunningReason",
    "DomainSaveRestoreFlags",
    "DomainSnapshot", "DomainSnapshotCreateFlags", "DomainSnapshotDeleteFlags",
    "DomainSnapshotListFlags", "DomainSnapshotRef", "DomainSnapshotRevertFlags",
    "DomainSnapshotXMLFlags",
    "DomainShutdownFlags", "DomainShutoffReason", "DomainState", "DomainUndefineFlags",
    "DomainVcpuFlags", "DomainXMLFlags", "ListDomainsFlags", "ListNetworksFlags",
    "ListStoragePoolsFlags", "NetworkEventType", "NetworkXMLFlags", "StoragePoolEventType",
    "StoragePoolState", "StorageVolType", "StorageXMLFlags",
    "Stream", "StreamFlags", "StreamRecvFlags", "StreamRecvStatus",
    "TypedParameter", "TypedParameterType", "typed_param", "typed_params_dict",
    "typed_param_from_string", "validate_typed_params",
    # secrets and network filters
    "Secret", "SecretRef", "NWFilter", "NWFilterRef", "NWFilterBinding", "NWFilterBindingRef",
    # host interfaces and node devices
    "Interface", "InterfaceDefineFlags", "InterfaceRecord", "InterfaceRef", "InterfaceXMLFlags",
    "ListInterfacesFlags", "ListNodeDeviceFlags", "NodeDevice", "NodeDeviceCreateXMLFlags",
    "NodeDeviceDefineXMLFlags", "NodeDeviceEventID", "NodeDeviceEventLifecycleType",
    "NodeDeviceRecord",
    # bulk domain statistics (stats helper, issue 10)
    "ConnectGetAllDomainStatsFlags", "DomainStatsRecord", "DomainStatsTypes",
    # checkpoints (stats helper, issue 10)
    "DomainCheckpoint", "DomainCheckpointRef", "DomainCheckpointCreateFlags",
    "DomainCheckpointDeleteFlags", "DomainCheckpointListFlags", "DomainCheckpointXMLFlags",
    # the guest agent's channel events (qcaps helper, issue 11)
    "ConnectDomainEventAgentLifecycleReason", "ConnectDomainEventAgentLifecycleState",
}  # fmt: skip

DRIVER_PUBLIC = {
    "AuthCallback", "ConnectDriver", "DriverConnection", "HypervisorDriver", "NetworkDriver",
    "StateDriver", "StateInitResult", "StorageDriver", "unsupported", "unsupported_flags",
    "call_hook", "invalid_arg", "SecretDriver", "NWFilterDriver", "BytesStream", "DriverStream",
    "FdStream", "FileStream", "InterfaceDriver", "NodeDeviceDriver",
    # the driver kit
    "DomainHookPhase", "DomainObjList", "ListedDomain", "ListedNetwork", "ListedObject",
    "ListedStoragePool", "ListedStorageVol", "NetworkObjList", "StoragePoolObjList",
    "StorageVolObjList", "LIST_DOMAINS_ALL_FLAGS", "LIST_NETWORKS_ALL_FLAGS",
    "LIST_STORAGE_POOLS_ALL_FLAGS", "domain_matches_filter", "network_matches_filter",
    "storage_pool_matches_filter", "run_domain_hooks", "model", "field",
    "PERF_EVENTS", "perf_states", "write_perf",
    # host CPU sets and <cputune> pins
    "parse_cpuset", "baseline_cpu_xml", "X86_CPU_MODELS", "cpu_model_names", "format_cpuset",
    "json_from_text",
    "json_to_text", "cpus_of", "cpumap_of", "vcpu_pin", "emulator_pin",
    "set_pin", "iothread_ids", "iothread_pins", "set_iothread_pin",
    "parse_conf",  # libvirt's configuration-file syntax (a driver's qemu.conf)
    "SNAPSHOT_CHILDREN_FLAGS", "SNAPSHOT_LIST_FLAGS", "SnapshotTree", "snapshot_is_external",
    "MomentTree", "domain_not_running",
    # <blkiotune> and its per-device lists (qcaps helper, issue 11)
    "BLKIO_DEVICE_FIELDS", "BLKIO_PARAM_TYPES", "BlkioDevice", "apply_blkio_params",
    "blkio_device_params", "blkio_tune", "merge_blkio_devices", "parse_blkio_devices",
    "set_blkio_tune",
    # <disk><iotune> (QEMU driver's blkdeviotune)
    "IOTUNE_FIELDS", "IOTUNE_MAX", "iotune_values", "write_iotune",
}  # fmt: skip


def test_all_is_exactly_the_intended_public_set() -> None:
    assert len(pyvirt.__all__) == len(set(pyvirt.__all__)), "duplicates in __all__"
    assert set(pyvirt.__all__) == PUBLIC


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(pyvirt, name) is not None
    assert name in dir(pyvirt)


def test_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from pyvirt import *", namespace)
    assert PUBLIC <= set(namespace)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Domian'"):
        pyvirt.Domian  # type: ignore[attr-defined]  # noqa: B018


def test_lazy_table_matches_the_type_checking_imports() -> None:
    """The names type checkers see (TYPE_CHECKING imports) are the ones loaded at run time."""
    tree = ast.parse(Path(pyvirt.__file__).read_text())
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    imported = {
        alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == pyvirt._EXPORTS
    assert set(imported) == set(pyvirt.__all__)


def test_public_names_come_from_private_modules_and_keep_identity() -> None:
    from pyvirt._connection import Connection, open
    from pyvirt._errors import NoDomainError

    assert pyvirt.Connection is Connection
    assert pyvirt.open is open
    assert pyvirt.NoDomainError is NoDomainError


def test_driver_module_all_is_exactly_the_contract() -> None:
    assert set(pyvirt.driver.__all__) == DRIVER_PUBLIC
    for name in pyvirt.driver.__all__:
        assert getattr(pyvirt.driver, name) is not None


def test_driver_kit_loads_on_first_use_and_matches_its_type_checking_imports() -> None:
    """``import pyvirt.driver`` (every driver does) must not load the kit; the kit's lazy
    table, its TYPE_CHECKING imports and ``__all__`` agree."""
    import importlib

    code = (
        "import sys, pyvirt.driver\n"
        "print(any(m.startswith('pyvirt._kit') for m in sys.modules))\n"
        "pyvirt.driver.DomainObjList\n"
        "print('pyvirt._kit_objects' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
    tree = ast.parse(Path(pyvirt.driver.__file__).read_text())
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    imported = {
        alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pyvirt._kit")
        for alias in node.names
    }
    assert imported == pyvirt.driver._KIT_EXPORTS
    assert set(imported) <= set(pyvirt.driver.__all__)
    for name, module in imported.items():
        assert getattr(pyvirt.driver, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError, match="no attribute 'DomainObjLsit'"):
        pyvirt.driver.DomainObjLsit  # type: ignore[attr-defined]  # noqa: B018


def test_version_is_the_distributions() -> None:
    from importlib.metadata import version

    assert pyvirt.__version__ == version("pyvirt")


def test_import_pyvirt_loads_no_submodule_and_no_dependency() -> None:
    """``import pyvirt`` starts every pyvirsh run, so it must not pay for what it may not use."""
    code = "import sys, pyvirt; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert {m for m in loaded if m.startswith("pyvirt")} == {"pyvirt"}
    assert not loaded & {"pluggy", "stevedore", "lxml", "importlib.metadata", "typing"}


def test_hookimpl_marks_without_importing_pluggy_until_applied() -> None:
    code = (
        "import sys, pyvirt; h = pyvirt.hookimpl; before = 'pluggy' in sys.modules\n"
        "@h(tryfirst=True)\ndef pyvirt_connection_open(uri, read_only): pass\n"
        "print(before, pyvirt_connection_open.pyvirt_impl['tryfirst'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_conf_lazy_table_matches_its_type_checking_imports_and_all() -> None:
    """``pyvirt.conf`` loads its names on first use as ``pyvirt`` does; the three lists agree
    and every name resolves to the object its module defines."""
    import importlib

    import pyvirt.conf

    tree = ast.parse(Path(pyvirt.conf.__file__).read_text())
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    imported = {
        alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == pyvirt.conf._EXPORTS
    assert set(imported) == set(pyvirt.conf.__all__)
    for name, module in imported.items():
        assert getattr(pyvirt.conf, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError, match="no attribute 'DomainDfe'"):
        pyvirt.conf.DomainDfe  # type: ignore[attr-defined]  # noqa: B018
