"""Host commands: ``sysinfo`` (virConnectGetSysinfo) and virsh's shell directory commands
``cd`` and ``pwd``, compared with the real virsh in process, through the daemons and, for
``cd``, in the interactive shell (where alone virsh lets it change directory).

Not here yet: cpu-models, cpu-baseline, cpu-compare, hypervisor-cpu-*, domcapabilities,
freepages, allocpages, node-memory-tune, nodesevinfo, connect.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh

pytestmark = needs_virsh


@pytest.mark.parametrize(
    "command",
    ["sysinfo", "sysinfo --foo", "help sysinfo", "pwd", "help pwd", "cd /tmp", "cd", "help cd"],
)
def test_host_commands(uri: str, command: str) -> None:
    compare("-c", uri, command)


def test_read_only_connections(uri: str) -> None:
    compare("-r", "-c", uri, "sysinfo; pwd")


def test_pwd_prints_the_working_directory(tmp_path: Path) -> None:
    compare("-c", "test:///default", "pwd", cwd=tmp_path)


def test_cd_in_the_interactive_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path))
    script = (
        "cd /nonexistent-dir\ncd sub\npwd\ncd\npwd\ncd --dir sub\npwd\ncd ../file\n"
        "cd ''\npwd\n"
    )
    compare("-c", "test:///default", stdin=script, cwd=tmp_path)
