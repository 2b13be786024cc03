"""Hostile input against a live pyvirtd: raw ZeroMQ frames to the daemon's and the worker's
sockets.  After every example the peer that sent it still gets a keepalive answer (so the
server processed it and lives); every few examples, and after each test, a real client must
be served and the test driver's state must be what it was.
"""

from __future__ import annotations

import struct

import msgpack
import pytest
import pyvirt
from daemon_helpers import RawPeer, domain_states, running_daemon
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyvirt._procedures import wire_address
from pyvirt.rpc import (
    PROC_CONNECT_OPEN,
    PROC_ROUTE,
    PROGRAM_DAEMON,
    PROGRAM_KEEPALIVE,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    Header,
    MessageType,
    Status,
    encode,
)
from pyvirt.rpc._signatures import signatures

pytestmark = pytest.mark.xdist_group("daemon-fuzz")

SOCKETS = ["pyvirt-sock", "pyvirt-sock-ro", "pyvirt-test-sock", "pyvirt-test-sock-ro"]
WORKER_SOCKETS = SOCKETS[2:]
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
CHECK_EVERY = 40
PROCEDURES = sorted(signatures())

# msgpack values of every kind, including the record ext types and unknown ones.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=40),
)
exts = st.builds(msgpack.ExtType, st.integers(min_value=0, max_value=20), st.binary(max_size=40))
values = st.recursive(
    st.one_of(scalars, exts),
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=20,
)
bodies = st.one_of(
    values.map(lambda v: msgpack.packb(v, use_bin_type=True)),
    st.binary(max_size=200),  # usually not msgpack at all, or trailing garbage
)
huge_bodies = st.sampled_from(
    [
        msgpack.packb(["x" * (5 * 1024 * 1024), 0]),  # string above the decoder's cap
        msgpack.packb([list(range(70000)), 0]),  # array above the decoder's cap
        msgpack.packb([{str(i): i for i in range(2000)}]),  # map above the cap
        b"\xdb\xff\xff\xff\xff",  # str32 claiming 4 GiB, truncated
        b"\xdd\xff\xff\xff\xff",  # array32 claiming 4 G items, truncated
        b"\x91" * 100_000,  # nesting far beyond any stack
        msgpack.packb(msgpack.ExtType(1, b"\xc7\xff\x01" * 10)),  # a record of garbage
        msgpack.packb(["y" * (3 * 1024 * 1024)] * 2),  # big but within the caps
    ]
)
header_fields = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.sampled_from([0, 1, 2, 3, 316, 317, 318, PROGRAM_REMOTE, PROGRAM_DAEMON, PROGRAM_KEEPALIVE]),
    st.text(max_size=5),
    st.none(),
    st.floats(),
    st.booleans(),
)
raw_headers = st.one_of(
    st.lists(header_fields, min_size=0, max_size=8).map(msgpack.packb),
    st.binary(max_size=80),
    # Well-sized 24-byte headers with arbitrary words (programs, types, statuses out of range).
    st.lists(st.integers(min_value=0, max_value=2**32 - 1), min_size=6, max_size=6).map(
        lambda words: struct.pack(">6I", *words)
    ),
)


class Fuzzer:
    def __init__(self, daemon) -> None:
        self.daemon = daemon
        self.peers: dict[str, RawPeer] = {}
        self.examples = 0
        with pyvirt.open("test+unix:///default") as conn:
            self.state = domain_states(conn)

    def peer(self, name: str) -> RawPeer:
        if name not in self.peers:
            self.peers[name] = RawPeer(self.daemon.rundir / name)
        return self.peers[name]

    def fresh(self, name: str) -> RawPeer:
        if name in self.peers:
            self.peers.pop(name).close()
        return self.peer(name)

    def sent(self, name: str) -> None:
        """The example is over: its peer is answered, and now and then a real client too."""
        assert self.peer(name).ping(), f"{name} stopped answering"
        self.examples += 1
        if self.examples % CHECK_EVERY == 0:
            self.check()

    def check(self) -> None:
        assert self.daemon.proc.poll() is None, self.daemon.log.read_text()
        with pyvirt.open("test+unix:///default") as conn:
            assert conn.hostname()
            assert domain_states(conn) == self.state
        assert "Traceback" not in self.daemon.log.read_text()

    def close(self) -> None:
        for peer in self.peers.values():
            peer.close()


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        # Holding a connection keeps test:///default's state alive for the whole module, so
        # a change by any example would show in the snapshot.
        with pyvirt.open("test+unix:///default") as keeper:
            keeper.lookup_domain_by_name("test").suspend()  # a state differing from the default
            yield d


@pytest.fixture
def fuzz(daemon):
    f = Fuzzer(daemon)
    yield f
    f.check()
    f.close()


def _call(program: int, procedure: int, serial: int = 1, mtype: int = MessageType.CALL) -> bytes:
    return Header(program, 1, procedure, MessageType(mtype), serial, Status.OK).pack()


def test_random_multipart_messages(fuzz):
    @FUZZ
    @given(st.sampled_from(SOCKETS), st.lists(st.binary(max_size=64), min_size=0, max_size=6))
    def run(name, frames):
        if frames:
            fuzz.peer(name).send(frames)
        fuzz.sent(name)

    run()


def test_wrong_version_frame_and_malformed_headers(fuzz):
    @FUZZ
    @given(
        st.sampled_from(SOCKETS),
        st.one_of(st.just(VERSION_FRAME), st.binary(max_size=8)),
        raw_headers,
        bodies,
        st.integers(min_value=0, max_value=3),
    )
    def run(name, version, header, body, extra):
        fuzz.peer(name).send([version, header + body] + [b"x"] * extra)
        fuzz.sent(name)

    run()


def test_truncated_frames(fuzz):
    valid = [
        VERSION_FRAME,
        _call(PROGRAM_REMOTE, PROC_CONNECT_OPEN) + encode(["test:///default", 0]),
    ]

    @FUZZ
    @given(
        st.sampled_from(SOCKETS),
        st.integers(min_value=0, max_value=1),
        st.integers(min_value=0, max_value=40),
        st.booleans(),
    )
    def run(name, which, cut, drop_rest):
        frames = list(valid)
        frames[which] = frames[which][:cut]
        if drop_rest:
            frames = frames[: which + 1]
        fuzz.fresh(name).send(frames)  # fresh: a truncated OPEN must not open anything
        fuzz.sent(name)

    run()


def test_unknown_programs_procedures_and_message_types(fuzz):
    @FUZZ
    @given(
        st.sampled_from(SOCKETS),
        st.one_of(
            st.sampled_from([PROGRAM_REMOTE, PROGRAM_DAEMON, PROGRAM_KEEPALIVE]),
            st.integers(min_value=0, max_value=2**32 - 1),
        ),
        st.integers(min_value=0, max_value=2**32 - 1),
        st.sampled_from(list(MessageType)),
        st.integers(min_value=0, max_value=2**32 - 1),
        bodies,
    )
    def run(name, program, procedure, mtype, serial, body):
        header = Header(program, 1, procedure, mtype, serial, Status.OK).pack()
        fuzz.peer(name).send([VERSION_FRAME, header + body])
        fuzz.sent(name)

    run()


def test_route_requests_with_hostile_arguments(fuzz):
    names = st.one_of(
        st.text(max_size=60),
        st.from_regex(
            r"[a-z+]{1,12}://[^/?#]{0,10}(/[a-z/]{0,10})?(\?[a-z=&]{0,20})?", fullmatch=True
        ),
    )
    args = st.one_of(
        st.tuples(names, st.integers(min_value=-(2**63), max_value=2**63 - 1)).map(list), values
    )

    @FUZZ
    @given(st.sampled_from(SOCKETS[:2]), args)
    def run(name, arg):
        status, reply = fuzz.peer(name).call(PROGRAM_DAEMON, PROC_ROUTE, encode(arg))
        assert status in (Status.OK, Status.ERROR)
        if status == Status.ERROR:
            assert isinstance(reply, dict) and isinstance(reply.get("message"), str)
        fuzz.sent(name)

    run()


def test_calls_before_open_with_any_body_are_refused(fuzz):
    @FUZZ
    @given(st.sampled_from(SOCKETS), st.sampled_from(PROCEDURES), st.one_of(bodies, huge_bodies))
    def run(name, procedure, body):
        status, reply = fuzz.fresh(name).call(PROGRAM_REMOTE, procedure, body)
        assert status == Status.ERROR and reply["message"] == "connection not open"
        fuzz.sent(name)

    run()


def test_open_with_hostile_arguments(fuzz):
    uris = st.one_of(
        st.text(max_size=60),
        st.text(max_size=30).map(lambda s: "test:///default?" + s),
        st.sampled_from(["", "test://", "test:///", "qemu:///system", "test:///default#x"]),
    )
    args = st.one_of(
        st.tuples(uris, st.integers(min_value=-(2**63), max_value=2**63 - 1)).map(list), values
    )

    @FUZZ
    @given(st.sampled_from(WORKER_SOCKETS), args)
    def run(name, arg):
        status, reply = fuzz.fresh(name).call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(arg))
        if status == Status.ERROR:
            assert isinstance(reply, dict), reply
            # A driver that raised something other than its own errors shows up as this:
            assert not (reply["code"] == 1 and reply["domain"] == 7), reply["message"]
        fuzz.sent(name)

    run()


def test_open_session_bodies_of_wrong_types_for_every_procedure(fuzz):
    opened: set[str] = set()

    @FUZZ
    @given(
        st.sampled_from(WORKER_SOCKETS), st.sampled_from(PROCEDURES), st.one_of(bodies, huge_bodies)
    )
    def run(name, procedure, body):
        peer = fuzz.peer(name)
        if name not in opened:
            status, _ = peer.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", 0]))
            assert status == Status.OK
            opened.add(name)
        status, reply = peer.call(PROGRAM_REMOTE, procedure, body)
        if status == Status.ERROR:
            assert isinstance(reply, dict), reply
            # A driver that raised something other than its own errors shows up as this:
            assert not (reply["code"] == 1 and reply["domain"] == 7), reply["message"]
        fuzz.sent(name)

    run()


def test_oversized_frame_drops_the_peer_and_nothing_else(daemon, fuzz):
    big = b"\0" * (16 * 1024 * 1024 + 1)
    for name in SOCKETS:
        victim = RawPeer(daemon.rundir / name)
        try:
            victim.send([VERSION_FRAME, _call(PROGRAM_REMOTE, 3) + big])
            # ZeroMQ's MAXMSGSIZE disconnects the peer; it then reconnects on its own, so a
            # ping may or may not come back - but the daemon must go on serving others.
            victim.ping(timeout=1.0)
        finally:
            victim.close()
        fuzz.sent(name)
    # Exactly at the cap: not dropped, refused as a message.
    at_cap = b"\0" * (16 * 1024 * 1024 - 64)
    for name in WORKER_SOCKETS:
        peer = fuzz.fresh(name)
        status, reply = peer.call(PROGRAM_REMOTE, 3, at_cap, timeout=10)
        assert status == Status.ERROR and reply["message"] == "connection not open"
        fuzz.sent(name)


def _typed(tp):
    """A strategy for values of the wire type *tp*: right types, hostile contents."""
    import dataclasses
    import enum
    import types
    import typing

    from pyvirt.rpc._codec import RECORD_TYPES

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([_typed(t) for t in typing.get_args(tp)])
    if tp is type(None):
        return st.none()
    if origin is list:
        return st.lists(_typed(typing.get_args(tp)[0]), max_size=3)
    if origin is tuple:
        return st.tuples(*[_typed(t) for t in typing.get_args(tp)]).map(list)
    if tp is typing.Any:
        return values
    if issubclass(tp, bool):
        return st.booleans()
    if issubclass(tp, enum.IntEnum):
        return st.integers(min_value=-(2**31), max_value=2**31)
    if tp is int:
        return st.integers(min_value=-(2**63), max_value=2**64 - 1)
    if tp is float:  # a typed parameter's DOUBLE: NaN and the infinities too
        return st.floats()
    if tp is str:
        return st.one_of(st.text(max_size=30), st.just("x" * 100_000), st.just("<domain/>"))
    if tp is bytes:
        return st.binary(max_size=30)
    assert tp in RECORD_TYPES.values(), tp
    hints = typing.get_type_hints(tp)
    return st.builds(tp, *[_typed(hints[f.name]) for f in dataclasses.fields(tp)])


def _typed_args(sig):
    import inspect
    import typing

    from pyvirt.driver import DriverConnection

    method = getattr(DriverConnection, sig.procedure.method)
    hints = typing.get_type_hints(method)
    params = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
    return st.tuples(*[_typed(hints[p.name]) for p in params]).map(list)


READ_ONLY_CALLS = [s for _, s in sorted(signatures().items()) if s.procedure.readonly_ok]


def test_read_only_procedures_with_well_typed_hostile_arguments(fuzz):
    """Arguments that pass the wire checks reach the driver: it must answer with its own
    errors, never crash.  (Read-only procedures only, so no example can change the state.)"""
    opened: set[str] = set()

    @FUZZ
    @given(
        st.sampled_from(READ_ONLY_CALLS).flatmap(lambda s: st.tuples(st.just(s), _typed_args(s)))
    )
    def run(call):
        sig, args = call
        name = "pyvirt-test-sock"
        peer = fuzz.peer(name)
        if name not in opened:
            assert (
                peer.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", 0]))[0] == 0
            )
            opened.add(name)
        status, reply = peer.call(*wire_address(sig.procedure.key), encode(args))
        if status == Status.ERROR:
            assert not (reply["code"] == 1 and reply["domain"] == 7), (
                sig.procedure.method,
                reply["message"],
            )
        fuzz.sent(name)

    run()


# -- raw bytes on the workers' sockets (their ZMTP reader is pyvirt's own) ---------------------
def _raw_session(path, payload: bytes, *, handshake_first: bool) -> bytes:
    """Connect with a plain socket, optionally do a correct DEALER handshake, send *payload*,
    and return whatever the worker answers before it closes or goes quiet."""
    import socket

    from pyvirt.rpc._zmtp import Decoder, handshake

    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(2)
    sock.connect(str(path))
    received = b""
    try:
        if handshake_first:
            decoder = Decoder(b"DEALER")
            sock.sendall(handshake(b"DEALER", False))
            while not decoder.ready:
                chunk = sock.recv(4096)
                assert chunk, "worker closed during a correct handshake"
                decoder.feed(chunk)
        sock.sendall(payload)
        sock.settimeout(0.05)
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    except (TimeoutError, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        sock.close()
    return received


def test_random_bytes_on_worker_sockets_drop_only_that_connection(daemon, fuzz):
    @FUZZ
    @given(
        st.sampled_from(WORKER_SOCKETS),
        st.booleans(),
        st.one_of(
            st.binary(max_size=300),
            # frame headers with plausible flags and lying sizes
            st.lists(
                st.tuples(st.integers(0, 7), st.integers(0, 255), st.binary(max_size=20)),
                max_size=6,
            ).map(lambda fs: b"".join(bytes((f, n)) + b for f, n, b in fs)),
            st.integers(0, 2**64 - 1).map(lambda n: b"\x02" + n.to_bytes(8, "big")),
        ),
    )
    def run(name, handshake_first, payload):
        _raw_session(daemon.rundir / name, payload, handshake_first=handshake_first)
        fuzz.sent(name)

    run()


def test_half_open_and_silent_connections_do_not_block_the_worker(daemon, fuzz):
    import socket

    from pyvirt.rpc._zmtp import greeting

    held = []
    try:
        for name in WORKER_SOCKETS:
            silent = socket.socket(socket.AF_UNIX)
            silent.connect(str(daemon.rundir / name))
            half = socket.socket(socket.AF_UNIX)
            half.connect(str(daemon.rundir / name))
            half.sendall(greeting(False)[:30])  # a greeting cut short, never finished
            held += [silent, half]
        for name in WORKER_SOCKETS:
            fuzz.sent(name)
        fuzz.check()
    finally:
        for sock in held:
            sock.close()
