"""Run virsh and pyvirsh side by side and compare stdout, stderr and exit status.

Two targets: ``test:///default`` in-process for both, or ``test+unix:///default`` through a
daemon for both (virsh → libvirtd, pyvirsh → a pyvirtd this test session starts).  Tests take
the ``uri`` fixture (both targets) or ``daemon_uri`` (the daemons only); conftest.py
re-exports the fixtures defined here.

Kept out of conftest.py so the CLI tests do not collide with other branches' fixtures.
"""

from __future__ import annotations

import difflib
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PYVIRSH = str(Path(sys.executable).parent / "pyvirsh")
VIRSH = shutil.which("virsh")
URI = "test:///default"
DAEMON_URI = "test+unix:///default"
#: libvirt's own helper (a copy of shared/ sits beside the clone); installs and starts libvirtd.
LIBVIRT_REFERENCE = Path(__file__).resolve().parents[2] / "shared/tools/libvirt-reference.sh"

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
    binary: str,
    args: list[str],
    *,
    stdin: str | None = None,
    cwd: str | Path | None = None,
    timeout: float = 60,
) -> Result:
    # No input: /dev/null, never the test runner's own standard input.
    proc = subprocess.run(
        [binary, *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=timeout,
    )
    return Result(proc.stdout, proc.stderr, proc.returncode)


def pyvirsh(*args: str, stdin: str | None = None, cwd: str | Path | None = None) -> Result:
    return run(PYVIRSH, list(args), stdin=stdin, cwd=cwd)


def virsh(
    *args: str, stdin: str | None = None, cwd: str | Path | None = None, timeout: float = 60
) -> Result:
    assert VIRSH is not None
    if any(DAEMON_URI in a for a in args):
        with libvirtd_alone():
            return run(VIRSH, list(args), stdin=stdin, cwd=cwd, timeout=timeout)
    return run(VIRSH, list(args), stdin=stdin, cwd=cwd, timeout=timeout)


# -- the daemons -------------------------------------------------------------------------------
@contextmanager
def libvirtd_alone() -> Iterator[None]:
    """Hold the machine-wide lock for libvirtd's test:///default.

    libvirtd shares test:///default among its clients and resets it when the last one leaves;
    pytest-xdist workers all talk to the one libvirtd, so each virsh run (or event listener)
    takes this lock to see the pristine state and no other test's events."""
    with open(os.path.join(tempfile.gettempdir(), "pyvirt-tests-libvirtd.lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@cache
def libvirtd_problem() -> str | None:
    """Why virsh cannot reach libvirtd's test:///default, or None when it can.

    Starts libvirtd with shared/tools/libvirt-reference.sh when that is beside the clone,
    libvirt is installed and we are root (as in CI); it never installs packages itself."""
    if VIRSH is None:
        return "virsh (libvirt 9.0) is not installed"

    def reach() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VIRSH, "-c", DAEMON_URI, "uri"], capture_output=True, text=True, env=_env(), timeout=30
        )

    probe = reach()
    if probe.returncode == 0:
        return None
    startable = LIBVIRT_REFERENCE.exists() and shutil.which("libvirtd") and os.geteuid() == 0
    if startable:
        subprocess.run(["bash", str(LIBVIRT_REFERENCE), "start"], capture_output=True, timeout=120)
        probe = reach()
        if probe.returncode == 0:
            return None
    return (
        f"libvirtd is not reachable ({probe.stderr.strip().splitlines()[-1]}); "
        "start it with shared/tools/libvirt-reference.sh start, as .ci/run does"
    )


class _Pyvirtd:
    """This test process's pyvirtd: started on first use, restarted if something killed it."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="pvcli-", dir="/tmp")
        self.rundir = Path(self.tmp.name) / "run"
        self.daemon = None

    def ensure(self) -> Path:
        from daemon_helpers import start_daemon

        if self.daemon is None or self.daemon.proc.poll() is not None:
            self.daemon = start_daemon(self.rundir)
        return self.rundir

    def stop(self) -> None:
        if self.daemon is not None and self.daemon.proc.poll() is None:
            self.daemon.stop(signal.SIGTERM)
        self.tmp.cleanup()


@pytest.fixture(scope="session")
def pyvirtd() -> Iterator[_Pyvirtd]:
    """One pyvirtd per test process (each xdist worker has its own, so no state is shared)."""
    d = _Pyvirtd()
    try:
        yield d
    finally:
        d.stop()


@pytest.fixture
def daemon_uri(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``test+unix:///default``: virsh talks to libvirtd, pyvirsh (and pyvirt) to our pyvirtd.

    Both daemons reset test:///default when their last client disconnects, so every run of a
    binary starts from the pristine state, as a run on test:///default does."""
    problem = libvirtd_problem()
    if problem:
        pytest.skip(problem)
    rundir = request.getfixturevalue("pyvirtd").ensure()
    monkeypatch.setenv("PYVIRT_RUNTIME_DIR", str(rundir))
    return DAEMON_URI


@pytest.fixture(params=[URI, DAEMON_URI], ids=["local", "daemon"])
def uri(request: pytest.FixtureRequest) -> str:
    """Both targets: in-process test:///default, and test+unix:///default through daemons."""
    if request.param == DAEMON_URI:
        return str(request.getfixturevalue("daemon_uri"))
    return URI


#: pyvirsh's --json in ``help CMD`` (its extension to virsh's options), taken out to compare
_JSON_HELP = re.compile(r" \[--json\]|^    --json +print JSON.*\n", re.M)
_CPU_TIME = re.compile(r"^(CPU time: +)\d+\.\ds$", re.M)
_TIMING = re.compile(r"\(Time: \d+\.\d+ ms\)")
#: libvirt reports a save image cut short (header, metadata length or metadata) with whatever
#: errno its thread last had (a short read sets none): libvirtd's text for it changes from call
#: to call ("Success", "Resource temporarily unavailable", ...)
_SHORT_HEADER = re.compile(
    r"((?:incomplete save header|failed to read metadata length|incomplete metadata) in '[^']*'): .*"
)


def normalise(text: str) -> str:
    """Blank out what legitimately differs between two runs: CPU time, timings, program name."""
    text = _JSON_HELP.sub("", text)
    text = _CPU_TIME.sub(r"\1<cpu>", text)
    text = _TIMING.sub("(Time: <ms>)", text)
    text = _SHORT_HEADER.sub(r"\1: <errno>", text)
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
    *args: str,
    stdin: str | None = None,
    cwd: str | Path | None = None,
    listing: bool = False,
    virsh_tries: int = 1,
) -> Result:
    """Run both binaries with *args*; assert equal (normalised) stdout, stderr and status.

    ``listing``: the output lists commands; compare against virsh's listing cut to ours.
    ``virsh_tries``: runs of virsh to allow when it hangs (20 s each) - for commands whose
    virsh implementation is known to hang at random (see tests/test_cli_managed_save.py).
    """
    theirs = None
    for attempt in range(virsh_tries):
        try:
            theirs = virsh(*args, stdin=stdin, cwd=cwd, timeout=60 if virsh_tries == 1 else 20)
            break
        except subprocess.TimeoutExpired:
            if attempt == virsh_tries - 1:
                raise
    assert theirs is not None
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


def on_test(
    *commands: str, cwd: str | Path | None = None, quiet: bool = False, uri: str = URI
) -> Result:
    """Compare one `;`-joined command string run against *uri* (default test:///default)."""
    opts = ["-q"] if quiet else []
    return compare(*opts, "-c", uri, "; ".join(commands), cwd=cwd)
