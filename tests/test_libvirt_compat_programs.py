"""libvirt-python programs give the same output on pyvirt.libvirt as on the real binding.

Each program in tests/data/libvirt_programs runs under /usr/bin/python3 with Debian's
python3-libvirt and under this venv with ``pyvirt.libvirt`` standing in for ``libvirt``, both on
test:///default, and again through the daemons (libvirtd vs pyvirtd on test+unix:///default);
stdout must be equal line for line, and so must the lines libvirt's default error printer writes
to stderr.  The programs print only deterministic
values (no CPU times, no generated UUIDs).
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import pytest
from cli_helpers import URI, libvirtd_alone
from libvirt_compat import PROGRAMS, real_binding_available, run_pyvirt, run_real

PROGRAM_FILES = sorted(PROGRAMS.glob("*.py"))


@pytest.mark.parametrize("program", PROGRAM_FILES, ids=[p.stem for p in PROGRAM_FILES])
def test_same_output_as_libvirt_python(program: Path, uri: str, monkeypatch) -> None:
    # uri: test:///default in-process, or test+unix:///default with the real binding talking
    # to libvirtd and pyvirt.libvirt to pyvirtd (PYVIRT_RUNTIME_DIR is set by the fixture).
    monkeypatch.setenv("LIBVIRT_PROGRAM_URI", uri)
    ours = run_pyvirt(program)
    assert ours.returncode == 0, ours.stderr
    if not real_binding_available():
        pytest.skip("the real libvirt binding is missing (apt-get install python3-libvirt)")
    # libvirtd is one for every xdist worker: hold its lock so the program sees the pristine
    # test:///default and no other test's changes or events.
    with nullcontext() if uri == URI else libvirtd_alone():
        theirs = run_real(program)
    assert theirs.returncode == 0, theirs.stderr
    assert ours.stdout.splitlines() == theirs.stdout.splitlines()
    # What libvirt's default error printer wrote (no handler registered) must match too.
    assert _printed_errors(ours.stderr) == _printed_errors(theirs.stderr)


def _printed_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("libvirt:")]
