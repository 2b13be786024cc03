"""The ACL matrix of test_acl through the two remaining transports: tls, where each identity
is a client certificate's distinguished name, and ssh, where it is the remote login's uid
(the helper reaches the daemon's unix socket as that user, known by SO_PEERCRED).

Same table walk, same hand-written expectations (test_acl.expected_denied), same three
identities: an admin, a reader, a user limited to domains named ``dev-*``.  For ssh the
reader and the dev user are temporary logins made for the run (useradd, removed after) with
the uids the rules name: 65534 (a second name for "nobody", with a shell) and 4242.  Their
sessions run the helper with the system's Python on this venv's packages (a venv's own
interpreter often lives in root's home, out of other users' reach); the test skips when
that Python is not the venv's version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_helpers import running_daemon
from pyvirt.pki import main as pki
from test_acl import DEV_UID, RULES, _check_matrix, _probe, _setpriv
from test_remote_ssh import SSHD, Sshd, start_sshd
from test_remote_tls import _client_dir, free_port

pytestmark = pytest.mark.xdist_group("acl-matrix")

WHO = ("admin", "reader", "dev")
DN_RULES = "".join(
    f'[[rule]]\nx509_dn = "O=pyvirt,CN={who}"\npermissions = {perms}\n{objects}'
    for who, perms, objects in (
        ("admin", '["*:*"]', ""),
        ("reader", '["*:getattr", "*:read", "*:search_*"]', ""),
        ("dev", '["domain:*"]', 'objects = ["dev-*"]\n'),
        ("dev", '["connect:getattr", "connect:read", "connect:search_domains"]', ""),
    )
)


class Served:
    def __init__(self, daemon: object, tls_port: int, pki: Path, home: Path) -> None:
        self.daemon = daemon
        self.tls_port = tls_port
        self.pki = pki
        self.home = home


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("acl-transports")
    os.chmod(tmp, 0o755)
    server = tmp / "server"
    assert pki(["ca", "--dir", str(server)]) == 0
    assert pki(["server", "--dir", str(server), "--host", "127.0.0.1"]) == 0
    for who in WHO:
        _client_dir(tmp, who, server, "--cn", who)
    rules = tmp / "acl.toml"
    rules.write_text(RULES + DN_RULES)
    port = free_port()
    config = (
        f'access_rules = "{rules}"\nlisten_addr = "127.0.0.1"\ntls_port = {port}\n'
        f'ca_file = "{server}/cacert.pem"\ncert_file = "{server}/servercert.pem"\n'
        f'key_file = "{server}/serverkey.pem"\nunix_sock_rw_perms = "0777"\n'
    )
    home = Path(tempfile.mkdtemp(prefix="pvaclt-", dir="/tmp"))
    os.chmod(home, 0o1777)
    try:
        with running_daemon("--listen", config=config) as daemon:
            os.chmod(daemon.rundir.parent, 0o755)
            yield Served(daemon, port, tmp, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.parametrize("who", WHO)
def test_matrix_through_tls_by_certificate_dn(served: Served, who: str) -> None:
    uri = f"test+tls://127.0.0.1:{served.tls_port}/default?pkipath={served.pki / who}"
    _check_matrix(who, _probe(served.home, uri, []))


SYSTEM_PYTHON = "/usr/bin/python3"
HELPER = """#!/bin/sh
exec {python} -c 'import site, sys; site.addsitedir(sys.argv.pop(1)); \\
from pyvirt.rpc._ssh_helper import ssh_helper_main; sys.exit(ssh_helper_main())' {site} "$@"
"""


def _helper_for_every_login(where: Path) -> Path:
    """A directory holding a ``pyvirt-ssh-helper`` any uid can run (see the docstring)."""
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if probe.returncode != 0 or probe.stdout.strip() != str(sys.version_info[:2]):
        pytest.skip(f"{SYSTEM_PYTHON} is missing or not Python {sys.version_info[:2]}")
    where.mkdir(mode=0o755)
    helper = where / "pyvirt-ssh-helper"
    site = sysconfig.get_paths()["purelib"]
    helper.write_text(HELPER.format(python=SYSTEM_PYTHON, site=site))
    helper.chmod(0o755)
    return where


@pytest.fixture(scope="module")
def logins(served: Served) -> Iterator[tuple[Sshd, dict[str, str]]]:
    """An sshd in front of the daemon, and the login name of each identity."""
    if SSHD is None or shutil.which("ssh") is None:
        pytest.skip("needs OpenSSH's sshd and ssh (apt install openssh-server openssh-client)")
    if os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("needs root with useradd, to make the logins of the limited identities")
    _setpriv(65534)  # skips where another uid cannot run this venv's interpreter
    names = {"admin": "root"}
    made = []
    try:
        for who, uid in (("reader", 65534), ("dev", DEV_UID)):
            name = f"pvacl{who[0]}{os.getpid()}"
            # "*": no password, yet not locked (sshd refuses a locked account even its keys)
            subprocess.run(
                ["useradd", "-o", "-u", str(uid), "-g", "65534", "-s", "/bin/sh", "-d",
                 str(served.home), "-M", "-p", "*", name],
                check=True,
            )  # fmt: skip
            made.append(name)
            names[who] = name
        # under the probes' home, open to every uid: sshd reads authorized_keys as the login
        sshd = start_sshd(served.home / "sshd", Path(served.daemon.rundir))  # type: ignore[attr-defined]
        os.chmod(served.home / "sshd", 0o755)
        keys = served.home / "sshd" / "authorized_keys"
        helper_dir = _helper_for_every_login(served.home / "bin")
        forced = f'command="PATH={helper_dir}:$PATH exec sh -c \\"$SSH_ORIGINAL_COMMAND\\"" '
        keys.write_text(forced + keys.read_text())
        os.chmod(keys, 0o644)
        try:
            yield sshd, names
        finally:
            sshd.stop()
    finally:
        for name in made:
            subprocess.run(["userdel", "-f", name], check=False, capture_output=True)


@pytest.mark.parametrize("who", WHO)
def test_matrix_through_ssh_by_the_logins_uid(
    served: Served, logins: tuple[Sshd, dict[str, str]], who: str
) -> None:
    sshd, names = logins
    uri = sshd.uri().replace(f"{sshd.user}@", f"{names[who]}@", 1)
    _check_matrix(who, _probe(served.home, uri, []))
