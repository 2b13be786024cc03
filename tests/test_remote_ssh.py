"""The ssh transport against a real OpenSSH server: ``test+ssh://USER@127.0.0.1:PORT/default``.

Each sshd here listens on 127.0.0.1 on a free port with its own host key, lets in one
generated client key, and gives its sessions a PATH with this venv's ``pyvirt-ssh-helper``
(or without it) and the test daemon's runtime directory.  The errors are compared with what
libvirt 9.0's own ssh transport says for the same failures (collected with virsh against such
an sshd: "Cannot recv data: Host key verification failed.: Connection reset by peer" ...).
"""

from __future__ import annotations

import asyncio
import getpass
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pyvirt
import pyvirt.aio
from cli_helpers import VIRSH, libvirtd_alone, pyvirsh, run
from daemon_helpers import running_daemon

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
SSH = shutil.which("ssh")
KEYGEN = shutil.which("ssh-keygen")
BIN = Path(sys.executable).parent
HELPER = BIN / "pyvirt-ssh-helper"

pytestmark = [
    pytest.mark.skipif(
        SSHD is None or SSH is None or KEYGEN is None,
        reason="OpenSSH (openssh-server and openssh-client) is not installed",
    ),
    pytest.mark.skipif(not HELPER.exists(), reason="pyvirt-ssh-helper is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sshd:
    """A running sshd and the files a client needs to reach it."""

    proc: subprocess.Popen[bytes]
    port: int
    dir: Path
    user: str

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"

    def uri(self, *params: str, key: str = "client", path: str = "test+ssh") -> str:
        query = [f"keyfile={self.dir / key}", f"known_hosts={self.known_hosts}", "no_tty=1"]
        query += params
        return f"{path}://{self.user}@127.0.0.1:{self.port}/default?" + "&".join(query)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _keygen(path: Path) -> None:
    subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def start_sshd(
    tmp: Path, rundir: Path, *, helper_on_path: bool = True, passwords: bool = False
) -> Sshd:
    """An sshd on a free loopback port, its keys and known_hosts in *tmp* (*passwords*: it
    takes passwords too)."""
    assert SSHD is not None
    tmp.mkdir(parents=True, exist_ok=True)
    for name in ("hostkey", "client", "wrong"):
        _keygen(tmp / name)
    (tmp / "authorized_keys").write_text((tmp / "client.pub").read_text())
    (tmp / "authorized_keys").chmod(0o600)
    port = _free_port()
    host_key = (tmp / "hostkey.pub").read_text().split()
    (tmp / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    path = f"{BIN}:/usr/bin:/bin" if helper_on_path else "/usr/bin:/bin"
    (tmp / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp / 'hostkey'}\n"
        f"AuthorizedKeysFile {tmp / 'authorized_keys'}\nPidFile {tmp / 'sshd.pid'}\n"
        f"PasswordAuthentication {'yes' if passwords else 'no'}\nKbdInteractiveAuthentication no\n"
        f"PermitRootLogin {'yes' if passwords else 'prohibit-password'}\nStrictModes no\nUsePAM no\n"
        f"SetEnv PATH={path} PYVIRT_RUNTIME_DIR={rundir}\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    proc = subprocess.Popen(
        [SSHD, "-D", "-f", str(tmp / "sshd_config"), "-E", str(tmp / "sshd.log")]
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log = (tmp / "sshd.log").read_text() if (tmp / "sshd.log").exists() else ""
                pytest.skip(f"sshd did not start: {log}")
            time.sleep(0.05)
    return Sshd(proc, port, tmp, getpass.getuser())


@pytest.fixture(scope="module")
def daemon_rundir() -> Iterator[Path]:
    with running_daemon() as daemon:
        yield Path(daemon.rundir)


@pytest.fixture(scope="module")
def sshd(daemon_rundir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = start_sshd(tmp_path_factory.mktemp("sshd"), daemon_rundir)
    try:
        yield server
    finally:
        server.stop()


def _error(uri: str) -> pyvirt.VirtError:
    with pytest.raises(pyvirt.VirtError) as info:
        pyvirt.open(uri).close()
    return info.value


def _ssh_children(port: int) -> list[int]:
    """The ssh processes this test process started for *port*."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and argv[0].endswith(b"ssh") and str(port).encode() in argv:
            found.append(int(entry.name))
    return found


def _steady(text: str) -> str:
    """*text* without the line that changes between two runs (a running domain's CPU time)."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("CPU time:"))


def _kill(pid: int) -> None:
    """SIGKILL *pid* and wait until it has died (a zombie: its Popen reaps it later)."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state == "Z":
            return
        time.sleep(0.01)


# -- working ---------------------------------------------------------------------------------
def test_list_and_dominfo_through_ssh_match_the_unix_socket(sshd: Sshd) -> None:
    for command in (["list", "--all"], ["dominfo", "test"]):
        over_ssh = pyvirsh("-c", sshd.uri(), *command)
        local = pyvirsh("-c", "test+unix:///default", *command)
        assert over_ssh.rc == 0, over_ssh.err
        assert _steady(over_ssh.out) == _steady(local.out)
        assert (over_ssh.err, over_ssh.rc) == (local.err, local.rc)


@pytest.mark.skipif(VIRSH is None, reason="virsh (libvirt 9.0) is not installed")
def test_list_matches_virsh_over_the_same_sshd(sshd: Sshd) -> None:
    # libvirt's ssh transport ignores known_hosts=: an ssh wrapper names the file for both.
    wrapper = sshd.dir / "ssh-known-hosts"
    wrapper.write_text(f'#!/bin/sh\nexec ssh -o UserKnownHostsFile={sshd.known_hosts} "$@"\n')
    wrapper.chmod(0o755)
    uri = sshd.uri(f"command={wrapper}")
    # libvirt's side needs its virt-ssh-helper (libvirt-daemon) and libvirtd's test driver.
    with libvirtd_alone():
        theirs = run(VIRSH, ["-c", uri, "list", "--all"])
    if theirs.rc != 0:
        pytest.skip(f"virsh over ssh does not work here: {theirs.err.strip()}")
    assert pyvirsh("-c", uri, "list", "--all") == theirs


def test_calls_and_the_client_uri(sshd: Sshd) -> None:
    uri = sshd.uri()
    with pyvirt.open(uri) as conn:
        assert [d.name for d in conn.list_domains()] == ["test"]
        assert conn.uri == uri
        dom = conn.lookup_domain_by_name("test")
        dom.suspend()
        assert dom.info().state == pyvirt.DomainState.PAUSED
        dom.resume()


def _helpers_of(sshd: Sshd) -> list[int]:
    """The pyvirt-ssh-helper processes serving sessions of *sshd* (its descendants)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(argv) > 1 and argv[1].endswith(b"pyvirt-ssh-helper"):
            pid = int(entry.name)
            while pid > 1 and pid != sshd.proc.pid:
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    break
                pid = int(stat.rsplit(")", 1)[1].split()[1])
            if pid == sshd.proc.pid:
                found.append(int(entry.name))
    return found


def _reads(pid: int) -> int:
    """Read system calls *pid* has made (/proc/PID/io's syscr)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("syscr:"):
            return int(line.split()[1])
    raise AssertionError("no syscr in /proc/PID/io")


def test_the_helper_hands_the_session_to_the_worker_and_leaves_the_path(sshd: Sshd) -> None:
    """After routing, the helper passes its stdin and stdout to the worker (pyvirt.rpc.
    _adopt): the calls that follow never pass through it (it reads nothing), and it exits
    when the connection closes."""
    before = set(_helpers_of(sshd))
    conn = pyvirt.open(sshd.uri())
    try:
        dom = conn.lookup_domain_by_name("test")
        (helper,) = set(_helpers_of(sshd)) - before
        reads = _reads(helper)
        for _ in range(300):
            dom.info()
        assert _reads(helper) - reads < 10  # a relay reads at least twice per call
        assert len(list(Path(f"/proc/{helper}/task").iterdir())) == 1  # no relay threads
    finally:
        conn.close()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{helper}").exists() and time.monotonic() < deadline:
        state = Path(f"/proc/{helper}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            break
        time.sleep(0.02)
    assert not Path(f"/proc/{helper}").exists() or state == "Z"


def test_streams_travel_through_ssh(sshd: Sshd) -> None:
    """A stream opens a connection of its own to the worker: through ssh that is another
    tunnel, and the stream's data (a screenshot) arrives as through the unix socket, for
    the synchronous and the asyncio client."""
    import asyncio

    def shot(uri: str) -> bytes:
        with pyvirt.open(uri) as conn:
            return conn.lookup_domain_by_name("test").screenshot()

    async def async_shot(uri: str) -> bytes:
        async with await pyvirt.aio.open(uri) as conn:
            return await (await conn.lookup_domain_by_name("test")).screenshot()

    local = shot("test+unix:///default")
    assert local.startswith(b"\x89PNG")
    assert shot(sshd.uri()) == local
    assert asyncio.run(async_shot(sshd.uri())) == local


def test_read_only_connection_refuses_writes(sshd: Sshd) -> None:
    with pyvirt.open(sshd.uri(), read_only=True) as conn:
        dom = conn.lookup_domain_by_name("test")
        with pytest.raises(pyvirt.VirtError) as info:
            dom.suspend()
        assert info.value.code == pyvirt.ErrorCode.OPERATION_DENIED


def test_events_arrive_through_ssh(sshd: Sshd) -> None:
    async def scenario() -> str:
        async with await pyvirt.aio.open(sshd.uri()) as conn:
            events = conn.events()
            waiter = asyncio.ensure_future(events.__anext__())
            await asyncio.sleep(0.2)  # attached before the change is made
            with pyvirt.open("test+unix:///default") as other:
                dom = other.lookup_domain_by_name("test")
                dom.suspend()
                dom.resume()
            event = await asyncio.wait_for(waiter, 30)
            return str(event.name)

    assert asyncio.run(scenario()) == "test"


def test_sync_event_callbacks_through_ssh(sshd: Sshd) -> None:
    seen: list[str] = []
    with pyvirt.open(sshd.uri()) as conn:
        conn.register_event_callback(lambda _c, event: seen.append(str(event.name)))
        with pyvirt.open("test+unix:///default") as other:
            dom = other.lookup_domain_by_name("test")
            dom.suspend()
            dom.resume()
        deadline = time.monotonic() + 30
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "test" in seen


# -- refused ---------------------------------------------------------------------------------
def test_unknown_host_key_is_refused(sshd: Sshd, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    error = _error(sshd.uri(f"known_hosts={empty}"))
    assert error.code == pyvirt.ErrorCode.SYSTEM_ERROR
    assert error.domain == pyvirt.ErrorDomain.RPC
    assert error.message == (
        "Cannot recv data: Host key verification failed.: Connection reset by peer"
    )


def test_no_verify_accepts_an_unknown_host_key(sshd: Sshd, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pyvirt.open(sshd.uri(f"known_hosts={empty}", "no_verify=1")) as conn:
        assert [d.name for d in conn.list_domains()] == ["test"]


def test_wrong_key_is_refused_with_sshs_reason(sshd: Sshd) -> None:
    error = _error(sshd.uri(key="wrong"))
    assert error.code == pyvirt.ErrorCode.SYSTEM_ERROR
    assert error.message == (
        f"Cannot recv data: {sshd.user}@127.0.0.1: Permission denied (publickey).: "
        "Connection reset by peer"
    )


def test_nothing_listening_is_sshs_connection_refused(sshd: Sshd) -> None:
    port = _free_port()
    uri = sshd.uri().replace(f":{sshd.port}/", f":{port}/")
    assert _error(uri).message == (
        f"Cannot recv data: ssh: connect to host 127.0.0.1 port {port}: Connection refused: "
        "Connection reset by peer"
    )


def test_ssh_gone_before_the_greeting_is_sshs_reason_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ssh that fails at once (here: its end of the socket pair already closed, as when it
    could not connect) may be gone before the client's greeting is sent: the send's EPIPE
    must give libvirt's words with ssh's, as a failed read does (CI once got a ValueError
    from the ssh endpoint there)."""
    from pyvirt.rpc import _channel
    from pyvirt.rpc._ssh import TunnelSocket

    said = "ssh: connect to host 127.0.0.1 port 9: Connection refused"

    def gone_tunnel(_endpoint: str, _timeout: float) -> TunnelSocket:
        ours, theirs = socket.socketpair()
        sock = TunnelSocket(fileno=ours.detach())
        sock.proc = subprocess.Popen(["sh", "-c", f"echo '{said}' >&2; exit 255"],
                                     stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        theirs.close()
        return sock

    monkeypatch.setattr(_channel, "open_socket", gone_tunnel)
    channel = _channel.Channel('ssh:["ssh", "--", "127.0.0.1", "true"]')
    with pytest.raises(pyvirt.VirtError) as info:
        channel.connect(5.0)
    assert info.value.message == f"Cannot recv data: {said}: Connection reset by peer"


def test_missing_ssh_binary(sshd: Sshd) -> None:
    assert _error(sshd.uri("command=/nonexistent/ssh")).message == (
        "Cannot recv data: libvirt:  error : cannot execute binary /nonexistent/ssh: "
        "No such file or directory: Connection reset by peer"
    )


def test_helper_missing_on_the_remote_host(daemon_rundir: Path, tmp_path: Path) -> None:
    server = start_sshd(tmp_path / "bare", daemon_rundir, helper_on_path=False)
    try:
        error = _error(server.uri())
    finally:
        server.stop()
    assert error.code == pyvirt.ErrorCode.SYSTEM_ERROR
    assert error.message == (
        "End of file while reading data: sh: 1: pyvirt-ssh-helper: not found: "
        "Input/output error"
    )


def test_no_daemon_behind_the_helper(sshd: Sshd) -> None:
    assert _error(sshd.uri("socket=/nonexistent/sock")).message == (
        "End of file while reading data: pyvirt-ssh-helper: error: Failed to connect socket "
        "to '/nonexistent/sock': No such file or directory: Input/output error"
    )


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("proxy=bogus", "invalid argument: Unnkown proxy type 'bogus'"),
        ("proxy=native&netcat=nc", "invalid argument: netcat path not valid with native proxy mode"),
        ("known_hosts_verify=bogus", "invalid argument: Invalid host key verification method: 'bogus'"),
    ],
)
def test_bad_parameters(sshd: Sshd, param: str, message: str) -> None:
    error = _error(sshd.uri(param))
    assert error.code == pyvirt.ErrorCode.INVALID_ARG
    assert error.message == message


def test_netcat_mode_is_refused_clearly(sshd: Sshd) -> None:
    error = _error(sshd.uri("proxy=netcat"))
    assert error.code == pyvirt.ErrorCode.INVALID_ARG
    assert "pyvirt-ssh-helper" in error.message


# -- a connection that dies ------------------------------------------------------------------
def test_killed_ssh_is_replaced_by_a_new_one(sshd: Sshd) -> None:
    with pyvirt.open(sshd.uri()) as conn:
        (first,) = _ssh_children(sshd.port)
        _kill(first)
        # The link is gone: the next call routes again over a new ssh, as after a worker restart.
        assert [d.name for d in conn.list_domains()] == ["test"]
        assert _ssh_children(sshd.port) not in ([], [first])


def test_killed_ssh_with_sshd_gone_is_a_clear_error(daemon_rundir: Path, tmp_path: Path) -> None:
    server = start_sshd(tmp_path / "dying", daemon_rundir)
    try:
        conn = pyvirt.open(server.uri())
        (pid,) = _ssh_children(server.port)
    finally:
        server.stop()  # sessions already open stay; new ones are refused
    try:
        _kill(pid)
        with pytest.raises(pyvirt.VirtError) as info:
            conn.list_domains()
        assert info.value.message == (
            f"Cannot recv data: ssh: connect to host 127.0.0.1 port {server.port}: "
            "Connection refused: Connection reset by peer"
        )
    finally:
        conn.close()


# -- passwords through the auth callback (SSH_ASKPASS) ------------------------------------
#: Random per run: the account it opens is root's (see password_sshd), for this run only.
PASSWORD = secrets.token_urlsafe(24)


@dataclass
class PasswordSshd:
    sshd: Sshd
    user: str

    def uri(self, *params: str) -> str:
        query = [f"known_hosts={self.sshd.known_hosts}", *params]
        return f"test+ssh://{self.user}@127.0.0.1:{self.sshd.port}/default?" + "&".join(query)


@pytest.fixture(scope="module")
def password_sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PasswordSshd]:
    """An sshd taking passwords for a login of this test process's own, and a daemon.

    The login is a second name for root (uid 0: the helper must run this venv's Python, which
    lives where only root may read) with a random password of this run, removed after: root's
    own password is never touched, and a stock sshd refuses passwords for uid 0 anyway."""
    if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("chpasswd"):
        pytest.skip("needs root with useradd and chpasswd, to make a login with a password")
    user = f"pvssh{os.getpid()}"
    tmp = tmp_path_factory.mktemp("sshd-pw")
    home = ["-d", str(tmp), "-M"]  # a home of ours, never created or removed by the tools
    subprocess.run(["useradd", "-o", "-u", "0", "-g", "0", "-s", "/bin/sh", *home, user], check=True)
    try:
        subprocess.run(["chpasswd"], input=f"{user}:{PASSWORD}\n", text=True, check=True)
        with running_daemon() as daemon:
            server = start_sshd(tmp, Path(daemon.rundir), passwords=True)
            try:
                yield PasswordSshd(server, user)
            finally:
                server.stop()
    finally:
        # -f: uid 0 always has processes, which plain userdel takes for the user's own
        subprocess.run(["userdel", "-f", user], check=False, capture_output=True)


def _answer(password: str):  # noqa: ANN202 - an auth callback that records what it is asked
    asked: list[list[tuple[int, str]]] = []

    def auth(creds: list[tuple[int, str]]) -> list[str]:
        asked.append(creds)
        return [password for _cred in creds]

    auth.asked = asked  # type: ignore[attr-defined]
    return auth


def test_password_through_the_auth_callback(password_sshd: PasswordSshd) -> None:
    auth = _answer(PASSWORD)
    with pyvirt.open(password_sshd.uri(), auth=auth) as conn:
        assert [d.name for d in conn.list_domains()] == ["test"]
        seen: list[pyvirt.ObjectEvent] = []
        conn.register_event_callback(lambda _c, ev: seen.append(ev))  # another ssh: not asked
        conn.lookup_domain_by_name("test").suspend()
        conn.lookup_domain_by_name("test").resume()
    # libvirt's question for an ssh password, asked once for all the connection's ssh runs
    assert auth.asked == [[(5, f"Enter {password_sshd.user}'s password for 127.0.0.1")]]


def test_a_wrong_password_is_sshs_refusal(password_sshd: PasswordSshd) -> None:
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(password_sshd.uri(), auth=_answer("not it"))
    assert err.value.code == pyvirt.ErrorCode.SYSTEM_ERROR
    assert "Permission denied" in str(err.value)


def test_a_callback_that_gives_nothing_asks_no_further(password_sshd: PasswordSshd) -> None:
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(password_sshd.uri(), auth=lambda creds: [])
    assert "Permission denied" in str(err.value)


def test_no_tty_never_asks(password_sshd: PasswordSshd) -> None:
    auth = _answer(PASSWORD)
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(password_sshd.uri("no_tty=1"), auth=auth)
    assert "Permission denied" in str(err.value) and auth.asked == []


def test_asyncio_client_asks_the_callback_too(password_sshd: PasswordSshd) -> None:
    auth = _answer(PASSWORD)

    async def main() -> list[str]:
        async with await pyvirt.aio.open(password_sshd.uri(), auth=auth) as conn:
            return [d.name for d in await conn.list_domains()]

    assert asyncio.run(main()) == ["test"]
    assert len(auth.asked) == 1


def test_pyvirsh_prompts_for_the_ssh_password(password_sshd: PasswordSshd) -> None:
    result = pyvirsh("-c", password_sshd.uri(), "list", "--name", stdin=PASSWORD + "\n")
    assert result.rc == 0, result.err
    assert result.out == f"Enter {password_sshd.user}'s password for 127.0.0.1: test\n\n"
