"""pyvirt's own ZMTP 3.1 speaker against libzmq, in both directions, and against bad bytes."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time

import pytest
import zmq
from hypothesis import given, settings
from hypothesis import strategies as st
from pyvirt.rpc._zmtp import (
    BULK_FRAME,
    Decoder,
    ZmtpError,
    command,
    encode_frames,
    encode_two,
    greeting,
    handshake,
)


def _read_messages(sock: socket.socket, decoder: Decoder, count: int) -> list[list[bytes]]:
    out: list[list[bytes]] = []
    sock.settimeout(5)
    while len(out) < count:
        data = sock.recv(65536)
        assert data, "peer closed"
        out.extend(decoder.feed(data))
    return out


def _handshake(sock: socket.socket, decoder: Decoder) -> None:
    """Send ours and read the peer's READY: libzmq refuses messages sent before it has sent
    its own READY (it still takes them for handshake commands)."""
    sock.sendall(handshake(decoder.socket_type, False))
    sock.settimeout(5)
    while not decoder.ready:
        data = sock.recv(4096)
        assert data, "peer closed during the handshake"
        assert decoder.feed(data) == []


def test_our_dealer_talks_to_a_libzmq_router(tmp_path):
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    path = str(tmp_path / "r")
    router.bind(f"ipc://{path}")
    client = socket.socket(socket.AF_UNIX)
    client.connect(path)
    decoder = Decoder(b"DEALER")
    _handshake(client, decoder)
    big = os.urandom(70000)
    client.sendall(encode_two(b"PYV1", b"small") + encode_frames([b"a", big, b""]))
    first = router.recv_multipart()
    second = router.recv_multipart()
    assert first[1:] == [b"PYV1", b"small"]
    assert second[1:] == [b"a", big, b""]
    router.send_multipart([first[0], b"PYV1", b"reply"])
    router.send_multipart([first[0], b"x" * 300])
    assert _read_messages(client, decoder, 2) == [[b"PYV1", b"reply"], [b"x" * 300]]
    assert decoder.peer_type == b"ROUTER"
    client.close()
    router.close(0)
    ctx.term()


def test_a_libzmq_dealer_talks_to_our_router(tmp_path):
    path = str(tmp_path / "s")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    ctx = zmq.Context()
    dealer = ctx.socket(zmq.DEALER)
    dealer.setsockopt(zmq.HEARTBEAT_IVL, 50)  # makes libzmq send PINGs we must answer
    dealer.setsockopt(zmq.HEARTBEAT_TIMEOUT, 2000)
    dealer.connect(f"ipc://{path}")
    conn, _ = server.accept()
    conn.sendall(handshake(b"ROUTER", True))
    decoder = Decoder(b"ROUTER")
    dealer.send_multipart([b"PYV1", b"call"])
    assert _read_messages(conn, decoder, 1) == [[b"PYV1", b"call"]]
    assert decoder.peer_type == b"DEALER"
    conn.sendall(encode_two(b"PYV1", b"r" * 1000))
    assert dealer.poll(5000)
    assert dealer.recv_multipart() == [b"PYV1", b"r" * 1000]
    # libzmq's heartbeat PING gets a PONG from the decoder.
    conn.settimeout(5)
    while not decoder.replies:
        decoder.feed(conn.recv(100))
    assert decoder.replies.startswith(b"\x04\x05\x04PONG")
    dealer.close(0)
    ctx.term()
    conn.close()
    server.close()


def test_messages_split_at_every_byte_boundary():
    wire = (
        handshake(b"ROUTER", True)
        + encode_two(b"PYV1", b"p" * 300)
        + encode_frames([b"a", b"b" * 10])
    )
    for step in (1, 2, 3, 7, 64, 65, 100):
        decoder = Decoder(b"DEALER")
        got = []
        for i in range(0, len(wire), step):
            got.extend(decoder.feed(wire[i : i + step]))
        assert got == [[b"PYV1", b"p" * 300], [b"a", b"b" * 10]]


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        (b"GET / HTTP/1.1\r\n" + b"x" * 60, "not a ZMTP peer"),
        (b"\xff" + b"\x00" * 8 + b"\x7f\x02\x00" + b"\x00" * 52, "unsupported ZMTP version"),
        (
            b"\xff" + b"\x00" * 8 + b"\x7f\x03\x01" + b"CURVE".ljust(20, b"\x00") + b"\x00" * 32,
            "unsupported security mechanism",
        ),
        (greeting(True) + encode_two(b"PYV1", b"x"), "message before the handshake"),
        (greeting(True) + command(b"HELLO"), "expected READY"),
        (
            greeting(True) + command(b"READY", b"\x0bSocket-Type\x00\x00\x00\x03PUB"),
            "incompatible peer socket type",
        ),
        (
            greeting(True) + command(b"READY", b"\x0bSocket-Type\xff\xff\xff\xff"),
            "malformed READY metadata",
        ),
        (handshake(b"ROUTER", True) + b"\x08\x01x", "reserved frame flags"),
        (handshake(b"ROUTER", True) + b"\x02" + struct.pack(">Q", 1 << 40), "message size limit"),
        (
            handshake(b"ROUTER", True) + b"\x01\x01a" + command(b"PING", b"\x00\x01"),
            "command inside a message",
        ),
        (handshake(b"ROUTER", True) + command(b"ERROR", b"\x03bad"), "peer reported: bad"),
        (greeting(True) + command(b"ERROR", b"\x07refused"), "peer reported: refused"),
    ],
)
def test_protocol_violations_are_refused_with_a_reason(wire, reason):
    with pytest.raises(ZmtpError, match=reason):
        Decoder(b"DEALER").feed(wire)


def test_message_over_the_limit_across_frames_is_refused():
    decoder = Decoder(b"DEALER", max_message=100)
    decoder.feed(handshake(b"ROUTER", True))
    with pytest.raises(ZmtpError, match="limit"):
        decoder.feed(encode_frames([b"a" * 60, b"b" * 60]))


def _ready_decoder(max_message: int = 1 << 20) -> Decoder:
    decoder = Decoder(b"DEALER", max_message=max_message)
    assert decoder.feed(handshake(b"ROUTER", True)) == []
    return decoder


def _byte_by_byte(wire: bytes, max_message: int = 1 << 20) -> list[list[bytes]] | str:
    """What the decoder's general loop reads from *wire* fed one byte at a time (the error's
    text when it refuses it)."""
    decoder = _ready_decoder(max_message)
    got: list[list[bytes]] = []
    try:
        for i in range(len(wire)):
            got.extend(decoder.feed(wire[i : i + 1]))
    except ZmtpError as exc:
        return str(exc)
    return got


def _whole(wire: bytes, max_message: int = 1 << 20) -> list[list[bytes]] | str:
    try:
        return _ready_decoder(max_message).feed(wire)
    except ZmtpError as exc:
        return str(exc)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=255),
    st.one_of(st.binary(max_size=300), st.binary(min_size=250, max_size=70000)),
    st.integers(min_value=64, max_value=1 << 17),
)
def test_a_whole_message_read_at_once_is_what_the_byte_by_byte_reading_gives(
    first, second, limit
):
    """One whole two-frame message in one read takes a shorter path (every call and reply
    does): its frames, and its refusals over the size limit, are the general loop's."""
    wire = encode_two(first, second)
    assert _whole(wire, limit) == _byte_by_byte(wire, limit)


@pytest.mark.parametrize(
    "wire",
    [
        encode_two(b"PYV1", b"x" * 10) + encode_two(b"PYV1", b"y"),  # two messages
        encode_frames([b"a", b"b", b"c"]),  # three frames
        encode_two(b"PYV1", b"x" * 10)[:-1],  # a message cut short
        encode_two(b"PYV1", b"x" * 300)[:-1],
        command(b"PING", b"\x00\x01\x00"),  # a command
        b"\x01\x04PYV1\x04\x01x",  # a command flag on the second frame
        b"\x01\x04PYV1\x08\x01x",  # reserved flags
        b"\x01\x04PYV1\x02\x00\x00",  # a long frame's size cut short
    ],
)
def test_anything_but_one_whole_message_is_read_as_before(wire):
    assert _whole(wire) == _byte_by_byte(wire)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=50))
def test_random_bytes_after_the_handshake_never_escape_as_other_errors(data, step):
    decoder = Decoder(b"ROUTER")
    decoder.feed(handshake(b"DEALER", False))
    try:
        for i in range(0, len(data), step):
            for message in decoder.feed(data[i : i + step]):
                assert all(isinstance(frame, bytes) for frame in message)
    except ZmtpError:
        pass


def _bulk_read(
    wire: bytes, reads: list[int], max_message: int = 1 << 24, in_place: bool = True
) -> list[list[object]]:
    """What a bulk decoder gives for *wire* received as a transport receives it: plain reads
    of the sizes in *reads* (cycled), and while a large frame is half-received, reads into
    its own buffer (recv_into), of the same sizes; without *in_place*, plain reads only (a
    TLS connection's decrypted records)."""
    decoder = Decoder(b"DEALER", max_message=max_message)
    decoder.bulk = True
    got: list[list[object]] = []
    at, turn = 0, 0
    while at < len(wire):
        size = reads[turn % len(reads)]
        turn += 1
        view = decoder.bulk_view() if in_place else None
        if view is not None:
            count = min(size, len(view), len(wire) - at)
            view[:count] = wire[at : at + count]
            got.extend(decoder.bulk_filled(count))
        else:
            count = min(size, len(wire) - at)
            got.extend(decoder.feed_frames(wire[at : at + count]))
        at += count
    assert decoder.idle
    return got


_BULK_SIZES = st.sampled_from(
    [0, 1, 255, 256, BULK_FRAME - 1, BULK_FRAME, BULK_FRAME + 1, 256 * 1024 + 24, 300_001]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(_BULK_SIZES, min_size=1, max_size=3), min_size=1, max_size=4),
    st.lists(st.integers(min_value=1, max_value=400_000), min_size=1, max_size=5),
    st.booleans(),
    st.booleans(),
)
def test_a_bulk_decoder_gives_the_frames_a_plain_one_gives(shapes, reads, pings, in_place):
    """In bulk mode (a stream's connection) every message, however the reads cut it, has
    the frames the plain decoder reads; a large frame comes as a view of the buffer it was
    received into, every other frame as bytes, and PINGs between messages are answered."""
    messages = [[bytes([n % 251]) * size for n, size in enumerate(shape)] for shape in shapes]
    wire = handshake(b"ROUTER", True)
    for message in messages:
        wire += encode_frames(message)
        if pings:
            wire += command(b"PING", b"\x00\x01ab")
    got = _bulk_read(wire, reads, in_place=in_place)
    assert [[bytes(frame) for frame in message] for message in got] == messages  # type: ignore[arg-type]
    for message in got:
        for frame in message:
            large = len(frame) >= BULK_FRAME  # type: ignore[arg-type]
            assert isinstance(frame, memoryview if large else bytes)


def test_a_bulk_decoder_refuses_a_large_frame_over_the_limit_before_buffering_it():
    """The size limit holds for a frame that is only beginning to arrive: no buffer is
    allocated for what the peer announces beyond it."""
    wire = handshake(b"ROUTER", True) + encode_frames([b"a" * 60_000, b"b" * 70_000])
    with pytest.raises(ZmtpError, match="limit"):
        _bulk_read(wire, [len(wire) - 10], max_message=100_000)
    decoder = Decoder(b"DEALER", max_message=100_000)
    decoder.bulk = True
    decoder.feed_frames(handshake(b"ROUTER", True))
    with pytest.raises(ZmtpError, match="limit"):
        decoder.feed_frames(b"\x02" + struct.pack(">Q", 1 << 33) + b"x" * 100)
    assert decoder.bulk_view() is None


def test_a_large_command_is_never_a_view():
    """Commands (up to 64 KiB, as large as a bulk frame) are read as bytes in bulk mode too."""
    data = b"z" * (BULK_FRAME - 5)  # with its name's length and name: a BULK_FRAME body
    wire = handshake(b"ROUTER", True) + command(b"PVXX", data)
    for step in (1000, len(wire)):
        decoder = Decoder(b"DEALER")
        decoder.bulk = True
        for at in range(0, len(wire), step):
            assert decoder.feed_frames(wire[at : at + step]) == []
        assert decoder.extensions == [(b"PVXX", data)]
        assert type(decoder.extensions[0][1]) is bytes


def test_a_libzmq_router_and_our_dealer_exchange_concurrently(tmp_path):
    """Many messages both ways at once: no frame lost or reordered by the chunked reader."""
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.ROUTER_MANDATORY, 1)
    router.setsockopt(zmq.RCVTIMEO, 5000)
    router.setsockopt(zmq.SNDTIMEO, 5000)
    path = str(tmp_path / "c")
    router.bind(f"ipc://{path}")
    client = socket.socket(socket.AF_UNIX)
    client.connect(path)
    decoder = Decoder(b"DEALER")
    _handshake(client, decoder)
    count = 2000

    def echo() -> None:
        for _ in range(count):
            frames = router.recv_multipart()
            router.send_multipart(frames)

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    payloads = [os.urandom(i * 37 % 5000) for i in range(count)]
    sender = threading.Thread(
        daemon=True,
        target=client.sendall,
        args=(b"".join(encode_two(b"PYV1", p) for p in payloads),),
    )
    sender.start()
    got = _read_messages(client, decoder, count)
    sender.join()
    thread.join()
    assert got == [[b"PYV1", p] for p in payloads]
    client.close()
    router.close(0)
    ctx.term()


def test_endpoints_map_to_socket_addresses():
    from pyvirt.rpc._zmtp import socket_address

    assert socket_address("ipc:///run/x") == (socket.AF_UNIX, "/run/x")
    assert socket_address("tcp://127.0.0.1:16509") == (socket.AF_INET, ("127.0.0.1", 16509))
    assert socket_address("tcp://[::1]:5") == (socket.AF_INET6, ("::1", 5))
    with pytest.raises(ValueError, match="unsupported endpoint"):
        socket_address("inproc://x")


# -- the client's channel (pyvirt.rpc._channel) on top of the codec --------------------------
def _plain_router(path: str):
    """A listening unix socket for a test to play a ZMTP ROUTER on, by hand."""
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    server.settimeout(5)
    return server


def test_channel_delivers_every_message_that_arrives_in_one_read(tmp_path):
    from pyvirt.rpc._channel import Channel

    path = str(tmp_path / "r")
    server = _plain_router(path)
    channel = Channel(f"ipc://{path}")
    channel.connect()
    peer, _ = server.accept()
    messages = [[b"PYV1", b"one"], [b"PYV1", b"two" * 200], [b"PYV1", b"three"]]
    wire = b"".join(encode_frames(m) for m in messages)
    # With the handshake, while waiting for a reply, while looking for a dead peer: each
    # time three messages in one write, read by the client in one recv().
    peer.sendall(handshake(b"ROUTER", True) + wire)
    assert channel.wait_connected(5)
    assert [channel.recv(1) for _ in messages] == messages
    peer.sendall(wire)
    assert [channel.recv(1) for _ in messages] == messages
    peer.sendall(wire)
    time.sleep(0.05)
    assert not channel.poll_events()  # reads what is there into the queue, loses nothing
    assert [channel.recv(1) for _ in messages] == messages
    channel.close()
    peer.close()
    server.close()


def test_channel_answers_zmtp_pings_and_reports_the_peer_gone(tmp_path):
    from pyvirt import ErrorCode, VirtError
    from pyvirt.rpc._channel import Channel

    path = str(tmp_path / "r")
    server = _plain_router(path)
    channel = Channel(f"ipc://{path}")
    channel.connect()
    peer, _ = server.accept()
    peer.sendall(handshake(b"ROUTER", True))
    assert channel.wait_connected(5)
    decoder = Decoder(b"ROUTER")
    peer.sendall(command(b"PING", b"\x00\x0aabc") + encode_two(b"PYV1", b"after the ping"))
    assert channel.recv(5) == [b"PYV1", b"after the ping"]
    channel.send([b"PYV1", b"call"])
    raw, got = b"", []
    peer.settimeout(5)
    while not got:
        data = peer.recv(65536)
        raw += data
        got = decoder.feed(data)
    assert got == [[b"PYV1", b"call"]]
    assert command(b"PONG", b"abc") in raw  # the ping's context, echoed
    peer.close()
    with pytest.raises(VirtError) as err:
        channel.recv(5)
    assert err.value.code == ErrorCode.RPC and "lost" in err.value.message
    assert channel.dead and channel.poll_events()
    channel.close()
    server.close()


def test_channel_talks_to_a_libzmq_router(tmp_path):
    from pyvirt.rpc._channel import Channel

    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    path = str(tmp_path / "r")
    router.bind(f"ipc://{path}")
    channel = Channel(f"ipc://{path}")
    channel.connect()
    assert channel.wait_connected(5)
    big = os.urandom(300000)
    channel.send_bytes(encode_two(b"PYV1", big))
    routing_id, *frames = router.recv_multipart()
    assert frames == [b"PYV1", big]
    for index in range(20):  # back to back: several per read on our side
        router.send_multipart([routing_id, b"PYV1", str(index).encode()])
    assert [channel.recv(5)[1] for _ in range(20)] == [str(i).encode() for i in range(20)]
    channel.close()
    router.close(0)
    ctx.term()
