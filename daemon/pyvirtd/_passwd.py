"""``pyvirt-passwd``: add, remove and list the SCRAM users pyvirtd accepts on tcp.

The ``saslpasswd2`` of pyvirt: it writes salted SCRAM-SHA-256 verifiers (pyvirtd._auth) to
the credentials file of pyvirtd.toml's ``scram_credentials`` (``--file`` overrides it), never
the password itself.  A running daemon reads the file at each login, so a change applies to
the next login without a restart.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from pyvirtd._auth import (
    ITERATIONS,
    CredentialsError,
    check_user_name,
    load_credentials,
    make_verifier,
    save_credentials,
)
from pyvirtd._config import ConfigError, find_config, load_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyvirt-passwd", description="Manage the SCRAM users of pyvirtd's tcp socket."
    )
    parser.add_argument("--config", help="pyvirtd.toml to take scram_credentials from")
    parser.add_argument("--file", help="the credentials file (default: from pyvirtd.toml)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a user, or set a user's password")
    add.add_argument("user")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin's first line"
    )
    add.add_argument("--iterations", type=int, default=ITERATIONS, help=argparse.SUPPRESS)
    remove = sub.add_parser("remove", help="remove a user")
    remove.add_argument("user")
    sub.add_parser("list", help="list the users")
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise CredentialsError("the passwords differ")
    return first


def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        path = args.file or load_config(find_config(args.config)).credentials_path()
        users = load_credentials(path)
        if args.command == "list":
            for user in sorted(users):
                print(user)
            return 0
        if args.command == "remove":
            if args.user not in users:
                raise CredentialsError(f"no user {args.user!r} in {path}")
            del users[args.user]
        else:
            check_user_name(args.user)
            password = _read_password(args.password_stdin)
            if not password:
                raise CredentialsError("an empty password is not allowed")
            if args.iterations < 4096:
                raise CredentialsError("at least 4096 iterations (RFC 7677)")
            users[args.user] = make_verifier(password, args.iterations)
        save_credentials(path, users)
    except (CredentialsError, ConfigError, OSError) as exc:
        print(f"pyvirt-passwd: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print(file=sys.stderr)
        return 1
    return 0


def main() -> None:
    sys.exit(run())
