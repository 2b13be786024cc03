"""Shell completion: ``pyvirsh complete`` answers as virsh 9.0's hidden ``complete`` command,
and the bash and zsh scripts that ``pyvirsh completion SHELL`` prints use it."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest
from cli_helpers import PYVIRSH, URI, needs_virsh, pyvirsh, virsh
from pyvirt.cli._registry import commands

# (arguments after `complete --`, how to compare): "exact" for commands and options, whose
# order is the table's; "set" for object names, which virsh lists in hash-table order.
CASES = [
    (["li"], "exact"),
    (["list", ""], "exact"),
    (["list", "--a"], "exact"),
    (["list", "--all"], "exact"),
    (["list", "--all", "--inactive", ""], "exact"),
    (["list --"], "exact"),
    (["dominfo", ""], "exact"),
    (["dominfo", "t"], "set"),
    (["dominfo", "--domain", ""], "set"),
    (["dominfo", "test", ""], "exact"),
    (["dominfo", "--domain=t"], "exact"),
    (["domstate", "", ""], "exact"),
    (["start", "--domain", ""], "set"),
    (["destroy", "--domain", ""], "set"),
    (["suspend", "--domain", ""], "set"),
    (["resume", "--domain", ""], "set"),
    (["domname", "--domain", ""], "set"),
    (["net-info", "--network", "d"], "set"),
    (["net-start", "--network", ""], "set"),
    (["pool-info", "--pool", ""], "set"),
    (["vol-info", "--pool", "default-pool", ""], "exact"),
    (["vol-list", "--pool", ""], "set"),
    (["help", "l"], "exact"),
    (["help", ""], "exact"),
    (["bogus", ""], "exact"),
    (["list;", ""], "exact"),
    (['list "--a'], "exact"),
    ([""], "exact"),
    ([], "exact"),
]


@needs_virsh
@pytest.mark.parametrize("words", [c[0] for c in CASES], ids=lambda w: repr(w))
def test_complete_answers_as_virsh(words: list[str]) -> None:
    how = dict((tuple(w), h) for w, h in CASES)[tuple(words)]
    ours = pyvirsh("-c", URI, "complete", "--", *words)
    theirs = virsh("-c", URI, "complete", "--", *words)
    assert (ours.err, ours.rc) == (theirs.err, theirs.rc)
    assert ours.out.endswith("\n") and theirs.out.endswith("\n")
    mine = ours.out.splitlines()[:-1]
    real = theirs.out.splitlines()[:-1]
    if words and words[0] in commands() or words == ["help", "l"]:
        real = [c for c in real if c.startswith("-") or c in commands() or how == "set"]
    else:
        real = [c for c in real if c in commands()]
    if how == "set":
        assert sorted(mine) == sorted(real)
    else:
        assert mine == real


def test_state_filters_follow_the_domains_state() -> None:
    """start offers inactive domains only, destroy active ones, resume paused ones."""
    script = (
        "define XML; suspend test; "
        "complete -- start --domain ''; complete -- resume --domain ''; "
        "complete -- suspend --domain ''"
    )
    xml = "<domain type='test'><name>off1</name><memory>8192</memory><os><type>hvm</type></os></domain>"
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "off1.xml")
        path.write_text(xml)
        r = pyvirsh("-q", "-c", URI, script.replace("XML", str(path)))
    assert (r.out, r.rc) == ("off1\ntest\n", 1)  # nothing is running: suspend offers none


def test_names_need_a_connection_and_fail_quietly_without_one() -> None:
    r = pyvirsh("-c", "test:///nonexistent-file.xml", "complete", "--", "dominfo", "--domain", "")
    assert r.rc == 1 and "failed to connect" in r.err  # -c connects first, as in virsh
    r = pyvirsh("complete", "--", "dominfo", "")
    assert r.out == "--domain\n\n" and r.rc == 0  # options need no connection


def test_completion_prints_each_script_and_refuses_other_shells() -> None:
    assert "complete -o default -F _pyvirsh pyvirsh" in pyvirsh("completion", "bash").out
    assert pyvirsh("completion", "zsh").out.startswith("#compdef pyvirsh\n")
    r = pyvirsh("completion", "fish")
    assert (r.rc, r.err) == (1, "error: unsupported shell 'fish': expected one of bash, zsh\n")
    r = pyvirsh("completion")
    assert r.rc == 1 and r.err == "error: command 'completion' requires <shell> option\n"


def test_hidden_from_help_listings_but_helped() -> None:
    assert "complete" not in pyvirsh("help").out
    assert "    complete [<string>]...\n" in pyvirsh("help", "complete").out


def _bash(words: list[str], cword: int) -> list[str]:
    script = pyvirsh("completion", "bash").out
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    program = textwrap.dedent(f"""\
        {script}
        COMP_WORDS=({quoted}); COMP_CWORD={cword}
        _pyvirsh pyvirsh
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """)
    out = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_bash_script_completes_commands_options_and_names() -> None:
    assert _bash([PYVIRSH, "dominf"], 1) == ["dominfo"]
    assert _bash([PYVIRSH, "-c", URI, "dominfo", "--do"], 4) == ["--domain"]
    assert _bash([PYVIRSH, "-c", URI, "dominfo", "--domain", ""], 5) == ["test"]
    assert _bash([PYVIRSH, "-r", "-c", URI, "net-info", "d"], 5) == ["default"]
    assert _bash([PYVIRSH, "-c", URI, "pool-info", "--pool", "x"], 5) == []
    assert _bash([PYVIRSH, "-"], 1) == []  # global options are left to bash's default


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_script_works_with_bash_completion_word_splitting() -> None:
    helpers = "/usr/share/bash-completion/bash_completion"
    import os

    if not os.path.exists(helpers):
        pytest.skip("Debian's bash-completion package is not installed")
    script = pyvirsh("completion", "bash").out
    # bash splits test:///default at the colon; the script joins it back
    program = f"""source {helpers}
{script}
COMP_WORDS=('{PYVIRSH}' -c test : ///default dominfo --domain ''); COMP_CWORD=7
COMP_LINE="pyvirsh -c test:///default dominfo --domain "; COMP_POINT=${{#COMP_LINE}}
_pyvirsh pyvirsh
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    out = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["test"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_completes_through_pyvirsh() -> None:
    """The function runs in a real zsh; compadd and _call_program are stood in for by
    functions that print what the completion system would receive."""
    script = pyvirsh("completion", "zsh").out.replace("#compdef pyvirsh\n", "")
    body = script.rsplit("\nif [[", 1)[0]
    program = f"""{body}
compadd() {{ shift 2; print -l -- "$@"; }}
_call_program() {{ shift; "$@"; }}
words=('{PYVIRSH}' -c '{URI}' dominfo --domain ''); CURRENT=6
_pyvirsh
words=('{PYVIRSH}' 'dominf'); CURRENT=2
_pyvirsh
words=('{PYVIRSH}' -c '{URI}' list --al); CURRENT=5
_pyvirsh || print none
"""
    out = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["test", "dominfo", "--all"]
