"""Events of object types other than domains: ``pool-event`` (and ``net-event``'s shared
code), compared with the real virsh in process (listing, refusals, timeouts, a failed
lookup) and through the daemons, where a listener sees what another process does.
"""

from __future__ import annotations

import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from cli_helpers import PYVIRSH, VIRSH, _env, compare, libvirtd_alone, needs_virsh, normalise
from test_cli_events import _connected

pytestmark = needs_virsh


@pytest.mark.parametrize(
    "command",
    [
        "pool-event --list",
        "pool-event --list --event lifecycle",
        "pool-event",
        "pool-event --event foo",
        "pool-event --event lifecycle --timeout 1",
        "pool-event --event refresh --timeout 1 --pool default-pool",
        "pool-event --event lifecycle --timeout 1 --timestamp --loop",
        "pool-event --pool nosuch --event lifecycle --timeout 1",
        "pool-event --event lifecycle --timeout 0",
        "pool-event --event lifecycle --timeout -1",
        "pool-event --event lifecycle --timeout x",
        "help pool-event",
        "net-event --network nosuch --event lifecycle --timeout 1",
        "net-event --event lifecycle --timeout 1 --network default",
    ],
)
def test_pool_event_in_process(command: str) -> None:
    compare("-c", "test:///default", command)


_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: ", re.M)
LISTENERS = (
    "pool-event --event lifecycle --loop --timeout {t}",
    "pool-event --event lifecycle --pool default-pool --timestamp",
    "pool-event --event refresh --loop --timeout {t}",
)
ACTIONS = ("pool-destroy default-pool", "pool-start default-pool", "pool-refresh default-pool")


def _scenario(exe: str, uri: str, seconds: int) -> list[str]:
    env = _env()
    listeners = [
        subprocess.Popen(
            [exe, "-c", uri, cmd.format(t=seconds)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        for cmd in LISTENERS
    ]  # fmt: skip
    deadline = time.monotonic() + seconds / 2
    while not all(_connected(p.pid) for p in listeners) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # connected: give each the moment to register its callback
    for action in ACTIONS:
        subprocess.run([exe, "-c", uri, action], capture_output=True, env=env, timeout=30)
    outputs = []
    for p in listeners:
        out, _ = p.communicate(timeout=seconds + 10)
        outputs.append(f"{p.args[-1]}: {p.returncode}\n{out}")
    return outputs


def test_pool_events_through_the_daemons(daemon_uri: str) -> None:
    """The lifecycle and refresh listeners print virsh's lines for what another process
    does."""
    assert VIRSH is not None
    with libvirtd_alone(), ThreadPoolExecutor(1) as pool:
        theirs_run = pool.submit(_scenario, VIRSH, daemon_uri, 4)
        ours = _scenario(PYVIRSH, daemon_uri, 4)
        theirs = theirs_run.result()
    ours = [_STAMP.sub("<time>: ", normalise(o)) for o in ours]
    theirs = [_STAMP.sub("<time>: ", o) for o in theirs]
    assert "Stopped" in ours[0] and "Started" in ours[0], ours[0]
    assert "event 'refresh' for storage pool default-pool" in ours[2], ours[2]
    assert ours == theirs
