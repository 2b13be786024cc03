"""The admin program's wire vocabulary, shared by pyvirt.admin (client) and pyvirtd (server).

The admin server is libvirt's: a separate program on its own socket (``pyvirt-admin-sock``,
root-only by default), answered by the daemon process itself, never by a driver's worker.
Procedure numbers are libvirt's ``ADMIN_PROC_*``; bodies are msgpack like the rest of the
protocol (docs/protocol.md, "Admin program").
"""

from __future__ import annotations

import os

from pyvirt.rpc._wire import PROGRAM_ADMIN as PROGRAM_ADMIN  # libvirt's ADMIN_PROGRAM

PROC_CONNECT_OPEN = 1  # [flags] -> nil
PROC_CONNECT_CLOSE = 2  # [] -> nil
PROC_GET_LIB_VERSION = 3  # [] -> int
PROC_LIST_SERVERS = 4  # [] -> [name, ...]
PROC_LOOKUP_SERVER = 5  # [name] -> name
PROC_GET_THREADPOOL = 6  # [server] -> {param: int}
PROC_SET_THREADPOOL = 7  # [server, {param: int}] -> nil
PROC_LIST_CLIENTS = 8  # [server] -> [[id, timestamp, transport], ...]
PROC_LOOKUP_CLIENT = 9  # [server, id] -> [id, timestamp, transport]
PROC_CLIENT_INFO = 10  # [server, id] -> [[field, value], ...] in libvirt's order
PROC_CLIENT_CLOSE = 11  # [server, id] -> nil
PROC_GET_CLIENT_LIMITS = 12  # [server] -> {param: int}
PROC_SET_CLIENT_LIMITS = 13  # [server, {param: int}] -> nil
PROC_GET_LOG_OUTPUTS = 14  # [] -> str
PROC_GET_LOG_FILTERS = 15  # [] -> str
PROC_SET_LOG_OUTPUTS = 16  # [outputs] -> nil
PROC_SET_LOG_FILTERS = 17  # [filters] -> nil
PROC_UPDATE_TLS = 18  # [server] -> nil
PROC_SET_DAEMON_TIMEOUT = 19  # [seconds] -> nil

#: The daemon's servers, as ``virt-admin srv-list`` lists libvirtd's (``libvirtd``, ``admin``).
SERVER_MAIN = "pyvirtd"
SERVER_ADMIN = "admin"
SERVERS = (SERVER_MAIN, SERVER_ADMIN)

#: virAdmClientTransport: how a client is connected.
TRANSPORTS = {"rw": 0, "ro": 0, "admin": 0, "tcp": 1, "tls": 2}
TRANSPORT_NAMES = ("unix", "tcp", "tls")

# Typed-parameter names of libvirt's admin API (VIR_THREADPOOL_*, VIR_SERVER_CLIENTS_*).
THREADPOOL_PARAMS = (
    "minWorkers", "maxWorkers", "nWorkers", "freeWorkers", "prioWorkers", "jobQueueDepth",
)
CLIENT_LIMIT_PARAMS = ("nclients_max", "nclients", "nclients_unauth_max", "nclients_unauth")

ADMIN_SOCKET = "pyvirt-admin-sock"
#: The admin URI of the system daemon (``virt-admin uri`` says ``libvirtd:///system``).
DEFAULT_URI_SYSTEM = "pyvirtd:///system"
DEFAULT_URI_SESSION = "pyvirtd:///session"


def admin_socket(rundir: str) -> str:
    """Where the daemon whose run directory is *rundir* serves its admin program."""
    return os.path.join(rundir, ADMIN_SOCKET)
