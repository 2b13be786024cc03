"""Where pyvirtd finds pyvirtd.toml, the commented example of every key, and --print-config.

The example shipped in the package is generated from the Config class (each field's doc), so
a key added without an explanation, or the file left behind after a change, fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, fields
from pathlib import Path

import pytest
from daemon_helpers import PYVIRTD, as_nobody_prefix
from pyvirtd._config import Config, example_config, load_config

EXAMPLE = Path(__file__).resolve().parent.parent / "daemon" / "pyvirtd" / "pyvirtd.toml.example"


def _print_config(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PYVIRTD, "--print-config", *args],
        capture_output=True,
        text=True,
        env=env or {**os.environ, "PYVIRT_RUNTIME_DIR": "/tmp/pyvirt-print-config"},
        timeout=60,
    )


def test_the_shipped_example_is_generated_from_the_config_class() -> None:
    assert EXAMPLE.read_text() == example_config(), (
        "regenerate it: python -c 'from pyvirtd._config import example_config;"
        ' print(example_config(), end="")\' > daemon/pyvirtd/pyvirtd.toml.example'
    )


def test_the_example_explains_every_key_and_gives_its_default(tmp_path: Path) -> None:
    text = EXAMPLE.read_text()
    for spec in fields(Config):
        assert spec.metadata.get("doc", "").strip(), f"{spec.name} has no explanation"
        assert re.search(rf"^#{spec.name} = ", text, re.M), spec.name
    # Uncommented, the example is a valid config holding exactly the defaults.
    live = re.sub(r"^#(\w+ = )", r"\1", text, flags=re.M)
    (tmp_path / "all.toml").write_text(live)
    assert asdict(load_config(str(tmp_path / "all.toml"))) == asdict(Config())


def test_the_example_is_in_the_installed_package() -> None:
    from importlib.resources import files

    assert files("pyvirtd").joinpath("pyvirtd.toml.example").read_text() == example_config()


def test_print_config_shows_the_values_in_effect_and_loads_back(tmp_path: Path) -> None:
    conf = tmp_path / "pyvirtd.toml"
    conf.write_text('max_workers = 7\nlog_level = "DEBUG"\nunix_sock_ro_perms = "0750"\n')
    done = _print_config("--config", str(conf))
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0] == f"# pyvirtd settings in effect (from {conf})"
    assert "max_workers = 7" in lines and 'log_level = "DEBUG"' in lines
    assert 'unix_sock_dir = "/tmp/pyvirt-print-config"' in lines  # resolved, not ""
    assert [line.split(" = ")[0] for line in lines[1:]] == [f.name for f in fields(Config)]
    again = tmp_path / "again.toml"
    again.write_text(done.stdout)
    expected = load_config(str(conf))
    expected.unix_sock_dir = "/tmp/pyvirt-print-config"
    assert asdict(load_config(str(again))) == asdict(expected)


def test_print_config_refuses_a_bad_file_as_the_daemon_does(tmp_path: Path) -> None:
    conf = tmp_path / "pyvirtd.toml"
    conf.write_text("max_workers = 0\n")
    done = _print_config("--config", str(conf))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"pyvirtd: {conf}: 'max_workers' must be greater than 0\n"


def test_system_daemon_reads_etc_pyvirt_when_the_file_is_there() -> None:
    if os.geteuid() != 0:
        pytest.skip("the system daemon's default path applies to root")
    default = Path("/etc/pyvirt/pyvirtd.toml")
    done = _print_config()
    assert done.returncode == 0, done.stderr
    origin = str(default) if default.exists() else "the defaults: no config file"
    assert done.stdout.splitlines()[0] == f"# pyvirtd settings in effect (from {origin})"


@pytest.fixture
def world_readable_tmp() -> Iterator[Path]:
    # pytest's tmp_path sits in a directory only root may enter.
    with tempfile.TemporaryDirectory(prefix="pvc-", dir="/tmp") as tmp:
        os.chmod(tmp, 0o755)
        yield Path(tmp)


def test_session_daemon_reads_xdg_config_home(world_readable_tmp: Path) -> None:
    """As a plain user (uid nobody), the default file is $XDG_CONFIG_HOME/pyvirt/pyvirtd.toml."""
    as_nobody = as_nobody_prefix()
    tmp_path = world_readable_tmp
    (tmp_path / "pyvirt").mkdir(mode=0o755)
    conf = tmp_path / "pyvirt" / "pyvirtd.toml"
    conf.write_text("max_clients = 42\n")
    conf.chmod(0o644)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "HOME": str(tmp_path),
    }

    def print_config() -> subprocess.CompletedProcess[str]:
        command = [*as_nobody, *PYVIRTD, "--print-config"]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)

    done = print_config()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"# pyvirtd settings in effect (from {conf})"
    assert "max_clients = 42" in lines
    assert f'unix_sock_dir = "{tmp_path}/pyvirt"' in lines
    conf.unlink()  # no file there: every default, and nothing complains
    done = print_config()
    assert done.returncode == 0 and "max_clients = 5000" in done.stdout.splitlines()
    assert done.stdout.startswith(
        "# pyvirtd settings in effect (from the defaults: no config file)"
    )
