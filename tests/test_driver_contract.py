"""The driver contract suite (``pytest --pyvirt-driver=URI``, pyvirt.testing) run as a user
runs it: a separate pytest process, against the test driver in process and through pyvirtd,
and against the QEMU driver through pyvirtd where QEMU is installed.  The third-party example
driver runs it in its own venv (tests/test_third_party_driver.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from pyvirt.testing import running_pyvirtd, start_pyvirtd


def run_contract(uri: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``pytest --pyvirt-driver=URI`` in *cwd* (outside this repository's pytest settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            f"--pyvirt-driver={uri}",
            *extra,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _summary(out: str) -> str:
    return out[out.index("pyvirt driver contract:") :]


def test_the_test_driver_passes_the_whole_contract_in_process(tmp_path: Path) -> None:
    done = run_contract("test:///default", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" not in done.stdout.splitlines()[-1]
    assert "every feature of the contract is supported" in _summary(done.stdout)


def test_the_test_driver_passes_the_whole_contract_through_pyvirtd(tmp_path: Path) -> None:
    with running_pyvirtd() as daemon:
        done = run_contract(daemon.uri("test+unix:///default"), tmp_path)
        ro_done = run_contract(daemon.uri("test+unix:///default", read_only=True), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every feature of the contract is supported" in _summary(done.stdout)
    # Through the read-only socket every change is refused: the contract says so, and fails.
    assert ro_done.returncode == 1
    assert "operation forbidden: read only access prevents" in ro_done.stdout


@pytest.mark.skipif(
    shutil.which("qemu-system-x86_64") is None,
    reason="qemu-system-x86_64 is not installed (apt install qemu-system-x86)",
)
@pytest.mark.skipif(os.geteuid() != 0, reason="qemu:///system through pyvirtd needs root")
def test_the_qemu_driver_passes_what_it_supports_through_pyvirtd(tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="pvc-", dir="/tmp") as tmp:
        env = {"PYVIRT_QEMU_ROOT": f"{tmp}/qemu", "PYVIRT_QEMU_ACCEL": "tcg"}
        # QEMU as root: the contract's files sit in this private (0700) directory, which
        # the default DAC user could not reach (see tests/qemu_helpers.py, qemu_root).
        Path(tmp, "qemu").mkdir()
        Path(tmp, "qemu", "qemu.conf").write_text('user = "root"\ngroup = "root"\n')
        daemon = start_pyvirtd(Path(tmp) / "run", env=env)
        try:
            # with xdist: the unsupported list is rebuilt from the workers' skip reports
            done = run_contract(daemon.uri("qemu+unix:///system"), tmp_path, "-n", "2")
        finally:
            daemon.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    summary = _summary(done.stdout)
    # The life cycle ran on a real guest; what the QEMU driver lacks is listed, not failed.
    assert "start a domain" not in summary and "define a domain" not in summary
    # Networks are real bridges on qemu:///system (the worker is root here): not listed.
    assert "start a network (virNetworkCreate)" not in summary


def test_a_driver_that_cannot_be_opened_fails_the_run_instead_of_skipping(tmp_path: Path) -> None:
    """Only NO_SUPPORT skips: any other error (here, the node file is missing) fails."""
    done = run_contract(f"test://{tmp_path}/missing-node.xml", tmp_path)
    assert done.returncode == 1
    last = done.stdout.strip().splitlines()[-1]
    assert "passed" not in last and "skipped" not in last and ("failed" in last or "error" in last)
    assert "missing-node.xml" in done.stdout
