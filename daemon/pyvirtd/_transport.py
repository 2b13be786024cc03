"""pyvirtd's one ZMTP server: ZeroMQ's wire protocol served on plain listening sockets.

The daemon (its control sockets) and every worker (its clients' calls) answer from this
``epoll`` loop, without libzmq: libzmq would pass every call and every reply through its I/O
thread, and those hand-offs cost more than the call itself (see pyvirt.rpc._zmtp).  To a
client the socket is a ZeroMQ ROUTER all the same; a libzmq DEALER connects to it as to any
other (tests/test_zmtp.py, tests/test_daemon_*.py check both the daemon and the workers).
Other descriptors the owner waits on (signal and wake-up pipes, the workers' control pipes)
are watched by the same loop (:meth:`ZmtpServer.watch`).

What a ROUTER gave us is kept: each connection has a routing id (``ident``) under which its
session is filed; a reply to a connection that is gone is dropped; a connection whose replies
pile up unread (more than ``MAX_BACKLOG`` messages or ``MAX_BACKLOG_BYTES`` queued since the
socket last took anything) is reported
through ``on_overflow`` and its further replies are dropped until it reads again, instead of
the worker buffering without bound.  A disconnection is seen at once (end of stream), so the
owner closes the session the moment a client dies.

A listener may speak TLS (``listen_tcp(..., tls=...)``, the tls transport): each of its
connections is a :class:`pyvirt.rpc._tls.TlsStream` between the socket and the ZMTP decoder.
The TLS handshake and the certificate checks (the CA, the validity dates, the DN list) come
first; only a connection that passed them gets the ZMTP greeting, so nothing reaches the
owner's handler unchecked.  :meth:`ZmtpServer.peer_info` tells the owner who is at the other
end (the verified certificate's DN).

Replies produced while a connection's input is being handled are written together once the
input is consumed: pipelined calls cost one ``send`` for the whole batch.

A worker's unix connection may be an ssh helper's (``adopt_stdio``): until its first message
it is read with ``recvmsg``, and a ``PVADOPT`` with the helper's stdin and stdout attached
turns the connection into those two pipes (:class:`_Pipes`), so the session's calls come
straight from sshd (:mod:`pyvirt.rpc._adopt` says why and what is accepted).

After serving something the loop keeps polling, without sleeping, for a short while
(``spin``, pyvirtd.toml's ``poll_spin_us``, 50 us by default) before it blocks: a client that
calls again within that time (a loop of calls, a listing followed by lookups) is served
without the sleep and wake-up of the worker, which on this virtual machine cost 20-50 us of
latency and, measured, more CPU than the polling itself (per call, 46 us of worker CPU
sleeping between calls, 23 us spinning).  An idle worker sleeps: it spins only right after
activity, and only while a core is idle (:class:`pyvirt.rpc.SpinGate`: when the loop's own
wake-ups queue for a CPU, every core is busy, and the spin would take one from a client),
and a spin that saw nothing makes the next activities sleep at once for a while (1, 2, 4 ...
64 of them), so clients whose calls come slower than the spin (over tls or ssh) cost none.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import select
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

from pyvirt import VirtError
from pyvirt.rpc import (
    ADOPT,
    ADOPT_ANCILLARY_SIZE,
    ADOPTED,
    REFUSED,
    SpinGate,
    adoptable,
    received_fds,
    widen_send_buffer,
)
from pyvirt.rpc.zmtp import Decoder, Frame, ZmtpError, command, greeting, handshake

from pyvirtd._sockets import bind_socket_file

log = logging.getLogger("pyvirtd.transport")

#: Replies a client may leave unread before it counts as not reading them (libzmq's SNDHWM
#: of the ROUTER this replaces).
MAX_BACKLOG = 10000
MAX_BACKLOG_BYTES = 256 * 1024 * 1024
_RECV_SIZE = 65536  # below glibc's mmap threshold: a bigger buffer is mapped and unmapped per call
_BULK_RECV_SIZE = 1 << 20  # a stream's connection (see ZmtpServer.bulk)
_IOV_MAX = 512  # buffers handed to one sendmsg (Linux takes 1024)
_HANDSHAKE = handshake(b"ROUTER", True)
_TOO_MANY_REASON = b"Too many active clients, dropping connection"
_IN = select.EPOLLIN
_OUT = select.EPOLLOUT
#: Most activities a spin that saw nothing makes sleep at once (as the client's backoff).
_SPIN_BACKOFF_MAX = 64

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.rpc import TlsServer, TlsStream

MessageHandler = Callable[[str, bytes, list[Frame]], None]
PeerHandler = Callable[[str, bytes], None]
#: on_accept(kind, ident, sock): a connection was accepted (its owner may ask the kernel who
#: the peer is, pyvirtd._identity, or start its handshake clock); False refuses it.
AcceptHandler = Callable[[str, bytes, socket.socket], bool]


@dataclass(frozen=True)
class PeerInfo:
    """Who is at the other end of one connection, as far as the transport knows."""

    #: The listening socket it came in on ("rw", "ro", "tcp", "tls" ...).
    kind: str
    #: The DN of the client certificate checked in the TLS handshake; None without one.
    x509_dname: str | None = None


def _refusal(reason: str) -> bytes:
    """ZMTP's way to say why a connection is refused: a greeting, then ERROR."""
    text = reason.encode()[:255]
    return greeting(True) + command(b"ERROR", bytes((len(text),)) + text)


_TOO_MANY = _refusal(_TOO_MANY_REASON.decode())


class _Pipes:
    """The two pipes of an ssh session that the helper handed over (see
    :mod:`pyvirt.rpc._adopt`), with the socket calls the transport makes on a connection:
    reads from one, writes to the other.  The helper's socket stays open beside them: the
    helper waits on it, and its closing tells the helper the session is over."""

    def __init__(self, read_fd: int, write_fd: int, helper: socket.socket) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.helper = helper
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)

    def fileno(self) -> int:
        return self.read_fd

    def recv(self, size: int) -> bytes:
        return os.read(self.read_fd, size)

    def recv_into(self, buffer: memoryview) -> int:
        return os.readv(self.read_fd, [buffer])

    def send(self, data: bytes | memoryview) -> int:
        return os.write(self.write_fd, data)

    def sendmsg(self, chunks: list[bytes | memoryview]) -> int:
        return os.writev(self.write_fd, chunks)

    def shutdown(self, _how: int) -> None:
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            if fd >= 0:
                os.close(fd)
        self.read_fd = self.write_fd = -1
        self.helper.close()


class _Peer:
    __slots__ = (
        "adopting",
        "backlog",
        "backlog_bytes",
        "dropping",
        "decoder",
        "fd",
        "ident",
        "kind",
        "out",
        "out_fd",
        "raw",
        "recv_size",
        "sock",
        "tls",
        "dname",
        "waiting",
    )

    def __init__(self, sock: socket.socket, kind: str, ident: bytes, max_message: int) -> None:
        self.sock: socket.socket | _Pipes = sock
        self.fd = sock.fileno()
        self.out_fd = self.fd  # where replies go: another descriptor for adopted pipes
        self.kind = kind
        self.ident = ident
        self.decoder = Decoder(b"ROUTER", max_message)
        self.out: list[bytes | memoryview] = []
        self.recv_size = _RECV_SIZE  # a stream's connection reads more at a time
        self.backlog = 0  # messages queued since the socket last took everything
        self.backlog_bytes = 0
        self.waiting = False  # registered for EPOLLOUT: the socket's buffer is full
        self.dropping = False  # over the backlog: replies are dropped until it drains
        self.tls: TlsStream | None = None  # a TLS listener's connection
        self.raw = b""  # TLS: ciphertext the socket has not taken yet
        self.dname: str | None = None  # TLS: the verified client certificate's DN
        #: Read with recvmsg until its first message: an ssh helper may hand over its pipes.
        self.adopting = False


class ZmtpServer:
    """Listening sockets and their connections, served from one ``epoll``.

    *on_message(kind, ident, frames)* is called for every message a client sends;
    *on_disconnect(kind, ident)* when a connection ends; *on_overflow(kind, ident)* when a
    client stops reading its replies.  ``kind`` names the listening socket ("rw", "ro",
    "tcp") the connection came in on.
    """

    def __init__(
        self,
        on_message: MessageHandler,
        on_disconnect: PeerHandler,
        on_overflow: PeerHandler,
        *,
        max_message: int,
        max_connections: int,
        spin: float = 0.0,
        backlog: int = 1000,
        on_accept: AcceptHandler | None = None,
        adopt_stdio: bool = False,
    ) -> None:
        self.on_message = on_message
        #: Whether unix clients may hand over an ssh session's pipes (a worker's clients).
        self.adopt_stdio = adopt_stdio
        self.on_accept = on_accept
        self.on_disconnect = on_disconnect
        self.on_overflow = on_overflow
        self.max_message = max_message
        self.max_connections = max_connections
        self.spin = spin
        #: listen()'s backlog (pyvirtd.toml's max_queued_clients, 1000 as libvirt's): a burst
        #: of connects the loop has not accepted yet waits in the kernel's queue; past it a
        #: unix connect fails with EAGAIN (the client retries it; see pyvirt.rpc._channel).
        self.backlog = backlog
        self._active = False  # the last poll served something: spin before sleeping
        self._spin_skip = 0  # activities left that sleep without spinning first (see _spun)
        self._spin_backoff = 1
        #: Spins only while a core is idle: on a machine whose cores are all busy (clients
        #: outnumbering them), the loop's spinning would take a core from a client.
        self.gate = SpinGate()
        self.epoll = select.epoll()
        self.listeners: dict[int, tuple[socket.socket, str]] = {}
        #: TLS settings of the listeners that speak TLS, by kind.
        self.tls: dict[str, TlsServer] = {}
        self.peers: dict[bytes, _Peer] = {}
        self.peer_of_fd: dict[int, _Peer] = {}
        self.extra: dict[int, Callable[[], None]] = {}
        self._ids = itertools.count(1)
        self._dirty: set[_Peer] = set()
        self._batching = False
        #: Descriptors an ssh helper sent with its ADOPT, until the command is read.
        self._offers: dict[bytes, list[int]] = {}
        #: Held by the loop's thread except while it waits for input (see share_with_threads).
        self.lock: threading.Lock | None = None

    def share_with_threads(self) -> threading.Lock:
        """Let other threads send while the loop waits: from now on the calling thread (the
        loop's) holds the returned lock at all times but inside :meth:`poll`'s wait, and a
        thread that takes it may use the server as the loop does.

        Why: a worker's pool thread that handed its reply to the loop through a queue and a
        pipe paid two more thread wake-ups per call (the loop's, then the GIL's hand-back
        while the pool thread finished), measured 90-130 us between a call's end and its
        reply leaving through the QEMU driver's worker, against ~20 us sent directly."""
        self.lock = threading.Lock()
        self.lock.acquire()
        return self.lock

    # -- listening -------------------------------------------------------------------------
    def listen_unix(self, path: str, mode: int, kind: str) -> str:
        """Bind *path* (created under a restrictive umask, then opened up to *mode*, so it is
        never briefly too open) and return its ``ipc://`` endpoint."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        bind_socket_file(path, mode, sock.bind)
        self._listen(sock, kind)
        return f"ipc://{path}"

    def listen_tcp(self, host: str, kind: str, port: int = 0, tls: TlsServer | None = None) -> str:
        """Bind *port* (a free one if 0) on *host*; return its ``tcp://`` endpoint.  With
        *tls*, every connection is TLS with those settings (see the module's docstring)."""
        bare = host.strip("[]")
        family = socket.AF_INET6 if ":" in bare else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((bare, port))
        except BaseException:
            sock.close()
            raise
        port = sock.getsockname()[1]
        if tls is not None:
            self.tls[kind] = tls
        self._listen(sock, kind)
        return f"tcp://[{bare}]:{port}" if family == socket.AF_INET6 else f"tcp://{bare}:{port}"

    def adopt(self, sock: socket.socket, kind: str) -> None:
        """Serve the already bound stream socket *sock* (one handed over by systemd, say)."""
        self._listen(sock, kind)

    def _listen(self, sock: socket.socket, kind: str) -> None:
        sock.listen(self.backlog)
        sock.setblocking(False)
        self.listeners[sock.fileno()] = (sock, kind)
        self.epoll.register(sock.fileno(), _IN)

    def watch(self, fd: int, callback: Callable[[], None]) -> None:
        """Call *callback* whenever *fd* is readable (a wake-up pipe, a child's output)."""
        self.extra[fd] = callback
        self.epoll.register(fd, _IN)

    def unwatch(self, fd: int) -> None:
        """Stop watching *fd* (call it before closing *fd*)."""
        if self.extra.pop(fd, None) is not None:
            try:
                self.epoll.unregister(fd)
            except (OSError, ValueError):
                pass

    # -- the loop --------------------------------------------------------------------------
    def poll(self, timeout: float) -> bool:
        """Wait up to *timeout* seconds and serve what is ready; False when nothing was."""
        epoll = self.epoll
        lock = self.lock
        if lock is not None:
            lock.release()  # (taken again below, before anything is served)
        try:
            ready = self._wait(epoll, timeout)
        finally:
            if lock is not None:
                lock.acquire()
        self._active = bool(ready)
        peer_of_fd = self.peer_of_fd
        for fd, events in ready:
            peer = peer_of_fd.get(fd)
            if peer is not None:
                if events & _OUT:
                    self._flush(peer)
                if events & ~_OUT and peer.fd in peer_of_fd:
                    if fd == peer.fd:
                        self._read(peer)
                    else:  # an adopted pipe's reader went away
                        self.drop(peer.ident)
            elif fd in self.listeners:
                self._accept(*self.listeners[fd])
            elif fd in self.extra:
                self.extra[fd]()
        return bool(ready)

    def _wait(self, epoll: select.epoll, timeout: float) -> list[tuple[int, int]]:
        """What is ready: after activity a spin first, then the blocking wait."""
        ready: list[tuple[int, int]] = []
        if self._active and self.spin:
            if self._spin_skip:
                self._spin_skip -= 1
            elif self.gate.allows():
                end = perf_counter() + self.spin
                ready = epoll.poll(0)
                while not ready and perf_counter() < end:
                    ready = epoll.poll(0)
                self._spun(bool(ready))
        if not ready:
            # Straight to the blocking wait when not spinning: it returns at once with what is
            # ready, so a poll(0) first would be a system call per call for nothing.
            ready = epoll.poll(timeout)
        return ready

    def _spun(self, hit: bool) -> None:
        """After a spin: a miss makes the next 1, then 2, 4 ... up to _SPIN_BACKOFF_MAX
        activities sleep at once, a hit starts again at 1 (the client's rule, in
        pyvirt.rpc._channel).  Clients whose next call comes later than the spin (over tls,
        where each round trip crosses TCP and two TLS layers; over ssh, through ssh, sshd and
        the helper) would otherwise cost the whole spin after every call: measured, 40-50 us
        of worker CPU per call, more than the call itself."""
        if hit:
            self._spin_backoff = 1
            return
        self._spin_skip = self._spin_backoff
        self._spin_backoff = min(self._spin_backoff * 2, _SPIN_BACKOFF_MAX)

    def _accept(self, listener: socket.socket, kind: str) -> None:
        for _ in range(64):
            try:
                sock, _addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors: leave it queued, try again later
                log.warning("cannot accept a %s connection: %s", kind, exc)
                return
            tls = self.tls.get(kind)
            if len(self.peers) >= self.max_connections:
                # Said in ZMTP's own way (greeting, then ERROR), so the client reports the
                # reason instead of a connection that merely closed (not to a TLS client:
                # nothing is said before its handshake).
                log.warning("too many connections: refusing a %s client", kind)
                try:
                    if tls is None:
                        sock.send(_TOO_MANY, socket.MSG_DONTWAIT)
                except OSError:
                    pass
                sock.close()
                continue
            sock.setblocking(False)
            if sock.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            peer = _Peer(sock, kind, b"%d" % next(self._ids), self.max_message)
            if self.on_accept is not None and not self.on_accept(kind, peer.ident, sock):
                sock.close()
                continue
            peer.adopting = self.adopt_stdio and tls is None and sock.family == socket.AF_UNIX
            self.peers[peer.ident] = peer
            self.peer_of_fd[peer.fd] = peer
            self.epoll.register(peer.fd, _IN)
            if tls is not None:
                from pyvirt.rpc import TlsStream

                peer.tls = TlsStream(tls.context, True)  # ZMTP's greeting follows the checks
                continue
            peer.out.append(_HANDSHAKE)
            self._flush(peer)

    def _read(self, peer: _Peer) -> None:
        view = peer.decoder.bulk_view() if peer.tls is None else None
        try:
            if view is not None:  # the rest of a large frame goes straight to its buffer
                count = peer.sock.recv_into(view)
                if count:
                    self._deliver(peer, peer.decoder.bulk_filled(count))
                    return
                data = b""
            elif peer.adopting:
                data = self._recv_offer(peer)
            else:
                data = peer.sock.recv(peer.recv_size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.drop(peer.ident)
            return
        self._input(peer, data)

    def _input(self, peer: _Peer, data: bytes) -> None:
        """Decode what *peer* sent and hand each message to the owner."""
        if peer.tls is not None:
            data = self._tls_input(peer, data)
            if not data:
                return
        try:
            messages = peer.decoder.feed_frames(data)
        except ZmtpError as exc:
            log.debug("dropping a %s client that broke ZMTP: %s", peer.kind, exc)
            self.drop(peer.ident)
            return
        self._deliver(peer, messages)

    def _deliver(self, peer: _Peer, messages: list[list[Frame]]) -> None:
        """Hand each of *messages* from *peer* to the owner, then send what that queued."""
        if peer.decoder.replies:
            peer.out.append(peer.decoder.replies)
            peer.decoder.replies = b""
        # Replies to everything that came in go out together (see send).
        self._batching = True
        try:
            for frames in messages:
                self.on_message(peer.kind, peer.ident, frames)
                if peer.fd not in self.peer_of_fd:
                    break  # the handler dropped it
        finally:
            self._batching = False
            dirty, self._dirty = self._dirty, set()
        dirty.add(peer)
        for each in dirty:
            if each.out and not each.waiting and each.fd in self.peer_of_fd:
                self._flush(each)
        if messages:
            peer.adopting = False  # a client of its own, not a helper about to hand over
        if peer.decoder.extensions:
            self._extensions(peer)

    # -- an ssh session's pipes (pyvirt.rpc._adopt) -------------------------------------------
    def _recv_offer(self, peer: _Peer) -> bytes:
        """A read of a connection that may still hand over its pipes (recvmsg, not recv, on
        the hot path only until its first message): descriptors that came with an ADOPT are
        kept for it, any others closed."""
        assert isinstance(peer.sock, socket.socket)
        data, ancillary, _flags, _addr = peer.sock.recvmsg(
            peer.recv_size, ADOPT_ANCILLARY_SIZE, socket.MSG_CMSG_CLOEXEC
        )
        fds = received_fds(ancillary)
        if fds and ADOPT in data:
            _close_all(self._offers.pop(peer.ident, []))
            self._offers[peer.ident] = fds
        else:
            _close_all(fds)
        return data

    def _extensions(self, peer: _Peer) -> None:
        """pyvirt's own ZMTP commands from *peer*: only ADOPT, from a worker's unix client."""
        commands, peer.decoder.extensions = peer.decoder.extensions, []
        for name, data in commands:
            fds = self._offers.pop(peer.ident, [])
            if name != ADOPT or peer.fd not in self.peer_of_fd:
                _close_all(fds)
                continue
            self._adopt(peer, fds, data)

    def _adopt(self, peer: _Peer, fds: list[int], pending: bytes) -> None:
        """Take over the helper's pipes *fds* if they are usable (the answer tells it), then
        read *pending*, the client's bytes the helper had already read, as if they had come
        from the pipe."""
        pair = adoptable(fds) if peer.adopting and not peer.out and not peer.waiting else None
        helper = peer.sock
        if pair is None or not isinstance(helper, socket.socket):
            _close_all(fds)
            peer.out.append(command(REFUSED))
            self._flush(peer)
        else:
            try:
                helper.send(command(ADOPTED), socket.MSG_DONTWAIT)
            except OSError:
                _close_all(fds)
                self.drop(peer.ident)
                return
            self.peer_of_fd.pop(peer.fd, None)
            self.epoll.unregister(peer.fd)
            peer.sock = _Pipes(pair[0], pair[1], helper)
            peer.fd, peer.out_fd = pair
            self.peer_of_fd[peer.fd] = peer
            self.epoll.register(peer.fd, _IN)
            log.debug("a %s client's ssh session is served from its pipes", peer.kind)
        peer.adopting = False
        if pending:
            self._input(peer, pending)

    def _tls_input(self, peer: _Peer, data: bytes) -> bytes:
        """The plaintext in *data*, TLS records from *peer*: during the handshake, advance it
        and, once done, check the client; b"" when there is nothing (more) to decode, or
        when the connection was dropped."""
        tls = peer.tls
        assert tls is not None
        try:
            if tls.established:
                data = tls.decrypt(data)
                if tls.closed:
                    self.drop(peer.ident)
                    return b""
                return data
            tls.take(data)
            try:
                done = tls.handshake()
            finally:
                self._send_raw(peer, tls.outgoing())  # handshake records, or the alert
            if not done:
                return b""
            refusal = self._check_client(peer)
            if refusal is not None:
                peer.out.append(_refusal(refusal))
                self._flush(peer)
                self.drop(peer.ident)
                return b""
            peer.out.append(_HANDSHAKE)
            self._flush(peer)
            return tls.decrypt(b"")  # what the client sent right after its Finished
        except (ssl_error(), VirtError) as exc:
            log.warning("TLS with a %s client failed: %s", peer.kind, _tls_failure(exc))
            self.drop(peer.ident)
            return b""

    def _check_client(self, peer: _Peer) -> str | None:
        """After the handshake (CA and dates checked by it): the DN against the listener's
        list.  The reason for a refusal, or None."""
        from pyvirt.rpc import DN_REFUSED, dn_allowed

        assert peer.tls is not None
        settings = self.tls[peer.kind]
        peer.dname = peer.tls.peer_dn()
        if peer.dname is None:
            return None  # no certificate: only an enrolling client (or no checks at all)
        if not dn_allowed(peer.dname, settings.allowed_dn):
            log.warning("refusing a %s client: DN %r is not allowed", peer.kind, peer.dname)
            return DN_REFUSED
        return None

    def peer_info(self, ident: bytes) -> PeerInfo | None:
        """Who is at *ident* (None when the connection is gone)."""
        peer = self.peers.get(ident)
        return None if peer is None else PeerInfo(peer.kind, peer.dname)

    def _send_raw(self, peer: _Peer, data: bytes) -> None:
        """Send TLS records that are already encrypted (handshake, alerts)."""
        if data:
            peer.raw += data
            if not peer.waiting:
                self._flush(peer)

    def bulk(self, ident: bytes) -> None:
        """*ident*'s connection carries bulk data (a stream): read it 1 MiB at a time, as 64
        KiB reads would cost a poll and a decoder round per 64 KiB, receive its large frames
        in place (the decoder's bulk mode: a piece is never copied in user space), and give
        a unix socket a send buffer that holds several pieces."""
        peer = self.peers.get(ident)
        if peer is not None:
            peer.recv_size = _BULK_RECV_SIZE
            peer.decoder.bulk = True
            widen_send_buffer(peer.sock)  # a download's pieces

    # -- writing ---------------------------------------------------------------------------
    def send(self, ident: bytes, data: bytes, rest: bytes | memoryview = b"") -> bool:
        """Queue one encoded message for *ident*: *data*, followed on the wire by *rest* (a
        stream's piece after its header: the two are gathered by the flush, never joined);
        False if the peer is gone or not reading."""
        peer = self.peers.get(ident)
        if peer is None:
            return False
        size = len(data) + len(rest)
        if peer.waiting and (
            peer.backlog >= MAX_BACKLOG or peer.backlog_bytes + size > MAX_BACKLOG_BYTES
        ):
            if not peer.dropping:
                peer.dropping = True
                self.on_overflow(peer.kind, ident)
            return False
        peer.out.append(data)
        if rest:
            peer.out.append(rest)
        peer.backlog += 1
        peer.backlog_bytes += size
        if self._batching:
            self._dirty.add(peer)
        elif not peer.waiting:
            self._flush(peer)
        return True

    def _flush(self, peer: _Peer) -> None:
        out = peer.out
        chunks: list[bytes | memoryview]
        if peer.tls is not None:
            if out and peer.tls.established:
                peer.raw += peer.tls.encrypt(b"".join(out))
                out.clear()
            if not peer.raw:
                return
            chunks = [peer.raw]
        elif not out:
            return
        else:
            chunks = out
        try:
            # Several queued messages go in one call, gathered without joining them: a
            # stream's queue holds megabytes, and a join would copy them at every flush.
            if len(chunks) == 1:
                sent = peer.sock.send(chunks[0])
            else:
                sent = peer.sock.sendmsg(chunks[:_IOV_MAX])
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            if exc.errno not in (errno.EPIPE, errno.ECONNRESET):
                log.debug("send to a %s client failed: %s", peer.kind, exc)
            self.drop(peer.ident)
            return
        done = 0
        while done < len(chunks) and sent >= len(chunks[done]):
            sent -= len(chunks[done])
            done += 1
        if done == len(chunks):
            out.clear()
            peer.raw = b""
            peer.backlog = peer.backlog_bytes = 0
            peer.dropping = False
            if peer.waiting:
                peer.waiting = False
                self._want_out(peer, False)
            return
        if peer.tls is not None:
            peer.raw = peer.raw[sent:]
        elif done or sent:
            del out[:done]
            if sent:
                out[0] = memoryview(out[0])[sent:]
            # What is left is what counts: a peer that reads steadily but never quite
            # catches up (a stream's reader) must not add up to an overflow over time.
            peer.backlog = len(out)
            peer.backlog_bytes = sum(len(each) for each in out)
        if not peer.waiting:
            peer.waiting = True
            self._want_out(peer, True)

    def _want_out(self, peer: _Peer, wanted: bool) -> None:
        """Watch (or stop watching) for *peer*'s descriptor taking more: the socket's own
        registration, or an adopted pipe's write end registered beside its read end."""
        if peer.out_fd == peer.fd:
            self.epoll.modify(peer.fd, _IN | _OUT if wanted else _IN)
        elif wanted:
            self.peer_of_fd[peer.out_fd] = peer
            self.epoll.register(peer.out_fd, _OUT)
        else:
            self.peer_of_fd.pop(peer.out_fd, None)
            self.epoll.unregister(peer.out_fd)

    # -- closing ---------------------------------------------------------------------------
    def hang_up(self, ident: bytes) -> None:
        """End what we send to *ident* and let the peer close the connection: it reads all we
        sent, then the end of the stream.  Closing at once instead could make a peer that
        writes first fail on that write and never read our last words (a notice of why).
        Whatever the peer sends meanwhile gets no answer; if what we queued has not gone
        out yet, the connection is simply dropped."""
        peer = self.peers.get(ident)
        if peer is None:
            return
        if peer.out or peer.raw:
            self.drop(ident)
            return
        try:
            peer.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.drop(ident)
            return
        peer.out_fd = peer.fd  # an adopted pipe's write end is closed: its number is free

    def drop(self, ident: bytes) -> None:
        """Close *ident*'s connection and tell the owner (on_disconnect)."""
        peer = self.peers.pop(ident, None)
        if peer is None:
            return
        _close_all(self._offers.pop(ident, []))
        for fd in {peer.fd, peer.out_fd}:
            if self.peer_of_fd.get(fd) is not peer:
                continue  # (an adopted pipe's write end is registered only while full)
            del self.peer_of_fd[fd]
            try:
                self.epoll.unregister(fd)
            except (OSError, ValueError):
                pass
        peer.sock.close()
        self.on_disconnect(peer.kind, ident)

    def close(self) -> None:
        for peer in list(self.peers.values()):
            self.peers.pop(peer.ident, None)
            peer.sock.close()
        self.peer_of_fd.clear()
        for sock, _kind in self.listeners.values():
            sock.close()
        self.listeners.clear()
        self.epoll.close()


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


def ssl_error() -> type[Exception]:
    """:class:`ssl.SSLError`, imported only by a daemon that serves TLS."""
    import ssl

    return ssl.SSLError


def _tls_failure(exc: BaseException) -> str:
    """Which check a client failed, in libvirt's words, for the log."""
    if isinstance(exc, VirtError):
        return exc.message
    if "did not return a certificate" in str(exc):
        return "the client sent no certificate"
    from pyvirt.rpc import tls_verify_reason

    return tls_verify_reason(exc, None, "client")  # type: ignore[arg-type]
