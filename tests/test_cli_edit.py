"""pyvirsh's edit commands against virsh 9.0's: ``edit``, ``net-edit``, ``pool-edit`` and
``snapshot-edit``, with real editors (small shell scripts that change the temporary file), in
process and through the daemons, byte for byte: unchanged and changed XML, broken XML, a
failing, missing or killed editor, ``$VISUAL`` over ``$EDITOR``, editors given with arguments
(run through ``sh -c``), and the re-edit question asked on a terminal.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

import pytest
from cli_helpers import DAEMON_URI, PYVIRSH, URI, VIRSH, Result, compare, needs_virsh, run

pytestmark = needs_virsh

#: The temporary file's random part differs from run to run (virsh's and Python's alike).
_TEMP = re.compile(r"/virsh\w+\.xml")

EDITORS = {
    # memory of the domain halved
    "memory": 'sed -i "s/8388608/4194304/" "$1"',
    # not XML any more
    "break-domain": 'sed -i "s/<domain /<domainx /" "$1"',
    # the same uuid under another name: the define is refused
    "rename-domain": 'sed -i "s/<name>test</<name>test2</" "$1"',
    "bridge": "sed -i \"s/<bridge name='virbr0'/<bridge name='virbr9'/\" \"$1\"",
    "break-network": 'sed -i "s/<network>/<network><bogus/" "$1"',
    "pool-capacity": 'sed -i "s/>107374182400</>107374182401</" "$1"',
    "break-pool": "sed -i \"s/<pool type='dir'>/<pool type='dir'><bogus/\" \"$1\"",
    "describe-snapshot": 'sed -i "s|</name>|</name><description>hello</description>|" "$1"',
    "rename-snapshot": 'sed -i "s/<name>s1</<name>s2</" "$1"',
    "killed": "kill -9 $$",
}


@pytest.fixture
def editors(tmp_path: Path) -> dict[str, str]:
    """Each editor as an executable script; the temporary file is its only argument."""
    made = {}
    for name, body in EDITORS.items():
        script = tmp_path / f"{name}.sh"
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)
        made[name] = str(script)
    return made


def same(monkeypatch: pytest.MonkeyPatch, uri: str, editor: str | None, *commands: str) -> Result:
    """virsh and pyvirsh with $EDITOR set (unset with None) give the same bytes."""
    monkeypatch.delenv("VISUAL", raising=False)
    if editor is None:
        monkeypatch.delenv("EDITOR", raising=False)
    else:
        monkeypatch.setenv("EDITOR", editor)
    return compare("-c", uri, "; ".join(commands))


@pytest.fixture(autouse=True)
def _comparable_temp_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank the temporary file's name in both outputs (it shows in editor errors)."""
    import cli_helpers

    plain = cli_helpers.normalise
    monkeypatch.setattr(cli_helpers, "normalise", lambda text: _TEMP.sub("/virshTMP.xml", plain(text)))


def test_an_untouched_file_is_not_changed(monkeypatch, uri):
    same(monkeypatch, uri, "true", "edit test", "net-edit default", "pool-edit default-pool")


def test_edit_defines_the_changed_domain(monkeypatch, uri, editors):
    same(monkeypatch, uri, editors["memory"], "edit test", "dumpxml --inactive test", "dominfo test")


def test_visual_comes_before_editor(monkeypatch, uri, editors):
    monkeypatch.setenv("VISUAL", editors["memory"])
    monkeypatch.setenv("EDITOR", "false")
    compare("-c", uri, "edit test; dumpxml --inactive test")


@pytest.mark.parametrize("editor", ["break-domain", "rename-domain"])
def test_a_refused_define_without_a_terminal_is_passed_over_as_virsh_does(
    monkeypatch, uri, editors, editor
):
    # virsh prints "error: Failed.", then its success line naming "(null)", and exits 0.
    same(monkeypatch, uri, editors[editor], "edit test", "dumpxml --inactive test")


@pytest.mark.parametrize(
    "editor",
    ["false", "nosuch-editor", "", "nosuch-editor --with-args", "/bin/false --arg"],
    ids=["fails", "missing", "empty", "missing-in-shell", "fails-in-shell"],
)
def test_editor_failures_are_reported_as_virsh_reports_them(monkeypatch, editor):
    same(monkeypatch, URI, editor, "edit test")


def test_an_editor_killed_by_a_signal(monkeypatch, editors):
    same(monkeypatch, URI, editors["killed"], "edit test")


def test_a_missing_temporary_directory(monkeypatch):
    monkeypatch.setenv("TMPDIR", "/nonexistent-pyvirt-tmp")
    same(monkeypatch, URI, "true", "edit test")


def test_a_temporary_name_the_shell_would_split_is_refused(monkeypatch, tmp_path):
    spaced = tmp_path / "a b"
    spaced.mkdir()
    monkeypatch.setenv("TMPDIR", str(spaced))
    # (the directory differs between the two runs' names only by the random part)
    same(monkeypatch, URI, "true --arg", "edit test")


def test_missing_objects_and_read_only(monkeypatch, uri):
    same(monkeypatch, uri, "true", "edit nosuch")
    same(monkeypatch, uri, "true", "net-edit nonet")
    same(monkeypatch, uri, "true", "pool-edit nopool")
    monkeypatch.setenv("EDITOR", "true")
    compare("-r", "-c", uri, "edit test")


def test_net_edit_of_a_running_network_keeps_its_live_definition(monkeypatch, uri, editors):
    same(
        monkeypatch,
        uri,
        editors["bridge"],
        "net-edit default",
        "net-dumpxml default",
        "net-destroy default",
        "net-dumpxml default",
        "net-undefine default",
    )


def test_net_edit_of_an_inactive_network_changes_it(monkeypatch, uri, editors):
    same(
        monkeypatch,
        uri,
        editors["bridge"],
        "net-destroy default",
        "net-edit default",
        "net-dumpxml default",
    )


def test_pool_edit_and_broken_network_and_pool_xml(monkeypatch, uri, editors):
    same(monkeypatch, uri, editors["pool-capacity"], "pool-edit default-pool", "pool-dumpxml default-pool")
    same(monkeypatch, uri, editors["break-network"], "net-edit default")
    same(monkeypatch, uri, editors["break-pool"], "pool-edit default-pool")


def test_snapshot_edit(monkeypatch, uri, editors):
    same(monkeypatch, uri, "true", "snapshot-create-as test s1", "snapshot-edit test s1")
    same(
        monkeypatch,
        uri,
        editors["describe-snapshot"],
        "snapshot-create-as test s1",
        "snapshot-edit test s1",
        "snapshot-dumpxml test s1 --xpath //description",
    )
    # libvirt's test driver cannot delete metadata only, so a rename fails half-way, as there
    for opts in ("", "--rename"):
        same(
            monkeypatch,
            uri,
            editors["rename-snapshot"],
            "snapshot-create-as test s1",
            f"snapshot-edit test s1 {opts}",
            "snapshot-list test --name",
        )
    same(
        monkeypatch,
        uri,
        editors["rename-snapshot"],
        "snapshot-create-as test s1",
        "snapshot-edit test --current --clone",
        "snapshot-list test --name",
    )


def test_snapshot_edit_bad_arguments(monkeypatch, uri):
    same(monkeypatch, uri, "true", "snapshot-edit test")
    same(monkeypatch, uri, "true", "snapshot-edit test nosnap")
    same(monkeypatch, uri, "true", "snapshot-create-as test s1", "snapshot-edit test s1 --rename --clone")
    same(monkeypatch, uri, "true", "snapshot-edit test s1 --current")


def test_broken_snapshot_xml_fails_without_a_crash(monkeypatch, tmp_path):
    # virsh 9.0 crashes here (it reads the name of the snapshot it did not make); pyvirsh
    # reports the failure it printed before the crash and fails the command.
    script = tmp_path / "break.sh"
    script.write_text('#!/bin/sh\nsed -i "s/<domainsnapshot>/<domainsnapshot><bogus/" "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    theirs = run(VIRSH, ["-c", URI, "snapshot-create-as test s1; snapshot-edit test s1"])
    ours = run(PYVIRSH, ["-c", URI, "snapshot-create-as test s1; snapshot-edit test s1"])
    assert theirs.err.startswith("error: Failed.\n")
    assert ours.err == "error: Failed.\nerror: Failed to update s1\n"
    assert ours.rc == 1 and ours.out == theirs.out + "\n"


def test_changed_by_another_user_while_editing(monkeypatch, tmp_path, daemon_uri):
    """The editor itself changes the domain through the daemon: virsh and pyvirsh both
    notice, refuse to overwrite, and (with no terminal to ask) go on as virsh does."""
    outputs = []
    for binary in (VIRSH, PYVIRSH):
        script = tmp_path / f"meddle-{Path(binary).name}.sh"
        script.write_text(
            f"#!/bin/sh\n{binary} -q -c {DAEMON_URI} setmaxmem test 4194304 --config\n"
            'sed -i "s/8388608/2097152/" "$1"\n'
        )
        script.chmod(0o755)
        monkeypatch.setenv("EDITOR", str(script))
        outputs.append(run(binary, ["-c", daemon_uri, "edit test; dumpxml --inactive test"]))
    theirs, ours = outputs
    assert "The XML configuration was changed by another user." in theirs.err
    assert (ours.out, ours.err, ours.rc) == (theirs.out, theirs.err, theirs.rc)


# -- on a terminal ------------------------------------------------------------------------------
def _on_terminal(binary: str, args: list[str], keys: list[bytes]) -> tuple[bytes, bytes, int]:
    """Run *binary* with a terminal as standard input; type each key once a prompt shows.

    The key is typed only after the question is on the screen: the program switches the
    terminal to raw mode before reading and that switch drops input typed earlier."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items()} | {"LC_ALL": "C", "LANG": "C"}
    proc = subprocess.Popen(
        [binary, *args], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    os.close(slave)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = b"", b""
    pending = list(keys)
    deadline = time.monotonic() + 60
    streams = {proc.stdout.fileno(): "out", proc.stderr.fileno(): "err"}
    while streams and time.monotonic() < deadline:
        ready, _, _ = select.select(list(streams), [], [], 0.5)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                del streams[fd]
            elif streams[fd] == "out":
                out += chunk
            else:
                err += chunk
        if pending and out.count(b"Try again?") > len(keys) - len(pending):
            os.write(master, pending.pop(0))
    proc.wait(timeout=30)
    os.close(master)
    return out, err, proc.returncode


@pytest.mark.parametrize(
    ("keys", "command"),
    [
        ([b"n"], "edit test"),
        ([b"?", b"n"], "edit test"),
        ([b"f", b"n"], "edit test"),
        ([b"i", b"n"], "edit test"),
        ([b"n"], "net-edit default"),
        ([b"?", b"f", b"n"], "pool-edit default-pool"),
    ],
    ids=["no", "help-then-no", "force-then-no", "relax-then-no", "network", "pool"],
)
def test_the_reedit_question_on_a_terminal(monkeypatch, editors, keys, command):
    editor = {"edit": "break-domain", "net-edit": "break-network", "pool-edit": "break-pool"}
    monkeypatch.setenv("EDITOR", editors[editor[command.split()[0]]])
    monkeypatch.delenv("VISUAL", raising=False)
    args = ["-c", URI, f"{command}; domstate test"]
    theirs = _on_terminal(VIRSH, args, keys)
    ours = _on_terminal(PYVIRSH, args, keys)
    assert b"Try again?" in theirs[0]
    assert ours == theirs


def test_yes_edits_again_until_the_xml_is_valid(monkeypatch, tmp_path):
    """The first run of the editor breaks the XML, the second mends it and changes the
    memory: 'y' re-opens the same file, and the define then succeeds."""
    outputs = []
    for binary in (VIRSH, PYVIRSH):
        marker = tmp_path / f"ran-{Path(binary).name}"
        script = tmp_path / f"twice-{Path(binary).name}.sh"
        script.write_text(
            "#!/bin/sh\n"
            f'if [ -e {marker} ]; then sed -i "s/<domainx /<domain /; s/8388608/4194304/" "$1"\n'
            f'else touch {marker}; sed -i "s/<domain /<domainx /" "$1"; fi\n'
        )
        script.chmod(0o755)
        monkeypatch.setenv("EDITOR", str(script))
        outputs.append(_on_terminal(binary, ["-c", URI, "edit test"], [b"y"]))
    theirs, ours = outputs
    assert b"XML configuration edited" in theirs[0]
    assert ours == theirs
