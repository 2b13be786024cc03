"""The committed list of virsh 9.0's commands (tests/data/virsh_commands.toml) stays true.

- it lists exactly the commands ``virsh help`` lists, in its order;
- every command not marked ``pending`` exists in pyvirsh, and every one marked pending does
  not (so a command built without updating the list fails here, and so does one listed as
  built that is missing);
- every built command is named by a comparison test (a test file that runs virsh and
  pyvirsh side by side), and its probe, the cheapest invocation, gives the same stdout,
  stderr and exit status from both on test:///default (digits blanked for ``volatile``
  output); a command marked ``differs`` must still differ, so the mark goes once it is
  fixed.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from cli_helpers import Result, needs_virsh, normalise, pyvirsh, virsh
from pyvirt.cli._registry import commands
from virsh_commands import SCRATCH, load

TESTS = Path(__file__).resolve().parent
ENTRIES = load()
BUILT = [e for e in ENTRIES if "pending" not in e]


def test_entries_are_well_formed() -> None:
    names = [e["name"] for e in ENTRIES]
    assert len(names) == len(set(names)), "a command is listed twice"
    for e in ENTRIES:
        assert {"name", "group", "probe", "works"} <= set(e), e
        assert isinstance(e["works"], bool)
        assert e["works"] or "why" in e, f"{e['name']}: say why it does not work"
        assert str(e["probe"]).split(";")[-1].split()[0] == e["name"], e


@pytest.mark.skipif(shutil.which("virsh") is None, reason="virsh (libvirt 9.0) is not installed")
def test_the_list_is_exactly_virshs() -> None:
    out = subprocess.run(["virsh", "help"], capture_output=True, text=True, check=True).stdout
    listed = [ln.split()[0] for ln in out.splitlines() if re.match(r"^    [a-z]", ln)]
    assert [e["name"] for e in ENTRIES] == listed


def test_pending_commands_are_missing_and_the_others_exist() -> None:
    ours = set(commands())
    built_but_marked = sorted(e["name"] for e in ENTRIES if "pending" in e and e["name"] in ours)
    missing = sorted(e["name"] for e in BUILT if e["name"] not in ours)
    assert not built_but_marked, f"built now: drop their pending marker: {built_but_marked}"
    assert not missing, f"listed as built, but pyvirsh has no such command: {missing}"


@cache
def _compared_strings() -> str:
    """Every string in the test files that compare pyvirsh with virsh, one per line."""
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if "cli_helpers" not in text or not re.search(r"\b(compare|on_test|virsh)\(", text):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    return "\n".join(found)


@pytest.mark.parametrize("name", [e["name"] for e in BUILT if "differs" not in e])
def test_a_comparison_test_names_the_command(name: str) -> None:
    pattern = rf"(^|[\s;\"'(]){re.escape(name)}($|[\s;\"')])"
    assert re.search(pattern, _compared_strings(), re.M), f"no comparison test runs {name}"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("probes")
    for file, text in SCRATCH.items():
        (folder / file).write_text(text)
    return folder


def _probed(entry: dict[str, object]) -> bool:
    # virsh's managedsave, save, dump and migrate on test:///default hang at random (its
    # job-watching thread): those commands are compared in tests/test_cli_managed_save.py,
    # tests/test_cli_save_restore.py and tests/test_cli_migrate.py, which retry
    probe = str(entry["probe"])
    return not any(
        word in probe for word in ("managedsave", "save test", "dump test", "migrate test")
    )


@needs_virsh
@pytest.mark.parametrize("entry", [e for e in BUILT if _probed(e)], ids=lambda e: str(e["name"]))
def test_the_probe_gives_what_virsh_gives(entry: dict[str, object], scratch: Path, monkeypatch) -> None:
    # the edit commands run an "editor" that changes nothing, as the data file's probes did
    monkeypatch.setenv("VISUAL", "true")
    monkeypatch.setenv("EDITOR", "true")
    args = ("-c", "test:///default", str(entry["probe"]))
    theirs, ours = virsh(*args, cwd=scratch), pyvirsh(*args, cwd=scratch)
    if "volatile" in entry:  # numbers that change from run to run
        theirs, ours = (Result(re.sub(r"\d+", "#", r.out), r.err, r.rc) for r in (theirs, ours))
    same = (normalise(ours.out), normalise(ours.err), ours.rc) == (
        normalise(theirs.out), normalise(theirs.err), theirs.rc)  # fmt: skip
    if "differs" in entry:
        assert not same, f"{entry['name']} answers as virsh now: drop its 'differs' marker"
        return
    assert normalise(ours.out) == normalise(theirs.out), (theirs.out, ours.out)
    assert normalise(ours.err) == normalise(theirs.err), (theirs.err, ours.err)
    assert ours.rc == theirs.rc
    assert (theirs.rc == 0) == entry["works"], "the data file's works flag is stale"
