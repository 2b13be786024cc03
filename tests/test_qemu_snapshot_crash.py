"""pyvirtd SIGKILLed while a running guest's snapshot is being taken: after a restart the
guest is the same single QEMU, still running, and the snapshot is complete (listed, and in
the image) or absent (neither), never half there."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import start_daemon
from pyvirt import DomainState, VirtError
from qemu_guest import BANNER, Guest, guest_domain_xml, wait_for_text
from qemu_helpers import daemon_env, needs_qemu, qemu_pids, qemu_root, wait_for  # noqa: F401
from test_qemu_snapshots import _disk_xml, _image_snapshots, _qcow2

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason="qemu:///system through pyvirtd needs root"),
]


def test_sigkill_during_a_snapshot_leaves_it_complete_or_absent(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path, linux_guest: Guest
) -> None:
    rundir, env = daemon_env
    disk = _qcow2(qemu_root)
    log = qemu_root / "console.log"
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            dom = conn.define_domain(guest_domain_xml(linux_guest, "crash", log,
                                                      devices=_disk_xml(disk)))  # fmt: skip
            dom.start()
            assert wait_for_text(log, BANNER)
            pids = qemu_pids(qemu_root)
            failures: list[BaseException] = []

            def take() -> None:
                try:
                    dom.snapshot_create_xml("<domainsnapshot><name>s</name></domainsnapshot>")
                except (VirtError, OSError) as exc:
                    failures.append(exc)

            taker = threading.Thread(target=take)
            taker.start()
            marker = qemu_root / "lib" / "snapshot" / "crash" / ".s.pending"
            assert wait_for(marker.exists, 60)
            daemon.stop(signal.SIGKILL)
            taker.join(60)
        assert qemu_pids(qemu_root) == pids  # the guest outlived the daemon

        daemon = start_daemon(rundir, env=env)
        daemon.wait_worker("qemu")
        with pyvirt.open("qemu:///system") as conn:
            dom = conn.lookup_domain_by_name("crash")
            assert wait_for(lambda: dom.state()[0] == DomainState.RUNNING, 60)
            assert qemu_pids(qemu_root) == pids  # once, the same process
            listed = dom.snapshot_names()
            assert listed in ([], ["s"])
            assert _image_snapshots(disk) == listed, "metadata and image disagree"
            assert not marker.exists()
            dom.snapshot_create_xml("<domainsnapshot><name>after</name></domainsnapshot>")
            assert _image_snapshots(disk) == [*listed, "after"]
            dom.destroy()
    finally:
        daemon.stop(signal.SIGKILL if daemon.proc.poll() is None else signal.SIGTERM)
