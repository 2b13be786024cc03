"""Ask the real libvirt Python binding (Debian's python3-libvirt) the same question as pyvirt.

pyvirt promises libvirt's codes and messages, so where the real library can answer, tests
compare against it rather than against strings copied by hand.  The binding lives in the
system interpreter, not in the test venv, so questions go through a subprocess; tests skip
with a reason where the binding is not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import Any

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"

# Runs in the system interpreter: evaluates each expression against fresh connections and
# reports the value or libvirt's error fields.
_RUNNER = r"""
import json, sys
import libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
results = []
for expr in json.loads(sys.stdin.read()):
    try:
        value = eval(expr, {"libvirt": libvirt})
        results.append({"ok": True, "value": value if isinstance(value, (str, int)) else repr(value)})
    except libvirt.libvirtError as e:
        results.append({"ok": False, "code": e.get_error_code(), "domain": e.get_error_domain(),
                        "message": e.get_error_message(), "str1": e.get_str1(), "str2": e.get_str2()})
print(json.dumps(results))
"""


def real_binding_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import libvirt"], capture_output=True, check=False
    )
    return probe.returncode == 0


def ask_real_libvirt(expressions: list[str]) -> list[dict[str, Any]]:
    """Evaluate each Python expression (``libvirt`` in scope) with the real binding.

    The environment is stripped of default-URI variables and given an empty config home, so a
    developer's own libvirt.conf cannot change the answers.
    """
    if not real_binding_available():
        pytest.skip("the real libvirt binding is missing (apt-get install python3-libvirt)")
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
        env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home, XDG_RUNTIME_DIR=home)
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", _RUNNER],
            input=json.dumps(expressions),
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=60,
        )
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers
