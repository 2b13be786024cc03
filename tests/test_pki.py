"""pyvirt-pki: certificates with the extensions libvirt checks, in libvirt's places or a
directory, and enrolment by one-time, expiring token against a real pyvirtd on TLS."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from daemon_helpers import running_daemon
from pyvirt.pki import decode_token, encode_token, fingerprint, read_cert

pytestmark = pytest.mark.xdist_group("tls")

PKI = str(Path(sys.executable).parent / "pyvirt-pki")


def pki(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PKI, *args], capture_output=True, text=True, timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("server")
    assert pki("ca", "--dir", str(where), "--cn", "Test CA").returncode == 0
    assert (
        pki("server", "--dir", str(where), "--host", "127.0.0.1", "--host", "h.example").returncode
        == 0
    )
    return where


# -- certificates ------------------------------------------------------------------------------
def test_ca_server_and_client_have_libvirts_extensions(server_dir, tmp_path):
    ca = read_cert(str(server_dir / "cacert.pem"))
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    server = read_cert(str(server_dir / "servercert.pem"))
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    purposes = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(purposes) == [ExtendedKeyUsageOID.SERVER_AUTH]
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["h.example"]
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    server.verify_directly_issued_by(ca)
    assert pki("client", "--dir", str(server_dir), "--cn", "carol").returncode == 0
    client = read_cert(str(server_dir / "clientcert.pem"))
    purposes = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(purposes) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert client.subject.rfc4514_string() == "CN=carol,O=pyvirt"
    for key in ("cakey.pem", "serverkey.pem", "clientkey.pem"):
        assert stat.S_IMODE((server_dir / key).stat().st_mode) == 0o600


def test_existing_files_are_kept_without_force(server_dir):
    before = (server_dir / "cacert.pem").read_bytes()
    result = pki("ca", "--dir", str(server_dir))
    assert result.returncode == 1
    assert result.stderr == (
        f"pyvirt-pki: '{server_dir}/cacert.pem' exists: keeping it (--force replaces it)\n"
    )
    assert (server_dir / "cacert.pem").read_bytes() == before


def test_server_needs_a_host_and_a_ca(tmp_path):
    result = pki("server", "--dir", str(tmp_path), "--host", "x")
    assert result.returncode == 1
    assert result.stderr.startswith(f"pyvirt-pki: cannot read certificate '{tmp_path}/cacert.pem'")


def test_bad_token_text_is_refused(tmp_path):
    result = pki("join", "127.0.0.1:1", "not-a-token", "--dir", str(tmp_path))
    assert (result.returncode, result.stderr) == (1, "pyvirt-pki: not a pyvirt-pki join token\n")


# -- joining a live daemon -------------------------------------------------------------------
@pytest.fixture(scope="module")
def daemon_port(server_dir: Path) -> Iterator[int]:
    port = free_port()
    config = (
        f'listen_addr = "127.0.0.1"\ntls_port = {port}\n'
        f'ca_file = "{server_dir}/cacert.pem"\ncert_file = "{server_dir}/servercert.pem"\n'
        f'key_file = "{server_dir}/serverkey.pem"\n'
        'tls_allowed_dn_list = ["O=pyvirt,CN=joined-*"]\n'
    )
    with running_daemon("--listen", config=config):
        yield port


def _token(server_dir: Path, *args: str) -> str:
    result = pki("token", "--dir", str(server_dir), *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_join_gives_a_working_client_certificate(server_dir, daemon_port, tmp_path):
    token = _token(server_dir, "--name", "joined-dave")
    assert decode_token(token).ca == fingerprint(read_cert(str(server_dir / "cacert.pem")))
    result = pki("join", f"127.0.0.1:{daemon_port}", token, "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "clientkey.pem").stat().st_mode) == 0o600
    cert = read_cert(str(tmp_path / "clientcert.pem"))
    assert cert.subject.rfc4514_string() == "CN=joined-dave,O=pyvirt"
    uri = f"test+tls://127.0.0.1:{daemon_port}/default?pkipath={tmp_path}"
    with pyvirt.open(uri) as conn:
        assert conn.lookup_domain_by_name("test").name == "test"
    # the secret is not kept once used
    tokens = json.loads((server_dir / "join-tokens.json").read_text())
    assert tokens[decode_token(token).id] == {
        "expires": decode_token(token).expires,
        "name": "joined-dave",
        "secret": "",
        "used": True,
    }


def test_a_used_token_is_refused(server_dir, daemon_port, tmp_path):
    token = _token(server_dir, "--name", "joined-erin")
    first = pki("join", f"127.0.0.1:{daemon_port}", token, "--dir", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    again = pki("join", f"127.0.0.1:{daemon_port}", token, "--dir", str(tmp_path / "b"))
    assert again.returncode == 1
    assert again.stderr == "pyvirt-pki: authentication failed: join token already used\n"
    assert not (tmp_path / "b").exists()


def test_an_expired_token_is_refused(server_dir, daemon_port, tmp_path):
    token = _token(server_dir, "--name", "joined-frank", "--ttl", "1")
    time.sleep(1.5)  # not a timing assertion: the token must be past its expiry
    result = pki("join", f"127.0.0.1:{daemon_port}", token, "--dir", str(tmp_path))
    assert (result.returncode, result.stderr) == (
        1,
        "pyvirt-pki: authentication failed: join token expired\n",
    )


def test_a_wrong_secret_is_refused_and_leaves_the_token_usable(server_dir, daemon_port, tmp_path):
    genuine = decode_token(_token(server_dir, "--name", "joined-gina"))
    forged = encode_token(
        type(genuine)(
            genuine.id, "00" * 32, genuine.ca, genuine.name, genuine.expires, genuine.addresses
        )
    )
    result = pki("join", f"127.0.0.1:{daemon_port}", forged, "--dir", str(tmp_path / "x"))
    assert result.returncode == 1
    assert "join token does not verify" in result.stderr
    ok = pki(
        "join", f"127.0.0.1:{daemon_port}", encode_token(genuine), "--dir", str(tmp_path / "y")
    )
    assert ok.returncode == 0, ok.stderr


def test_a_server_whose_ca_is_not_the_pinned_one_is_refused(server_dir, daemon_port, tmp_path):
    genuine = decode_token(_token(server_dir, "--name", "joined-hal"))
    pinned_elsewhere = encode_token(
        type(genuine)(genuine.id, genuine.secret, "ab" * 32, genuine.name, genuine.expires, ())
    )
    result = pki("join", f"127.0.0.1:{daemon_port}", pinned_elsewhere, "--dir", str(tmp_path))
    assert result.returncode == 1
    assert "is not the one the token pins" in result.stderr
    assert not (tmp_path / "clientcert.pem").exists()
