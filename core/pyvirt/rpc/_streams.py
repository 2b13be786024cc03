"""The synchronous remote client's streams: the client's end of a stream opened through
pyvirtd, as a :class:`pyvirt.driver.DriverStream`, so that :class:`pyvirt.Stream` serves it
exactly as it serves a driver's own end in process.

Each stream has a socket of its own to the worker, attached to the session by its token
(PROC_STREAM_ATTACH); the opening call (virStorageVolUpload ...) is sent there, and the
stream's messages carry that call's procedure and serial.  Why not the session's socket, as
libvirt does: the synchronous client reads its socket only while a call waits for its reply,
so stream data arriving between two ``recv`` calls of the user would have nobody to read it,
and one slow stream would hold up every call of the connection.  docs/protocol.md,
"Streams", has the messages and the credit that keeps both sides' buffers bounded.
"""

from __future__ import annotations

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._stream_driver import DriverStream
from pyvirt.rpc._channel import Channel, lost
from pyvirt.rpc._codec import ProtocolError, encode
from pyvirt.rpc._procs import PROC_STREAM_ATTACH
from pyvirt.rpc._session import CALL_TIMEOUT, OPEN_TIMEOUT, check_access
from pyvirt.rpc._signatures import wire_signature
from pyvirt.rpc._stream_wire import (
    GATHER_FROM,
    MAX_DATA,
    received_piece,
    stream_message,
    stream_message_head,
)
from pyvirt.rpc._stream_wire import STREAM_WINDOW as WINDOW
from pyvirt.rpc._stub_support import checked
from pyvirt.rpc._wire import PROGRAM_REMOTE, MessageType, Status, split_frames

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt._stream_driver import Piece
    from pyvirt.rpc._tls import TlsClient
    from pyvirt.rpc._zmtp import Frame

__all__ = ["RemoteStream", "console_fd", "open_stream"]

_STREAM, _HOLE, _CREDIT = MessageType.STREAM, MessageType.STREAM_HOLE, MessageType.STREAM_CREDIT
_OPEN_SERIAL = 2  # the attach call is serial 1 on the stream's socket
#: A stream's channel reads up to this much at a time (a call's reads stay at 64 KiB).
_BULK_RECV_SIZE = 1 << 20
#: How long abort waits for the worker to confirm (it aborts anyway when the socket closes).
_ABORT_WAIT = 5.0


def open_stream(
    endpoint: str,
    token: bytes,
    read_only: bool,
    proc: int,
    args: list[Any],
    tls: TlsClient | None = None,
) -> RemoteStream:
    """Open a socket to the worker at *endpoint* (in TLS with *tls*, as the session's own),
    attach it to session *token*, send the stream-opening call *proc* with *args*, and
    return the client's end of the stream."""
    sig = wire_signature(proc)
    args = checked(sig, args)
    check_access(sig.procedure, args, read_only)
    from pyvirt.rpc._sync_backend import _exchange

    channel = Channel(endpoint, tls)
    channel.recv_size = _BULK_RECV_SIZE
    try:
        if not channel.wait_connected(OPEN_TIMEOUT):
            raise lost(f"cannot reach the daemon at {endpoint}")
        channel.carries_stream()
        _exchange(channel, PROGRAM_REMOTE, PROC_STREAM_ATTACH, 1, token, OPEN_TIMEOUT)
        _exchange(channel, PROGRAM_REMOTE, proc, _OPEN_SERIAL, args, CALL_TIMEOUT)
    except BaseException:
        channel.close()
        raise
    return RemoteStream(channel, proc)


class RemoteStream(DriverStream):
    """The client's end of one stream through pyvirtd."""

    def __init__(self, channel: Channel, proc: int) -> None:
        self.channel = channel
        self.proc = proc
        self.granted = False  # the first read grants the window
        self.consumed = 0  # messages read since credit was last granted
        self.at_end = False
        self.done = False

    # -- sending ----------------------------------------------------------------------------
    def _send(self, kind: int, status: int, body: bytes | memoryview) -> None:
        if self.done:
            raise make_error(ErrorCode.INVALID_STREAM, ErrorDomain.STREAMS, "the stream is closed")
        if len(body) >= GATHER_FROM:  # a piece: never joined to its header
            head = stream_message_head(self.proc, _OPEN_SERIAL, kind, status, len(body))
            self.channel.send_gathered(head, body, CALL_TIMEOUT)
            return
        self.channel.send_bytes(stream_message(self.proc, _OPEN_SERIAL, kind, status, body),
                                CALL_TIMEOUT)  # fmt: skip

    def _check_failed(self) -> None:
        """Raise the worker's error if it reported the stream failed meanwhile (a disk
        full during an upload), without waiting."""
        channel = self.channel
        if channel.poll_events():
            self._close()
            raise lost("the connection to the daemon was lost")
        for frames in channel.take_queued():
            self._message(frames)

    def write(self, data: bytes | memoryview) -> None:
        if len(data) > MAX_DATA:
            raise make_error(ErrorCode.RPC, ErrorDomain.RPC,
                             f"Stream data too long to send ({len(data)} bytes needed, "
                             f"{MAX_DATA} bytes available)")  # fmt: skip
        self._check_failed()
        self._send(_STREAM, Status.CONTINUE, data)

    def write_hole(self, length: int) -> None:
        self._check_failed()
        self._send(_HOLE, Status.CONTINUE, encode([length, 0]))

    # -- receiving --------------------------------------------------------------------------
    def _message(self, frames: list[Frame]) -> Piece | None:
        """What a message from the worker means: a piece, or None (nothing for the reader);
        a failure is raised."""
        try:
            header, body = split_frames(frames)
        except ProtocolError as exc:
            raise lost(f"malformed stream message: {exc}") from None
        if header.serial != _OPEN_SERIAL or header.type not in (_STREAM, _HOLE):
            return None  # keepalive and the like
        if header.status == Status.ERROR:
            self._close()
        return received_piece(header.type, header.status, body)

    def read(self, nbytes: int, holes: bool) -> Piece:
        if self.at_end:
            return b""
        if not self.granted:
            self.granted = True
            self._send(_CREDIT, Status.OK, encode(WINDOW))
        while True:
            channel = self.channel
            if self.nonblocking and not channel.take_queued_count():
                if channel.poll_events():
                    raise lost("the connection to the daemon was lost")
                if not channel.take_queued_count():
                    raise BlockingIOError("no stream data yet")
            piece = self._message(channel.recv(CALL_TIMEOUT))
            if piece is None:
                continue
            self.consumed += 1
            if self.consumed * 2 >= WINDOW and piece != b"":
                self._send(_CREDIT, Status.OK, encode(self.consumed))
                self.consumed = 0
            if piece == b"":
                self.at_end = True
            return piece

    # -- ending -----------------------------------------------------------------------------
    def _await_confirmation(self, timeout: float) -> None:
        while True:
            frames = self.channel.recv(timeout)
            header, _body = split_frames(frames)
            if self._message(frames) is None and header.serial == _OPEN_SERIAL \
                    and header.type == _STREAM and header.status == Status.OK:  # fmt: skip
                return

    def finish(self) -> None:
        if self.done:
            return
        try:
            self._send(_STREAM, Status.OK, b"")
            self._await_confirmation(CALL_TIMEOUT)
        finally:
            self._close()

    def abort(self) -> None:
        if self.done:
            return
        try:
            self._send(_STREAM, Status.ERROR, b"")
            self._await_confirmation(_ABORT_WAIT)
        except VirtError:
            pass  # the worker aborts it when the socket closes
        finally:
            self._close()

    def _close(self) -> None:
        self.done = True
        self.channel.close()


def console_fd(stream: RemoteStream) -> int:
    """A descriptor joined to a console stream, as the driver contract's
    ``domain_open_console`` returns one in process: one end of a socket pair, the other
    pumped to and from the stream by a thread.  Closing the descriptor ends the stream; the
    end of the stream (the guest went away, another session forced this one out) closes it.
    """
    import socket
    import threading

    theirs, mine = socket.socketpair()
    thread = threading.Thread(target=_pump_console, args=(stream, mine), daemon=True,
                              name="pyvirt-console")  # fmt: skip
    thread.start()
    return theirs.detach()


def _pump_console(stream: RemoteStream, mine: Any) -> None:
    import select

    channel = stream.channel
    try:
        stream._send(_CREDIT, Status.OK, encode(WINDOW))
        while not stream.done:
            ready, _, _ = select.select([mine, channel.fileno()], [], [])
            if mine in ready:
                data = mine.recv(65536)
                if not data:
                    break  # the caller closed its end
                stream.write(data)
            if channel.fileno() in ready or channel.take_queued_count():
                if channel.poll_events():
                    break
                for frames in channel.take_queued():
                    piece = stream._message(frames)
                    if piece is None:
                        continue
                    if piece == b"" or isinstance(piece, int):
                        return  # the end of the console
                    mine.sendall(piece)  # blocks while the caller does not read: no credit
                    stream._send(_CREDIT, Status.OK, encode(1))
    except (OSError, VirtError):
        pass
    finally:
        mine.close()
        stream.abort()
