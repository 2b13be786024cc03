"""Domain statistics: virsh's ``domblkstat`` (``--human``), ``domifstat`` and
``domblkerror`` and libvirt-python's ``blockStats``, ``interfaceStats`` and ``diskErrors``,
compared with the real virsh and binding in process and through the daemons.

libvirt's test driver makes its counters up from the wall clock, so two runs a moment apart
never print the same digits: the comparisons mask the counters and then check that each of
pyvirsh's is within a millionth of virsh's (the same formula, read a few seconds apart).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh, pyvirsh, virsh
from libvirt_compat import assert_same_answers, real_binding_available

_COUNTER = re.compile(r"\d{8,}")


def _masked(text: str) -> str:
    return _COUNTER.sub("N", text)


def compare_counters(uri: str, script: str) -> None:
    theirs = virsh("-c", uri, script)
    ours = pyvirsh("-c", uri, script)
    assert (_masked(ours.out), ours.err, ours.rc) == (_masked(theirs.out), theirs.err, theirs.rc)
    pairs = zip(_COUNTER.findall(ours.out), _COUNTER.findall(theirs.out), strict=True)
    for mine, real in pairs:
        assert abs(int(mine) - int(real)) <= int(real) // 1_000_000, (mine, real)


@pytest.mark.parametrize(
    "script",
    [
        "domblkstat test vda",
        "domblkstat test vda --human",
        "domblkstat test /guest/diskimage1",
        "domblkstat test --device vda --human",
        "domifstat test testnet0",
        "domifstat test aa:bb:cc:dd:ee:ff",
        "suspend test; domblkstat test vda; domifstat test testnet0; domblkerror test",
    ],
)
@needs_virsh
def test_counters(uri, script):
    compare_counters(uri, script)


@needs_virsh
def test_read_only_connections_may_read_statistics(uri):
    compare_counters(uri, "domblkstat test vda; domifstat test testnet0; domblkerror test")
    compare("-r", "-c", uri, "domblkerror test")


@pytest.mark.parametrize(
    "command",
    [
        "domblkerror test",
        "domblkerror nosuch",
        "domblkstat test",
        "domblkstat test ''",
        "domblkstat test vdb",
        "domblkstat nosuch vda",
        "domifstat test x",
        "domifstat test",
        "domifstat nosuch testnet0",
        "destroy test; domblkerror test; domblkstat test vda; domifstat test testnet0",
        "help domblkstat",
        "help domifstat",
        "help domblkerror",
        "domif-getlink test testnet0",
        "domif-getlink test testnet0 --config",
        "domif-getlink test AA:BB:CC:DD:EE:FF",
        "domif-getlink test aa:bb:cc:dd:ee:00",
        "domif-getlink test x",
        "domif-getlink test",
        "domif-getlink nosuch x",
        "help domif-getlink",
        "destroy test; domif-getlink test testnet0",
    ],
)
@needs_virsh
def test_errors_and_wrong_state(uri, command):
    compare("-c", uri, command)


LINKS = """<domain type='test'><name>links</name><memory>1024</memory>
<os><type>hvm</type></os><devices>
<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/>
<target dev='down0'/><link state='down'/></interface>
<interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/>
<target dev='up0'/><link state='up'/></interface>
<interface type='network'><mac address='52:54:00:00:00:03'/><source network='default'/>
<target dev='same'/></interface>
<interface type='network'><mac address='52:54:00:00:00:04'/><source network='default'/>
<target dev='same'/></interface>
</devices></domain>"""


@needs_virsh
def test_link_states_come_from_the_definition(uri, tmp_path):
    xml = tmp_path / "links.xml"
    xml.write_text(LINKS)
    compare(
        "-c",
        uri,
        f"define {xml}; domif-getlink links down0; domif-getlink links 52:54:0:0:0:1; "
        "domif-getlink links up0 --config; domif-getlink links 52:54:00:00:00:03; "
        "domif-getlink links same",
    )


_PROGRAM = r"""
import re


def masked(expr):
    try:
        print(expr, "->", re.sub(r"\d{8,}", "N", repr(eval(expr))))
    except libvirt.libvirtError as e:
        print(expr, "!!", e.get_error_code(), e.get_error_domain(), e.get_error_message())


for expr in [
    "d.blockStats('vda')", "d.blockStats('/guest/diskimage1')", "d.blockStats('vdb')",
    "d.blockStats('')", "d.interfaceStats('testnet0')", "d.interfaceStats('AA:BB:CC:DD:EE:FF')",
    "d.interfaceStats('x')", "d.interfaceStats('')", "d.diskErrors()", "d.diskErrors(1)",
    "r.lookupByName('test').blockStats('vda')", "r.lookupByName('test').diskErrors()",
]:
    masked(expr)
for expr in ["d.blockStats(None)", "d.interfaceStats(None)", "d.blockStats(3)"]:
    ask(expr)
d.destroy()
for expr in ["d.blockStats('vda')", "d.interfaceStats('testnet0')", "d.diskErrors()"]:
    ask(expr)
"""


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_libvirt_python_answers_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)
