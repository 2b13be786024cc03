"""Host pages, CPU models and comparisons, domain capabilities, node memory tunables and SEV
through libvirt-python's face, against the real binding.

One program asks every call (good and bad arguments, read-only connections) and prints each
answer or libvirt's error fields; it runs under the system interpreter with the real binding
and under pyvirt.libvirt, in process (test:///default) and through the daemons (libvirtd and
pyvirtd on test+unix:///default), and the outputs must be equal.

``getFreePages`` is asked apart: libvirt's test driver returns 0 from virNodeGetFreePages
instead of the number of counts it filled, so the real binding builds an empty dict in
process and libvirtd fails the call without an error ("Library function returned error but
did not set virError").  pyvirt answers the counts the driver filled, in libvirt-python's
shape ({cell: {page size: count}}), and that is checked here against the counts virsh prints.
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
CPU = "<cpu><arch>x86_64</arch><model>Haswell</model></cpu>"


def ask(expr):
    try:
        print(expr, "->", repr(eval(expr)))
    except libvirt.libvirtError as e:
        print(expr, "!!", e.get_error_code(), e.get_error_domain(), e.get_error_message(),
              e.get_str1(), e.get_str2())
    except (TypeError, OverflowError, LookupError, ValueError) as e:
        print(expr, "raises", type(e).__name__, e)


for expr in [
    "c.getFreePages([], 0, 1)", "c.getFreePages([4], 0, 1, 1)",
    "c.allocPages({4: 1}, 0, 1)", "c.allocPages({2048: 8}, -1, 0, 1)", "r.allocPages({4: 1})",
    "c.getCPUModelNames('x86_64')", "c.getCPUModelNames('i686')", "c.getCPUModelNames('ppc64')",
    "c.getCPUModelNames('ppc64le')", "c.getCPUModelNames('aarch64')",
    "c.getCPUModelNames('s390x')", "c.getCPUModelNames('armv7b')", "c.getCPUModelNames('mips')",
    "c.getCPUModelNames('sparc64')", "c.getCPUModelNames('bogus')", "c.getCPUModelNames('')",
    "c.getCPUModelNames('none')", "c.getCPUModelNames('x86_64', 1)", "c.getCPUModelNames(None)",
    "r.getCPUModelNames('ppc64')",
    "c.compareCPU(CPU)", "c.compareCPU(CPU, 3)", "c.compareCPU(None)", "r.compareCPU(CPU)",
    "c.compareHypervisorCPU(None, None, None, None, CPU)",
    "c.compareHypervisorCPU('/usr/bin/qemu', 'x86_64', 'pc', 'kvm', CPU, 1)",
    "r.compareHypervisorCPU(None, None, None, None, CPU)",
    "c.baselineHypervisorCPU(None, None, None, None, [CPU])",
    "c.baselineHypervisorCPU(None, 'x86_64', None, None, [CPU, CPU], 3)",
    "r.baselineHypervisorCPU(None, None, None, None, [CPU])",
    "c.getDomainCapabilities()", "c.getDomainCapabilities(None, 'x86_64', 'pc', 'kvm')",
    "r.getDomainCapabilities()",
    "c.getMemoryParameters()", "c.getMemoryParameters(1)", "r.getMemoryParameters()",
    "c.setMemoryParameters({'shm_pages_to_scan': 5})", "c.setMemoryParameters({})",
    "r.setMemoryParameters({'shm_pages_to_scan': 5})",
    "c.getSEVInfo()", "r.getSEVInfo()",
]:
    ask(expr)
'''

_FREE_PAGES = r"""
import sys
import libvirt

c = libvirt.open(sys.argv[1])
print(c.getFreePages([4, 2048], 0, 2))
print(c.getFreePages([1048576], 1, 1))
"""


def test_answers_and_errors_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    program = tmp_path / "host_cpu_calls.py"
    program.write_text(_PROGRAM)
    real = run_real(program, uri)
    ours = run_pyvirt(program, uri)
    assert real.returncode == 0, real.stderr
    assert ours.stderr == real.stderr
    assert ours.stdout.splitlines() == real.stdout.splitlines()
    assert ours.returncode == real.returncode


def test_free_pages_answer_the_counts_the_test_driver_fills(uri: str, tmp_path: Path) -> None:
    program = tmp_path / "free_pages.py"
    program.write_text(_FREE_PAGES)
    ours = run_pyvirt(program, uri)
    assert ours.returncode == 0, ours.stderr
    # virsh freepages --all prints 19, 45, 97, 201 for each cell: one call per cell there,
    # one call for both cells here, so the sequence runs on.
    assert ours.stdout.splitlines() == [
        "{0: {4: 19, 2048: 45}, 1: {4: 97, 2048: 201}}",
        "{1: {1048576: 19}}",
    ]


_DEFAULT_PRINTER = r"""
import sys
import libvirt

c = libvirt.open(sys.argv[1])
for call in (lambda: c.getCPUModelNames("mips"),
             lambda: c.secretEventRegisterAny(None, 0, lambda *a: None, None)):
    try:
        call()
    except libvirt.libvirtError:
        pass
"""


def test_default_error_printer_names_the_cpu_and_secrets_drivers(tmp_path: Path) -> None:
    program = tmp_path / "printer.py"
    program.write_text(_DEFAULT_PRINTER)
    real = run_real(program, "test:///default")
    ours = run_pyvirt(program, "test:///default")
    assert "libvirt: CPU Driver error : " in real.stderr
    assert (ours.stdout, ours.stderr) == (real.stdout, real.stderr)
