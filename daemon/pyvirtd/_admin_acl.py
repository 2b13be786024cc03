"""``pyvirt-admin acl explain IDENTITY PERMISSION [OBJECT]``: which rule decides, and why.

Reads the rules file pyvirtd uses (``access_rules`` of pyvirtd.toml, or ``--rules``) and asks
the same policy the workers ask (:class:`pyvirt.acl.AccessPolicy`), so the answer is the
daemon's.  IDENTITY is one of

* ``user:NAME`` or ``uid:N`` - a local user, with the groups the system gives them;
* ``group:NAME`` - any member of a group;
* ``scram:NAME`` - a SCRAM user on tcp;
* ``dn:DN`` - a tls client certificate's distinguished name.

The exit status says the answer: 0 allowed, 1 denied, 2 a usage or rules-file error.  Only
the ``acl`` commands live here: every other ``pyvirt-admin`` command is virt-admin's, talking
to the daemon's admin server (pyvirt.admin._cli).
"""

from __future__ import annotations

import argparse
import grp
import pwd
import sys

from pyvirt.acl import AccessPolicy, AclError, Identity, load_policy
from pyvirt.rpc import signatures

from pyvirtd._config import ConfigError, find_config, load_config

EXIT_ALLOWED, EXIT_DENIED, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


def known_permissions() -> set[str]:
    """Every permission the procedure table names (what a rule can grant)."""
    found: set[str] = set()
    for sig in signatures().values():
        found.update(sig.procedure.acl)
        found.update(rule.permission for rule in sig.procedure.flag_acl)
    return found


def _local_user(entry: pwd.struct_passwd, socket: str) -> Identity:
    groups = tuple(g.gr_name for g in grp.getgrall() if entry.pw_name in g.gr_mem)
    try:
        primary: str | None = grp.getgrgid(entry.pw_gid).gr_name
    except KeyError:
        primary = None
    return Identity(
        socket=socket, uid=entry.pw_uid, gid=entry.pw_gid, user=entry.pw_name,
        group=primary, groups=groups,
    )


def parse_identity(text: str, socket: str | None) -> Identity:
    kind, sep, value = text.partition(":")
    if not sep or not value:
        raise UsageError(f"identity {text!r} is not KIND:VALUE (user, uid, group, scram, dn)")
    try:
        if kind == "user":
            return _local_user(pwd.getpwnam(value), socket or "rw")
        if kind == "uid":
            return _local_user(pwd.getpwuid(int(value)), socket or "rw")
    except (KeyError, ValueError):
        raise UsageError(f"no local user {value!r}") from None
    if kind == "group":
        return Identity(socket=socket or "rw", group=value)
    if kind == "scram":
        return Identity(socket=socket or "tcp", scram_user=value)
    if kind == "dn":
        return Identity(socket=socket or "tls", x509_dn=value)
    raise UsageError(f"unknown identity kind {kind!r} (user, uid, group, scram, dn)")


def explain(policy: AccessPolicy, identity: Identity, permission: str, obj: str | None) -> str:
    decision = policy.decide(identity, permission, obj)
    target = f" on '{obj}'" if obj is not None else ""
    verdict = "allowed" if decision.allowed else "denied"
    return f"{permission}{target} for {identity.describe()}: {verdict} by {decision.reason}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pyvirt-admin", description="pyvirtd administration")
    sub = parser.add_subparsers(dest="command", required=True)
    acl = sub.add_parser("acl", help="access-control rules")
    acl_sub = acl.add_subparsers(dest="acl_command", required=True)
    ex = acl_sub.add_parser("explain", help="which rule decides a permission for an identity")
    ex.add_argument("identity", help="user:NAME, uid:N, group:NAME, scram:NAME or dn:DN")
    ex.add_argument("permission", help="as the table names it, e.g. domain:start")
    ex.add_argument("object", nargs="?", help="the object's name (a domain, a network ...)")
    ex.add_argument("--socket", choices=("rw", "ro", "tcp", "tls"), help="the socket it uses")
    ex.add_argument("--rules", help="the rules file (default: access_rules of pyvirtd.toml)")
    ex.add_argument("--config", help="the pyvirtd.toml to read access_rules from")
    return parser


def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        path = args.rules or load_config(find_config(args.config)).access_rules
        if not path:
            policy = AccessPolicy(origin="no rules file (access_rules is empty)")
        else:
            policy = load_policy(path)
        if args.permission not in known_permissions():
            raise UsageError(f"unknown permission {args.permission!r}")
        identity = parse_identity(args.identity, args.socket)
    except (UsageError, AclError, ConfigError) as exc:
        print(f"pyvirt-admin: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(explain(policy, identity, args.permission, args.object))
    return EXIT_ALLOWED if policy.allows(identity, args.permission, args.object) else EXIT_DENIED


def main() -> None:
    """``pyvirt-admin acl ...`` reads the rules here; anything else is virt-admin's grammar."""
    argv = sys.argv[1:]
    if argv[:1] == ["acl"]:
        sys.exit(run(argv))
    from pyvirt.admin import run_cli

    sys.exit(run_cli(argv))
