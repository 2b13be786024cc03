"""ssh passwords through the auth callback, as libvirt's ssh transports ask for them.

OpenSSH reads a password from the terminal, or from the program named by ``SSH_ASKPASS``
(with ``SSH_ASKPASS_REQUIRE=force``, even when there is a terminal).  When the caller gives an
auth callback (``pyvirt.open(uri, auth=...)``, pyvirsh's prompt), each ssh this connection
starts gets as its askpass a tiny program that passes ssh's question over a private unix
socket to this process, where :class:`Askpass` asks the callback in libvirt's terms:

* a password: VIR_CRED_PASSPHRASE, "Enter USER's password for HOST" (libvirt's prompt), after
  the auth file's ``[auth-ssh-HOST]`` credentials if there are some;
* a key's passphrase: VIR_CRED_PASSPHRASE with ssh's own question;
* anything else (an unknown host key): VIR_CRED_ECHOPROMPT with ssh's own question.

The connection may run ssh several times (its event and stream channels): the answer to a
question is given again when the same question comes back, so the caller is asked once.  The socket
and the program live in a 0700 directory of this process's own, removed on close.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading

# Not typing.TYPE_CHECKING (see pyvirt.rpc._async_client).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._uri import URI
    from pyvirt.driver import AuthCallback
    from pyvirt.rpc._target import Target

CRED_PASSPHRASE = 5  # VIR_CRED_PASSPHRASE
CRED_ECHOPROMPT = 6  # VIR_CRED_ECHOPROMPT
#: The environment variable that names our socket to the askpass program.
SOCKET_ENV = "PYVIRT_ASKPASS_SOCKET"
#: The open :class:`Askpass` servers by socket path (an ssh endpoint names its server so).
ACTIVE: dict[str, Askpass] = {}
_MAX_PROMPT = 4096

_PROGRAM = f"""#!{sys.executable}
from pyvirt.rpc._askpass import main
main()
"""


class Askpass:
    """Answers the askpass program of this connection's ssh processes from *auth*."""

    def __init__(self, auth: AuthCallback, user: str, host: str, authfile: str | None) -> None:
        self.auth = auth
        self.user = user
        self.host = host
        self.authfile = authfile
        self.answers: dict[str, str] = {}
        self.lock = threading.Lock()
        self.dir = tempfile.mkdtemp(prefix="pyvirt-askpass-")
        self.program = os.path.join(self.dir, "askpass")
        with open(os.open(self.program, os.O_WRONLY | os.O_CREAT, 0o700), "w") as out:
            out.write(_PROGRAM)
        self.path = os.path.join(self.dir, "sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(4)
        threading.Thread(target=self._serve, name="pyvirt-askpass", daemon=True).start()
        ACTIVE[self.path] = self

    def env(self) -> dict[str, str]:
        """What ssh's environment needs for it to ask us."""
        return {"SSH_ASKPASS": self.program, "SSH_ASKPASS_REQUIRE": "force", SOCKET_ENV: self.path}

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(300)
                try:
                    prompt = _read_all(conn).decode("utf-8", "replace")
                    answer = self.answer(prompt)
                    conn.sendall(b"\x01" + answer.encode() if answer is not None else b"\x00")
                except OSError:
                    pass

    def answer(self, prompt: str) -> str | None:
        """The answer to ssh's *prompt*; None when the callback gives none (ssh then gives up
        that way of authenticating)."""
        with self.lock:  # one question at a time, as a terminal would
            if prompt in self.answers:
                return self.answers[prompt]
            question = prompt.strip()
            lowered = question.lower()
            if "password" in lowered:
                stored = _ssh_password(self.authfile, self.host)
                if stored is not None:
                    return stored
                cred, text = CRED_PASSPHRASE, f"Enter {self.user}'s password for {self.host}"
            elif "passphrase" in lowered:
                cred, text = CRED_PASSPHRASE, question
            else:
                cred, text = CRED_ECHOPROMPT, question
            try:
                answers = self.auth([(cred, text)])
            except Exception:  # noqa: BLE001 - a failing callback is "no answer" to ssh
                return None
            if not isinstance(answers, list) or len(answers) != 1 or not isinstance(answers[0], str):
                return None
            self.answers[prompt] = answers[0]
            return answers[0]

    def close(self) -> None:
        ACTIVE.pop(self.path, None)
        self.listener.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _ssh_password(authfile: str | None, host: str) -> str | None:
    """The password libvirt's auth.conf gives for the ssh service on *host*, if any."""
    import configparser

    from pyvirt.rpc._auth_client import auth_file_path

    path = auth_file_path(authfile)
    if path is None:
        return None
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    for section in (f"auth-ssh-{host}", "auth-ssh-default"):
        if parser.has_option(section, "credentials"):
            creds = f"credentials-{parser.get(section, 'credentials')}"
            return parser.get(creds, "password", fallback=None)
    return None


def _read_all(conn: socket.socket) -> bytes:
    data = b""
    while chunk := conn.recv(_MAX_PROMPT):
        data += chunk
        if len(data) > _MAX_PROMPT:
            break
    return data


def for_uri(auth: AuthCallback | None, uri: URI | None) -> Askpass | None:
    """An :class:`Askpass` for an ssh *uri* when the caller gave an auth callback; None when
    ssh should ask on the terminal as usual (no callback) or not at all (``no_tty=1``)."""
    if auth is None or uri is None or uri.param("no_tty") not in (None, "", "0"):
        return None
    import getpass

    user = uri.user or getpass.getuser()
    return Askpass(auth, user, uri.server or "localhost", uri.param("authfile"))


def bind(target: Target, askpass: Askpass) -> Target:
    """*target* whose ssh processes ask *askpass* for passwords."""
    from pyvirt.rpc._ssh import with_askpass
    from pyvirt.rpc._target import Target

    return Target(
        target.transport,
        with_askpass(target.endpoint, askpass.path),
        target.socket_path,
        target.name,
        target.client_uri,
        target.tls,
    )


def main() -> None:
    """The askpass program ssh runs: its question in, the answer out (exit 1: none)."""
    prompt = sys.argv[1] if len(sys.argv) > 1 else ""
    path = os.environ.get(SOCKET_ENV)
    if not path:
        sys.exit(1)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            sock.sendall(prompt.encode()[:_MAX_PROMPT])
            sock.shutdown(socket.SHUT_WR)
            reply = _read_all(sock)
    except OSError:
        sys.exit(1)
    if not reply.startswith(b"\x01"):
        sys.exit(1)
    sys.stdout.write(reply[1:].decode() + "\n")
