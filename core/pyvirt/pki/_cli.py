"""``pyvirt-pki``: a CA, server and client certificates in libvirt's places, and enrolment
by token (``token`` on the server, ``join`` on the client) instead of copying files.

Commands:

* ``ca`` - a new CA (certificate and key);
* ``server --host NAME [--host ADDR ...]`` - the server certificate, the names and addresses
  clients use as subjectAltName;
* ``client --cn NAME`` - a client certificate (the DN ``O=pyvirt,CN=NAME``);
* ``token [--name NAME] [--ttl SECONDS]`` - print a one-time join token;
* ``join HOST TOKEN`` - enrol with the daemon at HOST;
* ``revoke CERT`` - add a certificate the CA signed to its revocation list (``cacrl.pem``,
  which daemons and clients then check, as libvirt's).

``--dir DIR`` puts (or finds) every file in DIR under the names ``pkipath=`` expects.
Existing files are kept unless ``--force``.  Exit status 0 on success, 1 with a message on
standard error otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import os
import socket
import sys

from cryptography.exceptions import InvalidSignature

from pyvirt._errors import VirtError
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
    revocation_list,
    write_file,
)
from pyvirt.pki._layout import Layout, default_layout


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pyvirt-pki", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("--dir", help="keep every file in this directory (as pkipath=)")
        return p

    for cmd, what in (
        ("ca", "create a CA"),
        ("server", "create the server certificate"),
        ("client", "create a client certificate"),
    ):
        p = command(cmd, what)
        p.add_argument("--days", type=int, default=3650 if cmd == "ca" else 365)
        p.add_argument("--start", help="first day of validity (YYYY-MM-DD; default: now)")
        p.add_argument("--force", action="store_true", help="replace existing files")
        if cmd == "ca":
            p.add_argument("--cn", default=f"pyvirt CA on {socket.gethostname()}")
        elif cmd == "server":
            p.add_argument("--host", action="append", default=[], help="a host name or address")
            p.add_argument("--cn", help="common name (default: the first --host)")
        else:
            p.add_argument("--cn", required=True, help="the client's name")
            p.add_argument("--org", default="pyvirt", help="organization (O=) of the DN")
    p = command("token", "print a one-time token that lets one client join")
    p.add_argument("--name", default="client", help="common name of the client certificate")
    p.add_argument("--ttl", type=int, default=3600, help="seconds the token stays valid")
    p.add_argument("--address", action="append", default=[], help="HOST[:PORT] to reach us")
    p = command("join", "enrol with a daemon, using a token from `pyvirt-pki token` there")
    p.add_argument("host", help="HOST or HOST:PORT of the daemon's TLS socket")
    p.add_argument("token")
    p = command("revoke", "add a certificate to the CA's revocation list (cacrl.pem)")
    p.add_argument("cert", help="the certificate (PEM) to revoke")
    return parser


def _start(text: str | None) -> datetime.datetime | None:
    if text is None:
        return None
    try:
        return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)
    except ValueError:
        raise PkiError(f"--start: not a date: {text!r}") from None


def _fresh(paths: list[str], force: bool) -> None:
    for path in paths:
        if os.path.exists(path) and not force:
            raise PkiError(f"'{path}' exists: keeping it (--force replaces it)")


def _create(args: argparse.Namespace, layout: Layout) -> str:
    start = _start(args.start)
    if args.command == "ca":
        _fresh([layout.cacert, layout.cakey], args.force)
        cert, key = make_ca(args.cn, args.days)
        write_file(layout.cakey, key_pem(key), 0o600)
        write_file(layout.cacert, cert_pem(cert), 0o644)
        return f"CA certificate {layout.cacert} (SHA-256 {fingerprint(cert)})"
    ca_cert, ca_key = read_cert(layout.cacert), read_key(layout.cakey)
    key = new_key()
    if args.command == "server":
        if not args.host:
            raise PkiError("server: give at least one --host")
        paths = [layout.servercert, layout.serverkey]
        subject = name(args.cn or args.host[0], "pyvirt")
        cert = issue(
            ca_cert,
            ca_key,
            key.public_key(),
            subject,
            server=True,
            hosts=args.host,
            days=args.days,
            not_before=start,
        )
    else:
        paths = [layout.clientcert, layout.clientkey]
        cert = issue(
            ca_cert,
            ca_key,
            key.public_key(),
            name(args.cn, args.org),
            server=False,
            days=args.days,
            not_before=start,
        )
    _fresh(paths, args.force)
    write_file(paths[1], key_pem(key), 0o600)
    write_file(paths[0], cert_pem(cert), 0o644)
    return f"{args.command} certificate {paths[0]}"


def _token(args: argparse.Namespace, layout: Layout) -> str:
    from pyvirt.pki._tokens import TokenStore, encode_token

    if args.ttl <= 0:
        raise PkiError("--ttl must be a positive number of seconds")
    ca = fingerprint(read_cert(layout.cacert))
    read_key(layout.cakey)  # the daemon signs with it: it must be there
    token = TokenStore(layout.tokens).add(ca, args.name, args.ttl, tuple(args.address))
    return encode_token(token)


def _join(args: argparse.Namespace, layout: Layout) -> str:
    from pyvirt.pki._join import join
    from pyvirt.pki._tokens import TokenError, decode_token

    try:
        token = decode_token(args.token)
    except TokenError as exc:
        raise PkiError(str(exc)) from None
    path = join(args.host, token, layout)
    return f"joined {args.host}: client certificate {path} (CA SHA-256 {token.ca})"


def _revoke(args: argparse.Namespace, layout: Layout) -> str:
    ca_cert, ca_key = read_cert(layout.cacert), read_key(layout.cakey)
    cert = read_cert(args.cert)
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        raise PkiError(f"'{args.cert}' was not issued by the CA {layout.cacert}") from None
    try:
        with open(layout.cacrl, "rb") as handle:
            old: bytes | None = handle.read()
    except FileNotFoundError:
        old = None
    write_file(layout.cacrl, revocation_list(ca_cert, ca_key, old, cert.serial_number), 0o644)
    return f"revoked serial {cert.serial_number:x}: {layout.cacrl}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    client = args.command in ("client", "join")
    layout = default_layout(args.dir, client=client)
    try:
        if args.command == "token":
            print(_token(args, layout))
        elif args.command == "join":
            print(_join(args, layout))
        elif args.command == "revoke":
            print(_revoke(args, layout))
        else:
            print(_create(args, layout))
    except PkiError as exc:
        print(f"pyvirt-pki: {exc}", file=sys.stderr)
        return 1
    except VirtError as exc:
        print(f"pyvirt-pki: {exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"pyvirt-pki: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
