"""A client holding ``max_client_requests`` calls in flight on the pool path (the QEMU
driver's worker) keeps no one else out.

The flooder is an asyncio connection whose calls wait on a guest's monitor that cannot answer
(its QEMU is stopped with SIGSTOP, a hung QEMU as libvirt users meet it): each holds a pool
thread.  Calls past the cap are refused at once with "too many calls in flight for this
client", priority procedures excepted; meanwhile a client that logged in over tcp with
SCRAM-SHA-256 is served by the same worker, and afterwards too, once the held calls finish.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import start_daemon
from qemu_helpers import (  # noqa: F401 - fixtures
    daemon_env,
    guest_xml,
    needs_qemu,
    qemu_pids,
    qemu_root,
    wait_for,
)
from test_daemon_auth import PASSWORD, add_user, answer, free_port

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="qemu:///system through pyvirtd needs root"),
]

CAP = 2
#: A bound on a hang only (the QEMU monitor's own timeout is 30 s): never a timing assertion.
HANG = 20.0


def test_a_client_holding_its_cap_of_calls_keeps_no_authenticated_client_out(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, tmp_path: Path
) -> None:
    rundir, env = daemon_env
    creds = tmp_path / "passwd.scram"
    assert add_user(creds, "bob", PASSWORD).returncode == 0
    port = free_port()
    config = (
        f"max_client_requests = {CAP}\nlisten_tcp = true\nlisten_tls = false\n"
        f'tcp_port = {port}\nscram_credentials = "{creds}"\n'
    )
    tcp_uri = f"qemu+tcp://127.0.0.1:{port}/system"
    daemon = start_daemon(rundir, "--listen", config=config, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as admin:
            admin.define_domain(guest_xml("held", None)).start()
        assert wait_for(lambda: len(qemu_pids(qemu_root)) == 1)
        (qemu,) = qemu_pids(qemu_root)

        async def flood() -> tuple[list[object], object, list[str]]:
            conn = await pyvirt.aio.open_driver("qemu:///system")
            try:
                ref = (await conn.domain_lookup_by_name("held")).ref
                assert await conn.domain_memory_stats(ref, 16, 0)  # the monitor answers
                os.kill(qemu, signal.SIGSTOP)
                held = [
                    asyncio.ensure_future(conn.domain_memory_stats(ref, 16, 0)) for _ in range(CAP)
                ]
                await asyncio.sleep(0.5)  # let both reach the worker's pool
                assert not any(call.done() for call in held)
                beyond = await asyncio.gather(
                    asyncio.wait_for(conn.domain_memory_stats(ref, 16, 0), HANG),
                    return_exceptions=True,
                )
                # Served meanwhile: an authenticated client on the same worker.
                seen = await asyncio.to_thread(_names_over_tcp, tcp_uri)
                assert not any(call.done() for call in held)
                os.kill(qemu, signal.SIGCONT)
                results = await asyncio.wait_for(asyncio.gather(*held), HANG)
                return results, beyond[0], seen
            finally:
                os.kill(qemu, signal.SIGCONT)
                await conn.connect_close()

        results, beyond, seen = asyncio.run(flood())
        assert all(stats for stats in results)  # the held calls were answered in the end
        assert isinstance(beyond, pyvirt.VirtError)
        assert beyond.code == pyvirt.ErrorCode.RPC
        assert "too many calls in flight for this client" in str(beyond)
        assert seen == ["held"]
        assert _names_over_tcp(tcp_uri) == ["held"]  # and afterwards
        with pyvirt.open("qemu:///system") as admin:
            admin.lookup_domain_by_name("held").destroy()
    finally:
        daemon.stop(signal.SIGTERM)


def _names_over_tcp(uri: str) -> list[str]:
    """Log in with SCRAM over tcp, list the domains and look one up through the monitor-free
    paths of the same worker."""
    with pyvirt.open(uri, auth=answer("bob", PASSWORD)) as conn:
        names = [dom.name for dom in conn.list_domains()]
        assert conn.lookup_domain_by_name("held").state()[0] == pyvirt.DomainState.RUNNING
        return names
