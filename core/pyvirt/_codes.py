"""libvirt's error numbers, error domains and message templates.

These numbers and texts are libvirt's ABI: scripts branch on the numbers and people grep for
the texts, so both must equal libvirt's.  This is the one table; ``pyvirt.libvirt`` derives its
``VIR_ERR_*`` / ``VIR_FROM_*`` constants from these enums.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.IntEnum):
    """virErrorNumber."""

    OK = 0
    INTERNAL_ERROR = 1
    NO_MEMORY = 2
    NO_SUPPORT = 3
    UNKNOWN_HOST = 4
    NO_CONNECT = 5
    INVALID_CONN = 6
    INVALID_DOMAIN = 7
    INVALID_ARG = 8
    OPERATION_FAILED = 9
    GET_FAILED = 10
    POST_FAILED = 11
    HTTP_ERROR = 12
    SEXPR_SERIAL = 13
    NO_XEN = 14
    XEN_CALL = 15
    OS_TYPE = 16
    NO_KERNEL = 17
    NO_ROOT = 18
    NO_SOURCE = 19
    NO_TARGET = 20
    NO_NAME = 21
    NO_OS = 22
    NO_DEVICE = 23
    NO_XENSTORE = 24
    DRIVER_FULL = 25
    CALL_FAILED = 26
    XML_ERROR = 27
    DOM_EXIST = 28
    OPERATION_DENIED = 29
    OPEN_FAILED = 30
    READ_FAILED = 31
    PARSE_FAILED = 32
    CONF_SYNTAX = 33
    WRITE_FAILED = 34
    XML_DETAIL = 35
    INVALID_NETWORK = 36
    NETWORK_EXIST = 37
    SYSTEM_ERROR = 38
    RPC = 39
    GNUTLS_ERROR = 40
    WAR_NO_NETWORK = 41
    NO_DOMAIN = 42
    NO_NETWORK = 43
    INVALID_MAC = 44
    AUTH_FAILED = 45
    INVALID_STORAGE_POOL = 46
    INVALID_STORAGE_VOL = 47
    WAR_NO_STORAGE = 48
    NO_STORAGE_POOL = 49
    NO_STORAGE_VOL = 50
    WAR_NO_NODE = 51
    INVALID_NODE_DEVICE = 52
    NO_NODE_DEVICE = 53
    NO_SECURITY_MODEL = 54
    OPERATION_INVALID = 55
    WAR_NO_INTERFACE = 56
    NO_INTERFACE = 57
    INVALID_INTERFACE = 58
    MULTIPLE_INTERFACES = 59
    WAR_NO_NWFILTER = 60
    INVALID_NWFILTER = 61
    NO_NWFILTER = 62
    BUILD_FIREWALL = 63
    WAR_NO_SECRET = 64
    INVALID_SECRET = 65
    NO_SECRET = 66
    CONFIG_UNSUPPORTED = 67
    OPERATION_TIMEOUT = 68
    MIGRATE_PERSIST_FAILED = 69
    HOOK_SCRIPT_FAILED = 70
    INVALID_DOMAIN_SNAPSHOT = 71
    NO_DOMAIN_SNAPSHOT = 72
    INVALID_STREAM = 73
    ARGUMENT_UNSUPPORTED = 74
    STORAGE_PROBE_FAILED = 75
    STORAGE_POOL_BUILT = 76
    SNAPSHOT_REVERT_RISKY = 77
    OPERATION_ABORTED = 78
    AUTH_CANCELLED = 79
    NO_DOMAIN_METADATA = 80
    MIGRATE_UNSAFE = 81
    OVERFLOW = 82
    BLOCK_COPY_ACTIVE = 83
    OPERATION_UNSUPPORTED = 84
    SSH = 85
    AGENT_UNRESPONSIVE = 86
    RESOURCE_BUSY = 87
    ACCESS_DENIED = 88
    DBUS_SERVICE = 89
    STORAGE_VOL_EXIST = 90
    CPU_INCOMPATIBLE = 91
    XML_INVALID_SCHEMA = 92
    MIGRATE_FINISH_OK = 93
    AUTH_UNAVAILABLE = 94
    NO_SERVER = 95
    NO_CLIENT = 96
    AGENT_UNSYNCED = 97
    LIBSSH = 98
    DEVICE_MISSING = 99
    INVALID_NWFILTER_BINDING = 100
    NO_NWFILTER_BINDING = 101
    INVALID_DOMAIN_CHECKPOINT = 102
    NO_DOMAIN_CHECKPOINT = 103
    NO_DOMAIN_BACKUP = 104
    INVALID_NETWORK_PORT = 105
    NETWORK_PORT_EXIST = 106
    NO_NETWORK_PORT = 107
    NO_HOSTNAME = 108
    CHECKPOINT_INCONSISTENT = 109
    MULTIPLE_DOMAINS = 110


class ErrorDomain(enum.IntEnum):
    """virErrorDomain: which part of the stack raised the error."""

    NONE = 0
    XEN = 1
    XEND = 2
    XENSTORE = 3
    SEXPR = 4
    XML = 5
    DOM = 6
    RPC = 7
    PROXY = 8
    CONF = 9
    QEMU = 10
    NET = 11
    TEST = 12
    REMOTE = 13
    OPENVZ = 14
    XENXM = 15
    STATS_LINUX = 16
    LXC = 17
    STORAGE = 18
    NETWORK = 19
    DOMAIN = 20
    UML = 21
    NODEDEV = 22
    XEN_INOTIFY = 23
    SECURITY = 24
    VBOX = 25
    INTERFACE = 26
    ONE = 27
    ESX = 28
    PHYP = 29
    SECRET = 30
    CPU = 31
    XENAPI = 32
    NWFILTER = 33
    HOOK = 34
    DOMAIN_SNAPSHOT = 35
    AUDIT = 36
    SYSINFO = 37
    STREAMS = 38
    VMWARE = 39
    EVENT = 40
    LIBXL = 41
    LOCKING = 42
    HYPERV = 43
    CAPABILITIES = 44
    URI = 45
    AUTH = 46
    DBUS = 47
    PARALLELS = 48
    DEVICE = 49
    SSH = 50
    LOCKSPACE = 51
    INITCTL = 52
    IDENTITY = 53
    CGROUP = 54
    ACCESS = 55
    SYSTEMD = 56
    BHYVE = 57
    CRYPTO = 58
    FIREWALL = 59
    POLKIT = 60
    THREAD = 61
    ADMIN = 62
    LOGGING = 63
    XENXL = 64
    PERF = 65
    LIBSSH = 66
    RESCTRL = 67
    FIREWALLD = 68
    DOMAIN_CHECKPOINT = 69
    TPM = 70
    BPF = 71
    CH = 72


class ErrorLevel(enum.IntEnum):
    """VIR_ERR_NONE / WARNING / ERROR: how severe a :class:`VirtError` is (its ``level``)."""

    NONE = 0
    WARNING = 1
    ERROR = 2


# code -> (message without detail, message template with one %s for the detail)
_E = ErrorCode
TEMPLATES: dict[int, tuple[str, str]] = {
    _E.INTERNAL_ERROR: ("internal error", "internal error: %s"),
    _E.NO_MEMORY: ("out of memory", "out of memory: %s"),
    _E.NO_SUPPORT: (
        "this function is not supported by the connection driver",
        "this function is not supported by the connection driver: %s",
    ),
    _E.UNKNOWN_HOST: ("unknown host", "unknown host %s"),
    _E.NO_CONNECT: ("no connection driver available", "no connection driver available for %s"),
    _E.INVALID_CONN: ("invalid connection pointer in", "invalid connection pointer in %s"),
    _E.INVALID_DOMAIN: ("invalid domain pointer in", "invalid domain pointer in %s"),
    _E.INVALID_ARG: ("invalid argument", "invalid argument: %s"),
    _E.OPERATION_FAILED: ("operation failed", "operation failed: %s"),
    _E.NO_KERNEL: ("missing kernel information", "missing kernel information: %s"),
    _E.NO_SOURCE: (
        "missing source information for device",
        "missing source information for device %s",
    ),
    _E.NO_TARGET: (
        "missing target information for device",
        "missing target information for device %s",
    ),
    _E.NO_NAME: ("missing name information", "missing name information in %s"),
    _E.NO_OS: (
        "missing operating system information",
        "missing operating system information for %s",
    ),
    _E.NO_DEVICE: ("missing devices information", "missing devices information for %s"),
    _E.CALL_FAILED: ("library call failed", "library call failed: %s"),
    _E.XML_ERROR: ("XML description is invalid or not well formed", "XML error: %s"),
    _E.DOM_EXIST: ("this domain exists already", "domain %s exists already"),
    _E.OPERATION_DENIED: ("operation forbidden for read only access", "operation forbidden: %s"),
    _E.OPEN_FAILED: ("failed to open configuration file", "failed to open configuration file %s"),
    _E.READ_FAILED: ("failed to read configuration file", "failed to read configuration file %s"),
    _E.PARSE_FAILED: (
        "failed to parse configuration file",
        "failed to parse configuration file %s",
    ),
    _E.CONF_SYNTAX: ("configuration file syntax error", "configuration file syntax error: %s"),
    _E.WRITE_FAILED: (
        "failed to write configuration file",
        "failed to write configuration file: %s",
    ),
    _E.XML_DETAIL: ("parser error", "%s"),
    _E.INVALID_NETWORK: ("invalid network pointer in", "invalid network pointer in %s"),
    _E.NETWORK_EXIST: ("this network exists already", "network %s exists already"),
    _E.SYSTEM_ERROR: ("system call error", "%s"),
    _E.RPC: ("RPC error", "%s"),
    _E.NO_DOMAIN: ("Domain not found", "Domain not found: %s"),
    _E.NO_NETWORK: ("Network not found", "Network not found: %s"),
    _E.INVALID_MAC: ("invalid MAC address", "invalid MAC address: %s"),
    _E.AUTH_FAILED: ("authentication failed", "authentication failed: %s"),
    _E.INVALID_STORAGE_POOL: (
        "invalid storage pool pointer in",
        "invalid storage pool pointer in %s",
    ),
    _E.INVALID_STORAGE_VOL: (
        "invalid storage volume pointer in",
        "invalid storage volume pointer in %s",
    ),
    _E.NO_STORAGE_POOL: ("Storage pool not found", "Storage pool not found: %s"),
    _E.NO_STORAGE_VOL: ("Storage volume not found", "Storage volume not found: %s"),
    _E.INVALID_NODE_DEVICE: ("invalid node device pointer", "invalid node device pointer in %s"),
    _E.NO_NODE_DEVICE: ("Node device not found", "Node device not found: %s"),
    _E.NO_SECURITY_MODEL: ("Security model not found", "Security model not found: %s"),
    _E.OPERATION_INVALID: (
        "Requested operation is not valid",
        "Requested operation is not valid: %s",
    ),
    _E.NO_INTERFACE: ("Interface not found", "Interface not found: %s"),
    _E.INVALID_INTERFACE: ("invalid interface pointer in", "invalid interface pointer in %s"),
    _E.MULTIPLE_INTERFACES: (
        "multiple matching interfaces found",
        "multiple matching interfaces found: %s",
    ),
    _E.INVALID_NWFILTER: ("Invalid network filter", "Invalid network filter: %s"),
    _E.NO_NWFILTER: ("Network filter not found", "Network filter not found: %s"),
    _E.INVALID_SECRET: ("Invalid secret", "Invalid secret: %s"),
    _E.NO_SECRET: ("Secret not found", "Secret not found: %s"),
    _E.CONFIG_UNSUPPORTED: ("unsupported configuration", "unsupported configuration: %s"),
    _E.OPERATION_TIMEOUT: ("Timed out during operation", "Timed out during operation: %s"),
    _E.HOOK_SCRIPT_FAILED: ("Hook script execution failed", "Hook script execution failed: %s"),
    _E.INVALID_DOMAIN_SNAPSHOT: ("Invalid domain snapshot", "Invalid domain snapshot: %s"),
    _E.NO_DOMAIN_SNAPSHOT: ("Domain snapshot not found", "Domain snapshot not found: %s"),
    _E.INVALID_DOMAIN_CHECKPOINT: ("Invalid domain checkpoint", "Invalid domain checkpoint: %s"),
    _E.NO_DOMAIN_CHECKPOINT: ("Domain checkpoint not found", "Domain checkpoint not found: %s"),
    _E.INVALID_STREAM: ("invalid stream pointer", "invalid stream pointer in %s"),
    _E.ARGUMENT_UNSUPPORTED: ("argument unsupported", "argument unsupported: %s"),
    _E.STORAGE_PROBE_FAILED: ("Storage pool probe failed", "Storage pool probe failed: %s"),
    _E.STORAGE_POOL_BUILT: ("Storage pool already built", "Storage pool already built: %s"),
    _E.OPERATION_ABORTED: ("operation aborted", "operation aborted: %s"),
    _E.AUTH_CANCELLED: ("authentication cancelled", "authentication cancelled: %s"),
    _E.NO_DOMAIN_METADATA: ("metadata not found", "metadata not found: %s"),
    _E.OVERFLOW: ("numerical overflow", "numerical overflow: %s"),
    _E.OPERATION_UNSUPPORTED: ("Operation not supported", "Operation not supported: %s"),
    _E.BLOCK_COPY_ACTIVE: ("block copy still active", "block copy still active: %s"),
    _E.AGENT_UNRESPONSIVE: ("Guest agent is not responding", "Guest agent is not responding: %s"),
    _E.RESOURCE_BUSY: ("resource busy", "resource busy: %s"),
    _E.ACCESS_DENIED: ("access denied", "access denied: %s"),
    _E.STORAGE_VOL_EXIST: (
        "this storage volume exists already",
        "storage volume %s exists already",
    ),
    _E.XML_INVALID_SCHEMA: (
        "XML document failed to validate against schema",
        "XML document failed to validate against schema: %s",
    ),
    _E.AUTH_UNAVAILABLE: ("authentication unavailable", "authentication unavailable: %s"),
    _E.NO_SERVER: ("Server not found", "Server not found: %s"),
    _E.NO_CLIENT: ("Client not found", "Client not found: %s"),
    _E.DEVICE_MISSING: ("device not found", "device not found: %s"),
    _E.NO_HOSTNAME: ("no hostname found", "no hostname found: %s"),
    _E.MULTIPLE_DOMAINS: ("multiple matching domains found", "multiple matching domains found: %s"),
}
del _E


def format_message(code: int, detail: str | None) -> tuple[str, str | None]:
    """Return (message, template) as libvirt's virErrorMsg builds them for *code*."""
    bare, template = TEMPLATES.get(code, ("unknown error", "%s"))
    if detail is None:
        return bare, bare
    return template % detail, template
