"""virConnectSetIdentity: what libvirt-python programs get from ``setIdentity`` in process
(the test driver: not supported, after the binding's own type checks) and through a daemon
(libvirtd and pyvirtd answer it themselves: unknown names and wrong types refused, anything
else accepted, read-only clients included), compared with the real binding; then what it
changes in pyvirtd: the access rules see the identity given, and only who holds
``connect:write`` may give one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import pyvirt
from cli_helpers import URI
from daemon_helpers import running_daemon
from pyvirt._records import TypedParameter
from real_libvirt import SYSTEM_PYTHON, real_binding_available

pytestmark = pytest.mark.skipif(
    not real_binding_available(), reason="the real libvirt binding (python3-libvirt) is missing"
)

PROBE = r"""
import sys
mod, uris = sys.argv[1], sys.argv[2:]
if mod == "real":
    import libvirt
else:
    import pyvirt.libvirt as libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
CASES = (
    5, {"unix-user-id": "x"}, {"unix-user-id": -1}, {"user_name": "probe"}, {"user-name": 5},
    {"process-id": 5, "selinux-context": "a", "process-time": 3, "sasl-user-name": "s",
     "x509-distinguished-name": "d", "group-name": "g", "unix-group-id": 3, "user-name": "u"},
    {}, {"unix-user-id": 2**64 - 1}, {"process-id": 2**63},
)
for uri in uris:
    for ro in (False, True):
        c = libvirt.openReadOnly(uri) if ro else libvirt.open(uri)
        for params in CASES:
            try:
                r = ("ok", c.setIdentity(params))
            except libvirt.libvirtError as e:
                r = (e.get_error_code(), e.get_error_domain(), e.get_error_message())
            except Exception as e:
                r = (type(e).__name__, str(e))
            print(ro, repr(params), r)
        # the connection still works for the identity given
        print(ro, c.lookupByName("test").name())
"""


def _run(python: str, mod: str, uri: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [python, "-c", PROBE, mod, uri], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_in_process_as_libvirt() -> None:
    real = _run(SYSTEM_PYTHON, "real", URI)
    assert "not supported by the connection driver: virConnectSetIdentity" in real
    assert _run(sys.executable, "pyvirt", URI) == real


def test_through_the_daemons_as_libvirtd(daemon_uri: str) -> None:
    import os

    real = _run(SYSTEM_PYTHON, "real", daemon_uri)
    assert "parameter 'user_name' not supported" in real
    assert _run(sys.executable, "pyvirt", daemon_uri, dict(os.environ)) == real


RULES = """default = "deny"
[[rule]]
user = "root"
permissions = ["*:*"]
[[rule]]
user = "reader"
permissions = ["*:getattr", "*:read", "*:search_*"]
"""


def _identity(fields: dict[str, str | int]) -> list[TypedParameter]:
    kinds = {str: pyvirt.TypedParameterType.STRING, int: pyvirt.TypedParameterType.ULLONG}
    return [pyvirt.typed_param(name, kinds[type(v)], v) for name, v in fields.items()]


def test_pyvirtd_rules_see_the_identity_given(tmp_path: Path) -> None:
    rules = tmp_path / "acl.toml"
    rules.write_text(RULES)
    with running_daemon(config=f'access_rules = "{rules}"\n') as daemon:
        with pyvirt.open(daemon.uri()) as conn:  # root: may do anything
            conn.lookup_domain_by_name("test").suspend()
            with pytest.raises(pyvirt.VirtError, match="parameter 'user_name' not supported"):
                conn.set_identity(_identity({"user_name": "x"}))
            conn.set_identity(_identity({"user-name": "reader"}))
            # now a reader: reads pass, writes and a further change of identity are refused
            assert conn.lookup_domain_by_name("test").name == "test"
            with pytest.raises(pyvirt.VirtError, match="access denied") as e:
                conn.lookup_domain_by_name("test").resume()
            assert e.value.code == pyvirt.ErrorCode.ACCESS_DENIED
            with pytest.raises(pyvirt.VirtError, match="access denied"):
                conn.set_identity(_identity({"user-name": "root"}))
            # an identity no rule names holds nothing
        with pyvirt.open(daemon.uri()) as conn:
            conn.set_identity(_identity({"unix-user-id": 12345}))
            with pytest.raises(pyvirt.VirtError, match="access denied"):
                conn.lookup_domain_by_name("test")
