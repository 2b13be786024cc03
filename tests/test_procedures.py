"""The procedure table is the single source for driver methods, API names and the read-only rule.

These tests need no driver plugin: they drive :class:`pyvirt._connection.Connection` directly
with an in-test :class:`pyvirt.driver.DriverConnection` that records what reaches it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
import pyvirt
from pyvirt import DomainState, ErrorCode, TypedParameterType, typed_param
from pyvirt._connection import Connection
from pyvirt._objects import Domain, DomainSnapshot, Network, StoragePool, StorageVol
from pyvirt._objects_host import Interface, NodeDevice
from pyvirt._objects_ports import NetworkPort
from pyvirt._objects_secrets import NWFilter, NWFilterBinding, Secret
from pyvirt._procedures import BY_METHOD, PROCEDURES
from pyvirt._records import (
    DomainRecord,
    DomainRef,
    DomainSnapshotRef,
    InterfaceRecord,
    InterfaceRef,
    NetworkPortRef,
    NetworkRecord,
    NetworkRef,
    NodeDeviceRecord,
    NWFilterBindingRef,
    NWFilterRef,
    SecretRef,
    StoragePoolRecord,
    StoragePoolRef,
    StorageVolRef,
)
from pyvirt.driver import ConnectDriver, DriverConnection

#: Procedures with no DriverConnection method, and why.
NOT_ON_DRIVER_CONNECTION = {"connect_open": "opening is ConnectDriver.open, a class method"}
#: DriverConnection methods with no procedure, and why.
NOT_IN_TABLE = {
    "connect_is_alive": "answered by the client side, never sent to the daemon",
    "connect_set_keepalive": "a setting of the client side, never sent to the daemon",
}
#: The libvirt API named by NO_SUPPORT for the methods outside the table.
LOCAL_APIS = {
    "connect_set_keepalive": "virConnectSetKeepAlive",
}


def driver_methods() -> set[str]:
    return {
        name
        for name, _ in inspect.getmembers(DriverConnection, inspect.isfunction)
        if not name.startswith("_")
    }


def test_every_procedure_is_a_driver_method() -> None:
    missing = {p.method for p in PROCEDURES} - driver_methods() - set(NOT_ON_DRIVER_CONNECTION)
    assert not missing


def test_every_driver_method_is_a_procedure() -> None:
    assert not driver_methods() - set(BY_METHOD) - set(NOT_IN_TABLE)


def test_procedure_numbers_methods_and_apis_are_unique() -> None:
    """Numbers are unique within a program (libvirt-qemu's and libvirt-lxc's count from 1
    again): the key, which adds the program's offset, is unique across them all."""
    for attribute in ("key", "method", "api"):
        values = [getattr(p, attribute) for p in PROCEDURES]
        assert len(values) == len(set(values)), attribute


def test_every_procedure_names_a_libvirt_api() -> None:
    assert all(p.api.startswith("vir") and p.number > 0 for p in PROCEDURES)


def test_teardown_procedures_run_on_priority_workers() -> None:
    """Priority workers exist so teardown runs when normal workers are stuck (libvirt marks
    its destroy and undefine procedures ``@priority: high``)."""
    teardown = [p for p in PROCEDURES if p.method.endswith(("_destroy", "_undefine"))]
    assert teardown and all(p.priority for p in teardown)


def test_calls_that_start_or_stop_guests_stay_off_priority_workers() -> None:
    """Starting, shutting down, suspending and the like may wait on a hypervisor's monitor:
    libvirt keeps them at normal priority so they cannot starve teardown."""
    slow = [
        p for p in PROCEDURES if p.method.endswith(("_create", "_shutdown", "_suspend", "_reboot"))
    ]
    assert slow and not any(p.priority for p in slow)


# connect_supports_feature's default answers "no" (libvirt's virConnectSupportsFeature gives 0
# for a driver without the call), as connect_close and connect_is_alive have defaults too
DEFAULTS = sorted(
    driver_methods() - {"connect_close", "connect_is_alive", "connect_supports_feature"}
)


@pytest.mark.parametrize("method", DEFAULTS)
def test_unimplemented_driver_method_is_no_support_naming_the_api(method: str) -> None:
    bound = getattr(DriverConnection(), method)
    arguments = [None] * len(inspect.signature(bound).parameters)
    with pytest.raises(pyvirt.NoSupportError) as info:
        bound(*arguments)
    assert info.value.code == ErrorCode.NO_SUPPORT
    assert str(info.value) == (
        "this function is not supported by the connection driver: "
        + (BY_METHOD[method].api if method in BY_METHOD else LOCAL_APIS[method])
    )


class RecordingConnection(DriverConnection):
    """Answers every driver call with a plausible value and remembers the method names."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        if name in BY_METHOD:
            calls: list[str] = object.__getattribute__(self, "calls")
            return lambda *args: calls.append(name) or _answer(name)
        return object.__getattribute__(self, name)


def _answer(method: str) -> Any:
    uuid = "00000000-0000-0000-0000-000000000001"
    if method.startswith("connect_list_all_"):
        return []
    if method.startswith("domain_snapshot_create"):
        return DomainSnapshotRef(DomainRef("d", uuid, 1), "s")
    if method == "domain_checkpoint_create_xml":
        return pyvirt.DomainCheckpointRef(DomainRef("d", uuid, 1), "c")
    if method in ("domain_get_guest_info", "domain_get_launch_security_info"):
        return []  # typed parameters
    if method == "domain_migrate_get_max_speed":
        return 0
    if method == "domain_screenshot":
        return b"\x89PNG"
    if method == "domain_open_console":
        return 0  # a file descriptor
    if method in ("storage_vol_upload", "storage_vol_download"):
        from pyvirt.driver import DriverStream

        return DriverStream()  # the driver's end of the stream
    if method in ("node_alloc_pages", "connect_compare_hypervisor_cpu"):
        return 1  # cells changed; VIR_CPU_COMPARE_IDENTICAL
    if method == "node_get_sev_info":
        return []  # typed parameters
    if method.startswith("domain_"):
        return DomainRecord("d", uuid, 1, DomainState.RUNNING, 1, True, False)
    if method.startswith("network_"):
        return NetworkRecord("n", uuid, True, True, False)
    if method.startswith("storage_pool_"):
        return StoragePoolRecord("p", uuid, True, True, False)
    if method == "storage_vol_create_xml":
        return StorageVolRef("p", "v", "/p/v")
    if method == "secret_get_value":
        return b"\0\1"
    if method.startswith("secret_"):
        return SecretRef(uuid, 1, "/v")
    if method.startswith("nwfilter_binding_"):
        return NWFilterBindingRef("vnet0", "f")
    if method.startswith("nwfilter_"):
        return NWFilterRef("f", uuid)
    if method.startswith("interface_"):
        return InterfaceRecord("i", "aa:bb:cc:dd:ee:ff", True)
    if method.startswith("node_device_"):
        return NodeDeviceRecord("nd", "")
    return None


class RecordingDriver(ConnectDriver):
    name = "Recording"

    @classmethod
    def open(cls, uri: Any, *, read_only: bool, auth: Any) -> DriverConnection | None:
        return RecordingConnection()


DOMAIN_XML = "<domain type='test'><name>d</name></domain>"
Handles = tuple[Connection, Domain, Network, StoragePool, StorageVol]

#: Every public call that changes something, with the driver method it reaches.
MODIFYING_CALLS: dict[str, Callable[[Handles], object]] = {
    "domain_define_xml": lambda h: h[0].define_domain(DOMAIN_XML),
    "domain_create_xml": lambda h: h[0].create_domain(DOMAIN_XML),
    "network_define_xml": lambda h: h[0].define_network("<network/>"),
    "network_create_xml": lambda h: h[0].create_network("<network/>"),
    "storage_pool_define_xml": lambda h: h[0].define_storage_pool("<pool/>"),
    "storage_pool_create_xml": lambda h: h[0].create_storage_pool("<pool/>"),
    "domain_create": lambda h: h[1].start(),
    "domain_shutdown": lambda h: h[1].shutdown(),
    "domain_reboot": lambda h: h[1].reboot(),
    "domain_reset": lambda h: h[1].reset(),
    "domain_destroy": lambda h: h[1].destroy(),
    "domain_suspend": lambda h: h[1].suspend(),
    "domain_resume": lambda h: h[1].resume(),
    "domain_undefine": lambda h: h[1].undefine(),
    "domain_set_autostart": lambda h: h[1].set_autostart(True),
    "domain_set_memory_flags": lambda h: h[1].set_memory(1024),
    "domain_set_vcpus_flags": lambda h: h[1].set_vcpus(2),
    "domain_set_metadata": lambda h: h[1].set_metadata(0, "x"),
    "domain_rename": lambda h: h[1].rename("x"),
    "domain_fd_associate": lambda h: h[1].fd_associate("x", [0]),
    "domain_pin_vcpu_flags": lambda h: h[1].pin_vcpu(0, b"\x01"),
    "domain_pin_emulator": lambda h: h[1].pin_emulator(b"\x01"),
    "domain_screenshot": lambda h: h[1].screenshot(),
    "domain_open_console": lambda h: h[1].open_console(),
    "storage_vol_upload": lambda h: h[4].upload(h[0].new_stream()),
    "storage_vol_download": lambda h: h[4].download(h[0].new_stream()),
    "domain_managed_save": lambda h: h[1].managed_save(),
    # devices, save/restore, core dumps and block jobs
    "domain_attach_device": lambda h: h[1].attach_device("<disk/>"),
    "domain_attach_device_flags": lambda h: h[1].attach_device("<disk/>", 0),
    "domain_detach_device": lambda h: h[1].detach_device("<disk/>"),
    "domain_detach_device_flags": lambda h: h[1].detach_device("<disk/>", 0),
    "domain_update_device_flags": lambda h: h[1].update_device("<disk/>"),
    "domain_detach_device_alias": lambda h: h[1].detach_device_alias("ua-x"),
    "domain_save_flags": lambda h: h[1].save("/x.sav"),
    "domain_restore_flags": lambda h: h[0].restore("/x.sav"),
    "domain_save_image_get_xml_desc": lambda h: h[0].save_image_xml("/x.sav"),
    "domain_save_image_define_xml": lambda h: h[0].define_save_image_xml("/x.sav", "<d/>"),
    "domain_managed_save_define_xml": lambda h: h[1].define_managed_save_xml(None),
    "domain_core_dump_with_format": lambda h: h[1].core_dump("/core"),
    "domain_block_commit": lambda h: h[1].block_commit("vda"),
    "domain_block_rebase": lambda h: h[1].block_rebase("vda"),
    "domain_block_pull": lambda h: h[1].block_pull("vda"),
    "domain_block_resize": lambda h: h[1].block_resize("vda", 1),
    "domain_block_job_abort": lambda h: h[1].block_job_abort("vda"),
    "domain_block_job_set_speed": lambda h: h[1].block_job_set_speed("vda", 1),
    "domain_set_block_threshold": lambda h: h[1].set_block_threshold("vda", 1),
    "connect_domain_xml_from_native": lambda h: h[0].domain_xml_from_native("qemu-argv", "x"),
    "connect_domain_xml_to_native": lambda h: h[0].domain_xml_to_native("qemu-argv", "<d/>"),
    "domain_managed_save_remove": lambda h: h[1].managed_save_remove(),
    "node_suspend_for_duration": lambda h: h[0].suspend_for_duration(0, 60),
    "domain_get_hostname": lambda h: h[1].hostname(),  # read-only refused, though @acl: read
    "domain_get_time": lambda h: h[0]._calls.domain_get_time(h[1]._ref, 0),
    "domain_set_time": lambda h: h[1].set_time(5),
    # guest memory (helper "binding")
    "domain_memory_peek": lambda h: h[1].memory_peek(0, 8, 1),
    "domain_set_memory_stats_period": lambda h: h[1].set_memory_stats_period(5),
    "domain_set_scheduler_parameters": lambda h: h[1].set_scheduler_parameters(
        [typed_param("weight", TypedParameterType.UINT, 5)]
    ),
    # domain tunables (helper "tune")
    "domain_set_memory_parameters": lambda h: h[1].set_memory_parameters(
        [typed_param("hard_limit", TypedParameterType.ULLONG, 5)]
    ),
    "domain_set_blkio_parameters": lambda h: h[1].set_blkio_parameters(
        [typed_param("weight", TypedParameterType.UINT, 500)]
    ),
    "domain_set_numa_parameters": lambda h: h[1].set_numa_parameters(
        [typed_param("numa_nodeset", TypedParameterType.STRING, "0")]
    ),
    "domain_set_interface_parameters": lambda h: h[1].set_interface_parameters(
        "vnet0", [typed_param("inbound.average", TypedParameterType.UINT, 5)]
    ),
    "domain_set_block_io_tune": lambda h: h[1].set_block_io_tune(
        "vda", [typed_param("total_bytes_sec", TypedParameterType.ULLONG, 5)]
    ),
    "domain_set_perf_events": lambda h: h[1].set_perf_events(
        [typed_param("cmt", TypedParameterType.BOOLEAN, True)]
    ),
    "domain_get_guest_vcpus": lambda h: h[1].guest_vcpu_list(),  # @acl: write (the agent)
    "domain_set_guest_vcpus": lambda h: h[1].set_guest_vcpus("1", 1),
    "domain_set_vcpu": lambda h: h[1].set_vcpu("1", 1),
    # guest calls (helper "guest")
    "domain_inject_nmi": lambda h: h[1].inject_nmi(),
    "domain_send_key": lambda h: h[1].send_key(0, 0, [30]),
    "domain_pm_suspend_for_duration": lambda h: h[1].pm_suspend_for_duration(0),
    "domain_pm_wakeup": lambda h: h[1].pm_wakeup(),
    "domain_fstrim": lambda h: h[1].fs_trim(),
    "domain_send_process_signal": lambda h: h[1].send_process_signal(1, 0),
    "domain_fsfreeze": lambda h: h[1].fs_freeze(),
    "domain_fsthaw": lambda h: h[1].fs_thaw(),
    "domain_get_fsinfo": lambda h: h[1].fs_info(),
    "domain_set_user_password": lambda h: h[1].set_user_password("root", "pw"),
    "domain_set_lifecycle_action": lambda h: h[1].set_lifecycle_action(0, 1),
    "domain_get_guest_info": lambda h: h[1].guest_info(),
    # IOThreads, jobs, migration tunables, launch security, dirty rate (helper "domjobs")
    "domain_add_iothread": lambda h: h[1].add_iothread(1),
    "domain_del_iothread": lambda h: h[1].del_iothread(1),
    "domain_pin_iothread": lambda h: h[1].pin_iothread(1, b"\x01"),
    "domain_set_iothread_params": lambda h: h[1].set_iothread_params(
        1, [pyvirt.typed_param("poll_grow", pyvirt.TypedParameterType.UINT, 2)]
    ),
    "domain_abort_job": lambda h: h[1].abort_job(),
    "domain_abort_job_flags": lambda h: h[1].abort_job(0),
    "domain_migrate_set_max_downtime": lambda h: h[1].migrate_set_max_downtime(1),
    "domain_migrate_set_compression_cache": lambda h: h[1].migrate_set_compression_cache(1),
    "domain_migrate_set_max_speed": lambda h: h[1].migrate_set_max_speed(1),
    "domain_migrate_get_max_speed": lambda h: h[1].migrate_get_max_speed(),
    "domain_migrate_start_post_copy": lambda h: h[1].migrate_start_post_copy(),
    "domain_get_launch_security_info": lambda h: h[1].launch_security_info_list(),
    "domain_set_launch_security_state": lambda h: h[1].set_launch_security_state(
        [pyvirt.typed_param("sev-secret", pyvirt.TypedParameterType.STRING, "c2VjcmV0")]
    ),
    "domain_start_dirty_rate_calc": lambda h: h[1].start_dirty_rate_calc(1),
    "domain_agent_set_response_timeout": lambda h: h[1].agent_set_response_timeout(5),
    "domain_authorized_ssh_keys_get": lambda h: h[1].authorized_ssh_keys("root"),
    "domain_authorized_ssh_keys_set": lambda h: h[1].set_authorized_ssh_keys("root", ["k"]),
    "domain_snapshot_create_xml": lambda h: h[1].snapshot_create_xml("<domainsnapshot/>"),
    "domain_revert_to_snapshot": lambda h: _snapshot(h).revert(),
    "domain_snapshot_delete": lambda h: _snapshot(h).delete(),
    "network_create": lambda h: h[2].start(),
    "network_destroy": lambda h: h[2].destroy(),
    "network_undefine": lambda h: h[2].undefine(),
    "network_set_autostart": lambda h: h[2].set_autostart(True),
    "storage_pool_create": lambda h: h[3].start(),
    "storage_pool_build": lambda h: h[3].build(),
    "storage_pool_destroy": lambda h: h[3].destroy(),
    "storage_pool_delete": lambda h: h[3].delete(),
    "storage_pool_undefine": lambda h: h[3].undefine(),
    "storage_pool_refresh": lambda h: h[3].refresh(),
    "storage_pool_set_autostart": lambda h: h[3].set_autostart(True),
    "storage_vol_create_xml": lambda h: h[3].create_volume("<volume/>"),
    "storage_vol_delete": lambda h: h[4].delete(),
    # secrets and network filters: values are read_secure, which read-only never holds
    "secret_define_xml": lambda h: h[0].define_secret("<secret/>"),
    "secret_set_value": lambda h: _secret(h).set_value(b"\0\1"),
    "secret_get_value": lambda h: _secret(h).value(),
    "secret_undefine": lambda h: _secret(h).undefine(),
    "nwfilter_define_xml": lambda h: h[0].define_nwfilter("<filter/>"),
    "nwfilter_define_xml_flags": lambda h: h[0].define_nwfilter("<filter/>", 0),
    "nwfilter_undefine": lambda h: NWFilter(h[0], NWFilterRef("f", "u")).undefine(),
    "nwfilter_binding_create_xml": lambda h: h[0].create_nwfilter_binding("<filterbinding/>"),
    "nwfilter_binding_delete": lambda h: NWFilterBinding(
        h[0], NWFilterBindingRef("vnet0", "f")
    ).delete(),
    # host interfaces and node devices
    "interface_define_xml": lambda h: h[0].define_interface("<interface/>"),
    "interface_undefine": lambda h: _iface(h).undefine(),
    "interface_create": lambda h: _iface(h).start(),
    "interface_destroy": lambda h: _iface(h).destroy(),
    "interface_change_begin": lambda h: h[0].interface_change_begin(),
    "interface_change_commit": lambda h: h[0].interface_change_commit(),
    "interface_change_rollback": lambda h: h[0].interface_change_rollback(),
    "node_device_create_xml": lambda h: h[0].create_node_device("<device/>"),
    "node_device_define_xml": lambda h: h[0].define_node_device("<device/>"),
    "node_device_destroy": lambda h: _nodedev(h).destroy(),
    "node_device_undefine": lambda h: _nodedev(h).undefine(),
    "node_device_create": lambda h: _nodedev(h).start(),
    "node_device_set_autostart": lambda h: _nodedev(h).set_autostart(True),
    "node_device_get_autostart": lambda h: _nodedev(h).autostart,  # read-only refused
    "node_device_dettach": lambda h: _nodedev(h).dettach(),
    "node_device_detach_flags": lambda h: _nodedev(h).detach(),
    "node_device_re_attach": lambda h: _nodedev(h).re_attach(),
    "node_device_reset": lambda h: _nodedev(h).reset(),
    # -- stats helper (issue 10): checkpoints and backups
    "domain_checkpoint_create_xml": lambda h: h[1].checkpoint_create_xml("<domaincheckpoint/>"),
    "domain_checkpoint_delete": lambda h: _checkpoint(h).delete(),
    "domain_backup_begin": lambda h: h[1].backup_begin("<domainbackup/>"),
    # storage and network extras (issue 10, "store")
    "connect_find_storage_pool_sources": lambda h: h[0].find_storage_pool_sources("logical"),
    "storage_vol_create_xml_from": lambda h: h[3].create_volume_from("<volume/>", h[4]),
    "storage_vol_wipe": lambda h: h[4].wipe(),
    "storage_vol_wipe_pattern": lambda h: h[4].wipe_pattern(1),
    "storage_vol_resize": lambda h: h[4].resize(1),
    "network_update": lambda h: h[2].update(1, 4, -1, "<host/>"),
    "network_port_create_xml": lambda h: h[2].create_port("<networkport/>"),
    "network_port_delete": lambda h: NetworkPort(
        h[0], NetworkPortRef(h[2].ref, "00000000-0000-0000-0000-000000000002")
    ).delete(),
    # host pages, CPU comparisons and host tunables (issue 10, "host")
    "node_alloc_pages": lambda h: h[0].alloc_pages({4: 1}, 0, 1),
    "connect_compare_hypervisor_cpu": lambda h: h[0].compare_hypervisor_cpu("<cpu/>"),
    "connect_baseline_hypervisor_cpu": lambda h: h[0].baseline_hypervisor_cpu(["<cpu/>"]),
    "connect_get_domain_capabilities": lambda h: h[0].domain_capabilities(),
    "node_set_memory_parameters": lambda h: h[0].set_memory_parameters([]),
    "node_get_sev_info": lambda h: h[0].sev_info(),
    # libvirt-qemu and libvirt-lxc: refused read-only even where @acl asks only to read
    "domain_qemu_monitor_command": lambda h: h[1].qemu_monitor_command("info"),
    "domain_qemu_monitor_command_with_files": lambda h: h[1].qemu_monitor_command_with_files("x"),
    "domain_qemu_agent_command": lambda h: h[1].qemu_agent_command("{}"),
    "domain_qemu_attach": lambda h: h[0].qemu_attach(1),
    "connect_domain_qemu_monitor_event_register": lambda h: h[0].qemu_monitor_event_register(
        None, None
    ),
    "connect_domain_qemu_monitor_event_deregister": lambda h: h[0].qemu_monitor_event_deregister(1),
    "domain_lxc_open_namespace": lambda h: h[1].lxc_open_namespace(),
}


def _secret(h: Handles) -> Secret:
    return Secret(h[0], SecretRef("00000000-0000-0000-0000-000000000001", 1, "/v"))


def _iface(h: Handles) -> Interface:
    return Interface(h[0], InterfaceRef("i", "aa:bb:cc:dd:ee:ff"))


def _nodedev(h: Handles) -> NodeDevice:
    return NodeDevice(h[0], NodeDeviceRecord("nd", ""))


def _checkpoint(h: Handles) -> pyvirt.DomainCheckpoint:
    return pyvirt.DomainCheckpoint(h[1], pyvirt.DomainCheckpointRef(h[1].ref, "c"))


def _snapshot(h: Handles) -> DomainSnapshot:
    return DomainSnapshot(h[1], DomainSnapshotRef(h[1].ref, "s"))


def handles(read_only: bool) -> tuple[Handles, RecordingConnection]:
    driver = RecordingConnection()
    conn = Connection(RecordingDriver, driver, read_only=read_only)
    uuid = "00000000-0000-0000-0000-000000000001"
    return (
        conn,
        Domain(conn, DomainRef("d", uuid, 1)),
        Network(conn, NetworkRef("n", uuid)),
        StoragePool(conn, StoragePoolRef("p", uuid)),
        StorageVol(conn, StorageVolRef("p", "v", "/p/v")),
    ), driver


def test_the_list_of_modifying_calls_covers_every_modifying_procedure() -> None:
    assert set(MODIFYING_CALLS) == {p.method for p in PROCEDURES if not p.readonly_ok}


@pytest.mark.parametrize("method", sorted(MODIFYING_CALLS))
def test_modifying_call_reaches_its_driver_method_when_writable(method: str) -> None:
    h, driver = handles(read_only=False)
    MODIFYING_CALLS[method](h)
    assert driver.calls == [method]


@pytest.mark.parametrize("method", sorted(MODIFYING_CALLS))
def test_modifying_call_is_refused_on_a_read_only_connection(method: str) -> None:
    h, driver = handles(read_only=True)
    with pytest.raises(pyvirt.OperationDeniedError) as info:
        MODIFYING_CALLS[method](h)
    assert info.value.code == ErrorCode.OPERATION_DENIED
    assert str(info.value).startswith("operation forbidden: read only access prevents vir")
    assert driver.calls == [], "the driver must not see a refused call"


def test_read_only_refusal_names_the_api_as_libvirt_does() -> None:
    h, _ = handles(read_only=True)
    with pytest.raises(pyvirt.OperationDeniedError) as info:
        h[1].suspend()
    assert str(info.value) == "operation forbidden: read only access prevents virDomainSuspend"
    assert (info.value.str1, info.value.str2) == (
        "operation forbidden: %s",
        "read only access prevents virDomainSuspend",
    )


def test_reading_calls_are_allowed_on_a_read_only_connection() -> None:
    h, driver = handles(read_only=True)
    h[0].list_domains()
    h[1].is_active()
    h[2].is_active()
    assert driver.calls == ["connect_list_all_domains", "domain_is_active", "network_is_active"]
