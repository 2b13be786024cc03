"""pyvirt-admin against virt-admin 9.0: the same commands give the same bytes (stdout, stderr,
exit status), libvirtd's server name and the daemons' own numbers aside.

virt-admin talks to the running libvirtd (its admin socket is root's); pyvirt-admin to a
pyvirtd this module starts.  Commands that change the daemon run against pyvirtd only (the
shared libvirtd is left alone), and their effect is checked with the reading commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
from cli_helpers import Result, libvirtd_problem
from daemon_helpers import Daemon, running_daemon

PYVIRT_ADMIN = str(Path(sys.executable).parent / "pyvirt-admin")
VIRT_ADMIN = shutil.which("virt-admin")


def _run(binary: str, args: list[str], stdin: str | None = None) -> Result:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    proc = subprocess.run(
        [binary, *args], capture_output=True, text=True, env=env, timeout=60,
        **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
    )  # fmt: skip
    return Result(proc.stdout, proc.stderr, proc.returncode)


@pytest.fixture(scope="module")
def daemon() -> Iterator[Daemon]:
    with running_daemon() as d:
        yield d


@pytest.fixture(scope="module")
def reference() -> None:
    if VIRT_ADMIN is None:
        pytest.skip("virt-admin (libvirt-clients 9.0) is not installed")
    problem = libvirtd_problem()
    if problem is not None:
        pytest.skip(problem)
    if os.geteuid() != 0:
        pytest.skip("libvirtd's admin socket is root's")


def ours(daemon: Daemon, *args: str) -> Result:
    uri = f"pyvirtd:///system?socket={daemon.rundir / 'pyvirt-admin-sock'}"
    return _run(PYVIRT_ADMIN, ["-c", uri, *args])


def theirs(*args: str) -> Result:
    assert VIRT_ADMIN is not None
    return _run(VIRT_ADMIN, list(args))


def same(daemon: Daemon, *args: str) -> Result:
    """Run both with *args* (``SRV`` standing for the daemon's server name); assert the same
    result, libvirtd's name read as pyvirtd's.  Returns ours."""
    mine = ours(daemon, *(a.replace("SRV", "pyvirtd") for a in args))
    ref = theirs(*(a.replace("SRV", "libvirtd") for a in args))

    def norm(text: str) -> str:
        return text.replace("'libvirtd' or 'virtproxyd'", "'pyvirtd'").replace("libvirtd", "pyvirtd")

    assert (mine.out, mine.err, mine.rc) == (norm(ref.out), norm(ref.err), ref.rc), args
    return mine


def test_help_of_every_command_is_virt_admins(daemon: Daemon, reference: None) -> None:
    for name in (
        "uri", "version", "connect", "server-list", "server-threadpool-info", "client-list",
        "client-info", "server-clients-info", "server-threadpool-set", "client-disconnect",
        "server-clients-set", "server-update-tls", "daemon-log-filters", "daemon-log-outputs",
        "daemon-timeout", "srv-list", "srv-clients-list", "cd", "echo", "pwd", "quit", "exit",
        "help",
    ):
        same(daemon, "help", name)


def test_global_help_lists_virt_admins_commands(daemon: Daemon, reference: None) -> None:
    same(daemon, "help")


@pytest.mark.parametrize(
    "args",
    [
        ("foo",),
        ("srv-list", "extra"),
        ("client-info", "SRV"),
        ("client-info", "SRV", "abc"),
        ("client-info", "SRV", "99999"),
        ("client-disconnect", "SRV", "99999"),
        ("client-disconnect", "SRV", "-3"),
        ("srv-threadpool-info", "nope"),
        ("srv-threadpool-info",),
        ("srv-threadpool-set", "SRV"),
        ("srv-threadpool-set", "SRV", "--min-workers", "30"),
        ("srv-threadpool-set", "SRV", "--max-workers", "0"),
        ("srv-clients-set", "SRV"),
        ("srv-clients-set", "SRV", "--max-clients", "1", "--max-unauth-clients", "5"),
        ("srv-clients-set", "SRV", "--max-clients", "0"),
        ("srv-update-tls", "SRV"),
        ("daemon-timeout",),
        ("daemon-timeout", "--timeout", "-1"),
        ("daemon-timeout", "--timeout", "x"),
        ("daemon-log-filters", "--filters"),
    ],
)
def test_errors_are_virt_admins(daemon: Daemon, reference: None, args: tuple[str, ...]) -> None:
    same(daemon, *args)


def test_bad_log_settings_fail_as_virt_admins(daemon: Daemon, reference: None) -> None:
    """Refused settings change nothing, so the shared libvirtd is safe to ask (the accepted
    ones are compared with a libvirtd of their own: test_cli_admin_log_syntax)."""
    for args in (("daemon-log-filters", "--filters", "bogus"), ("daemon-log-outputs", "9:foo")):
        same(daemon, *args)


def test_connection_failures_are_virt_admins(tmp_path: Path, reference: None) -> None:
    for uri in (f"libvirtd:///system?socket={tmp_path}/none", "foo:///system"):
        mine = _run(PYVIRT_ADMIN, ["-c", uri.replace("libvirtd:", "pyvirtd:"), "srv-list"])
        ref = theirs("-c", uri, "srv-list")
        assert (mine.out, mine.err, mine.rc) == (ref.out, ref.err, ref.rc)


def _shape(text: str) -> str:
    """Numbers, ids and times out: what is left is the layout."""
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4}", "TIME", text)
    return re.sub(r"\d+", "N", text.replace("libvirtd", "pyvirtd"))


@pytest.mark.parametrize(
    "args",
    [("version",), ("srv-threadpool-info", "SRV"), ("srv-clients-info", "SRV"),
     ("srv-threadpool-info", "admin"), ("daemon-log-filters",)],
)
def test_reports_have_virt_admins_layout(daemon: Daemon, reference: None, args) -> None:
    mine = ours(daemon, *(a.replace("SRV", "pyvirtd") for a in args))
    ref = theirs(*(a.replace("SRV", "libvirtd") for a in args))
    assert (_shape(mine.out), mine.err, mine.rc) == (_shape(ref.out), ref.err, ref.rc)


def test_server_list_is_virt_admins_with_pyvirtds_name(daemon: Daemon, reference: None) -> None:
    # libvirtd lists its servers in its hash table's order, which a random seed sets per run
    head, rows = theirs("srv-list").out.split("----------------\n")
    assert head == " Id   Name\n"
    assert sorted(row[6:] for row in rows.splitlines() if row) == ["admin", "libvirtd"]
    assert [row[:6] for row in rows.splitlines() if row] == [" 0    ", " 1    "]
    assert ours(daemon, "srv-list").out == " Id   Name\n---------------\n 0    pyvirtd\n 1    admin\n\n"


def test_clients_list_and_info_of_a_real_client(daemon: Daemon, reference: None) -> None:
    with pyvirt.open("test+unix:///default") as conn:
        conn.hostname()
        listed = ours(daemon, "srv-clients-list", "pyvirtd")
        with pyvirt.open("test+unix:///default", read_only=True) as probe:
            probe.hostname()  # a client of libvirtd's too, for the reference layout
        assert listed.rc == 0
        header, rule, row, blank = listed.out.split("\n")[:4]
        assert re.fullmatch(r" Id +Transport   Connected since", header) and set(rule) == {"-"}
        client_id = row.split()[0]
        assert re.fullmatch(rf" {client_id} +unix        \S+ \S+", row) and blank == ""
        info = ours(daemon, "client-info", "pyvirtd", client_id)
        assert info.rc == 0
        assert info.out.splitlines()[:4] == [
            f"id             : {client_id}",
            info.out.splitlines()[1],
            "transport      : unix",
            "readonly       : no",
        ]
        assert f"unix_process_id: {os.getpid()}\n" in info.out
        assert f"unix_user_id   : {os.getuid()}\n" in info.out
        done = ours(daemon, "client-disconnect", "pyvirtd", client_id)
        assert (done.out, done.rc) == (f"Client '{client_id}' disconnected\n\n", 0)
        with pytest.raises(pyvirt.VirtError, match="client socket is closed|lost"):
            conn.hostname()
    assert ours(daemon, "srv-clients-list", "pyvirtd").out.count("\n") == 3  # header only


def test_changes_show_at_once(daemon: Daemon) -> None:
    assert ours(daemon, "srv-threadpool-set", "pyvirtd", "--max-workers", "7").rc == 0
    assert "maxWorkers     : 7\n" in ours(daemon, "srv-threadpool-info", "pyvirtd").out
    assert ours(daemon, "srv-clients-set", "pyvirtd", "--max-clients", "40").rc == 0
    assert "nclients_max        : 40\n" in ours(daemon, "srv-clients-info", "pyvirtd").out
    assert ours(daemon, "daemon-log-filters", "2:worker 1:+transport").out == "\n"
    assert ours(daemon, "daemon-log-filters").out == " Logging filters: 2:*worker* 1:*transport* \n\n"
    assert ours(daemon, "daemon-log-filters", "pyvirtd.worker=INFO").rc == 0  # pyvirt's older form
    assert ours(daemon, "daemon-log-filters").out == " Logging filters: 2:*pyvirtd.worker* \n\n"
    assert ours(daemon, "daemon-log-filters", "").rc == 0
    assert ours(daemon, "daemon-log-outputs").out == " Logging outputs: 3:stderr\n\n"
    ours(daemon, "srv-clients-set", "pyvirtd", "--max-clients", "5000")


def test_acl_explain_is_still_served(daemon: Daemon) -> None:
    result = _run(PYVIRT_ADMIN, ["acl", "explain", "user:root", "domain:start", "--rules", "/dev/null"])
    assert result.rc in (0, 1, 2) and "Traceback" not in result.err


# -- the interactive shell -------------------------------------------------------------------
SESSION = (
    "help\nhelp cd\nhelp echo\necho hi there\necho --shell 'a b'\npwd\ncd /\npwd\n"
    "srv-list extra\nbogus\nversion --x\nconnect\nconnect foo:///x\nconnect\nsrv-list\n"
    "connect --name URI\nsrv-threadpool-info nope\n"
    "help nosuch\nquit\nuri\n"
)


def test_the_shell_is_virt_admins_with_pyvirt_admins_name(daemon: Daemon, reference: None) -> None:
    """No command: virt-admin's banner, its prompt named after this program, each line echoed
    when stdin is not a terminal, the same outputs and errors; quit ends it (the last line
    is never read)."""
    uri = f"pyvirtd:///system?socket={daemon.rundir / 'pyvirt-admin-sock'}"
    mine = _run(PYVIRT_ADMIN, ["-c", uri], stdin=SESSION.replace("URI", uri))
    ref = _run(VIRT_ADMIN or "virt-admin", ["-c", "libvirtd:///system"],
               stdin=SESSION.replace("URI", "libvirtd:///system"))  # fmt: skip
    expected = (
        ref.out.replace("virt-admin #", "pyvirt-admin #")
        .replace("Welcome to virt-admin,", "Welcome to pyvirt-admin,")
        .replace("--name libvirtd:///system", f"--name {uri}")
    )
    assert (mine.out, mine.err, mine.rc) == (expected, ref.err.replace("libvirtd", "pyvirtd"), 0)
    assert mine.out.startswith(
        "Welcome to pyvirt-admin, the administrating virtualization interactive terminal.\n"
    )
    assert "pyvirt-admin # srv-list extra\npyvirt-admin # " in mine.out


def test_the_shell_tracks_the_connection_and_its_commands(daemon: Daemon) -> None:
    uri = f"pyvirtd:///system?socket={daemon.rundir / 'pyvirt-admin-sock'}"
    session = f"uri\nsrv-list\nconnect --name {uri}\nsrv-clients-info pyvirtd\nexit\n"
    result = _run(PYVIRT_ADMIN, ["-q", "-c", uri], stdin=session)
    assert result.rc == 0 and result.err == ""
    assert result.out.startswith(f"pyvirt-admin # uri\n{uri}\npyvirt-admin # srv-list\n")
    assert f"# connect --name {uri}\nReconnected to the admin server\npyvirt-admin" in result.out
    assert " 0    pyvirtd\n 1    admin\n" in result.out
    assert "nclients_max        : " in result.out
    assert result.out.endswith("pyvirt-admin # exit\n\n")


def test_the_shell_does_not_start_without_its_daemon(tmp_path: Path, reference: None) -> None:
    for uri in (f"libvirtd:///system?socket={tmp_path}/none", "foo:///system"):
        mine = _run(PYVIRT_ADMIN, ["-c", uri.replace("libvirtd:", "pyvirtd:")], stdin="uri\n")
        ref = _run(VIRT_ADMIN or "virt-admin", ["-c", uri], stdin="uri\n")
        assert (mine.out, mine.err, mine.rc) == (ref.out, ref.err, ref.rc) and ref.rc == 1
