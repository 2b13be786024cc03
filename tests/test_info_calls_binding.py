"""Host and domain information calls through libvirt-python's face, against the real binding.

One program asks every call (good and bad arguments, inactive domains, read-only
connections) and prints each answer or libvirt's error fields; it runs under the system
interpreter with the real binding and under pyvirt.libvirt, in process (test:///default) and
through the daemons (libvirtd and pyvirtd on test+unix:///default), and the outputs must be
equal.  Typed parameters come back as libvirt-python's dicts, in libvirt's order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from libvirt_compat import real_binding_available, run_pyvirt, run_real

pytestmark = pytest.mark.skipif(
    not real_binding_available(), reason="the real libvirt binding is missing (python3-libvirt)"
)

_PROGRAM = r'''
import sys
import libvirt

libvirt.registerErrorHandler(lambda *a: None, None)
URI = sys.argv[1] if len(sys.argv) > 1 else "test:///default"
c = libvirt.open(URI)
r = libvirt.openReadOnly(URI)
d = c.lookupByName("test")
rd = r.lookupByName("test")


def ask(expr):
    try:
        print(expr, "->", repr(eval(expr)))
    except libvirt.libvirtError as e:
        print(expr, "!!", e.get_error_code(), e.get_error_domain(), e.get_error_message(),
              e.get_str1(), e.get_str2())
    except (TypeError, OverflowError, LookupError, ValueError) as e:
        print(expr, "raises", type(e).__name__, e)


for expr in [
    "c.getCellsFreeMemory(0, 2)", "c.getCellsFreeMemory(0, 10)", "c.getCellsFreeMemory(1, 1)",
    "c.getCellsFreeMemory(2, 1)", "c.getCellsFreeMemory(-1, 1)", "c.getCellsFreeMemory(0, 0)",
    "c.getCellsFreeMemory(1, 9999)", "r.getCellsFreeMemory(0, 2)",
    "c.getCPUStats(-1, 0)", "c.getCPUStats(0)", "c.getCPUStats(8, 0)", "c.getCPUStats(-2, 0)",
    "c.getCPUStats(-1, 1)", "r.getCPUStats(-1, 0)", "c.getCPUStats('x')",
    "c.getMemoryStats(-1, 0)", "c.getMemoryStats(-2, 0)", "c.getMemoryStats(0, 1)",
    "c.getCPUMap(0)", "c.getCPUMap()", "c.getCPUMap(1)", "r.getCPUMap(0)",
    "c.suspendForDuration(0, 60, 0)", "c.suspendForDuration(5, 60, 1)",
    "r.suspendForDuration(0, 60, 0)",
    "d.schedulerType()", "d.schedulerParameters()", "d.schedulerParametersFlags(0)",
    "d.schedulerParametersFlags(1)", "d.schedulerParametersFlags(3)", "rd.schedulerType()",
    "rd.schedulerParameters()",
    "d.blockInfo('vda')", "d.blockInfo('/guest/diskimage1')", "d.blockInfo('vdb')",
    "d.blockInfo('vda', 1)", "d.blockInfo('')", "d.blockInfo(None)", "rd.blockInfo('vda')",
    "d.controlInfo()", "d.controlInfo(1)", "rd.controlInfo()",
    "d.hostname()", "d.hostname(1)", "rd.hostname()", "d.memoryStats()", "rd.memoryStats()",
    "d.setSchedulerParameters({'weight': 5})", "d.setSchedulerParameters({'weight': -1})",
    "d.setSchedulerParameters({'cap': 5})", "d.setSchedulerParameters({'weight': 'x'})",
    "d.setSchedulerParameters({})", "d.setSchedulerParametersFlags({'weight': 5}, 0)",
    "d.setSchedulerParametersFlags({'weight': 5}, 3)", "rd.setSchedulerParameters({'weight': 5})",
    "d.getTime()", "d.getTime(1)", "rd.getTime()", "d.setTime({'seconds': 5})", "d.getTime()",
    "d.setTime({'seconds': -1, 'nseconds': 7}, 1)", "d.getTime()", "d.setTime({'seconds': 5}, 2)",
    "d.setTime({})", "d.setTime()", "d.setTime(None, 1)", "d.getTime()",
    "d.setTime({'seconds': 2**63})", "d.setTime({'seconds': 1, 'nseconds': -1})",
    "rd.setTime({'seconds': 5})",
]:
    ask(expr)
d.suspend()
ask("d.controlInfo()")
ask("d.hostname()")
ask("d.memoryStats()")
ask("d.getTime()")
ask("d.setTime({'seconds': 9})")
d.setMemory(1000001)
ask("d.memoryStats()")
d.destroy()
for expr in ["d.getTime()", "d.setTime({'seconds': 9})", "d.memoryStats()", "d.controlInfo()", "d.hostname()", "d.schedulerType()", "d.schedulerParameters()",
             "d.blockInfo('vda')"]:
    ask(expr)
d.undefine()
for expr in ["d.schedulerType()", "d.schedulerParameters()", "d.blockInfo('vda')",
             "d.controlInfo()", "d.hostname()"]:
    ask(expr)
'''


def test_answers_and_errors_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    program = tmp_path / "info_calls.py"
    program.write_text(_PROGRAM)
    real = run_real(program, uri)
    ours = run_pyvirt(program, uri)
    assert real.returncode == 0, real.stderr
    assert ours.stderr == real.stderr
    assert ours.stdout.splitlines() == real.stdout.splitlines()
    assert ours.returncode == real.returncode
