"""The admin server of a real pyvirtd, through the public pyvirt.admin API: every change
reaches the live daemon and its workers at once, and every bad request gets libvirt's error.

Each test that changes the daemon gets a daemon of its own (limits, filters and timeouts
would otherwise leak into the next test)."""

from __future__ import annotations

import os
import signal
import stat
import time
from collections.abc import Iterator

import pytest
import pyvirt
import pyvirt.admin
from daemon_helpers import Daemon, RawPeer, running_daemon
from pyvirt.admin import AdminConnection

URI = "test+unix:///default"


def admin_uri(daemon: Daemon) -> str:
    return f"pyvirtd:///system?socket={daemon.rundir / 'pyvirt-admin-sock'}"


@pytest.fixture
def daemon() -> Iterator[Daemon]:
    with running_daemon() as d:
        yield d


@pytest.fixture
def admin(daemon: Daemon) -> Iterator[AdminConnection]:
    with pyvirt.admin.open(admin_uri(daemon)) as conn:
        yield conn


def _error(call, *args) -> pyvirt.VirtError:  # noqa: ANN001 - any admin call
    with pytest.raises(pyvirt.VirtError) as err:
        call(*args)
    return err.value


# -- the socket ------------------------------------------------------------------------------
def test_the_admin_socket_is_root_only_and_goes_with_the_daemon(daemon: Daemon) -> None:
    path = daemon.rundir / "pyvirt-admin-sock"
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    daemon.stop(signal.SIGTERM)
    assert not path.exists()


def test_the_admin_socket_path_and_mode_come_from_the_config(tmp_path) -> None:
    path = f"/tmp/pvd-admin-{os.getpid()}.sock"
    config = f'admin_sock = "{path}"\nunix_sock_admin_perms = "0750"\n'
    with running_daemon(config=config) as daemon:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o750
        with pyvirt.admin.open(f"pyvirtd:///system?socket={path}") as conn:
            assert conn.lib_version() == 9_000_000
        daemon.stop(signal.SIGTERM)
        assert not os.path.exists(path)


def test_a_missing_socket_gives_libvirts_connect_error(tmp_path) -> None:
    err = _error(pyvirt.admin.open, f"pyvirtd:///system?socket={tmp_path}/none")
    assert (err.code, err.domain) == (pyvirt.ErrorCode.SYSTEM_ERROR, pyvirt.ErrorDomain.RPC)
    assert str(err) == f"Failed to connect socket to '{tmp_path}/none': No such file or directory"


def test_an_unknown_scheme_is_refused_before_connecting() -> None:
    err = _error(pyvirt.admin.open, "foo:///system")
    assert str(err) == "unsupported configuration: Unsupported URI scheme 'foo'"
    assert _error(pyvirt.admin.open, "pyvirtd:///system", 1).code == pyvirt.ErrorCode.INVALID_ARG


def test_the_admin_socket_serves_only_the_admin_program(daemon: Daemon) -> None:
    from pyvirt.rpc import PROC_CONNECT_OPEN, PROGRAM_REMOTE, encode

    with RawPeer(daemon.rundir / "pyvirt-admin-sock") as peer:
        status, error = peer.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode([URI, 0]))
        assert status == 1 and isinstance(error, dict) and error["code"] == 39
        status, error = peer.call(0x06900690, 999, encode([]))
        assert status == 1 and isinstance(error, dict)
        assert "unknown procedure 999" in str(error["message"])
        status, error = peer.call(0x06900690, 5, b"\xc1")  # not msgpack
        assert status == 1 and isinstance(error, dict) and error["code"] == 39
        status, error = peer.call(0x06900690, 5, encode(["a", 0, 1, 2, 3]))  # too many
        assert status == 1 and isinstance(error, dict)
        assert "wrong number of arguments" in str(error["message"])
        assert peer.ping()  # and the daemon still answers


# -- servers ---------------------------------------------------------------------------------
def test_servers_and_lookup(admin: AdminConnection) -> None:
    assert [s.name for s in admin.list_servers()] == ["pyvirtd", "admin"]
    assert admin.lookup_server("admin").name == "admin"
    err = _error(admin.lookup_server, "nope")
    assert (err.code, str(err)) == (pyvirt.ErrorCode.NO_SERVER, "Server not found: No server named 'nope'")


def test_threadpool_changes_are_seen_at_once_and_checked(admin: AdminConnection) -> None:
    srv = admin.lookup_server("pyvirtd")
    before = srv.threadpool_parameters()
    assert list(before) == [
        "minWorkers", "maxWorkers", "nWorkers", "freeWorkers", "prioWorkers", "jobQueueDepth",
    ]
    assert (before["minWorkers"], before["maxWorkers"], before["prioWorkers"]) == (5, 20, 5)
    srv.set_threadpool_parameters({"maxWorkers": 8, "prioWorkers": 2})
    after = srv.threadpool_parameters()
    assert (after["maxWorkers"], after["prioWorkers"]) == (8, 2)
    err = _error(srv.set_threadpool_parameters, {"minWorkers": 9})
    assert str(err) == "invalid argument: minWorkers cannot be larger than maxWorkers"
    assert _error(srv.set_threadpool_parameters, {"bogus": 1}).code == pyvirt.ErrorCode.INVALID_ARG
    assert _error(srv.set_threadpool_parameters, {"maxWorkers": -1}).code == pyvirt.ErrorCode.INVALID_ARG
    err = _error(admin.lookup_server("admin").set_threadpool_parameters, {"maxWorkers": 3})
    assert err.code == pyvirt.ErrorCode.OPERATION_UNSUPPORTED
    with pyvirt.open(URI) as conn:  # the worker still serves, on its new pool
        assert conn.lookup_domain_by_name("test").name == "test"


# -- clients ---------------------------------------------------------------------------------
def test_clients_are_listed_with_their_identity(admin: AdminConnection) -> None:
    srv = admin.lookup_server("pyvirtd")
    assert srv.list_clients() == []
    with pyvirt.open(URI) as rw, pyvirt.open(URI, read_only=True) as ro:
        rw.hostname(), ro.hostname()
        clients = srv.list_clients()
        assert len(clients) == 2 and clients[0].id < clients[1].id
        assert {c.transport_name for c in clients} == {"unix"}
        assert all(abs(c.timestamp - time.time()) < 3600 for c in clients)
        infos = [dict(c.info()) for c in clients]
        assert sorted(i["readonly"] for i in infos) == [False, True]
        for info in infos:
            assert info["unix_user_id"] == os.getuid()
            assert info["unix_process_id"] == os.getpid()
            assert isinstance(info["unix_user_name"], str) and info["unix_user_name"]
        assert [k for k, _ in clients[0].info()][:2] == ["readonly", "unix_user_id"]
        assert srv.lookup_client(clients[1].id) == clients[1]
        limits = srv.client_limits()
        assert limits["nclients"] == 2
    assert srv.list_clients() == []
    # the admin server's own client: this connection
    (me,) = admin.lookup_server("admin").list_clients()
    assert dict(me.info())["unix_process_id"] == os.getpid()


def test_unknown_clients_get_libvirts_error(admin: AdminConnection) -> None:
    srv = admin.lookup_server("pyvirtd")
    for bad in (99999, 0, 1 << 40, (1 << 33) + 5):
        err = _error(srv.lookup_client, bad)
        assert (err.code, str(err)) == (
            pyvirt.ErrorCode.NO_CLIENT,
            f"Client not found: No client with matching ID '{bad}'",
        )
    assert _error(admin.lookup_server("admin").lookup_client, 424242).code == pyvirt.ErrorCode.NO_CLIENT


def test_disconnect_closes_the_client_for_good_with_libvirts_error(admin: AdminConnection) -> None:
    srv = admin.lookup_server("pyvirtd")
    conn = pyvirt.open(URI)
    conn.hostname()
    other = pyvirt.open(URI)
    other.hostname()
    (victim,) = [c for c in srv.list_clients() if c.id == min(x.id for x in srv.list_clients())]
    victim.close()
    errors = []
    for _ in range(3):
        with pytest.raises(pyvirt.VirtError) as err:
            conn.list_domains()
        errors.append(err.value)
    # The last calls all say what libvirt says once its socket is closed (the first may
    # also fail as a transport error, as libvirt's does with "Cannot write data").
    assert (errors[-1].code, errors[-1].domain, str(errors[-1])) == (
        pyvirt.ErrorCode.INTERNAL_ERROR,
        pyvirt.ErrorDomain.RPC,
        "internal error: client socket is closed",
    )
    assert not conn.is_alive()
    assert [c.id for c in srv.list_clients()] != [victim.id]
    assert other.hostname()  # the other client is untouched
    conn.close()
    other.close()


def test_disconnect_reaches_an_asyncio_client_too(admin: AdminConnection) -> None:
    import asyncio

    import pyvirt.aio

    async def main() -> pyvirt.VirtError:
        async with await pyvirt.aio.open(URI) as conn:
            await conn.hostname()
            (client,) = admin.lookup_server("pyvirtd").list_clients()
            client.close()
            for _ in range(3):
                try:
                    await conn.list_domains()
                except pyvirt.VirtError as exc:
                    last = exc
            return last

    assert str(asyncio.run(main())) == "internal error: client socket is closed"


def test_lowering_max_clients_refuses_new_clients_at_once(admin: AdminConnection) -> None:
    srv = admin.lookup_server("pyvirtd")
    with pyvirt.open(URI) as first:
        first.hostname()
        srv.set_client_limits({"nclients_max": 1, "nclients_unauth_max": 1})
        assert srv.client_limits() == {
            "nclients_max": 1, "nclients": 1, "nclients_unauth_max": 1, "nclients_unauth": 0,
        }
        with pytest.raises(pyvirt.VirtError, match="Too many active clients"):
            pyvirt.open(URI).hostname()
        assert first.hostname()  # the client already in is served
        srv.set_client_limits({"nclients_max": 2})
        with pyvirt.open(URI) as second:
            assert second.hostname()


def test_client_limits_are_checked(admin: AdminConnection) -> None:
    srv = admin.lookup_server("pyvirtd")
    err = _error(srv.set_client_limits, {"nclients_max": 5, "nclients_unauth_max": 6})
    assert str(err).startswith("invalid argument: The overall maximum number of clients waiting")
    assert _error(srv.set_client_limits, {"nclients_max": 0, "nclients_unauth_max": 0}).code == 8
    assert _error(srv.set_client_limits, {"other": 1}).code == pyvirt.ErrorCode.INVALID_ARG
    assert srv.client_limits()["nclients_max"] == 5000  # nothing changed
    adm = admin.lookup_server("admin")
    assert adm.client_limits()["nclients_unauth_max"] == 0
    adm.set_client_limits({"nclients_max": 1})
    with pytest.raises(pyvirt.VirtError):  # this connection is the one the server takes
        pyvirt.admin.open(admin.uri())


# -- logging ---------------------------------------------------------------------------------
def test_log_filters_change_what_the_workers_log(daemon: Daemon, admin: AdminConnection) -> None:
    srv = admin.lookup_server("pyvirtd")
    line = "disconnected by the administrator"

    def disconnect_one() -> None:
        with pyvirt.open(URI) as conn:
            conn.hostname()
            srv.list_clients()[0].close()

    assert admin.logging_filters() == ""
    disconnect_one()
    assert line not in daemon.log.read_text()
    admin.set_logging_filters("4:transport 2:admin")  # libvirt's: a pattern within the name
    assert admin.logging_filters() == "4:*transport* 2:*admin* "
    disconnect_one()
    assert daemon.log.read_text().count(line) == 1
    admin.set_logging_filters("")
    disconnect_one()
    assert daemon.log.read_text().count(line) == 1
    err = _error(admin.set_logging_filters, "bogus")
    assert err.code == pyvirt.ErrorCode.INVALID_ARG
    assert admin.logging_filters() == ""


def test_log_outputs_send_the_log_to_a_file(daemon: Daemon, admin: AdminConnection, tmp_path) -> None:
    assert admin.logging_outputs() == "3:stderr"
    target = tmp_path / "pyvirtd.log"
    admin.set_logging_outputs(f"1:file:{target}")
    assert admin.logging_outputs() == f"1:file:{target}"
    with pyvirt.open(URI) as conn:
        conn.hostname()
        admin.lookup_server("pyvirtd").list_clients()[0].close()
    text = target.read_text()
    # the worker logs there too, at the output's level (INFO passes, log_level is WARNING)
    assert "pyvirtd[test] INFO pyvirtd.admin: client" in text
    for bad in ("9:stderr", "1:syslog", "1:file", "x"):
        assert _error(admin.set_logging_outputs, bad).code == pyvirt.ErrorCode.INVALID_ARG
    err = _error(admin.set_logging_outputs, f"1:file:{tmp_path}/no/such/dir/x.log")
    assert err.code == pyvirt.ErrorCode.SYSTEM_ERROR
    assert admin.logging_outputs() == f"1:file:{target}"


# -- timeout, TLS ------------------------------------------------------------------------------
def test_daemon_timeout_makes_an_idle_daemon_exit(daemon: Daemon, admin: AdminConnection) -> None:
    assert _error(admin.set_daemon_timeout, -1).code == pyvirt.ErrorCode.INVALID_ARG
    admin.set_daemon_timeout(1)
    admin.close()
    assert daemon.proc.wait(timeout=30) == 0


def test_update_tls_without_tls_is_libvirts_error(admin: AdminConnection) -> None:
    err = _error(admin.lookup_server("pyvirtd").update_tls_files)
    assert str(err) == "internal error: no tls service found, unable to update tls files"
