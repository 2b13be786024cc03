"""Read-only and not-yet-open connections, checked over the whole procedure table.

Every modifying procedure must be refused on a read-only connection with libvirt's error, and
every procedure on every socket the daemon opens must be refused before CONNECT_OPEN; neither
may change the driver's state.
"""

from __future__ import annotations

import os
import stat

import pytest
import pyvirt
from daemon_helpers import RawPeer, domain_states, dummy_args, running_daemon
from pyvirt._procedures import wire_address
from pyvirt.rpc import (
    PROC_CONNECT_CLOSE,
    PROC_CONNECT_OPEN,
    PROC_EVENT_ATTACH,
    PROC_EVENT_DETACH,
    PROGRAM_REMOTE,
    Status,
    encode,
)
from pyvirt.rpc._signatures import signatures

pytestmark = pytest.mark.xdist_group("daemon-readonly")

MODIFYING = sorted(
    (sig for sig in signatures().values() if not sig.procedure.readonly_ok),
    key=lambda s: s.procedure.key,
)


@pytest.fixture(scope="module")
def daemon():
    with running_daemon() as d:
        yield d


@pytest.fixture(scope="module")
def before(daemon):
    with pyvirt.open("test+unix:///default") as conn:
        yield domain_states(conn)


def _open_raw(peer: RawPeer, flags: int) -> None:
    status, body = peer.call(PROGRAM_REMOTE, PROC_CONNECT_OPEN, encode(["test:///default", flags]))
    assert status == Status.OK, body


def test_the_table_has_modifying_procedures_to_check():
    assert len(MODIFYING) >= 30


@pytest.mark.parametrize(("socket_name", "flags"), [("pyvirt-test-sock-ro", 0), ("pyvirt-test-sock", 1)])
def test_every_modifying_procedure_is_refused_on_a_read_only_connection(daemon, before, socket_name, flags):
    # Keep a read-write connection open so the shared state outlives the raw sessions.
    with pyvirt.open("test+unix:///default") as keeper, RawPeer(daemon.rundir / socket_name) as peer:
        _open_raw(peer, flags)
        for sig in MODIFYING:
            status, err = peer.call(*wire_address(sig.procedure.key), encode(dummy_args(sig)))
            assert status == Status.ERROR, sig.procedure.method
            assert isinstance(err, dict)
            assert err["code"] == pyvirt.ErrorCode.OPERATION_DENIED == 29, sig.procedure.method
            assert err["message"] == f"operation forbidden: read only access prevents {sig.procedure.api}"
        assert domain_states(keeper) == before


def test_read_only_refusal_comes_before_argument_checks(daemon):
    """A read-only client learns nothing about argument shapes of calls it may not make."""
    sig = next(s for s in MODIFYING if s.procedure.method == "domain_suspend")
    with RawPeer(daemon.rundir / "pyvirt-test-sock-ro") as peer:
        _open_raw(peer, 0)
        status, err = peer.call(*wire_address(sig.procedure.key), encode("not a list"))
        assert status == Status.ERROR and err["code"] == 29


def test_public_read_only_connection_is_refused_for_every_modifying_driver_method(daemon, before):
    with pyvirt.open("test+unix:///default", read_only=True) as ro:
        for sig in MODIFYING:
            with pytest.raises(pyvirt.OperationDeniedError) as err:
                getattr(ro.driver, sig.procedure.method)(*dummy_args(sig))
            assert err.value.message.endswith(f"prevents {sig.procedure.api}")
        assert domain_states(ro) == before


def test_read_only_connection_may_still_call_every_read_only_procedure(daemon):
    allowed = [s for s in signatures().values() if s.procedure.readonly_ok]
    with RawPeer(daemon.rundir / "pyvirt-test-sock-ro") as peer:
        _open_raw(peer, 0)
        for sig in allowed:
            status, body = peer.call(*wire_address(sig.procedure.key), encode(dummy_args(sig)))
            if status == Status.ERROR:  # e.g. "no domain with matching name 'x'": not a refusal
                assert body["code"] != 29, sig.procedure.method


def _daemon_sockets(rundir) -> list[str]:
    names = sorted(n for n in os.listdir(rundir) if stat.S_ISSOCK(os.stat(rundir / n).st_mode))
    return names


def test_daemon_opens_the_expected_sockets(daemon):
    # The daemon's pair (and its admin socket, tested in test_admin_server.py), then one pair
    # per running worker (test always; qemu where QEMU is installed): every one of them is
    # exercised by the refusal tests below.
    expected = ["pyvirt-admin-sock", "pyvirt-sock", "pyvirt-sock-ro"]
    for driver in daemon.worker_pids():
        expected += [f"pyvirt-{driver}-sock", f"pyvirt-{driver}-sock-ro"]
    assert _daemon_sockets(daemon.rundir) == sorted(expected)
    assert "pyvirt-test-sock" in expected


def test_every_procedure_on_every_socket_is_refused_before_connect_open(daemon, before):
    procedures = [(wire_address(s.procedure.key), encode(dummy_args(s))) for s in signatures().values()]
    procedures += [
        ((PROGRAM_REMOTE, PROC_CONNECT_CLOSE), encode([])),
        ((PROGRAM_REMOTE, PROC_EVENT_DETACH), encode(None)),
        ((PROGRAM_REMOTE, PROC_EVENT_ATTACH), encode(b"\0" * 16)),  # not a session's token
    ]
    with pyvirt.open("test+unix:///default", read_only=True) as keeper:
        for name in _daemon_sockets(daemon.rundir):
            if name == "pyvirt-admin-sock":  # serves only the admin program
                continue
            with RawPeer(daemon.rundir / name) as peer:
                for number, body in procedures:
                    status, err = peer.call(*number, body)
                    assert status == Status.ERROR, (name, number)
                    assert (err["code"], err["message"]) == (39, "connection not open"), (name, number)
        assert domain_states(keeper) == before


def test_closing_ends_the_session_so_later_calls_are_refused(daemon):
    sig = next(s for s in signatures().values() if s.procedure.method == "connect_get_type")
    with RawPeer(daemon.rundir / "pyvirt-test-sock") as peer:
        _open_raw(peer, 0)
        assert peer.call(*wire_address(sig.procedure.key), encode([])) == (Status.OK, "TEST")
        assert peer.call(PROGRAM_REMOTE, PROC_CONNECT_CLOSE, encode([]))[0] == Status.OK
        status, err = peer.call(*wire_address(sig.procedure.key), encode([]))
        assert (status, err["message"]) == (Status.ERROR, "connection not open")
