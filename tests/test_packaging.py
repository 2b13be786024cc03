"""pyvirt is installed as users install it: built wheels, a fresh venv, plain pip.

The workspace is built (``uv build --all-packages``: an sdist per member, and each wheel built
from its sdist, so an sdist that cannot build on its own fails here), ``twine check``-ed, and
installed with pip into fresh venvs: ours only from the built wheels (``--no-index``), the
third-party dependencies from the configured index.  From there ``pyvirsh`` lists the test
driver's domains, a ``pyvirtd`` of that venv serves a ``test+unix://`` round trip, and the core
alone (``pip install pyvirt``) says which distribution a URI needs.

Also checked here without building: the version is written once, every distribution carries
the licence, and the siblings pin each other exactly.
"""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from importlib.metadata import metadata, requires, version
from pathlib import Path

import pytest
from daemon_helpers import listening

REPO = Path(__file__).resolve().parent.parent
MEMBERS = {
    "pyvirt": REPO / "core",
    "pyvirt-test": REPO / "plugins" / "test",
    "pyvirt-qemu": REPO / "plugins" / "qemu",
    "pyvirt-remote": REPO / "plugins" / "remote",
    "pyvirtd": REPO / "daemon",
}
VERSION = (REPO / "VERSION").read_text().strip()
EXTRAS = {
    "test": {"pyvirt-test"},
    "remote": {"pyvirt-remote"},
    "qemu": {"pyvirt-qemu", "pyvirtd", "pyvirt-remote"},
    "daemon": {"pyvirtd"},
    "all": {"pyvirt-test", "pyvirt-remote", "pyvirt-qemu", "pyvirtd"},
}

# Building and the venvs are expensive: one xdist worker builds them once for this module.
pytestmark = pytest.mark.xdist_group("packaging")


# -- the metadata, as the workspace's editable install has it -------------------------------


def test_version_is_written_once() -> None:
    """Each member reads the root VERSION (a link to it); no pyproject spells a version."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    for name, folder in MEMBERS.items():
        link = folder / "VERSION"
        assert link.is_symlink() and link.resolve() == (REPO / "VERSION").resolve(), name
        pyproject = (folder / "pyproject.toml").read_text()
        assert not re.search(r"^version\s*=", pyproject, re.M), name
        assert version(name) == VERSION
    import pyvirt

    assert pyvirt.__version__ == VERSION
    daemon = subprocess.run(
        [sys.executable, "-m", "pyvirtd", "--version"], capture_output=True, text=True
    )
    assert (daemon.stdout, daemon.returncode) == (f"pyvirtd {VERSION}\n", 0)


def test_siblings_pin_each_other_exactly() -> None:
    for name in MEMBERS:
        if name == "pyvirt":
            continue
        assert f"pyvirt=={VERSION}" in (requires(name) or []), name
    core = requires("pyvirt") or []
    for extra, members in EXTRAS.items():
        wanted = {f'{m}=={VERSION}; extra == "{extra}"' for m in members}
        got = {r.replace("'", '"') for r in core if f'extra == "{extra}"' in r.replace("'", '"')}
        assert got == wanted, extra


def test_every_distribution_has_licence_readme_and_urls() -> None:
    licence = (REPO / "LICENSE").read_bytes()
    assert b"Apache License" in licence and b"Version 2.0, January 2004" in licence
    for name, folder in MEMBERS.items():
        assert (folder / "LICENSE").read_bytes() == licence, name
        meta = metadata(name)
        assert meta["License-Expression"] == "Apache-2.0", name
        assert meta["Requires-Python"] == ">=3.11", name
        assert meta["Description-Content-Type"] == "text/markdown", name
        assert name in (meta["Description"] or meta.get_payload() or ""), name
        urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
        assert {"Homepage", "Source", "Issues"} <= set(urls), name
        classifiers = meta.get_all("Classifier") or []
        assert "Programming Language :: Python :: 3.11" in classifiers, name
        assert "Typing :: Typed" in classifiers, name


# -- built and installed as users install ---------------------------------------------------


def _run(command: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a set-up step; on failure show its output, which pytest would otherwise hide."""
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs
    )  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every member's sdist and wheel, built as a release would build them."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is needed to build the distributions (pip install uv)")
    out = tmp_path_factory.mktemp("dist")
    _run([uv, "build", "--all-packages", "--quiet", "--out-dir", out], cwd=REPO)
    return out


def _wheel_metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(archive.read(name).decode())


def _third_party_requirements(dist: Path) -> list[str]:
    """What the built wheels require from outside the workspace (markers dropped, all extras)."""
    ours = {n.replace("-", "_") for n in MEMBERS}
    found: set[str] = set()
    for wheel in dist.glob("*.whl"):
        for req in _wheel_metadata(wheel).get_all("Requires-Dist") or []:
            spec = req.split(";", 1)[0].strip()
            name = re.split(r"[\s<>=!~\[]", spec, maxsplit=1)[0]
            if name.replace("-", "_").lower() not in ours:
                found.add(spec)
    return sorted(found)


def _fresh_venv(where: Path, dist: Path, requirement: str) -> Path:
    """A venv with pip, holding *requirement* installed from the built wheels only."""
    uv = shutil.which("uv")
    assert uv is not None
    _run([uv, "venv", "--quiet", "--seed", "--python", sys.executable, where])
    pip = [where / "bin" / "python", "-m", "pip", "--quiet", "--disable-pip-version-check"]
    # Third-party dependencies from the index; then ours with no index at all, so a same-named
    # project on the index can never stand in for a wheel built here.
    _run([*pip, "install", *_third_party_requirements(dist)])
    _run([*pip, "install", "--no-index", "--find-links", dist, requirement])
    return where / "bin"


@pytest.fixture(scope="module")
def full_venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install 'pyvirt[all]'`` from the built wheels: the venv's bin directory."""
    return _fresh_venv(tmp_path_factory.mktemp("venv") / "all", dist, "pyvirt[all]")


@pytest.fixture(scope="module")
def core_venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install pyvirt`` alone: the core and no driver."""
    return _fresh_venv(tmp_path_factory.mktemp("venv") / "core", dist, "pyvirt")


def test_built_distributions_pass_twine_check(dist: Path) -> None:
    built = sorted([*dist.glob("*.whl"), *dist.glob("*.tar.gz")])
    assert len(built) == 2 * len(MEMBERS), built
    done = _run([sys.executable, "-m", "twine", "check", "--strict", *built])
    assert done.stdout.count("PASSED") == 2 * len(MEMBERS), done.stdout


def test_every_wheel_and_sdist_carries_the_licence_and_version(dist: Path) -> None:
    import tarfile

    licence = (REPO / "LICENSE").read_bytes()
    for wheel in dist.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            inside = [n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
            assert len(inside) == 1 and archive.read(inside[0]) == licence, wheel.name
        assert _wheel_metadata(wheel)["Version"] == VERSION
    for sdist in dist.glob("*.tar.gz"):
        with tarfile.open(sdist) as archive:
            members = archive.getmembers()
            names = [m.name.split("/", 1)[1] for m in members]
            # Each file once, and a real file: a link would point outside the unpacked sdist.
            assert len(names) == len(set(names)), sdist.name
            assert not [m.name for m in members if m.issym()], sdist.name
            for wanted, content in (("LICENSE", licence), ("VERSION", f"{VERSION}\n".encode())):
                member = next(m for m in members if m.name.split("/", 1)[1] == wanted)
                handle = archive.extractfile(member)
                assert handle is not None and handle.read() == content, (sdist.name, wanted)


def test_installed_daemon_ships_its_units_and_example_config(
    full_venv: Path, tmp_path: Path
) -> None:
    done = _run([full_venv / "pyvirtd", "--install-units", "--prefix", tmp_path])
    unit_dir = tmp_path / "lib" / "systemd" / "system"
    assert len(done.stdout.splitlines()) == 5 and len(list(unit_dir.iterdir())) == 4
    service = (unit_dir / "pyvirtd.service").read_text()
    assert f"ExecStart={full_venv / 'pyvirtd'} $PYVIRTD_ARGS" in service.splitlines()
    code = "from importlib.resources import files\n"
    code += "print(files('pyvirtd').joinpath('pyvirtd.toml.example').read_text(), end='')"
    example = _run([full_venv / "python", "-c", code]).stdout
    assert example == (REPO / "daemon" / "pyvirtd" / "pyvirtd.toml.example").read_text()


def test_installed_pyvirsh_lists_the_test_driver(full_venv: Path) -> None:
    done = _run([full_venv / "pyvirsh", "-c", "test:///default", "list", "--all"])
    expected = _run(
        [Path(sys.executable).parent / "pyvirsh", "-c", "test:///default", "list", "--all"]
    )
    assert done.stdout == expected.stdout
    assert re.search(r"^ 1 +test +running$", done.stdout, re.M)


@pytest.fixture
def installed_daemon(full_venv: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The venv's own pyvirtd in a temporary runtime dir; yields (rundir, client env)."""
    with tempfile.TemporaryDirectory(prefix="pvp-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), "PYVIRT_AUTOSTART": "0"}
        log = Path(tmp) / "pyvirtd.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [full_venv / "pyvirtd"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 30
            while not (
                listening(rundir / "pyvirt-sock") and listening(rundir / "pyvirt-test-sock")
            ):
                assert proc.poll() is None, f"pyvirtd exited {proc.returncode}: {log.read_text()}"
                assert time.monotonic() < deadline, f"pyvirtd did not start: {log.read_text()}"
                time.sleep(0.05)
            yield rundir, env
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0, log.read_text()
            assert not (rundir / "pyvirt-sock").exists()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_installed_daemon_round_trip(
    full_venv: Path, installed_daemon: tuple[Path, dict[str, str]]
) -> None:
    _rundir, env = installed_daemon
    uri = "test+unix:///default"
    done = _run([full_venv / "pyvirsh", "-c", uri, "list", "--all"], env=env)
    assert re.search(r"^ 1 +test +running$", done.stdout, re.M)
    # A change made through the daemon is seen by the next call of the same connection.
    after = _run([full_venv / "pyvirsh", "-c", uri, "destroy test; list --all"], env=env)
    assert re.search(r"^ - +test +shut off$", after.stdout, re.M)


def _virsh_style_failure(bin_dir: Path, uri: str) -> tuple[str, int]:
    done = subprocess.run(
        [bin_dir / "pyvirsh", "-c", uri, "list"], capture_output=True, text=True, timeout=60
    )
    assert done.stdout == ""
    return done.stderr, done.returncode


@pytest.mark.parametrize(
    ("uri", "hint"),
    [
        ("test:///default", "; install pyvirt-test to use it (pip install 'pyvirt[test]')"),
        (
            "test+unix:///default",
            "; install pyvirt-remote to reach it through pyvirtd, and pyvirtd with pyvirt-test"
            " where the daemon runs (pip install 'pyvirt[remote]')",
        ),
        (
            "qemu:///system",
            "; install pyvirt-remote to reach it through pyvirtd, and pyvirtd with pyvirt-qemu"
            " where the daemon runs (pip install 'pyvirt[qemu]' installs all three)",
        ),
        (
            "foo+ssh://host/x",
            "; install pyvirt-remote to reach it through pyvirtd (pip install 'pyvirt[remote]')",
        ),
        ("foo:///x", ""),
    ],
)
def test_core_alone_names_the_missing_distribution(core_venv: Path, uri: str, hint: str) -> None:
    """libvirt's code and words (virsh's two lines, exit 1), then what to install."""
    err, rc = _virsh_style_failure(core_venv, uri)
    assert (err, rc) == (
        "error: failed to connect to the hypervisor\n"
        f"error: no connection driver available for {uri}{hint}\n",
        1,
    )
    code = f"import pyvirt\ntry:\n    pyvirt.open({uri!r})\nexcept pyvirt.NoConnectError as e:\n"
    code += "    print(int(e.code), int(e.domain))"
    assert _run([core_venv / "python", "-c", code]).stdout == "5 0\n"


def test_core_alone_matches_virsh_for_a_uri_nobody_takes(core_venv: Path) -> None:
    virsh = shutil.which("virsh")
    if virsh is None:
        pytest.skip("virsh (Debian's libvirt-clients) is not installed")
    real = subprocess.run([virsh, "-c", "foo:///x", "list"], capture_output=True, text=True)
    assert _virsh_style_failure(core_venv, "foo:///x") == (real.stderr, real.returncode)


def test_core_alone_without_a_uri_says_no_driver_is_installed(
    core_venv: Path, tmp_path: Path
) -> None:
    unset = ("PYVIRT_DEFAULT_URI", "LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI")
    env = {k: v for k, v in os.environ.items() if k not in unset and k != "PYVIRT_CONFIG"}
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no client config file: nothing names a URI
    done = subprocess.run(
        [core_venv / "pyvirsh", "list"], capture_output=True, text=True, env=env, timeout=60
    )
    assert (done.stderr, done.returncode) == (
        "error: failed to connect to the hypervisor\n"
        "error: no connection driver available; no pyvirt driver is installed"
        " (pip install 'pyvirt[test]' or 'pyvirt[remote]')\n",
        1,
    )
