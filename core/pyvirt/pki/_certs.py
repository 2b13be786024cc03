"""Certificates with the extensions libvirt checks (virNetTLSCertCheck*), made with
``cryptography``: a CA (basicConstraints CA, keyCertSign), server certificates (serverAuth,
the host names and addresses as subjectAltName) and client certificates (clientAuth), keys
written 0600.  Keys are ECDSA P-256: small, fast, and accepted by gnutls and OpenSSL alike.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey
#: A CA key pyvirt-pki can sign with: its own (EC), or an existing libvirt PKI's (often RSA).
SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
_DAY = datetime.timedelta(days=1)


class PkiError(Exception):
    """A PKI file is missing, unreadable or not what it should be."""


def new_key() -> PrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def name(common_name: str, organization: str | None = None) -> x509.Name:
    attrs = []
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    days: int,
    not_before: datetime.datetime | None,
) -> x509.CertificateBuilder:
    start = not_before or (_now() - datetime.timedelta(minutes=5))  # clocks drift a little
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + days * _DAY)
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    """What libvirt checks: a CA signs certificates; a server or client certificate signs
    and enciphers keys."""
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_ca(common_name: str, days: int = 3650) -> tuple[x509.Certificate, PrivateKey]:
    key = new_key()
    subject = name(common_name)
    cert = (
        _builder(subject, subject, key.public_key(), days, None)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _alt_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host.strip("[]"))))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def issue(
    ca_cert: x509.Certificate,
    ca_key: SigningKey,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    subject: x509.Name,
    *,
    server: bool,
    hosts: Sequence[str] = (),
    days: int = 365,
    not_before: datetime.datetime | None = None,
) -> x509.Certificate:
    """A server (serverAuth, *hosts* as subjectAltName) or client (clientAuth) certificate
    for *public_key*, signed by the CA."""
    purpose = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        _builder(subject, ca_cert.subject, public_key, days, not_before)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if hosts:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(_alt_names(hosts)), critical=False
        )
    return builder.sign(ca_key, hashes.SHA256())


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER form, in hex: what a join token pins."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


# -- files ---------------------------------------------------------------------------------
def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: SigningKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_file(path: str, data: bytes, mode: int) -> None:
    """Write *path* whole (a temporary file renamed over it) with *mode* from the start."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def read_cert(path: str) -> x509.Certificate:
    try:
        with open(path, "rb") as handle:
            return x509.load_pem_x509_certificate(handle.read())
    except OSError as exc:
        raise PkiError(f"cannot read certificate '{path}': {exc.strerror}") from None
    except ValueError as exc:
        raise PkiError(f"'{path}' is not a PEM certificate: {exc}") from None


def read_key(path: str) -> SigningKey:
    try:
        with open(path, "rb") as handle:
            key = serialization.load_pem_private_key(handle.read(), None)
    except OSError as exc:
        raise PkiError(f"cannot read private key '{path}': {exc.strerror}") from None
    except (ValueError, TypeError) as exc:
        raise PkiError(f"'{path}' is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise PkiError(f"'{path}': pyvirt-pki signs with EC or RSA keys only")
    return key


def revocation_list(
    ca_cert: x509.Certificate, ca_key: SigningKey, crl_pem: bytes | None, serial: int,
    days: int = 365,
) -> bytes:  # fmt: skip
    """The CA's revocation list (the PEM *crl_pem*, when there is one, whose entries are
    kept) with the certificate *serial* added, signed again by the CA: libvirt's
    ``cacrl.pem``, which both its daemon and its clients read."""
    revoked: dict[int, x509.RevokedCertificate] = {}
    if crl_pem:
        try:
            old = x509.load_pem_x509_crl(crl_pem)
        except ValueError as exc:
            raise PkiError(f"the revocation list is not a PEM CRL: {exc}") from None
        if not old.is_signature_valid(ca_key.public_key()):
            raise PkiError("the revocation list was not signed by this CA")
        revoked = {entry.serial_number: entry for entry in old}
    if serial not in revoked:
        revoked[serial] = (
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(_now()).build()
        )
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(_now() - datetime.timedelta(minutes=5))
        .next_update(_now() + days * _DAY)
    )
    for entry in revoked.values():
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
