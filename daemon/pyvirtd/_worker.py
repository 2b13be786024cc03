"""A worker process: hosts one state driver and serves its clients directly.

Clients reach the worker's own sockets after the daemon has routed their OPEN, so a call costs
one hop (client → worker), as libvirt's modular daemons do.  The sockets speak ZMTP from this
process's own loop (pyvirtd._transport), not through libzmq's I/O thread.  Each socket
refuses every call before CONNECT_OPEN on it, and the read-only socket refuses every
modifying procedure.  Each connection's identity comes from the kernel (pyvirtd._identity)
and, on a socket that requires a login, from the daemon's one-time ticket
(pyvirtd._tickets); with access rules, every call passes pyvirtd._guard.

Calls run on the loop's thread when the driver promises its entry points never wait long
(``calls_may_block = False``); otherwise on a thread pool (a normal and a priority pool, as
libvirt's workers), a result sent by its pool thread itself while the loop waits for input
(the loop's lock, ZmtpServer.share_with_threads), else handed back to the loop through a
queue and a pipe; but for the methods the driver names quick (``quick_methods``: state
reads under a lock never held across a wait), which run on the loop's thread all the same.

Flow control.  On the pool path a client may have ``max_client_requests`` calls running at
once; a call beyond that is answered at once with an error ("too many calls in flight for
this client"), priority procedures excepted.  On the inline path calls never overlap, so
there is nothing to cap: pipelined calls are answered one by one, in order.  On both paths a
client that sends calls without reading the replies is disconnected from its session once
its reply backlog (10000 messages, see pyvirtd._transport) is full: its later calls get
"connection not open", and no reply is ever dropped silently while the session goes on.
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import logging
import os
import queue
import signal
import sys
import threading
import uuid as uuidlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pyvirt import ErrorCode, ErrorDomain, ObjectEvent, VirtError, make_error, parse_uri
from pyvirt.acl import AclError, Identity, access_denied, load_policy
from pyvirt.driver import StateDriver, StateInitResult
from pyvirt.rpc import (
    DISPATCH,
    KEEPALIVE_PING,
    KEEPALIVE_PONG,
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_EVENT,
    PROC_EVENT_ATTACH,
    PROC_EVENT_DETACH,
    PROC_STREAM_ATTACH,
    PROGRAM_KEEPALIVE,
    PROGRAM_REMOTE,
    STREAM_OPENER_NUMBERS,
    VERSION_FRAME,
    Header,
    MessageType,
    ProtocolError,
    Signature,
    Status,
    TlsFiles,
    check_access,
    decode,
    encode,
    procedure_key,
    signatures,
    split_frames,
)
from pyvirt.rpc.zmtp import Frame, encode_two

from pyvirtd import _logsetup
from pyvirtd._control import (
    ControlError,
    WorkerAdmin,
    WorkerOptions,
    WorkerReady,
    WorkerSessions,
    read_record,
    write_record,
)
from pyvirtd._guard import AccessGuard
from pyvirtd._handshake import PendingConnections
from pyvirtd._identity import identity_from_params, peer_identity, with_names
from pyvirtd._session import Session
from pyvirtd._sockets import endpoint_path
from pyvirtd._streams import WorkerStreams
from pyvirtd._tickets import TicketBook
from pyvirtd._tls import server_tls
from pyvirtd._transport import ZmtpServer
from pyvirtd._worker_admin import WorkerAdminHandler

log = logging.getLogger("pyvirtd.worker")

EXIT_SKIPPED = 3  # the state driver answered SKIPPED: not an error, the driver is unavailable
#: virConnectSetIdentity's row: the daemon answers it for the session, not the driver.
_SET_IDENTITY = 419
#: virDomainGetSecurityLabelList's row: libvirtd replies "-1 labels" without the driver's
#: error, so its clients see libvirt's generic "cause is unknown" (not the domain's absence,
#: which libvirtd finds before the call).
_SECURITY_LABEL_LIST = 278
#: The errors a client still sees for it: the domain's absence, and (pyvirtd's rules are
#: checked before the driver, where libvirt's drivers check theirs) an access refusal.
_SECURITY_LABEL_LIST_KEPT = (ErrorCode.NO_DOMAIN, ErrorCode.ACCESS_DENIED)


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM us when the daemon dies, so no orphan keeps its sockets."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _error_body(exc: VirtError) -> bytes:
    return encode(exc.to_fields())


class WorkerServer:
    def __init__(
        self,
        name: str,
        state: StateDriver,
        rundir: str,
        options: WorkerOptions,
        control_fd: int | None = None,
    ) -> None:
        self.name = name
        self.state = state
        self.options = options
        #: Where WorkerSessions records go (the daemon reads them); None: nobody listens.
        self.control_fd = control_fd
        self.boot_id = options.boot_id or uuidlib.uuid4().hex
        self.max_client_requests = options.max_client_requests
        self.max_clients = options.max_clients
        self.sessions: dict[tuple[str, bytes], Session] = {}
        self.event_peers: dict[tuple[str, bytes], Session] = {}
        # A client may hold two connections (calls, events): room for both, and some slack
        # for connections that have not opened a session yet.
        self.transport = ZmtpServer(
            self.handle,
            self._on_disconnect,
            self._on_overflow,
            max_message=options.max_message,
            max_connections=2 * self.max_clients + 64,
            spin=options.poll_spin_us / 1e6,
            backlog=options.max_queued_clients,
            on_accept=self._on_accept,
            adopt_stdio=True,  # an ssh helper hands its session over (pyvirt.rpc._adopt)
        )
        #: Who is on each connection (the kernel's word for unix peers), and the connections
        #: that have not opened a session yet (pyvirtd._handshake).
        self.identities: dict[bytes, Identity] = {}
        self.pending = PendingConnections(options.max_anonymous_clients, options.auth_timeout)
        #: One-time tickets the daemon issued to clients it authenticated.
        self.tickets = TicketBook(options.auth_timeout)
        self.auth = {
            "rw": options.auth_unix_rw,
            "ro": options.auth_unix_ro,
            "tcp": options.auth_tcp,
            "tls": options.auth_tls,
        }
        self.guard: AccessGuard | None = None
        if options.access_rules:
            self.guard = AccessGuard(load_policy(options.access_rules), _driver_label(state))
        self.endpoints: dict[str, str] = {}
        self.bound: dict[str, int] = {}  # socket file -> inode, removed on exit if still ours
        for kind, perms in (("rw", options.rw_perms), ("ro", options.ro_perms)):
            path = endpoint_path(rundir, name, kind)
            self.endpoints[kind] = self.transport.listen_unix(path, perms, kind)
            self.bound[path] = os.stat(path).st_ino
        if options.listen_addr and options.tcp:
            self.endpoints["tcp"] = self.transport.listen_tcp(options.listen_addr, "tcp")
        if options.listen_addr and options.tls_files:
            # The same checks as the daemon's socket, but no client without a certificate.
            tls = server_tls(
                TlsFiles(*options.tls_files),
                verify=options.tls_verify,
                allowed_dn=options.tls_allowed_dn,
            )
            self.endpoints["tls"] = self.transport.listen_tcp(options.listen_addr, "tls", tls=tls)
        self.by_token: dict[bytes, Session] = {}
        #: Connections that carry a session's streams (attached by its token).
        self.stream_peers: dict[tuple[str, bytes], Session] = {}
        self.streams = WorkerStreams(self.transport)
        self.done: queue.SimpleQueue[tuple[bytes, bytes]] = queue.SimpleQueue()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.transport.watch(self.wake_r, self._drain)
        self.inline = not state.calls_may_block
        #: The loop's lock (taken by a pool thread to send its reply itself), when pooled.
        self.send_lock = None if self.inline else self.transport.share_with_threads()
        #: Procedures run on the I/O thread even so (the driver's quick_methods).
        self.quick = frozenset(
            key for key, sig in signatures().items() if sig.procedure.method in state.quick_methods
        )
        workers = options.max_workers
        self.pool = None if self.inline else ThreadPoolExecutor(workers, thread_name_prefix="call")
        self.prio_pool = (
            None
            if self.inline
            else ThreadPoolExecutor(options.prio_workers or 1, thread_name_prefix="prio")
        )
        self.event_seq = 0
        self.event_lock = threading.Lock()
        self.running = True
        self.admin = WorkerAdminHandler(self, options.client_id_base, control_fd)

    # -- replies ---------------------------------------------------------------------------
    def _reply(self, ident: bytes, header: Header, status: Status, body: bytes) -> None:
        """Send a reply (one to a connection that is gone is dropped by the transport).

        Routing ids are unique across the worker's sockets, so the socket kind is not needed.
        """
        self.transport.send(ident, encode_two(VERSION_FRAME, header.pack_reply(status) + body))

    def _on_overflow(self, kind: str, ident: bytes) -> None:
        # The peer does not read its replies and its backlog is full.  Dropping replies
        # quietly would leave the client waiting for them forever while its later calls are
        # served; close its session instead, so that it learns ("connection not open") and
        # nothing else suffers for it.
        key = (kind, ident)
        if key in self.sessions:
            log.warning("a %s client does not read its replies: closing it", self.name)
            self._close(key)

    def _on_accept(self, kind: str, ident: bytes, sock: Any) -> bool:
        self.identities[ident] = peer_identity(sock, kind)
        for old in self.pending.add(ident):
            log.info("dropping a connection that has not opened a session: too many such")
            self.transport.drop(old)
        return True

    def sweep(self) -> None:
        """Drop connections that did not open a session in time; forget stale tickets."""
        for ident in self.pending.expired():
            log.info("dropping a connection that opened no session within auth_timeout")
            self.transport.drop(ident)
        self.tickets.prune()

    def reload_rules(self) -> None:
        """SIGHUP: read the access rules again; a file that no longer loads keeps the old
        rules (and says why), so a typo never opens or closes everything."""
        if self.guard is None or not self.options.access_rules:
            return
        try:
            self.guard.policy = load_policy(self.options.access_rules)
        except AclError as exc:
            log.error("reload: keeping the access rules: %s", exc)
            return
        log.info("access rules reloaded from %s", self.options.access_rules)

    def _on_disconnect(self, kind: str, ident: bytes) -> None:
        self.identities.pop(ident, None)
        self.pending.done(ident)
        key = (kind, ident)
        if self.streams.active:
            self.streams.drop_peer(ident)
        self.stream_peers.pop(key, None)
        if key in self.event_peers:
            self._detach_events(self.event_peers[key])
        self._close(key)

    def _queue(self, ident: bytes, payload: bytes) -> None:
        """Hand a message (header and body) for *ident* to the loop, from another thread."""
        self.done.put((ident, payload))
        try:
            os.write(self.wake_w, b"x")
        except BlockingIOError:
            pass

    # -- calls -----------------------------------------------------------------------------
    def _refuse(self, ident: bytes, header: Header, exc: VirtError) -> None:
        self._reply(ident, header, Status.ERROR, _error_body(exc))

    def handle(self, kind: str, ident: bytes, frames: list[Frame]) -> None:
        try:
            header, body = split_frames(frames)
        except ProtocolError as exc:
            # Without a valid header there is nothing to reply to; say so if we can.
            log.debug("dropping malformed message from %r: %s", ident, exc)
            return
        if header.type != MessageType.CALL:
            if header.type >= MessageType.STREAM and header.program == PROGRAM_REMOTE:
                self.streams.handle(ident, header.type, header.serial, header.status, body)
            return
        if type(body) is not bytes:  # a large call on a stream's connection (bulk mode)
            body = bytes(body)
        if header.program == PROGRAM_KEEPALIVE:
            if header.procedure == KEEPALIVE_PING:
                pong = Header(PROGRAM_KEEPALIVE, 1, KEEPALIVE_PONG, MessageType.EVENT, 0, Status.OK)
                self.transport.send(ident, encode_two(VERSION_FRAME, pong.pack() + b"\xc0"))
            return
        if header.program != PROGRAM_REMOTE:
            self._handle_other_program(kind, ident, header, body)
            return
        if header.procedure == PROC_CONNECT_OPEN or header.procedure == PROC_EVENT_ATTACH:
            self.pending.started(ident)
        key = (kind, ident)
        try:
            if header.procedure == PROC_CONNECT_OPEN:
                self._open(kind, key, header, body)
                return
            if header.procedure == PROC_EVENT_ATTACH:
                self._attach_events(key, header, body)
                return
            if header.procedure == PROC_EVENT_DETACH and key in self.event_peers:
                self._detach_events(self.event_peers[key])
                self._reply(ident, header, Status.OK, encode(None))
                return
            if header.procedure == PROC_STREAM_ATTACH:
                self._attach_stream(key, header, body)
                return
            session = self.sessions.get(key) or self.stream_peers.get(key)
            if session is None:
                raise _rpc_error("connection not open")
            if header.procedure == PROC_CONNECT_CLOSE:
                self._close(key)
                self._reply(ident, header, Status.OK, encode(None))
                return
            if header.procedure == PROC_EVENT_DETACH:
                self._detach_events(session)
                self._reply(ident, header, Status.OK, encode(None))
                return
            sig = signatures().get(header.procedure)
            if sig is None:
                raise _rpc_error(f"unknown procedure: {header.procedure}")
        except VirtError as exc:
            self._refuse(ident, header, exc)
            return
        self._serve(ident, header, session, sig, body)

    def _handle_other_program(self, kind: str, ident: bytes, header: Header, body: bytes) -> None:
        """A call of libvirt-qemu's or libvirt-lxc's program: a row of the table like any
        other (its key offset by program), on a session the remote program opened."""
        key = procedure_key(header.program, header.procedure)
        if key is None:
            self._refuse(ident, header, _rpc_error(f"unknown program 0x{header.program:x}"))
            return
        session = self.sessions.get((kind, ident))
        sig = signatures().get(key)
        if session is None or sig is None:
            what = "connection not open" if session is None else f"unknown procedure: {key}"
            self._refuse(ident, header, _rpc_error(what))
            return
        self._serve(ident, header, session, sig, body)

    def _serve(
        self, ident: bytes, header: Header, session: Session, sig: Signature, body: bytes
    ) -> None:
        """Check a table procedure's access and arguments, then run it (inline or on a pool)."""
        proc = sig.procedure
        try:
            if session.read_only and not proc.readonly_ok:
                # Refused before its arguments are even looked at (the flag-dependent part of
                # the permission check runs in the dispatch, on the checked flags).
                check_access(proc, 0, True)
            try:
                args = sig.check_args(decode(body))
            except ProtocolError as exc:
                raise _rpc_error(f"malformed arguments for {proc.method}: {exc}") from None
        except VirtError as exc:
            self._refuse(ident, header, exc)
            return
        if self.inline or proc.key in self.quick:
            self._run(ident, header, session, proc.key, args)
            return
        if session.inflight >= self.max_client_requests and not proc.priority:
            self._refuse(ident, header, _rpc_error("too many calls in flight for this client"))
            return
        session.inflight += 1
        pool = self.prio_pool if proc.priority else self.pool
        assert pool is not None
        pool.submit(self._run_threaded, ident, header, session, proc.key, args)

    def _call(
        self, session: Session, number: int, args: list[Any], ident: bytes = b"", serial: int = 0
    ) -> tuple[Status, bytes]:
        """Run procedure *number* through the generated dispatch: the permission check of
        its row (read-only sessions), then the typed driver call.  A call that opens a
        stream registers the driver's end under (*ident*, *serial*) and answers None."""
        if number == _SET_IDENTITY:
            return self._set_identity(session, args)
        try:
            if self.guard is None:
                result = DISPATCH[number](session.conn, args, session.read_only)
            else:
                result = self.guard.call(
                    session.identity,
                    signatures()[number],
                    args,
                    lambda: DISPATCH[number](session.conn, args, session.read_only),
                )
            if number in STREAM_OPENER_NUMBERS:
                method = signatures()[number].procedure.method
                self.streams.opened(ident, number, serial, method, args, result)
                return Status.OK, encode(None)
            return Status.OK, encode(result)
        except VirtError as exc:
            if number == _SECURITY_LABEL_LIST and exc.code not in _SECURITY_LABEL_LIST_KEPT:
                exc = VirtError(
                    "An error occurred, but the cause is unknown",
                    code=ErrorCode.INTERNAL_ERROR,
                    domain=ErrorDomain.NONE,
                )
            return Status.ERROR, _error_body(exc)
        except Exception as exc:  # noqa: BLE001 - a driver bug must not take the worker down
            method = signatures()[number].procedure.method
            log.exception("driver %s failed in %s", self.name, method)
            err = make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, f"{method}: {exc}")
            return Status.ERROR, _error_body(err)

    def _set_identity(self, session: Session, args: list[Any]) -> tuple[Status, bytes]:
        """virConnectSetIdentity, answered by the daemon as libvirtd answers it: the session
        acts for the identity given from now on (its access rules see that one).  Who may
        change it needs ``connect:write``, as libvirt's @acl says; the socket's kind (and so
        a read-only session's refusals) stays."""
        try:
            if self.guard is not None and not self.guard.policy.allows(
                session.identity, "connect:write"
            ):
                log.warning("access denied: %s setting its identity", session.identity.describe())
                raise access_denied(self.guard.driver)
            session.identity = identity_from_params(session.identity, args[0])
        except VirtError as exc:
            return Status.ERROR, _error_body(exc)
        return Status.OK, encode(None)

    def _run(
        self,
        ident: bytes,
        header: Header,
        session: Session,
        number: int,
        args: list[Any],
    ) -> None:
        status, body = self._call(session, number, args, ident, header.serial)
        self._reply(ident, header, status, body)

    def _run_threaded(
        self,
        ident: bytes,
        header: Header,
        session: Session,
        number: int,
        args: list[Any],
    ) -> None:
        status, body = self._call(session, number, args, ident, header.serial)
        session.inflight -= 1
        payload = header.pack_reply(status) + body
        lock = self.send_lock
        if lock is not None and lock.acquire(blocking=False):
            # The loop is waiting for input: send from here (what others queued first, so
            # that a call's events still go before its reply), not through the loop.
            try:
                if not self.done.empty():  # (no read of an empty wake pipe per call)
                    self._drain()
                self.transport.send(ident, encode_two(VERSION_FRAME, payload))
            finally:
                lock.release()
        else:  # the loop is busy: it sends it when it next looks at the queue
            self._queue(ident, payload)

    # -- sessions --------------------------------------------------------------------------
    def _open(self, kind: str, key: tuple[str, bytes], header: Header, body: bytes) -> None:
        try:
            args = decode(body)
        except ProtocolError as exc:
            raise _rpc_error(f"malformed arguments for connect_open: {exc}") from None
        if (
            not isinstance(args, list)
            or len(args) not in (2, 3)
            or not isinstance(args[0], str)
            or type(args[1]) is not int
            or (len(args) == 3 and not isinstance(args[2], bytes))
        ):
            raise _rpc_error("malformed arguments for connect_open")
        name, flags = args[0], args[1]
        identity = self._identity(kind, key[1], args[2] if len(args) == 3 else None)
        read_only = kind == "ro" or bool(flags & 1)
        if read_only and not identity.read_only:
            identity = dataclasses.replace(identity, socket="ro")
        if self.guard is not None:
            identity = with_names(identity)  # what the rules match on
            self.guard.may_open(identity)
        conn = self.state.open_connection(parse_uri(name), read_only=read_only)
        if conn is None:
            raise make_error(ErrorCode.NO_CONNECT, ErrorDomain.NONE, name)
        old = self.sessions.pop(key, None)
        if old is not None:
            self._discard(old)
        elif len(self.sessions) >= self.max_clients:
            conn.connect_close()
            raise _rpc_error("Too many active clients, dropping connection")
        session = self.admin.stamp(Session(conn, read_only, identity=identity))
        self.sessions[key] = session
        self.pending.done(key[1])
        self.by_token[session.token] = session
        self._report()
        self._reply(key[1], header, Status.OK, encode([session.token, self.boot_id]))

    def _identity(self, kind: str, ident: bytes, ticket: bytes | None) -> Identity:
        """Who opens on connection *ident*: the kernel's credentials, and on a socket that
        requires authentication, what the daemon's one-time *ticket* says was proved; on
        tls, the verified client certificate's DN."""
        identity = self.identities.get(ident) or Identity(socket=kind)
        info = self.transport.peer_info(ident)
        if info is not None and info.x509_dname is not None:
            identity = dataclasses.replace(identity, x509_dn=info.x509_dname)
        if self.auth.get(kind, "none") == "none":
            return identity
        proof = self.tickets.take(ticket, kind)
        if proof is None:
            log.warning("refusing CONNECT_OPEN without a valid ticket (%s)", identity.describe())
            raise make_error(ErrorCode.RPC, ErrorDomain.RPC, "authentication required")
        # the DN: what this worker's TLS session verified, else what the daemon's did
        dn = identity.x509_dn or proof.x509_dn
        return dataclasses.replace(identity, scram_user=proof.scram_user, x509_dn=dn)

    def _discard(self, session: Session) -> None:
        self.by_token.pop(session.token, None)
        self._detach_events(session)
        try:
            session.conn.connect_close()
        except Exception:  # noqa: BLE001
            log.exception("closing a %s connection failed", self.name)

    def _close(self, key: tuple[str, bytes]) -> None:
        session = self.sessions.pop(key, None)
        if session is not None:
            self._discard(session)
            self._report()

    def _report(self) -> None:
        """Tell the daemon (through the control pipe) how many sessions we hold."""
        if self.control_fd is None:
            return
        try:
            write_record(self.control_fd, WorkerSessions(len(self.sessions)))
        except OSError:  # the daemon is gone; we follow it (see serve)
            pass

    def ready_record(self) -> WorkerReady:
        """What the daemon needs to route clients here."""
        return WorkerReady(
            rw=self.endpoints["rw"],
            ro=self.endpoints["ro"],
            tcp=self.endpoints.get("tcp"),
            tls=self.endpoints.get("tls"),
            boot_id=self.boot_id,
            schemes=list(self.state.uri_schemes),
            probe=self.state.probe(),
        )

    # -- events ----------------------------------------------------------------------------
    def _session_of_token(self, body: bytes) -> Session:
        """The session whose token a second socket sends (its event or stream channel)."""
        try:
            token = decode(body)
        except ProtocolError:
            token = None
        session = self.by_token.get(token) if isinstance(token, bytes) else None
        if session is None:
            raise _rpc_error("connection not open")
        return session

    def _attach_events(self, key: tuple[str, bytes], header: Header, body: bytes) -> None:
        session = self._session_of_token(body)
        if session.event_subscription is None:

            def deliver(event: ObjectEvent, session: Session = session) -> None:
                self._publish(session, event)

            session.event_peer = key
            session.event_subscription = session.conn.connect_event_subscribe(deliver)
        else:
            if session.event_peer is not None:
                self.event_peers.pop(session.event_peer, None)
            session.event_peer = key
        self.event_peers[key] = session
        self.pending.done(key[1])
        self._reply(key[1], header, Status.OK, encode(self.boot_id))

    def _attach_stream(self, key: tuple[str, bytes], header: Header, body: bytes) -> None:
        """Tie this connection to the session whose token it sends: a client opens each
        stream on a socket of its own (docs/protocol.md, "Streams"), so a slow stream never
        holds up the session's calls."""
        self.stream_peers[key] = self._session_of_token(body)
        self.pending.done(key[1])  # its handshake is over: auth_timeout no longer applies
        self.transport.bulk(key[1])
        self._reply(key[1], header, Status.OK, encode(None))

    def _detach_events(self, session: Session) -> None:
        if session.event_peer is not None:
            self.event_peers.pop(session.event_peer, None)
            session.event_peer = None
        if session.event_subscription is not None:
            token, session.event_subscription = session.event_subscription, None
            try:
                session.conn.connect_event_unsubscribe(token)
            except VirtError:
                pass

    def _publish(self, session: Session, event: ObjectEvent) -> None:
        peer = session.event_peer
        if peer is None:
            return
        if self.guard is not None and not self.guard.sees(session.identity, event):
            return
        # Numbered per session: a client that sees a gap knows it missed events (a full queue,
        # a reconnect); a new boot id tells it the daemon restarted.
        with self.event_lock:
            session.event_seq += 1
            seq = session.event_seq
        event = dataclasses.replace(event, boot_id=self.boot_id, seq=seq)
        header = Header(PROGRAM_REMOTE, 1, PROC_EVENT, MessageType.EVENT, seq, Status.OK)
        self._queue(peer[1], header.pack() + encode([self.boot_id, seq, event]))

    # -- loop ----------------------------------------------------------------------------
    def _drain(self) -> None:
        """Send what the pool threads and event publishers left in the queue."""
        try:
            while os.read(self.wake_r, 4096):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                ident, payload = self.done.get_nowait()
            except queue.Empty:
                return
            self.transport.send(ident, encode_two(VERSION_FRAME, payload))

    def serve(self) -> None:
        """The I/O loop: serve the sockets until stopped or orphaned (the daemon is gone)."""
        parent = os.getppid()
        rounds = 0
        while self.running:
            busy = self.transport.poll(1.0)
            rounds += 1
            if not busy or rounds & 255 == 0:
                if os.getppid() != parent:
                    break
                self.sweep()
                if not self.done.empty():
                    self._drain()

    def shutdown(self) -> None:
        for key in list(self.sessions):
            self._close(key)
        for pool in (self.pool, self.prio_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self.transport.close()
        # Our socket files, unless a newer worker has already replaced them: when the daemon
        # dies (SIGKILL) nobody else removes them, and a stale file makes clients wait.
        for path, inode in self.bound.items():
            try:
                if os.stat(path).st_ino == inode:
                    os.unlink(path)
            except FileNotFoundError:
                pass


def _driver_label(state: StateDriver) -> str:
    """The driver name libvirt's access errors carry ('QEMU', 'Test': its hypervisor
    driver's name, which the connect driver's ``name`` mirrors)."""
    connect = state.connect_driver
    return connect.name if connect is not None else state.name


def _rpc_error(detail: str) -> VirtError:
    return make_error(ErrorCode.RPC, ErrorDomain.RPC, detail)


def _load_state_driver(name: str) -> StateDriver:
    from stevedore import DriverManager

    def fail(_manager: object, _ep: object, exc: BaseException) -> None:
        raise exc

    manager: DriverManager[object] = DriverManager(
        "pyvirt.state_drivers", name, on_load_failure_callback=fail
    )
    driver_cls = manager.driver
    if not (isinstance(driver_cls, type) and issubclass(driver_cls, StateDriver)):
        raise TypeError(f"state driver '{name}' is not a pyvirt.driver.StateDriver")
    return driver_cls()


def _take_control_pipe() -> int:
    """Our stdout is the daemon's control pipe: keep it on a private descriptor and point fd 1
    at stderr, so that nothing else (a driver's print, a child process) writes into it."""
    control = os.dup(1)  # not inherited by children (PEP 446)
    os.dup2(2, 1)
    return control


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pyvirtd-worker")
    parser.add_argument("--driver", required=True)
    parser.add_argument("--rundir", required=True)
    args = parser.parse_args(argv)
    # A SIGHUP the daemon passes on while this worker still starts (loading its driver takes
    # a while on a busy machine) must not kill it (the default action): it is kept and
    # acted on once the handler below is in place.
    early_hup: list[int] = []
    signal.signal(signal.SIGHUP, lambda signo, _frame: early_hup.append(signo))
    control = _take_control_pipe()
    try:
        options = read_record(0)  # the daemon writes one WorkerOptions to our stdin
    except (ControlError, OSError) as exc:
        print(f"pyvirtd[{args.driver}]: no options from the daemon: {exc}", file=sys.stderr)
        return 1
    if not isinstance(options, WorkerOptions):
        print(f"pyvirtd[{args.driver}]: expected WorkerOptions, got {options!r}", file=sys.stderr)
        return 1
    component = f"pyvirtd[{args.driver}]"
    _logsetup.configure(
        _logsetup.LogSettings(options.log_level, options.log_format, options.log_filters),
        component,
    )
    _die_with_parent()
    state = _load_state_driver(args.driver)
    result = state.initialize(privileged=os.geteuid() == 0, root=None)
    if result == StateInitResult.SKIPPED or state.connect_driver is None:
        return EXIT_SKIPPED
    if result == StateInitResult.ERROR:
        return 1
    server = WorkerServer(args.driver, state, args.rundir, options, control)
    if options.metrics:
        from pyvirtd._metrics import instrument

        instrument(server)

    def stop(_signo: int, _frame: object) -> None:
        server.running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    def reload(_signo: int, _frame: object) -> None:
        _logsetup.reload_from(args.rundir, component)  # log_filters changed at run time
        server.reload_rules()
        state.reload()

    signal.signal(signal.SIGHUP, reload)
    if early_hup:
        reload(signal.SIGHUP, None)
    # A signal writes to the wake-up pipe, so the loop sees it at once: the poll would
    # otherwise run out its full timeout first (Python handlers run between C calls only).
    signal.set_wakeup_fd(server.wake_w)
    # the daemon's WorkerTicket records follow the options on stdin
    server.tickets.watch(0, server.transport.watch, server.transport.unwatch)
    server.tickets.on_record = lambda r: server.admin.answer(r) if isinstance(r, WorkerAdmin) else None
    # Tell the daemon where we listen, then serve.
    write_record(control, server.ready_record())
    try:
        server.serve()
    finally:
        server.shutdown()
        state.shutdown()
        state.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
