"""The entry-point cache (``pyvirt._entrypoints``) in front of stevedore.

It may make driver discovery faster, never different: a distribution installed, removed or
changed after the cache was written must be seen at once, and a cache that cannot be written
or read must leave discovery to stevedore without a word.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pyvirt import _entrypoints

LATE_DRIVER = """
from pyvirt.driver import ConnectDriver, DriverConnection


class LateConnection(DriverConnection):
    def connect_get_type(self):
        return "Late"


class LateDriver(ConnectDriver):
    name = "Late"
    uri_schemes = ("late3p",)
    local_only = True

    @classmethod
    def open(cls, uri, *, read_only, auth):
        return LateConnection()
"""


def add_distribution(where: Path, name: str, entry_points: str) -> Path:
    """A minimal installed distribution (``*.dist-info``) on path entry *where*."""
    info = where / f"{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(entry_points)
    return info


def tick() -> None:
    """Let the clock move on, so the next change gets a later mtime than the cache records."""
    time.sleep(0.02)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache directory and an extra, empty path entry; returns the path entry."""
    entry = tmp_path / "site"
    entry.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(entry))
    monkeypatch.setattr(_entrypoints, "_memo", None)
    return entry


def forget() -> None:
    """Drop the per-process memo, as a new process starts without it."""
    _entrypoints._memo = None


def test_store_then_read_gives_the_groups_in_order(isolated: Path) -> None:
    add_distribution(isolated, "zz3p", "[pyvirt.drivers]\nzz = zz_mod:Z\naa = aa_mod:A\n")
    assert _entrypoints.cached_group("pyvirt.drivers") is None
    _entrypoints.store()
    forget()
    entries = _entrypoints.cached_group("pyvirt.drivers")
    assert entries is not None
    assert ("zz", "zz_mod:Z") in entries and ("aa", "aa_mod:A") in entries
    assert entries.index(("zz", "zz_mod:Z")) < entries.index(("aa", "aa_mod:A"))
    assert _entrypoints.cached_group("some.other.group") is None


def test_a_distribution_installed_later_makes_the_cache_stale(isolated: Path) -> None:
    _entrypoints.store()
    forget()
    assert _entrypoints.cached_group("pyvirt.drivers") is not None
    tick()
    add_distribution(isolated, "late3p", "[pyvirt.drivers]\nlate3p = late3p_driver:LateDriver\n")
    forget()
    assert _entrypoints.cached_group("pyvirt.drivers") is None


def test_rewritten_entry_points_make_the_cache_stale(isolated: Path) -> None:
    info = add_distribution(isolated, "mid3p", "[pyvirt.drivers]\nmid = mid_mod:M\n")
    _entrypoints.store()
    forget()
    assert ("mid", "mid_mod:M") in (_entrypoints.cached_group("pyvirt.drivers") or [])
    tick()
    (info / "entry_points.txt").write_text("[pyvirt.drivers]\nmid = mid_mod:Other\n")
    forget()
    assert _entrypoints.cached_group("pyvirt.drivers") is None


def test_another_sys_path_does_not_use_the_cache(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _entrypoints.store()
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.syspath_prepend(str(other))
    forget()
    assert _entrypoints.cached_group("pyvirt.drivers") is None


@pytest.mark.parametrize("content", ["", "garbage", "pyvirt-entry-points-1\0x\0y", "\0" * 50])
def test_a_corrupt_cache_file_is_a_miss(isolated: Path, content: str) -> None:
    path = Path(_entrypoints.cache_file())
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert _entrypoints.cached_group("pyvirt.drivers") is None


def test_an_unwritable_cache_location_is_silently_skipped(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    _entrypoints.store()
    assert _entrypoints.cached_group("pyvirt.drivers") is None


def test_a_missing_home_directory_is_not_created(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service account's placeholder home (``/nonexistent``) stays absent."""
    home = tmp_path / "nonexistent"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(home))
    _entrypoints.store()
    assert not home.exists()
    assert _entrypoints.cached_group("pyvirt.drivers") is None


def run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a fresh interpreter with a private cache and an extra path entry."""
    entry = tmp_path / "site"
    entry.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYVIRT_", "LIBVIRT_"))}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(entry))
    return env


def test_a_driver_installed_after_the_cache_was_written_is_found(
    child_env: dict[str, str],
) -> None:
    entry = Path(child_env["PYTHONPATH"])
    first = run(
        """
        import pyvirt, sys
        pyvirt.open("test:///default").close()
        print("stevedore" in sys.modules)
        """,
        child_env,
    )
    assert first.returncode == 0, first.stderr
    assert list(Path(child_env["XDG_CACHE_HOME"], "pyvirt").iterdir())
    # With the cache written, the next run answers without stevedore...
    second = run(
        """
        import pyvirt, sys
        pyvirt.open("test:///default").close()
        print(sorted(m for m in sys.modules if m.startswith(("stevedore", "importlib.metadata"))))
        """,
        child_env,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["[]"]
    # ...and a driver installed afterwards is still found.
    tick()
    (entry / "late3p_driver.py").write_text(LATE_DRIVER)
    add_distribution(entry, "late3p", "[pyvirt.drivers]\nlate3p = late3p_driver:LateDriver\n")
    third = run(
        """
        import pyvirt
        with pyvirt.open("late3p:///x") as conn:
            print(conn.get_type())
        """,
        child_env,
    )
    assert third.returncode == 0, third.stderr
    assert third.stdout.split() == ["Late"]


def test_a_driver_that_fails_to_import_is_named_when_the_cache_answers(
    child_env: dict[str, str],
) -> None:
    entry = Path(child_env["PYTHONPATH"])
    (entry / "broken3p_driver.py").write_text("import mock3p_dependency_that_is_not_installed\n")
    add_distribution(entry, "broken3p", "[pyvirt.drivers]\nbroken3p = broken3p_driver:Broken\n")
    code = """
        import pyvirt, sys
        try:
            pyvirt.open("broken3p:///x")
        except pyvirt.VirtError as e:
            print(type(e).__name__, type(e.__cause__).__name__, str(e))
        print("stevedore" in sys.modules)
        """
    from_stevedore = run(code, child_env)
    from_cache = run(code, child_env)  # the first run wrote the cache
    assert from_stevedore.returncode == 0 and from_cache.returncode == 0, from_cache.stderr
    error, used_stevedore = from_stevedore.stdout.splitlines()
    assert used_stevedore == "True"
    assert from_cache.stdout.splitlines() == [error, "False"]
    assert error.startswith("InternalError ModuleNotFoundError internal error: failed to load")
    assert "'broken3p'" in error and "mock3p_dependency_that_is_not_installed" in error
