"""An ssh session's stdin and stdout handed to the worker, so that the helper leaves the path.

Over ssh a call crosses ssh, sshd, ``pyvirt-ssh-helper`` and the worker; the helper only
copies bytes between sshd's pipes and the worker's socket, and each copy costs both
processes a wake-up (on a virtual machine, tens of microseconds per round trip).  Once the
helper has routed the session and made its handshakes, it passes its own stdin and stdout to
the worker over their unix socket (``SCM_RIGHTS``, with ZMTP command ``PVADOPT``): the worker
reads the client's calls from sshd's pipe and writes its replies into the other one, and the
helper waits, out of the way, until the worker is done with the session (it must live on:
sshd stops feeding a session whose command exited).

The kernel passes the helper's own descriptors, with the access it opened them with, so the
worker gets nothing the helper did not hold; the worker takes only a readable and a writable
pipe or socket and otherwise answers ``PVREFUSED``, and the helper relays as before.  The
bytes the helper read from the client beyond the route travel in the command itself, and the
worker reads them before anything from the pipe, so nothing is reordered.
"""

from __future__ import annotations

import array
import os
import socket
import stat

from pyvirt.rpc._zmtp import Decoder, command

__all__ = [
    "ADOPT",
    "ADOPTED",
    "ADOPT_ANCILLARY_SIZE",
    "MAX_PENDING",
    "REFUSED",
    "adoptable",
    "offer_stdio",
    "received_fds",
]

ADOPT = b"PVADOPT"
ADOPTED = b"PVADOPTED"
REFUSED = b"PVREFUSED"
#: The most client bytes an ADOPT may carry (a ZMTP command's limit, less its name).
MAX_PENDING = 60 * 1024
_ANSWER_TIMEOUT = 10.0
_FD_SIZE = array.array("i").itemsize
#: Room for the ancillary data of an ADOPT (two descriptors), for ``recvmsg``.
ADOPT_ANCILLARY_SIZE = socket.CMSG_SPACE(2 * _FD_SIZE)


def offer_stdio(
    sock: socket.socket, decoder: Decoder, pending: bytes, stdio: tuple[int, int] = (0, 1)
) -> tuple[bool, list[list[bytes]]]:
    """Offer *stdio* (this process's stdin and stdout) to the worker at the other end of
    *sock* (its ZMTP handshake done, *decoder* the one that read it), with the client's
    *pending* bytes.  Returns whether the worker took them, and the messages read with the
    answer (after a refusal, the answers to *pending* may come in the same read; after an
    acceptance nothing follows on the socket), in order, for the client."""
    fds = array.array("i", stdio)
    sock.settimeout(_ANSWER_TIMEOUT)
    try:
        sock.sendmsg([command(ADOPT, pending)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        before: list[list[bytes]] = []
        while True:
            for name, _data in decoder.extensions:
                if name in (ADOPTED, REFUSED):
                    return name == ADOPTED, before
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("the worker closed the connection")
            before += decoder.feed(data)
    finally:
        sock.settimeout(None)


def adoptable(fds: list[int]) -> tuple[int, int] | None:
    """(read, write) of an ADOPT's descriptors if they are what the worker takes: two, the
    first readable, the second writable, each a pipe or a socket; None otherwise."""
    if len(fds) != 2:
        return None
    wanted = ((os.O_RDONLY, os.O_RDWR), (os.O_WRONLY, os.O_RDWR))
    for fd, modes in zip(fds, wanted, strict=True):
        try:
            mode = os.fstat(fd).st_mode
            access = _access_mode(fd)
        except OSError:
            return None
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)) or access not in modes:
            return None
    return fds[0], fds[1]


def _access_mode(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE


def received_fds(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    """The descriptors in ``recvmsg``'s ancillary data."""
    fds: list[int] = []
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(data) - len(data) % _FD_SIZE
            fds.extend(array.array("i", data[:usable]))
    return fds
