"""A third-party driver is tested exactly as an outside project would use pyvirt.

``tests/third_party/`` is a separate distribution (``mock3p-driver``): a driver registered
under ``pyvirt.drivers`` and a hook plugin under ``pyvirt.hooks``.  The fixture installs it and
pyvirt's core into a fresh virtualenv (nothing else from this workspace), and every check runs
in that venv's interpreter, so entry-point discovery, the public contract and the hooks are
exercised through installed metadata, not through this repository's import paths.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCE = Path(__file__).resolve().parent / "third_party"

# One venv per xdist worker is expensive; keep this module's tests on one worker
# (pyproject's addopts select --dist loadgroup).
pytestmark = pytest.mark.xdist_group("third_party_venv")


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding pyvirt's core (as a wheel) and the throwaway driver distribution."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is needed to build the throwaway venv (pip install uv)")
    base = tmp_path_factory.mktemp("third_party")
    dist = base / "mock3p"
    shutil.copytree(SOURCE, dist, ignore=shutil.ignore_patterns("__pycache__"))
    venv = base / "venv"
    _quietly([uv, "venv", "--quiet", "--python", sys.executable, str(venv)])
    python = venv / "bin" / "python"
    # core[testing] brings pytest, for the driver contract suite (pyvirt.testing).
    _quietly(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            f"{REPO / 'core'}[testing]",
            str(dist),
        ]
    )
    return python


def _quietly(command: list[str]) -> None:
    """Run a set-up command; on failure show its output, which pytest would otherwise hide."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}{done.stderr}"


@pytest.fixture
def broken_driver_path(tmp_path: Path) -> Path:
    """A distribution, on a path entry, whose driver module fails to import."""
    (tmp_path / "broken3p_driver.py").write_text("import mock3p_dependency_that_is_not_installed\n")
    info = tmp_path / "broken3p-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken3p\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[pyvirt.drivers]\nbroken3p = broken3p_driver:BrokenDriver\n"
    )
    return tmp_path


def run_in_venv(
    python: Path, tmp_path: Path, body: str, extra_env: dict[str, str] | None = None
) -> Any:
    """Run *body* (which sets ``result``) in the venv; return ``result`` decoded from JSON."""
    script = "import json, pyvirt\nresult = None\n" + textwrap.dedent(body)
    script += "\nprint(json.dumps(result))\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYVIRT_", "VIRTUAL_ENV"))}
    env.pop("PYTHONPATH", None)
    env.update(
        PYVIRT_CONFIG=str(tmp_path / "absent.conf"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        MOCK3P_HOOK_LOG=str(tmp_path / "hooks.log"),
        **(extra_env or {}),
    )
    done = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_contract_suite_passes_what_the_driver_supports_and_lists_the_rest(
    venv_python: Path, tmp_path: Path
) -> None:
    """``pytest --pyvirt-driver=mock3p:///x`` in the driver's venv, as its author would run it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYVIRT_", "PYTEST_", "VIRTUAL_ENV"))
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [
            str(venv_python),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--pyvirt-driver=mock3p:///x",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout[done.stdout.index("pyvirt driver contract: mock3p:///x") :]
    # What mock3p implements ran (lookups by name, listing and its flag check, get_type) ...
    assert "look up a domain by name" not in summary and "list domains" not in summary
    # ... what it does not is listed, with libvirt's NO_SUPPORT message.
    assert (
        "define a domain (virDomainDefineXML): this function is not supported by the connection driver: virDomainDefineXML"
        in summary
    )
    assert "host name (virConnectGetHostname)" in summary
    assert " passed" in done.stdout and " skipped" in done.stdout


def test_the_venv_has_only_core_and_the_third_party_driver(
    venv_python: Path, tmp_path: Path
) -> None:
    result = run_in_venv(
        venv_python,
        tmp_path,
        """
        from importlib.metadata import entry_points
        result = sorted(ep.name for ep in entry_points(group="pyvirt.drivers"))
        """,
    )
    assert result == ["mock3p"]


def test_open_by_scheme_finds_the_installed_driver_and_lists_its_domains(
    venv_python: Path, tmp_path: Path
) -> None:
    result = run_in_venv(
        venv_python,
        tmp_path,
        """
        with pyvirt.open("mock3p:///x") as conn:
            result = [conn.get_type(), conn.uri, repr(conn),
                      [(d.name, d.id, d.record.state.name) for d in conn.list_domains()]]
        """,
    )
    assert result == [
        "Mock3p",
        "mock3p:///x",
        "<pyvirt.Connection Mock3p open>",
        [["alpha", 1, "RUNNING"], ["beta", -1, "SHUTOFF"]],
    ]


def test_the_driver_kit_serves_an_outside_driver(venv_python: Path, tmp_path: Path) -> None:
    """mock3p keeps its domains in pyvirt.driver.DomainObjList: listAll filters, the unknown
    flags error naming its function, and lookups come from the kit, installed from the
    core wheel alone."""
    result = run_in_venv(
        venv_python,
        tmp_path,
        """
        F = pyvirt.ListDomainsFlags
        conn = pyvirt.open("mock3p:///x")
        result = [[d.name for d in conn.list_domains(int(f))]
                  for f in (F.ACTIVE, F.INACTIVE, F.SHUTOFF | F.PAUSED, F.TRANSIENT)]
        try:
            conn.list_domains(1 << 20)
        except pyvirt.InvalidArgError as e:
            result.append([int(e.code), str(e)])
        """,
    )
    assert result == [
        ["alpha"],
        ["beta"],
        ["beta"],
        [],
        [8, "unsupported flags (0x100000) in function mock3pConnectListAllDomains"],
    ]


def test_lookup_info_and_suspend_go_through_the_driver(venv_python: Path, tmp_path: Path) -> None:
    result = run_in_venv(
        venv_python,
        tmp_path,
        """
        conn = pyvirt.open("mock3p:///x")
        dom = conn.lookup_domain_by_name("alpha")
        before = dom.info().state.name
        dom.suspend()
        after = dom.info().state.name
        try:
            dom.suspend()
        except pyvirt.OperationInvalidError as e:
            again = [int(e.code), str(e)]
        try:
            conn.lookup_domain_by_name("gamma")
        except LookupError as e:
            missing = [type(e).__name__, int(e.code), str(e)]
        result = [before, after, again, missing]
        """,
    )
    assert result == [
        "RUNNING",
        "PAUSED",
        [55, "Requested operation is not valid: domain is not running"],
        ["NoDomainError", 42, "Domain not found: no domain with matching name 'gamma'"],
    ]


def test_unimplemented_method_is_no_support_with_libvirts_message(
    venv_python: Path, tmp_path: Path
) -> None:
    result = run_in_venv(
        venv_python,
        tmp_path,
        """
        dom = pyvirt.open("mock3p:///x").lookup_domain_by_name("alpha")
        try:
            dom.xml_desc()
        except pyvirt.NoSupportError as e:
            result = [int(e.code), str(e), isinstance(e, NotImplementedError)]
        """,
    )
    assert result == [
        3,
        "this function is not supported by the connection driver: virDomainGetXMLDesc",
        True,
    ]


def test_read_only_connection_refuses_suspend_before_the_driver(
    venv_python: Path, tmp_path: Path
) -> None:
    result = run_in_venv(
        venv_python,
        tmp_path,
        """
        conn = pyvirt.open("mock3p:///x", read_only=True)
        dom = conn.lookup_domain_by_name("alpha")
        try:
            dom.suspend()
        except pyvirt.OperationDeniedError as e:
            refused = [int(e.code), str(e)]
        result = [refused, dom.info().state.name]
        """,
    )
    assert result == [
        [29, "operation forbidden: read only access prevents virDomainSuspend"],
        "RUNNING",
    ]


def test_driver_declining_the_uri_means_no_driver(venv_python: Path, tmp_path: Path) -> None:
    result = run_in_venv(
        venv_python,
        tmp_path,
        """
        try:
            pyvirt.open("mock3p:///elsewhere")
        except pyvirt.NoConnectError as e:
            result = [int(e.code), str(e)]
        """,
    )
    assert result == [5, "no connection driver available for mock3p:///elsewhere"]


def test_installed_hook_plugin_sees_every_connection_open(
    venv_python: Path, tmp_path: Path
) -> None:
    run_in_venv(
        venv_python,
        tmp_path,
        """
        pyvirt.open("mock3p:///x").close()
        pyvirt.open("mock3p:///x", read_only=True).close()
        """,
    )
    assert (tmp_path / "hooks.log").read_text().splitlines() == [
        "mock3p:///x False",
        "mock3p:///x True",
    ]


def test_hook_autoload_can_be_disabled(venv_python: Path, tmp_path: Path) -> None:
    run_in_venv(
        venv_python,
        tmp_path,
        'pyvirt.open("mock3p:///x").close()',
        extra_env={"PYVIRT_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert not (tmp_path / "hooks.log").exists()


def test_driver_that_fails_to_import_is_named_in_the_error(
    venv_python: Path, tmp_path: Path, broken_driver_path: Path
) -> None:
    result = run_in_venv(
        venv_python,
        tmp_path,
        """
        try:
            pyvirt.open("broken3p:///x")
        except pyvirt.VirtError as e:
            result = [type(e).__name__, str(e), type(e.__cause__).__name__]
        """,
        extra_env={"PYTHONPATH": str(broken_driver_path)},
    )
    kind, message, cause = result
    assert "broken3p" in message
    assert "mock3p_dependency_that_is_not_installed" in message
    assert "no connection driver available" not in message
    assert (kind, cause) == ("InternalError", "ModuleNotFoundError")
