"""``virDomain.securityLabelList`` compared with the real binding: libvirt's test driver has no
security label list ("not supported" in process), and libvirtd's dispatch drops the driver's
error for it, so through a daemon a client gets libvirt's generic "cause is unknown"; a
domain gone before the call is still "not found" (libvirtd looks it up first).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cli_helpers import URI, libvirtd_alone
from real_libvirt import SYSTEM_PYTHON, real_binding_available

pytestmark = pytest.mark.skipif(
    not real_binding_available(), reason="the real libvirt binding (python3-libvirt) is missing"
)

PROBE = r"""
import sys
if sys.argv[1] == "real":
    import libvirt
else:
    import pyvirt.libvirt as libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[2])
gone = c.defineXML("<domain type='test'><name>sl-gone</name>"
                   "<uuid>5d1e8b8a-33b5-4cfc-9a4b-0d6d1e0b6c11</uuid><memory>1024</memory>"
                   "<os><type>hvm</type></os></domain>")
gone.undefine()
for dom in (c.lookupByName("test"), gone):
    for call in (dom.securityLabelList, dom.securityLabel):
        try:
            print("ok", call())
        except libvirt.libvirtError as e:
            print(e.get_error_code(), e.get_error_domain(), e.get_error_message())
"""


def _run(python: str, mod: str, uri: str) -> str:
    done = subprocess.run(
        [python, "-c", PROBE, mod, uri], capture_output=True, text=True, timeout=120,
        env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_in_process() -> None:
    real = _run(SYSTEM_PYTHON, "real", URI)
    assert "virDomainGetSecurityLabelList" in real
    assert _run(sys.executable, "pyvirt", URI) == real


def test_through_the_daemons(daemon_uri: str) -> None:
    with libvirtd_alone():
        real = _run(SYSTEM_PYTHON, "real", daemon_uri)
    assert "An error occurred, but the cause is unknown" in real
    assert _run(sys.executable, "pyvirt", daemon_uri) == real
