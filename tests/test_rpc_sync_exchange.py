"""One call of the synchronous client against a scripted peer: what it sends, and what it
makes of each kind of reply.

The exchange reads a short call's own well-formed reply on a path of its own (the common
case, written out for speed) and everything else through the general functions; both must
give the same answers: the value, the error the reply carries, a stale reply skipped, a
malformed one refused as a lost connection.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyvirt import DomainInfo, DomainRef, DomainState, ErrorCode, VirtError
from pyvirt.rpc._channel import Channel
from pyvirt.rpc._codec import decode, encode
from pyvirt.rpc._sync_backend import ClientBase, Link, _exchange
from pyvirt.rpc._wire import _HEADER, PROGRAM_REMOTE, VERSION_FRAME
from pyvirt.rpc._zmtp import Decoder, encode_frames, encode_two, handshake

_REPLY, _EVENT = 1, 2
_INFO = DomainInfo(DomainState.RUNNING, 8388608, 2097152, 2, 12345)

#: A peer's answer to the call it read: (program, procedure, serial, body) -> wire bytes.
Script = Callable[[int, int, int, bytes], bytes]


def _reply(program: int, proc: int, serial: int, value: object, status: int = 0) -> bytes:
    return encode_two(
        VERSION_FRAME, _HEADER.pack(program, 1, proc, _REPLY, serial, status) + encode(value)
    )


@contextmanager
def _peer(tmp_path: Path, script: Script) -> Iterator[tuple[Channel, list[list[bytes]]]]:
    """A channel to a hand-played ROUTER that answers each call it reads as *script* says;
    the calls it read, as frames, in the list."""
    path = str(tmp_path / "peer")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    server.settimeout(5)
    calls: list[list[bytes]] = []

    def serve() -> None:
        conn, _ = server.accept()
        conn.settimeout(5)
        decoder = Decoder(b"ROUTER")
        conn.sendall(handshake(b"ROUTER", True))
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                for frames in decoder.feed(data):
                    calls.append(frames)
                    program, _v, proc, _t, serial, _s = _HEADER.unpack_from(frames[1])
                    conn.sendall(script(program, proc, serial, frames[1][_HEADER.size :]))
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    channel = Channel(f"ipc://{path}")
    channel.connect()
    assert channel.wait_connected(5)
    try:
        yield channel, calls
    finally:
        channel.close()
        thread.join(5)
        server.close()


def _call(channel: Channel, args: object, serial: int = 7) -> object:
    return _exchange(channel, PROGRAM_REMOTE, 16, serial, args, 5.0)


def test_a_short_call_goes_out_as_two_frames_and_its_reply_is_its_value(tmp_path):
    def script(program: int, proc: int, serial: int, body: bytes) -> bytes:
        return _reply(program, proc, serial, _INFO)

    with _peer(tmp_path, script) as (channel, calls):
        assert _call(channel, ["dom"]) == _INFO
    assert calls[0][0] == VERSION_FRAME
    assert _HEADER.unpack_from(calls[0][1]) == (PROGRAM_REMOTE, 1, 16, 0, 7, 0)
    assert decode(calls[0][1][_HEADER.size :]) == ["dom"]


@pytest.mark.parametrize("size", [200, 255, 256, 70000])
def test_calls_and_replies_of_every_size_cross_whole(tmp_path, size):
    text = "x" * size

    def script(program: int, proc: int, serial: int, body: bytes) -> bytes:
        return _reply(program, proc, serial, decode(body)[0] * 2)

    with _peer(tmp_path, script) as (channel, calls):
        assert _call(channel, [text]) == text * 2
    assert decode(calls[0][1][_HEADER.size :]) == [text]


def test_the_error_a_reply_carries_is_raised(tmp_path):
    fields = VirtError.from_fields(
        {
            "code": int(ErrorCode.NO_DOMAIN),
            "message": "Domain not found: no domain with matching name 'x'",
        }
    ).to_fields()

    def script(program: int, proc: int, serial: int, body: bytes) -> bytes:
        return _reply(program, proc, serial, fields, 1)

    with _peer(tmp_path, script) as (channel, _calls):
        with pytest.raises(VirtError) as err:
            _call(channel, ["x"])
    assert err.value.code == ErrorCode.NO_DOMAIN
    assert err.value.message == fields["message"]


def test_a_stale_reply_and_an_event_before_ours_are_skipped(tmp_path):
    def script(program: int, proc: int, serial: int, body: bytes) -> bytes:
        stale = _reply(program, proc, serial - 1, "stale")
        event = encode_two(VERSION_FRAME, _HEADER.pack(program, 1, 1, _EVENT, 0, 0) + encode(None))
        return stale + event + _reply(program, proc, serial, "ours")

    with _peer(tmp_path, script) as (channel, _calls):
        assert _call(channel, []) == "ours"


@pytest.mark.parametrize(
    ("wire", "words"),
    [
        (
            lambda p, c, s: encode_two(
                VERSION_FRAME, _HEADER.pack(p, 1, c, _REPLY, s, 0) + b"\xc1"
            ),
            "malformed reply from the daemon",
        ),
        (lambda p, c, s: _reply(p, c, s, "not a dict", 1), "malformed error reply from the daemon"),
        (
            lambda p, c, s: encode_two(VERSION_FRAME, _HEADER.pack(p, 9, c, _REPLY, s, 0)),
            "malformed reply from the daemon: unsupported version 9",
        ),
        (
            lambda p, c, s: encode_two(VERSION_FRAME, _HEADER.pack(p, 1, c, _REPLY, s, 3)),
            "malformed reply from the daemon: malformed header",
        ),
        (
            lambda p, c, s: encode_two(VERSION_FRAME, b"short"),
            "malformed reply from the daemon: message shorter than its header",
        ),
        (
            lambda p, c, s: encode_two(b"PYV9", _HEADER.pack(p, 1, c, _REPLY, s, 0)),
            "malformed reply from the daemon: unsupported protocol version",
        ),
        (
            lambda p, c, s: encode_frames([VERSION_FRAME, b"a", b"b"]),
            "malformed reply from the daemon: expected 2 frames, got 3",
        ),
    ],
)
def test_a_malformed_reply_is_a_lost_connection_naming_what_was_wrong(tmp_path, wire, words):
    def script(program: int, proc: int, serial: int, body: bytes) -> bytes:
        return wire(program, proc, serial)  # type: ignore[no-any-return]

    with _peer(tmp_path, script) as (channel, _calls):
        with pytest.raises(VirtError) as err:
            _call(channel, [])
    assert err.value.code == ErrorCode.RPC
    assert err.value.message.startswith(words) or words in err.value.message


class _Session(ClientBase):
    """The part of a synchronous session that a stub's call goes through, on one link;
    what the written-out common case hands to the general path is recorded."""

    def __init__(self, link: Link, read_only: bool = False) -> None:
        self._worker = link
        self.read_only = read_only
        self.general: list[int] = []

    def call(self, proc: int, args: list[object], sig: object) -> object:
        self.general.append(proc)
        assert self._worker is not None
        return self._worker.request(PROGRAM_REMOTE, proc, args)

    def _call_slow(self, proc: int, args: list[object], sig: object) -> object:
        return self.call(proc, args, sig)


_REF = DomainRef("test", "6695eb01-f6a4-8304-79aa-97f2502e193f", 1)


def _session_call(
    tmp_path: Path, value: object, read_only: bool = False
) -> tuple[object, list[int]]:
    def script(program: int, proc: int, serial: int, body: bytes) -> bytes:
        assert decode(body) == [_REF]
        return _reply(program, proc, serial, value)

    with _peer(tmp_path, script) as (channel, _calls):
        session = _Session(Link(channel, 5.0), read_only)
        return session._invoke(16, [_REF]), session.general


def test_a_stubs_call_returns_its_checked_result(tmp_path):
    assert _session_call(tmp_path, _INFO) == (_INFO, [])


def test_a_result_of_the_wrong_type_is_a_malformed_reply_naming_the_procedure(tmp_path):
    with pytest.raises(VirtError) as err:
        _session_call(tmp_path, "not a DomainInfo")
    assert err.value.code == ErrorCode.RPC
    assert err.value.message.startswith("malformed reply to domain_get_info")


def test_a_read_only_sessions_call_takes_the_general_path(tmp_path):
    assert _session_call(tmp_path, _INFO, read_only=True) == (_INFO, [16])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["not a DomainRef"], "dom"),  # the argument is named
        ([_REF, 0], "domain_get_info: expected 1 arguments"),
        ([], "domain_get_info: expected 1 arguments"),
    ],
)
def test_a_wrong_argument_is_refused_before_anything_is_sent(tmp_path, args, words):
    def script(program: int, proc: int, serial: int, body: bytes) -> bytes:
        return _reply(program, proc, serial, _INFO)

    with _peer(tmp_path, script) as (channel, calls):
        session = _Session(Link(channel, 5.0))
        with pytest.raises(VirtError) as err:
            session._invoke(16, args)
        # A call that did go out is answered; the next exchange shows nothing came before.
        assert session._invoke(16, [_REF]) == _INFO
    assert err.value.code == ErrorCode.INVALID_ARG
    assert words in err.value.message
    assert len(calls) == 1


@pytest.mark.parametrize("size", [200, 70000, 600000])
def test_a_call_made_while_other_threads_wait_is_sent_keeping_the_gil(
    tmp_path, monkeypatch, size
):
    """Another call of the process waiting: the send goes through libc without giving up
    the GIL (pyvirt.rpc._gil_send); a message larger than the socket takes is finished by the
    ordinary path; the peer reads every byte and the reply is the call's value."""
    from pyvirt.rpc import _channel, _gil_send

    used: list[int] = []
    real = _gil_send.send_keeping_gil

    def counting(sock: socket.socket, data: bytes, flags: int) -> int:
        sent = real(sock, data, flags)
        used.append(sent)
        return sent

    monkeypatch.setattr(_channel, "send_keeping_gil", counting)
    text = "y" * size

    def script(program: int, proc: int, serial: int, body: bytes) -> bytes:
        return _reply(program, proc, serial, len(decode(body)[0]))

    with _peer(tmp_path, script) as (channel, calls):
        other = object.__new__(Channel)  # stands for a call of another thread, waiting
        _channel._waiting.add(other)
        try:
            assert _call(channel, [text]) == size
        finally:
            _channel._waiting.discard(other)
    assert used and used[0] > 0
    assert decode(calls[0][1][_HEADER.size :]) == [text]


def test_the_gil_keeping_send_reports_a_full_buffer_and_a_gone_peer_as_socket_send_does():
    from pyvirt.rpc._gil_send import send_keeping_gil

    flags = socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL
    mine, theirs = socket.socketpair()
    try:
        mine.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        assert send_keeping_gil(mine, b"abc", flags) == 3
        assert theirs.recv(10) == b"abc"
        with pytest.raises(BlockingIOError):
            while True:
                send_keeping_gil(mine, b"z" * 65536, flags)
        theirs.close()
        with pytest.raises(OSError) as failure:
            send_keeping_gil(mine, b"after", flags)
        assert not isinstance(failure.value, BlockingIOError)
        assert failure.value.errno in (errno.EPIPE, errno.ECONNRESET)
    finally:
        mine.close()
        theirs.close()


@pytest.mark.parametrize(
    ("sizes", "sent", "left"),
    [
        ([3, 5], 0, [b"abc", b"defgh"]),
        ([3, 5], 2, [b"c", b"defgh"]),
        ([3, 5], 3, [b"defgh"]),
        ([3, 5], 7, [b"h"]),
        ([3, 5], 8, []),
        ([0, 4], 0, [b"abcd"]),  # an empty part is dropped
    ],
)
def test_what_is_left_of_a_gathered_message_after_a_partial_send(sizes, sent, left):
    from pyvirt.rpc._channel import _unsent

    data, parts = b"abcdefgh", []
    for size in sizes:
        parts.append(memoryview(data[:size]))
        data = data[size:]
    assert [bytes(part) for part in _unsent(parts, sent)] == left


def test_a_piece_sent_apart_from_its_header_arrives_as_one_message_through_a_slow_reader(
    tmp_path,
):
    """Channel.send_gathered: the header and a piece several times the socket's buffer go out
    with sendmsg, what the peer does not take at once is finished from the unsent parts,
    and the peer decodes one message equal to the joined one."""
    from pyvirt.rpc._stream_wire import stream_message, stream_message_head

    piece = bytes(range(256)) * 2400  # 600 KiB
    path = str(tmp_path / "slow")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    got: list[list[bytes]] = []

    def serve() -> None:
        conn, _ = server.accept()
        conn.settimeout(5)
        conn.sendall(handshake(b"ROUTER", True))
        decoder = Decoder(b"ROUTER")
        while not got:
            threading.Event().wait(0.001)  # a slow reader: the sender's buffer fills
            got.extend(decoder.feed(conn.recv(8192)))
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    channel = Channel(f"ipc://{path}")
    try:
        channel.connect()
        assert channel.wait_connected(5)
        channel._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)  # type: ignore[union-attr]
        head = stream_message_head(209, 2, 3, 2, len(piece))
        channel.send_gathered(head, memoryview(piece), 10.0)
        thread.join(10)
    finally:
        channel.close()
        server.close()
    assert encode_frames(got[0]) == stream_message(209, 2, 3, 2, piece)
