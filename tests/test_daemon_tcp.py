"""pyvirtd --listen: the same service over TCP on loopback, the worker's endpoint routed too."""

from __future__ import annotations

import socket

import pytest
import pyvirt
from daemon_helpers import running_daemon


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tcp_transport_reaches_the_same_state():
    port = free_port()
    # auth_tcp = "none" explicitly: these tests are about the transport (SCRAM: test_daemon_auth)
    config = f'listen_addr = "127.0.0.1"\nlisten_tcp = true\nlisten_tls = false\ntcp_port = {port}\nauth_tcp = "none"\n'
    with running_daemon("--listen", config=config):
        with (
            pyvirt.open(f"test+tcp://127.0.0.1:{port}/default") as tcp,
            pyvirt.open("test+unix:///default") as unix,
        ):
            assert tcp.uri == f"test+tcp://127.0.0.1:{port}/default"
            tcp.lookup_domain_by_name("test").suspend()
            assert unix.lookup_domain_by_name("test").state()[0] == pyvirt.DomainState.PAUSED


def test_tcp_without_listening_daemon_fails_cleanly():
    port = free_port()
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(f"test+tcp://127.0.0.1:{port}/default")
    assert err.value.code == pyvirt.ErrorCode.SYSTEM_ERROR
    assert (
        err.value.message
        == f"unable to connect to server at '127.0.0.1:{port}': Connection refused"
    )
