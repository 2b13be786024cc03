"""The daemon process: routes clients to workers and keeps the workers alive.

It owns the well-known sockets (``pyvirt-sock`` and ``pyvirt-sock-ro``, optionally TCP) and
answers one question there: which worker serves this URI?  The client then talks to that
worker directly.  Workers are child processes, one per state driver; one that dies is started
again (with back-off), and its clients' in-flight calls fail at once because their sockets see
the disconnect.  SIGTERM/SIGINT stop everything and remove the sockets; SIGHUP reloads.

Everything is served from one loop, the same ZMTP server the workers use
(pyvirtd._transport.ZmtpServer): the control sockets, the signal pipe and each worker's
control pipe (pyvirtd._control).  Workers start without blocking the loop: a route request
for a worker that is (re)starting waits for its ready record (at most ``ROUTE_WAIT``) while
every other request is served.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error, parse_uri
from pyvirt.admin import admin_socket
from pyvirt.rpc import (
    KEEPALIVE_PING,
    KEEPALIVE_PONG,
    PROC_AUTH_SCRAM_FINISH,
    PROC_AUTH_SCRAM_START,
    PROC_CONNECT_OPEN,
    PROC_PKI_JOIN,
    PROC_ROUTE,
    PROGRAM_DAEMON,
    PROGRAM_KEEPALIVE,
    PROGRAM_LXC,
    PROGRAM_QEMU,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    Header,
    MessageType,
    ProtocolError,
    Status,
    auth_failed,
    decode,
    encode,
    split_frames,
)
from pyvirt.rpc.zmtp import Frame, encode_two

from pyvirtd import _logsetup, _metrics
from pyvirtd._admin_server import ID_SHIFT, AdminServer
from pyvirtd._clients import DaemonClients
from pyvirtd._config import Config, ConfigError, load_config
from pyvirtd._control import (
    ControlError,
    ControlReader,
    WorkerAdminReply,
    WorkerOptions,
    WorkerReady,
    WorkerSessions,
    WorkerTicket,
    pack,
    write_record,
)
from pyvirtd._logsetup import LogSettings
from pyvirtd._metrics_http import MetricsServer
from pyvirtd._sockets import backlog_shortfall, endpoint_path, somaxconn
from pyvirtd._tls import TlsFiles, TlsServer, server_files, server_tls
from pyvirtd._transport import ZmtpServer

log = logging.getLogger("pyvirtd")

EXIT_SKIPPED = 3
#: A worker that has not said it is ready after this long is killed (and started again).
START_TIMEOUT = 20.0
#: How long a route request waits for a worker that is being (re)started.
ROUTE_WAIT = 5.0
#: A worker that ran this long before dying is restarted without back-off.
STABLE_UPTIME = 30.0
#: The loop wakes at least this often (idle timeout, back-off restarts, route deadlines).
TICK = 0.5


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen[bytes] | None = None
    #: What the worker said when it came up; None while it is down or starting.
    ready: WorkerReady | None = None
    #: The URI schemes it served last time it was up; None until it first came up.
    schemes: list[str] | None = None
    reader: ControlReader = field(default_factory=ControlReader)
    sessions: int = 0
    restarts: int = 0
    next_start: float = 0.0
    start_deadline: float = 0.0
    skipped: bool = False
    started: float = 0.0
    #: Its sessions' client ids start here (pyvirtd._admin_server): one range per process.
    id_base: int = 0

    @property
    def starting(self) -> bool:
        """(Re)started or due to be, and not ready yet: a route for it waits."""
        return not self.skipped and self.ready is None


@dataclass
class _Waiting:
    """A route request waiting for a worker that is (re)starting."""

    deadline: float
    kind: str
    ident: bytes
    header: Header
    args: list[Any]


class _RouteLater(Exception):
    """The worker for this route is being (re)started: answer once it is up."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker


def discover_state_drivers() -> list[str]:
    """Names of the installed ``pyvirt.state_drivers`` plugins, in registration order.

    A plugin that fails to import is still listed: its worker then fails to start and the
    daemon log says why, rather than the driver silently missing.
    """
    from stevedore import ExtensionManager

    failed: list[str] = []

    def note(_manager: object, entrypoint: Any, exc: BaseException) -> None:
        log.error("state driver %s cannot be loaded: %s", entrypoint.name, exc)
        failed.append(entrypoint.name)

    manager: ExtensionManager[object] = ExtensionManager(
        "pyvirt.state_drivers", on_load_failure_callback=note
    )
    return sorted({*manager.names(), *failed})


class Daemon:
    def __init__(
        self,
        config: Config,
        rundir: str,
        *,
        listen: bool,
        timeout: int | None,
        adopted: dict[str, socket.socket] | None = None,
    ) -> None:
        self.config = config
        #: Listening sockets passed by systemd, by role (pyvirtd._activation): served instead
        #: of binding our own, and their files left to systemd at exit.
        self.adopted = adopted or {}
        self.rundir = rundir
        self.listen = listen
        self.timeout = timeout
        self.boot_id = uuidlib.uuid4().hex
        self.workers: dict[str, Worker] = {}
        self.running = True
        self.reload_requested = False
        self.transport = ZmtpServer(
            self.handle,
            self._on_disconnect,
            self._on_overflow,
            max_message=config.max_message_size,
            max_connections=2 * config.max_clients + 64,
            backlog=config.max_queued_clients,
            on_accept=self._on_accept,
        )
        shortfall = backlog_shortfall(config.max_queued_clients, somaxconn())
        if shortfall is not None:
            log.warning("%s", shortfall)
        #: Who each client is and whether it has authenticated (pyvirtd._clients).
        self.clients = DaemonClients(config)
        self.doomed: list[bytes] = []  # to drop once their last reply is out
        self.last_activity = time.monotonic()
        #: The TLS certificate files in use (with --listen and listen_tls); the workers get them.
        self.tls_files: TlsFiles | None = None
        self.waiting: list[_Waiting] = []
        self.config_path: str | None = None  # re-read on SIGHUP for the log settings
        self.metrics: MetricsServer | None = None
        #: The admin program on the admin socket (pyvirt-admin).
        self.admin = AdminServer(self)
        self.worker_starts = 0
        self.sig_r, self.sig_w = os.pipe()
        os.set_blocking(self.sig_r, False)
        os.set_blocking(self.sig_w, False)
        self.transport.watch(self.sig_r, self._drain_signals)

    # -- set-up ----------------------------------------------------------------------------
    def bind_tcp(self) -> None:
        """With --listen: TLS on tls_port (listen_tls, on by default) and plain TCP on
        tcp_port (listen_tcp, off by default), as libvirtd."""
        if not self.listen:
            return
        c = self.config
        if c.listen_tls:
            self.tls_files = server_files(c.ca_file, c.cert_file, c.key_file, c.crl_file)
            tls = server_tls(
                self.tls_files,
                verify=not c.tls_no_verify_certificate,
                allowed_dn=c.tls_allowed_dn_list,
                enrol=True,
            )
            self._listen(c.tls_port, "tls", tls)
        if c.listen_tcp:
            self._listen(c.tcp_port, "tcp", None)

    def _listen(self, port: int, kind: str, tls: TlsServer | None) -> None:
        address = f"tcp://{self.config.listen_addr}:{port}"
        try:
            self.transport.listen_tcp(self.config.listen_addr, kind, port, tls=tls)
        except OSError as exc:
            raise OSError(f"cannot listen on {address}: {exc}") from None

    def bind_unix(self) -> None:
        os.makedirs(self.rundir, mode=0o755, exist_ok=True)
        for kind in ("rw", "ro", "admin"):
            passed = self.adopted.get(kind)
            if passed is not None:
                self.transport.adopt(passed, kind)  # systemd's socket (socket activation)
            else:
                self.transport.listen_unix(self._socket_path(kind), self.config.mode(kind), kind)

    def _socket_path(self, kind: str) -> str:
        if kind == "admin":
            return self.config.admin_sock or admin_socket(self.rundir)
        return endpoint_path(self.rundir, None, kind)

    def _worker_options(self, id_base: int = 0) -> WorkerOptions:
        c = self.config
        return WorkerOptions(
            client_id_base=id_base,
            boot_id=self.boot_id,
            max_client_requests=c.max_client_requests,
            max_workers=c.max_workers,
            prio_workers=c.prio_workers,
            max_clients=c.max_clients,
            max_message=c.max_message_size,
            poll_spin_us=c.poll_spin_us,
            max_queued_clients=c.max_queued_clients,
            rw_perms=c.mode("rw"),
            ro_perms=c.mode("ro"),
            listen_addr=c.listen_addr if self.listen else None,
            tcp=c.listen_tcp,
            tls_files=[self.tls_files.cacert, self.tls_files.cert, self.tls_files.key,
                       self.tls_files.crl]
            if self.tls_files is not None
            else [],
            tls_allowed_dn=list(c.tls_allowed_dn_list),
            tls_verify=not c.tls_no_verify_certificate,
            log_level=c.log_level.upper(),
            log_format=c.log_format,
            log_filters=c.log_filters,
            metrics=bool(c.metrics_listen),
            auth_unix_rw=c.auth_unix_rw,
            auth_unix_ro=c.auth_unix_ro,
            auth_tcp=c.auth_tcp,
            auth_tls=c.auth_tls,
            access_rules=c.access_rules,
            max_anonymous_clients=c.max_anonymous_clients,
            auth_timeout=c.auth_timeout,
        )

    def start_worker(self, worker: Worker) -> None:
        """Start *worker*'s process and hand it its options; its ready record comes later."""
        cmd = [sys.executable, "-m", "pyvirtd._worker", "--driver", worker.name]
        cmd += ["--rundir", self.rundir]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None
        self.worker_starts += 1
        worker.id_base = self.worker_starts << ID_SHIFT
        try:
            write_record(proc.stdin.fileno(), self._worker_options(worker.id_base))
        except OSError as exc:  # it died at once; supervise() sees the exit
            log.error("worker %s did not take its options: %s", worker.name, exc)
        # Kept open: the tickets of authenticated clients follow (pyvirtd._clients).
        os.set_blocking(proc.stdin.fileno(), False)
        worker.proc = proc
        worker.ready = None
        worker.reader = ControlReader()
        worker.start_deadline = time.monotonic() + START_TIMEOUT
        fd = proc.stdout.fileno()
        os.set_blocking(fd, False)
        self.transport.watch(fd, lambda: self._read_control(worker))

    def start(self, names: list[str]) -> None:
        """Start every worker, wait until each is ready or has failed once, then bind.

        The workers start side by side.  The unix sockets appear only once they are settled,
        so a socket that exists means a daemon whose drivers are up or known to be missing:
        what a client that autostarts the daemon waits for, and what the tests wait for.
        TCP is bound first, so an unusable address fails before any worker starts.
        """
        # SIGCHLD too: a worker that dies wakes the loop, which restarts it at once.
        for signo in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signo, self._on_signal)
        self.bind_tcp()
        if self.config.metrics_listen:
            # before any worker starts (they inherit the metrics directory), and so that a
            # port in use stops the daemon before it has started anything
            _metrics.prepare(self.rundir)
            self.metrics = MetricsServer(
                self.config.metrics_listen,
                self._metrics_targets,
                endpoint_path(self.rundir, None, "ro"),
                self.config.metrics_interval,
            )
            self.metrics.start()
        for name in names:
            worker = Worker(name)
            self.workers[name] = worker
            self.start_worker(worker)
        settling = list(self.workers.values())
        while settling and self.running:
            self.transport.poll(TICK)
            now = time.monotonic()
            for worker in settling:
                if worker.proc is not None and worker.proc.poll() is not None:
                    self._reap(worker, worker.proc.returncode, now)
                elif worker.proc is not None:
                    self._check_start_deadline(worker, now)
            settling = [w for w in settling if w.proc is not None and w.ready is None]
        self.bind_unix()
        self.last_activity = time.monotonic()  # idle from now on, not from before start-up

    # -- the workers' control pipes --------------------------------------------------------
    def _read_control(self, worker: Worker) -> None:
        proc = worker.proc
        assert proc is not None and proc.stdout is not None
        try:
            chunk = os.read(proc.stdout.fileno(), 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:  # the worker is exiting: supervise() reaps it
            self._close_control(worker)
            return
        try:
            records = worker.reader.feed(chunk)
        except ControlError as exc:
            log.error("worker %s broke the control protocol (%s): stopping it", worker.name, exc)
            self._close_control(worker)
            proc.kill()
            return
        for record in records:
            if isinstance(record, WorkerReady):
                worker.ready = record
                worker.schemes = list(record.schemes)
                worker.started = time.monotonic()
                log.info("worker %s ready (pid %d)", worker.name, proc.pid)
            elif isinstance(record, WorkerSessions):
                worker.sessions = record.count
                self.last_activity = time.monotonic()
            elif isinstance(record, WorkerAdminReply):
                self.admin.on_reply(record)
            else:
                log.error("worker %s sent an unexpected %s", worker.name, type(record).__name__)

    def _close_control(self, worker: Worker) -> None:
        proc = worker.proc
        if proc is not None and proc.stdout is not None and not proc.stdout.closed:
            self.transport.unwatch(proc.stdout.fileno())
            proc.stdout.close()
        if proc is not None and proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:  # a ticket still in the pipe of a worker that is gone
                pass

    def _metrics_targets(self) -> list[tuple[str, str]]:
        """(driver, URI) of each running worker, for the guest metrics: the URI the driver
        probes to, else its first scheme's ``:///default`` (the test driver's shared state)."""
        return [
            (w.name, w.ready.probe or f"{w.ready.schemes[0]}:///default")
            for w in list(self.workers.values())
            if w.proc is not None and w.ready is not None and w.ready.schemes
        ]

    # -- requests --------------------------------------------------------------------------
    def _route(self, kind: str, ident: bytes, args: Any) -> dict[str, Any]:
        if (
            not isinstance(args, list)
            or len(args) != 2
            or not isinstance(args[0], str)
            or type(args[1]) is not int
        ):
            raise make_error(ErrorCode.RPC, ErrorDomain.RPC, "malformed arguments for route")
        name, _flags = args
        if not name:
            for w in self.workers.values():
                if w.ready is not None and w.ready.probe:
                    return self._answer(w, kind, ident, w.ready.probe)
            for w in self.workers.values():
                if w.starting and w.schemes is None:
                    raise _RouteLater(w)  # it may probe once up
            raise make_error(ErrorCode.NO_CONNECT, ErrorDomain.NONE, None)
        scheme = parse_uri(name).scheme
        for w in self.workers.values():
            if w.ready is not None and scheme in w.ready.schemes:
                return self._answer(w, kind, ident, name)
        for w in self.workers.values():
            if w.starting and (w.schemes is None or scheme in w.schemes):
                raise _RouteLater(w)
        raise make_error(ErrorCode.NO_CONNECT, ErrorDomain.NONE, name)

    def _answer(self, worker: Worker, kind: str, ident: bytes, uri: str) -> dict[str, Any]:
        total = sum(w.sessions for w in self.workers.values())
        if total >= self.config.max_clients:
            raise make_error(
                ErrorCode.RPC, ErrorDomain.RPC, "Too many active clients, dropping connection"
            )
        assert worker.ready is not None
        answer: dict[str, Any] = {
            "driver": worker.name,
            "endpoint": worker.ready.endpoint(kind),
            "uri": uri,
            "boot_id": self.boot_id,
        }
        ticket = self.clients.ticket(ident)
        if ticket is not None:
            self._send_ticket(worker, ticket)
            answer["ticket"] = ticket.ticket
        return answer

    def _send_ticket(self, worker: Worker, ticket: WorkerTicket) -> None:
        """Hand *ticket* to *worker* before the client can present it (the pipe is read in
        order, and the worker reads it when the ticket is not known yet)."""
        proc = worker.proc
        try:
            assert proc is not None and proc.stdin is not None
            os.write(proc.stdin.fileno(), pack(ticket))
        except (OSError, AssertionError) as exc:  # full pipe (a stuck worker) or gone
            log.error("cannot pass a ticket to worker %s: %s", worker.name, exc)
            raise make_error(
                ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, f"driver '{worker.name}' is not running"
            ) from None

    def handle(self, kind: str, ident: bytes, frames: list[Frame]) -> None:
        try:
            header, frame_body = split_frames(frames)
        except ProtocolError:
            return
        if header.type != MessageType.CALL:
            return
        # (the control sockets' decoders are not in bulk mode: this is never a copy)
        body = frame_body if type(frame_body) is bytes else bytes(frame_body)
        if kind == "admin" and header.program != PROGRAM_KEEPALIVE:
            self.admin.handle(ident, header, body)
            return
        self.clients.started(ident)  # spoke: the anonymous cap spares it (pyvirtd._handshake)
        self.last_activity = time.monotonic()
        if header.program == PROGRAM_KEEPALIVE:
            if header.procedure == KEEPALIVE_PING:
                pong = Header(PROGRAM_KEEPALIVE, 1, KEEPALIVE_PONG, MessageType.EVENT, 0, Status.OK)
                self.transport.send(ident, encode_two(VERSION_FRAME, pong.pack() + b"\xc0"))
            return
        try:
            if kind == "tls" and header.program == PROGRAM_DAEMON:
                if header.procedure == PROC_PKI_JOIN:
                    self._reply(ident, header, *self._join(body))
                    return
                self._require_certificate(ident)
            if header.program in (PROGRAM_QEMU, PROGRAM_LXC) or (
                header.program == PROGRAM_REMOTE and header.procedure != PROC_CONNECT_OPEN
            ):
                # As every socket: no call before a connection is open (here, never: the
                # control socket only routes, and the client opens on the worker's socket).
                raise make_error(ErrorCode.RPC, ErrorDomain.RPC, "connection not open")
            if header.program != PROGRAM_DAEMON or header.procedure not in _DAEMON_PROCS:
                raise make_error(
                    ErrorCode.RPC,
                    ErrorDomain.RPC,
                    f"unknown procedure {header.procedure} of program 0x{header.program:x}",
                )
            try:
                args = decode(body)
            except ProtocolError as exc:
                raise make_error(ErrorCode.RPC, ErrorDomain.RPC, str(exc)) from None
            if header.procedure == PROC_AUTH_SCRAM_START:
                status, reply = Status.OK, encode(self.clients.scram_start(ident, args))
            elif header.procedure == PROC_AUTH_SCRAM_FINISH:
                status, reply = Status.OK, encode(self.clients.scram_finish(ident, args))
            else:
                self.clients.may_route(ident)
                status, reply = Status.OK, encode(self._route(kind, ident, args))
        except _RouteLater:
            deadline = time.monotonic() + ROUTE_WAIT
            self.waiting.append(_Waiting(deadline, kind, ident, header, args))
            return
        except VirtError as exc:
            status, reply = Status.ERROR, encode(exc.to_fields())
            if self.clients.over_failures(ident):
                self.doomed.append(ident)
        self._reply(ident, header, status, reply)

    def _require_certificate(self, ident: bytes) -> None:
        """On the TLS socket, a client that connected without a certificate (allowed so that
        it may enrol) may do nothing else."""
        tls = self.transport.tls.get("tls")
        info = self.transport.peer_info(ident)
        if tls is not None and tls.enrol and (info is None or info.x509_dname is None):
            raise auth_failed("the client sent no certificate")

    def _join(self, body: bytes) -> tuple[Status, bytes]:
        """pyvirt-pki join: sign the client's key if its token is good (pyvirtd._enrol)."""
        from pyvirtd._enrol import answer_join

        assert self.tls_files is not None
        try:
            return Status.OK, encode(answer_join(self.tls_files, body))
        except VirtError as exc:
            log.warning("refused a join request: %s", exc.message)
            return Status.ERROR, encode(exc.to_fields())

    def _answer_waiting(self) -> None:
        """Answer the route requests whose worker is up, or that waited long enough."""
        now = time.monotonic()
        still: list[_Waiting] = []
        for entry in self.waiting:
            try:
                status, reply = Status.OK, encode(self._route(entry.kind, entry.ident, entry.args))
            except _RouteLater as later:
                if now < entry.deadline:
                    still.append(entry)
                    continue
                err = _not_running(later.worker, entry.args[0])
                status, reply = Status.ERROR, encode(err.to_fields())
            except VirtError as exc:
                status, reply = Status.ERROR, encode(exc.to_fields())
            self._reply(entry.ident, entry.header, status, reply)
        self.waiting = still

    def _reply(self, ident: bytes, header: Header, status: Status, body: bytes) -> None:
        self.transport.send(ident, encode_two(VERSION_FRAME, header.pack_reply(status) + body))

    def _on_accept(self, kind: str, ident: bytes, sock: socket.socket) -> bool:
        if kind == "admin":  # no handshake to time: the admin socket's mode is its guard
            return self.admin.accept(ident, sock)
        for old in self.clients.accept(kind, ident, sock):
            log.info("dropping a client still in its handshake: over max_anonymous_clients")
            self.transport.drop(old)
        return True

    def _drop_unproven(self) -> None:
        """Drop the clients that failed too many logins, or took too long to authenticate."""
        doomed, self.doomed = self.doomed, []
        for ident in doomed + self.clients.expired():
            self.transport.drop(ident)

    def _on_disconnect(self, kind: str, ident: bytes) -> None:
        if kind == "admin":
            self.admin.forget(ident)
        self.clients.forget(ident)
        if self.waiting:
            self.waiting = [w for w in self.waiting if w.ident != ident]

    def _on_overflow(self, kind: str, ident: bytes) -> None:
        log.warning("a %s client does not read its route replies: dropping it", kind)
        self.transport.drop(ident)

    # -- supervision -----------------------------------------------------------------------
    def supervise(self) -> None:
        now = time.monotonic()
        for worker in self.workers.values():
            if worker.skipped:
                continue
            proc = worker.proc
            if proc is not None and proc.poll() is not None:
                self._reap(worker, proc.returncode, now)
            elif proc is not None:
                self._check_start_deadline(worker, now)
            if worker.proc is None and not worker.skipped and now >= worker.next_start:
                self.start_worker(worker)

    def _check_start_deadline(self, worker: Worker, now: float) -> None:
        if worker.proc is not None and worker.ready is None and now > worker.start_deadline:
            log.error("worker %s not ready after %ss: killing it", worker.name, START_TIMEOUT)
            worker.proc.kill()

    def _reap(self, worker: Worker, code: int, now: float) -> None:
        self._close_control(worker)
        if self.metrics is not None and worker.proc is not None:
            _metrics.worker_exited(worker.name, worker.proc.pid)
        was_ready = worker.ready is not None
        worker.proc = None
        worker.ready = None
        worker.sessions = 0
        if not was_ready and code == EXIT_SKIPPED:
            worker.skipped = True
            log.info("state driver %s skipped: not available here", worker.name)
            return
        if was_ready:
            log.warning("worker %s exited with %s; restarting", worker.name, code)
            if now - worker.started > STABLE_UPTIME:
                worker.restarts = 0  # back-off is for crash loops, not for rare crashes
        else:
            log.error("worker %s failed to start (exit %s)", worker.name, code)
        worker.restarts += 1
        worker.next_start = now + min(0.1 * 2 ** min(worker.restarts, 6), 5.0)

    def _on_signal(self, signo: int, _frame: object) -> None:
        if signo == signal.SIGHUP:
            self.reload_requested = True
        elif signo != signal.SIGCHLD:
            self.running = False
        try:
            os.write(self.sig_w, b"s")
        except BlockingIOError:
            pass

    def _drain_signals(self) -> None:
        try:
            while os.read(self.sig_r, 64):
                pass
        except BlockingIOError:
            pass

    def serve(self) -> None:
        while self.running:
            self.transport.poll(self._poll_timeout())
            if self.reload_requested:
                self.reload_requested = False
                self.reload()
            self.supervise()
            self._drop_unproven()
            self.admin.expire()
            if self.waiting:
                self._answer_waiting()
            if self.timeout and self._idle() > self.timeout:
                log.info("idle for %ss: exiting", self.timeout)
                break

    def _poll_timeout(self) -> float:
        """Seconds until the loop has something to do without input (a restart due)."""
        now = time.monotonic()
        timeout = TICK
        for worker in self.workers.values():
            if worker.proc is None and not worker.skipped:
                timeout = min(timeout, max(worker.next_start - now, 0.0))
        return timeout + 0.001

    def _idle(self) -> float:
        if any(w.sessions for w in self.workers.values()):
            self.last_activity = time.monotonic()
        return time.monotonic() - self.last_activity

    def reload(self) -> None:
        """SIGHUP: apply the config file's log settings again, here and (published for them)
        in the workers, then pass the signal on to the workers' state drivers."""
        if self.config_path is not None:
            try:
                fresh = load_config(self.config_path)
                settings = LogSettings(fresh.log_level, fresh.log_format, fresh.log_filters)
                _logsetup.configure(settings, "pyvirtd")
                _logsetup.publish(settings, self.rundir)
            except (ConfigError, OSError) as exc:
                log.error("reload: keeping the log settings: %s", exc)
        for worker in self.workers.values():
            if worker.proc is not None:
                worker.proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.metrics is not None:
            self.metrics.stop()
            self.metrics = None
        for worker in self.workers.values():
            if worker.proc is not None and worker.proc.poll() is None:
                worker.proc.terminate()
        deadline = time.monotonic() + 10
        for worker in self.workers.values():
            if worker.proc is not None:
                try:
                    worker.proc.wait(max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    worker.proc.kill()
                    worker.proc.wait()
                self._close_control(worker)
        self.transport.close()
        if "admin" not in self.adopted:
            try:
                os.unlink(self._socket_path("admin"))
            except FileNotFoundError:
                pass
        for kind in ("rw", "ro"):
            for name in [None, *self.workers]:
                if name is None and kind in self.adopted:
                    continue  # systemd's socket: it keeps listening for the next start
                path = endpoint_path(self.rundir, name, kind)
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass


_DAEMON_PROCS = (PROC_ROUTE, PROC_AUTH_SCRAM_START, PROC_AUTH_SCRAM_FINISH)


def _not_running(worker: Worker, uri: str) -> VirtError:
    """The answer to a route whose worker did not come up in time."""
    if worker.schemes is None:
        return make_error(ErrorCode.NO_CONNECT, ErrorDomain.NONE, uri or None)
    return make_error(
        ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, f"driver '{worker.name}' is not running"
    )
