"""The daemon's TLS settings: which certificate files, and the listener settings built from
them, for the daemon's own socket and for its workers' (pyvirt.rpc._tls does the TLS itself).

Every hop a tls client makes is checked the same way: the daemon's socket (routing) and each
worker's socket (the calls) ask for the client's certificate, check it against the CA and its
DN against ``tls_allowed_dn_list``.  The only difference: on the daemon's socket a client
without a certificate may connect, to enrol (``pyvirt-pki join``) and for nothing else.
"""

from __future__ import annotations

import os
import ssl
from typing import TYPE_CHECKING

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.rpc import TlsFiles, TlsServer
from pyvirt.rpc import locate_tls_files as locate
from pyvirt.rpc import tls_server_context as server_context

if TYPE_CHECKING:
    from pyvirtd._transport import ZmtpServer


def server_files(ca_file: str, cert_file: str, key_file: str, crl_file: str = "") -> TlsFiles:
    """The files named in pyvirtd.toml, else where libvirtd looks (a user's daemon tries
    ``~/.pki/libvirt`` first); ``crl_file`` as libvirtd's, else the CA's ``cacrl.pem``."""
    if ca_file:
        return TlsFiles(ca_file, cert_file, key_file, crl_file)
    found = locate(None, server=True, try_user=os.geteuid() != 0)
    return TlsFiles(found.cacert, found.cert, found.key, crl_file or found.crl)


def server_tls(
    files: TlsFiles, *, verify: bool, allowed_dn: list[str], enrol: bool = False
) -> TlsServer:
    """A TLS listener's settings; OSError (the daemon's way to stop with a message) when a
    file cannot be used, in libvirt's words."""
    try:
        context = server_context(files, verify=verify, enrol=enrol and verify)
    except VirtError as exc:
        raise OSError(exc.message) from None
    return TlsServer(context, tuple(allowed_dn), enrol and verify)


def reload_tls(transport: ZmtpServer, files: list[str] | None) -> None:
    """``srv-update-tls``: read the CA, certificate, key and revocation list again into the
    TLS listeners' contexts, so new clients see the new files and connected ones keep their
    sessions.  libvirt's error when the daemon serves no TLS; OSError when a file is unusable."""
    contexts = [settings.context for settings in transport.tls.values()]
    if not contexts or not files:
        raise make_error(
            ErrorCode.INTERNAL_ERROR,
            ErrorDomain.RPC,
            "no tls service found, unable to update tls files",
        )
    cacert, cert, key, *rest = files
    crl = rest[0] if rest else ""
    for context in contexts:
        context.load_cert_chain(cert, key)
        context.load_verify_locations(cacert)
        if crl and os.path.exists(crl):  # a list added since: checked from now on
            context.load_verify_locations(crl)
            context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
