"""libvirt-python's ``secretEventRegisterAny`` / ``secretEventDeregisterAny`` under
pyvirt.libvirt, compared with the real binding, with and without an event loop: in process
libvirt's test driver has no secret events ("not supported"); through a daemon libvirt's
remote driver answers first, asking for the event loop before registering anything and
looking callback ids up in its own list, and then the daemon's "not supported".
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cli_helpers import URI
from real_libvirt import SYSTEM_PYTHON, real_binding_available

pytestmark = pytest.mark.skipif(
    not real_binding_available(), reason="the real libvirt binding (python3-libvirt) is missing"
)

PROBE = r"""
import sys
mod, loop, uri = sys.argv[1], sys.argv[2] == "loop", sys.argv[3]
if mod == "real":
    import libvirt
else:
    import pyvirt.libvirt as libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
if loop:
    libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(uri)
CALLS = (
    lambda: c.secretEventRegisterAny(None, 0, lambda *a: None, None),
    lambda: c.secretEventRegisterAny(None, 1, lambda *a: None, None),
    lambda: c.secretEventDeregisterAny(42),
    # an unknown event id: the glue's own failure, with the thread's previous error
    lambda: c.secretEventRegisterAny(None, 5, lambda *a: None, None),
    lambda: c.secretEventDeregisterAny("x"),
)
for call in CALLS:
    try:
        r = ("ok", call())
    except libvirt.libvirtError as e:
        r = (e.get_error_code(), e.get_error_domain(), e.get_error_message())
    except Exception as e:
        r = (type(e).__name__, str(e))
    print(r)
"""


def _run(python: str, mod: str, loop: str, uri: str) -> str:
    done = subprocess.run(
        [python, "-c", PROBE, mod, loop, uri], capture_output=True, text=True, timeout=120,
        env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("loop", ["loop", "noloop"])
def test_in_process(loop: str) -> None:
    real = _run(SYSTEM_PYTHON, "real", loop, URI)
    assert "virConnectSecretEventRegisterAny" in real
    assert _run(sys.executable, "pyvirt", loop, URI) == real


@pytest.mark.parametrize("loop", ["loop", "noloop"])
def test_through_the_daemons(daemon_uri: str, loop: str) -> None:
    real = _run(SYSTEM_PYTHON, "real", loop, daemon_uri)
    assert "event callback id 42 not registered" in real
    assert _run(sys.executable, "pyvirt", loop, daemon_uri) == real
