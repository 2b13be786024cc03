"""The ssh transport's client side: OpenSSH's ``ssh`` runs ``pyvirt-ssh-helper`` on the remote
host, and the client speaks its usual ZMTP stream over the ssh process's stdin and stdout.

As libvirt's ssh transport does, the ``ssh`` binary is run on one end of a socket pair (so the
channels of :mod:`pyvirt.rpc._channel` and :mod:`pyvirt.rpc._aio_channel` use it as any other
unix socket), its stderr is kept, and when the stream ends before the ZMTP handshake the error
is libvirt's, with ssh's own words in it: "Cannot recv data: Host key verification failed.:
Connection reset by peer".  Password and passphrase prompts are ssh's own (on the controlling
terminal, or ``SSH_ASKPASS``), as with libvirt.

The URI parameters are libvirt's: ``keyfile=`` (``-i``), ``no_tty=`` (``BatchMode=yes``),
``no_verify=`` (``StrictHostKeyChecking=no``), ``command=`` (the ssh binary), ``socket=``
(the remote daemon's socket, handed to the helper), ``proxy=`` (``auto`` or ``native``; the
``netcat`` mode cannot reach a pyvirtd worker and is refused).  ``known_hosts=`` and
``known_hosts_verify=`` (libvirt's libssh transports only) are given to OpenSSH as
``UserKnownHostsFile`` and ``StrictHostKeyChecking`` (``normal``: yes, ``auto``: accept-new,
``ignore``: no).

An ssh endpoint is the text ``ssh:`` followed by the JSON list of the command line, so that it
travels where the other transports' endpoints do (a link, an event channel) and every
connection made to it runs its own ssh.  With an auth callback, it is a JSON object instead:
the command line and the socket of the connection's askpass server (pyvirt.rpc._askpass),
whose program every such ssh then asks for passwords.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import socket
import subprocess
import threading

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error

# Not typing.TYPE_CHECKING: kept cheap to import, as the rest of the client.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._uri import URI

__all__ = ["HELPER", "SCHEME", "TunnelSocket", "open_tunnel", "ssh_endpoint"]

#: The prefix of an ssh endpoint.
SCHEME = "ssh:"
#: The helper run on the remote host (``virt-ssh-helper``'s counterpart).
HELPER = "pyvirt-ssh-helper"
_PROXIES = ("auto", "netcat", "native")
_VERIFY = {"normal": "yes", "auto": "accept-new", "ignore": "no"}
#: How long a failed ssh gets to exit (and finish writing its stderr) before we read it.
_EXIT_WAIT = 5.0
#: How long a closed tunnel's ssh gets to leave by itself before it is terminated.
_CLOSE_WAIT = 2.0


def _invalid(detail: str) -> VirtError:
    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.REMOTE, detail)


def _flag(uri: URI, name: str) -> bool:
    value = uri.param(name)
    return value is not None and value not in ("", "0")


def remote_command(name: str, read_only: bool, socket_path: str | None) -> str:
    """The command the remote shell runs: the helper with the URI (``sh -c`` as libvirt, so
    the remote user's login shell does not matter)."""
    words = [HELPER]
    if read_only:
        words.append("-r")
    if socket_path:
        words += ["--socket", socket_path]
    words += ["--", name]
    return "sh -c " + shlex.quote(" ".join(shlex.quote(w) for w in words))


def ssh_argv(uri: URI, name: str, read_only: bool) -> list[str]:
    """The command line that reaches the daemon behind *uri*, checked as libvirt checks it."""
    proxy = (uri.param("proxy") or "auto").lower()
    if proxy not in _PROXIES:
        # libvirt's words, its spelling included.
        raise _invalid(f"Unnkown proxy type '{uri.param('proxy')}'")
    netcat = uri.param("netcat")
    if proxy == "native" and netcat is not None:
        raise _invalid("netcat path not valid with native proxy mode")
    if proxy == "netcat" or netcat is not None:
        raise _invalid(
            "netcat proxy mode cannot reach pyvirtd: the remote host needs pyvirt-ssh-helper"
        )
    verify = uri.param("known_hosts_verify")
    if verify is not None and verify.lower() not in _VERIFY:
        raise _invalid(f"Invalid host key verification method: '{verify}'")
    if not uri.server:
        raise _invalid("ssh transport requires a host name")
    argv = [uri.param("command") or "ssh"]
    if uri.port:
        argv += ["-p", str(uri.port)]
    if uri.user:
        argv += ["-l", uri.user]
    keyfile = uri.param("keyfile")
    if keyfile:
        argv += ["-i", keyfile]
    argv += ["-T", "-e", "none"]
    if _flag(uri, "no_tty"):
        argv += ["-o", "BatchMode=yes"]
    if _flag(uri, "no_verify"):
        argv += ["-o", "StrictHostKeyChecking=no"]
    elif verify is not None:
        argv += ["-o", f"StrictHostKeyChecking={_VERIFY[verify.lower()]}"]
    known_hosts = uri.param("known_hosts")
    if known_hosts:
        argv += ["-o", f"UserKnownHostsFile={known_hosts}"]
    argv += ["--", uri.server, remote_command(name, read_only, uri.param("socket"))]
    return argv


def ssh_endpoint(uri: URI, name: str, read_only: bool) -> str:
    """The endpoint text for *uri* (see the module's docstring)."""
    return SCHEME + json.dumps(ssh_argv(uri, name, read_only))


def with_askpass(endpoint: str, askpass_socket: str) -> str:
    """*endpoint*, its ssh asking the askpass server at *askpass_socket* for passwords."""
    argv, _old = _argv_of(endpoint)
    return SCHEME + json.dumps({"argv": argv, "askpass": askpass_socket})


def _argv_of(endpoint: str) -> tuple[list[str], str | None]:
    """The command line of *endpoint*, and its askpass server's socket (None: none)."""
    value = json.loads(endpoint[len(SCHEME) :])
    argv, askpass = (value.get("argv"), value.get("askpass")) if isinstance(value, dict) else (value, None)
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise ValueError(f"malformed ssh endpoint {endpoint!r}")
    if askpass is not None and not isinstance(askpass, str):
        raise ValueError(f"malformed ssh endpoint {endpoint!r}")
    return argv, askpass


def _environment(askpass_socket: str | None) -> dict[str, str] | None:
    """ssh's environment: ours, and with an askpass server, what makes ssh ask it."""
    if askpass_socket is None:
        return None
    from pyvirt.rpc._askpass import ACTIVE

    server = ACTIVE.get(askpass_socket)
    if server is None:  # the connection is closing: ssh asks nobody (and fails to log in)
        return {**os.environ, "SSH_ASKPASS_REQUIRE": "never"}
    return {**os.environ, **server.env()}


class TunnelSocket(socket.socket):
    """Our end of the socket pair whose other end is the ssh process's stdin and stdout.

    It remembers whether a read failed with a reset (ssh left without reading what we sent),
    which decides libvirt's wording, and closing it also ends the ssh process."""

    proc: subprocess.Popen[bytes] | None = None
    reset = False

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        try:
            return super().recv(bufsize, flags)
        except ConnectionResetError:
            self.reset = True
            raise

    def failure(self, reset: bool = False) -> VirtError:
        """libvirt's error for a stream that ended before the handshake, with ssh's stderr."""
        stderr = self._stderr()
        if reset or self.reset:
            detail = f"Cannot recv data: {stderr}: Connection reset by peer"
        else:
            detail = f"End of file while reading data: {stderr}: Input/output error"
        return make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC, detail)

    def _stderr(self) -> str:
        proc = self.proc
        if proc is None or proc.stderr is None:
            return ""
        try:
            proc.wait(_EXIT_WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        text = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        return text.strip()

    def close(self) -> None:
        super().close()
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            # Our end closed: ssh sees the end of its input and leaves; reaped off the caller's
            # thread (an event loop must not wait here), terminated if it lingers.
            threading.Thread(target=_reap, args=(proc,), name="pyvirt-ssh-reap", daemon=True).start()
        elif proc is not None and proc.stderr is not None:
            proc.stderr.close()


def _reap(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(_CLOSE_WAIT)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def open_tunnel(endpoint: str) -> TunnelSocket:
    """Start ssh for *endpoint*; our end of its stdin/stdout, connected at once.

    A missing ssh binary is libvirt's error for it (its child could not exec)."""
    argv, askpass = _argv_of(endpoint)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    sock = TunnelSocket(fileno=ours.detach())
    try:
        sock.proc = subprocess.Popen(
            argv,
            stdin=theirs.fileno(),
            stdout=theirs.fileno(),
            stderr=subprocess.PIPE,
            env=_environment(askpass),
            # no controlling terminal: ssh asks the askpass program, never the tty
            start_new_session=askpass is not None,
        )
    except OSError as exc:
        sock.close()
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise make_error(
            ErrorCode.SYSTEM_ERROR,
            ErrorDomain.RPC,
            # The words libvirt's forked child writes to the stderr it then shows.
            f"Cannot recv data: libvirt:  error : cannot execute binary {argv[0]}: {reason}: "
            f"{os.strerror(errno.ECONNRESET)}",
        ) from None
    finally:
        theirs.close()
    return sock
