"""pyvirt's pytest plugin (pyvirt.testing) as a user meets it: fixtures in a separate pytest
run, the contract suite collected only when asked for, and its public API."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyvirt.testing

USER_TESTS = """
import pytest
import pyvirt

def test_a_changes_its_private_default(pyvirt_conn):
    pyvirt_conn.lookup_domain_by_name("test").destroy()
    pyvirt_conn.define_domain(
        "<domain type='test'><name>mine</name><memory>65536</memory>"
        "<os><type>hvm</type></os></domain>")
    assert sorted(d.name for d in pyvirt_conn.list_domains()) == ["mine", "test"]
    # test:///default itself is untouched
    with pyvirt.open("test:///default") as shared:
        assert [d.name for d in shared.list_domains()] == ["test"]
        assert shared.lookup_domain_by_name("test").is_active()

def test_b_sees_the_pristine_default(pyvirt_conn):
    assert [d.name for d in pyvirt_conn.list_domains()] == ["test"]
    assert pyvirt_conn.lookup_domain_by_name("test").is_active()
    assert [n.name for n in pyvirt_conn.list_networks()] == ["default"]
    assert [p.name for p in pyvirt_conn.list_storage_pools()] == ["default-pool"]

def test_c_a_real_daemon(pyvirtd, tmp_path):
    (tmp_path.parent / "rundir.txt").write_text(str(pyvirtd.rundir))
    assert pyvirtd.proc.poll() is None
    # (the daemon's test:///default lives while a client is connected, as libvirtd's)
    with pyvirt.open(pyvirtd.uri("test+unix:///default")) as conn:
        assert conn.get_type() == "TEST"
        conn.lookup_domain_by_name("test").suspend()
        with pyvirt.open(pyvirtd.uri("test+unix:///default", read_only=True)) as ro:
            dom = ro.lookup_domain_by_name("test")
            assert dom.state()[0] == pyvirt.DomainState.PAUSED
            with pytest.raises(pyvirt.OperationDeniedError):
                dom.resume()
"""


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYVIRT_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_fixtures_give_each_test_its_own_state_and_a_real_daemon(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    base = tmp_path / "base"
    done = _pytest(tmp_path, f"--basetemp={base}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    rundir = Path((base / "rundir.txt").read_text())
    assert not rundir.exists(), "the daemon's runtime dir outlived its test"


def test_without_a_driver_the_contract_suite_is_not_collected(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text("def test_one():\n    pass\n")
    done = _pytest(tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout
    assert "pyvirt driver contract" not in done.stdout


def test_with_a_driver_and_paths_both_are_collected(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text("def test_one():\n    pass\n")
    only = _pytest(tmp_path, "--collect-only", "--pyvirt-driver=test:///default")
    both = _pytest(tmp_path, "--collect-only", "--pyvirt-driver=test:///default", "test_one.py")
    count_only = only.stdout.count("::")
    assert "test_one.py" not in only.stdout and count_only > 20
    assert "test_one.py::test_one" in both.stdout and both.stdout.count("::") == count_only + 1


def test_the_public_api_is_what_is_meant() -> None:
    assert sorted(pyvirt.testing.__all__) == [
        "PyvirtdNotInstalled",
        "PyvirtdProcess",
        "default_node_xml",
        "isolated_test_uri",
        "pyvirtd_command",
        "running_pyvirtd",
        "start_pyvirtd",
    ]
    cmd = pyvirt.testing.pyvirtd_command()
    assert cmd[0] == sys.executable and "pyvirtd" in cmd[-1]
