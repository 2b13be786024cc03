"""pyvirt's PKI for the tls transport: certificates in libvirt's places, and enrolment by
one-time token.  The command line is ``pyvirt-pki`` (:func:`main`); the daemon answers joins
with :class:`TokenStore` and :func:`issue`.  This package needs the ``cryptography``
distribution, which nothing else in pyvirt imports."""

from pyvirt.pki._certs import (
    PkiError,
    cert_pem,
    fingerprint,
    issue,
    key_pem,
    make_ca,
    name,
    new_key,
    read_cert,
    read_key,
    write_file,
)
from pyvirt.pki._cli import main
from pyvirt.pki._layout import Layout, default_layout, directory_layout, layout_for_ca
from pyvirt.pki._tokens import Token, TokenError, TokenStore, decode_token, encode_token

__all__ = [
    "Layout",
    "PkiError",
    "Token",
    "TokenError",
    "TokenStore",
    "cert_pem",
    "decode_token",
    "default_layout",
    "directory_layout",
    "encode_token",
    "fingerprint",
    "issue",
    "key_pem",
    "layout_for_ca",
    "main",
    "make_ca",
    "name",
    "new_key",
    "read_cert",
    "read_key",
    "write_file",
]
