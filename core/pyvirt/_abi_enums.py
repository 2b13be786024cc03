"""libvirt's enums for the API families pyvirt does not implement yet.

``pyvirt.libvirt`` must offer libvirt-python's ``VIR_*`` constants with libvirt's numbers,
and produces them from enums (see :mod:`pyvirt.libvirt._constants`) so that each number is
written once.  The enums pyvirt's own API uses live in :mod:`pyvirt._enums`; these are the
rest of libvirt 9.0's public enums (migration, snapshots, block jobs, node devices, secrets,
streams ...), kept here so that a feature implemented later finds its numbers ready: move the
class into ``_enums`` then.  Names follow libvirt's C enum names without the ``vir`` prefix;
members are the constant names without their family prefix.
"""

from __future__ import annotations

import enum


class ConnectBaselineCPUFlags(enum.IntFlag):
    """VIR_CONNECT_BASELINE_CPU_*."""

    EXPAND_FEATURES = 1
    MIGRATABLE = 2


class ConnectCloseReason(enum.IntEnum):
    """VIR_CONNECT_CLOSE_REASON_*."""

    ERROR = 0
    EOF = 1
    KEEPALIVE = 2
    CLIENT = 3


class ConnectCompareCPUFlags(enum.IntFlag):
    """VIR_CONNECT_COMPARE_CPU_*."""

    FAIL_INCOMPATIBLE = 1
    VALIDATE_XML = 2


class ConnectDomainEventAgentLifecycleReason(enum.IntEnum):
    """VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_*."""

    UNKNOWN = 0
    DOMAIN_STARTED = 1
    CHANNEL = 2


class ConnectDomainEventAgentLifecycleState(enum.IntEnum):
    """VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_*."""

    CONNECTED = 1
    DISCONNECTED = 2


class ConnectGetAllDomainStatsFlags(enum.IntFlag):
    """VIR_CONNECT_GET_ALL_DOMAINS_STATS_*."""

    ACTIVE = 1
    INACTIVE = 2
    PERSISTENT = 4
    TRANSIENT = 8
    RUNNING = 16
    PAUSED = 32
    SHUTOFF = 64
    OTHER = 128
    NOWAIT = 536870912
    BACKING = 1073741824
    ENFORCE_STATS = 2147483648


class ListInterfacesFlags(enum.IntFlag):
    """VIR_CONNECT_LIST_INTERFACES_*."""

    INACTIVE = 1
    ACTIVE = 2


class ListNodeDeviceFlags(enum.IntFlag):
    """VIR_CONNECT_LIST_NODE_DEVICES_*."""

    CAP_SYSTEM = 1
    CAP_PCI_DEV = 2
    CAP_USB_DEV = 4
    CAP_USB_INTERFACE = 8
    CAP_NET = 16
    CAP_SCSI_HOST = 32
    CAP_SCSI_TARGET = 64
    CAP_SCSI = 128
    CAP_STORAGE = 256
    CAP_FC_HOST = 512
    CAP_VPORTS = 1024
    CAP_SCSI_GENERIC = 2048
    CAP_DRM = 4096
    CAP_MDEV_TYPES = 8192
    CAP_MDEV = 16384
    CAP_CCW_DEV = 32768
    CAP_CSS_DEV = 65536
    CAP_VDPA = 131072
    CAP_AP_CARD = 262144
    CAP_AP_QUEUE = 524288
    CAP_AP_MATRIX = 1048576
    CAP_VPD = 2097152
    INACTIVE = 1073741824
    ACTIVE = 2147483648


class ListSecretsFlags(enum.IntFlag):
    """VIR_CONNECT_LIST_SECRETS_*."""

    EPHEMERAL = 1
    NO_EPHEMERAL = 2
    PRIVATE = 4
    NO_PRIVATE = 8


class CPUCompareResult(enum.IntEnum):
    """VIR_CPU_COMPARE_*."""

    ERROR = -1
    INCOMPATIBLE = 0
    IDENTICAL = 1
    SUPERSET = 2


class CredentialType(enum.IntEnum):
    """VIR_CRED_*."""

    USERNAME = 1
    AUTHNAME = 2
    LANGUAGE = 3
    CNONCE = 4
    PASSPHRASE = 5
    ECHOPROMPT = 6
    NOECHOPROMPT = 7
    REALM = 8
    EXTERNAL = 9


class DomainAbortJobFlags(enum.IntFlag):
    """VIR_DOMAIN_ABORT_JOB_*."""

    POSTCOPY = 1


class DomainAgentResponseTimeout(enum.IntEnum):
    """VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_*."""

    BLOCK = -2
    DEFAULT = -1
    NOWAIT = 0


class DomainAuthorizedSSHKeysSetFlags(enum.IntFlag):
    """VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_*."""

    APPEND = 1
    REMOVE = 2


class DomainBackupBeginFlags(enum.IntFlag):
    """VIR_DOMAIN_BACKUP_BEGIN_*."""

    REUSE_EXTERNAL = 1


class DomainBlkioParamType(enum.IntEnum):
    """VIR_DOMAIN_BLKIO_PARAM_*."""

    INT = 1
    UINT = 2
    LLONG = 3
    ULLONG = 4
    DOUBLE = 5
    BOOLEAN = 6


class DomainBlockCommitFlags(enum.IntFlag):
    """VIR_DOMAIN_BLOCK_COMMIT_*."""

    SHALLOW = 1
    DELETE = 2
    ACTIVE = 4
    RELATIVE = 8
    BANDWIDTH_BYTES = 16


class DomainBlockCopyFlags(enum.IntFlag):
    """VIR_DOMAIN_BLOCK_COPY_*."""

    SHALLOW = 1
    REUSE_EXT = 2
    TRANSIENT_JOB = 4
    SYNCHRONOUS_WRITES = 8


class DomainBlockJobAbortFlags(enum.IntFlag):
    """VIR_DOMAIN_BLOCK_JOB_ABORT_*."""

    ASYNC = 1
    PIVOT = 2


class DomainBlockJobStatus(enum.IntEnum):
    """VIR_DOMAIN_BLOCK_JOB_*."""

    COMPLETED = 0
    FAILED = 1
    CANCELED = 2
    READY = 3


class DomainBlockJobInfoFlags(enum.IntFlag):
    """VIR_DOMAIN_BLOCK_JOB_INFO_*."""

    BANDWIDTH_BYTES = 1


class DomainBlockJobSetSpeedFlags(enum.IntFlag):
    """VIR_DOMAIN_BLOCK_JOB_SPEED_*."""

    BANDWIDTH_BYTES = 1


class DomainBlockJobType(enum.IntEnum):
    """VIR_DOMAIN_BLOCK_JOB_TYPE_*."""

    UNKNOWN = 0
    PULL = 1
    COPY = 2
    COMMIT = 3
    ACTIVE_COMMIT = 4
    BACKUP = 5


class DomainBlockPullFlags(enum.IntFlag):
    """VIR_DOMAIN_BLOCK_PULL_*."""

    BANDWIDTH_BYTES = 64


class DomainBlockRebaseFlags(enum.IntFlag):
    """VIR_DOMAIN_BLOCK_REBASE_*."""

    SHALLOW = 1
    REUSE_EXT = 2
    COPY_RAW = 4
    COPY = 8
    RELATIVE = 16
    COPY_DEV = 32
    BANDWIDTH_BYTES = 64


class DomainBlockResizeFlags(enum.IntFlag):
    """VIR_DOMAIN_BLOCK_RESIZE_*."""

    BYTES = 1


class DomainChannelFlags(enum.IntFlag):
    """VIR_DOMAIN_CHANNEL_*."""

    FORCE = 1


class DomainCheckpointCreateFlags(enum.IntFlag):
    """VIR_DOMAIN_CHECKPOINT_CREATE_*."""

    REDEFINE = 1
    QUIESCE = 2
    REDEFINE_VALIDATE = 4


class DomainCheckpointDeleteFlags(enum.IntFlag):
    """VIR_DOMAIN_CHECKPOINT_DELETE_*."""

    CHILDREN = 1
    METADATA_ONLY = 2
    CHILDREN_ONLY = 4


class DomainCheckpointListFlags(enum.IntFlag):
    """VIR_DOMAIN_CHECKPOINT_LIST_*."""

    DESCENDANTS = 1
    ROOTS = 1
    TOPOLOGICAL = 2
    LEAVES = 4
    NO_LEAVES = 8


class DomainCheckpointXMLFlags(enum.IntFlag):
    """VIR_DOMAIN_CHECKPOINT_XML_*."""

    SECURE = 1
    NO_DOMAIN = 2
    SIZE = 4


class DomainConsoleFlags(enum.IntFlag):
    """VIR_DOMAIN_CONSOLE_*."""

    FORCE = 1
    SAFE = 2


class DomainControlState(enum.IntEnum):
    """VIR_DOMAIN_CONTROL_*."""

    OK = 0
    JOB = 1
    OCCUPIED = 2
    ERROR = 3


class DomainControlErrorReason(enum.IntEnum):
    """VIR_DOMAIN_CONTROL_ERROR_REASON_*."""

    NONE = 0
    UNKNOWN = 1
    MONITOR = 2
    INTERNAL = 3


class DomainCoreDumpFormat(enum.IntEnum):
    """VIR_DOMAIN_CORE_DUMP_FORMAT_*."""

    RAW = 0
    KDUMP_ZLIB = 1
    KDUMP_LZO = 2
    KDUMP_SNAPPY = 3
    WIN_DMP = 4


class DomainDeviceModifyFlags(enum.IntFlag):
    """VIR_DOMAIN_DEVICE_MODIFY_*."""

    CURRENT = 0
    LIVE = 1
    CONFIG = 2
    FORCE = 4


class DomainDirtyRateStatus(enum.IntEnum):
    """VIR_DOMAIN_DIRTYRATE_*."""

    UNSTARTED = 0
    MEASURING = 1
    MEASURED = 2


class DomainDirtyRateCalcFlags(enum.IntFlag):
    """VIR_DOMAIN_DIRTYRATE_MODE_*."""

    PAGE_SAMPLING = 0
    DIRTY_BITMAP = 1
    DIRTY_RING = 2


class DomainDiskErrorCode(enum.IntEnum):
    """VIR_DOMAIN_DISK_ERROR_*."""

    NONE = 0
    UNSPEC = 1
    NO_SPACE = 2


class DomainEventDiskChangeReason(enum.IntEnum):
    """VIR_DOMAIN_EVENT_DISK_*."""

    CHANGE_MISSING_ON_START = 0
    DROP_MISSING_ON_START = 1


class DomainEventGraphicsAddressType(enum.IntEnum):
    """VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_*."""

    IPV4 = 0
    IPV6 = 1
    UNIX = 2


class DomainEventGraphicsPhase(enum.IntEnum):
    """VIR_DOMAIN_EVENT_GRAPHICS_*."""

    CONNECT = 0
    INITIALIZE = 1
    DISCONNECT = 2


class DomainEventIOErrorAction(enum.IntEnum):
    """VIR_DOMAIN_EVENT_IO_ERROR_*."""

    NONE = 0
    PAUSE = 1
    REPORT = 2


class DomainMemoryFailureActionType(enum.IntEnum):
    """VIR_DOMAIN_EVENT_MEMORY_FAILURE_ACTION_*."""

    IGNORE = 0
    INJECT = 1
    FATAL = 2
    RESET = 3


class DomainMemoryFailureRecipientType(enum.IntEnum):
    """VIR_DOMAIN_EVENT_MEMORY_FAILURE_RECIPIENT_*."""

    HYPERVISOR = 0
    GUEST = 1


class DomainEventTrayChangeReason(enum.IntEnum):
    """VIR_DOMAIN_EVENT_TRAY_CHANGE_*."""

    OPEN = 0
    CLOSE = 1


class DomainEventWatchdogAction(enum.IntEnum):
    """VIR_DOMAIN_EVENT_WATCHDOG_*."""

    NONE = 0
    PAUSE = 1
    RESET = 2
    POWEROFF = 3
    SHUTDOWN = 4
    DEBUG = 5
    INJECTNMI = 6


class DomainFDAssociateFlags(enum.IntFlag):
    """VIR_DOMAIN_FD_ASSOCIATE_*."""

    SECLABEL_RESTORE = 1
    SECLABEL_WRITABLE = 2


class DomainGetHostnameFlags(enum.IntFlag):
    """VIR_DOMAIN_GET_HOSTNAME_*."""

    LEASE = 1
    AGENT = 2


class DomainGuestInfoTypes(enum.IntFlag):
    """VIR_DOMAIN_GUEST_INFO_*."""

    USERS = 1
    OS = 2
    TIMEZONE = 4
    HOSTNAME = 8
    FILESYSTEM = 16
    DISKS = 32
    INTERFACES = 64


class DomainInterfaceAddressesSource(enum.IntEnum):
    """VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*."""

    LEASE = 0
    AGENT = 1
    ARP = 2


class DomainJobType(enum.IntEnum):
    """VIR_DOMAIN_JOB_*."""

    NONE = 0
    BOUNDED = 1
    UNBOUNDED = 2
    COMPLETED = 3
    FAILED = 4
    CANCELLED = 5


class DomainJobOperation(enum.IntEnum):
    """VIR_DOMAIN_JOB_OPERATION_*."""

    UNKNOWN = 0
    START = 1
    SAVE = 2
    RESTORE = 3
    MIGRATION_IN = 4
    MIGRATION_OUT = 5
    SNAPSHOT = 6
    SNAPSHOT_REVERT = 7
    DUMP = 8
    BACKUP = 9
    SNAPSHOT_DELETE = 10


class DomainGetJobStatsFlags(enum.IntFlag):
    """VIR_DOMAIN_JOB_STATS_*."""

    COMPLETED = 1
    KEEP_COMPLETED = 2


class DomainLifecycleAction(enum.IntEnum):
    """VIR_DOMAIN_LIFECYCLE_ACTION_*."""

    DESTROY = 0
    RESTART = 1
    RESTART_RENAME = 2
    PRESERVE = 3
    COREDUMP_DESTROY = 4
    COREDUMP_RESTART = 5


class DomainLifecycle(enum.IntEnum):
    """VIR_DOMAIN_LIFECYCLE_*."""

    POWEROFF = 0
    REBOOT = 1
    CRASH = 2


class DomainMemoryFailureFlags(enum.IntFlag):
    """VIR_DOMAIN_MEMORY_FAILURE_*."""

    ACTION_REQUIRED = 1
    RECURSIVE = 2


class DomainMemoryParamType(enum.IntEnum):
    """VIR_DOMAIN_MEMORY_PARAM_*."""

    INT = 1
    UINT = 2
    LLONG = 3
    ULLONG = 4
    DOUBLE = 5
    BOOLEAN = 6


class DomainMemoryStatTags(enum.IntEnum):
    """VIR_DOMAIN_MEMORY_STAT_*."""

    SWAP_IN = 0
    SWAP_OUT = 1
    MAJOR_FAULT = 2
    MINOR_FAULT = 3
    UNUSED = 4
    AVAILABLE = 5
    ACTUAL_BALLOON = 6
    RSS = 7
    USABLE = 8
    LAST_UPDATE = 9
    DISK_CACHES = 10
    HUGETLB_PGALLOC = 11
    HUGETLB_PGFAIL = 12
    LAST = 13
    NR = 13


class DomainMessageType(enum.IntFlag):
    """VIR_DOMAIN_MESSAGE_*."""

    DEPRECATION = 1
    TAINTING = 2


class DomainMetadataType(enum.IntEnum):
    """VIR_DOMAIN_METADATA_*."""

    DESCRIPTION = 0
    TITLE = 1
    ELEMENT = 2


class DomainMigrateMaxSpeedFlags(enum.IntFlag):
    """VIR_DOMAIN_MIGRATE_MAX_SPEED_*."""

    POSTCOPY = 1


class DomainNumatuneMemMode(enum.IntEnum):
    """VIR_DOMAIN_NUMATUNE_MEM_*."""

    STRICT = 0
    PREFERRED = 1
    INTERLEAVE = 2
    RESTRICTIVE = 3


class DomainOpenGraphicsFlags(enum.IntFlag):
    """VIR_DOMAIN_OPEN_GRAPHICS_*."""

    SKIPAUTH = 1


class DomainSetUserPasswordFlags(enum.IntFlag):
    """VIR_DOMAIN_PASSWORD_*."""

    ENCRYPTED = 1


class DomainPMSuspendedDiskReason(enum.IntEnum):
    """VIR_DOMAIN_PMSUSPENDED_DISK_*."""

    UNKNOWN = 0


class DomainProcessSignal(enum.IntEnum):
    """VIR_DOMAIN_PROCESS_SIGNAL_*."""

    NOP = 0
    HUP = 1
    INT = 2
    QUIT = 3
    ILL = 4
    TRAP = 5
    ABRT = 6
    BUS = 7
    FPE = 8
    KILL = 9
    USR1 = 10
    SEGV = 11
    USR2 = 12
    PIPE = 13
    ALRM = 14
    TERM = 15
    STKFLT = 16
    CHLD = 17
    CONT = 18
    STOP = 19
    TSTP = 20
    TTIN = 21
    TTOU = 22
    URG = 23
    XCPU = 24
    XFSZ = 25
    VTALRM = 26
    PROF = 27
    WINCH = 28
    POLL = 29
    PWR = 30
    SYS = 31
    RT0 = 32
    RT1 = 33
    RT2 = 34
    RT3 = 35
    RT4 = 36
    RT5 = 37
    RT6 = 38
    RT7 = 39
    RT8 = 40
    RT9 = 41
    RT10 = 42
    RT11 = 43
    RT12 = 44
    RT13 = 45
    RT14 = 46
    RT15 = 47
    RT16 = 48
    RT17 = 49
    RT18 = 50
    RT19 = 51
    RT20 = 52
    RT21 = 53
    RT22 = 54
    RT23 = 55
    RT24 = 56
    RT25 = 57
    RT26 = 58
    RT27 = 59
    RT28 = 60
    RT29 = 61
    RT30 = 62
    RT31 = 63
    RT32 = 64


# DomainSaveRestoreFlags (VIR_DOMAIN_SAVE_*) has an API now: it lives in pyvirt._enums.
from pyvirt._enums import DomainSaveRestoreFlags as DomainSaveRestoreFlags  # noqa: E402


class DomainSaveImageXMLFlags(enum.IntFlag):
    """VIR_DOMAIN_SAVE_IMAGE_XML_*."""

    SECURE = 1


class DomainSchedFieldType(enum.IntEnum):
    """VIR_DOMAIN_SCHED_FIELD_*."""

    INT = 1
    UINT = 2
    LLONG = 3
    ULLONG = 4
    DOUBLE = 5
    BOOLEAN = 6


# The DomainSnapshot* flags have an API now: they live in pyvirt._enums.
from pyvirt._enums import DomainSnapshotCreateFlags as DomainSnapshotCreateFlags  # noqa: E402
from pyvirt._enums import DomainSnapshotDeleteFlags as DomainSnapshotDeleteFlags  # noqa: E402
from pyvirt._enums import DomainSnapshotListFlags as DomainSnapshotListFlags  # noqa: E402
from pyvirt._enums import DomainSnapshotRevertFlags as DomainSnapshotRevertFlags  # noqa: E402
from pyvirt._enums import DomainSnapshotXMLFlags as DomainSnapshotXMLFlags  # noqa: E402


class DomainStatsTypes(enum.IntFlag):
    """VIR_DOMAIN_STATS_*."""

    STATE = 1
    CPU_TOTAL = 2
    BALLOON = 4
    VCPU = 8
    INTERFACE = 16
    BLOCK = 32
    PERF = 64
    IOTHREAD = 128
    MEMORY = 256
    DIRTYRATE = 512
    VM = 1024


class DomainSetTimeFlags(enum.IntFlag):
    """VIR_DOMAIN_TIME_*."""

    SYNC = 1


class DomainCoreDumpFlags(enum.IntFlag):
    """VIR_DUMP_*."""

    CRASH = 1
    LIVE = 2
    BYPASS_CACHE = 4
    RESET = 8
    MEMORY_ONLY = 16


class EventHandleType(enum.IntFlag):
    """VIR_EVENT_HANDLE_*."""

    READABLE = 1
    WRITABLE = 2
    ERROR = 4
    HANGUP = 8


class InterfaceDefineFlags(enum.IntFlag):
    """VIR_INTERFACE_DEFINE_*."""

    VALIDATE = 1


class InterfaceXMLFlags(enum.IntFlag):
    """VIR_INTERFACE_XML_*."""

    INACTIVE = 1


class IPAddrType(enum.IntEnum):
    """VIR_IP_ADDR_TYPE_*."""

    IPV4 = 0
    IPV6 = 1


class KeycodeSet(enum.IntEnum):
    """VIR_KEYCODE_SET_*."""

    LINUX = 0
    XT = 1
    ATSET1 = 2
    ATSET2 = 3
    ATSET3 = 4
    OSX = 5
    XT_KBD = 6
    USB = 7
    WIN32 = 8
    QNUM = 9


class DomainMemoryFlags(enum.IntFlag):
    """VIR_MEMORY_*."""

    VIRTUAL = 1
    PHYSICAL = 2


class DomainMigrateFlags(enum.IntFlag):
    """VIR_MIGRATE_*."""

    LIVE = 1
    PEER2PEER = 2
    TUNNELLED = 4
    PERSIST_DEST = 8
    UNDEFINE_SOURCE = 16
    PAUSED = 32
    NON_SHARED_DISK = 64
    NON_SHARED_INC = 128
    CHANGE_PROTECTION = 256
    UNSAFE = 512
    OFFLINE = 1024
    COMPRESSED = 2048
    ABORT_ON_ERROR = 4096
    AUTO_CONVERGE = 8192
    RDMA_PIN_ALL = 16384
    POSTCOPY = 32768
    TLS = 65536
    PARALLEL = 131072
    NON_SHARED_SYNCHRONOUS_WRITES = 262144
    POSTCOPY_RESUME = 524288
    ZEROCOPY = 1048576


class NetworkCreateFlags(enum.IntFlag):
    """VIR_NETWORK_CREATE_*."""

    VALIDATE = 1


class NetworkDefineFlags(enum.IntFlag):
    """VIR_NETWORK_DEFINE_*."""

    VALIDATE = 1


class NetworkEventID(enum.IntEnum):
    """VIR_NETWORK_EVENT_ID_*."""

    LIFECYCLE = 0


class NetworkPortCreateFlags(enum.IntFlag):
    """VIR_NETWORK_PORT_CREATE_*."""

    RECLAIM = 1
    VALIDATE = 2


class NetworkUpdateSection(enum.IntEnum):
    """VIR_NETWORK_SECTION_*."""

    NONE = 0
    BRIDGE = 1
    DOMAIN = 2
    IP = 3
    IP_DHCP_HOST = 4
    IP_DHCP_RANGE = 5
    FORWARD = 6
    FORWARD_INTERFACE = 7
    FORWARD_PF = 8
    PORTGROUP = 9
    DNS_HOST = 10
    DNS_TXT = 11
    DNS_SRV = 12


class NetworkUpdateFlags(enum.IntFlag):
    """VIR_NETWORK_UPDATE_AFFECT_*."""

    CURRENT = 0
    LIVE = 1
    CONFIG = 2


class NetworkUpdateCommand(enum.IntEnum):
    """VIR_NETWORK_UPDATE_COMMAND_*."""

    NONE = 0
    MODIFY = 1
    DELETE = 2
    ADD_LAST = 3
    ADD_FIRST = 4


class NodeAllocPagesFlags(enum.IntFlag):
    """VIR_NODE_ALLOC_PAGES_*."""

    ADD = 0
    SET = 1


class NodeGetCPUStatsAllCPUs(enum.IntEnum):
    """VIR_NODE_CPU_STATS_*."""

    ALL_CPUS = -1


class NodeDeviceCreateXMLFlags(enum.IntFlag):
    """VIR_NODE_DEVICE_CREATE_XML_*."""

    VALIDATE = 1


class NodeDeviceDefineXMLFlags(enum.IntFlag):
    """VIR_NODE_DEVICE_DEFINE_XML_*."""

    VALIDATE = 1


class NodeDeviceEventLifecycleType(enum.IntEnum):
    """VIR_NODE_DEVICE_EVENT_*."""

    CREATED = 0
    DELETED = 1
    DEFINED = 2
    UNDEFINED = 3


class NodeDeviceEventID(enum.IntEnum):
    """VIR_NODE_DEVICE_EVENT_ID_*."""

    LIFECYCLE = 0
    UPDATE = 1


class NodeGetMemoryStatsAllCells(enum.IntEnum):
    """VIR_NODE_MEMORY_STATS_*."""

    ALL_CELLS = -1


class NodeSuspendTarget(enum.IntEnum):
    """VIR_NODE_SUSPEND_TARGET_*."""

    MEM = 0
    DISK = 1
    HYBRID = 2


class NWFilterBindingCreateFlags(enum.IntFlag):
    """VIR_NWFILTER_BINDING_CREATE_*."""

    VALIDATE = 1


class NWFilterDefineFlags(enum.IntFlag):
    """VIR_NWFILTER_DEFINE_*."""

    VALIDATE = 1


class SecretDefineFlags(enum.IntFlag):
    """VIR_SECRET_DEFINE_*."""

    VALIDATE = 1


class SecretEventLifecycleType(enum.IntEnum):
    """VIR_SECRET_EVENT_*."""

    DEFINED = 0
    UNDEFINED = 1


class SecretEventID(enum.IntEnum):
    """VIR_SECRET_EVENT_ID_*."""

    LIFECYCLE = 0
    VALUE_CHANGED = 1


class SecretUsageType(enum.IntEnum):
    """VIR_SECRET_USAGE_TYPE_*."""

    NONE = 0
    VOLUME = 1
    CEPH = 2
    ISCSI = 3
    TLS = 4
    VTPM = 5


class StoragePoolBuildFlags(enum.IntFlag):
    """VIR_STORAGE_POOL_BUILD_*."""

    NEW = 0
    REPAIR = 1
    RESIZE = 2
    NO_OVERWRITE = 4
    OVERWRITE = 8


class StoragePoolCreateFlags(enum.IntFlag):
    """VIR_STORAGE_POOL_CREATE_*."""

    NORMAL = 0
    WITH_BUILD = 1
    WITH_BUILD_OVERWRITE = 2
    WITH_BUILD_NO_OVERWRITE = 4


class StoragePoolDefineFlags(enum.IntFlag):
    """VIR_STORAGE_POOL_DEFINE_*."""

    VALIDATE = 1


class StoragePoolDeleteFlags(enum.IntFlag):
    """VIR_STORAGE_POOL_DELETE_*."""

    NORMAL = 0
    ZEROED = 1


class StoragePoolEventID(enum.IntEnum):
    """VIR_STORAGE_POOL_EVENT_ID_*."""

    LIFECYCLE = 0
    REFRESH = 1


class StorageVolCreateFlags(enum.IntFlag):
    """VIR_STORAGE_VOL_CREATE_*."""

    PREALLOC_METADATA = 1
    REFLINK = 2
    VALIDATE = 4


class StorageVolDeleteFlags(enum.IntFlag):
    """VIR_STORAGE_VOL_DELETE_*."""

    NORMAL = 0
    ZEROED = 1
    WITH_SNAPSHOTS = 2


class StorageVolDownloadFlags(enum.IntFlag):
    """VIR_STORAGE_VOL_DOWNLOAD_*."""

    SPARSE_STREAM = 1


class StorageVolInfoFlags(enum.IntFlag):
    """VIR_STORAGE_VOL_GET_*."""

    PHYSICAL = 1


class StorageVolResizeFlags(enum.IntFlag):
    """VIR_STORAGE_VOL_RESIZE_*."""

    ALLOCATE = 1
    DELTA = 2
    SHRINK = 4


class StorageVolUploadFlags(enum.IntFlag):
    """VIR_STORAGE_VOL_UPLOAD_*."""

    SPARSE_STREAM = 1


class StorageVolInfoFlagsUse(enum.IntEnum):
    """VIR_STORAGE_VOL_USE_*."""

    ALLOCATION = 0


class StorageVolWipeAlgorithm(enum.IntEnum):
    """VIR_STORAGE_VOL_WIPE_ALG_*."""

    ZERO = 0
    NNSA = 1
    DOD = 2
    BSI = 3
    GUTMANN = 4
    SCHNEIER = 5
    PFITZNER7 = 6
    PFITZNER33 = 7
    RANDOM = 8
    TRIM = 9


class StreamEventType(enum.IntFlag):
    """VIR_STREAM_EVENT_*."""

    READABLE = 1
    WRITABLE = 2
    ERROR = 4
    HANGUP = 8


class StreamFlags(enum.IntFlag):
    """VIR_STREAM_*."""

    NONBLOCK = 1


class StreamRecvFlags(enum.IntFlag):
    """VIR_STREAM_RECV_*."""

    STOP_AT_HOLE = 1


class TypedParameterFlags(enum.IntFlag):
    """VIR_TYPED_PARAM_STRING_*."""

    OKAY = 4


class VcpuState(enum.IntEnum):
    """VIR_VCPU_*."""

    OFFLINE = 0
    RUNNING = 1
    BLOCKED = 2


class VcpuHostCpuState(enum.IntEnum):
    """VIR_VCPU_INFO_CPU_*."""

    UNAVAILABLE = -2
    OFFLINE = -1
