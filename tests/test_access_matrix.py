"""The one permission check, walked over the whole procedure table and compared with libvirt.

Every row × {read-write, read-only} × every flag that changes the permissions the row needs,
in process (the generated public entries, ``conn._calls``) and through pyvirtd's read-write
and read-only sockets (raw calls, so no client-side check can hide the daemon's).  The
expected outcome is what real libvirt does: its Python binding makes the same call on a
read-only ``test:///default`` connection, and a refusal must be the same refusal, word for
word; a read-write connection is never refused.  Anything but VIR_ERR_OPERATION_DENIED
(no such domain, bad XML ...) counts as "allowed": the permission check let the call through.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import pyvirt
from daemon_helpers import RawPeer, dummy_args, running_daemon
from pyvirt import DomainRef
from pyvirt._access import check_access, read_only_holds, required_permissions
from pyvirt._procedures import PROCEDURES, Procedure, _readonly_ok, wire_address
from pyvirt.rpc import PROC_CONNECT_OPEN, PROGRAM_REMOTE, Status, encode
from pyvirt.rpc._signatures import LOCAL_ONLY, signature
from real_libvirt import SYSTEM_PYTHON, real_binding_available

pytestmark = pytest.mark.xdist_group("access-matrix")

#: How libvirt's Python binding makes each call; ``{f}`` is the flags value.  Objects: ``c``
#: the read-only connection, ``d`` the domain "test", ``n`` the network "default", ``p`` the
#: pool "default-pool", ``v`` a volume made for the purpose on a read-write connection.
LIBVIRT_CALLS: dict[str, str] = {
    "connect_get_type": "c.getType()",
    "connect_get_version": "c.getVersion()",
    "connect_get_max_vcpus": "c.getMaxVcpus(None)",
    "node_get_info": "c.getInfo()",
    "connect_get_capabilities": "c.getCapabilities()",
    "connect_get_hostname": "c.getHostname()",
    "connect_get_uri": "c.getURI()",
    "connect_is_secure": "c.isSecure()",
    "connect_get_lib_version": "c.getLibVersion()",
    "connect_get_sysinfo": "c.getSysinfo({f})",
    "node_get_free_memory": "c.getFreeMemory()",
    "connect_event_subscribe": "c.domainEventRegisterAny(None, 0, lambda *a: None, None)",
    "connect_event_unsubscribe": "c.domainEventDeregisterAny(c.domainEventRegisterAny(None, 0, lambda *a: None, None))",
    "node_get_security_model": "c.getSecurityModel()",
    "domain_lookup_by_id": "c.lookupByID(1)",
    "domain_lookup_by_name": "c.lookupByName('test')",
    "domain_lookup_by_uuid": "c.lookupByUUIDString(d.UUIDString())",
    "connect_list_all_domains": "c.listAllDomains({f})",
    "domain_define_xml": "c.defineXMLFlags(DOMXML, {f})",
    "domain_create_xml": "c.createXML(DOMXML, {f})",
    "domain_create": "d.createWithFlags({f})",
    "domain_undefine": "d.undefineFlags({f})",
    "domain_shutdown": "d.shutdownFlags({f})",
    "domain_reboot": "d.reboot({f})",
    "domain_reset": "d.reset({f})",
    "domain_destroy": "d.destroyFlags({f})",
    "domain_suspend": "d.suspend()",
    "domain_resume": "d.resume()",
    "domain_get_xml_desc": "d.XMLDesc({f})",
    "domain_get_autostart": "d.autostart()",
    "domain_get_info": "d.info()",
    "domain_get_max_memory": "d.maxMemory()",
    "domain_get_os_type": "d.OSType()",
    "domain_set_autostart": "d.setAutostart(1)",
    "domain_is_active": "d.isActive()",
    "domain_is_persistent": "d.isPersistent()",
    "domain_get_state": "d.state({f})",
    "domain_get_security_label": "d.securityLabel()",
    "domain_has_managed_save_image": "d.hasManagedSaveImage({f})",
    "domain_set_memory_flags": "d.setMemoryFlags(1048576, {f})",
    "domain_managed_save": "d.managedSave({f})",
    "domain_managed_save_remove": "d.managedSaveRemove({f})",
    "node_get_cells_free_memory": "c.getCellsFreeMemory(0, 2)",
    "node_get_cpu_stats": "c.getCPUStats(-1, {f})",
    "node_get_memory_stats": "c.getMemoryStats(-1, {f})",
    "node_get_cpu_map": "c.getCPUMap({f})",
    "node_suspend_for_duration": "c.suspendForDuration(0, 60, {f})",
    "domain_get_scheduler_type": "d.schedulerType()",
    "domain_get_scheduler_parameters": "d.schedulerParameters()",
    "domain_set_scheduler_parameters": "d.setSchedulerParameters({{'weight': 5}})",
    "domain_get_block_info": "d.blockInfo('vda', {f})",
    "domain_memory_stats": "d.memoryStats()",
    "domain_get_time": "d.getTime({f})",
    "domain_set_time": "d.setTime({{'seconds': 5}}, {f})",
    "domain_get_control_info": "d.controlInfo({f})",
    "domain_get_hostname": "d.hostname({f})",
    "domain_interface_addresses": "d.interfaceAddresses(0, {f})",
    "domain_snapshot_create_xml": "d.snapshotCreateXML('<domainsnapshot/>', {f})",
    "domain_snapshot_get_xml_desc": "s.getXMLDesc({f})",
    "domain_snapshot_num": "d.snapshotNum({f})",
    "domain_snapshot_list_names": "d.snapshotListNames({f})",
    "domain_snapshot_lookup_by_name": "d.snapshotLookupByName('probe', {f})",
    "domain_has_current_snapshot": "d.hasCurrentSnapshot({f})",
    "domain_snapshot_current": "d.snapshotCurrent({f})",
    "domain_revert_to_snapshot": "d.revertToSnapshot(s, {f})",
    "domain_snapshot_delete": "s.delete({f})",
    "domain_snapshot_get_parent": "s.getParent({f})",
    "domain_snapshot_num_children": "s.numChildren({f})",
    "domain_snapshot_list_children_names": "s.listChildrenNames({f})",
    "domain_snapshot_is_current": "s.isCurrent({f})",
    "domain_snapshot_has_metadata": "s.hasMetadata({f})",
    "domain_list_all_snapshots": "d.listAllSnapshots({f})",
    "domain_snapshot_list_all_children": "s.listAllChildren({f})",
    "domain_get_vcpus_flags": "d.vcpusFlags({f})",
    "domain_set_vcpus_flags": "d.setVcpusFlags(1, {f})",
    "domain_set_metadata": "d.setMetadata(0, 'x', None, None, {f})",
    "domain_get_metadata": "d.metadata(0, None, {f})",
    "domain_rename": "d.rename('renamed', {f})",
    "domain_get_security_label_list": "d.securityLabelList()",
    "domain_fd_associate": "d.FDAssociate('group', [0], {f})",
    "domain_get_vcpus": "d.vcpus()",
    "domain_pin_vcpu_flags": "d.pinVcpu(0, (True,))",
    "domain_get_vcpu_pin_info": "d.vcpuPinInfo({f})",
    "domain_pin_emulator": "d.pinEmulator((True,), {f})",
    "domain_get_emulator_pin_info": "d.emulatorPinInfo({f})",
    # domain tunables (helper "tune")
    "domain_get_memory_parameters": "d.memoryParameters({f})",
    "domain_set_memory_parameters": "d.setMemoryParameters({{'soft_limit': 5}}, {f})",
    "domain_get_blkio_parameters": "d.blkioParameters({f})",
    "domain_set_blkio_parameters": "d.setBlkioParameters({{'weight': 500}}, {f})",
    "domain_get_numa_parameters": "d.numaParameters({f})",
    "domain_set_numa_parameters": "d.setNumaParameters({{'numa_nodeset': '0'}}, {f})",
    "domain_get_interface_parameters": "d.interfaceParameters('testnet0', {f})",
    "domain_set_interface_parameters": (
        "d.setInterfaceParameters('testnet0', {{'inbound.average': 5}}, {f})"
    ),
    "domain_get_block_io_tune": "d.blockIoTune('vda', {f})",
    "domain_set_block_io_tune": "d.setBlockIoTune('vda', {{'total_bytes_sec_max': 5}}, {f})",
    "domain_get_perf_events": "d.perfEvents({f})",
    "domain_set_perf_events": "d.setPerfEvents({{'cmt': True}}, {f})",
    # the binding's guestVcpus answers None on failure: raise its error for the probe
    "domain_get_guest_vcpus": (
        "d.guestVcpus({f}) or (_ for _ in ()).throw("
        "libvirt.libvirtError(libvirt.virGetLastError()[2]))"
    ),
    "domain_set_guest_vcpus": "d.setGuestVcpus('1', 1, {f})",
    "domain_set_vcpu": "d.setVcpu('1', 1, {f})",
    "domain_block_stats": "d.blockStats('vda')",
    "domain_block_stats_flags": "d.blockStatsFlags('vda', 0)",
    "domain_interface_stats": "d.interfaceStats('testnet0')",
    "domain_get_disk_errors": "d.diskErrors({f})",
    # devices, save/restore, core dumps and block jobs (the "attach" family)
    "domain_attach_device": "d.attachDevice(DISKXML)",
    "domain_detach_device": "d.detachDevice(DISKXML)",
    "domain_attach_device_flags": "d.attachDeviceFlags(DISKXML, {f})",
    "domain_detach_device_flags": "d.detachDeviceFlags(DISKXML, {f})",
    "domain_update_device_flags": "d.updateDeviceFlags(DISKXML, {f})",
    "domain_detach_device_alias": "d.detachDeviceAlias('ua-x', {f})",
    "domain_is_updated": "d.isUpdated()",
    "domain_save_flags": "d.saveFlags('/nonexistent/probe.sav', None, {f})",
    "domain_restore_flags": "c.restoreFlags('/nonexistent/probe.sav', None, {f})",
    "domain_save_image_get_xml_desc": "c.saveImageGetXMLDesc('/nonexistent/probe.sav', {f})",
    "domain_save_image_define_xml": "c.saveImageDefineXML('/nonexistent/p.sav', '<x/>', {f})",
    "domain_managed_save_get_xml_desc": "d.managedSaveGetXMLDesc({f})",
    "domain_managed_save_define_xml": "d.managedSaveDefineXML(None, {f})",
    "domain_core_dump_with_format": "d.coreDumpWithFormat('/nonexistent/core', 0, {f})",
    "domain_block_commit": "d.blockCommit('vda', None, None, 0, {f})",
    "domain_block_rebase": "d.blockRebase('vda', None, 0, {f})",
    "domain_block_pull": "d.blockPull('vda', 0, {f})",
    "domain_block_resize": "d.blockResize('vda', 1, {f})",
    "domain_get_block_job_info": "d.blockJobInfo('vda', {f})",
    "domain_block_job_abort": "d.blockJobAbort('vda', {f})",
    "domain_block_job_set_speed": "d.blockJobSetSpeed('vda', 1, {f})",
    "domain_set_block_threshold": "d.setBlockThreshold('vda', 1, {f})",
    "connect_domain_xml_from_native": "c.domainXMLFromNative('qemu-argv', 'x', {f})",
    "connect_domain_xml_to_native": "c.domainXMLToNative('qemu-argv', '<domain/>', {f})",
    "domain_screenshot": "d.screenshot(c.newStream(0), 0, {f})",
    "domain_open_console": "d.openConsole(None, c.newStream(0), {f})",
    "connect_list_all_networks": "c.listAllNetworks({f})",
    "network_lookup_by_name": "c.networkLookupByName('default')",
    "network_lookup_by_uuid": "c.networkLookupByUUIDString(n.UUIDString())",
    "network_define_xml": "c.networkDefineXML(NETXML)",
    "network_create_xml": "c.networkCreateXML(NETXML)",
    "network_create": "n.create()",
    "network_destroy": "n.destroy()",
    "network_undefine": "n.undefine()",
    "network_get_xml_desc": "n.XMLDesc({f})",
    "network_get_autostart": "n.autostart()",
    "network_set_autostart": "n.setAutostart(1)",
    "network_get_bridge_name": "n.bridgeName()",
    "network_is_active": "n.isActive()",
    "network_is_persistent": "n.isPersistent()",
    "network_get_dhcp_leases": "n.DHCPLeases(None, {f})",
    "connect_list_all_storage_pools": "c.listAllStoragePools({f})",
    "storage_pool_lookup_by_name": "c.storagePoolLookupByName('default-pool')",
    "storage_pool_lookup_by_uuid": "c.storagePoolLookupByUUIDString(p.UUIDString())",
    "storage_pool_lookup_by_volume": "v.storagePoolLookupByVolume()",
    "storage_pool_define_xml": "c.storagePoolDefineXML(POOLXML, {f})",
    "storage_pool_create_xml": "c.storagePoolCreateXML(POOLXML, {f})",
    "storage_pool_create": "p.create({f})",
    "storage_pool_build": "p.build({f})",
    "storage_pool_destroy": "p.destroy()",
    "storage_pool_delete": "p.delete({f})",
    "storage_pool_undefine": "p.undefine()",
    "storage_pool_refresh": "p.refresh({f})",
    "storage_pool_get_info": "p.info()",
    "storage_pool_get_xml_desc": "p.XMLDesc({f})",
    "storage_pool_get_autostart": "p.autostart()",
    "storage_pool_set_autostart": "p.setAutostart(1)",
    "storage_pool_is_active": "p.isActive()",
    "storage_pool_is_persistent": "p.isPersistent()",
    "storage_pool_list_all_volumes": "p.listAllVolumes({f})",
    "storage_vol_lookup_by_name": "p.storageVolLookupByName('probe.img')",
    "storage_vol_lookup_by_key": "c.storageVolLookupByKey(v.key())",
    "storage_vol_lookup_by_path": "c.storageVolLookupByPath(v.path())",
    "storage_vol_create_xml": "p.createXML(VOLXML, {f})",
    "storage_vol_delete": "v.delete({f})",
    "storage_vol_get_info": "v.info()",
    "storage_vol_get_xml_desc": "v.XMLDesc({f})",
    "storage_vol_get_path": "v.path()",
    # secrets and network filters: libvirt's test driver has none, so only the calls made
    # on the connection reach it (and answer NO_SUPPORT unless refused first)
    "connect_list_all_secrets": "c.listAllSecrets({f})",
    "connect_num_of_secrets": "c.numOfSecrets()",
    "connect_list_secrets": "c.listSecrets()",
    "secret_lookup_by_uuid": "c.secretLookupByUUIDString('00000000-0000-0000-0000-000000000000')",
    "secret_lookup_by_usage": "c.secretLookupByUsage(1, '/x')",
    "secret_define_xml": "c.secretDefineXML('<secret/>', {f})",
    "connect_list_all_nwfilters": "c.listAllNWFilters({f})",
    "connect_num_of_nwfilters": "c.numOfNWFilters()",
    "connect_list_nwfilters": "c.listNWFilters()",
    "nwfilter_lookup_by_name": "c.nwfilterLookupByName('f')",
    "nwfilter_lookup_by_uuid": "c.nwfilterLookupByUUIDString('00000000-0000-0000-0000-000000000000')",
    "nwfilter_define_xml": "c.nwfilterDefineXML('<filter/>')",
    "nwfilter_define_xml_flags": "c.nwfilterDefineXMLFlags('<filter/>', {f})",
    "connect_list_all_nwfilter_bindings": "c.listAllNWFilterBindings({f})",
    "nwfilter_binding_lookup_by_port_dev": "c.nwfilterBindingLookupByPortDev('vnet0')",
    "nwfilter_binding_create_xml": "c.nwfilterBindingCreateXML('<filterbinding/>', {f})",
    "storage_vol_upload": "v.upload(c.newStream(0), 0, 0, {f})",
    "storage_vol_download": "v.download(c.newStream(0), 0, 0, {f})",
    # host interfaces (i: "eth1") and node devices (nd: "scsi_host1")
    "connect_list_all_interfaces": "c.listAllInterfaces({f})",
    "interface_lookup_by_name": "c.interfaceLookupByName('eth1')",
    "interface_lookup_by_mac_string": "c.interfaceLookupByMACString('aa:bb:cc:dd:ee:ff')",
    "interface_get_xml_desc": "i.XMLDesc({f})",
    "interface_define_xml": "c.interfaceDefineXML(IFXML, {f})",
    "interface_undefine": "i.undefine()",
    "interface_create": "i.create({f})",
    "interface_destroy": "i.destroy({f})",
    "interface_is_active": "i.isActive()",
    "interface_change_begin": "c.changeBegin({f})",
    "interface_change_commit": "c.changeCommit({f})",
    "interface_change_rollback": "c.changeRollback({f})",
    "node_num_of_devices": "c.numOfDevices(None, {f})",
    "node_list_devices": "c.listDevices(None, {f})",
    "connect_list_all_node_devices": "c.listAllDevices({f})",
    "node_device_lookup_by_name": "c.nodeDeviceLookupByName('scsi_host1')",
    "node_device_lookup_scsi_host_by_wwn": "c.nodeDeviceLookupSCSIHostByWWN('2000000012341234', '1000000012341234', {f})",
    "node_device_get_xml_desc": "nd.XMLDesc({f})",
    "node_device_get_parent": "nd.parent()",
    "node_device_num_of_caps": "nd.numOfCaps()",
    "node_device_list_caps": "nd.listCaps()",
    "node_device_dettach": "nd.dettach()",
    "node_device_re_attach": "nd.reAttach()",
    "node_device_reset": "nd.reset()",
    "node_device_detach_flags": "nd.detachFlags(None, {f})",
    "node_device_create_xml": "c.nodeDeviceCreateXML(DEVXML, {f})",
    "node_device_destroy": "nd.destroy()",
    "node_device_define_xml": "c.nodeDeviceDefineXML(DEVXML, {f})",
    "node_device_undefine": "nd.undefine({f})",
    "node_device_create": "nd.create({f})",
    "node_device_get_autostart": "nd.autostart()",
    "node_device_set_autostart": "nd.setAutostart(1)",
    "node_device_is_persistent": "nd.isPersistent()",
    "node_device_is_active": "nd.isActive()",
    # -- binding helper (issue 10): guest memory calls
    "domain_memory_peek": "d.memoryPeek(0, 8, {f})",
    "domain_set_memory_stats_period": "d.setMemoryStatsPeriod(0, {f})",
    "domain_get_messages": "d.messages({f})",
    # -- stats helper (issue 10)
    "connect_get_all_domain_stats": "c.getAllDomainStats(0, {f})",
    "domain_checkpoint_create_xml": "d.checkpointCreateXML('<domaincheckpoint/>', {f})",
    "domain_checkpoint_get_xml_desc": "k.getXMLDesc({f})",
    "domain_list_all_checkpoints": "d.listAllCheckpoints({f})",
    "domain_checkpoint_list_all_children": "k.listAllChildren({f})",
    "domain_checkpoint_lookup_by_name": "d.checkpointLookupByName('probe', {f})",
    "domain_checkpoint_get_parent": "k.getParent({f})",
    "domain_checkpoint_delete": "k.delete({f})",
    "domain_backup_begin": "d.backupBegin('<domainbackup/>', None, {f})",
    "domain_backup_get_xml_desc": "d.backupGetXMLDesc({f})",
    # -- domjobs helper (issue 10): IOThreads, CPU stats, jobs, migration tunables.  The
    # binding answers None for the two migration getters' failures: raise the last error.
    "domain_get_iothread_info": "d.ioThreadInfo({f})",
    "domain_pin_iothread": "d.pinIOThread(1, (True,), {f})",
    "domain_add_iothread": "d.addIOThread(9, {f})",
    "domain_del_iothread": "d.delIOThread(9, {f})",
    "domain_set_iothread_params": "d.setIOThreadParams(1, {{'poll_max_ns': 1}}, {f})",
    "domain_get_cpu_stats": "d.getCPUStats(True, {f})",
    "domain_get_job_info": "d.jobInfo()",
    "domain_get_job_stats": "d.jobStats({f})",
    "domain_abort_job": "d.abortJob()",
    "domain_abort_job_flags": "d.abortJobFlags({f})",
    "domain_migrate_set_max_downtime": "d.migrateSetMaxDowntime(1, {f})",
    "domain_migrate_get_max_downtime": "(d.migrateGetMaxDowntime({f}) is not None or (_ for _ in ()).throw(libvirt.libvirtError('')))",
    "domain_migrate_get_compression_cache": (
        "(d.migrateGetCompressionCache({f}) is not None or (_ for _ in ()).throw(libvirt.libvirtError('')))"
    ),
    "domain_migrate_set_compression_cache": "d.migrateSetCompressionCache(1, {f})",
    "domain_migrate_set_max_speed": "d.migrateSetMaxSpeed(1, {f})",
    "domain_migrate_get_max_speed": "d.migrateGetMaxSpeed({f})",
    "domain_migrate_start_post_copy": "d.migrateStartPostCopy({f})",
    "domain_get_launch_security_info": "d.launchSecurityInfo({f})",
    "domain_set_launch_security_state": "d.setLaunchSecurityState({{'sev-secret': 'x'}}, {f})",
    "domain_start_dirty_rate_calc": "d.startDirtyRateCalc(1, {f})",
    # storage and network extras (issue 10, "store")
    "connect_find_storage_pool_sources": "c.findStoragePoolSources('logical', None, {f})",
    "connect_get_storage_pool_capabilities": "c.getStoragePoolCapabilities({f})",
    "storage_vol_create_xml_from": "p.createXMLFrom(VOLXML, v, {f})",
    "storage_vol_wipe": "v.wipe({f})",
    "storage_vol_wipe_pattern": "v.wipePattern(0, {f})",
    "storage_vol_resize": "v.resize(1, {f})",
    "network_update": "n.update(1, 4, -1, \"<host mac='52:54:00:00:00:09'/>\", {f})",
    "network_list_all_ports": "n.listAllPorts({f})",
    "network_port_lookup_by_uuid": "n.portLookupByUUIDString('5d744f21-ba4a-4d6e-bdb2-30a35ff3207d')",
    "network_port_create_xml": "n.portCreateXML('<networkport/>', {f})",
    # guest calls (issue 10, helper "guest")
    "domain_inject_nmi": "d.injectNMI({f})",
    "domain_send_key": "d.sendKey(0, 0, [30], 1, {f})",
    "domain_pm_suspend_for_duration": "d.pMSuspendForDuration(0, 0, {f})",
    "domain_pm_wakeup": "d.pMWakeup({f})",
    "domain_fstrim": "d.fSTrim(None, 0, {f})",
    "domain_send_process_signal": "d.sendProcessSignal(1, 0, {f})",
    "domain_fsfreeze": "d.fsFreeze(None, {f})",
    "domain_fsthaw": "d.fsThaw(None, {f})",
    "domain_get_fsinfo": "d.fsInfo({f})",
    "domain_set_user_password": "d.setUserPassword('root', 'pw', {f})",
    "domain_set_lifecycle_action": "d.setLifecycleAction(0, 1, {f})",
    "domain_get_guest_info": "d.guestInfo(0, {f})",
    "domain_agent_set_response_timeout": "d.agentSetResponseTimeout(5, {f})",
    "domain_authorized_ssh_keys_get": "d.authorizedSSHKeysGet('root', {f})",
    "domain_authorized_ssh_keys_set": "d.authorizedSSHKeysSet('root', ['k'], {f})",
    # host pages, CPU models and host tunables (issue 10, "host")
    "node_get_free_pages": "c.getFreePages([4], 0, 1, {f})",
    "node_alloc_pages": "c.allocPages({{4: 1}}, 0, 1, {f})",
    "connect_get_cpu_model_names": "c.getCPUModelNames('x86_64', {f})",
    "connect_compare_cpu": "c.compareCPU('<cpu/>', {f})",
    "connect_compare_hypervisor_cpu": "c.compareHypervisorCPU(None, None, None, None, '<cpu/>', {f})",
    "connect_set_identity": "c.setIdentity({{}}, {f})",
    "connect_baseline_cpu": "c.baselineCPU(['<cpu/>'], {f})",
    "connect_baseline_hypervisor_cpu": "c.baselineHypervisorCPU(None, None, None, None, ['<cpu/>'], {f})",
    "connect_get_domain_capabilities": "c.getDomainCapabilities(None, None, None, None, {f})",
    "node_get_memory_parameters": "c.getMemoryParameters({f})",
    "node_get_sev_info": "c.getSEVInfo({f})",
    # the libvirt-qemu and libvirt-lxc programs
    "domain_qemu_monitor_command": "libvirt_qemu.qemuMonitorCommand(d, 'info', {f})",
    "domain_qemu_monitor_command_with_files": "libvirt_qemu.qemuMonitorCommandWithFiles(d, 'info', [], {f})",
    "domain_qemu_attach": "libvirt_qemu.qemuAttach(c, 1, {f})",
    "domain_qemu_agent_command": "libvirt_qemu.qemuAgentCommand(d, 'x', -1, {f})",
    "connect_domain_qemu_monitor_event_register": "libvirt_qemu.qemuMonitorEventRegister(c, None, None, lambda *a: None, None, {f})",
    "connect_domain_qemu_monitor_event_deregister": "libvirt_qemu.qemuMonitorEventDeregister(c, 1)",
    "domain_lxc_open_namespace": "libvirt_lxc.lxcOpenNamespace(d, {f})",
}

#: Rows whose object libvirt's test driver cannot hand out (it keeps no secrets or filters),
#: so the real binding cannot make the call: libvirt's outcome on a read-only connection, as
#: its public API decides before any driver (virCheckReadOnlyGoto in libvirt-secret.c's
#: virSecretSetValue, virSecretGetValue, virSecretUndefine and libvirt-nwfilter.c's
#: virNWFilterUndefine, virNWFilterBindingDelete; the XML getters check nothing).
UNREACHABLE_IN_LIBVIRT: dict[str, str | None] = {
    # libvirt-python's setMemoryParameters asks virNodeGetMemoryParameters first, which the
    # test driver lacks; virsh -r node-memory-tune --shm-pages-to-scan 1 reaches the check.
    "node_set_memory_parameters": "operation forbidden: read only access prevents "
    "virNodeSetMemoryParameters",
    "secret_get_xml_desc": None,
    "secret_set_value": "operation forbidden: read only access prevents virSecretSetValue",
    "secret_get_value": "operation forbidden: read only access prevents virSecretGetValue",
    "secret_undefine": "operation forbidden: read only access prevents virSecretUndefine",
    "nwfilter_get_xml_desc": None,
    "nwfilter_undefine": "operation forbidden: read only access prevents virNWFilterUndefine",
    "nwfilter_binding_get_xml_desc": None,
    "nwfilter_binding_delete": (
        "operation forbidden: read only access prevents virNWFilterBindingDelete"
    ),
    # libvirt-python has no virConnectSupportsFeature (libvirt lets read-only ask it)
    "connect_supports_feature": None,
    # nor network ports (libvirt-network.c's virNetworkPortDelete checks read-only first)
    "network_port_get_xml_desc": None,
    "network_port_delete": "operation forbidden: read only access prevents virNetworkPortDelete",
}

#: Run by the real binding: every probe on a read-only test:///default, outcome by key.
_LIBVIRT_SCRIPT = r"""
import json, sys
import libvirt, libvirt_lxc, libvirt_qemu
libvirt.registerErrorHandler(lambda *a: None, None)
libvirt.virEventRegisterDefaultImpl()
DOMXML = "<domain type='test'><name>probe</name><memory>1024</memory><os><type>hvm</type></os></domain>"
NETXML = "<network><name>probe</name></network>"
POOLXML = "<pool type='dir'><name>probe</name><target><path>/probe</path></target></pool>"
VOLXML = "<volume><name>probe2.img</name><capacity>1024</capacity></volume>"
IFXML = "<interface type='ethernet' name='probe0'/>"
DEVXML = "<device><capability type='system'/></device>"
DISKXML = "<disk type='file'><target dev='vdb'/></disk>"
rw = libvirt.open("test:///default")
rw.storagePoolLookupByName("default-pool").createXML(
    "<volume><name>probe.img</name><capacity>1024</capacity></volume>", 0)
rw.lookupByName("test").snapshotCreateXML("<domainsnapshot><name>probe</name></domainsnapshot>", 0)
# a checkpoint needs a running domain without snapshots: a transient one of its own
CKPTXML = DOMXML.replace("probe", "ckpt").replace(
    "</os>", "</os><devices><disk type='file'><source file='/ckpt.img'/><target dev='vda'/></disk></devices>")
rw.createXML(CKPTXML, 0).checkpointCreateXML(
    "<domaincheckpoint><name>probe</name></domaincheckpoint>")
c = libvirt.openReadOnly("test:///default")
d = c.lookupByName("test")
s = d.snapshotLookupByName("probe")
k = c.lookupByName("ckpt").checkpointLookupByName("probe")
n = c.networkLookupByName("default")
p = c.storagePoolLookupByName("default-pool")
v = p.storageVolLookupByName("probe.img")
i = c.interfaceLookupByName("eth1")
nd = c.nodeDeviceLookupByName("scsi_host1")
out = {}
for key, code in json.load(sys.stdin).items():
    try:
        eval(code)
        out[key] = None
    except libvirt.libvirtError as e:
        out[key] = str(e) if e.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED else None
json.dump(out, sys.stdout)
"""

ROWS = [p for p in PROCEDURES if p.method not in ("connect_open", "connect_close")]


def probe_flags(proc: Procedure) -> list[int]:
    """0 and every single flag bit that changes the permissions *proc* needs."""
    bits = {0}
    for rule in proc.flag_acl:
        bits.update(1 << i for i in range(32) if rule.mask & (1 << i))
    return sorted(bits)


CASES = [(proc, flags) for proc in ROWS for flags in probe_flags(proc)]


def _key(proc: Procedure, flags: int) -> str:
    return f"{proc.method}/{flags}"


def _args(proc: Procedure, flags: int) -> list[Any]:
    if proc.method == "connect_event_subscribe":
        return [lambda event: None]
    if proc.method == "connect_event_unsubscribe":
        return [123456]
    if proc.method == "domain_open_console":
        return [DomainRef("test", "6695eb01-f6a4-8304-79aa-97f2502e193f", 1), None, flags]
    sig = signature(proc.key)
    args = dummy_args(sig)
    if "flags" in sig.names:
        args[sig.names.index("flags")] = flags
    return args


def _outcome(call: Callable[[], object]) -> str | None:
    """The refusal's message, or None when the permission check let the call through."""
    try:
        call()
    except pyvirt.OperationDeniedError as exc:
        return exc.message
    except pyvirt.VirtError:
        pass
    return None


@pytest.fixture(scope="module")
def libvirt_says() -> dict[str, str | None]:
    if not real_binding_available():
        pytest.skip("the real libvirt binding (python3-libvirt) is not installed")
    probes = {
        _key(proc, flags): LIBVIRT_CALLS[proc.method].format(f=flags)
        for proc, flags in CASES
        if proc.method not in UNREACHABLE_IN_LIBVIRT
    }
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", _LIBVIRT_SCRIPT],
        input=json.dumps(probes),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    says: dict[str, str | None] = json.loads(done.stdout)
    for proc, flags in CASES:
        if proc.method in UNREACHABLE_IN_LIBVIRT:
            says[_key(proc, flags)] = UNREACHABLE_IN_LIBVIRT[proc.method]
    return says


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


def test_every_row_has_a_libvirt_call_to_compare_with() -> None:
    assert set(LIBVIRT_CALLS) | set(UNREACHABLE_IN_LIBVIRT) == {p.method for p in ROWS}


def test_libvirt_refuses_a_read_only_connection_some_calls_and_not_others(libvirt_says) -> None:
    refused = {key for key, message in libvirt_says.items() if message}
    assert "domain_get_xml_desc/1" in refused and "domain_get_xml_desc/0" not in refused
    assert "domain_destroy/0" in refused and "domain_get_info/0" not in refused
    assert 30 < len(refused) < len(libvirt_says)


def test_the_table_and_the_check_agree_on_what_read_only_holds() -> None:
    for proc in PROCEDURES:
        holds = all(map(read_only_holds, proc.acl)) and not proc.refuses_read_only
        assert proc.readonly_ok == (_readonly_ok(proc.acl) and not proc.refuses_read_only) == holds
        for flags in probe_flags(proc):
            needed = required_permissions(proc, flags)
            refused = proc.refuses_read_only or not all(map(read_only_holds, needed))
            try:
                check_access(proc, flags, True)
            except pyvirt.OperationDeniedError:
                assert refused, (proc.method, flags)
            else:
                assert not refused, (proc.method, flags)
            check_access(proc, flags, False)  # read-write holds everything


def test_secure_xml_needs_the_read_secure_permission() -> None:
    proc = next(p for p in PROCEDURES if p.method == "domain_get_xml_desc")
    assert "domain:read_secure" in required_permissions(proc, 1)
    assert "domain:read_secure" not in required_permissions(proc, 2)


@pytest.mark.parametrize("read_only", [True, False], ids=["ro", "rw"])
def test_in_process_outcomes_are_libvirts(libvirt_says, read_only: bool) -> None:
    with pyvirt.open("test:///default", read_only=read_only) as conn:
        for proc, flags in CASES:
            entry = getattr(conn._calls, proc.method)
            args = _args(proc, flags)
            got = _outcome(lambda entry=entry, args=args: entry(*args))
            want = libvirt_says[_key(proc, flags)] if read_only else None
            assert got == want, (proc.method, flags)


@pytest.mark.parametrize("socket_name", ["pyvirt-test-sock-ro", "pyvirt-test-sock"])
def test_daemon_outcomes_are_libvirts(daemon, libvirt_says, socket_name: str) -> None:
    read_only = socket_name.endswith("-ro")
    with RawPeer(daemon.rundir / socket_name) as peer:
        status, body = peer.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", 0]))
        assert status == Status.OK, body
        for proc, flags in CASES:
            if proc.method in LOCAL_ONLY:
                continue  # served by the daemon itself, not a driver call
            status, body = peer.call(*wire_address(proc.key), encode(_args(proc, flags)))
            refused = status == Status.ERROR and body["code"] == pyvirt.ErrorCode.OPERATION_DENIED
            got = body["message"] if refused else None
            want = libvirt_says[_key(proc, flags)] if read_only else None
            assert got == want, (proc.method, flags)


def test_read_only_pyvirsh_through_the_daemon_gets_no_secure_xml(daemon) -> None:
    """The hole this table closed: ``pyvirsh -r -c test+unix:///default dumpxml
    --security-info`` printed the XML; libvirt refuses it."""
    with pyvirt.open("test+unix:///default", read_only=True) as conn:
        dom = conn.lookup_domain_by_name("test")
        with pytest.raises(pyvirt.OperationDeniedError) as info:
            dom.xml_desc(1)
        assert info.value.message == "operation forbidden: virDomainGetXMLDesc with secure flag"
        with pytest.raises(pyvirt.OperationDeniedError):
            conn.driver.domain_get_xml_desc(dom.ref, 8)  # the daemon refuses it too
        assert "<domain" in dom.xml_desc(2)
