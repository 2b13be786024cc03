"""The server's side of ``pyvirt-pki join``: check the token, sign the client's key.

Served by the daemon on its TLS socket, the one call a client without a certificate may make
there (pyvirtd._daemon).  The CA key and the tokens file are found beside the CA certificate
(pyvirt.pki._layout.layout_for_ca); ``cryptography`` is imported only when a join comes in.
"""

from __future__ import annotations

import hashlib
import ssl

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.rpc import ProtocolError, TlsFiles, decode

#: A client certificate made by a join is valid this long.
JOIN_DAYS = 365


def _malformed() -> VirtError:
    return make_error(ErrorCode.RPC, ErrorDomain.RPC, "malformed arguments for join")


def server_cert_sha256(path: str) -> str:
    """SHA-256 (hex) of our own certificate's DER form: what the client saw in the handshake."""
    with open(path) as handle:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(handle.read())).hexdigest()


def answer_join(files: TlsFiles, body: bytes) -> dict[str, bytes]:
    """The signed client certificate and the CA certificate (PEM), for a join request
    *body* ``[token id, CSR PEM, MAC]``; VirtError when refused."""
    try:
        args = decode(body)
    except ProtocolError:
        raise _malformed() from None
    if (
        not isinstance(args, list)
        or len(args) != 3
        or not isinstance(args[0], str)
        or not isinstance(args[1], bytes)
        or not isinstance(args[2], bytes)
        or len(args[1]) > 16384
    ):
        raise _malformed()
    token_id, csr_pem, mac = args
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from pyvirt.pki import PkiError, TokenStore, issue, layout_for_ca, name, read_cert, read_key

    layout = layout_for_ca(files.cacert)
    try:
        csr = x509.load_pem_x509_csr(csr_pem)
    except ValueError:
        raise _malformed() from None
    if not csr.is_signature_valid:
        raise make_error(
            ErrorCode.AUTH_FAILED, ErrorDomain.RPC, "the join request's signature is invalid"
        )
    common_name = TokenStore(layout.tokens).consume(
        token_id, csr_pem, mac, server_cert_sha256(files.cert)
    )
    try:
        ca_cert = read_cert(files.cacert)
        ca_key = read_key(layout.cakey)
    except PkiError as exc:
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, str(exc)) from None
    public_key = csr.public_key()
    if not isinstance(public_key, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey)):
        raise make_error(
            ErrorCode.AUTH_FAILED, ErrorDomain.RPC, "the join request's key is not EC or RSA"
        )
    cert = issue(
        ca_cert,
        ca_key,
        public_key,
        name(common_name, "pyvirt"),
        server=False,
        days=JOIN_DAYS,
    )
    from pyvirt.pki import cert_pem

    return {"cert": cert_pem(cert), "ca": cert_pem(ca_cert)}
