"""The admin API: a connection to a daemon's admin server (libvirt's ``virAdmConnectOpen``).

One :class:`AdminConnection` speaks the admin program (pyvirt.admin._protocol) over the
daemon's admin socket; :class:`Server` and :class:`Client` are values naming what the calls
act on, as libvirt's ``virAdmServerPtr`` and ``virAdmClientPtr``.  Every failure is a
:class:`pyvirt.VirtError` with libvirt's code: the daemon's errors travel back unchanged, and a
socket that cannot be reached gives libvirt's "Failed to connect socket" error.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass
from typing import Any

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._uri import URI, parse_uri
from pyvirt.admin import _protocol as p
from pyvirt.rpc._channel import Channel, lost
from pyvirt.rpc._paths import default_rundir
from pyvirt.rpc._session import CALL_TIMEOUT, OPEN_TIMEOUT
from pyvirt.rpc._sync_backend import _exchange

#: Schemes an admin URI may have: pyvirt's daemon, and libvirt's name for the same role.
ADMIN_SCHEMES = ("pyvirtd", "libvirtd")


@dataclass(frozen=True)
class Server:
    """A server inside the daemon (``pyvirtd`` serves the drivers, ``admin`` this API)."""

    conn: AdminConnection
    name: str

    def threadpool_parameters(self) -> dict[str, int]:
        """virAdmServerGetThreadPoolParameters: minWorkers, maxWorkers, nWorkers ..."""
        result: dict[str, int] = self.conn.call(p.PROC_GET_THREADPOOL, [self.name])
        return result

    def set_threadpool_parameters(self, params: dict[str, int]) -> None:
        """virAdmServerSetThreadPoolParameters (minWorkers, maxWorkers, prioWorkers)."""
        self.conn.call(p.PROC_SET_THREADPOOL, [self.name, dict(params)])

    def list_clients(self) -> list[Client]:
        """virAdmServerListClients: the connections the server holds, oldest first."""
        rows = self.conn.call(p.PROC_LIST_CLIENTS, [self.name])
        return [Client(self, *row) for row in rows]

    def lookup_client(self, client_id: int) -> Client:
        """virAdmServerLookupClient; NO_CLIENT when the server holds no such client."""
        return Client(self, *self.conn.call(p.PROC_LOOKUP_CLIENT, [self.name, client_id]))

    def client_limits(self) -> dict[str, int]:
        """virAdmServerGetClientLimits: nclients_max, nclients, nclients_unauth_max ..."""
        result: dict[str, int] = self.conn.call(p.PROC_GET_CLIENT_LIMITS, [self.name])
        return result

    def set_client_limits(self, params: dict[str, int]) -> None:
        """virAdmServerSetClientLimits (nclients_max, nclients_unauth_max), live."""
        self.conn.call(p.PROC_SET_CLIENT_LIMITS, [self.name, dict(params)])

    def update_tls_files(self) -> None:
        """virAdmServerUpdateTlsFiles: read the certificate files again, for new clients."""
        self.conn.call(p.PROC_UPDATE_TLS, [self.name])


@dataclass(frozen=True)
class Client:
    """One client connection of a server: its id, when it connected, over what."""

    server: Server
    id: int
    #: Seconds since the epoch when it connected.
    timestamp: int
    #: 0 unix, 1 tcp, 2 tls (virAdmClientTransport).
    transport: int

    @property
    def transport_name(self) -> str:
        return p.TRANSPORT_NAMES[self.transport]

    def info(self) -> list[tuple[str, Any]]:
        """virAdmClientGetInfo: its identity, fields in libvirt's order."""
        rows = self.server.conn.call(p.PROC_CLIENT_INFO, [self.server.name, self.id])
        return [(str(k), v) for k, v in rows]

    def close(self) -> None:
        """virAdmClientClose: disconnect it; its next call fails."""
        self.server.conn.call(p.PROC_CLIENT_CLOSE, [self.server.name, self.id])


def default_admin_uri() -> str:
    """``PYVIRT_ADMIN_DEFAULT_URI``, else the system daemon's as root, the session one else."""
    explicit = os.environ.get("PYVIRT_ADMIN_DEFAULT_URI")
    if explicit:
        return explicit
    return p.DEFAULT_URI_SYSTEM if os.geteuid() == 0 else p.DEFAULT_URI_SESSION


def admin_endpoint(uri: URI) -> str:
    """The admin socket an admin *uri* names (its ``socket=`` parameter, else the daemon's)."""
    if uri.scheme not in ADMIN_SCHEMES or uri.server:
        raise make_error(
            ErrorCode.CONFIG_UNSUPPORTED,
            ErrorDomain.ADMIN,
            f"Unsupported URI scheme '{uri.scheme}'",
        )
    return f"ipc://{uri.param('socket') or p.admin_socket(default_rundir())}"


class AdminConnection:
    """An open connection to a daemon's admin server; thread-safe (one call at a time)."""

    def __init__(self, uri: str, channel: Channel) -> None:
        self._uri = uri
        self._channel = channel
        self._lock = threading.Lock()
        self._serials = itertools.count(1)

    def call(self, proc: int, args: list[Any]) -> Any:
        """One admin call; the daemon's error raised as the VirtError it was."""
        with self._lock:
            if self._channel.dead:
                raise lost("the connection to the admin server was closed")
            return _exchange(
                self._channel, p.PROGRAM_ADMIN, proc, next(self._serials), args, CALL_TIMEOUT
            )

    def uri(self) -> str:
        """virAdmConnectGetURI."""
        return self._uri

    def lib_version(self) -> int:
        """virAdmConnectGetLibVersion: the daemon's version, as libvirt's number."""
        return int(self.call(p.PROC_GET_LIB_VERSION, []))

    def list_servers(self) -> list[Server]:
        return [Server(self, name) for name in self.call(p.PROC_LIST_SERVERS, [])]

    def lookup_server(self, name: str) -> Server:
        """NO_SERVER ("Server not found: No server named 'x'") for an unknown *name*."""
        return Server(self, self.call(p.PROC_LOOKUP_SERVER, [name]))

    def logging_outputs(self) -> str:
        return str(self.call(p.PROC_GET_LOG_OUTPUTS, []))

    def logging_filters(self) -> str:
        return str(self.call(p.PROC_GET_LOG_FILTERS, []))

    def set_logging_outputs(self, outputs: str) -> None:
        """Where the daemon logs from now on ("" for its default), in libvirt's syntax:
        ``LEVEL:stderr`` or ``LEVEL:file:PATH``, separated by spaces."""
        self.call(p.PROC_SET_LOG_OUTPUTS, [outputs])

    def set_logging_filters(self, filters: str) -> None:
        """Levels per logger from now on, in the daemon and every worker ("" for none)."""
        self.call(p.PROC_SET_LOG_FILTERS, [filters])

    def set_daemon_timeout(self, seconds: int) -> None:
        """virAdmConnectSetDaemonTimeout: exit after *seconds* without clients (0: never)."""
        self.call(p.PROC_SET_DAEMON_TIMEOUT, [seconds])

    def close(self) -> None:
        with self._lock:
            self._channel.close()

    def __enter__(self) -> AdminConnection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_admin(uri: str | None = None, flags: int = 0) -> AdminConnection:
    """virAdmConnectOpen: connect to the admin server *uri* names (default: see
    :func:`default_admin_uri`)."""
    if flags:
        raise make_error(
            ErrorCode.INVALID_ARG,
            ErrorDomain.ADMIN,
            f"unsupported flags (0x{flags:x}) in function virAdmConnectOpen",
        )
    text = uri or default_admin_uri()
    channel = Channel(admin_endpoint(parse_uri(text)))
    channel.connect(OPEN_TIMEOUT)
    if not channel.wait_connected(OPEN_TIMEOUT):
        channel.close()
        raise lost(f"no answer from the admin server at {channel.endpoint}")
    conn = AdminConnection(text, channel)
    try:
        conn.call(p.PROC_CONNECT_OPEN, [flags])
    except BaseException:
        conn.close()
        raise
    return conn
