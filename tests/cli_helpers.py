"""Run virsh and pyvirsh side by side and compare stdout, stderr and exit status.

Kept out of conftest.py so the CLI tests do not collide with other branches' fixtures.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PYVIRSH = str(Path(sys.executable).parent / "pyvirsh")
VIRSH = shutil.which("virsh")
URI = "test:///default"

needs_virsh = pytest.mark.skipif(VIRSH is None, reason="virsh (libvirt 9.0) is not installed")


@dataclass(frozen=True)
class Result:
    out: str
    err: str
    rc: int


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI")
    }
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def run(
    binary: str, args: list[str], *, stdin: str | None = None, cwd: str | Path | None = None
) -> Result:
    proc = subprocess.run(
        [binary, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=60,
    )
    return Result(proc.stdout, proc.stderr, proc.returncode)


def pyvirsh(*args: str, stdin: str | None = None, cwd: str | Path | None = None) -> Result:
    return run(PYVIRSH, list(args), stdin=stdin, cwd=cwd)


def virsh(*args: str, stdin: str | None = None, cwd: str | Path | None = None) -> Result:
    assert VIRSH is not None
    return run(VIRSH, list(args), stdin=stdin, cwd=cwd)


_CPU_TIME = re.compile(r"^(CPU time: +)\d+\.\ds$", re.M)
_TIMING = re.compile(r"\(Time: \d+\.\d+ ms\)")


def normalise(text: str) -> str:
    """Blank out what legitimately differs between two runs: CPU time, timings, program name."""
    text = _CPU_TIME.sub(r"\1<cpu>", text)
    text = _TIMING.sub("(Time: <ms>)", text)
    text = re.sub(r"\bpyvirsh\b", "virsh", text)
    return text


_LISTED = re.compile(r"^    ([a-z][\w-]*) +\S")


def only_our_commands(text: str) -> str:
    """virsh's command listings (help, help GROUP, --help) cut to the commands pyvirsh has:
    listing lines of other commands go, and so do groups left empty."""
    from pyvirt.cli._registry import commands

    ours = set(commands())
    blocks = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        listed = [ln for ln in lines if _LISTED.match(ln)]
        kept = [ln for ln in lines if not _LISTED.match(ln) or _LISTED.match(ln).group(1) in ours]
        if listed and len(kept) == len(lines) - len(listed):
            continue  # a group none of whose commands pyvirsh has
        blocks.append("\n".join(kept))
    return "\n\n".join(blocks)


def compare(
    *args: str, stdin: str | None = None, cwd: str | Path | None = None, listing: bool = False
) -> Result:
    """Run both binaries with *args*; assert equal (normalised) stdout, stderr and status.

    ``listing``: the output lists commands; compare against virsh's listing cut to ours.
    """
    theirs = virsh(*args, stdin=stdin, cwd=cwd)
    if listing:
        theirs = Result(only_our_commands(theirs.out), theirs.err, theirs.rc)
    ours = pyvirsh(*args, stdin=stdin, cwd=cwd)
    for name, a, b in (("stdout", ours.out, theirs.out), ("stderr", ours.err, theirs.err)):
        a, b = normalise(a), normalise(b)
        if a != b:
            diff = "".join(
                difflib.unified_diff(b.splitlines(True), a.splitlines(True), "virsh", "pyvirsh")
            )
            raise AssertionError(f"{name} differs for {args!r}:\n{diff}")
    assert ours.rc == theirs.rc, f"exit status differs for {args!r}: {ours.rc} != {theirs.rc}"
    return ours


def on_test(*commands: str, cwd: str | Path | None = None, quiet: bool = False) -> Result:
    """Compare one `;`-joined command string run against test:///default."""
    opts = ["-q"] if quiet else []
    return compare(*opts, "-c", URI, "; ".join(commands), cwd=cwd)
