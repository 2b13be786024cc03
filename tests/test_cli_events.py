"""pyvirsh's event and net-event against virsh's: locally, and listening through the daemons
while other processes act (virsh → libvirtd, pyvirsh → pyvirtd)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cli_helpers import (
    PYVIRSH,
    URI,
    VIRSH,
    _env,
    compare,
    libvirtd_alone,
    needs_virsh,
    normalise,
    on_test,
)

pytestmark = needs_virsh

D2 = """<domain type='test'>
  <name>d2</name>
  <uuid>2a747b25-687c-4dd1-8669-3c659f407ba2</uuid>
  <memory>1048576</memory>
  <os><type>hvm</type></os>
</domain>
"""

ERRORS = [
    "event", "event --event bogus", "event --all --event lifecycle", "event --list --all",
    "event --list --event lifecycle", "event --domain nope", "event --all --domain nope",
    "event --all --domain ''", "event --event ''", "event --all --timeout 0",
    "event --all --timeout 00", "event --all --timeout -1", "event --all --timeout -0",
    "event --all --timeout 1x", "event --all --timeout ''", "event --all --timeout 2147484",
    "event --all --timeout 4294967296", "event --event bogus --domain nope",
    "net-event", "net-event --event bogus", "net-event --event ''",
    "net-event --event lifecycle --timeout 0",
]


def test_listing_help_and_refusals():
    """Every refusal comes before any waiting; `--list` needs no event type."""
    on_test("event --list", "event --list --timeout 0", "event --list --domain nope",
            "net-event --list", "net-event --list --event lifecycle", "help event",
            "help net-event", "help events", *ERRORS)


def test_waiting_in_process_times_out_without_events():
    """On test:///default nothing else can act while `event` waits: it times out (status 1),
    and the commands after it run as usual."""
    on_test("event --all --timeout 1", "suspend test",
            "net-event --network nope --event lifecycle --timeout 1",
            "event test lifecycle 1 --loop --timestamp")


@pytest.mark.parametrize("binary", ["virsh", "pyvirsh"])
def test_interrupt_ends_the_wait(binary):
    """^C while waiting: virsh's handler is installed even where SIGINT was ignored."""
    exe = VIRSH if binary == "virsh" else PYVIRSH
    assert exe is not None
    proc = subprocess.Popen(
        [exe, "-c", URI, "event --all --loop"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=_env(), preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert (out, err, proc.returncode) == ("event loop interrupted\nevents received: 0\n\n", "", 1)


# -- through the daemons ---------------------------------------------------------------------
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: ", re.M)

LISTENERS = [
    "event --all --loop --timeout {t} --timestamp",
    "-r event --domain test --event lifecycle",  # read-only, one-shot: the first event only
    "net-event --event lifecycle --loop --timeout {t}",
    "event --domain test --all --loop --timeout {t}",  # test's events, not d2's
]
ACTIONS = [  # each in its own process
    "suspend test", "domstate --reason test", "resume test",
    "define d2.xml; start d2; suspend d2; destroy d2; undefine d2",
    "net-destroy default; net-start default", "domstate --reason test",
]


def _connected(pid: int) -> bool:
    """Whether the process holds a socket (its connection to the daemon)."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def scenario(exe: str, uri: str, cwd: Path, seconds: int,
             commands: tuple[list[str], list[str]] = (LISTENERS, ACTIONS)) -> list[str]:
    """Start the listeners, run the actions one process each, return every output
    (*commands*: the listeners and the actions; tests/test_events_more.py has its own)."""
    env = _env()
    listening, actions = commands
    listeners = [
        subprocess.Popen([exe, *(["-r"] if cmd.startswith("-r ") else []), "-c", uri,
                          cmd.removeprefix("-r ").format(t=seconds)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for cmd in listening
    ]
    deadline = time.monotonic() + seconds / 2
    while not all(_connected(p.pid) for p in listeners) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # connected: give each the moment to register its callbacks
    outputs = []
    for action in actions:
        done = subprocess.run([exe, "-c", uri, action], capture_output=True, text=True,
                              env=env, cwd=cwd, timeout=30)
        outputs.append(f"{action}: {done.returncode}\n{done.stdout}{done.stderr}")
    for p in listeners:
        out, _ = p.communicate(timeout=seconds + 10)
        outputs.append(f"{p.args[-1]}: {p.returncode}\n{out}")
    return outputs


#: virsh prints this now and then when a one-shot `event` exits while libvirtd's event for it
#: is still being dispatched (virConnectClose finds the domain's reference still held): a race
#: inside virsh, not behaviour to copy.  Seen in a CI run of this test; virsh's other output
#: is unchanged by it.
_VIRSH_LEAK_RACE = "error: One or more references were leaked after disconnect from the hypervisor\n"


def test_listeners_see_what_other_processes_do(daemon_uri, tmp_path):
    """While listeners hold connections, state is shared between separate processes
    (domstate sees the suspend of the process before) and every listener prints virsh's
    lines; only the timestamps differ."""
    (tmp_path / "d2.xml").write_text(D2)
    assert VIRSH is not None
    with libvirtd_alone(), ThreadPoolExecutor(1) as pool:  # no other virsh meanwhile
        virsh_run = pool.submit(scenario, VIRSH, daemon_uri, tmp_path, 4)
        ours = scenario(PYVIRSH, daemon_uri, tmp_path, 4)
        theirs = virsh_run.result()
    assert "paused (user)" in ours[1], ours[1]
    assert _STAMP.search(ours[len(ACTIONS)]), ours[len(ACTIONS)]
    assert [_STAMP.sub("<time>: ", normalise(o)) for o in ours] == [
        _STAMP.sub("<time>: ", o.replace(_VIRSH_LEAK_RACE, "")) for o in theirs]


def test_last_disconnect_resets_the_daemons_state(daemon_uri):
    """With no client left in between, the next process sees test:///default afresh, as
    libvirtd does: what lets the comparisons run each command string from the same state."""
    compare("-c", daemon_uri, "suspend test; domstate test")
    compare("-c", daemon_uri, "domstate --reason test")
    assert "running" in compare("-c", daemon_uri, "domstate test").out
