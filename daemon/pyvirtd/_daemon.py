"""The daemon process: routes clients to workers and keeps the workers alive.

It owns the well-known sockets (``pyvirt-sock`` and ``pyvirt-sock-ro``, optionally TCP) and
answers one question there: which worker serves this URI?  The client then talks to that
worker directly.  Workers are child processes, one per state driver; one that dies is started
again (with back-off), and its clients' in-flight calls fail at once because their sockets see
the disconnect.  SIGTERM/SIGINT stop everything and remove the sockets; SIGHUP reloads.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

import zmq
from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt._uri import parse_uri
from pyvirt.rpc import (
    KEEPALIVE_PING,
    KEEPALIVE_PONG,
    PROC_CONNECT_OPEN,
    PROC_ROUTE,
    PROGRAM_DAEMON,
    PROGRAM_KEEPALIVE,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    Header,
    MessageType,
    ProtocolError,
    Status,
    decode,
    encode,
    split_frames,
)

from pyvirtd import _logsetup, _metrics
from pyvirtd._config import Config, ConfigError, load_config
from pyvirtd._logsetup import LogSettings
from pyvirtd._metrics_http import MetricsServer
from pyvirtd._sockets import configure_router, endpoint_path, secure_ipc_bind

# pyzmq's flags are IntFlag members; plain ints skip enum arithmetic on every message.
_NOBLOCK = int(zmq.NOBLOCK)

log = logging.getLogger("pyvirtd")

EXIT_SKIPPED = 3
START_TIMEOUT = 20.0
#: How long a route request waits for a worker that is being restarted.
ROUTE_WAIT = 5.0
#: A worker that ran this long before dying is restarted without back-off.
STABLE_UPTIME = 30.0


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen[bytes] | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    schemes: list[str] = field(default_factory=list)
    probe: str | None = None
    sessions: int = 0
    restarts: int = 0
    next_start: float = 0.0
    skipped: bool = False
    buffer: bytes = b""
    started: float = 0.0


class _RouteLater(Exception):
    """The worker for this route is being restarted: answer once it is up."""

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
    def __init__(self, config: Config, rundir: str, *, listen: bool, timeout: int | None) -> None:
        self.config = config
        self.rundir = rundir
        self.listen = listen
        self.timeout = timeout
        self.boot_id = uuidlib.uuid4().hex
        self.workers: dict[str, Worker] = {}
        self.running = True
        self.reload_requested = False
        self.ctx = zmq.Context()
        self.sockets: dict[str, zmq.Socket] = {}
        self.last_activity = time.monotonic()
        # Route requests waiting for a restarting worker: (deadline, kind, ident, header, uri).
        self.waiting: list[tuple[float, str, bytes, Header, Worker, str]] = []
        self.config_path: str | None = None  # re-read on SIGHUP for the log settings
        self.metrics: MetricsServer | None = None
        self.sig_r, self.sig_w = os.pipe()
        os.set_blocking(self.sig_r, False)
        os.set_blocking(self.sig_w, False)

    # -- set-up ----------------------------------------------------------------------------
    def bind(self) -> None:
        os.makedirs(self.rundir, mode=0o755, exist_ok=True)
        for kind in ("rw", "ro"):
            sock = self.ctx.socket(zmq.ROUTER)
            configure_router(sock, self.config.max_message_size)
            secure_ipc_bind(sock, endpoint_path(self.rundir, None, kind), self.config.mode(kind))
            self.sockets[kind] = sock
        if self.listen:
            sock = self.ctx.socket(zmq.ROUTER)
            configure_router(sock, self.config.max_message_size)
            address = f"tcp://{self.config.listen_addr}:{self.config.tcp_port}"
            try:
                sock.bind(address)
            except zmq.ZMQError as exc:
                sock.close(linger=0)  # else closing the context at exit waits for it forever
                raise OSError(f"cannot listen on {address}: {exc}") from None
            self.sockets["tcp"] = sock

    def _worker_options(self) -> dict[str, Any]:
        c = self.config
        return {
            "boot_id": self.boot_id,
            "max_client_requests": c.max_client_requests,
            "max_workers": c.max_workers,
            "prio_workers": c.prio_workers,
            "max_clients": c.max_clients,
            "max_message": c.max_message_size,
            "poll_spin_us": c.poll_spin_us,
            "rw_perms": c.mode("rw"),
            "ro_perms": c.mode("ro"),
            "listen_addr": c.listen_addr if self.listen else None,
            "log_level": c.log_level.upper(),
            "log_format": c.log_format,
            "log_filters": c.log_filters,
            "metrics": bool(c.metrics_listen),
        }

    def start_worker(self, worker: Worker) -> None:
        cmd = [
            sys.executable,
            "-m",
            "pyvirtd._worker",
            "--driver",
            worker.name,
            "--rundir",
            self.rundir,
            "--options",
            json.dumps(self._worker_options()),
        ]
        worker.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        worker.buffer = b""
        deadline = time.monotonic() + START_TIMEOUT
        assert worker.proc.stdout is not None
        fd = worker.proc.stdout.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                worker.buffer += chunk
                if b"\n" in worker.buffer:
                    line, worker.buffer = worker.buffer.split(b"\n", 1)
                    hello = json.loads(line)
                    worker.endpoints = hello["endpoints"]
                    worker.schemes = hello.get("schemes", [])
                    worker.probe = hello.get("probe")
                    os.set_blocking(fd, False)
                    worker.started = time.monotonic()
                    log.info("worker %s ready (pid %d)", worker.name, worker.proc.pid)
                    return
        try:
            code: int | None = worker.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait()
            code = None
        if code == EXIT_SKIPPED:
            worker.skipped = True
            log.info("state driver %s skipped: not available here", worker.name)
        else:
            log.error("worker %s failed to start (exit %s)", worker.name, code)
        worker.proc = None

    def start(self, names: list[str]) -> None:
        self.bind()
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

    def _metrics_targets(self) -> list[tuple[str, str]]:
        """(driver, URI) of each running worker, for the guest metrics: the URI the driver
        probes to, else its first scheme's ``:///default`` (the test driver's shared state)."""
        return [
            (w.name, w.probe or f"{w.schemes[0]}:///default")
            for w in list(self.workers.values())
            if w.proc is not None and w.schemes
        ]

    # -- requests --------------------------------------------------------------------------
    def _route(self, kind: str, args: Any) -> dict[str, Any]:
        if (
            not isinstance(args, list)
            or len(args) != 2
            or not isinstance(args[0], str)
            or type(args[1]) is not int
        ):
            raise make_error(ErrorCode.RPC, ErrorDomain.RPC, "malformed arguments for route")
        name, _flags = args
        live = [w for w in self.workers.values() if w.proc is not None]
        if not name:
            for w in live:
                if w.probe:
                    return self._answer(w, kind, w.probe)
            raise make_error(ErrorCode.NO_CONNECT, ErrorDomain.NONE, None)
        uri = parse_uri(name)
        for w in self.workers.values():
            if uri.scheme in w.schemes:
                if w.proc is None and not w.skipped:
                    raise _RouteLater(w)
                if w.proc is None:
                    raise make_error(
                        ErrorCode.INTERNAL_ERROR,
                        ErrorDomain.RPC,
                        f"driver '{w.name}' is not running",
                    )
                return self._answer(w, kind, name)
        raise make_error(ErrorCode.NO_CONNECT, ErrorDomain.NONE, name)

    def _answer(self, worker: Worker, kind: str, uri: str) -> dict[str, Any]:
        total = sum(w.sessions for w in self.workers.values())
        if total >= self.config.max_clients:
            raise make_error(
                ErrorCode.RPC, ErrorDomain.RPC, "Too many active clients, dropping connection"
            )
        return {
            "driver": worker.name,
            "endpoint": worker.endpoints[kind],
            "uri": uri,
            "boot_id": self.boot_id,
        }

    def handle(self, kind: str, frames: list[bytes]) -> None:
        if len(frames) < 2:
            return
        ident = frames[0]
        try:
            header, body = split_frames(frames[1:])
        except ProtocolError:
            return
        if header.type != MessageType.CALL:
            return
        self.last_activity = time.monotonic()
        if header.program == PROGRAM_KEEPALIVE:
            if header.procedure == KEEPALIVE_PING:
                pong = Header(PROGRAM_KEEPALIVE, 1, KEEPALIVE_PONG, MessageType.EVENT, 0, Status.OK)
                self._send(kind, [ident, VERSION_FRAME, pong.pack() + b"\xc0"])
            return
        try:
            if header.program == PROGRAM_REMOTE and header.procedure != PROC_CONNECT_OPEN:
                # As every socket: no call before a connection is open (here, never: the
                # control socket only routes, and the client opens on the worker's socket).
                raise make_error(ErrorCode.RPC, ErrorDomain.RPC, "connection not open")
            if header.program != PROGRAM_DAEMON or header.procedure != PROC_ROUTE:
                raise make_error(
                    ErrorCode.RPC,
                    ErrorDomain.RPC,
                    f"unknown procedure {header.procedure} of program 0x{header.program:x}",
                )
            try:
                args = decode(body)
            except ProtocolError as exc:
                raise make_error(ErrorCode.RPC, ErrorDomain.RPC, str(exc)) from None
            status, reply = Status.OK, encode(self._route(kind, args))
        except _RouteLater as later:
            deadline = time.monotonic() + ROUTE_WAIT
            self.waiting.append((deadline, kind, ident, header, later.worker, args[0]))
            return
        except VirtError as exc:
            status, reply = Status.ERROR, encode(exc.to_fields())
        self._send(kind, [ident, VERSION_FRAME, header.reply(status).pack() + reply])

    def _answer_waiting(self) -> None:
        """Answer the route requests whose worker is back, or that waited long enough."""
        now = time.monotonic()
        still: list[tuple[float, str, bytes, Header, Worker, str]] = []
        for entry in self.waiting:
            deadline, kind, ident, header, worker, uri = entry
            if worker.proc is None and now < deadline:
                still.append(entry)
                continue
            try:
                if worker.proc is None:
                    raise make_error(
                        ErrorCode.INTERNAL_ERROR,
                        ErrorDomain.RPC,
                        f"driver '{worker.name}' is not running",
                    )
                status, reply = Status.OK, encode(self._answer(worker, kind, uri))
            except VirtError as exc:
                status, reply = Status.ERROR, encode(exc.to_fields())
            self._send(kind, [ident, VERSION_FRAME, header.reply(status).pack() + reply])
        self.waiting = still

    def _send(self, kind: str, frames: list[bytes]) -> None:
        try:
            self.sockets[kind].send_multipart(frames, _NOBLOCK)
        except zmq.ZMQError:
            pass

    # -- supervision -----------------------------------------------------------------------
    def _read_status(self, worker: Worker) -> None:
        assert worker.proc is not None and worker.proc.stdout is not None
        try:
            chunk = os.read(worker.proc.stdout.fileno(), 65536)
        except BlockingIOError:
            return
        worker.buffer += chunk
        while b"\n" in worker.buffer:
            line, worker.buffer = worker.buffer.split(b"\n", 1)
            try:
                status = json.loads(line)
            except ValueError:
                continue
            if "sessions" in status:
                worker.sessions = int(status["sessions"])
                self.last_activity = time.monotonic()

    def supervise(self) -> None:
        now = time.monotonic()
        for worker in self.workers.values():
            if worker.skipped:
                continue
            if worker.proc is not None and worker.proc.poll() is not None:
                log.warning(
                    "worker %s exited with %s; restarting", worker.name, worker.proc.returncode
                )
                if self.metrics is not None:
                    _metrics.worker_exited(worker.name, worker.proc.pid)
                worker.proc = None
                worker.sessions = 0
                if now - worker.started > STABLE_UPTIME:
                    worker.restarts = 0  # back-off is for crash loops, not for rare crashes
                worker.restarts += 1
                worker.next_start = now + min(0.1 * 2 ** min(worker.restarts, 6), 5.0)
            if worker.proc is None and now >= worker.next_start:
                self.start_worker(worker)

    def _on_signal(self, signo: int, _frame: object) -> None:
        if signo == signal.SIGHUP:
            self.reload_requested = True
        else:
            self.running = False
        try:
            os.write(self.sig_w, b"s")
        except BlockingIOError:
            pass

    def serve(self) -> None:
        for signo in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signo, self._on_signal)
        by_socket = {sock: kind for kind, sock in self.sockets.items()}
        while self.running:
            poller = zmq.Poller()
            for sock in self.sockets.values():
                poller.register(sock, zmq.POLLIN)
            poller.register(self.sig_r, zmq.POLLIN)
            status_fds = {}
            for worker in self.workers.values():
                if worker.proc is not None and worker.proc.stdout is not None:
                    fd = worker.proc.stdout.fileno()
                    status_fds[fd] = worker
                    poller.register(fd, zmq.POLLIN)
            ready = dict(poller.poll(self._poll_timeout()))
            if self.sig_r in ready:
                try:
                    os.read(self.sig_r, 64)
                except BlockingIOError:
                    pass
            for fd, worker in status_fds.items():
                if fd in ready:
                    self._read_status(worker)
            for sock, kind in by_socket.items():
                if sock in ready:
                    for _ in range(64):
                        try:
                            frames = sock.recv_multipart(_NOBLOCK)
                        except zmq.Again:
                            break
                        self.handle(kind, frames)
            if self.reload_requested:
                self.reload_requested = False
                self.reload()
            self.supervise()
            if self.waiting:
                self._answer_waiting()
            if self.timeout and self._idle() > self.timeout:
                log.info("idle for %ss: exiting", self.timeout)
                break

    def _poll_timeout(self) -> int:
        """Milliseconds until the loop has something to do without input (a restart due)."""
        now = time.monotonic()
        timeout = 0.5
        for worker in self.workers.values():
            if worker.proc is None and not worker.skipped:
                timeout = min(timeout, max(worker.next_start - now, 0.0))
        return int(timeout * 1000) + 1

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
        for sock in self.sockets.values():
            sock.close(linger=0)
        self.sockets.clear()
        self.ctx.term()
        for kind in ("rw", "ro"):
            for name in [None, *self.workers]:
                path = endpoint_path(self.rundir, name, kind)
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
