"""pyvirsh's ``-d LEVEL`` and ``-l FILE`` log as virsh's do, and the library's debug log is set
up from PYVIRT_DEBUG / PYVIRT_LOG_FILTERS / PYVIRT_LOG_OUTPUTS as libvirt's LIBVIRT_DEBUG family."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from cli_helpers import PYVIRSH, URI, compare, needs_virsh, normalise, pyvirsh, virsh

SCRIPT = (
    "dominfo test; setmem test 1000; start nope; vol-info --pool default-pool x; "
    "net-info default; help list; dominfo 1; dominfo 6695eb01-f6a4-8304-79aa-97f2502e193f; "
    "net-info 6695eb01-f6a4-8304-79aa-97f2502e193f; "
    "pool-info 6695eb01-f6a4-8304-79aa-97f2502e193f; vol-info /x; list --all --name; "
    "setmem --size 1000 test --live"
)
_LINE = re.compile(r"^\[(\d{4}\.\d\d\.\d\d \d\d:\d\d:\d\d) (\S+) (\d+)\] (DEBUG|INFO|NOTICE|WARNING|ERROR) ")


def _log_lines(path: Path, prog: str) -> list[str]:
    """The log's lines without the time stamp and pid, checking their format on the way."""
    out = []
    for line in path.read_text().splitlines():
        m = _LINE.match(line)
        assert m and m.group(2) == prog, line
        out.append(line[m.end(3) + 2 :])
    return out


@needs_virsh
@pytest.mark.parametrize("level", ["0", "1", "2", "3", "4"])
def test_debug_level_and_log_file_as_virsh(tmp_path: Path, level: str) -> None:
    """Same stdout (debug messages included), stderr, status and log lines as virsh."""
    ours_log, theirs_log = tmp_path / "ours.log", tmp_path / "theirs.log"
    ours = pyvirsh("-d", level, "-l", str(ours_log), "-c", URI, SCRIPT)
    theirs = virsh("-d", level, "-l", str(theirs_log), "-c", URI, SCRIPT)
    assert normalise(ours.out) == normalise(theirs.out)
    assert (ours.err, ours.rc) == (theirs.err, theirs.rc)
    assert _log_lines(ours_log, "pyvirsh") == _log_lines(theirs_log, "virsh")


@needs_virsh
def test_errors_after_a_refused_keepalive_still_reach_the_log(tmp_path: Path) -> None:
    """-k asks for keepalive, which the test driver refuses: the connection is closed, and
    the errors that follow are logged too (the log closes only when pyvirsh exits)."""
    ours_log, theirs_log = tmp_path / "ours.log", tmp_path / "theirs.log"
    ours = pyvirsh("-k", "5", "-l", str(ours_log), "-c", URI, "list")
    theirs = virsh("-k", "5", "-l", str(theirs_log), "-c", URI, "list")
    assert (ours.err, ours.rc) == (theirs.err, theirs.rc)
    assert _log_lines(ours_log, "pyvirsh") == _log_lines(theirs_log, "virsh")
    assert len(_log_lines(ours_log, "pyvirsh")) == 3


@needs_virsh
def test_argv_commands_log_no_command_line(tmp_path: Path) -> None:
    compare("-d", "0", "-c", URI, "list", "--all", "--name")
    compare("-d", "0", "-c", URI, "dominfo", "--domain", "test")


@needs_virsh
def test_an_unopenable_log_file_stops_before_any_command(tmp_path: Path) -> None:
    path = str(tmp_path / "missing-dir" / "log")
    compare("-l", path, "-c", URI, "list")
    compare("-d", "0", "-l", path, "-c", URI, "list")


def test_the_log_is_appended_to_and_private(tmp_path: Path) -> None:
    path = tmp_path / "log"
    pyvirsh("-l", str(path), "-c", URI, "start nope")
    pyvirsh("-l", str(path), "-c", URI, "start nope")
    assert _log_lines(path, "pyvirsh") == ["ERROR failed to get domain 'nope'"] * 2
    assert path.stat().st_mode & 0o777 == 0o600


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PYVIRT_", "LIBVIRT_"))}
    full.update(env)
    return subprocess.run([PYVIRSH, *args], capture_output=True, text=True, env=full, timeout=60)


_LIBVIRT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: \d+: (debug|info|warning|error) : \w+:\d+ : "
)


def test_pyvirt_debug_logs_opening_and_each_command_with_its_time() -> None:
    r = _run({"PYVIRT_DEBUG": "1"}, "-c", URI, "uri; start nope")
    lines = [ln for ln in r.stderr.splitlines() if _LIBVIRT_LINE.match(ln)]
    messages = [_LIBVIRT_LINE.sub("", ln) for ln in lines]
    assert messages[0] == "open 'test:///default' read_only=False"
    assert messages[1] == "driver 'test' answered True"
    assert re.fullmatch(r"uri: ok in \d+\.\d{3} ms", messages[2])
    assert re.fullmatch(r"start: failed in \d+\.\d{3} ms", messages[3])
    assert r.stdout == "test:///default\n\n\n"


def test_filters_pick_modules_and_outputs_pick_destinations(tmp_path: Path) -> None:
    log = tmp_path / "lib.log"
    r = _run(
        {"PYVIRT_DEBUG": "4", "PYVIRT_LOG_FILTERS": "1:cli",
         "PYVIRT_LOG_OUTPUTS": f"1:file:{log}"},
        "-c", URI, "uri",
    )
    assert r.stderr == ""
    messages = [_LIBVIRT_LINE.sub("", ln) for ln in log.read_text().splitlines()]
    assert len(messages) == 1 and messages[0].startswith("uri: ok in ")
    # default level 4 (errors) and no filter: nothing at all
    r = _run({"PYVIRT_DEBUG": "4"}, "-c", URI, "uri")
    assert r.stderr == ""


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PYVIRT_DEBUG": "x"}, "Failed to set logging priority, argument 'x' is invalid"),
        ({"PYVIRT_DEBUG": "0"}, "Failed to set logging priority, argument '0' is invalid"),
        ({"PYVIRT_LOG_FILTERS": "1:cli x"}, "Malformed format for filter 'x'"),
        ({"PYVIRT_LOG_FILTERS": "9:cli"}, "Malformed format for filter '9:cli'"),
        ({"PYVIRT_LOG_OUTPUTS": "1:nowhere"},
         "Invalid log destination 'nowhere' for log output '1:nowhere'"),
        ({"PYVIRT_LOG_OUTPUTS": "1:file:relative"},
         "Invalid log destination 'file' for log output '1:file:relative'"),
        ({"PYVIRT_LOG_OUTPUTS": "stderr"}, "Malformed format for output 'stderr'"),
    ],
)
def test_malformed_settings_are_libvirts_invalid_argument(env: dict[str, str], message: str) -> None:
    r = _run(env, "-c", URI, "uri")
    assert r.returncode == 1
    assert r.stderr == f"error: failed to connect to the hypervisor\nerror: invalid argument: {message}\n"


def test_in_process_malformed_value_raises_value_error() -> None:
    import pyvirt
    from pyvirt import _log

    with pytest.raises(pyvirt.VirtError) as info:
        _log.configure_from_env({"PYVIRT_DEBUG": "7"})
    assert info.value.code == pyvirt.ErrorCode.INVALID_ARG and isinstance(info.value, ValueError)
