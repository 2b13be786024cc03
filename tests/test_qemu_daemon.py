"""The QEMU driver behind a real pyvirtd: guests outlive a SIGKILLed daemon.

The daemon's QEMU worker is rooted in a temporary directory (``PYVIRT_QEMU_ROOT``) and
forced to TCG; clients reach it through the remote driver with ``qemu:///system`` (the
worker runs as the test user, root in CI, so the driver is privileged).
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import start_daemon
from pyvirt import (
    DomainEventDefinedDetail,
    DomainEventResumedDetail,
    DomainEventShutdownDetail,
    DomainEventStartedDetail,
    DomainEventStoppedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainEventUndefinedDetail,
    DomainState,
)
from qemu_helpers import (  # noqa: F401 - fixtures
    daemon_env,
    disk,
    guest_xml,
    needs_qemu,
    qemu_pids,
    qemu_root,
    wait_for,
)

PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="qemu:///system through pyvirtd needs root"),
]


def test_sigkill_of_pyvirtd_keeps_three_guests_running_and_controllable(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, disk: Path
) -> None:
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            assert conn.get_type() == "QEMU"
            for name in ("a", "b", "c"):
                conn.define_domain(guest_xml(name, disk if name == "a" else None)).start()
            ids = {d.name: d.id for d in conn.list_domains()}
        pids = sorted(qemu_pids(qemu_root))
        assert len(pids) == 3

        daemon.stop(signal.SIGKILL)
        assert sorted(qemu_pids(qemu_root)) == pids  # no guest died with the daemon

        daemon = start_daemon(rundir, env=env)
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            doms = {d.name: d for d in conn.list_domains()}
            assert {n: d.id for n, d in doms.items()} == ids
            assert all(d.state()[0] == DomainState.RUNNING for d in doms.values())
            assert sorted(qemu_pids(qemu_root)) == pids  # the same processes
            doms["a"].suspend()
            assert doms["a"].state()[0] == DomainState.PAUSED
            doms["a"].resume()
            for dom in doms.values():
                dom.destroy()
                dom.undefine()
            assert conn.list_domains() == []
        assert qemu_pids(qemu_root) == []
    finally:
        daemon.stop(signal.SIGKILL if daemon.proc.poll() is None else signal.SIGTERM)


def _pids_running(program: Path) -> list[int]:
    """Live processes whose command line names *program* (before and after its exec)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(program).encode() in (entry / "cmdline").read_bytes():
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_guest_half_started_when_pyvirtd_is_killed_is_killed_on_restart(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> None:
    """pyvirtd SIGKILLed while a guest is starting (its QEMU spawned, the monitor not yet
    reached): the next pyvirtd finds that QEMU, kills it and reports the domain shut off
    (failed); a new start then works, so the guest never runs twice or stays unreachable."""
    slow = qemu_root / "slow-qemu"  # QEMU, two seconds late: the window to kill the daemon
    slow.write_text(f"#!/bin/sh\nsleep 2\nexec {shutil.which('qemu-system-x86_64')} \"$@\"\n")
    slow.chmod(0o755)
    xml = guest_xml("half", None).replace("<devices>", f"<devices><emulator>{slow}</emulator>")
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            conn.define_domain(xml)
        starting = subprocess.Popen([PYVIRSH, "-c", "qemu:///system", "start", "half"],
                                    env={**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        status = qemu_root / "run" / "half.xml"  # written as soon as the QEMU is spawned
        assert wait_for(lambda: status.exists() or starting.poll() is not None)
        (half,) = _pids_running(slow)  # spawned, still in its sleep: the start is half done
        os.kill(daemon.worker_pids()["qemu"], signal.SIGKILL)  # the whole daemon, at once
        daemon.stop(signal.SIGKILL)
        starting.wait(30)

        daemon = start_daemon(rundir, env=env)
        daemon.wait_worker("qemu")
        assert wait_for(lambda: _pids_running(slow) == [] and qemu_pids(qemu_root) == [],
                        timeout=30)  # fmt: skip
        with pyvirt.open("qemu:///system") as conn:
            dom = conn.lookup_domain_by_name("half")
            assert dom.state() == (DomainState.SHUTOFF, 6)  # VIR_DOMAIN_SHUTOFF_FAILED
            dom.start()
            (again,) = qemu_pids(qemu_root)
            assert again != half and dom.state()[0] == DomainState.RUNNING
            dom.destroy()
    finally:
        daemon.stop(signal.SIGKILL if daemon.proc.poll() is None else signal.SIGTERM)


def test_lifecycle_events_reach_a_client_of_pyvirtd(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> None:
    """Every transition, the guest killed behind the daemon's back included, arrives at a
    client through pyvirtd with libvirt's event and detail numbers."""
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as watcher, pyvirt.open("qemu:///system") as conn:
            seen: list[tuple[str, int, int]] = []
            watcher.register_event_callback(lambda _c, e: seen.append((e.name, e.event, e.detail)))
            dom = conn.define_domain(guest_xml("ev", None))
            dom.start()
            # pyvirsh screenshot through the daemon, with virsh's message.
            shot = qemu_root / "shot.png"
            out = subprocess.run(
                [PYVIRSH, "-c", "qemu:///system", "screenshot", "ev", str(shot)],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert out.returncode == 0, out.stderr
            assert out.stdout == f"Screenshot saved to {shot}, with type of image/png\n"
            assert shot.read_bytes().startswith(b"\x89PNG")
            dom.suspend()
            dom.resume()
            dom.destroy()
            dom.start()
            os.kill(qemu_pids(qemu_root)[0], signal.SIGKILL)
            assert wait_for(lambda: dom.state()[0] == DomainState.SHUTOFF)
            dom.undefine()
            conn.create_domain(guest_xml("tr", None)).destroy()
            E, S = DomainEventType, DomainEventStoppedDetail
            want = [
                ("ev", E.DEFINED, DomainEventDefinedDetail.ADDED),
                ("ev", E.STARTED, DomainEventStartedDetail.BOOTED),
                ("ev", E.SUSPENDED, DomainEventSuspendedDetail.PAUSED),
                ("ev", E.RESUMED, DomainEventResumedDetail.UNPAUSED),
                ("ev", E.SHUTDOWN, DomainEventShutdownDetail.HOST),
                ("ev", E.STOPPED, S.DESTROYED),
                ("ev", E.STARTED, DomainEventStartedDetail.BOOTED),
                ("ev", E.STOPPED, S.FAILED),  # crashed: shutoff reason CRASHED
                ("ev", E.UNDEFINED, DomainEventUndefinedDetail.REMOVED),
                ("tr", E.STARTED, DomainEventStartedDetail.BOOTED),
                ("tr", E.SHUTDOWN, DomainEventShutdownDetail.HOST),
                ("tr", E.STOPPED, S.DESTROYED),
            ]
            assert wait_for(lambda: len(seen) >= len(want))
            assert seen == want
    finally:
        daemon.stop(signal.SIGKILL if daemon.proc.poll() is None else signal.SIGTERM)
        assert wait_for(lambda: qemu_pids(qemu_root) == [])


def test_pyvirsh_drives_a_qemu_guests_whole_lifecycle_through_pyvirtd(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, tmp_path: Path
) -> None:
    rundir, env = daemon_env
    xml = tmp_path / "cli1.xml"
    xml.write_text(guest_xml("cli1", None))
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        script = (
            f"define {xml}; start cli1; domstate --reason cli1; suspend cli1; "
            "domstate --reason cli1; resume cli1; domstate --reason cli1; list --all; "
            "destroy cli1; domstate --reason cli1; undefine cli1; list --all"
        )
        done = subprocess.run(
            [PYVIRSH, "-c", "qemu:///system", script],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        lines = [line for line in done.stdout.splitlines() if line]
        assert lines[:7] == [
            f"Domain 'cli1' defined from {xml}",
            "Domain 'cli1' started",
            "running (booted)",
            "Domain 'cli1' suspended",
            "paused (user)",
            "Domain 'cli1' resumed",
            "running (unpaused)",
        ]
        assert lines[7].split() == ["Id", "Name", "State"]
        assert lines[9].split()[1:] == ["cli1", "running"]
        assert lines[10:13] == [
            "Domain 'cli1' destroyed",
            "shut off (destroyed)",
            "Domain 'cli1' has been undefined",
        ]
        assert lines[13].split() == ["Id", "Name", "State"] and len(lines) == 15
        assert qemu_pids(qemu_root) == []
    finally:
        daemon.stop()
