"""Stream messages from a client that does not play by the rules, straight on a worker's socket
(a bare ZeroMQ DEALER): malformed holes and credit, messages for streams that do not exist,
and a client that goes away in the middle of an upload.  The worker answers with a libvirt
error where there is a stream to answer on, ignores the rest, and keeps serving.
"""

from __future__ import annotations

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import RawPeer, start_daemon
from pyvirt.rpc import (
    PROC_CONNECT_OPEN,
    PROC_STREAM_ATTACH,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    Header,
    MessageType,
    Status,
    decode,
    encode,
    split_frames,
)
from qemu_helpers import daemon_env, needs_qemu, qemu_root  # noqa: F401 - fixtures

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="qemu:///system through pyvirtd needs root"),
]
UPLOAD, DOWNLOAD = 208, 209
MiB = 1 << 20


@pytest.fixture
def served(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> Iterator[tuple[Path, pyvirt.StorageVol]]:
    """A pyvirtd, the QEMU worker's socket, and a 1 MiB volume in a dir pool."""
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            (qemu_root / "pool").mkdir()
            pool = conn.create_storage_pool(
                "<pool type='dir'><name>wire</name>"
                f"<target><path>{qemu_root / 'pool'}</path></target></pool>"
            )
            vol = pool.create_volume(
                f"<volume><name>w.img</name><capacity>{MiB}</capacity></volume>"
            )
            yield rundir / "pyvirt-qemu-sock", vol
    finally:
        daemon.stop()


def _stream_peer(sock: Path) -> tuple[RawPeer, RawPeer]:
    """A session on one raw socket, and a second raw socket attached to it for a stream."""
    session = RawPeer(sock)
    status, answer = session.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["qemu:///system", 0]))
    assert status == Status.OK, answer
    assert isinstance(answer, list)
    stream = RawPeer(sock)
    status, answer = stream.call(PROGRAM_REMOTE, PROC_STREAM_ATTACH, encode(answer[0]))
    assert status == Status.OK, answer
    return session, stream


def _send(peer: RawPeer, proc: int, serial: int, kind: int, status: int, body: bytes) -> None:
    peer.send([VERSION_FRAME, Header(PROGRAM_REMOTE, 1, proc, kind, serial, status).pack() + body])


def _stream_reply(peer: RawPeer, serial: int) -> tuple[int, int, bytes]:
    """The next stream message for *serial*: (type, status, body)."""
    while True:
        assert peer.sock.poll(10000), "no stream message from the worker"
        header, body = split_frames(peer.sock.recv_multipart())
        if header.serial == serial and header.type != MessageType.REPLY:
            return header.type, header.status, body


def _open(peer: RawPeer, proc: int, vol: pyvirt.StorageVol) -> int:
    status, answer = peer.call(PROGRAM_REMOTE, proc, encode([vol.ref, 0, 0, 0]))
    assert status == Status.OK and answer is None, answer
    return peer.serial


def test_malformed_credit_and_holes_fail_the_stream_with_an_rpc_error(
    served: tuple[Path, pyvirt.StorageVol],
) -> None:
    sock, vol = served
    session, peer = _stream_peer(sock)
    with session, peer:
        for kind, body in ((MessageType.STREAM_CREDIT, encode("lots")),
                           (MessageType.STREAM_CREDIT, encode(-3)),
                           (MessageType.STREAM_HOLE, encode(["x", 0])),
                           (MessageType.STREAM_HOLE, b"\xc1")):  # fmt: skip
            serial = _open(peer, DOWNLOAD if kind == MessageType.STREAM_CREDIT else UPLOAD, vol)
            _send(peer, DOWNLOAD, serial, kind, Status.OK, body)
            got_kind, status, error = _stream_reply(peer, serial)
            assert (got_kind, status) == (MessageType.STREAM, Status.ERROR)
            fields = decode(error)
            assert fields["code"] == pyvirt.ErrorCode.RPC, fields
            assert "malformed" in fields["message"]
        # Messages for streams that never were, or already ended, are ignored ...
        _send(peer, UPLOAD, 999, MessageType.STREAM, Status.CONTINUE, b"stray")
        _send(peer, UPLOAD, serial, MessageType.STREAM, Status.OK, b"")
        assert peer.ping() and session.ping()
        # ... and the worker goes on serving: a real transfer on the same socket works.
        serial = _open(peer, UPLOAD, vol)
        _send(peer, UPLOAD, serial, MessageType.STREAM, Status.CONTINUE, b"abc")
        _send(peer, UPLOAD, serial, MessageType.STREAM, Status.OK, b"")
        assert _stream_reply(peer, serial) == (MessageType.STREAM, Status.OK, b"")
    assert Path(vol.path()).read_bytes()[:3] == b"abc"


def test_a_client_gone_in_the_middle_of_an_upload_aborts_it(
    served: tuple[Path, pyvirt.StorageVol],
) -> None:
    sock, vol = served
    session, peer = _stream_peer(sock)
    with session:
        serial = _open(peer, UPLOAD, vol)
        _send(peer, UPLOAD, serial, MessageType.STREAM, Status.CONTINUE, b"\x07" * 4096)
        assert peer.ping()  # the data was taken
        peer.close()  # gone without finishing or aborting
        assert session.ping()
    # What arrived is in the volume (libvirt writes in place too), the rest is untouched, and
    # the volume takes a new upload at once: nothing of the dead stream holds it.
    data = Path(vol.path()).read_bytes()
    assert data[:4096] == b"\x07" * 4096 and data[4096:] == bytes(MiB - 4096)
    conn = vol._conn
    stream = conn.new_stream()
    vol.upload(stream, 0, 2)
    stream.send(b"ok")
    stream.finish()
    assert Path(vol.path()).read_bytes()[:2] == b"ok"


def test_pieces_around_the_bulk_size_arrive_whole_and_in_order(
    served: tuple[Path, pyvirt.StorageVol],
) -> None:
    """The worker receives a stream's large pieces straight into buffers of their own (the
    decoder's bulk mode); a libzmq DEALER, which cuts and joins its writes as it likes,
    uploads pieces just below, at and above that size, and the volume holds them in order."""
    from pyvirt.rpc._zmtp import BULK_FRAME

    sock, vol = served
    sizes = [1, BULK_FRAME - 1, BULK_FRAME, BULK_FRAME + 1, 256 * 1024, 7, 300_000]
    pieces = [os.urandom(size) for size in sizes]
    session, peer = _stream_peer(sock)
    with session, peer:
        serial = _open(peer, UPLOAD, vol)
        for piece in pieces:
            _send(peer, UPLOAD, serial, MessageType.STREAM, Status.CONTINUE, piece)
        _send(peer, UPLOAD, serial, MessageType.STREAM, Status.OK, b"")
        assert _stream_reply(peer, serial) == (MessageType.STREAM, Status.OK, b"")
        assert peer.ping() and session.ping()
    data = b"".join(pieces)
    assert Path(vol.path()).read_bytes()[: len(data)] == data


@pytest.mark.parametrize("body", [b"\xc1", b"", b"\x91\xa1x", b"\x90"])
def test_a_malformed_hole_from_the_daemon_is_an_rpc_error(body: bytes) -> None:
    """A hole message whose body is not msgpack, or not [length, flags], is libvirt's RPC
    error for both clients (it was a bare ProtocolError when the body did not decode)."""
    from pyvirt import ErrorCode, VirtError
    from pyvirt.rpc._stream_wire import received_piece
    from pyvirt.rpc._wire import MessageType, Status

    with pytest.raises(VirtError) as info:
        received_piece(MessageType.STREAM_HOLE, Status.CONTINUE, body)
    assert info.value.code == ErrorCode.RPC
    assert "malformed stream hole from the daemon" in str(info.value)
