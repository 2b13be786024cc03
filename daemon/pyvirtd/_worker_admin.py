"""A worker's answers to the admin server (pyvirtd._admin_server): its clients, its thread
pools, its limits, its logging and its TLS files, read and changed while it serves.

The daemon writes a :class:`pyvirtd._control.WorkerAdmin` record to the worker's stdin; the
worker's loop reads it between two messages (so nothing it changes races a call being
dispatched) and writes back a :class:`pyvirtd._control.WorkerAdminReply`.  Each session gets
a client id here, from the base the daemon gave this worker process, so ids never repeat in
the daemon's life even when a worker is restarted.
"""

from __future__ import annotations

import itertools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.acl import Identity
from pyvirt.rpc import PROC_NOTICE, PROGRAM_DAEMON, VERSION_FRAME, Header, MessageType, Status
from pyvirt.rpc import encode as encode_body
from pyvirt.rpc.zmtp import encode_two

from pyvirtd import _logsetup
from pyvirtd._control import WorkerAdmin, WorkerAdminReply, write_record
from pyvirtd._identity import with_names
from pyvirtd._session import Session

if TYPE_CHECKING:
    from pyvirtd._worker import WorkerServer

log = logging.getLogger("pyvirtd.admin")

#: virAdmClientTransport of each socket kind.
TRANSPORT = {"rw": 0, "ro": 0, "tcp": 1, "tls": 2}


def no_client(client_id: object) -> VirtError:
    return make_error(
        ErrorCode.NO_CLIENT, ErrorDomain.RPC, f"No client with matching ID '{client_id}'"
    )


def closed_by_admin() -> VirtError:
    """What a client disconnected with ``client-disconnect`` is told, in libvirt's words for
    a client whose socket the daemon closed."""
    return make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "client socket is closed")


def client_info(ident: Identity, read_only: bool, kind: str) -> list[list[Any]]:
    """virAdmClientGetInfo's parameters after id, time and transport, in libvirt's order:
    readonly, then the unix peer's credentials, the SASL (SCRAM) user, the certificate's DN."""
    if ident.uid is not None and ident.user is None:
        ident = with_names(ident)
    rows: list[list[Any]] = [["readonly", read_only]]
    if kind in ("rw", "ro", "admin"):
        if ident.uid is not None:
            rows += [["unix_user_id", ident.uid], ["unix_user_name", ident.user or ""]]
        if ident.gid is not None:
            rows += [["unix_group_id", ident.gid], ["unix_group_name", ident.group or ""]]
        if ident.pid is not None:
            rows.append(["unix_process_id", ident.pid])
    if ident.scram_user is not None:
        rows.append(["sasl_user_name", ident.scram_user])
    if ident.x509_dn is not None:
        rows.append(["tls_x509_dname", ident.x509_dn])
    return rows


def _pool_stats(pool: ThreadPoolExecutor | None) -> tuple[int, int, int]:
    """(threads, idle threads, queued calls) of *pool*.  ThreadPoolExecutor keeps these in
    attributes it does not document; missing ones read as 0 rather than failing the call."""
    if pool is None:
        return 0, 0, 0
    threads = len(getattr(pool, "_threads", ()))
    idle_sem = getattr(pool, "_idle_semaphore", None)
    idle = int(getattr(idle_sem, "_value", 0))
    work = getattr(pool, "_work_queue", None)
    queued = work.qsize() if work is not None else 0
    return threads, min(idle, threads), queued


class WorkerAdminHandler:
    """Answers the daemon's :class:`WorkerAdmin` requests for one :class:`WorkerServer`."""

    def __init__(self, server: WorkerServer, id_base: int, control_fd: int | None) -> None:
        self.server = server
        self.control_fd = control_fd
        self._ids = itertools.count(id_base + 1)

    def stamp(self, session: Session) -> Session:
        """Give a new *session* its client id and connection time."""
        session.id = next(self._ids)
        session.since = int(time.time())
        return session

    # -- requests ------------------------------------------------------------------------
    def answer(self, request: WorkerAdmin) -> None:
        """Run *request* and write its reply to the daemon."""
        try:
            handler = getattr(self, f"_do_{request.action}", None)
            if handler is None or not isinstance(request.args, dict):
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    ErrorDomain.RPC,
                    f"bad admin request {request.action!r}",
                )
            reply = WorkerAdminReply(request.serial, True, handler(request.args))
        except VirtError as exc:
            reply = WorkerAdminReply(request.serial, False, exc.to_fields())
        except (ValueError, TypeError, OSError) as exc:
            err = make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, str(exc))
            reply = WorkerAdminReply(request.serial, False, err.to_fields())
        if self.control_fd is not None:
            try:
                write_record(self.control_fd, reply)
            except OSError:  # the daemon is gone; the worker follows it
                pass

    def _find(self, client_id: object) -> tuple[tuple[str, bytes], Session]:
        for key, session in self.server.sessions.items():
            if session.id == client_id:
                return key, session
        raise no_client(client_id)

    def _do_clients(self, _args: dict[str, Any]) -> list[list[int]]:
        return sorted(
            [s.id, s.since, TRANSPORT.get(kind, 0)]
            for (kind, _i), s in self.server.sessions.items()
        )

    def _do_info(self, args: dict[str, Any]) -> list[Any]:
        (kind, _ident), session = self._find(args.get("id"))
        info = client_info(session.identity, session.read_only, kind)
        return [[session.id, session.since, TRANSPORT.get(kind, 0)], info]

    def _do_close(self, args: dict[str, Any]) -> None:
        """Disconnect the client: tell it why (a notice it reports instead of reconnecting),
        then close its connections (calls, events, streams)."""
        key, session = self._find(args.get("id"))
        notice = Header(PROGRAM_DAEMON, 1, PROC_NOTICE, MessageType.EVENT, 0, Status.ERROR)
        payload = encode_two(
            VERSION_FRAME, notice.pack() + encode_body(closed_by_admin().to_fields())
        )
        server = self.server
        peers = [key, *([session.event_peer] if session.event_peer else [])]
        peers += [k for k, s in server.stream_peers.items() if s is session]
        for _kind, ident in peers:
            server.transport.send(ident, payload)
        for kind, ident in peers:
            server._on_disconnect(kind, ident)  # the session ends now, its sockets once the
            server.transport.hang_up(ident)  # client has read the notice and closes them
        log.info("client %d disconnected by the administrator", session.id)

    def _do_threadpool(self, _args: dict[str, Any]) -> dict[str, int]:
        server = self.server
        if server.inline:  # calls run on the loop's thread: one worker, free to answer this
            return {"nWorkers": 1, "freeWorkers": 1, "jobQueueDepth": 0}
        threads, idle, queued = _pool_stats(server.pool)
        prio_threads, prio_idle, prio_queued = _pool_stats(server.prio_pool)
        return {
            "nWorkers": threads + prio_threads,
            "freeWorkers": idle + prio_idle,
            "jobQueueDepth": queued + prio_queued,
        }

    def _do_set_threadpool(self, args: dict[str, Any]) -> None:
        """New pools of the new sizes for the calls to come; calls already running or queued
        finish on the old ones, which then go away."""
        server = self.server
        if server.inline:
            return
        if "maxWorkers" in args and server.pool is not None:
            old, server.pool = (
                server.pool,
                ThreadPoolExecutor(int(args["maxWorkers"]), thread_name_prefix="call"),
            )
            old.shutdown(wait=False)
        if "prioWorkers" in args and server.prio_pool is not None:
            old, server.prio_pool = (
                server.prio_pool,
                ThreadPoolExecutor(int(args["prioWorkers"]) or 1, thread_name_prefix="prio"),
            )
            old.shutdown(wait=False)

    def _do_limits(self, args: dict[str, Any]) -> None:
        if "nclients_max" in args:
            self.server.max_clients = int(args["nclients_max"])
        if "nclients_unauth_max" in args:
            self.server.pending.limit = int(args["nclients_unauth_max"])

    def _do_log(self, args: dict[str, Any]) -> None:
        _logsetup.configure(
            _logsetup.LogSettings(
                args["level"], args["format"], args["filters"], args.get("outputs", "")
            ),
            f"pyvirtd[{self.server.name}]",
        )

    def _do_tls(self, _args: dict[str, Any]) -> None:
        from pyvirtd._tls import reload_tls

        reload_tls(self.server.transport, self.server.options.tls_files)
