"""Authentication on pyvirtd: SCRAM-SHA-256 on tcp, one-time worker tickets, pyvirt-passwd,
credentials from callbacks, auth.conf and pyvirsh's prompt, and the limits before a login.

Everything against a real pyvirtd on loopback: the right password opens, a wrong one or an
unknown user gets libvirt's "authentication failed: authentication failed", the password
never crosses the wire (a relay records the bytes), a worker socket opens nothing without
the daemon's ticket, and floods of idle connections or failed logins never keep an honest
client out.
"""

from __future__ import annotations

import os
import resource
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import RawPeer, running_daemon
from pyvirt.rpc import (
    PROC_AUTH_SCRAM_FINISH,
    PROC_AUTH_SCRAM_START,
    PROC_CONNECT_OPEN,
    PROC_ROUTE,
    PROGRAM_DAEMON,
    PROGRAM_REMOTE,
    Status,
    encode,
)

PASSWD = [str(Path(sys.executable).parent / "pyvirt-passwd")]
PYVIRSH = str(Path(sys.executable).parent / "pyvirsh")
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def add_user(path: Path, user: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PASSWD, "--file", str(path), "add", user, "--password-stdin"],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )


class TcpDaemon:
    def __init__(self, daemon: object, port: int, creds: Path) -> None:
        self.daemon = daemon
        self.port = port
        self.creds = creds

    def uri(self, port: int | None = None, extra: str = "") -> str:
        return f"test+tcp://127.0.0.1:{port or self.port}/default{extra}"


@contextmanager
def scram_daemon(tmp_path: Path, extra_config: str = "") -> Iterator[TcpDaemon]:
    creds = tmp_path / "passwd.scram"
    assert add_user(creds, "bob", PASSWORD).returncode == 0
    port = free_port()
    config = (
        f'listen_tcp = true\nlisten_tls = false\ntcp_port = {port}\n'
        f'scram_credentials = "{creds}"\n{extra_config}'
    )
    with running_daemon("--listen", config=config) as daemon:
        yield TcpDaemon(daemon, port, creds)


def answer(user: str, password: str):
    asked: list[list[tuple[int, str]]] = []

    def auth(creds: list[tuple[int, str]]) -> list[str]:
        asked.append(creds)
        return [user if cred == 2 else password for cred, _prompt in creds]

    auth.asked = asked  # type: ignore[attr-defined]
    return auth


@pytest.fixture(scope="module")
def tcp(tmp_path_factory) -> Iterator[TcpDaemon]:
    with scram_daemon(tmp_path_factory.mktemp("auth")) as d:
        yield d


# -- logging in -------------------------------------------------------------------------
def test_right_password_opens_and_asks_libvirts_credentials(tcp) -> None:
    auth = answer("bob", PASSWORD)
    with pyvirt.open(tcp.uri(), auth=auth) as conn:
        assert [d.name for d in conn.list_domains()] == ["test"]
    assert auth.asked == [
        [(2, "Please enter your authentication name"), (5, "Please enter your password")]
    ]


@pytest.mark.parametrize(("user", "password"), [("bob", "wrong"), ("eve", PASSWORD), ("bob", "")])
def test_wrong_password_or_unknown_user_is_libvirts_auth_failure(tcp, user, password) -> None:
    with pytest.raises(pyvirt.VirtError) as info:
        pyvirt.open(tcp.uri(), auth=answer(user, password))
    assert info.value.code == pyvirt.ErrorCode.AUTH_FAILED
    assert str(info.value) == "authentication failed: authentication failed"


def test_without_a_callback_the_failure_says_so(tcp) -> None:
    with pytest.raises(pyvirt.VirtError) as info:
        pyvirt.open(tcp.uri())
    assert info.value.code == pyvirt.ErrorCode.AUTH_FAILED
    assert str(info.value) == "authentication failed: No authentication callback available"


def test_a_callback_that_gives_nothing_is_refused(tcp) -> None:
    with pytest.raises(pyvirt.VirtError) as info:
        pyvirt.open(tcp.uri(), auth=lambda creds: [])
    assert str(info.value) == "authentication failed: Failed to collect auth credentials"


def test_libvirt_binding_open_auth(tcp) -> None:
    from pyvirt import libvirt

    def callback(creds, opaque):
        for cred in creds:
            cred[4] = opaque[0] if cred[0] == libvirt.VIR_CRED_AUTHNAME else opaque[1]
        return 0

    creds = [libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE]
    conn = libvirt.openAuth(tcp.uri(), [creds, callback, ("bob", PASSWORD)], 0)
    assert conn.lookupByName("test").name() == "test"
    conn.close()
    with pytest.raises(libvirt.libvirtError) as info:
        libvirt.openAuth(tcp.uri(), [creds, callback, ("bob", "nope")], 0)
    assert info.value.get_error_code() == libvirt.VIR_ERR_AUTH_FAILED


def test_auth_file_gives_the_credentials(tcp, tmp_path) -> None:
    conf = tmp_path / "auth.conf"
    conf.write_text(
        "[credentials-test]\nauthname=bob\npassword=" + PASSWORD + "\n\n"
        "[auth-libvirt-127.0.0.1]\ncredentials=test\n"
    )
    with pyvirt.open(tcp.uri(extra=f"?authfile={conf}")) as conn:
        assert conn.lookup_domain_by_name("test").name == "test"


def test_pyvirsh_prompts_as_virsh(tcp) -> None:
    done = subprocess.run(
        [PYVIRSH, "-c", tcp.uri(), "list", "--name"],
        input=f"bob\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Please enter your authentication name: Please enter your password: test\n\n"
    )
    wrong = subprocess.run(
        [PYVIRSH, "-c", tcp.uri(), "list"],
        input="bob\nnope\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 1
    assert "error: authentication failed: authentication failed" in wrong.stderr


def test_unix_sockets_need_no_login_by_default(tcp) -> None:
    with pyvirt.open("test+unix:///default") as conn:
        assert conn.lookup_domain_by_name("test").name == "test"


# -- no password on the wire ------------------------------------------------------------
class Relay:
    """A tcp relay to the daemon's port that records every byte both ways."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.recorded = bytearray()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                with self.lock:
                    self.recorded += data
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


def test_no_password_crosses_the_wire(tcp) -> None:
    relay = Relay(tcp.port)
    try:
        with pyvirt.open(tcp.uri(port=relay.port), auth=answer("bob", PASSWORD)) as conn:
            assert conn.lookup_domain_by_name("test").name == "test"
    finally:
        relay.close()
    seen = bytes(relay.recorded)
    assert b"n=bob,r=" in seen and b",p=" in seen  # the relay did see the SCRAM exchange
    assert PASSWORD.encode() not in seen
    for encoded in (PASSWORD.encode("utf-16-le"), __import__("base64").b64encode(PASSWORD.encode())):
        assert encoded not in seen


# -- the worker takes nothing without the daemon's ticket -------------------------------
def worker_tcp_endpoint(tcp: TcpDaemon) -> tuple[str, bytes]:
    """Log in by hand on the daemon, route, and return (worker endpoint, ticket)."""
    from pyvirt.rpc import _auth_client as scram  # the client's own helpers

    with RawPeer(f"tcp://127.0.0.1:{tcp.port}") as peer:  # type: ignore[arg-type]
        status, body = peer.call(PROGRAM_DAEMON, PROC_ROUTE, encode(["test:///default", 0]))
        assert status == Status.ERROR and body["message"] == "authentication required"
        client, first = scram.start("bob", PASSWORD)
        status, server_first = peer.call(
            PROGRAM_DAEMON, PROC_AUTH_SCRAM_START, encode(["SCRAM-SHA-256", first])
        )
        assert status == Status.OK, server_first
        final = scram.step(client, server_first)
        status, server_final = peer.call(PROGRAM_DAEMON, PROC_AUTH_SCRAM_FINISH, encode([final]))
        assert status == Status.OK, server_final
        scram.verify(client, server_final)
        status, route = peer.call(PROGRAM_DAEMON, PROC_ROUTE, encode(["test:///default", 0]))
        assert status == Status.OK, route
        return route["endpoint"], route["ticket"]


def open_on_worker(endpoint: str, *extra: object) -> tuple[int, object]:
    with RawPeer(endpoint) as peer:  # type: ignore[arg-type]
        return peer.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", 0, *extra]))


def test_worker_socket_refuses_open_without_a_valid_ticket(tcp) -> None:
    endpoint, ticket = worker_tcp_endpoint(tcp)
    assert endpoint.startswith("tcp://")
    for extra in ((), (b"\0" * 32,), (b"forged",)):
        status, body = open_on_worker(endpoint, *extra)
        assert status == Status.ERROR and body["message"] == "authentication required", extra
    status, body = open_on_worker(endpoint, ticket)
    assert status == Status.OK, body
    status, body = open_on_worker(endpoint, ticket)  # one time only
    assert status == Status.ERROR and body["message"] == "authentication required"


def test_malformed_scram_messages_get_auth_failed_not_a_crash(tcp) -> None:
    # (three failures close a connection: a new peer for each batch)
    for batch in (
        (["SCRAM-SHA-256", "garbage"], ["MD5", "n,,n=bob,r=abc"], [1, 2]),
        ("x", ["SCRAM-SHA-256"]),
    ):
        with RawPeer(f"tcp://127.0.0.1:{tcp.port}") as peer:  # type: ignore[arg-type]
            for args in batch:
                status, body = peer.call(PROGRAM_DAEMON, PROC_AUTH_SCRAM_START, encode(args))
                assert status == Status.ERROR
                assert body["code"] == pyvirt.ErrorCode.AUTH_FAILED, args
    with RawPeer(f"tcp://127.0.0.1:{tcp.port}") as peer:  # type: ignore[arg-type]
        status, body = peer.call(PROGRAM_DAEMON, PROC_AUTH_SCRAM_FINISH, encode(["c=biws"]))
        assert status == Status.ERROR and body["code"] == pyvirt.ErrorCode.AUTH_FAILED
    with pyvirt.open(tcp.uri(), auth=answer("bob", PASSWORD)) as conn:  # still serving
        assert conn.lookup_domain_by_name("test").name == "test"


# -- pyvirt-passwd ----------------------------------------------------------------------
def test_passwd_stores_verifiers_never_the_password(tmp_path) -> None:
    path = tmp_path / "creds"
    assert add_user(path, "alice", "s3cret-pw").returncode == 0
    assert add_user(path, "carol", "other-pw").returncode == 0
    text = path.read_text()
    assert "s3cret-pw" not in text and "other-pw" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listed = subprocess.run([*PASSWD, "--file", str(path), "list"], capture_output=True, text=True)
    assert listed.stdout == "alice\ncarol\n"
    removed = subprocess.run([*PASSWD, "--file", str(path), "remove", "alice"], capture_output=True)
    assert removed.returncode == 0
    listed = subprocess.run([*PASSWD, "--file", str(path), "list"], capture_output=True, text=True)
    assert listed.stdout == "carol\n"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["remove", "nobody"], "", "no user 'nobody'"),
        (["add", "a:b", "--password-stdin"], "pw\n", "invalid user name 'a:b'"),
        (["add", "dave", "--password-stdin"], "\n", "an empty password is not allowed"),
    ],
)
def test_passwd_bad_input_is_one_line(tmp_path, argv, stdin, message) -> None:
    done = subprocess.run(
        [*PASSWD, "--file", str(tmp_path / "creds"), *argv],
        input=stdin,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("pyvirt-passwd: ") and message in done.stderr


def test_a_malformed_credentials_file_fails_logins_not_the_daemon(tmp_path) -> None:
    with scram_daemon(tmp_path) as d:
        d.creds.write_text("bob:SCRAM-SHA-256:notanumber:x:y:z\n")
        with pytest.raises(pyvirt.VirtError) as info:
            pyvirt.open(d.uri(), auth=answer("bob", PASSWORD))
        assert info.value.code == pyvirt.ErrorCode.AUTH_FAILED
        assert add_user(d.creds, "bob", "new-password").returncode != 0  # refuses to rewrite it
        d.creds.unlink()
        assert add_user(d.creds, "bob", "new-password").returncode == 0
        with pyvirt.open(d.uri(), auth=answer("bob", "new-password")) as conn:  # no restart
            assert conn.lookup_domain_by_name("test").name == "test"


def test_auth_settings_are_checked(tmp_path) -> None:
    conf = tmp_path / "pyvirtd.toml"
    conf.write_text('auth_tcp = "sasl"\n')
    done = subprocess.run(
        [sys.executable, "-m", "pyvirtd", "--config", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYVIRT_RUNTIME_DIR": str(tmp_path / "run")},
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "'auth_tcp' must be \"none\" or \"scram\"" in done.stderr


# -- limits before authentication -------------------------------------------------------
def _raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"needs {wanted} file descriptors, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _idle_connections(family: int, address: object, count: int) -> list[socket.socket]:
    held = []
    for _ in range(count):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.connect(address)
        held.append(s)
    return held


@pytest.mark.parametrize("count", [20, 1000])
def test_idle_connections_never_lock_out_an_authenticated_client(tmp_path, count) -> None:
    _raise_fd_limit(2 * count + 512)  # the daemon inherits it
    with scram_daemon(tmp_path) as d:
        held = _idle_connections(socket.AF_INET, ("127.0.0.1", d.port), count)
        held += _idle_connections(socket.AF_UNIX, str(d.daemon.socket_ro), count)
        try:
            with pyvirt.open(d.uri(), auth=answer("bob", PASSWORD)) as conn:
                assert conn.lookup_domain_by_name("test").name == "test"
            with pyvirt.open(d.daemon.uri(read_only=True)) as conn:  # libvirtd 9.0 hangs here
                assert conn.lookup_domain_by_name("test").name == "test"
        finally:
            for s in held:
                s.close()
        with pyvirt.open(d.uri(), auth=answer("bob", PASSWORD)) as conn:  # and afterwards
            assert conn.lookup_domain_by_name("test").name == "test"


def test_idle_connections_are_dropped_after_auth_timeout(tmp_path) -> None:
    with scram_daemon(tmp_path, "auth_timeout = 1\n") as d:
        idle = socket.create_connection(("127.0.0.1", d.port))
        idle.settimeout(30)  # a bound on a hang only: the daemon closes it after about 1 s
        try:
            while idle.recv(4096):  # the greeting, then end of stream
                pass
        finally:
            idle.close()
        with pyvirt.open(d.uri(), auth=answer("bob", PASSWORD)) as conn:
            assert conn.lookup_domain_by_name("test").name == "test"


def test_a_thousand_failed_logins_leave_the_daemon_serving(tcp) -> None:
    with pyvirt.open(tcp.uri(), auth=answer("bob", PASSWORD)) as conn:
        dom = conn.lookup_domain_by_name("test")
        for i in range(1000):
            with pytest.raises(pyvirt.VirtError) as info:
                pyvirt.open(tcp.uri(), auth=answer("bob", f"guess-{i}"))
            assert info.value.code == pyvirt.ErrorCode.AUTH_FAILED
            if i % 250 == 0:
                assert dom.name == "test" and dom.info() is not None  # served meanwhile
        assert dom.info() is not None
    with pyvirt.open(tcp.uri(), auth=answer("bob", PASSWORD)) as conn:
        assert conn.lookup_domain_by_name("test").name == "test"


def test_asyncio_clients_log_in_too(tcp) -> None:
    import asyncio

    import pyvirt.aio

    async def main() -> list[str]:
        async with await pyvirt.aio.open(tcp.uri(), auth=answer("bob", PASSWORD)) as conn:
            names = [d.name for d in await conn.list_domains()]
        drv = await pyvirt.aio.open_driver(tcp.uri(), auth=answer("bob", PASSWORD))
        try:
            names += [r.name for r in await drv.connect_list_all_domains(0)]
        finally:
            await drv.connect_close()
        with pytest.raises(pyvirt.VirtError) as info:
            await pyvirt.aio.open(tcp.uri(), auth=answer("bob", "bad"))
        assert str(info.value) == "authentication failed: authentication failed"
        return names

    assert asyncio.run(main()) == ["test", "test"]


def test_unix_sockets_can_require_a_login_too(tmp_path) -> None:
    with scram_daemon(tmp_path, 'auth_unix_rw = "scram"\n') as d:
        with pytest.raises(pyvirt.VirtError) as info:
            pyvirt.open(d.daemon.uri())
        assert str(info.value) == "authentication failed: No authentication callback available"
        with pyvirt.open(d.daemon.uri(), auth=answer("bob", PASSWORD)) as conn:
            assert conn.lookup_domain_by_name("test").name == "test"
        status, body = open_on_worker(str(d.daemon.rundir / "pyvirt-test-sock"))
        assert status == Status.ERROR and body["message"] == "authentication required"
        with pyvirt.open(d.daemon.uri(read_only=True)) as conn:  # auth_unix_ro stays "none"
            assert conn.lookup_domain_by_name("test").name == "test"


def test_the_anonymous_cap_drops_only_idle_connections_past_their_grace() -> None:
    from pyvirtd._handshake import PendingConnections

    book = PendingConnections(limit=2, timeout=10)
    assert book.add(b"a", now=0) == [] and book.add(b"b", now=0) == []
    assert book.add(b"c", now=0.5) == []  # over the cap, but a and b are in their grace
    book.started(b"a")  # a is logging in
    assert book.add(b"d", now=2) == [b"b", b"c"]  # the idle ones go, oldest first
    assert b"a" in book and b"d" in book and len(book) == 2
    assert book.add(b"e", now=3) == [b"d"]
    assert book.expired(now=9) == []
    assert book.expired(now=10.5) == [b"a"]  # the timeout ends even a started one
    book.done(b"e")
    assert len(book) == 0
    unlimited = PendingConnections(limit=0, timeout=10)
    assert all(unlimited.add(bytes([i]), now=5) == [] for i in range(100))
