"""Programs that bring their own event loop run on pyvirt.libvirt as on libvirt-python.

libvirt-python ships ``libvirtaio``, which serves libvirt's watches and timers from an asyncio
loop through ``virEventRegisterImpl``.  The same program, using Debian's libvirtaio unchanged,
runs under the real binding and under pyvirt.libvirt (standing in for ``libvirt``), in process
and through the daemons, and must print the same events.  (A loop written by hand is covered
by tests/data/libvirt_programs/event_impl.py.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_helpers import DAEMON_URI, libvirtd_alone
from libvirt_compat import run_pyvirt, run_real
from real_libvirt import SYSTEM_PYTHON, real_binding_available

pytestmark = pytest.mark.skipif(
    not real_binding_available(), reason="the real libvirt binding (python3-libvirt) is missing"
)

PROGRAM = r'''
import asyncio, importlib.util, os, sys

import libvirt

# libvirtaio imports "libvirt": loaded from its file, it gets whichever binding runs this
spec = importlib.util.spec_from_file_location("libvirtaio", os.environ["LIBVIRTAIO"])
libvirtaio = importlib.util.module_from_spec(spec)
spec.loader.exec_module(libvirtaio)


async def main():
    libvirtaio.virEventRegisterAsyncIOImpl()
    conn = libvirt.open(os.environ["LIBVIRT_PROGRAM_URI"])
    dom = conn.lookupByName("test")
    seen, both = [], asyncio.Event()

    def lifecycle(conn, d, event, detail, opaque):
        seen.append((d.name(), event, detail, opaque))
        if len(seen) == 2:
            both.set()

    cid = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "o")
    dom.suspend()
    dom.resume()
    await asyncio.wait_for(both.wait(), 30)
    conn.domainEventDeregisterAny(cid)
    fired = asyncio.Event()
    timer = libvirt.virEventAddTimeout(0, lambda t, o: fired.set(), None)
    await asyncio.wait_for(fired.wait(), 30)
    libvirt.virEventRemoveTimeout(timer)
    print("events", seen)
    print("own timer fired", fired.is_set())
    conn.close()


asyncio.run(main())
'''


def _libvirtaio() -> str:
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import libvirtaio; print(libvirtaio.__file__)"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip("libvirt-python's libvirtaio is missing")
    return done.stdout.strip()


def test_libvirtaio_programs_see_the_same_events(uri: str, tmp_path: Path, monkeypatch) -> None:
    program = tmp_path / "aio_events.py"
    program.write_text(PROGRAM)
    monkeypatch.setenv("LIBVIRTAIO", _libvirtaio())
    monkeypatch.setenv("LIBVIRT_PROGRAM_URI", uri)
    ours = run_pyvirt(program)
    assert ours.returncode == 0, ours.stderr
    if uri == DAEMON_URI:
        with libvirtd_alone():
            theirs = run_real(program)
    else:
        theirs = run_real(program)
    assert theirs.returncode == 0, theirs.stderr
    assert ours.stdout == theirs.stdout
    assert "('test', 3, 0, 'o'), ('test', 4, 0, 'o')" in ours.stdout
