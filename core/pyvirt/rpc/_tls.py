"""TLS for the remote transport: libvirt's certificate places, the contexts, the checks and
the errors they raise, and a sans-IO TLS stream both sides wrap around their sockets.

Why sans-IO (:class:`TlsStream`, an :class:`ssl.SSLObject` over two memory BIOs) rather than
``ssl.SSLSocket``: the client channel (:mod:`pyvirt.rpc._channel`) and the daemon's loop
(``pyvirtd._transport``) read and write their sockets with flags, ``poll`` and
``SO_RCVTIMEO`` that an ``SSLSocket`` refuses or hides (it buffers records the kernel no
longer reports as readable).  With the memory BIOs the socket stays a plain socket; only the
bytes between it and the ZMTP decoder are encrypted and decrypted, in one place.

Where the certificates are, and which checks run, are libvirt's rules
(``virNetTLSContextLocateCredentials``, ``virNetTLSContextCheckCertFile``,
``virNetTLSContextCheckCertificate``): ``pkipath=`` names a directory holding every file;
otherwise a non-root client first tries ``~/.pki/libvirt``, then the system places.  A failed
check of the peer's certificate is VIR_ERR_AUTH_FAILED ("Failed to verify peer's
certificate"), followed by the check that failed, in libvirt's words.  TLS 1.3 only.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import time
from collections.abc import Mapping

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error
from pyvirt._record import record

CA_CERT = "/etc/pki/CA/cacert.pem"
CA_CRL = "/etc/pki/CA/cacrl.pem"
SERVER_CERT = "/etc/pki/libvirt/servercert.pem"
SERVER_KEY = "/etc/pki/libvirt/private/serverkey.pem"
CLIENT_CERT = "/etc/pki/libvirt/clientcert.pem"
CLIENT_KEY = "/etc/pki/libvirt/private/clientkey.pem"
DEFAULT_TLS_PORT = 16514
#: Plaintext taken from the TLS object in one read.
_READ_SIZE = 65536

#: What the server says (in ZMTP's ERROR command) when a verified certificate's DN is not
#: allowed: libvirt's message, which the client recognises and reports as an auth failure.
DN_REFUSED = (
    "Client's Distinguished Name is not on the list of allowed clients "
    "(tls_allowed_dn_list).  Use 'openssl x509 -noout -subject -nameopt compat -in "
    "clientcert.pem' to view the Distinguished Name field in the client certificate, or "
    "run this daemon with --verbose option."
)

# OpenSSL's X509_V_ERR_* codes for the checks we name (see verify_reason).
_UNKNOWN_ISSUER = frozenset({2, 18, 19, 20, 21})
_NOT_YET_VALID = 9
_EXPIRED = 10
_HOSTNAME_MISMATCH = frozenset({62, 64})
_REVOKED = 23
# The alert a server sends when it refuses our certificate, by OpenSSL's reason name.
_ALERTS = {
    "TLSV1_ALERT_UNKNOWN_CA": "The certificate hasn't got a known issuer.",
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "The client certificate [session] has expired",
    "SSLV3_ALERT_CERTIFICATE_REVOKED": "The certificate has been revoked.",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "the server requires a client certificate",
    "SSLV3_ALERT_BAD_CERTIFICATE": "The certificate is not trusted.",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "The certificate is not trusted.",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "The certificate is not trusted.",
}
#: Short names of the subject attributes, as gnutls prints a DN (tls_allowed_dn_list).
_SHORT = {
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "commonName": "CN",
    "emailAddress": "EMAIL",
    "domainComponent": "DC",
    "userId": "UID",
    "serialNumber": "serialNumber",
}


@record
class TlsFiles:
    """Where one side's CA certificate, own certificate and private key are, and the CA's
    revocation list (optional: checked when the file exists, as libvirt does)."""

    cacert: str
    cert: str
    key: str
    crl: str = ""


@record
class TlsClient:
    """What a client needs for TLS: the context (its checks included) and the host name the
    server's certificate must carry (None with ``no_verify``)."""

    context: ssl.SSLContext
    hostname: str | None


@record
class TlsServer:
    """A TLS listener's settings: the context, the DN patterns a client certificate must match
    (empty: any DN), and whether a client without a certificate may connect (to enrol only)."""

    context: ssl.SSLContext
    allowed_dn: tuple[str, ...] = ()
    enrol: bool = False


def _system_error(detail: str) -> VirtError:
    return make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC, detail)


def user_pki_dir() -> str:
    """``~/.pki/libvirt``: a non-root user's certificates, as libvirt looks for them."""
    return os.path.join(os.path.expanduser("~"), ".pki", "libvirt")


def locate(pkipath: str | None, *, server: bool, try_user: bool) -> TlsFiles:
    """libvirt's search: *pkipath* holds every file (whether or not they exist); else, with
    *try_user*, ``~/.pki/libvirt`` for the files found there (CA alone, key and certificate as
    a pair); else the system places."""
    role = "server" if server else "client"
    if pkipath:
        return TlsFiles(
            os.path.join(pkipath, "cacert.pem"),
            os.path.join(pkipath, f"{role}cert.pem"),
            os.path.join(pkipath, f"{role}key.pem"),
            os.path.join(pkipath, "cacrl.pem"),
        )
    cacert, crl = CA_CERT, CA_CRL
    cert, key = (SERVER_CERT, SERVER_KEY) if server else (CLIENT_CERT, CLIENT_KEY)
    if try_user:
        base = user_pki_dir()
        mine = os.path.join(base, "cacert.pem")
        if os.path.exists(mine):
            cacert = mine
        if os.path.exists(os.path.join(base, "cacrl.pem")):
            crl = os.path.join(base, "cacrl.pem")
        pair = os.path.join(base, f"{role}cert.pem"), os.path.join(base, f"{role}key.pem")
        if all(os.path.exists(p) for p in pair):
            cert, key = pair
    return TlsFiles(cacert, cert, key, crl)


def _readable(what: str, path: str, missing_ok: bool) -> bool:
    """libvirt's virNetTLSContextCheckCertFile: False for a missing optional file, raise
    "Cannot read ..." for anything else that cannot be read."""
    try:
        with open(path, "rb"):
            return True
    except OSError as exc:
        if missing_ok and isinstance(exc, FileNotFoundError):
            return False
        raise _system_error(f"Cannot read {what} '{path}': {exc.strerror}") from None


def _load(context: ssl.SSLContext, files: TlsFiles, server: bool) -> None:
    _readable("CA certificate", files.cacert, False)
    try:
        context.load_verify_locations(files.cacert)
    except (ssl.SSLError, ValueError) as exc:
        raise _system_error(
            f"Unable to set x509 CA certificate: {files.cacert}: {_ssl_text(exc)}"
        ) from None
    if files.crl and _readable("certificate revocation list", files.crl, True):
        try:
            context.load_verify_locations(files.crl)
        except (ssl.SSLError, ValueError) as exc:
            raise _system_error(f"Unable to set x509 certificate revocation list: {files.crl}: "
                                f"{_ssl_text(exc)}") from None  # fmt: skip
        # The peer's certificate must not be on the CA's list (a list is then required).
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    # The client's own certificate is optional (libvirt's rule): the server then refuses us,
    # unless it does not ask for one.
    if _readable("certificate", files.cert, not server) and _readable(
        "private key", files.key, not server
    ):
        try:
            context.load_cert_chain(files.cert, files.key)
        except (ssl.SSLError, ValueError) as exc:
            raise _system_error(
                f"Unable to set x509 key and certificate: {files.key}, {files.cert}: "
                f"{_ssl_text(exc)}"
            ) from None


def client_context(files: TlsFiles, *, verify: bool) -> ssl.SSLContext:
    """A TLS 1.3 client context over *files*; *verify* False is ``no_verify=1``: the server's
    certificate is not checked (the connection is still encrypted)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    _load(context, files, server=False)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def server_context(files: TlsFiles, *, verify: bool, enrol: bool = False) -> ssl.SSLContext:
    """A TLS 1.3 server context over *files*.

    *verify* (not ``tls_no_verify_certificate``): a client certificate is required and checked
    against the CA.  *enrol*: one may also be absent - for the daemon's own socket, where a
    client without a certificate may only ask to join (pyvirt-pki).  Without *verify* no
    certificate is asked for: Python's ssl cannot ask for one and then ignore its faults, as
    gnutls does for libvirt, so such a server knows no client DN.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.num_tickets = 0  # no session resumption: a reconnect is a full handshake
    _load(context, files, server=True)
    if verify:
        context.verify_mode = ssl.CERT_OPTIONAL if enrol else ssl.CERT_REQUIRED
    else:
        context.verify_mode = ssl.CERT_NONE
    return context


def _ssl_text(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason.replace("_", " ").lower()
    return str(exc)


# -- errors ------------------------------------------------------------------------------------
def auth_failed(reason: str) -> VirtError:
    """libvirt's refusal of a peer's certificate, with the check that failed."""
    return make_error(
        ErrorCode.AUTH_FAILED, ErrorDomain.RPC, f"Failed to verify peer's certificate: {reason}"
    )


def verify_reason(exc: ssl.SSLError, hostname: str | None, peer_role: str) -> str:
    """Which check of the peer's certificate failed, in libvirt's words."""
    code = getattr(exc, "verify_code", None)
    if code in _UNKNOWN_ISSUER:
        return "The certificate hasn't got a known issuer."
    if code == _EXPIRED:
        return f"The {peer_role} certificate [session] has expired"
    if code == _NOT_YET_VALID:
        return f"The {peer_role} certificate [session] is not yet active"
    if code in _HOSTNAME_MISMATCH:
        return f"Certificate [session] owner does not match the hostname {hostname}"
    if code == _REVOKED:
        return "The certificate has been revoked."
    message = getattr(exc, "verify_message", None) or _ssl_text(exc)
    return f"The certificate is not trusted. ({message})"


def handshake_error(exc: ssl.SSLError, hostname: str | None) -> VirtError:
    """The client's error for a handshake (or the first read after it) that failed: our check
    of the server, or the server's refusal of us (an alert), or something else."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return auth_failed(verify_reason(exc, hostname, "server"))
    refused = _ALERTS.get(exc.reason or "")
    if refused is not None:
        return make_error(
            ErrorCode.AUTH_FAILED,
            ErrorDomain.RPC,
            f"server verification (of our certificate or IP address) failed: {refused}",
        )
    return make_error(ErrorCode.RPC, ErrorDomain.RPC, f"TLS handshake failed: {_ssl_text(exc)}")


def dn_refused() -> VirtError:
    """The client's error when the server refused our certificate's DN."""
    return make_error(
        ErrorCode.AUTH_FAILED,
        ErrorDomain.RPC,
        f"server verification (of our certificate or IP address) failed: {DN_REFUSED}",
    )


# -- distinguished names -----------------------------------------------------------------------
def _escape(value: str) -> str:
    value = re.sub(r'([,+"\\<>;=])', r"\\\1", value)
    if value.startswith((" ", "#")):
        value = "\\" + value
    if value.endswith(" "):
        value = value[:-1] + "\\ "
    return value


def distinguished_name(peercert: Mapping[str, object]) -> str:
    """The subject of *peercert* (``SSLObject.getpeercert()``) as gnutls prints it and as
    ``tls_allowed_dn_list`` matches it: ``C=GB,O=Example,CN=client``, in the certificate's
    order."""
    parts: list[str] = []
    subject = peercert.get("subject", ())
    assert isinstance(subject, tuple)
    for rdn in subject:
        parts.append("+".join(f"{_SHORT.get(k, k)}={_escape(v)}" for k, v in rdn))
    return ",".join(parts)


def _pattern(glob: str) -> re.Pattern[str]:
    """A tls_allowed_dn_list entry (glib's simple pattern: ``*`` and ``?`` only)."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.S
    )


def dn_allowed(dname: str, patterns: tuple[str, ...]) -> bool:
    """Whether *dname* matches one of *patterns* (an empty list allows every DN)."""
    return not patterns or any(_pattern(p).fullmatch(dname) for p in patterns)


# -- the stream --------------------------------------------------------------------------------
class TlsStream:
    """One TLS session over memory buffers: ciphertext in and out, plaintext in and out.

    The owner moves the bytes: what the socket brings goes to :meth:`decrypt` (or, during the
    handshake, :meth:`take` then :meth:`handshake`); what :meth:`outgoing` and :meth:`encrypt`
    return goes to the socket.
    """

    __slots__ = ("obj", "hostname", "_in", "_out", "established", "closed")

    def __init__(self, context: ssl.SSLContext, server_side: bool, hostname: str | None = None):
        self.hostname = hostname
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self.obj = context.wrap_bio(
            self._in, self._out, server_side=server_side, server_hostname=hostname
        )
        #: The handshake has completed.
        self.established = False
        #: The peer ended the session (close_notify).
        self.closed = False

    def take(self, data: bytes) -> None:
        """Ciphertext from the socket, to be read by :meth:`handshake` or :meth:`decrypt`."""
        self._in.write(data)

    def handshake(self) -> bool:
        """Advance the handshake with what was taken; True once it has completed.  Raises
        :class:`ssl.SSLError` when it fails (what to send the peer is in :meth:`outgoing`)."""
        try:
            self.obj.do_handshake()
        except ssl.SSLWantReadError:
            return False
        self.established = True
        return True

    def outgoing(self) -> bytes:
        """Ciphertext waiting to be sent (handshake records, alerts)."""
        return self._out.read()

    def decrypt(self, data: bytes) -> bytes:
        """The plaintext *data* (ciphertext) completes; b"" when it completes no record.

        A TLS failure (an alert from the peer, a corrupt record) raises the VirtError that
        says what it was (:func:`handshake_error`): in TLS 1.3 a server refuses a client's
        certificate after the client's handshake has completed, so the client learns it here.
        """
        incoming = self._in
        if data:
            incoming.write(data)
        chunks: list[bytes] = []
        read = self.obj.read
        # Each read takes one whole record (at most 16 KiB of plaintext, under _READ_SIZE):
        # once the BIO is empty nothing is left, so the read that would only raise
        # SSLWantReadError (an exception with a formatted message, the costliest step of a
        # small message's round trip) is made only for a partial record.
        while incoming.pending or not chunks:
            try:
                chunk = read(_READ_SIZE)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self.closed = True
                break
            except ssl.SSLError as exc:
                self.closed = True
                raise handshake_error(exc, self.hostname) from None
            if not chunk:
                self.closed = True
                break
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def encrypt(self, data: bytes) -> bytes:
        """The ciphertext of *data*, with anything else waiting to go out before it."""
        self.obj.write(data)
        return self._out.read()

    def peer_dn(self) -> str | None:
        """The verified peer certificate's DN; None when the peer sent none (or was not
        asked for one)."""
        cert = self.obj.getpeercert()
        return distinguished_name(cert) if cert else None


def client_handshake(sock: socket.socket, tls: TlsClient, timeout: float) -> TlsStream:
    """Run the client's handshake on the connected blocking *sock* within *timeout*; the
    stream to use from then on, or the VirtError that says which check failed."""
    stream = TlsStream(tls.context, False, tls.hostname)
    deadline = time.monotonic() + timeout
    while True:
        try:
            done = stream.handshake()
        except ssl.SSLError as exc:
            raise handshake_error(exc, tls.hostname) from None
        out = stream.outgoing()
        try:
            if out:
                sock.sendall(out)
            if done:
                return stream
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
            data = sock.recv(_READ_SIZE)
        except (TimeoutError, BlockingIOError):
            raise make_error(
                ErrorCode.RPC, ErrorDomain.RPC, "TLS handshake failed: the server did not answer"
            ) from None
        except OSError as exc:
            data = b""
            if exc.errno is None:
                raise
        if not data:
            raise make_error(
                ErrorCode.RPC,
                ErrorDomain.RPC,
                "TLS handshake failed: the server closed the connection",
            )
        stream.take(data)


#: The names :mod:`pyvirt.rpc` exports these under (what the daemon uses).
locate_tls_files = locate
tls_server_context = server_context
tls_verify_reason = verify_reason
