"""The tls transport: real certificates made by pyvirt-pki, a real pyvirtd serving TLS on
loopback, and each check of libvirt's (CA, dates, host name, DN, no_verify) failing when it
should, with libvirt's error and the check named.  A TCP relay in the test records what passes
on the wire, to show that no domain name crosses it in clear (and, as the control, that the
relay does see it over plain TCP)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
import pyvirt.aio
from cli_helpers import VIRSH, needs_virsh, pyvirsh, virsh
from daemon_helpers import running_daemon
from pyvirt.pki import main as pki

pytestmark = pytest.mark.xdist_group("tls")

CANARY = "pyvirt-tls-canary-domain-4f1d"
CANARY_XML = f"""<domain type='test'>
  <name>{CANARY}</name>
  <memory>65536</memory>
  <os><type>hvm</type></os>
</domain>"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Relay:
    """A TCP relay from (*host*, *port*) to (127.0.0.1, *port*) that records every byte
    passing in either direction."""

    def __init__(self, host: str, port: int, target_port: int | None = None) -> None:
        self.seen = bytearray()
        self.lock = threading.Lock()
        self.target = ("127.0.0.1", target_port or port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(16)
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                with self.lock:
                    self.seen += data
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
        self.stopped = True
        self.listener.close()


def _client_dir(root: Path, name: str, ca_dir: Path, *args: str) -> Path:
    """A pkipath= directory: our CA certificate, and a client certificate made by pyvirt-pki
    with the CA of *ca_dir* (whose key is used, then not left behind)."""
    where = root / name
    where.mkdir()
    for f in ("cacert.pem", "cakey.pem"):
        shutil.copy(ca_dir / f, where / f)
    assert pki(["client", "--dir", str(where), *args]) == 0
    (where / "cakey.pem").unlink()
    return where


@pytest.fixture(scope="module")
def pki_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pki")
    server = root / "server"
    assert pki(["ca", "--dir", str(server)]) == 0
    hosts = ["--host", "127.0.0.1", "--host", "localhost", "--host", "127.0.0.2"]
    assert pki(["server", "--dir", str(server), *hosts]) == 0
    _client_dir(root, "alice", server, "--cn", "alice")
    _client_dir(root, "bob", server, "--cn", "bob")
    _client_dir(root, "expired", server, "--cn", "alice", "--start", "2020-01-01", "--days", "30")
    # a client whose certificate another CA signed (it trusts our CA: the server refuses it)
    other = root / "other-ca"
    assert pki(["ca", "--dir", str(other)]) == 0
    _client_dir(root, "foreign", other, "--cn", "alice")
    shutil.copy(server / "cacert.pem", root / "foreign" / "cacert.pem")
    # a client that trusts only the other CA (it refuses the server)
    _client_dir(root, "distrustful", other, "--cn", "alice")
    return root


@pytest.fixture(scope="module")
def daemon(pki_root: Path) -> Iterator[dict[str, object]]:
    server = pki_root / "server"
    tls_port, tcp_port = free_port(), free_port()
    config = (
        f'listen_addr = "127.0.0.1"\ntls_port = {tls_port}\n'
        f"listen_tcp = true\nauth_tcp = \"none\"\ntcp_port = {tcp_port}\n"
        f'ca_file = "{server}/cacert.pem"\ncert_file = "{server}/servercert.pem"\n'
        f'key_file = "{server}/serverkey.pem"\n'
        'tls_allowed_dn_list = ["O=pyvirt,CN=alice", "O=other,CN=*"]\n'
    )
    with running_daemon("--listen", config=config):
        # the worker's TLS port, for the relays (the client goes to the worker directly)
        with pyvirt.open(_uri(pki_root, "alice", tls_port)) as conn:
            worker_port = _worker_port(conn)
        yield {"tls": tls_port, "tcp": tcp_port, "worker": worker_port}


def _worker_port(conn: pyvirt.Connection) -> int:
    """The port of the worker a remote connection talks to (it calls there directly)."""
    return int(conn.driver._worker.endpoint.rpartition(":")[2])  # type: ignore[attr-defined]


def _uri(root: Path, who: str, port: int, host: str = "127.0.0.1", extra: str = "") -> str:
    return f"test+tls://{host}:{port}/default?pkipath={root / who}{extra}"


def _refusal(root: Path, who: str, port: int, **kw: str) -> pyvirt.VirtError:
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(_uri(root, who, port, **kw))
    return err.value


# -- a trusted client ----------------------------------------------------------------------
def test_trusted_client_reaches_the_daemons_state(pki_root, daemon):
    with (
        pyvirt.open(_uri(pki_root, "alice", daemon["tls"])) as tls,
        pyvirt.open("test+unix:///default") as unix,
    ):
        assert tls.uri == _uri(pki_root, "alice", daemon["tls"])
        dom = tls.lookup_domain_by_name("test")
        dom.suspend()
        assert unix.lookup_domain_by_name("test").state()[0] == pyvirt.DomainState.PAUSED
        dom.resume()


def test_pyvirsh_over_tls(pki_root, daemon):
    result = pyvirsh("-c", _uri(pki_root, "alice", daemon["tls"]), "list", "--all")
    assert result.rc == 0, result.err
    assert result.out == " Id   Name   State\n----------------------\n 1    test   running\n\n"


def test_asyncio_client_over_tls(pki_root, daemon):
    async def main() -> list[str]:
        async with await pyvirt.aio.open(_uri(pki_root, "alice", daemon["tls"])) as conn:
            return [d.name for d in await conn.list_domains()]

    assert "test" in asyncio.run(main())


def test_streams_travel_over_tls_too(pki_root, daemon):
    """A stream has a socket of its own to the worker, which must speak TLS as the session's
    does: the stream opens, and the call reaches the driver (libvirt's test driver has no
    volume upload, so its answer is "not supported", not a connection failure)."""
    with pyvirt.open(_uri(pki_root, "alice", daemon["tls"])) as conn:
        vol = conn.lookup_storage_pool_by_name("default-pool").create_volume(
            "<volume><name>s.img</name><capacity>1024</capacity></volume>"
        )
        with pytest.raises(pyvirt.VirtError) as err:
            vol.upload(conn.new_stream(), 0, 0)
        assert err.value.code == pyvirt.ErrorCode.NO_SUPPORT
        assert "virStorageVolUpload" in str(err.value)
        vol.delete()


def test_events_follow_over_tls(pki_root, daemon):
    """The event channel is a second connection to the worker: TLS too."""
    seen: list[pyvirt.ObjectEvent] = []
    got = threading.Event()
    with pyvirt.open(_uri(pki_root, "alice", daemon["tls"])) as conn:

        def listener(event: pyvirt.ObjectEvent) -> None:
            seen.append(event)
            got.set()

        token = conn.driver.connect_event_subscribe(listener)
        dom = conn.lookup_domain_by_name("test")
        dom.suspend()
        dom.resume()
        assert got.wait(10)
        conn.driver.connect_event_unsubscribe(token)
    assert seen[0].name == "test"


# -- what travels on the wire ----------------------------------------------------------------
def test_no_domain_name_crosses_the_wire_in_clear(pki_root, daemon):
    relays = [Relay("127.0.0.2", daemon[k]) for k in ("tls", "worker")]
    try:
        with pyvirt.open(_uri(pki_root, "alice", daemon["tls"], host="127.0.0.2")) as conn:
            dom = conn.define_domain(CANARY_XML)
            try:
                assert CANARY in [d.name for d in conn.list_domains()]
                assert CANARY in dom.xml_desc()
            finally:
                dom.undefine()
    finally:
        for relay in relays:
            relay.close()
    seen = b"".join(bytes(r.seen) for r in relays)
    assert len(seen) > 1000  # the calls went through the relays
    assert CANARY.encode() not in seen
    assert b"<domain" not in seen


def test_the_relay_sees_names_over_plain_tcp(daemon):
    """The control: the same relay over the plain tcp transport does see the name."""
    with pyvirt.open(f"test+tcp://127.0.0.1:{daemon['tcp']}/default") as conn:
        worker_port = _worker_port(conn)
    relays = [Relay("127.0.0.2", p) for p in (daemon["tcp"], worker_port)]
    try:
        with pyvirt.open(f"test+tcp://127.0.0.2:{daemon['tcp']}/default") as conn:
            conn.define_domain(CANARY_XML).undefine()
    finally:
        for relay in relays:
            relay.close()
    assert CANARY.encode() in b"".join(bytes(r.seen) for r in relays)


# -- refusals ----------------------------------------------------------------------------------
def test_client_certificate_of_an_unknown_ca_is_refused(pki_root, daemon):
    err = _refusal(pki_root, "foreign", daemon["tls"])
    assert err.code == pyvirt.ErrorCode.AUTH_FAILED
    assert err.message == (
        "authentication failed: server verification (of our certificate or IP address) "
        "failed: The certificate hasn't got a known issuer."
    )


def test_server_certificate_of_an_unknown_ca_is_refused(pki_root, daemon):
    err = _refusal(pki_root, "distrustful", daemon["tls"])
    assert err.code == pyvirt.ErrorCode.AUTH_FAILED
    assert err.message == (
        "authentication failed: Failed to verify peer's certificate: "
        "The certificate hasn't got a known issuer."
    )


def test_dn_not_on_the_allowed_list_is_refused(pki_root, daemon):
    err = _refusal(pki_root, "bob", daemon["tls"])
    assert err.code == pyvirt.ErrorCode.AUTH_FAILED
    assert "Client's Distinguished Name is not on the list of allowed clients" in err.message


def test_expired_client_certificate_is_refused(pki_root, daemon):
    err = _refusal(pki_root, "expired", daemon["tls"])
    assert err.code == pyvirt.ErrorCode.AUTH_FAILED
    assert err.message.endswith("failed: The client certificate [session] has expired")


def test_no_client_certificate_is_refused(pki_root, daemon, tmp_path):
    shutil.copy(pki_root / "server" / "cacert.pem", tmp_path / "cacert.pem")
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(f"test+tls://127.0.0.1:{daemon['tls']}/default?pkipath={tmp_path}")
    # the daemon's socket lets it in (to enrol) but routes nobody without a certificate
    assert err.value.code == pyvirt.ErrorCode.AUTH_FAILED
    assert err.value.message == (
        "authentication failed: Failed to verify peer's certificate: the client sent no certificate"
    )


def test_worker_socket_refuses_a_client_without_certificate(pki_root, daemon, tmp_path):
    """Nothing bypasses the checks: the worker's own TLS socket is as strict."""
    shutil.copy(pki_root / "server" / "cacert.pem", tmp_path / "cacert.pem")
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(f"test+tls://127.0.0.1:{daemon['worker']}/default?pkipath={tmp_path}")
    assert err.value.code == pyvirt.ErrorCode.AUTH_FAILED
    assert err.value.message.endswith("the server requires a client certificate")


def test_wrong_host_name_is_refused_unless_no_verify(pki_root, daemon):
    relays = [Relay("127.0.0.3", daemon[k]) for k in ("tls", "worker")]
    try:
        err = _refusal(pki_root, "alice", daemon["tls"], host="127.0.0.3")
        assert err.code == pyvirt.ErrorCode.AUTH_FAILED
        assert err.message == (
            "authentication failed: Failed to verify peer's certificate: "
            "Certificate [session] owner does not match the hostname 127.0.0.3"
        )
        # no_verify=1: libvirt's client does not check the server's certificate (the server
        # still checks ours, and the session is still encrypted)
        uri = _uri(pki_root, "alice", daemon["tls"], host="127.0.0.3", extra="&no_verify=1")
        with pyvirt.open(uri) as conn:
            assert conn.lookup_domain_by_name("test").name == "test"
    finally:
        for relay in relays:
            relay.close()


def test_no_verify_does_not_relax_the_servers_checks(pki_root, daemon):
    # "distrustful" does not check the server with no_verify=1, but its own certificate is of
    # another CA, which the server still refuses: no_verify is the client's check only.
    err = _refusal(pki_root, "distrustful", daemon["tls"], extra="&no_verify=1")
    assert err.message.endswith("failed: The certificate hasn't got a known issuer.")


def test_bad_no_verify_value(pki_root, daemon):
    err = _refusal(pki_root, "alice", daemon["tls"], extra="&no_verify=yes")
    assert err.code == pyvirt.ErrorCode.INVALID_ARG
    assert err.message == "invalid argument: Failed to parse value of URI component no_verify"


# -- as libvirt, byte for byte ---------------------------------------------------------------
@needs_virsh
@pytest.mark.parametrize(
    "uri",
    [
        "test+tls://127.0.0.1:{port}/default?pkipath=/nonexistent-pki",
        "test+tls://127.0.0.1:{port}/default?pkipath={root}/server",
    ],
    ids=["missing-ca", "nobody-listens"],
)
def test_errors_before_the_handshake_are_virshs(pki_root, uri):
    uri = uri.format(port=free_port(), root=pki_root)
    ours, theirs = pyvirsh("-c", uri, "list"), virsh("-c", uri, "list")
    assert (ours.out, ours.err, ours.rc) == (theirs.out, theirs.err, theirs.rc)


@needs_virsh
def test_virsh_accepts_the_certificates(pki_root):
    """libvirt's own sanity checks of the CA and client certificate pass (it gets as far as
    connecting)."""
    assert VIRSH is not None
    port = free_port()
    result = virsh("-c", _uri(pki_root, "alice", port), "list")
    assert f"unable to connect to server at '127.0.0.1:{port}'" in result.err


def test_daemon_without_certificates_says_which_file(tmp_path):
    conf = tmp_path / "pyvirtd.toml"
    conf.write_text(
        f'listen_addr = "127.0.0.1"\ntls_port = {free_port()}\n'
        f'ca_file = "{tmp_path}/nope.pem"\ncert_file = "{tmp_path}/c.pem"\n'
        f'key_file = "{tmp_path}/k.pem"\n'
    )
    import subprocess
    import sys

    env = dict(os.environ, PYVIRT_RUNTIME_DIR=str(tmp_path / "run"))
    result = subprocess.run(
        [sys.executable, "-m", "pyvirtd", "--listen", "--config", str(conf)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"pyvirtd: Cannot read CA certificate '{tmp_path}/nope.pem': No such file or directory"
    )


# -- revocation ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def revoking_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA that revoked one client (mallory) and, in a second list, its own server."""
    root = tmp_path_factory.mktemp("crl")
    server = root / "server"
    assert pki(["ca", "--dir", str(server)]) == 0
    assert pki(["server", "--dir", str(server), "--host", "127.0.0.1"]) == 0
    _client_dir(root, "alice", server, "--cn", "alice")
    _client_dir(root, "mallory", server, "--cn", "mallory")
    assert pki(["revoke", "--dir", str(server), str(root / "mallory" / "clientcert.pem")]) == 0
    for who in ("alice", "mallory"):  # clients read the CA's list too, as libvirt's do
        shutil.copy(server / "cacrl.pem", root / who / "cacrl.pem")
    # a client whose list also revokes the server's certificate
    _client_dir(root, "wary", server, "--cn", "alice")
    shutil.copy(server / "cacrl.pem", root / "wary" / "cacrl.pem")
    shutil.copy(server / "cakey.pem", root / "wary" / "cakey.pem")
    assert pki(["revoke", "--dir", str(root / "wary"), str(server / "servercert.pem")]) == 0
    (root / "wary" / "cakey.pem").unlink()
    return root


def test_revoked_certificates_are_refused_on_both_sides(revoking_pki: Path) -> None:
    server = revoking_pki / "server"
    port = free_port()
    config = (
        f'listen_addr = "127.0.0.1"\ntls_port = {port}\n'
        f'ca_file = "{server}/cacert.pem"\ncert_file = "{server}/servercert.pem"\n'
        f'key_file = "{server}/serverkey.pem"\ncrl_file = "{server}/cacrl.pem"\n'
    )
    with running_daemon("--listen", config=config):
        with pyvirt.open(_uri(revoking_pki, "alice", port)) as conn:
            assert conn.lookup_domain_by_name("test").name == "test"
        err = _refusal(revoking_pki, "mallory", port)
        assert (err.code, err.message) == (pyvirt.ErrorCode.AUTH_FAILED, (
            "authentication failed: server verification (of our certificate or IP address) "
            "failed: The certificate has been revoked."))  # fmt: skip
        err = _refusal(revoking_pki, "wary", port)
        assert (err.code, err.message) == (pyvirt.ErrorCode.AUTH_FAILED, (
            "authentication failed: Failed to verify peer's certificate: "
            "The certificate has been revoked."))  # fmt: skip


def test_pki_revoke_keeps_earlier_entries_and_refuses_a_foreign_certificate(
    revoking_pki: Path, tmp_path: Path
) -> None:
    from cryptography import x509

    wary = x509.load_pem_x509_crl((revoking_pki / "wary" / "cacrl.pem").read_bytes())
    assert len(list(wary)) == 2  # mallory's, kept, and the server's
    other = tmp_path / "other"
    assert pki(["ca", "--dir", str(other)]) == 0
    assert pki(["revoke", "--dir", str(other), str(revoking_pki / "alice" / "clientcert.pem")]) == 1


@needs_virsh
def test_virsh_loads_the_revocation_list_pyvirt_pki_writes(revoking_pki: Path) -> None:
    """libvirt's client loads cacrl.pem from pkipath= with gnutls before connecting: it
    accepts the list pyvirt-pki signs (a list it cannot read stops it there)."""
    port = free_port()
    result = virsh("-c", _uri(revoking_pki, "alice", port), "list")
    assert f"unable to connect to server at '127.0.0.1:{port}'" in result.err
    (revoking_pki / "alice" / "cacrl.pem").write_text("not a CRL\n")
    try:
        broken = virsh("-c", _uri(revoking_pki, "alice", port), "list")
        assert "revocation list" in broken.err, broken.err  # the control: it is read
    finally:
        shutil.copy(revoking_pki / "server" / "cacrl.pem", revoking_pki / "alice" / "cacrl.pem")
# -- SCRAM inside TLS (auth_tls = "scram"), and the admin server's view of tls clients --------
SCRAM_PASSWORD = "tls and a password"


def _answer(user: str, password: str):  # noqa: ANN202 - an auth callback
    def auth(creds: list[tuple[int, str]]) -> list[str]:
        return [user if cred == 2 else password for cred, _prompt in creds]

    return auth


@pytest.fixture(scope="module")
def scram_tls(pki_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    import subprocess
    import sys

    creds = tmp_path_factory.mktemp("scram") / "passwd.scram"
    passwd = Path(sys.executable).parent / "pyvirt-passwd"
    added = subprocess.run(
        [str(passwd), "--file", str(creds), "add", "bob", "--password-stdin"],
        input=SCRAM_PASSWORD + "\n", capture_output=True, text=True, timeout=60,
    )
    assert added.returncode == 0, added.stderr
    server = pki_root / "server"
    port = free_port()
    config = (
        f'listen_addr = "127.0.0.1"\ntls_port = {port}\nauth_tls = "scram"\n'
        f'scram_credentials = "{creds}"\n'
        f'ca_file = "{server}/cacert.pem"\ncert_file = "{server}/servercert.pem"\n'
        f'key_file = "{server}/serverkey.pem"\n'
    )
    with running_daemon("--listen", config=config) as d:
        yield {"port": port, "daemon": d}


def test_scram_inside_tls_takes_the_right_password(pki_root, scram_tls):
    import pyvirt.admin

    uri = _uri(pki_root, "alice", scram_tls["port"])
    with pyvirt.open(uri, auth=_answer("bob", SCRAM_PASSWORD)) as conn:
        assert [d.name for d in conn.list_domains()] == ["test"]
        rundir = scram_tls["daemon"].rundir  # type: ignore[attr-defined]
        with pyvirt.admin.open(f"pyvirtd:///system?socket={rundir}/pyvirt-admin-sock") as admin:
            (client,) = admin.lookup_server("pyvirtd").list_clients()
            info = dict(client.info())
    # the worker knows both proofs: the password's user and the certificate's DN
    assert client.transport_name == "tls"
    assert info == {"readonly": False, "sasl_user_name": "bob", "tls_x509_dname": "O=pyvirt,CN=alice"}


@pytest.mark.parametrize(("user", "password"), [("bob", "wrong"), ("eve", SCRAM_PASSWORD)])
def test_scram_inside_tls_refuses_a_wrong_password(pki_root, scram_tls, user, password):
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(_uri(pki_root, "alice", scram_tls["port"]), auth=_answer(user, password))
    assert (err.value.code, str(err.value)) == (
        pyvirt.ErrorCode.AUTH_FAILED,
        "authentication failed: authentication failed",
    )


def test_scram_inside_tls_still_needs_a_trusted_certificate(pki_root, scram_tls):
    asked: list[object] = []
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(
            _uri(pki_root, "foreign", scram_tls["port"]),
            auth=lambda creds: asked.append(creds) or ["bob", SCRAM_PASSWORD],
        )
    assert "The certificate hasn't got a known issuer." in str(err.value)
    assert asked == []  # refused in the TLS handshake: no password was asked for
    with pytest.raises(pyvirt.VirtError) as no_callback:
        pyvirt.open(_uri(pki_root, "alice", scram_tls["port"]))
    assert str(no_callback.value) == "authentication failed: No authentication callback available"


def test_scram_inside_tls_for_asyncio_clients(pki_root, scram_tls):
    async def main() -> list[str]:
        uri = _uri(pki_root, "alice", scram_tls["port"])
        async with await pyvirt.aio.open(uri, auth=_answer("bob", SCRAM_PASSWORD)) as conn:
            return [d.name for d in await conn.list_domains()]

    assert asyncio.run(main()) == ["test"]


def test_srv_update_tls_reads_the_files_again(pki_root, scram_tls, tmp_path):
    """The daemon serves TLS: the reload succeeds, and new clients are still served."""
    import pyvirt.admin

    rundir = scram_tls["daemon"].rundir  # type: ignore[attr-defined]
    with pyvirt.admin.open(f"pyvirtd:///system?socket={rundir}/pyvirt-admin-sock") as admin:
        admin.lookup_server("pyvirtd").update_tls_files()
        err = None
        try:
            admin.lookup_server("admin").update_tls_files()
        except pyvirt.VirtError as exc:
            err = exc
        assert err is not None and "no tls service found" in str(err)
    with pyvirt.open(_uri(pki_root, "alice", scram_tls["port"]), auth=_answer("bob", SCRAM_PASSWORD)) as conn:
        assert conn.hostname()


# -- the record layer ----------------------------------------------------------------------
def _session(pki_root: Path) -> tuple[object, object]:
    """A client and a server TlsStream of our PKI, with their handshake done in memory."""
    from pyvirt.rpc._tls import TlsStream, client_context, locate, server_context

    server_files = locate(str(pki_root / "server"), server=True, try_user=False)
    client_files = locate(str(pki_root / "alice"), server=False, try_user=False)
    client = TlsStream(client_context(client_files, verify=True), False, "127.0.0.1")
    server = TlsStream(server_context(server_files, verify=True), True)
    while not (client.established and server.established):
        client.handshake()
        server.take(client.outgoing())
        server.handshake()
        client.take(server.outgoing())
    return client, server


@pytest.mark.parametrize("piece", [1, 7, 100, 1 << 20])
def test_records_split_or_joined_anyhow_decrypt_to_the_same_bytes(pki_root, piece) -> None:
    """decrypt() stops reading once its input is used up (no read that would only raise
    "want read"): whatever pieces the socket hands over - a byte, part of a record, several
    records, a record of the server's session tickets mixed in - the plaintext is whole."""
    client, server = _session(pki_root)
    messages = [bytes([i]) * size for i, size in enumerate((1, 57, 16384, 40000, 3))]
    wire = b"".join(server.encrypt(m) for m in messages)  # type: ignore[attr-defined]
    got = b""
    for start in range(0, len(wire), piece):
        got += client.decrypt(wire[start : start + piece])  # type: ignore[attr-defined]
    assert got == b"".join(messages)
    assert client.decrypt(b"") == b""  # nothing left, and asking again is harmless
