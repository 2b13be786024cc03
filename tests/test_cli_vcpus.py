"""vCPUs: virsh's ``vcpucount`` with every combination of its options, ``vcpuinfo``,
``vcpupin`` and ``emulatorpin`` on running, shut-off, transient and retuned domains, compared
with the real virsh byte for byte, in process and through the daemons (virsh → libvirtd,
pyvirsh → pyvirtd); and libvirt-python's vCPU calls against the real binding.

``vcpuinfo`` on a running domain shows libvirt's fake CPU time, the wall clock in seconds
/ 10,000 to one decimal: it changes every 1,000 s, so the two runs of a comparison see the
same figure unless one of those boundaries falls between them.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh
from libvirt_compat import assert_same_answers, real_binding_available

OPTIONS = ("--maximum", "--active", "--live", "--config", "--current", "--guest")
#: Every option alone and every pair, plus virsh's precedence cases of three or four.
COMBINATIONS = [
    "",
    *OPTIONS,
    *(" ".join(pair) for pair in itertools.combinations(OPTIONS, 2)),
    "--active --maximum --live --config",
    "--guest --config --live",
    "--maximum --active --guest --config",
    "--current --maximum --live",
]
TRANSIENT = (
    "<domain type='test'><name>tr</name><memory>1024</memory>"
    "<vcpu current='1'>3</vcpu><os><type>hvm</type></os></domain>"
)


@pytest.mark.parametrize("options", COMBINATIONS)
@needs_virsh
def test_every_option_combination_running_and_shut_off(uri, options):
    compare("-c", uri, f"vcpucount test {options}; destroy test; vcpucount test {options}")


@pytest.mark.parametrize(
    "setup",
    [
        "setvcpus test 1",
        "setvcpus test 1 --config",
        "destroy test; setvcpus test 1 --config --maximum",
    ],
)
@needs_virsh
def test_counts_after_a_change(uri, setup):
    compare(
        "-c",
        uri,
        f"{setup}; vcpucount test; vcpucount test --config --maximum; vcpucount test --live",
    )


@needs_virsh
def test_a_transient_domain_has_no_config_counts(uri, tmp_path):
    xml = tmp_path / "tr.xml"
    xml.write_text(TRANSIENT)
    compare("-c", uri, f"create {xml}; vcpucount tr; vcpucount tr --config; vcpucount tr --live")


@pytest.mark.parametrize(
    "command",
    [
        "vcpucount nosuch",
        "vcpucount",
        "vcpucount test --bogus",
        "help vcpucount",
        "vcpuinfo nosuch",
        "help vcpuinfo",
        "vcpupin test 0 8",
        "vcpupin test 0 x",
        "vcpupin test 0 ''",
        "vcpupin test 0 ^1",
        "vcpupin test 0 3-1",
        "vcpupin test 5",
        "vcpupin test -1",
        "vcpupin test --cpulist 1",
        "vcpupin test 0 1 --config",
        "vcpupin test 0 1 --live",
        "vcpupin test --live --config",
        "vcpupin test 0 1 --current --live",
        "vcpupin nosuch",
        "help vcpupin",
        "emulatorpin test --live --config",
        "emulatorpin test x",
        "emulatorpin test 9",
        "emulatorpin test 1 --current --config",
        "emulatorpin nosuch",
        "help emulatorpin",
    ],
)
@needs_virsh
def test_bad_input(uri, command):
    compare("-c", uri, command)


@needs_virsh
def test_read_only_connections_may_look_but_not_pin(uri):
    compare("-r", "-c", uri, "vcpucount test")
    compare("-r", "-c", uri, "vcpucount test --guest")
    compare("-r", "-c", uri, "vcpuinfo test; vcpupin test; emulatorpin test")
    compare("-r", "-c", uri, "vcpupin test 0 1")
    compare("-r", "-c", uri, "emulatorpin test 1")


@needs_virsh
def test_vcpu_info_and_pinning(uri):
    compare(
        "-c",
        uri,
        "vcpuinfo test; vcpuinfo test --pretty; vcpupin test; emulatorpin test; "
        "vcpupin test 0 1,3; vcpupin test 1 r; vcpupin test; vcpupin test --vcpu 0; "
        "vcpuinfo test; vcpuinfo test --pretty; vcpupin test 0 '0-3, ^2' --current; "
        "vcpupin test --live; vcpupin test --config; emulatorpin test 1-2; "
        "emulatorpin test 5 --config; emulatorpin test; emulatorpin test --config; "
        "dumpxml test; dumpxml test --inactive",
    )


@needs_virsh
def test_pins_of_a_shut_off_or_shrunk_domain(uri):
    compare(
        "-c",
        uri,
        "setvcpus test 1; vcpuinfo test; vcpupin test; vcpupin test 1 2; vcpupin test 1; "
        "destroy test; vcpuinfo test; vcpupin test; vcpupin test --live; vcpupin test 0 1; "
        "vcpupin test 3; emulatorpin test 2; emulatorpin test 2 --current; emulatorpin test; "
        "dumpxml test",
    )


_PROGRAM = r'''
def tail(infos):
    return [(n, s, cpu) for n, s, _t, cpu in infos[0]], infos[1]


for expr in [
    "d.maxVcpus()", "tail(d.vcpus())", "d.vcpuPinInfo(0)", "d.vcpuPinInfo(2)",
    "d.vcpuPinInfo(3)", "d.vcpuPinInfo(4)", "d.emulatorPinInfo(0)", "d.emulatorPinInfo(4)",
    "d.emulatorPinInfo(3)", "d.pinVcpu(0, (False, True, False, True))", "d.vcpuPinInfo(0)",
    "tail(d.vcpus())", "d.pinVcpu(2, (True,))", "d.pinVcpu(-1, (True,))", "d.pinVcpu(0, ())",
    "d.pinVcpu(0, (False,) * 8)", "tail(d.vcpus())", "d.XMLDesc(0)", "d.pinVcpu(0, (True,) * 20)",
    "d.vcpuPinInfo(0)", "d.pinVcpuFlags(0, (True,), 2)", "d.pinVcpuFlags(0, (True,), 1)",
    "d.pinVcpu(0, 'x')", "d.pinVcpu(0, (1, 0))", "d.pinEmulator((False, True), 0)",
    "d.pinEmulator((False, True, True), 2)", "d.pinEmulator((True,) * 3, 3)",
    "d.pinEmulator((False,) * 8, 0)", "d.pinEmulator((), 0)", "d.pinEmulator((True,), 4)",
    "d.emulatorPinInfo(0)", "d.emulatorPinInfo(2)", "d.XMLDesc(0)", "d.XMLDesc(2)",
    "d.setVcpus(1)", "d.vcpuPinInfo(0)", "tail(d.vcpus())", "d.pinVcpu(1, (True,))",
    "d.destroy()", "d.vcpus()", "d.maxVcpus()", "d.vcpuPinInfo(0)", "d.vcpuPinInfo(1)",
    "d.emulatorPinInfo(0)", "d.pinVcpu(0, (True,))", "d.pinEmulator((True,), 0)",
    "d.pinEmulator((True,), 1)", "d.XMLDesc(0)", "r.lookupByName('test').vcpuPinInfo(0)",
    "r.lookupByName('test').pinVcpu(0, (True,))",
    "r.lookupByName('test').pinEmulator((True,), 0)",
]:
    ask(expr)
'''


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_libvirt_python_answers_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)


@pytest.mark.parametrize("cpuset", ["abc", "0-4000000000", "1-0", "^0-1", "0-1,^1"])
def test_a_cputune_cpuset_is_checked_when_the_domain_is_defined(uri, tmp_path: Path, cpuset):
    """libvirt parses <cputune>'s CPU sets at define ("Failed to parse bitmap"); a set it
    accepts is what vcpupin then shows."""
    xml = tmp_path / "pinned.xml"
    xml.write_text(
        "<domain type='test'><name>pinned</name><memory>8192</memory><vcpu>2</vcpu>"
        f"<cputune><vcpupin vcpu='0' cpuset='{cpuset}'/></cputune>"
        "<os><type>hvm</type></os></domain>"
    )
    compare("-c", uri, f"define {xml}; vcpupin pinned", cwd=tmp_path)
