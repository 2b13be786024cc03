"""pyvirt-admin's ``daemon-log-filters`` and ``daemon-log-outputs`` read libvirt's syntax and
show it back as virt-admin shows libvirtd's, errors included, byte for byte.

Setting filters changes a daemon, so the reference is a libvirtd of this module's own: a
session-mode libvirtd run as an unprivileged user (uid 65534) in a temporary home, with its
own sockets, and virt-admin run as that user too (a session daemon talks only to its own
user).  The machine's libvirtd is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import Result
from daemon_helpers import Daemon, as_nobody_prefix, running_daemon
from test_cli_admin import PYVIRT_ADMIN, VIRT_ADMIN, _run

LIBVIRTD = shutil.which("libvirtd") or (
    "/usr/sbin/libvirtd" if os.path.exists("/usr/sbin/libvirtd") else None
)


class SessionLibvirtd:
    def __init__(self, home: Path, prefix: list[str]) -> None:
        self.home = home
        self.prefix = prefix

    def admin(self, *args: str) -> Result:
        env = {"HOME": str(self.home), "XDG_RUNTIME_DIR": str(self.home), "LC_ALL": "C",
               "LANG": "C", "PATH": "/usr/sbin:/usr/bin:/bin"}  # fmt: skip
        assert VIRT_ADMIN is not None
        proc = subprocess.run(
            [*self.prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items()), VIRT_ADMIN,
             "-c", "libvirtd:///session", *args],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        return Result(proc.stdout, proc.stderr, proc.returncode)


@pytest.fixture(scope="module")
def logs() -> Iterator[Path]:
    """A directory both daemons can write their file outputs into."""
    with tempfile.TemporaryDirectory(prefix="pvlog-", dir="/tmp") as tmp:
        os.chmod(tmp, 0o777)
        yield Path(tmp)


@pytest.fixture(scope="module")
def libvirtd(logs: Path) -> Iterator[SessionLibvirtd]:
    if VIRT_ADMIN is None or LIBVIRTD is None:
        pytest.skip("libvirtd and virt-admin (libvirt 9.0) are not installed")
    prefix = as_nobody_prefix()
    home = logs / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    conf = home / "libvirtd.conf"
    conf.write_text(f'log_outputs = "3:file:{home}/libvirtd.log"\n')
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home), "PATH": "/usr/sbin:/usr/bin:/bin"}
    proc = subprocess.Popen(
        [*prefix, LIBVIRTD, "-f", str(conf)], env=env, cwd=str(logs),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        daemon = SessionLibvirtd(home, prefix)
        deadline = time.monotonic() + 60
        while daemon.admin("uri").rc != 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip("a session libvirtd could not be started as uid 65534 here")
            time.sleep(0.2)
        yield daemon
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def daemon(logs: Path) -> Iterator[Daemon]:
    """A pyvirtd working in *logs*, as the libvirtd does (a relative output path lands there)."""
    here = os.getcwd()
    os.chdir(logs)
    try:
        with running_daemon() as d:
            os.chdir(here)
            yield d
    finally:
        os.chdir(here)


def ours(daemon: Daemon, *args: str) -> Result:
    uri = f"pyvirtd:///system?socket={daemon.rundir / 'pyvirt-admin-sock'}"
    return _run(PYVIRT_ADMIN, ["-c", uri, *args])


def both(daemon: Daemon, libvirtd: SessionLibvirtd, *args: str) -> tuple[Result, Result]:
    """(ours, theirs); theirs first: the files libvirtd creates as uid 65534, root opens too."""
    ref = libvirtd.admin(*args)
    return ours(daemon, *args), ref


FILTERS = [
    "1:qemu 3:remote",
    "1:+qemu",
    "  2:a   ",
    "1:qemu 1:qemu",
    "4:util.json 1:*qemu*",
    "1:a* 2:?b",
    "+1:qemu",
    "01:a",
    "1:qemu:x",
    "4:a\t3:b",
    "1:+*",
    "",
    # libvirt's errors
    "bogus",
    "9:qemu",
    "0:qemu",
    "-1:a",
    "x:qemu",
    ":a",
    "1",
    "1 :a",
    "1:",
    "1:+",
    "1: 2:b",
    "4294967297:a",
]


@pytest.mark.parametrize("filters", FILTERS)
def test_log_filters_are_read_and_shown_as_virt_admin(
    daemon: Daemon, libvirtd: SessionLibvirtd, filters: str
) -> None:
    mine, ref = both(daemon, libvirtd, "daemon-log-filters", "--filters", filters)
    assert mine == ref
    mine, ref = both(daemon, libvirtd, "daemon-log-filters")
    assert mine == ref


def _outputs(logs: Path) -> list[str]:
    return [
        f"1:file:{logs}/a.log 3:stderr",
        "3:stderr",
        f"  2:stderr   4:file:{logs}/b.log ",
        f"1:stderr 2:file:{logs}/c.log 3:stderr",
        f"2:file:{logs}/c.log 3:file:{logs}/c.log",
        "1:syslog:pyvirt-test 2:syslog:other",
        "+1:journald",
        # libvirt's errors
        "9:foo",
        "0:stderr",
        "x:stderr",
        "1",
        "1:foo",
        "1:+file:/tmp/x",
        "1:file",
        f"1:file:{logs}/a:b.log",
        "1:stderr:x",
        "1:syslog",
        "1:syslog:a:b",
        "1:journald:x",
        "1:stderr 9:x",
        f"1:file:{logs}/no/such/dir/x.log",
        "1:file:",  # the daemon's working directory: "Is a directory"
        "1:file:relative.log",
    ]


def test_log_outputs_are_read_and_shown_as_virt_admin(
    daemon: Daemon, libvirtd: SessionLibvirtd, logs: Path
) -> None:
    for outputs in _outputs(logs):
        mine, ref = both(daemon, libvirtd, "daemon-log-outputs", "--outputs", outputs)
        assert mine == ref, outputs
        mine, ref = both(daemon, libvirtd, "daemon-log-outputs")
        assert mine == ref, outputs
    assert (logs / "relative.log").exists()  # each daemon working in *logs* wrote there
