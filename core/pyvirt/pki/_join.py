"""The client's side of ``pyvirt-pki join HOST TOKEN``: enrol without copying files.

It connects to the daemon's TLS socket without a certificate and without checking the
server's (it has no CA yet), makes a key and a request for it, and sends the request with
the token's proof (pyvirt.pki._tokens.request_mac, bound to the server certificate it saw).
It keeps the answer only if the CA certificate that comes back has the fingerprint the
token pins and the server it talked to holds a certificate of that CA: then it writes the
CA certificate, its key and its new certificate where libvirt's client looks for them.
"""

from __future__ import annotations

import hashlib
import ssl

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

from pyvirt.pki._certs import PkiError, cert_pem, fingerprint, key_pem, name, new_key, write_file
from pyvirt.pki._layout import Layout
from pyvirt.pki._tokens import Token, request_mac
from pyvirt.rpc._channel import Channel
from pyvirt.rpc._procs import PROC_PKI_JOIN
from pyvirt.rpc._session import OPEN_TIMEOUT
from pyvirt.rpc._sync_backend import _exchange
from pyvirt.rpc._tls import DEFAULT_TLS_PORT, TlsClient
from pyvirt.rpc._wire import PROGRAM_DAEMON


def _endpoint(host: str) -> str:
    """``tcp://HOST:PORT`` for *host* (``HOST``, ``HOST:PORT``, ``[V6]:PORT``)."""
    if host.startswith("["):
        addr, _, port = host.partition("]")
        return f"tcp://{addr}]:{port.lstrip(':') or DEFAULT_TLS_PORT}"
    if host.count(":") == 1:
        addr, port = host.split(":")
        return f"tcp://{addr}:{port}"
    if ":" in host:
        return f"tcp://[{host}]:{DEFAULT_TLS_PORT}"
    return f"tcp://{host}:{DEFAULT_TLS_PORT}"


def _blind_context() -> ssl.SSLContext:
    """TLS 1.3 without checking the server yet: the token's fingerprint is checked after."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def join(host: str, token: Token, layout: Layout) -> str:
    """Enrol with the daemon at *host*; the path of the client certificate written."""
    key = new_key()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(name(token.name, "pyvirt"))
        .sign(key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    csr_pem = csr.public_bytes(Encoding.PEM)
    channel = Channel(_endpoint(host), TlsClient(_blind_context(), None))
    try:
        channel.connect(OPEN_TIMEOUT)
        if not channel.wait_connected(OPEN_TIMEOUT):
            raise PkiError(f"no answer from {host}")
        server_der = channel.peer_certificate()
        if server_der is None:
            raise PkiError(f"{host} showed no certificate")
        mac = request_mac(token.secret, csr_pem, hashlib.sha256(server_der).hexdigest())
        reply = _exchange(
            channel, PROGRAM_DAEMON, PROC_PKI_JOIN, 1, [token.id, csr_pem, mac], OPEN_TIMEOUT
        )
    finally:
        channel.close()
    if not isinstance(reply, dict) or not all(
        isinstance(reply.get(k), bytes) for k in ("cert", "ca")
    ):
        raise PkiError(f"malformed answer from {host}")
    ca = x509.load_pem_x509_certificate(reply["ca"])
    cert = x509.load_pem_x509_certificate(reply["cert"])
    if fingerprint(ca) != token.ca:
        raise PkiError(
            f"the CA of {host} is not the one the token pins (fingerprint {fingerprint(ca)}, "
            f"expected {token.ca}): nothing written"
        )
    try:
        x509.load_der_x509_certificate(server_der).verify_directly_issued_by(ca)
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise PkiError(f"{host}'s certificates do not check against its CA: {exc}") from None
    if cert.public_key() != key.public_key():
        raise PkiError(f"{host} signed some other key: nothing written")
    write_file(layout.cacert, cert_pem(ca), 0o644)
    write_file(layout.clientkey, key_pem(key), 0o600)
    write_file(layout.clientcert, cert_pem(cert), 0o644)
    return layout.clientcert
