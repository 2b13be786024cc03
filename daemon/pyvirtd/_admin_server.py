"""The admin server: libvirt's admin program on pyvirtd's admin socket (``pyvirt-admin-sock``).

The daemon answers it itself, from its loop; nothing here reaches a driver.  Two servers, as
libvirtd's ``libvirtd`` and ``admin``: ``pyvirtd`` (the clients of every worker, with their
thread pools and limits) and ``admin`` (the admin socket's own clients).  What concerns the
workers' clients is asked of the workers over their control pipes (pyvirtd._worker_admin):
the request waits for every running worker's answer (at most :data:`ADMIN_WAIT`) while the
loop serves everything else.  Every change applies at once to the running daemon and is not
written to the config file, as with libvirt.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyvirt.admin as p
from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.rpc import Header, ProtocolError, Status, decode, encode

from pyvirtd import _logsetup
from pyvirtd._control import WorkerAdmin, WorkerAdminReply, pack
from pyvirtd._identity import peer_identity, with_names
from pyvirtd._logsetup import LogSettings
from pyvirtd._tls import reload_tls
from pyvirtd._worker_admin import client_info, no_client

if TYPE_CHECKING:
    from pyvirt.acl import Identity

    from pyvirtd._daemon import Daemon, Worker

log = logging.getLogger("pyvirtd.admin")

#: How long an admin request waits for the workers' answers.
ADMIN_WAIT = 5.0
#: The daemon's version, as libvirt's number (the libvirt release pyvirt reproduces).
LIB_VERSION = 9_000_000
#: Clients of a worker started as the daemon's n-th worker process have ids from n << 32.
ID_SHIFT = 32
#: The admin server's own limits (libvirt's admin_max_clients; it takes no anonymous ones).
ADMIN_MAX_CLIENTS = 5000


def _invalid(detail: str) -> VirtError:
    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.ADMIN, detail)


def _rpc(detail: str) -> VirtError:
    return make_error(ErrorCode.RPC, ErrorDomain.RPC, detail)


@dataclass
class _AdminClient:
    id: int
    since: int
    identity: Identity


@dataclass
class _Gather:
    """An admin call waiting for the answers of some workers."""

    ident: bytes
    header: Header
    waiting: dict[int, str]  # serial -> worker name
    finish: Callable[[list[Any]], Any]
    deadline: float
    results: list[Any] = field(default_factory=list)
    error: VirtError | None = None


def _params(value: Any, allowed: tuple[str, ...]) -> dict[str, int]:
    """A map of typed parameters: known names, unsigned integers."""
    if not isinstance(value, dict):
        raise _rpc("malformed parameters")
    for key, number in value.items():
        if key not in allowed:
            raise make_error(
                ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"parameter '{key}' not supported"
            )
        if type(number) is not int or not 0 <= number < 1 << 32:
            raise _invalid(f"value of '{key}' must be an unsigned int")
    return value


class AdminServer:
    """The admin program, served from the daemon's loop for its admin socket's clients."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        c = daemon.config
        self.log_settings = LogSettings(c.log_level, c.log_format, c.log_filters)
        self.clients: dict[bytes, _AdminClient] = {}
        self.max_clients = ADMIN_MAX_CLIENTS
        self._ids = itertools.count(1)  # the daemon's own range (workers' start at 1 << 32)
        self._serials = itertools.count(1)
        self.gathers: dict[int, _Gather] = {}

    # -- connections ---------------------------------------------------------------------
    def accept(self, ident: bytes, sock: socket.socket) -> bool:
        if len(self.clients) >= self.max_clients:
            log.warning("refusing an admin client: over the admin server's max_clients")
            return False
        identity = with_names(peer_identity(sock, "admin"))
        self.clients[ident] = _AdminClient(next(self._ids), int(time.time()), identity)
        return True

    def forget(self, ident: bytes) -> None:
        self.clients.pop(ident, None)

    # -- calls ---------------------------------------------------------------------------
    def handle(self, ident: bytes, header: Header, body: bytes) -> None:
        try:
            if header.program != p.PROGRAM_ADMIN:
                raise _rpc(f"unknown program 0x{header.program:x} on the admin socket")
            try:
                args = decode(body)
            except ProtocolError as exc:
                raise _rpc(str(exc)) from None
            if not isinstance(args, list):
                raise _rpc("malformed arguments")
            method = getattr(self, f"_proc_{header.procedure}", None)
            if method is None:
                raise _rpc(f"unknown procedure {header.procedure} of the admin program")
            try:
                result = method(ident, header, *args)
            except TypeError:
                raise _rpc(f"wrong number of arguments for procedure {header.procedure}") from None
        except VirtError as exc:
            self.daemon._reply(ident, header, Status.ERROR, encode(exc.to_fields()))
            return
        if not isinstance(result, _Later):
            self.daemon._reply(ident, header, Status.OK, encode(result))

    def _server(self, name: Any) -> str:
        if name not in p.SERVERS:
            raise make_error(ErrorCode.NO_SERVER, ErrorDomain.RPC, f"No server named '{name}'")
        return str(name)

    def _proc_1(self, _ident: bytes, _header: Header, _flags: int = 0) -> None:  # open
        return None

    def _proc_2(self, _ident: bytes, _header: Header) -> None:  # close
        return None

    def _proc_3(self, _ident: bytes, _header: Header) -> int:
        return LIB_VERSION

    def _proc_4(self, _ident: bytes, _header: Header, _flags: int = 0) -> list[str]:
        return list(p.SERVERS)

    def _proc_5(self, _ident: bytes, _header: Header, name: Any, _flags: int = 0) -> str:
        return self._server(name)

    # -- thread pools ----------------------------------------------------------------------
    def _proc_6(self, ident: bytes, header: Header, name: Any) -> Any:
        if self._server(name) == p.SERVER_ADMIN:  # served on the daemon's loop itself
            return dict(zip(p.THREADPOOL_PARAMS, (1, 1, 1, 1, 0, 0), strict=True))
        c = self.daemon.config

        def finish(results: list[dict[str, int]]) -> dict[str, int]:
            total = {
                k: sum(r.get(k, 0) for r in results)
                for k in ("nWorkers", "freeWorkers", "jobQueueDepth")
            }
            return {
                "minWorkers": c.min_workers,
                "maxWorkers": c.max_workers,
                "nWorkers": total["nWorkers"],
                "freeWorkers": total["freeWorkers"],
                "prioWorkers": c.prio_workers,
                "jobQueueDepth": total["jobQueueDepth"],
            }

        return self._ask_workers(ident, header, "threadpool", {}, finish)

    def _proc_7(self, ident: bytes, header: Header, name: Any, params: Any) -> Any:
        if self._server(name) == p.SERVER_ADMIN:
            raise make_error(
                ErrorCode.OPERATION_UNSUPPORTED,
                ErrorDomain.ADMIN,
                "the admin server runs on the daemon's own loop: it has no thread pool to size",
            )
        given = _params(params, ("minWorkers", "maxWorkers", "prioWorkers"))
        c = self.daemon.config
        low = given.get("minWorkers", c.min_workers)
        high = given.get("maxWorkers", c.max_workers)
        if low > high:
            raise _invalid("minWorkers cannot be larger than maxWorkers")
        if high == 0:
            raise _invalid("maxWorkers must be greater than 0")
        c.min_workers, c.max_workers = low, high
        c.prio_workers = given.get("prioWorkers", c.prio_workers)
        return self._ask_workers(ident, header, "set_threadpool", given, lambda _r: None)

    # -- clients ---------------------------------------------------------------------------
    def _admin_client(self, client_id: Any) -> tuple[bytes, _AdminClient]:
        for ident, client in self.clients.items():
            if client.id == client_id:
                return ident, client
        raise no_client(client_id)

    def _proc_8(self, ident: bytes, header: Header, name: Any, _flags: int = 0) -> Any:
        if self._server(name) == p.SERVER_ADMIN:
            return sorted([c.id, c.since, 0] for c in self.clients.values())
        return self._ask_workers(
            ident, header, "clients", {}, lambda results: sorted(row for r in results for row in r)
        )

    def _proc_9(self, ident: bytes, header: Header, name: Any, client_id: Any, _f: int = 0) -> Any:
        if self._server(name) == p.SERVER_ADMIN:
            c = self._admin_client(client_id)[1]
            return [c.id, c.since, 0]
        return self._ask_owner(ident, header, client_id, "info", lambda r: r[0][0])

    def _proc_10(self, ident: bytes, header: Header, name: Any, client_id: Any, _f: int = 0) -> Any:
        if self._server(name) == p.SERVER_ADMIN:
            c = self._admin_client(client_id)[1]
            return client_info(c.identity, False, "admin")
        return self._ask_owner(ident, header, client_id, "info", lambda r: r[0][1])

    def _proc_11(self, ident: bytes, header: Header, name: Any, client_id: Any, _f: int = 0) -> Any:
        if self._server(name) == p.SERVER_ADMIN:
            self.daemon.doomed.append(self._admin_client(client_id)[0])  # after the reply
            return None
        return self._ask_owner(ident, header, client_id, "close", lambda _r: None)

    # -- limits ------------------------------------------------------------------------------
    def _proc_12(self, _ident: bytes, _header: Header, name: Any, _flags: int = 0) -> Any:
        if self._server(name) == p.SERVER_ADMIN:
            values: tuple[int, ...] = (self.max_clients, len(self.clients), 0, 0)
        else:
            d = self.daemon
            values = (
                d.config.max_clients,
                sum(w.sessions for w in d.workers.values()),
                d.config.max_anonymous_clients,
                len(d.clients.pending),
            )
        return dict(zip(p.CLIENT_LIMIT_PARAMS, values, strict=True))

    def _proc_13(self, ident: bytes, header: Header, name: Any, params: Any, _f: int = 0) -> Any:
        server = self._server(name)
        given = _params(params, ("nclients_max", "nclients_unauth_max"))
        c = self.daemon.config
        most = given.get(
            "nclients_max", c.max_clients if server == p.SERVER_MAIN else self.max_clients
        )
        unauth = given.get(
            "nclients_unauth_max", c.max_anonymous_clients if server == p.SERVER_MAIN else 0
        )
        if unauth > most:
            raise _invalid(
                "The overall maximum number of clients waiting for authentication must not be "
                "less than the overall maximum number of clients"
            )
        if most == 0:
            raise _invalid("The overall maximum number of clients must be greater than 0")
        if server == p.SERVER_ADMIN:
            if unauth:
                raise _invalid("the admin server takes no clients waiting for authentication")
            self.max_clients = most
            return None
        c.max_clients, c.max_anonymous_clients = most, unauth
        self.daemon.clients.pending.limit = unauth
        wanted = {"nclients_max": most, "nclients_unauth_max": unauth}
        return self._ask_workers(ident, header, "limits", wanted, lambda _r: None)

    # -- logging -------------------------------------------------------------------------------
    def _proc_14(self, _ident: bytes, _header: Header, _flags: int = 0) -> str:
        return _logsetup.format_outputs(self.log_settings)

    def _proc_15(self, _ident: bytes, _header: Header, _flags: int = 0) -> str:
        return _logsetup.format_filters(self.log_settings)

    def _proc_16(self, ident: bytes, header: Header, outputs: Any, _flags: int = 0) -> Any:
        if not isinstance(outputs, str):
            raise _rpc("malformed outputs")
        return self._set_logging(ident, header, outputs=outputs)

    def _proc_17(self, ident: bytes, header: Header, filters: Any, _flags: int = 0) -> Any:
        if not isinstance(filters, str):
            raise _rpc("malformed filters")
        return self._set_logging(ident, header, filters=filters)

    def _set_logging(self, ident: bytes, header: Header, **change: str) -> Any:
        """New log filters or outputs for the daemon (at once) and every worker."""
        fresh = LogSettings(**{**self.log_settings.__dict__, **change})
        try:
            _logsetup.configure(fresh, "pyvirtd")  # checks both, changes nothing when bad
        except ValueError as exc:
            raise _invalid(str(exc)) from None
        except OSError as exc:
            raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.ADMIN, str(exc)) from None
        self.log_settings = fresh
        self.daemon.config.log_filters = fresh.filters
        _logsetup.publish(fresh, self.daemon.rundir)  # what a restarted worker's SIGHUP reads
        log.info("log settings changed: filters %r, outputs %r", fresh.filters, fresh.outputs)
        return self._ask_workers(ident, header, "log", fresh.__dict__, lambda _r: None)

    # -- tls, timeout ------------------------------------------------------------------------
    def _proc_18(self, ident: bytes, header: Header, name: Any, _flags: int = 0) -> Any:
        server = self._server(name)
        files = self.daemon.tls_files
        if server == p.SERVER_ADMIN or files is None:
            reload_tls(self.daemon.transport, None)  # raises libvirt's "no tls service" error
        assert files is not None
        try:
            reload_tls(self.daemon.transport, [files.cacert, files.cert, files.key, files.crl])
        except (OSError, ValueError) as exc:
            raise make_error(
                ErrorCode.SYSTEM_ERROR, ErrorDomain.ADMIN, f"cannot update the TLS files: {exc}"
            ) from None
        return self._ask_workers(ident, header, "tls", {}, lambda _r: None)

    def _proc_19(self, _ident: bytes, _header: Header, seconds: Any, _flags: int = 0) -> None:
        if type(seconds) is not int or not 0 <= seconds < 1 << 32:
            raise _invalid("timeout must be an unsigned int")
        self.daemon.timeout = seconds or None
        self.daemon.last_activity = time.monotonic()
        return None

    # -- asking the workers ------------------------------------------------------------------
    def _running(self) -> list[Worker]:
        return [w for w in self.daemon.workers.values() if w.proc is not None and w.ready]

    def _ask_workers(
        self,
        ident: bytes,
        header: Header,
        action: str,
        args: dict[str, Any],
        finish: Callable[[list[Any]], Any],
        workers: list[Worker] | None = None,
    ) -> Any:
        """Send *action* to *workers* (every running one); the reply to the admin client is
        ``finish(answers)`` once all have answered.  With no worker, it is immediate."""
        targets = self._running() if workers is None else workers
        if not targets:
            return finish([])
        gather = _Gather(ident, header, {}, finish, time.monotonic() + ADMIN_WAIT)
        for worker in targets:
            serial = next(self._serials)
            proc = worker.proc
            try:
                assert proc is not None and proc.stdin is not None
                os.write(proc.stdin.fileno(), pack(WorkerAdmin(serial, action, args)))
            except (OSError, AssertionError) as exc:
                log.error("cannot pass an admin request to worker %s: %s", worker.name, exc)
                continue
            gather.waiting[serial] = worker.name
            self.gathers[serial] = gather
        if not gather.waiting:
            raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "no driver answered")
        return _Later()

    def _ask_owner(
        self,
        ident: bytes,
        header: Header,
        client_id: Any,
        action: str,
        finish: Callable[[list[Any]], Any],
    ) -> Any:
        """Ask the worker whose sessions have ids in *client_id*'s range."""
        if type(client_id) is not int or client_id < 0:
            raise no_client(client_id)
        base = client_id >> ID_SHIFT << ID_SHIFT
        owner = [w for w in self._running() if w.id_base == base]
        if not owner or client_id == base:
            raise no_client(client_id)
        return self._ask_workers(ident, header, action, {"id": client_id}, finish, owner)

    def on_reply(self, record: WorkerAdminReply) -> None:
        """A worker answered: when the last one has, answer the admin client."""
        gather = self.gathers.pop(record.serial, None)
        if gather is None:
            return  # it came after the request's deadline
        gather.waiting.pop(record.serial, None)
        if record.ok:
            gather.results.append(record.result)
        elif gather.error is None and isinstance(record.result, dict):
            gather.error = VirtError.from_fields(record.result)
        if not gather.waiting:
            self._finish(gather)

    def _finish(self, gather: _Gather) -> None:
        if gather.error is not None:
            status, body = Status.ERROR, encode(gather.error.to_fields())
        else:
            try:
                status, body = Status.OK, encode(gather.finish(gather.results))
            except VirtError as exc:
                status, body = Status.ERROR, encode(exc.to_fields())
        self.daemon._reply(gather.ident, gather.header, status, body)

    def expire(self) -> None:
        """Answer the requests whose workers did not all answer in time."""
        if not self.gathers:
            return
        now = time.monotonic()
        late = {id(g): g for g in self.gathers.values() if g.deadline < now}
        for gather in late.values():
            names = sorted(set(gather.waiting.values()))
            for serial in gather.waiting:
                self.gathers.pop(serial, None)
            gather.waiting.clear()
            gather.error = gather.error or make_error(
                ErrorCode.INTERNAL_ERROR,
                ErrorDomain.RPC,
                f"driver {', '.join(repr(n) for n in names)} did not answer the admin request",
            )
            self._finish(gather)


class _Later:
    """The reply is sent when the workers have answered (AdminServer.on_reply)."""
