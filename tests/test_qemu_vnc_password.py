"""A VNC password: kept with the definition, shown only to a read-write ``--security-info``,
given to QEMU over the monitor (never on its command line or in a log), and enforced by QEMU
itself: a real VNC client's DES challenge succeeds with it, fails without it, and fails once
``passwdValidTo`` has passed.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import start_daemon
from pyvirt import ErrorCode, VirtError
from qemu_helpers import daemon_env, needs_qemu, qemu_pids, qemu_root  # noqa: F401 - fixtures

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="qemu:///system through pyvirtd needs root"),
]
PYVIRSH = str(Path(sys.executable).parent / "pyvirsh")
PASSWORD = "Pa55w0rd"


def _xml(name: str, password: str, valid_to: str = "") -> str:
    expiry = f" passwdValidTo='{valid_to}'" if valid_to else ""
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64'>hvm</type></os><devices>"
        f"<graphics type='vnc' port='-1' passwd='{password}'{expiry}/></devices></domain>"
    )


def _vnc_login(port: int, password: str) -> int:
    """RFB 3.8 VNC authentication against 127.0.0.1:*port*; the SecurityResult (0 = OK)."""
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        f = s.makefile("rwb")
        assert f.read(12).startswith(b"RFB 003.")
        f.write(b"RFB 003.008\n")
        f.flush()
        count = f.read(1)[0]
        types = f.read(count)
        assert types == b"\x02"  # VNC authentication, and nothing weaker
        f.write(b"\x02")
        f.flush()
        challenge = f.read(16)
        # VNC's DES key: the password's bytes, zero-padded to 8, each bit-reversed.
        key = bytes(int(f"{b:08b}"[::-1], 2) for b in password.encode().ljust(8, b"\0")[:8])
        des = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()  # K1=K2=K3: single DES
        f.write(des.update(challenge) + des.finalize())
        f.flush()
        return int(struct.unpack(">I", f.read(4))[0])


@pytest.fixture
def conn(daemon_env: tuple[Path, dict[str, str]]):  # type: ignore[no-untyped-def]
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as c:
            c._log = daemon.log  # type: ignore[attr-defined] - the log file of pyvirtd
            yield c
    finally:
        daemon.stop()


def test_the_password_is_hidden_kept_and_enforced_by_qemu(conn, qemu_root: Path) -> None:  # type: ignore[no-untyped-def]
    dom = conn.define_domain(_xml("vnc", PASSWORD, "2099-01-01T00:00:00"))
    assert "passwd=" not in dom.xml_desc()
    assert f"passwd='{PASSWORD}' passwdValidTo='2099-01-01T00:00:00'" in dom.xml_desc(1)
    with pyvirt.open("qemu:///system", read_only=True) as ro:
        with pytest.raises(VirtError) as info:
            ro.lookup_domain_by_name("vnc").xml_desc(1)
        assert info.value.code == ErrorCode.OPERATION_DENIED
    dom.start()
    try:
        port = int(re.search(r"<graphics type='vnc' port='(\d+)'", dom.xml_desc()).group(1))  # type: ignore[union-attr]
        assert _vnc_login(port, PASSWORD) == 0
        assert _vnc_login(port, "wrong") != 0
        (pid,) = qemu_pids(qemu_root)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert b"password=on" in cmdline and PASSWORD.encode() not in cmdline
    finally:
        dom.destroy()
    logs = [p.read_bytes() for p in qemu_root.rglob("*") if p.is_file() and p.suffix != ".xml"]
    assert not [log for log in logs if PASSWORD.encode() in log]
    assert PASSWORD not in conn._log.read_text()
    # Kept with the definition on disk (readable by root alone) and across a restart.
    config = next(qemu_root.rglob("vnc.xml"))
    assert PASSWORD in config.read_text() and config.stat().st_mode & 0o077 == 0


def test_an_expired_password_refuses_even_the_right_one(conn) -> None:  # type: ignore[no-untyped-def]
    dom = conn.create_domain(_xml("vnc-old", PASSWORD, "2001-01-01T00:00:00"))
    try:
        port = int(re.search(r"<graphics type='vnc' port='(\d+)'", dom.xml_desc()).group(1))  # type: ignore[union-attr]
        assert _vnc_login(port, PASSWORD) != 0
    finally:
        dom.destroy()


@pytest.mark.parametrize(
    ("password", "valid_to", "message"),
    [
        ("123456789", "", "unsupported configuration: VNC password is 9 characters long, "
         "only 8 permitted"),
        ("pw", "tomorrow", "internal error: cannot parse password validity time 'tomorrow', "
         "expect YYYY-MM-DDTHH:MM:SS"),
    ],
)  # fmt: skip
def test_bad_passwords_are_refused_at_define_time(
    conn, tmp_path: Path, password: str, valid_to: str, message: str  # type: ignore[no-untyped-def]
) -> None:
    xml = tmp_path / "bad.xml"
    xml.write_text(_xml("vnc-bad", password, valid_to))
    done = subprocess.run([PYVIRSH, "-c", "qemu:///system", "define", str(xml)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 1
    assert message in done.stderr
    assert "vnc-bad" not in [d.name for d in conn.list_domains()]


def test_the_password_survives_a_device_added_to_the_config(conn, qemu_root: Path) -> None:  # type: ignore[no-untyped-def]
    """Every write of the persistent definition keeps its secrets (a hotplug write once
    dropped them)."""
    dom = conn.define_domain(_xml("vnc-cfg", PASSWORD))
    dom.attach_device("<interface type='user'><mac address='52:54:00:aa:00:01'/></interface>", 2)
    assert f"passwd='{PASSWORD}'" in dom.xml_desc(1)
    assert PASSWORD in next(qemu_root.rglob("vnc-cfg.xml")).read_text()
    dom.undefine()
