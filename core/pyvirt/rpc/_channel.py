"""One client connection to pyvirtd or a worker: ZMTP spoken by us on a plain socket.

The peer is a ZeroMQ ROUTER (the daemon's libzmq socket, or a worker speaking ZMTP itself);
we are its DEALER, with the wire bytes of :mod:`pyvirt.rpc._zmtp`.  No libzmq on this side:
its I/O thread would take every message from the caller's thread and hand the reply back
(measured against a libzmq echo peer: 32 us a round trip from a libzmq DEALER, 21 us from
this channel).  Here a call is one ``send`` from the caller's own thread, then one blocking
``recv`` for the reply, and the client process does not import zmq at all.

What libzmq's socket monitor used to report, the socket tells directly: the end of the stream
(or a reset) means the peer went away, so a call waiting for a reply fails at once, and
:meth:`Channel.poll_events` (one ``poll(0)``) lets a caller notice a dead peer before sending.
A peer that is alive but silent keeps the socket open: only keepalive (in the client) tells.

Connecting follows ZMTP's order: send our greeting and READY, then read the peer's before the
first message (libzmq drops a connection whose first "command" is a message).  A refused or
missing socket is reported with libvirt's messages; :meth:`Channel.wait_connected` retries
such a connect until its timeout, as ZeroMQ reconnects, for a worker that is restarting.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import time
from collections import deque

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt.rpc._codec import ProtocolError, decode, encode
from pyvirt.rpc._gil_send import send_keeping_gil
from pyvirt.rpc._spin_gate import SpinGate
from pyvirt.rpc._wire import (
    _HEADER,
    HEADER_SIZE,
    KEEPALIVE_PING,
    PROGRAM_DAEMON,
    PROGRAM_KEEPALIVE,
    VERSION_FRAME,
    MessageType,
    Status,
)
from pyvirt.rpc._zmtp import (
    Decoder,
    Frame,
    ZmtpError,
    encode_frames,
    encode_two,
    handshake,
    socket_address,
)

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from pyvirt.rpc._tls import TlsClient, TlsStream

#: One read takes up to this much; a 64 KiB buffer is as cheap as a small one, larger ones
#: are not (they come from mmap).  Bigger messages take several reads.
_RECV_SIZE = 65536


def _spin_seconds() -> float:
    """``PYVIRT_SPIN_US``: how long a call polls for its reply before sleeping (default 50;
    0 turns it off; anything else that is not a number of microseconds is ignored)."""
    text = os.environ.get("PYVIRT_SPIN_US", "50")
    try:
        value = int(text)
    except ValueError:
        return 50e-6
    return min(max(value, 0), 10000) / 1e6


#: A reply that comes back within this time is taken without the caller's thread sleeping:
#: on this virtual machine a sleep and wake-up adds 20-50 us to a call that takes about as
#: much.  After a poll that saw nothing, the next calls sleep at once (the peer is busy or
#: slow, and polling would only take CPU from it): see Channel.recv.
_SPIN = _spin_seconds()
_SPIN_BACKOFF_MAX = 64
#: Longest a poll may be stretched to catch a reply that came just after the poll gave up.
#:
#: Two sleepers keep each other slow: a client that sleeps for its reply sends its next
#: call only after its wake-up, later than the worker's poll lasts, so the worker sleeps
#: too, and its wake-up makes the reply later than the client's poll.  Over tls a round trip
#: is then ~135 us on this virtual machine and each side's misses only lengthen its
#: back-off; with either side polling through once, both catch the other's messages and
#: the round trip is ~38 us.  So a reply that came within this time of the call makes the
#: next call poll that long (a quarter more), until a reply comes much later (back off as
#: before) or _SLOW_HITS_MAX stretched polls in a row caught replies that were slow all the
#: same (a peer behind ssh, a slow call): polling then only spends CPU, and the channel
#: keeps to ``_SPIN`` for _STRETCH_REST calls.
_SPIN_STRETCH_MAX = 4 * _SPIN
_SLOW_HITS_MAX = 256
_STRETCH_REST = 4096
#: Each poll yields the core between its reads (``sched_yield``): a peer woken on the
#: polling thread's core runs at once instead of queueing behind the poll (measured over
#: tls: otherwise the worker's wake-ups queued, its own SpinGate closed, and the round trip
#: stayed at ~65 us in one run of three).
_yield = os.sched_yield
#: Polls only while a core is idle: a thread whose recent waits queued for a CPU sleeps at
#: once, so polling clients never crowd out the worker on a busy machine (see _spin_gate).
_GATE = SpinGate()
#: The channels of this process whose caller waits for a reply now.  A call polls for its
#: reply only when no other call of the process is waiting: with several in flight (a
#: threaded client), the process has work coming anyway, and a polling thread would take a
#: core from the worker serving those calls and the GIL from the threads taking the replies.
_waiting: set[Channel] = set()
#: Never block in send (a peer that does not read must not hang the caller past its timeout)
#: and never raise SIGPIPE in an embedding process that did not ignore it.
_SEND_FLAGS = socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL
#: A C ``struct timeval``, for ``SO_RCVTIMEO``.
_TIMEVAL = struct.Struct("@ll")
#: Pause between connect attempts while waiting for a listener, as ZeroMQ's reconnect.
_RECONNECT_INTERVAL = 0.05
#: Time a connect attempt gets even when the caller waits less: a TCP handshake with a distant
#: host must be able to finish (ZeroMQ's connect went on in the background between waits).
_MIN_CONNECT_TIME = 1.0
#: Pauses between connects to a unix socket whose listen queue is full (EAGAIN): a burst of
#: clients waits its turn within the open timeout, as libvirt's blocking connect waits.
QUEUE_FULL_PAUSE = 0.001
QUEUE_FULL_PAUSE_MAX = 0.05
#: Connections a peer may close during the handshake before it counts as broken.
_HANDSHAKE_ATTEMPTS = 3
_HANDSHAKE = handshake(b"DEALER", False)
#: How the server's refusal of our certificate's DN starts (pyvirt.rpc._tls.DN_REFUSED),
#: recognised without importing the TLS module into every client.
DN_REFUSED_TEXT = "Client's Distinguished Name is not on the list of allowed clients"
#: A keepalive PING (pyvirt's KEEPALIVE program, not ZMTP's), encoded once.
_PING = encode_two(
    VERSION_FRAME, _HEADER.pack(PROGRAM_KEEPALIVE, 1, KEEPALIVE_PING, 0, 0, 0) + encode(None)
)

#: (interval, count) of a keepalive, or None.
Keepalive = tuple[int, int] | None


def _unsent(parts: list[memoryview], sent: int) -> list[memoryview]:
    """What of *parts* is left once *sent* bytes of them went out."""
    while parts and sent >= len(parts[0]):
        sent -= len(parts[0])
        parts = parts[1:]
    if parts and sent:
        parts = [parts[0][sent:], *parts[1:]]
    return parts


def lost(detail: str) -> VirtError:
    return make_error(ErrorCode.RPC, ErrorDomain.RPC, detail)


_STATUS_ERROR = int(Status.ERROR)


def timed_out() -> VirtError:
    return make_error(ErrorCode.OPERATION_TIMEOUT, ErrorDomain.RPC, "no reply from the daemon")


def reply_value(status: int, body: bytes | memoryview) -> Any:
    """The result a REPLY carries, or raise the error it carries (VirtError rebuilt from its
    fields) or a clear VIR_ERR_RPC when the body is malformed."""
    try:
        value = decode(body)
    except ProtocolError as exc:
        raise lost(f"malformed reply from the daemon: {exc}") from None
    if status == _STATUS_ERROR:
        if not isinstance(value, dict):
            raise lost("malformed error reply from the daemon")
        raise VirtError.from_fields(value)
    return value


#: Program DAEMON's NOTICE (pyvirt.rpc._procs.PROC_NOTICE): the daemon closes this client on
#: purpose (``pyvirt-admin client-disconnect``), and the body is the error to report.
_PROC_NOTICE = 2
_EVENT = int(MessageType.EVENT)


def farewell_of(frames: Sequence[Frame]) -> dict[str, Any] | None:
    """The error fields of a NOTICE with which the daemon closes this client; None for any
    other message.  A client so closed reports that error from then on and never reconnects,
    as libvirt's client does once its socket is closed by the daemon."""
    if len(frames) != 2 or frames[0] != VERSION_FRAME or len(frames[1]) < HEADER_SIZE:
        return None
    program, _version, procedure, kind, _serial, status = _HEADER.unpack_from(frames[1])
    if (program, procedure, kind, status) != (PROGRAM_DAEMON, _PROC_NOTICE, _EVENT, _STATUS_ERROR):
        return None
    try:
        fields = decode(frames[1][HEADER_SIZE:])
    except ProtocolError:
        return None
    return fields if isinstance(fields, dict) else None


class LinkGone(Exception):
    """A call found its connection gone before it left (or refused unread: "connection not
    open"): the session opens again and sends it there.  *error* is what to raise if that
    happens twice in a row."""

    def __init__(self, error: VirtError) -> None:
        super().__init__(error.message)
        self.error = error


def keepalive_timeout() -> VirtError:
    return lost("connection closed due to keepalive timeout")


def _ms(seconds: float) -> int:
    """A poll timeout in milliseconds, rounded up so a wait never ends early."""
    return int(seconds * 1000) + 1


def connect_error(endpoint: str, exc: OSError) -> VirtError:
    """libvirt's message for a connect to *endpoint* that failed with *exc*."""
    reason = exc.strerror or str(exc)
    _family, address = socket_address(endpoint)
    if isinstance(address, str):
        detail = f"Failed to connect socket to '{address}': {reason}"
    else:
        host, port = address
        detail = f"unable to connect to server at '{host}:{port}': {reason}"
    return make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC, detail)


def open_socket(endpoint: str, timeout: float) -> socket.socket:
    """A stream socket connected to *endpoint* (``ipc://PATH``, ``tcp://HOST:PORT``, or an
    ssh tunnel: :mod:`pyvirt.rpc._ssh`).

    TCP gets ``TCP_NODELAY`` (a call is one small write that must leave at once, as libzmq
    sets it) and ``SO_KEEPALIVE`` (a peer host that vanishes is eventually noticed by the
    kernel even when nobody calls).  Raises OSError.
    """
    if endpoint.startswith("ssh:"):
        from pyvirt.rpc._ssh import open_tunnel

        return open_tunnel(endpoint)
    _family, address = socket_address(endpoint)
    if not isinstance(address, str):
        sock = socket.create_connection(address, timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        return sock
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        _connect_unix(sock, address, timeout)
    except BaseException:
        sock.close()
        raise
    return sock


def _connect_unix(sock: socket.socket, path: str, timeout: float) -> None:
    """Connect *sock* to *path*, trying again while the listener's queue is full.

    A unix connect does not wait for room in the listen backlog: with a timeout set it fails
    at once with EAGAIN when a burst of clients overflows the queue.  That is not a refusal
    (the daemon is there and accepting), so it is tried again, pausing a little longer each
    time, until *timeout*; a missing socket or a refused connect still fails at once.
    """
    deadline = time.monotonic() + timeout
    pause = QUEUE_FULL_PAUSE
    while True:
        try:
            sock.connect(path)
            return
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, QUEUE_FULL_PAUSE_MAX)


class Channel:
    """A ZMTP DEALER on a plain socket to one peer; whole messages in, whole messages out.

    Not thread-safe: the client uses a channel under its connection's lock (or from the one
    event thread that owns it).  Messages that arrive together are queued, never dropped.
    """

    __slots__ = (
        "connected",
        "dead",
        "farewell",
        "endpoint",
        "local",
        "tls",
        "unresponsive",
        "_decoder",
        "_messages",
        "_poller",
        "_recv_timeout",
        "recv_size",
        "_sock",
        "_spin_skip",
        "_spin_backoff",
        "_spin_window",
        "_slow_hits",
        "_stretch_rest",
        "_tls",
    )

    def __init__(self, endpoint: str, tls: TlsClient | None = None) -> None:
        self.endpoint = endpoint
        #: TLS settings (the tls transport): every connection is wrapped in a TLS session
        #: whose checks must pass before any ZMTP byte is sent.
        self.tls = tls
        self._tls: TlsStream | None = None
        #: A unix socket straight to the peer: when the peer has gone, a send fails (EPIPE)
        #: before any byte leaves, so a call needs no poll first to know (see send_bytes).
        self.local = endpoint.startswith("ipc://") and tls is None
        #: The handshake with the peer has completed and the peer has not gone since.
        self.connected = False
        #: The peer went away after being connected (or broke the handshake).
        self.dead = False
        #: The peer missed too many keepalive pings (it may still hold the socket open).
        self.unresponsive = False
        #: The error the daemon closed this client with (see :func:`farewell_of`).
        self.farewell: dict[str, Any] | None = None
        self._sock: socket.socket | None = None
        self._decoder = Decoder(b"DEALER")
        self._messages: deque[list[Frame]] = deque()
        self._poller = select.poll()
        self._recv_timeout = 0.0  # the socket's SO_RCVTIMEO (0: none set)
        #: Bytes one read takes (a stream's channel reads more: see pyvirt.rpc._streams).
        self.recv_size = _RECV_SIZE
        self._spin_skip = 0  # calls left that wait without polling first (see recv)
        self._spin_backoff = 1  # calls to skip after the next poll that sees nothing
        self._spin_window = _SPIN  # how long the next poll lasts (see _SPIN_STRETCH_MAX)
        self._slow_hits = 0  # stretched polls in a row whose reply came after _SPIN
        self._stretch_rest = 0  # calls left before a poll may be stretched again

    # -- connecting ------------------------------------------------------------------------
    def connect(self, timeout: float = 5.0) -> None:
        """Connect and send our greeting and READY, or raise libvirt's "Failed to connect
        socket" / "unable to connect to server" error at once."""
        try:
            sock = open_socket(self.endpoint, timeout)
        except VirtError:  # already libvirt's words (an ssh tunnel that could not start)
            raise
        except OSError as exc:
            raise connect_error(self.endpoint, exc) from None
        try:
            greeting = _HANDSHAKE
            if self.tls is not None:
                from pyvirt.rpc._tls import client_handshake

                self._tls = client_handshake(sock, self.tls, timeout)
                greeting = self._tls.encrypt(greeting)
            sock.sendall(greeting)  # a fresh socket's buffer takes these 90-odd bytes
        except VirtError:  # a TLS check failed (some VirtErrors are OSErrors too)
            sock.close()
            raise
        except OSError as exc:
            # An ssh tunnel whose ssh has already left (it could not connect) takes nothing
            # more: libvirt's words for that come with ssh's own (read before the close).
            failure = getattr(sock, "failure", None)
            error = failure(reset=True) if failure is not None else connect_error(self.endpoint, exc)
            sock.close()
            raise error from None
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)  # blocking: see recv()
        self._sock = sock
        self._poller.register(sock, select.POLLIN)

    def wait_connected(self, timeout: float) -> bool:
        """Connect (if :meth:`connect` was not called) and complete the handshake.

        False when that does not happen within *timeout* (a connect attempt under way may take
        up to :data:`_MIN_CONNECT_TIME`).  Meanwhile a refused or missing socket is tried
        again, as ZeroMQ would, and so is a peer that closes during the handshake, a few times:
        a worker killed just after it was routed to accepts and then closes, and its restarted
        successor is the one to talk to.  A peer that answers with something other than ZMTP,
        or keeps closing, raises VIR_ERR_RPC naming the endpoint.
        """
        if self.connected:
            return True
        if self.dead:
            return False
        deadline = time.monotonic() + timeout
        closed = 0
        while not self._decoder.ready:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._sock is None:
                try:
                    self.connect(max(remaining, _MIN_CONNECT_TIME))
                except VirtError as exc:
                    if exc.code == ErrorCode.AUTH_FAILED:
                        self.dead = True  # a certificate check: trying again cannot help
                        raise
                    time.sleep(min(_RECONNECT_INTERVAL, max(deadline - time.monotonic(), 0)))
                continue
            if self._poller.poll(_ms(remaining)) and not self._read_handshake():
                failure = getattr(self._sock, "failure", None)
                if failure is not None:  # an ssh tunnel: ssh's own reason, at once
                    self.dead = True
                    raise failure()
                closed += 1
                if closed >= _HANDSHAKE_ATTEMPTS:
                    self.dead = True
                    raise lost(
                        f"ZMTP handshake with {self.endpoint} failed: the peer closed the "
                        "connection"
                    )
                self._drop_socket()
        self.connected = True
        return True

    def _read_handshake(self) -> bool:
        """Read during the handshake; False when the peer closed the connection."""
        assert self._sock is not None
        try:
            data = self._sock.recv(self.recv_size, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            return False
        if self._tls is not None:
            try:
                data = self._tls.decrypt(data)
            except VirtError:
                self.dead = True  # the server refused our certificate (an alert)
                raise
            if not data:
                return not self._tls.closed
        try:
            self._messages.extend(self._decoder.feed_frames(data))
        except ZmtpError as exc:
            self.dead = True
            if self._tls is not None and DN_REFUSED_TEXT in str(exc):
                from pyvirt.rpc._tls import dn_refused

                raise dn_refused() from None
            raise lost(f"ZMTP handshake with {self.endpoint} failed: {exc}") from None
        self._send_replies()
        return True

    def _drop_socket(self) -> None:
        """Forget a connection that ended during the handshake, to connect afresh."""
        assert self._sock is not None
        self._poller.unregister(self._sock)
        self._sock.close()
        self._sock = None
        self._tls = None
        self._decoder = Decoder(b"DEALER")
        self._messages.clear()
        self._recv_timeout = 0.0

    def carries_stream(self) -> None:
        """This channel carries a stream: give its socket a send buffer for several pieces
        (:func:`pyvirt.rpc._stream_wire.widen_send_buffer`), and receive its large pieces in
        place (the decoder's bulk mode; docs/protocol.md, "Receiving in place")."""
        from pyvirt.rpc._stream_wire import widen_send_buffer

        widen_send_buffer(self._sock)
        self._decoder.bulk = True

    def peer_certificate(self) -> bytes | None:
        """The DER form of the certificate the TLS peer showed (None without TLS)."""
        return None if self._tls is None else self._tls.obj.getpeercert(True)

    # -- state -----------------------------------------------------------------------------
    def _gone(self) -> None:
        if self.connected:
            self.dead = True
        self.connected = False

    def poll_events(self) -> bool:
        """Take in whatever the peer sent, without waiting; True when the peer is gone.

        One ``poll(0)``: a call made after the peer died must not go out on the dead socket
        (the client re-routes instead).  Messages read here wait in the queue for :meth:`recv`.
        """
        if self.connected and self._poller.poll(0):
            try:
                self._read()
            except VirtError:
                pass  # the channel is marked dead
        return self.dead

    def goodbye(self) -> dict[str, Any] | None:
        """The error the daemon closed this client with, if it did (looked for in what was
        read but not received yet, too)."""
        if self.farewell is None:
            for frames in self._messages:
                self.farewell = farewell_of(frames)
                if self.farewell is not None:
                    break
        return self.farewell

    def take_queued(self) -> list[list[Frame]]:
        """The messages read but not yet received, taken out of the queue (a stream looks
        at them between its sends)."""
        messages = list(self._messages)
        self._messages.clear()
        return messages

    def take_queued_count(self) -> int:
        """How many messages were read but not yet received."""
        return len(self._messages)

    def fileno(self) -> int:
        """The socket's descriptor, to wait on it beside others (-1 when not connected)."""
        return self._sock.fileno() if self._sock is not None else -1

    # -- sending ---------------------------------------------------------------------------
    def send(self, frames: list[bytes], timeout: float = 5.0) -> None:
        self.send_bytes(encode_frames(frames), timeout)

    def send_bytes(self, data: bytes, timeout: float = 5.0, *, resend_ok: bool = False) -> None:
        """Send one message already encoded for the wire (:func:`pyvirt.rpc._zmtp.encode_two`).

        The common case is one ``send`` that takes it all; a message larger than the socket's
        buffer is finished by :meth:`_send_rest`.  *resend_ok*: a peer found gone by the
        first ``send`` (nothing of the message left) raises :class:`LinkGone`, so that the
        session opens again and sends it there, instead of VIR_ERR_RPC.
        """
        if not self.connected:
            if self.dead:
                raise lost("the connection to the daemon was lost")
            if not self.wait_connected(timeout):
                raise lost(f"cannot reach the daemon at {self.endpoint}")
        assert self._sock is not None
        if self._tls is not None:
            data = self._tls.encrypt(data)
        try:
            if _waiting and type(data) is bytes:
                # Other threads wait for their replies: see pyvirt.rpc._gil_send.
                sent = send_keeping_gil(self._sock, data, _SEND_FLAGS)
            else:
                sent = self._sock.send(data, _SEND_FLAGS)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._gone()
            error = lost("the connection to the daemon was lost")
            if resend_ok:
                raise LinkGone(error) from None
            raise error from None
        if sent != len(data):
            self._send_rest([memoryview(data)[sent:]], timeout)

    def send_gathered(self, head: bytes, body: bytes | memoryview, timeout: float) -> None:
        """:meth:`send_bytes` of ``head + body`` without joining them: one ``sendmsg`` takes
        both, so a stream's piece goes from the caller's buffer to the socket uncopied (it
        was copied twice, into the message and into its frame).  TLS joins them: a record is
        encrypted whole."""
        sock = self._sock
        if self._tls is not None or sock is None or not self.connected:
            self.send_bytes(head + body, timeout)
            return
        try:
            sent = sock.sendmsg([head, body], (), _SEND_FLAGS)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._gone()
            raise lost("the connection to the daemon was lost") from None
        if sent < len(head) + len(body):
            self._send_rest(_unsent([memoryview(head), memoryview(body)], sent), timeout)

    def _send_rest(self, rest: list[memoryview], timeout: float) -> None:
        """Finish a partly sent message (the unsent parts of its buffers), reading meanwhile
        so that a peer busy writing to us is not deadlocked against our write.  ZMTP PONGs
        wait until the message is out: bytes in the middle of a message would corrupt the
        stream."""
        assert self._sock is not None
        sock = self._sock
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLOUT)
        deadline = time.monotonic() + timeout
        while rest:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                # Half a message is on the wire: the stream cannot be used any more.
                self._gone()
                raise lost(f"the daemon at {self.endpoint} does not take the message")
            for _fd, events in poller.poll(_ms(remaining)):
                if events & ~select.POLLOUT:
                    self._read(reply=False)
                    if self.dead:
                        raise lost("the connection to the daemon was lost")
                if events & select.POLLOUT:
                    try:
                        if len(rest) == 1:
                            sent = sock.send(rest[0], _SEND_FLAGS)
                        else:
                            sent = sock.sendmsg(rest, (), _SEND_FLAGS)
                        rest = _unsent(rest, sent)
                    except BlockingIOError:
                        pass
                    except OSError:
                        self._gone()
                        raise lost("the connection to the daemon was lost") from None
        self._send_replies()

    def _send_replies(self) -> None:
        """Answer the peer's ZMTP PINGs (the decoder leaves the PONGs to send)."""
        replies = self._decoder.replies
        if replies:
            self._decoder.replies = b""
            assert self._sock is not None
            if self._tls is not None:
                replies = self._tls.encrypt(replies)
            try:
                sent = self._sock.send(replies, _SEND_FLAGS)
            except BlockingIOError:
                return  # a full buffer skips this PONG whole: the peer pings again
            except OSError:
                return  # a dead peer shows at the next read
            if sent != len(replies):
                self._send_rest([memoryview(replies)[sent:]], 5.0)

    # -- receiving -------------------------------------------------------------------------
    def _read(self, reply: bool = True) -> None:
        """One ``recv`` of what is there, without waiting, into the queue."""
        assert self._sock is not None
        try:
            self._receive(self._sock, socket.MSG_DONTWAIT, reply)
        except BlockingIOError:
            return
        except OSError:
            self._take(b"", reply)

    def _receive(self, sock: socket.socket, flags: int = 0, reply: bool = True) -> None:
        """One receive into the queue (raising as ``recv`` does): the rest of a large frame
        straight into its buffer when the decoder holds one half-received (bulk mode), else
        a ``recv`` of up to :attr:`recv_size` for :meth:`_take`."""
        decoder = self._decoder
        view = decoder.bulk_view() if decoder.bulk and self._tls is None else None
        if view is None:  # (every call's reply: one attribute test more than a plain recv)
            self._take(sock.recv(self.recv_size, flags), reply)
            return
        count = sock.recv_into(view, 0, flags)
        if count:
            self._messages.extend(self._decoder.bulk_filled(count))
        else:
            self._take(b"", reply)

    def _take(self, data: bytes, reply: bool = True) -> None:
        """Queue the messages *data* completes; no data (the end of the stream) marks the peer
        gone.  *reply*: answer the peer's PINGs now (not in the middle of our own message)."""
        if not data:
            self._gone()
            return
        if self._tls is not None:
            try:
                data = self._tls.decrypt(data)
            except VirtError:
                self._gone()
                raise
            if not data:
                if self._tls.closed:
                    self._gone()
                return
        try:
            self._messages.extend(self._decoder.feed_frames(data))
        except ZmtpError as exc:
            self._gone()
            raise lost(f"protocol error from {self.endpoint}: {exc}") from None
        if reply and self._decoder.replies:
            self._send_replies()

    def _spin(self, sock: socket.socket, start: float) -> bool:
        """Poll for a reply for up to ``_spin_window`` seconds from *start*; True when a
        message is queued.

        A poll that saw nothing makes the next calls sleep at once (1, then 2, 4 ... up to
        ``_SPIN_BACKOFF_MAX`` calls after each further miss; a hit starts again at 1), so a
        busy peer (many clients, a slow call) costs no CPU in polling for long; unless the
        reply comes soon after (:meth:`_missed`).
        """
        end = start + self._spin_window
        while True:
            try:
                self._receive(sock, socket.MSG_DONTWAIT)
            except BlockingIOError:
                if time.perf_counter() < end:
                    _yield()
                    continue
                return False
            except OSError:
                self._take(b"")
            if self._messages:
                self._spin_backoff = 1
                if self._spin_window > _SPIN:
                    self._stretched_hit(time.perf_counter() - start)
                return True
            if not self.connected:
                return False

    def _stretched_hit(self, waited: float) -> None:
        """A stretched poll caught its reply after *waited* seconds (see _SPIN_STRETCH_MAX)."""
        if waited <= _SPIN:
            # The peer answers at once now: the stretch did its work.  The window stays:
            # round trips near ``_SPIN`` (tls: 38-50 us) would otherwise miss, sleep and
            # stretch again by turns; a long window costs only on a miss, once.
            self._slow_hits = 0
            return
        self._slow_hits += 1
        if self._slow_hits >= _SLOW_HITS_MAX:
            self._spin_window = _SPIN
            self._slow_hits = 0
            self._stretch_rest = _STRETCH_REST

    def _missed(self, waited: float) -> None:
        """A poll saw nothing and the reply came *waited* seconds after the call's wait
        began: a near miss stretches the next poll, anything else backs off."""
        if waited <= _SPIN_STRETCH_MAX and not self._stretch_rest:
            self._spin_window = min(_SPIN_STRETCH_MAX, waited * 1.25)
            return
        self._spin_window = _SPIN
        self._spin_skip = self._spin_backoff
        self._spin_backoff = min(self._spin_backoff * 2, _SPIN_BACKOFF_MAX)

    def recv(self, timeout: float) -> list[Frame]:
        """The next message; raise if the peer goes away or nothing comes in *timeout*.

        The wait is a blocking ``recv`` bounded by the socket's ``SO_RCVTIMEO``: one system
        call where ``poll`` then ``recv`` would be two (measured on a unix socket pair: a bare
        round trip of 4.4 us instead of 5.7).  The timeout is set again only when it changes,
        which a call with the same timeout as the previous one never does.
        """
        messages = self._messages
        if messages:
            return messages.popleft()
        if not self.connected:
            self._await_connection(timeout)
        sock = self._sock
        assert sock is not None
        # Only a thread whose process has no other call waiting polls: see _waiting.
        alone = not _waiting
        _waiting.add(self)
        try:
            if _SPIN:
                idle_core = _GATE.allows()  # counts every wait, polled or not
                if self._stretch_rest:
                    self._stretch_rest -= 1
                if self._spin_skip:
                    self._spin_skip -= 1
                elif alone and idle_core:
                    start = time.perf_counter()
                    if self._spin(sock, start):
                        return messages.popleft()
                    message = self._wait(sock, timeout)
                    self._missed(time.perf_counter() - start)
                    return message
            return self._wait(sock, timeout)
        finally:
            _waiting.discard(self)

    def listen(self, timeout: float) -> list[Frame]:
        """:meth:`recv` for a thread that only listens (an event channel): it sleeps at once
        and never counts as a call waiting for its reply, so a subscription does not keep the
        process's calls from polling for theirs (see _waiting)."""
        messages = self._messages
        if messages:
            return messages.popleft()
        if not self.connected:
            self._await_connection(timeout)
        assert self._sock is not None
        return self._wait(self._sock, timeout)

    def _await_connection(self, timeout: float) -> None:
        if self.dead:
            raise lost("the connection to the daemon was lost while waiting for a reply")
        if not self.wait_connected(timeout):
            raise timed_out()

    def _wait(self, sock: socket.socket, timeout: float) -> list[Frame]:
        """The next message, sleeping in ``recv`` until it comes (see :meth:`recv`)."""
        messages = self._messages
        deadline = time.monotonic() + timeout
        remaining = timeout
        while True:
            if remaining != self._recv_timeout:
                self._set_recv_timeout(remaining)
            try:
                self._receive(sock)
            except BlockingIOError:
                pass  # SO_RCVTIMEO ran out
            except OSError:
                self._take(b"")
            if messages:
                return messages.popleft()
            if not self.connected:
                raise lost("the connection to the daemon was lost while waiting for a reply")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise timed_out()

    def _set_recv_timeout(self, seconds: float) -> None:
        assert self._sock is not None
        whole = int(seconds)
        micro = max(int((seconds - whole) * 1e6), 0 if whole else 1)  # 0 would mean "forever"
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _TIMEVAL.pack(whole, micro))
        self._recv_timeout = seconds

    # -- keepalive -------------------------------------------------------------------------
    def ping(self) -> None:
        self.send_bytes(_PING)

    def recv_alive(self, timeout: float, keepalive: Keepalive, missed: int = 0) -> list[Frame]:
        """:meth:`recv`, pinging the peer after each *interval* of silence: after *count*
        unanswered pings, mark the channel unresponsive and raise the keepalive error."""
        if keepalive is None:
            return self.recv(timeout)
        interval, count = keepalive
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                return self.recv(max(0.0, min(float(interval), remaining)))
            except VirtError as exc:
                if exc.code != ErrorCode.OPERATION_TIMEOUT or time.monotonic() >= deadline:
                    raise
            if missed >= count:
                self.unresponsive = True
                raise keepalive_timeout()
            self.ping()
            missed += 1

    def close(self) -> None:
        """Close the socket; the channel then counts as dead (nothing goes out on it again)."""
        self.connected = False
        self.dead = True
        if self._sock is not None:
            self._sock.close()
