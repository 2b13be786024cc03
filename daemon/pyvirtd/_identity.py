"""Who is on the other end of a connection, as the kernel says (SO_PEERCRED).

libvirt's daemon asks the kernel for a unix peer's uid, gid and pid when it accepts the
connection (``virNetSocketGetUNIXIdentity``) and files them, with the user and group names,
in the client's identity; the access driver decides on those.  pyvirtd does the same on the
daemon's sockets and on every worker socket, so the worker that runs the calls knows its
client from the kernel, not from anything the client says.  A tcp peer has no such
credentials: it is known once it has authenticated (pyvirtd._auth).
"""

from __future__ import annotations

import dataclasses
import grp
import pwd
import socket
import struct

from pyvirt import TypedParameter, TypedParameterType, validate_typed_params
from pyvirt.acl import Identity

_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


def _user_name(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def _group_name(gid: int) -> str | None:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return None


def _supplementary_groups(pid: int) -> tuple[str, ...]:
    """The peer process's supplementary group names (from /proc: the kernel's view at the
    time of the call; a process gone meanwhile has none)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Groups:"):
                    gids = [int(g) for g in line.split()[1:]]
                    break
            else:
                return ()
    except (OSError, ValueError):
        return ()
    return tuple(name for g in gids if (name := _group_name(g)) is not None)


def peer_identity(sock: socket.socket, kind: str) -> Identity:
    """The identity of the peer of the accepted socket *sock*, which came in on a socket of
    *kind* ("rw", "ro", "tcp"): the kernel's credentials for a unix peer, none for tcp.

    Only the numbers: one ``getsockopt``.  The names cost half a millisecond (the user and
    group databases, /proc), paid only where rules need them (:func:`with_names`)."""
    if sock.family != socket.AF_UNIX:
        return Identity(socket=kind)
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(raw)
    return Identity(socket=kind, uid=uid, gid=gid, pid=pid)


def with_names(identity: Identity) -> Identity:
    """*identity* with the user, group and supplementary group names of its uid, gid and
    pid, as the rules match on them (unchanged when it has no uid: a tcp peer)."""
    if identity.uid is None:
        return identity
    return dataclasses.replace(
        identity,
        user=_user_name(identity.uid),
        group=_group_name(identity.gid) if identity.gid is not None else None,
        groups=_supplementary_groups(identity.pid) if identity.pid else (),
    )


#: libvirt's VIR_CONNECT_IDENTITY_* fields and their types (virIdentitySetParameters).
IDENTITY_FIELDS: dict[str, TypedParameterType] = {
    "user-name": TypedParameterType.STRING,
    "unix-user-id": TypedParameterType.ULLONG,
    "group-name": TypedParameterType.STRING,
    "unix-group-id": TypedParameterType.ULLONG,
    "process-id": TypedParameterType.LLONG,
    "process-time": TypedParameterType.ULLONG,
    "sasl-user-name": TypedParameterType.STRING,
    "x509-distinguished-name": TypedParameterType.STRING,
    "selinux-context": TypedParameterType.STRING,
}
def identity_from_params(current: Identity, params: list[TypedParameter]) -> Identity:
    """virConnectSetIdentity in the daemon: the identity *params* describe, checked as
    libvirt's virIdentitySetParameters checks them (unknown names, wrong types).  As libvirtd
    it replaces the whole identity: what *params* leave out is unknown afterwards; the socket
    the client came in on stays.  (process-time and the SELinux context are accepted but
    pyvirt's rules do not look at them.)"""
    values = validate_typed_params(params, IDENTITY_FIELDS)

    def text(name: str) -> str | None:
        value = values.get(name)
        return value if isinstance(value, str) else None

    def number(name: str) -> int | None:
        value = values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Identity(
        socket=current.socket,
        uid=number("unix-user-id"),
        gid=number("unix-group-id"),
        pid=number("process-id"),
        user=text("user-name"),
        group=text("group-name"),
        scram_user=text("sasl-user-name"),
        x509_dn=text("x509-distinguished-name"),
    )
