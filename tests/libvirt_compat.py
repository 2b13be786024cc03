"""Run one libvirt-python program twice: real binding vs pyvirt.libvirt, and compare.

The program text starts with ``import libvirt``.  Under ``/usr/bin/python3`` that is Debian's
python3-libvirt; under this venv's interpreter the runner first puts ``pyvirt.libvirt`` into
``sys.modules['libvirt']`` (and ``pyvirt.libvirt_qemu`` / ``pyvirt.libvirt_lxc`` under their
libvirt-python names), so the same text runs unchanged on pyvirt.  Both runs get a clean
environment (no default URI, empty config home) so a developer's libvirt.conf cannot matter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from real_libvirt import SYSTEM_PYTHON, real_binding_available

PROGRAMS = Path(__file__).parent / "data" / "libvirt_programs"

_PYVIRT_BOOT = (
    "import sys, pyvirt.libvirt as m; sys.modules['libvirt'] = m; "
    "import pyvirt.libvirt_qemu as q, pyvirt.libvirt_lxc as x; "
    "sys.modules['libvirt_qemu'] = q; sys.modules['libvirt_lxc'] = x; "
    "p = sys.argv[1]; sys.argv = sys.argv[1:]; "
    "exec(compile(open(p).read(), p, 'exec'), {'__name__': '__main__'})"
)


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def _run(argv: list[str]) -> Outcome:
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
        env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home, XDG_RUNTIME_DIR=home)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=60, check=False
        )
    return Outcome(done.returncode, done.stdout, done.stderr)


def run_real(program: Path, *args: str) -> Outcome:
    return _run([SYSTEM_PYTHON, str(program), *args])


def run_pyvirt(program: Path, *args: str) -> Outcome:
    return _run([sys.executable, "-c", _PYVIRT_BOOT, str(program), *args])


#: The start of a program for :func:`assert_same_answers`: ``c``/``r`` (read-write and
#: read-only connections to ``sys.argv[1]``), ``d`` (domain "test") and ``ask(expr)``, which
#: prints the answer or libvirt's error fields (code, domain, message, str1, str2).
ASK_PRELUDE = r'''
import sys
import libvirt

libvirt.registerErrorHandler(lambda *a: None, None)
URI = sys.argv[1]
c = libvirt.open(URI)
r = libvirt.openReadOnly(URI)
d = c.lookupByName("test")


def ask(expr):
    try:
        print(expr, "->", repr(eval(expr)))
    except libvirt.libvirtError as e:
        print(expr, "!!", e.get_error_code(), e.get_error_domain(), e.get_error_message(),
              e.get_str1(), e.get_str2())
    except (TypeError, OverflowError, LookupError, ValueError) as e:
        print(expr, "raises", type(e).__name__, e)
'''


def assert_same_answers(body: str, uri: str, tmp_path: Path) -> None:
    """Run :data:`ASK_PRELUDE` + *body* on *uri* under the real binding and pyvirt.libvirt;
    the outputs, errors and exit codes must be equal."""
    from cli_helpers import DAEMON_URI, libvirtd_alone

    program = tmp_path / "program.py"
    program.write_text(ASK_PRELUDE + body)
    if uri == DAEMON_URI:
        # libvirtd's test:///default is shared by every client (and reset when the last one
        # leaves): hold the lock the virsh comparisons take, so no other test changes it
        # under the program.
        with libvirtd_alone():
            real = run_real(program, uri)
    else:
        real = run_real(program, uri)
    ours = run_pyvirt(program, uri)
    assert real.returncode == 0, real.stderr
    assert ours.stdout.splitlines() == real.stdout.splitlines()
    assert (ours.stderr, ours.returncode) == (real.stderr, real.returncode)


__all__ = [
    "ASK_PRELUDE",
    "PROGRAMS",
    "Outcome",
    "assert_same_answers",
    "real_binding_available",
    "run_pyvirt",
    "run_real",
]
