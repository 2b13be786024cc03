"""An ssh helper hands its session's pipes to the worker (pyvirt.rpc._adopt), on a real
ZMTP server (pyvirtd's transport) over a unix socket, with real pipes: what is taken, what
is refused and served as before, and that nothing is reordered or leaked on the way.

The whole path through sshd is in tests/test_remote_ssh.py (the helper leaves the path)."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyvirt.rpc._adopt import offer_stdio
from pyvirt.rpc._zmtp import Decoder, encode_frames, handshake
from pyvirtd._transport import ZmtpServer


class _Echo:
    """A ZMTP server in a thread of this process that answers every message with itself."""

    def __init__(self, path: Path) -> None:
        self.server = ZmtpServer(
            self._echo,
            lambda *_: None,
            lambda *_: None,
            max_message=1 << 20,
            max_connections=16,
            adopt_stdio=True,
        )
        self.endpoint = self.server.listen_unix(str(path), 0o700, "rw")
        self.path = path
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _echo(self, _kind: str, ident: bytes, frames: list[bytes]) -> None:
        self.server.send(ident, encode_frames(frames))

    def _loop(self) -> None:
        while not self.stopping:
            self.server.poll(0.05)

    def stop(self) -> None:
        self.stopping = True
        self.thread.join()
        self.server.close()


@pytest.fixture
def echo() -> Iterator[_Echo]:
    with tempfile.TemporaryDirectory(prefix="pvadopt-", dir="/tmp") as tmp:
        server = _Echo(Path(tmp) / "sock")
        try:
            yield server
        finally:
            server.stop()


@contextmanager
def _helper_socket(echo: _Echo) -> Iterator[tuple[socket.socket, Decoder]]:
    """A connection to the server as the ssh helper makes it: ZMTP handshake done."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(str(echo.path))
    sock.sendall(handshake(b"DEALER", False))
    decoder = Decoder(b"DEALER")
    while not decoder.ready:
        assert not decoder.feed(sock.recv(4096))
    try:
        yield sock, decoder
    finally:
        sock.close()


def _read_message(fd: int, decoder: Decoder) -> list[bytes]:
    while True:
        messages = decoder.feed(os.read(fd, 65536))
        if messages:
            assert len(messages) == 1
            return messages[0]


def _recv_message(sock: socket.socket, decoder: Decoder) -> list[bytes]:
    while True:  # (the socket has a timeout, so its descriptor does not block: no os.read)
        messages = decoder.feed(sock.recv(65536))
        if messages:
            assert len(messages) == 1
            return messages[0]


def _ready_reader(fd: int) -> Decoder:
    """A decoder for what the server writes into an adopted pipe: its handshake went to the
    helper's socket, so the pipe carries messages only."""
    decoder = Decoder(b"DEALER")
    decoder.feed(handshake(b"ROUTER", True))
    return decoder


def _open_fds() -> set[str]:
    return {os.readlink(f"/proc/self/fd/{n}") for n in os.listdir("/proc/self/fd")
            if os.path.exists(f"/proc/self/fd/{n}")}  # fmt: skip


def test_the_pipes_are_taken_and_the_pending_bytes_come_first(echo: _Echo) -> None:
    to_worker_r, to_worker_w = os.pipe()
    from_worker_r, from_worker_w = os.pipe()
    with _helper_socket(echo) as (sock, decoder):
        pending = encode_frames([b"pending"])
        adopted, before = offer_stdio(sock, decoder, pending, (to_worker_r, from_worker_w))
        assert adopted and before == []
        os.close(to_worker_r)  # the helper's copies: the server has its own now
        os.close(from_worker_w)
        reader = _ready_reader(from_worker_r)
        assert _read_message(from_worker_r, reader) == [b"pending"]
        os.write(to_worker_w, encode_frames([b"through", b"the pipe"]))
        assert _read_message(from_worker_r, reader) == [b"through", b"the pipe"]
        # The client leaving (sshd closing its pipe) ends the session: the helper's socket
        # is closed, which is what lets the helper exit.
        os.close(to_worker_w)
        assert sock.recv(10) == b""
    os.close(from_worker_r)


@pytest.mark.parametrize("what", ["regular files", "read end twice", "one descriptor"])
def test_what_is_not_a_readable_and_a_writable_pipe_is_refused(
    echo: _Echo, tmp_path: Path, what: str
) -> None:
    """Refused, the connection stays served over the socket, the pending bytes first, and
    the server keeps none of the descriptors."""
    before_fds = _open_fds()
    file = tmp_path / "f"
    file.write_bytes(b"")
    read_end, write_end = os.pipe()
    if what == "regular files":
        offered: tuple[int, ...] = (os.open(file, os.O_RDONLY), os.open(file, os.O_WRONLY))
    else:
        offered = (read_end, read_end) if what == "read end twice" else (read_end,)
    with _helper_socket(echo) as (sock, decoder):
        adopted, before = offer_stdio(sock, decoder, encode_frames([b"pending"]), offered)  # type: ignore[arg-type]
        assert not adopted
        # The answer to the pending bytes follows the refusal (it may come in the same read).
        assert (before or [_recv_message(sock, decoder)]) == [[b"pending"]]
        sock.sendall(encode_frames([b"still", b"served"]))
        assert _recv_message(sock, decoder) == [b"still", b"served"]
    for fd in {*offered, read_end, write_end}:
        os.close(fd)
    # Nothing of ours is held by the server (once it has seen the connection close).
    deadline = time.monotonic() + 10
    while not _open_fds() <= before_fds and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _open_fds() <= before_fds


def test_a_client_that_has_called_cannot_hand_over_later(echo: _Echo) -> None:
    read_end, write_end = os.pipe()
    with _helper_socket(echo) as (sock, decoder):
        sock.sendall(encode_frames([b"a call"]))
        assert _recv_message(sock, decoder) == [b"a call"]
        adopted, _before = offer_stdio(sock, decoder, b"", (read_end, write_end))
        assert not adopted
    os.close(read_end)
    os.close(write_end)


def test_descriptors_sent_with_anything_else_are_closed(echo: _Echo) -> None:
    import array

    read_end, write_end = os.pipe()
    pipe = os.readlink(f"/proc/self/fd/{read_end}")
    with _helper_socket(echo) as (sock, decoder):
        fds = array.array("i", [read_end, write_end])
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)]
        sock.sendmsg([encode_frames([b"with fds"])], rights)
        assert _recv_message(sock, decoder) == [b"with fds"]
        held = [n for n in os.listdir("/proc/self/fd")
                if os.path.exists(f"/proc/self/fd/{n}") and os.readlink(f"/proc/self/fd/{n}") == pipe]  # fmt: skip
        assert sorted(held) == sorted([str(read_end), str(write_end)])
    os.close(read_end)
    os.close(write_end)
