"""virStream for asyncio code: pyvirt.aio.AsyncStream on the QEMU driver's dir pools (real
files), in process (the driver's own end, awaited) and through pyvirtd (the asyncio client's
STREAM messages and credit), beside what the synchronous stream does with the same calls.
"""

from __future__ import annotations

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
import asyncio
import os
import shutil
import socket
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import start_daemon
from pyvirt import ErrorCode, StreamRecvFlags, StreamRecvStatus, VirtError
from pyvirt.aio import AsyncConnection, AsyncStorageVol, AsyncStream
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_qemu,
    qemu_driver,
    qemu_root,
)

pytestmark = needs_qemu
MiB = 1 << 20


def _tls_files(root: Path) -> tuple[Path, Path]:
    """A CA with a server certificate for 127.0.0.1 (pyvirtd's files), and a client's
    pkipath= directory signed by it."""
    from pyvirt.pki import main as pki

    server, client = root / "server", root / "client"
    assert pki(["ca", "--dir", str(server)]) == 0
    assert pki(["server", "--dir", str(server), "--host", "127.0.0.1"]) == 0
    client.mkdir()
    for name in ("cacert.pem", "cakey.pem"):
        shutil.copy(server / name, client / name)
    assert pki(["client", "--dir", str(client), "--cn", "streams"]) == 0
    (client / "cakey.pem").unlink()
    return server, client


@pytest.fixture(params=["local", "daemon", "tls"])
def where(
    request: pytest.FixtureRequest, qemu_root: Path, tmp_path: Path
) -> Iterator[Callable[[], Any]]:
    """How to open qemu:///system for asyncio code: in process, or through a pyvirtd of the
    test's own (the asyncio client), on its unix socket or over TLS (asyncio's TLS
    transport reads into the stream's buffers as the plain one does)."""
    if request.param == "local":
        drv: InProcessDriver = request.getfixturevalue("qemu_driver")

        async def local() -> AsyncConnection:
            from pyvirt._aio_calls import LocalAsyncDriver

            raw = drv.state.open_connection(pyvirt.parse_uri(drv.uri), read_only=False)
            return AsyncConnection(LocalAsyncDriver(raw), read_only=False, local=raw)

        yield local
        return
    rundir, env = request.getfixturevalue("daemon_env")
    if request.param == "tls":
        server, client = _tls_files(tmp_path)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = (f'listen_addr = "127.0.0.1"\ntls_port = {port}\n'
                  f'ca_file = "{server}/cacert.pem"\ncert_file = "{server}/servercert.pem"\n'
                  f'key_file = "{server}/serverkey.pem"\n')  # fmt: skip
        daemon = start_daemon(rundir, "--listen", config=config, env=env)
        uri = f"qemu+tls://127.0.0.1:{port}/system?pkipath={client}"
    else:
        daemon = start_daemon(rundir, env=env)
        uri = "qemu:///system"
    try:
        daemon.wait_worker("qemu")
        yield lambda: pyvirt.aio.open(uri)
    finally:
        daemon.stop()


def _run(where: Callable[[], Any], body: Callable[[AsyncConnection, Path], Awaitable[Any]],
         root: Path) -> Any:  # fmt: skip
    """Run *body(conn, pool directory)* with a dir pool 'astreams' defined and started."""

    async def main() -> Any:
        conn = await where()
        try:
            path = root / "apool"
            path.mkdir(exist_ok=True)
            await conn.create_storage_pool(
                f"<pool type='dir'><name>astreams</name><target><path>{path}</path></target></pool>"
            )
            return await body(conn, path)
        finally:
            await conn.close()

    return asyncio.run(main())


async def _volume(conn: AsyncConnection, name: str, capacity: int) -> AsyncStorageVol:
    pool = await conn.lookup_storage_pool_by_name("astreams")
    return await pool.create_volume(
        f"<volume><name>{name}</name><capacity>{capacity}</capacity>"
        "<allocation>0</allocation><target><format type='raw'/></target></volume>"
    )


async def _everything(stream: AsyncStream) -> bytes:
    got: list[bytes] = []
    await stream.recv_all(lambda _s, data: got.append(data))
    await stream.finish()
    return b"".join(got)


def test_send_then_recv_round_trip(where: Callable[[], Any], qemu_root: Path) -> None:
    data = os.urandom(2 * MiB + 12345)

    async def body(conn: AsyncConnection, pool: Path) -> None:
        vol = await _volume(conn, "a.img", 4 * MiB)
        stream = conn.new_stream()
        await vol.upload(stream, 1000, 0, 0)
        for start in range(0, len(data), 300000):  # pieces of any size
            assert await stream.send(data[start : start + 300000]) == len(
                data[start : start + 300000]
            )
        await stream.finish()
        on_disk = (pool / "a.img").read_bytes()
        assert on_disk[1000 : 1000 + len(data)] == data and on_disk[:1000] == bytes(1000)

        stream = conn.new_stream()
        await vol.download(stream, 1000, len(data), 0)
        assert await _everything(stream) == data

        stream = conn.new_stream()  # recv hands out at most nbytes, and b"" at the end
        await vol.download(stream, 1000, 10, 0)
        assert await stream.recv(4) == data[:4]
        assert await stream.recv(100) == data[4:10]
        assert await stream.recv(100) == b""
        await stream.finish()

    _run(where, body, qemu_root)


def test_the_all_loops_take_coroutine_handlers_and_views(
    where: Callable[[], Any], qemu_root: Path
) -> None:
    source = [os.urandom(100000) for _ in range(20)]

    async def body(conn: AsyncConnection, pool: Path) -> None:
        vol = await _volume(conn, "b.img", 3 * MiB)
        pieces = iter(source)

        async def give(_s: AsyncStream, nbytes: int) -> bytes:
            await asyncio.sleep(0)
            return next(pieces, b"")

        stream = conn.new_stream()
        await vol.upload(stream)
        await stream.send_all(give)
        await stream.finish()
        got: list[object] = []

        async def keep(_s: AsyncStream, data: object) -> None:
            got.append(data)

        stream = conn.new_stream()
        await vol.download(stream, 0, 2000000)
        await stream.recv_all(keep)
        await stream.finish()
        assert all(type(piece) is bytes for piece in got)
        assert b"".join(got) == b"".join(source)  # type: ignore[arg-type]
        got.clear()
        stream = conn.new_stream()
        await vol.download(stream, 0, 2000000)
        await stream.recv_all(keep, views=True)
        await stream.finish()
        assert b"".join(got) == b"".join(source)  # type: ignore[arg-type]

    _run(where, body, qemu_root)


def _sparse_file(path: Path) -> None:
    with open(path, "r+b") as f:
        f.truncate(0)
        f.truncate(8 * MiB)
        f.seek(MiB)
        f.write(os.urandom(64 * 1024))
        f.seek(5 * MiB)
        f.write(os.urandom(128 * 1024))


def test_holes_travel_as_holes_both_ways(where: Callable[[], Any], qemu_root: Path) -> None:
    async def body(conn: AsyncConnection, pool: Path) -> None:
        src = await _volume(conn, "s.img", 8 * MiB)
        _sparse_file(pool / "s.img")
        stream = conn.new_stream()
        await src.download(stream, 0, 0, 1)
        assert await stream.recv(1000, StreamRecvFlags.STOP_AT_HOLE) == StreamRecvStatus.HOLE
        assert await stream.recv_hole() == MiB
        with pytest.raises(VirtError) as err:
            await stream.recv_hole()  # no longer at a hole
        assert err.value.code == ErrorCode.OPERATION_INVALID
        await stream.abort()

        events: list[tuple[str, int, bytes]] = []
        stream = conn.new_stream()
        await src.download(stream, 0, 0, 1)
        await stream.sparse_recv_all(lambda _s, d: events.append(("data", len(d), d)),
                                     lambda _s, n: events.append(("hole", n, b"")))  # fmt: skip
        await stream.finish()
        assert [kind for kind, _n, _d in events][:1] == ["hole"]
        dst = await _volume(conn, "d.img", 8 * MiB)
        stream = conn.new_stream()
        await dst.upload(stream, 0, 0, 1)
        for kind, length, data in events:
            if kind == "hole":
                await stream.send_hole(length)
            else:
                await stream.send(data)
        await stream.finish()
        copy = pool / "d.img"
        assert copy.read_bytes() == (pool / "s.img").read_bytes()
        assert copy.stat().st_blocks * 512 < 2 * MiB  # written sparse

    _run(where, body, qemu_root)


def _error(exc: BaseException) -> tuple[int, str]:
    assert isinstance(exc, VirtError), exc
    return exc.code, str(exc)


async def _refusals(conn: AsyncConnection) -> list[tuple[int, str]]:
    """The errors of the stream calls that must fail, in order."""
    out: list[tuple[int, str]] = []
    missing = AsyncStorageVol(conn, pyvirt.StorageVolRef("astreams", "nosuch.img", ""))
    vol = await _volume(conn, "short.img", MiB)
    for attempt in range(5):
        stream = conn.new_stream()
        try:
            if attempt == 0:
                await missing.upload(stream)
            elif attempt == 1:
                await stream.recv(10)  # not tied to a transfer
            elif attempt == 2:
                await vol.upload(stream, 0, 10)
                await stream.send(b"x" * 11)
                await stream.finish()  # through the daemon the refusal may come here
            elif attempt == 3:
                await vol.download(stream)
                await vol.download(stream)  # tied already
            else:
                await stream.send_hole(-1)
        except VirtError as exc:
            out.append(_error(exc))
            if stream._end is not None:
                await stream.abort()
    return out


def test_refusals_are_the_synchronous_streams(where: Callable[[], Any], qemu_root: Path) -> None:
    got = _run(where, lambda conn, _pool: _refusals(conn), qemu_root)
    assert got == [
        (ErrorCode.NO_STORAGE_VOL,
         "Storage volume not found: no storage vol with matching name 'nosuch.img'"),
        (ErrorCode.INVALID_STREAM, "invalid stream pointer in virStreamRecv"),
        (ErrorCode.SYSTEM_ERROR, "cannot write to stream: No space left on device"),
        (ErrorCode.INVALID_ARG, "invalid argument: the stream is already in use"),
        (ErrorCode.INVALID_ARG, "invalid argument: length in virStreamSendHole must be >= 0"),
    ]  # fmt: skip


def test_abort_halfway_leaves_the_volume_as_written(
    where: Callable[[], Any], qemu_root: Path
) -> None:
    async def body(conn: AsyncConnection, pool: Path) -> None:
        vol = await _volume(conn, "half.img", 2 * MiB)
        async with conn.new_stream() as stream:
            await vol.upload(stream)
            await stream.send(b"\x07" * MiB)
            # leaving the block aborts the stream
        with pytest.raises(VirtError) as err:
            await stream.send(b"more")
        assert err.value.code == ErrorCode.INVALID_STREAM
        data = (pool / "half.img").read_bytes()
        assert data[:MiB] == b"\x07" * MiB and data[MiB:] == bytes(MiB)

    _run(where, body, qemu_root)


@pytest.mark.parametrize("where", ["daemon"], indirect=True)
def test_through_the_daemon_read_only_and_oversized_pieces_are_refused(
    where: Callable[[], Any], qemu_root: Path
) -> None:
    async def body(conn: AsyncConnection, pool: Path) -> None:
        vol = await _volume(conn, "ro.img", MiB)
        async with await pyvirt.aio.open("qemu:///system", read_only=True) as ro:
            ro_vol = AsyncStorageVol(ro, vol.ref)
            for method, api in ((ro_vol.upload, "Upload"), (ro_vol.download, "Download")):
                with pytest.raises(VirtError) as err:
                    await method(ro.new_stream())
                assert _error(err.value) == (
                    ErrorCode.OPERATION_DENIED,
                    f"operation forbidden: read only access prevents virStorageVol{api}",
                )
        stream = conn.new_stream()
        await vol.upload(stream)
        from pyvirt.rpc._stream_wire import MAX_DATA

        with pytest.raises(VirtError) as err:
            await stream.send(bytes(MAX_DATA + 1))
        assert err.value.code == ErrorCode.RPC and "Stream data too long to send" in str(err.value)
        await stream.abort()

    _run(where, body, qemu_root)


@pytest.mark.parametrize("where", ["daemon"], indirect=True)
def test_an_asyncio_upload_waits_while_the_transport_holds_too_much(
    where: Callable[[], Any], qemu_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The asyncio transport buffers whatever it is given: the stream waits (drain) while it
    holds more than its high-water mark, so an upload into a worker that writes slowly never
    queues the whole transfer in the client."""
    from pyvirt.rpc._aio_channel import Channel

    peak: list[int] = []
    real = Channel.write

    def watched(self: Channel, data: Any) -> None:
        real(self, data)
        if self._transport is not None:
            peak.append(self._transport.get_write_buffer_size())

    monkeypatch.setattr(Channel, "write", watched)

    async def body(conn: AsyncConnection, pool: Path) -> None:
        vol = await _volume(conn, "slow.img", 64 * MiB)
        stream = conn.new_stream()
        await vol.upload(stream)
        piece = os.urandom(256 * 1024)
        for _ in range(256):
            await stream.send(piece)
        await stream.finish()
        assert (pool / "slow.img").stat().st_size == 64 * MiB

    _run(where, body, qemu_root)
    # asyncio's default high-water mark is 64 KiB: past it the sender waits for the drain
    assert peak and max(peak) < 4 * MiB, max(peak)


def test_a_reused_buffer_is_sent_as_it_was_and_a_non_bytes_piece_is_refused(
    where: Callable[[], Any], qemu_root: Path
) -> None:
    """send keeps what it was given: a file's end writes behind, so a caller refilling its
    buffer right after send must not change what lands (the stream copies a bytearray or a
    memoryview); an int or a str is refused before anything is sent."""

    async def body(conn: AsyncConnection, pool: Path) -> None:
        vol = await _volume(conn, "reuse.img", 4 * MiB)
        stream = conn.new_stream()
        await vol.upload(stream)
        buffer = bytearray(MiB)
        for fill in range(4):
            buffer[:] = bytes([fill + 1]) * MiB
            await stream.send(memoryview(buffer))
        for bad in (5, "text"):
            with pytest.raises(TypeError, match="data must be bytes"):
                await stream.send(bad)  # type: ignore[arg-type]
        await stream.finish()
        data = (pool / "reuse.img").read_bytes()
        assert [data[i * MiB] for i in range(4)] == [1, 2, 3, 4]
        assert data == b"".join(bytes([i + 1]) * MiB for i in range(4))

    _run(where, body, qemu_root)


@pytest.mark.parametrize("where", ["daemon", "tls"], indirect=True)
def test_large_pieces_are_received_where_they_stay(
    where: Callable[[], Any], qemu_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through pyvirtd a download's 256 KiB pieces are read into buffers of their own (the
    asyncio channel's in-place receive: views of a bytearray per piece, not of the bytes a
    read returned and a join copied), over the unix socket and TLS alike: only a piece's
    head passes through the bytes of a read.  What arrives is what was uploaded, whether
    the reader takes views or bytes."""
    from pyvirt.rpc._zmtp import Decoder

    fed = [0]  # bytes the client's bulk decoders were handed as reads' bytes
    real = Decoder.feed_frames

    def counted(self: Decoder, data: bytes) -> Any:
        if self.bulk:
            fed[0] += len(data)
        return real(self, data)

    monkeypatch.setattr(Decoder, "feed_frames", counted)
    data = os.urandom(6 * MiB + 12345)

    async def body(conn: AsyncConnection, pool: Path) -> None:
        vol = await _volume(conn, "inplace.img", len(data))
        stream = conn.new_stream()
        await vol.upload(stream)
        await stream.send(data)
        await stream.finish()
        for views in (True, False):
            got: list[Any] = []
            stream = conn.new_stream()
            await vol.download(stream)
            await stream.recv_all(lambda _s, piece, got=got: got.append(piece), views=views)
            await stream.finish()
            assert b"".join(got) == data
            if views:
                large = [p for p in got if len(p) == 256 * 1024]
                assert len(large) >= 20
                assert all(isinstance(p, memoryview) and type(p.obj) is bytearray
                           for p in large), {type(p.obj) for p in large}  # fmt: skip
            else:
                assert {type(p) for p in got} == {bytes}

    _run(where, body, qemu_root)
    assert 0 < fed[0] < 2 * len(data) // 8, fed  # two downloads, at most 16 KiB a piece
