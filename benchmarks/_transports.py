"""The tls and ssh transports for benchmarks/rpc.py: pyvirtd and libvirtd behind each, set up
the same way, so their rows compare the daemons and not the set-ups.

* tls: one PKI made with pyvirt-pki (CA, server certificate for 127.0.0.1, a client
  certificate), used by both.  pyvirtd listens with it; libvirtd runs as a second, private
  instance (``libvirtd --listen`` with its own config naming those files) in a mount namespace
  of its own with a private ``/run/libvirt``, so the machine's running libvirtd is never
  touched or restarted and no file goes into /etc/pki.
* ssh: one sshd on loopback with a key of the run's own; its sessions find both helpers
  (``pyvirt-ssh-helper`` in this venv, libvirt's ``virt-ssh-helper``), the pyvirt one reaching
  the pyvirtd above and libvirt's the machine's libvirtd (its unix socket, as libvirt's ssh
  transport always does).

Everything is skipped (with the reason printed) when it cannot be had here: not root, no
sshd, no ``unshare``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import NamedTuple

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text() if log.exists() else ""
                raise RuntimeError(f"{what} did not start: {text[-2000:]}") from None
            time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_pki(where: Path) -> Path:
    pki = [str(BIN / "pyvirt-pki")]
    for args in (
        ["ca"],
        ["server", "--host", "127.0.0.1", "--host", "localhost"],
        ["client", "--cn", "bench"],
    ):
        subprocess.run([*pki, args[0], "--dir", str(where), *args[1:]], check=True,
                       stdout=subprocess.DEVNULL)
    return where


@contextmanager
def pyvirtd_tls(tmp: Path, pki: Path) -> Iterator[tuple[str, Path, int]]:
    """A pyvirtd serving TLS on loopback; (its URI, its runtime directory, its pid)."""
    port = free_port()
    config = tmp / "pyvirtd.toml"
    config.write_text(
        f'listen_addr = "127.0.0.1"\ntls_port = {port}\n'
        f'ca_file = "{pki}/cacert.pem"\ncert_file = "{pki}/servercert.pem"\n'
        f'key_file = "{pki}/serverkey.pem"\n'
    )
    rundir = tmp / "pyvirt-run"
    log = tmp / "pyvirtd.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyvirtd", "--listen", "--config", str(config)],
            env={**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_port(port, proc, "pyvirtd", log)
        while not (rundir / "pyvirt-sock").exists():
            time.sleep(0.05)
        yield f"test+tls://127.0.0.1:{port}/default?pkipath={pki}", rundir, proc.pid
    finally:
        _stop(proc)


@contextmanager
def libvirtd_tls(tmp: Path, pki: Path) -> Iterator[tuple[str, int]]:
    """A private libvirtd serving TLS (see the module's docstring); its URI, and the pid
    whose process tree holds it (``unshare``'s)."""
    port = free_port()
    run = tmp / "libvirt-run"
    run.mkdir()
    config = tmp / "libvirtd.conf"
    config.write_text(
        f'listen_tls = 1\nlisten_tcp = 0\ntls_port = "{port}"\nlisten_addr = "127.0.0.1"\n'
        f'unix_sock_dir = "{run}"\nauth_tls = "none"\n'
        f'key_file = "{pki}/serverkey.pem"\ncert_file = "{pki}/servercert.pem"\n'
        f'ca_file = "{pki}/cacert.pem"\nlog_outputs = "3:file:{tmp}/libvirtd.log"\n'
    )
    script = (
        "mount -t tmpfs none /run/libvirt && "
        f"exec libvirtd --listen -f {config} -p {run}/libvirtd.pid"
    )
    proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script])
    try:
        _wait_port(port, proc, "the private libvirtd", tmp / "libvirtd.log")
        yield f"test+tls://127.0.0.1:{port}/default?pkipath={pki}", proc.pid
    finally:
        _stop(proc)


@contextmanager
def sshd(tmp: Path, pyvirt_rundir: Path) -> Iterator[tuple[str, str, int]]:
    """An sshd for this run; (pyvirt's ssh URI, libvirt's, the sshd's pid: its process tree
    holds the sessions and the helpers), both as root with a fresh key."""
    sshd_bin = shutil.which("sshd") or "/usr/sbin/sshd"
    for name in ("hostkey", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / name)],
                       check=True)
    (tmp / "authorized_keys").write_text((tmp / "client.pub").read_text())
    port = free_port()
    host_key = (tmp / "hostkey.pub").read_text().split()
    (tmp / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    (tmp / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp / 'hostkey'}\n"
        f"AuthorizedKeysFile {tmp / 'authorized_keys'}\nPidFile {tmp / 'sshd.pid'}\n"
        "PasswordAuthentication no\nPermitRootLogin prohibit-password\nStrictModes no\n"
        f"UsePAM no\nSetEnv PATH={BIN}:/usr/bin:/bin PYVIRT_RUNTIME_DIR={pyvirt_rundir}\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    log = tmp / "sshd.log"
    proc = subprocess.Popen([sshd_bin, "-D", "-f", str(tmp / "sshd_config"), "-E", str(log)])
    try:
        _wait_port(port, proc, "sshd", log)
        # libvirt's ssh transport ignores known_hosts=: one ssh wrapper names it for both
        wrapper = tmp / "ssh"
        wrapper.write_text(
            f'#!/bin/sh\nexec ssh -o UserKnownHostsFile={tmp / "known_hosts"} "$@"\n'
        )
        wrapper.chmod(0o755)
        query = f"keyfile={tmp / 'client'}&command={wrapper}&no_tty=1"
        uri = f"test+ssh://root@127.0.0.1:{port}/default?{query}"
        yield uri, uri, proc.pid
    finally:
        _stop(proc)


def unavailable() -> str | None:
    """Why the transports cannot be benchmarked here, or None."""
    if os.geteuid() != 0:
        return "needs root (a private libvirtd, an sshd)"
    for tool in ("sshd", "ssh", "ssh-keygen", "unshare", "libvirtd"):
        if not (shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}")):
            return f"{tool} is not installed"
    return None


class Transport(NamedTuple):
    """One transport's two URIs, and the process trees that serve each (the daemon's side of
    the CPU per call): roots whose whole tree counts, and single processes."""

    ours: str
    theirs: str | None
    our_trees: tuple[int, ...]
    their_trees: tuple[int, ...]
    their_processes: tuple[int, ...] = ()


@contextmanager
def transports(tmp: Path) -> Iterator[dict[str, Transport]]:
    """{"tls": Transport, "ssh": Transport}: set up, then torn down.  Over ssh, libvirt's
    helper reaches the machine's libvirtd, whose CPU other users of the machine share."""
    from _daemons import libvirtd_pid

    with ExitStack() as stack:
        pki = make_pki(tmp / "pki")
        ours_tls, rundir, pyvirtd = stack.enter_context(pyvirtd_tls(tmp, pki))
        try:
            theirs_tls, libvirtd = stack.enter_context(libvirtd_tls(tmp, pki))
        except RuntimeError as exc:
            print(f"  (libvirt over tls skipped: {exc})")
            theirs_tls, libvirtd = None, 0
        ssh_dir = tmp / "ssh"
        ssh_dir.mkdir()
        ours_ssh, theirs_ssh, sshd_pid = stack.enter_context(sshd(ssh_dir, rundir))
        system = libvirtd_pid()
        yield {
            "tls": Transport(ours_tls, theirs_tls, (pyvirtd,), (libvirtd,) if libvirtd else ()),
            "ssh": Transport(
                ours_ssh, theirs_ssh, (pyvirtd, sshd_pid), (sshd_pid,), (system,) if system else ()
            ),
        }
