"""The ``VIR_*`` constants, produced from pyvirt's enums rather than typed a second time.

Each row of :data:`FAMILIES` names an enum class and the prefix libvirt gives its members;
``VIR_`` + prefix + member name is the constant.  Aliases inside an enum (two names, one value)
are kept, since libvirt has them too.  ``tests/test_libvirt_compat_constants.py`` checks every
produced name against the real binding.
"""

from __future__ import annotations

import enum

from pyvirt import _abi_enums as A
from pyvirt import _enums as E
from pyvirt._codes import ErrorCode, ErrorDomain, ErrorLevel

FAMILIES: tuple[tuple[type[enum.Enum], str], ...] = (
    (ErrorCode, "ERR_"),
    (ErrorDomain, "FROM_"),
    (ErrorLevel, "ERR_"),
    (E.ConnectFlags, "CONNECT_"),
    (E.DomainState, "DOMAIN_"),
    (E.DomainNostateReason, "DOMAIN_NOSTATE_"),
    (E.DomainRunningReason, "DOMAIN_RUNNING_"),
    (E.DomainBlockedReason, "DOMAIN_BLOCKED_"),
    (E.DomainPausedReason, "DOMAIN_PAUSED_"),
    (E.DomainShutdownReason, "DOMAIN_SHUTDOWN_"),
    (E.DomainShutoffReason, "DOMAIN_SHUTOFF_"),
    (E.DomainCrashedReason, "DOMAIN_CRASHED_"),
    (E.DomainPMSuspendedReason, "DOMAIN_PMSUSPENDED_"),
    (E.ListDomainsFlags, "CONNECT_LIST_DOMAINS_"),
    (E.DomainXMLFlags, "DOMAIN_XML_"),
    (E.DomainCreateFlags, "DOMAIN_"),
    (E.DomainDefineFlags, "DOMAIN_DEFINE_"),
    (E.DomainUndefineFlags, "DOMAIN_UNDEFINE_"),
    (E.DomainModificationImpact, "DOMAIN_AFFECT_"),
    (E.DomainMemoryModFlags, "DOMAIN_MEM_"),
    (E.DomainVcpuFlags, "DOMAIN_VCPU_"),
    (E.DomainShutdownFlags, "DOMAIN_SHUTDOWN_"),
    (E.DomainRebootFlags, "DOMAIN_REBOOT_"),
    (E.DomainDestroyFlags, "DOMAIN_DESTROY_"),
    (E.DomainEventID, "DOMAIN_EVENT_ID_"),
    (E.DomainEventType, "DOMAIN_EVENT_"),
    (E.DomainEventDefinedDetail, "DOMAIN_EVENT_DEFINED_"),
    (E.DomainEventUndefinedDetail, "DOMAIN_EVENT_UNDEFINED_"),
    (E.DomainEventStartedDetail, "DOMAIN_EVENT_STARTED_"),
    (E.DomainEventSuspendedDetail, "DOMAIN_EVENT_SUSPENDED_"),
    (E.DomainEventResumedDetail, "DOMAIN_EVENT_RESUMED_"),
    (E.DomainEventStoppedDetail, "DOMAIN_EVENT_STOPPED_"),
    (E.DomainEventShutdownDetail, "DOMAIN_EVENT_SHUTDOWN_"),
    (E.DomainEventPMSuspendedDetail, "DOMAIN_EVENT_PMSUSPENDED_"),
    (E.DomainEventCrashedDetail, "DOMAIN_EVENT_CRASHED_"),
    (E.ListNetworksFlags, "CONNECT_LIST_NETWORKS_"),
    (E.NetworkXMLFlags, "NETWORK_XML_"),
    (E.NetworkEventType, "NETWORK_EVENT_"),
    (E.ListStoragePoolsFlags, "CONNECT_LIST_STORAGE_POOLS_"),
    (E.StoragePoolState, "STORAGE_POOL_"),
    (E.StoragePoolEventType, "STORAGE_POOL_EVENT_"),
    (E.StorageXMLFlags, "STORAGE_XML_"),
    (E.StorageVolType, "STORAGE_VOL_"),
    # Families pyvirt has no API for yet (pyvirt._abi_enums).
    (A.ConnectBaselineCPUFlags, "CONNECT_BASELINE_CPU_"),
    (A.ConnectCloseReason, "CONNECT_CLOSE_REASON_"),
    (A.ConnectCompareCPUFlags, "CONNECT_COMPARE_CPU_"),
    (A.ConnectDomainEventAgentLifecycleReason, "CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_"),
    (A.ConnectDomainEventAgentLifecycleState, "CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_"),
    (A.ConnectGetAllDomainStatsFlags, "CONNECT_GET_ALL_DOMAINS_STATS_"),
    (A.ListInterfacesFlags, "CONNECT_LIST_INTERFACES_"),
    (A.ListNodeDeviceFlags, "CONNECT_LIST_NODE_DEVICES_"),
    (A.ListSecretsFlags, "CONNECT_LIST_SECRETS_"),
    (A.CPUCompareResult, "CPU_COMPARE_"),
    (A.CredentialType, "CRED_"),
    (A.DomainAbortJobFlags, "DOMAIN_ABORT_JOB_"),
    (A.DomainAgentResponseTimeout, "DOMAIN_AGENT_RESPONSE_TIMEOUT_"),
    (A.DomainAuthorizedSSHKeysSetFlags, "DOMAIN_AUTHORIZED_SSH_KEYS_SET_"),
    (A.DomainBackupBeginFlags, "DOMAIN_BACKUP_BEGIN_"),
    (A.DomainBlkioParamType, "DOMAIN_BLKIO_PARAM_"),
    (A.DomainBlockCommitFlags, "DOMAIN_BLOCK_COMMIT_"),
    (A.DomainBlockCopyFlags, "DOMAIN_BLOCK_COPY_"),
    (A.DomainBlockJobAbortFlags, "DOMAIN_BLOCK_JOB_ABORT_"),
    (A.DomainBlockJobStatus, "DOMAIN_BLOCK_JOB_"),
    (A.DomainBlockJobInfoFlags, "DOMAIN_BLOCK_JOB_INFO_"),
    (A.DomainBlockJobSetSpeedFlags, "DOMAIN_BLOCK_JOB_SPEED_"),
    (A.DomainBlockJobType, "DOMAIN_BLOCK_JOB_TYPE_"),
    (A.DomainBlockPullFlags, "DOMAIN_BLOCK_PULL_"),
    (A.DomainBlockRebaseFlags, "DOMAIN_BLOCK_REBASE_"),
    (A.DomainBlockResizeFlags, "DOMAIN_BLOCK_RESIZE_"),
    (A.DomainChannelFlags, "DOMAIN_CHANNEL_"),
    (A.DomainCheckpointCreateFlags, "DOMAIN_CHECKPOINT_CREATE_"),
    (A.DomainCheckpointDeleteFlags, "DOMAIN_CHECKPOINT_DELETE_"),
    (A.DomainCheckpointListFlags, "DOMAIN_CHECKPOINT_LIST_"),
    (A.DomainCheckpointXMLFlags, "DOMAIN_CHECKPOINT_XML_"),
    (A.DomainConsoleFlags, "DOMAIN_CONSOLE_"),
    (A.DomainControlState, "DOMAIN_CONTROL_"),
    (A.DomainControlErrorReason, "DOMAIN_CONTROL_ERROR_REASON_"),
    (A.DomainCoreDumpFormat, "DOMAIN_CORE_DUMP_FORMAT_"),
    (A.DomainDeviceModifyFlags, "DOMAIN_DEVICE_MODIFY_"),
    (A.DomainDirtyRateStatus, "DOMAIN_DIRTYRATE_"),
    (A.DomainDirtyRateCalcFlags, "DOMAIN_DIRTYRATE_MODE_"),
    (A.DomainDiskErrorCode, "DOMAIN_DISK_ERROR_"),
    (A.DomainEventDiskChangeReason, "DOMAIN_EVENT_DISK_"),
    (A.DomainEventGraphicsAddressType, "DOMAIN_EVENT_GRAPHICS_ADDRESS_"),
    (A.DomainEventGraphicsPhase, "DOMAIN_EVENT_GRAPHICS_"),
    (A.DomainEventIOErrorAction, "DOMAIN_EVENT_IO_ERROR_"),
    (A.DomainMemoryFailureActionType, "DOMAIN_EVENT_MEMORY_FAILURE_ACTION_"),
    (A.DomainMemoryFailureRecipientType, "DOMAIN_EVENT_MEMORY_FAILURE_RECIPIENT_"),
    (A.DomainEventTrayChangeReason, "DOMAIN_EVENT_TRAY_CHANGE_"),
    (A.DomainEventWatchdogAction, "DOMAIN_EVENT_WATCHDOG_"),
    (A.DomainFDAssociateFlags, "DOMAIN_FD_ASSOCIATE_"),
    (A.DomainGetHostnameFlags, "DOMAIN_GET_HOSTNAME_"),
    (A.DomainGuestInfoTypes, "DOMAIN_GUEST_INFO_"),
    (A.DomainInterfaceAddressesSource, "DOMAIN_INTERFACE_ADDRESSES_SRC_"),
    (A.DomainJobType, "DOMAIN_JOB_"),
    (A.DomainJobOperation, "DOMAIN_JOB_OPERATION_"),
    (A.DomainGetJobStatsFlags, "DOMAIN_JOB_STATS_"),
    (A.DomainLifecycleAction, "DOMAIN_LIFECYCLE_ACTION_"),
    (A.DomainLifecycle, "DOMAIN_LIFECYCLE_"),
    (A.DomainMemoryFailureFlags, "DOMAIN_MEMORY_FAILURE_"),
    (A.DomainMemoryParamType, "DOMAIN_MEMORY_PARAM_"),
    (A.DomainMemoryStatTags, "DOMAIN_MEMORY_STAT_"),
    (A.DomainMessageType, "DOMAIN_MESSAGE_"),
    (A.DomainMetadataType, "DOMAIN_METADATA_"),
    (A.DomainMigrateMaxSpeedFlags, "DOMAIN_MIGRATE_MAX_SPEED_"),
    (A.DomainNumatuneMemMode, "DOMAIN_NUMATUNE_MEM_"),
    (A.DomainOpenGraphicsFlags, "DOMAIN_OPEN_GRAPHICS_"),
    (A.DomainSetUserPasswordFlags, "DOMAIN_PASSWORD_"),
    (A.DomainPMSuspendedDiskReason, "DOMAIN_PMSUSPENDED_DISK_"),
    (A.DomainProcessSignal, "DOMAIN_PROCESS_SIGNAL_"),
    (A.DomainSaveRestoreFlags, "DOMAIN_SAVE_"),
    (A.DomainSaveImageXMLFlags, "DOMAIN_SAVE_IMAGE_XML_"),
    (A.DomainSchedFieldType, "DOMAIN_SCHED_FIELD_"),
    (A.DomainSnapshotCreateFlags, "DOMAIN_SNAPSHOT_CREATE_"),
    (A.DomainSnapshotDeleteFlags, "DOMAIN_SNAPSHOT_DELETE_"),
    (A.DomainSnapshotListFlags, "DOMAIN_SNAPSHOT_LIST_"),
    (A.DomainSnapshotRevertFlags, "DOMAIN_SNAPSHOT_REVERT_"),
    (A.DomainSnapshotXMLFlags, "DOMAIN_SNAPSHOT_XML_"),
    (A.DomainStatsTypes, "DOMAIN_STATS_"),
    (A.DomainSetTimeFlags, "DOMAIN_TIME_"),
    (A.DomainCoreDumpFlags, "DUMP_"),
    (A.EventHandleType, "EVENT_HANDLE_"),
    (A.InterfaceDefineFlags, "INTERFACE_DEFINE_"),
    (A.InterfaceXMLFlags, "INTERFACE_XML_"),
    (A.IPAddrType, "IP_ADDR_TYPE_"),
    (A.KeycodeSet, "KEYCODE_SET_"),
    (A.DomainMemoryFlags, "MEMORY_"),
    (A.DomainMigrateFlags, "MIGRATE_"),
    (A.NetworkCreateFlags, "NETWORK_CREATE_"),
    (A.NetworkDefineFlags, "NETWORK_DEFINE_"),
    (A.NetworkEventID, "NETWORK_EVENT_ID_"),
    (A.NetworkPortCreateFlags, "NETWORK_PORT_CREATE_"),
    (A.NetworkUpdateSection, "NETWORK_SECTION_"),
    (A.NetworkUpdateFlags, "NETWORK_UPDATE_AFFECT_"),
    (A.NetworkUpdateCommand, "NETWORK_UPDATE_COMMAND_"),
    (A.NodeAllocPagesFlags, "NODE_ALLOC_PAGES_"),
    (A.NodeGetCPUStatsAllCPUs, "NODE_CPU_STATS_"),
    (A.NodeDeviceCreateXMLFlags, "NODE_DEVICE_CREATE_XML_"),
    (A.NodeDeviceDefineXMLFlags, "NODE_DEVICE_DEFINE_XML_"),
    (A.NodeDeviceEventLifecycleType, "NODE_DEVICE_EVENT_"),
    (A.NodeDeviceEventID, "NODE_DEVICE_EVENT_ID_"),
    (A.NodeGetMemoryStatsAllCells, "NODE_MEMORY_STATS_"),
    (A.NodeSuspendTarget, "NODE_SUSPEND_TARGET_"),
    (A.NWFilterBindingCreateFlags, "NWFILTER_BINDING_CREATE_"),
    (A.NWFilterDefineFlags, "NWFILTER_DEFINE_"),
    (A.SecretDefineFlags, "SECRET_DEFINE_"),
    (A.SecretEventLifecycleType, "SECRET_EVENT_"),
    (A.SecretEventID, "SECRET_EVENT_ID_"),
    (A.SecretUsageType, "SECRET_USAGE_TYPE_"),
    (A.StoragePoolBuildFlags, "STORAGE_POOL_BUILD_"),
    (A.StoragePoolCreateFlags, "STORAGE_POOL_CREATE_"),
    (A.StoragePoolDefineFlags, "STORAGE_POOL_DEFINE_"),
    (A.StoragePoolDeleteFlags, "STORAGE_POOL_DELETE_"),
    (A.StoragePoolEventID, "STORAGE_POOL_EVENT_ID_"),
    (A.StorageVolCreateFlags, "STORAGE_VOL_CREATE_"),
    (A.StorageVolDeleteFlags, "STORAGE_VOL_DELETE_"),
    (A.StorageVolDownloadFlags, "STORAGE_VOL_DOWNLOAD_"),
    (A.StorageVolInfoFlags, "STORAGE_VOL_GET_"),
    (A.StorageVolResizeFlags, "STORAGE_VOL_RESIZE_"),
    (A.StorageVolUploadFlags, "STORAGE_VOL_UPLOAD_"),
    (A.StorageVolInfoFlagsUse, "STORAGE_VOL_USE_"),
    (A.StorageVolWipeAlgorithm, "STORAGE_VOL_WIPE_ALG_"),
    (A.StreamEventType, "STREAM_EVENT_"),
    (A.StreamFlags, "STREAM_"),
    (A.StreamRecvFlags, "STREAM_RECV_"),
    (E.TypedParameterType, "TYPED_PARAM_"),
    (A.TypedParameterFlags, "TYPED_PARAM_STRING_"),
    (A.VcpuState, "VCPU_"),
    (A.VcpuHostCpuState, "VCPU_INFO_CPU_"),
)

#: Members whose libvirt name does not follow their family's prefix: libvirt spells the
#: "no such object" warnings VIR_WAR_* although they are virErrorNumber values.
_RENAMED_PREFIXES: dict[str, str] = {"VIR_ERR_WAR_": "VIR_WAR_"}


def _name(prefix: str, member: str) -> str:
    name = f"VIR_{prefix}{member}"
    for old, new in _RENAMED_PREFIXES.items():
        if name.startswith(old):
            return new + name[len(old) :]
    return name


def build() -> dict[str, int]:
    """Every constant produced by :data:`FAMILIES`; a name produced twice must agree."""
    constants: dict[str, int] = {}
    for family, prefix in FAMILIES:
        for member, value in family.__members__.items():
            name = _name(prefix, member)
            number = int(value.value)
            previous = constants.setdefault(name, number)
            if previous != number:
                raise AssertionError(f"{name} produced as {previous} and {number}")
    return constants


CONSTANTS: dict[str, int] = build()
