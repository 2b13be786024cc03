"""virStream: pyvirt.Stream on the QEMU driver's dir pools (real files), in process and through
pyvirtd (STREAM messages with credit), and libvirt's test driver's answer (not supported).

The daemon tests also check what a stream must never do: make the worker buffer without
bound for a reader that does not read (its RSS is measured), accept a chunk larger than a
message, or leave a failed transfer unreported.
"""

from __future__ import annotations

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
import pyvirt.libvirt as libvirt
from daemon_helpers import start_daemon
from pyvirt import ErrorCode, StreamRecvFlags, StreamRecvStatus, VirtError
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_qemu,
    qemu_driver,
    qemu_root,
)

MiB = 1 << 20


def _pool(conn: pyvirt.Connection, root: Path) -> pyvirt.StoragePool:
    path = root / "pool"
    path.mkdir(exist_ok=True)
    return conn.create_storage_pool(
        f"<pool type='dir'><name>streams</name><target><path>{path}</path></target></pool>"
    )


def _volume(pool: pyvirt.StoragePool, name: str, capacity: int) -> pyvirt.StorageVol:
    return pool.create_volume(
        f"<volume><name>{name}</name><capacity>{capacity}</capacity>"
        "<allocation>0</allocation><target><format type='raw'/></target></volume>"
    )


@pytest.fixture(params=["local", "daemon"])
def conn(request: pytest.FixtureRequest, qemu_root: Path) -> Iterator[pyvirt.Connection]:
    """qemu:///system in process, or through a pyvirtd of the test's own."""
    if request.param == "local":
        drv: InProcessDriver = request.getfixturevalue("qemu_driver")
        yield drv.connect()
        return
    rundir, env = request.getfixturevalue("daemon_env")
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as c:
            c._pyvirtd = daemon  # type: ignore[attr-defined] - the RSS test reads the worker
            yield c
    finally:
        daemon.stop()


@pytest.fixture
def pool(conn: pyvirt.Connection, qemu_root: Path) -> pyvirt.StoragePool:
    return _pool(conn, qemu_root)


def _recv_everything(stream: pyvirt.Stream) -> bytes:
    got: list[bytes] = []
    stream.recv_all(lambda _s, data: got.append(data))
    stream.finish()
    return b"".join(got)


pytestmark = needs_qemu


def test_send_then_recv_round_trip_with_offset_and_length(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    vol = _volume(pool, "a.img", 4 * MiB)
    data = os.urandom(MiB + 12345)
    stream = conn.new_stream()
    vol.upload(stream, 1000, 0, 0)
    for start in range(0, len(data), 300000):  # pieces of any size
        assert stream.send(data[start : start + 300000]) == len(data[start : start + 300000])
    stream.finish()
    on_disk = Path(vol.path()).read_bytes()
    assert on_disk[1000 : 1000 + len(data)] == data
    assert on_disk[:1000] == bytes(1000)

    stream = conn.new_stream()
    vol.download(stream, 1000, len(data), 0)
    assert _recv_everything(stream) == data

    # recv hands out at most nbytes at a time, and b"" at the end
    stream = conn.new_stream()
    vol.download(stream, 1000, 10, 0)
    assert stream.recv(4) == data[:4]
    assert stream.recv(100) == data[4:10]
    assert stream.recv(100) == b""
    stream.finish()


def _views_received(stream: pyvirt.Stream, sparse: bool) -> list[object]:
    """What recv_all (or sparse_recv_all) with views=True hands its handler."""
    handed: list[object] = []
    if sparse:
        stream.sparse_recv_all(lambda _s, p: handed.append(p), lambda _s, n: None, views=True)
    else:
        stream.recv_all(lambda _s, piece: handed.append(piece), views=True)
    return handed


def test_large_pieces_reach_the_caller_as_bytes_unless_views_are_asked_for(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    """Through pyvirtd a client receives a download's 256 KiB pieces in place (views of the
    buffers they were received into); recv and recv_all still hand out bytes, and a piece
    read in parts keeps its order; recv_all(views=True) hands the views over uncopied."""
    vol = _volume(pool, "views.img", 2 * MiB)
    data = os.urandom(2 * MiB)
    stream = conn.new_stream()
    vol.upload(stream)
    stream.send(data)
    stream.finish()
    for size in (100_000, 256 * 1024, 3 * MiB):
        stream = conn.new_stream()
        vol.download(stream)
        got: list[bytes] = []
        while piece := stream.recv(size):
            assert type(piece) is bytes
            got.append(piece)
        stream.finish()
        assert b"".join(got) == data
    stream = conn.new_stream()
    vol.download(stream)
    end = stream._end  # type: ignore[attr-defined]
    if type(end).__name__ == "RemoteStream":  # what the client's end gives Stream: a view
        first = end.read(MiB, False)
        assert isinstance(first, memoryview) and first == data[: len(first)]
    stream.abort()
    stream = conn.new_stream()
    vol.download(stream)
    handed: list[object] = []
    stream.recv_all(lambda _s, piece: handed.append(piece))
    stream.finish()
    assert all(type(piece) is bytes for piece in handed)
    assert b"".join(handed) == data  # type: ignore[arg-type]
    for sparse in (False, True):  # views=True: pieces as received, views through pyvirtd
        stream = conn.new_stream()
        vol.download(stream, 0, 0, 1 if sparse else 0)
        handed = _views_received(stream, sparse)
        stream.finish()
        kinds = {type(piece) for piece in handed}
        assert kinds == ({memoryview} if type(end).__name__ == "RemoteStream" else {bytes})
        assert b"".join(handed) == data  # type: ignore[arg-type]


def test_send_all_and_recv_all_call_the_handlers(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    vol = _volume(pool, "b.img", 3 * MiB)
    source = [os.urandom(100000) for _ in range(20)]
    pieces = iter(source)
    asked: list[int] = []

    def handler(_s: pyvirt.Stream, nbytes: int) -> bytes:
        asked.append(nbytes)
        return next(pieces, b"")

    stream = conn.new_stream()
    vol.upload(stream)
    stream.send_all(handler)
    stream.finish()
    assert asked and all(n > 0 for n in asked)
    stream = conn.new_stream()
    vol.download(stream, 0, 2000000)
    assert _recv_everything(stream) == b"".join(source)


def _sparse_file(path: Path) -> list[tuple[int, bytes]]:
    """8 MiB with data at 1 MiB and 5 MiB, holes elsewhere."""
    islands = [(MiB, os.urandom(64 * 1024)), (5 * MiB, os.urandom(128 * 1024))]
    with open(path, "r+b") as f:
        f.truncate(0)  # whatever the volume's creation allocated goes
        f.truncate(8 * MiB)
        for offset, data in islands:
            f.seek(offset)
            f.write(data)
    return islands


def test_sparse_download_gives_holes_and_sparse_upload_keeps_them(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    src = _volume(pool, "sparse.img", 8 * MiB)
    islands = _sparse_file(Path(src.path()))
    stream = conn.new_stream()
    src.download(stream, 0, 0, 1)
    events: list[tuple[str, int, bytes]] = []
    stream.sparse_recv_all(
        lambda _s, data: events.append(("data", len(data), data)),
        lambda _s, length: events.append(("hole", length, b"")),
    )
    stream.finish()
    assert sum(n for _, n, _ in events) == 8 * MiB
    assert [k for k, _, _ in events][0] == "hole" and events[0][1] == MiB
    assert sum(n for k, n, _ in events if k == "data") == sum(len(d) for _, d in islands)

    # The same pieces sent as data and holes into a second volume keep its holes.
    dst = _volume(pool, "copy.img", 8 * MiB)
    stream = conn.new_stream()
    dst.upload(stream, 0, 0, 1)
    for kind, length, data in events:
        if kind == "hole":
            stream.send_hole(length)
        else:
            stream.send(data)
    stream.finish()
    copy = Path(dst.path())
    assert copy.read_bytes() == Path(src.path()).read_bytes()
    assert copy.stat().st_blocks * 512 < 2 * MiB  # written sparse, not 8 MiB of zeros


def test_recv_stops_at_a_hole_only_when_asked(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    vol = _volume(pool, "h.img", 8 * MiB)
    _sparse_file(Path(vol.path()))
    stream = conn.new_stream()
    vol.download(stream, 0, 0, 1)
    assert stream.recv(1000, StreamRecvFlags.STOP_AT_HOLE) == StreamRecvStatus.HOLE
    assert stream.recv_hole() == MiB
    with pytest.raises(VirtError) as err:
        stream.recv_hole()  # no longer at a hole
    assert err.value.code == ErrorCode.OPERATION_INVALID
    assert len(stream.recv(1000)) == 1000
    stream.abort()

    stream = conn.new_stream()
    vol.download(stream, 0, 3 * MiB, 1)
    assert stream.recv(4096) == bytes(4096)  # without STOP_AT_HOLE a hole reads as zeros
    stream.abort()


def test_upload_to_a_missing_volume_and_past_its_length_are_refused(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    missing = pyvirt.StorageVol(conn, pyvirt.StorageVolRef("streams", "nosuch.img", ""))
    with pytest.raises(VirtError) as err:
        missing.upload(conn.new_stream())
    assert err.value.code == ErrorCode.NO_STORAGE_VOL
    assert str(err.value) == "Storage volume not found: no storage vol with matching name 'nosuch.img'"

    vol = _volume(pool, "short.img", MiB)
    stream = conn.new_stream()
    vol.upload(stream, 0, 10)
    with pytest.raises(VirtError) as err:
        stream.send(b"x" * 11)
        stream.finish()  # through the daemon the worker's refusal may come with the finish
    # libvirt's words (virFDStreamWrite); the first 10 bytes are written
    assert str(err.value) == "cannot write to stream: No space left on device"
    assert err.value.code == ErrorCode.SYSTEM_ERROR
    assert Path(vol.path()).read_bytes()[:11] == b"x" * 10 + b"\0"


def test_abort_halfway_ends_the_stream_and_leaves_the_volume_as_written(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    vol = _volume(pool, "half.img", 2 * MiB)
    stream = conn.new_stream()
    vol.upload(stream)
    stream.send(b"\x01" * MiB)
    stream.abort()
    with pytest.raises(VirtError) as err:
        stream.send(b"more")
    assert err.value.code == ErrorCode.INVALID_STREAM
    # What was written before the abort is there (libvirt writes in place); nothing else.
    info = vol.info()
    assert info.capacity == 2 * MiB
    data = Path(vol.path()).read_bytes()
    assert data[:MiB] == b"\x01" * MiB and data[MiB:] == bytes(MiB)
    # The stream is done for good, and a new one works.
    stream = conn.new_stream()
    vol.download(stream, 0, 4)
    assert _recv_everything(stream) == b"\x01" * 4


def test_a_stream_is_bound_once_and_an_unbound_one_is_invalid(conn: pyvirt.Connection) -> None:
    stream = conn.new_stream()
    with pytest.raises(VirtError) as err:
        stream.send(b"x")
    assert err.value.code == ErrorCode.INVALID_STREAM
    with pytest.raises(VirtError) as err:
        conn.new_stream(2)
    assert err.value.code == ErrorCode.INVALID_ARG


#: For a property of the daemon path: the connection through pyvirtd alone.
daemon_only = pytest.mark.parametrize("conn", ["daemon"], indirect=True)


@daemon_only
def test_an_oversized_chunk_is_refused_with_an_rpc_error(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    vol = _volume(pool, "big.img", MiB)
    stream = conn.new_stream()
    vol.upload(stream)
    with pytest.raises(VirtError) as err:
        stream.send(bytes(17 * MiB))
    assert err.value.code == ErrorCode.RPC
    assert str(err.value).startswith("Stream data too long to send (17825792 bytes needed, ")
    stream.send(b"fine")  # the stream itself goes on
    stream.finish()
    assert Path(vol.path()).read_bytes()[:4] == b"fine"


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@daemon_only
def test_a_reader_that_does_not_read_keeps_the_worker_memory_bounded(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    """512 MiB to download, read one piece, then stop reading for a while: without credit
    the worker would read the whole volume into its send queue; with it, at most a window."""
    worker = conn._pyvirtd.worker_pids()["qemu"]  # type: ignore[attr-defined]
    vol = _volume(pool, "huge.img", 512 * MiB)  # sparse: reading it is cheap, its zeros not
    before = _rss_kib(worker)
    stream = conn.new_stream()
    vol.download(stream)
    assert stream.recv(4096) == bytes(4096)
    time.sleep(1.5)  # ample for a worker without flow control to queue hundreds of MiB
    grown = _rss_kib(worker) - before
    assert grown < 32 * 1024, f"the worker grew by {grown} KiB for a reader that does not read"
    received = 4096
    while data := stream.recv(MiB):
        received += len(data)
        if received >= 64 * MiB:
            break
    stream.abort()
    assert received >= 64 * MiB  # the stream goes on once the reader reads


def _send_buffers(inode: int) -> tuple[int, int]:
    """The send buffers (bytes, as ``ss -xm`` reports them) of the unix socket *inode* and
    of its peer."""
    import re
    import shutil
    import subprocess

    if shutil.which("ss") is None:
        pytest.skip("ss (iproute2) is not installed")
    out = subprocess.run(["ss", "-xmH"], capture_output=True, text=True, check=True).stdout
    found: dict[str, int] = {}
    for line in out.splitlines():
        fields = line.split()
        size = re.search(r"tb(\d+)", line)
        if size and len(fields) >= 8 and str(inode) in (fields[5], fields[7]):
            found["ours" if fields[5] == str(inode) else "peer"] = int(size.group(1))
    assert set(found) == {"ours", "peer"}, out
    return found["ours"], found["peer"]


@daemon_only
@pytest.mark.parametrize("direction", ["upload", "download"])
def test_a_streams_unix_socket_holds_several_pieces_each_way(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool, direction: str
) -> None:
    """Both ends of a stream's socket ask for STREAM_SEND_BUFFER: the unix default (208
    KiB) holds less than one 256 KiB piece, and the two sides then took turns.  The tests
    run as root, which forces the size past net.core.wmem_max (Debian's: 208 KiB)."""
    from pyvirt.rpc import STREAM_SEND_BUFFER

    expected = 2 * STREAM_SEND_BUFFER  # the kernel doubles what is asked
    vol = _volume(pool, "buf.img", MiB)
    stream = conn.new_stream()
    if direction == "upload":
        vol.upload(stream, 0, MiB)
    else:
        vol.download(stream, 0, MiB)
    sock = stream._end.channel._sock  # type: ignore[attr-defined]
    ours, worker = _send_buffers(os.fstat(sock.fileno()).st_ino)
    assert (ours, worker) == (expected, expected)
    stream.abort()


@daemon_only
def test_a_read_only_connection_can_neither_upload_nor_download(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    """libvirt's virStorageVolDownload refuses read-only connections too (data_read is not a
    read permission): so does pyvirt, before the worker opens anything."""
    vol = _volume(pool, "ro.img", MiB)
    with pyvirt.open("qemu:///system", read_only=True) as ro:
        ro_vol = pyvirt.StorageVol(ro, vol.ref)
        for method, api in ((ro_vol.upload, "Upload"), (ro_vol.download, "Download")):
            with pytest.raises(VirtError) as err:
                method(ro.new_stream())
            assert err.value.code == ErrorCode.OPERATION_DENIED
            assert str(err.value) == (
                f"operation forbidden: read only access prevents virStorageVol{api}"
            )


@daemon_only
def test_libvirt_python_virstream_over_pyvirt(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool, qemu_root: Path
) -> None:
    """libvirt-python's shapes: handlers with opaque, recv's -3 at a hole, return values."""
    _volume(pool, "lv.img", 8 * MiB)
    lc = libvirt.open("qemu:///system")
    try:
        vol = lc.storagePoolLookupByName("streams").storageVolLookupByName("lv.img")
        payload = os.urandom(200000)
        chunks = [payload]
        st = lc.newStream(0)
        assert vol.upload(st, 0, 0, 0) == 0
        st.sendAll(lambda _st, _n, opaque: opaque.pop() if opaque else b"", chunks)
        assert st.finish() == 0
        got: list[bytes] = []
        st = lc.newStream(0)
        vol.download(st, 0, len(payload), 0)
        st.recvAll(lambda _st, data, opaque: opaque.append(data), got)
        st.finish()
        assert b"".join(got) == payload
        st = lc.newStream(0)
        vol.download(st, 4 * MiB, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
        assert st.recvFlags(100, libvirt.VIR_STREAM_RECV_STOP_AT_HOLE) == -3
        assert st.recvHole() == 4 * MiB
        st.abort()
        st = lc.newStream(0)
        vol.download(st, 0, 0, 0)
        with pytest.raises(RuntimeError, match="recvAll handler returned -1"):
            st.recvAll(lambda _st, _data, _opaque: -1, None)
    finally:
        lc.close()


def test_a_download_longer_than_the_worker_backlog_arrives_whole(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    """320 MiB read steadily: more than the transport's per-peer backlog limit (256 MiB), so
    a worker that counted every byte queued since its socket last drained completely (a
    steady reader never quite catches up) would cut the stream off near the end."""
    vol = _volume(pool, "long.img", 320 * MiB)  # sparse: its zeros cost no disk
    stream = conn.new_stream()
    vol.download(stream)
    received = 0
    while data := stream.recv(MiB):
        received += len(data)
    stream.finish()
    assert received == 320 * MiB


@daemon_only
def test_a_screenshot_comes_on_a_stream_through_the_daemon(
    conn: pyvirt.Connection, qemu_root: Path
) -> None:
    """virDomainScreenshot's image travels as stream data (procedure 211), to the synchronous
    client, the asyncio one, and libvirt-python's ``screenshot(stream, ...)``."""
    import asyncio

    import pyvirt.aio
    from qemu_helpers import guest_xml

    dom = conn.define_domain(guest_xml("shot", None))
    dom.start()
    try:
        png = dom.screenshot()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 100

        async def shot() -> bytes:
            async with await pyvirt.aio.open("qemu:///system") as aconn:
                adom = await aconn.lookup_domain_by_name("shot")
                return await adom.screenshot()

        assert asyncio.run(shot()).startswith(b"\x89PNG")

        lc = libvirt.open("qemu:///system")
        try:
            st = lc.newStream(0)
            assert lc.lookupByName("shot").screenshot(st, 0, 0) == "image/png"
            got: list[bytes] = []
            st.recvAll(lambda _st, data, acc: acc.append(data), got)
            st.finish()
            assert b"".join(got).startswith(b"\x89PNG")
        finally:
            lc.close()
        with pytest.raises(VirtError) as err:
            dom.screenshot(7)
        assert str(err.value) == "Requested operation is not valid: no such screen ID"
    finally:
        dom.destroy()


def test_a_non_blocking_stream_answers_again_instead_of_waiting(
    conn: pyvirt.Connection, pool: pyvirt.StoragePool
) -> None:
    """VIR_STREAM_NONBLOCK: recv answers AGAIN while nothing has arrived (through the daemon,
    until the worker's first message is in; a file's data in process is always there), and
    the *All loops are refused as libvirt refuses them."""
    vol = _volume(pool, "nb.img", MiB)
    Path(vol.path()).write_bytes(b"nonblock" + bytes(MiB - 8))
    stream = conn.new_stream(pyvirt.StreamFlags.NONBLOCK)
    vol.download(stream, 0, 8)
    got = b""
    while len(got) < 8:
        piece = stream.recv(8)
        if piece == StreamRecvStatus.AGAIN:
            time.sleep(0.01)
            continue
        assert isinstance(piece, bytes) and piece
        got += piece
    assert got == b"nonblock"  # (through the daemon, usually after an AGAIN or more)
    with pytest.raises(VirtError) as err:
        stream.recv_all(lambda _s, _d: None)
    assert err.value.code == ErrorCode.OPERATION_INVALID
    assert str(err.value).endswith("data sinks cannot be used for non-blocking streams")
    stream.finish()


def test_a_stream_outlives_the_daemons_auth_timeout(daemon_env: tuple[Path, dict[str, str]],
                                                    qemu_root: Path) -> None:  # fmt: skip
    """A stream's own socket ends its handshake when it attaches: a console or a long
    transfer must not be dropped as a connection that never logged in."""
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env, config="auth_timeout = 1\n")
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as c:
            vol = _volume(_pool(c, qemu_root), "slow.img", MiB)
            stream = c.new_stream()
            vol.download(stream, 0, MiB, 0)
            first = stream.recv(1000)
            time.sleep(2.5)  # past auth_timeout, and the worker sweeps every second
            rest = _recv_everything(stream)
    finally:
        daemon.stop()
    assert first + rest == bytes(MiB)
