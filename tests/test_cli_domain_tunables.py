"""Domain tunables: virsh's ``memtune``, ``domiftune``, ``blkdeviotune``, ``numatune`` and
``blkiotune`` compared with the real virsh byte for
byte (stdout, stderr, exit status), in process and through the daemons (virsh → libvirtd,
pyvirsh → pyvirtd), on the success paths and the error paths; and libvirt-python's
memoryParameters / interfaceParameters / blockIoTune / numaParameters / blkioParameters
family against the real binding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh
from libvirt_compat import assert_same_answers, real_binding_available

#: A domain whose <memtune> and <bandwidth> are written with other units and orders than
#: libvirt's: define normalises them.
TUNED = (
    "<domain type='test'><name>tuned</name><uuid>c4957c5f-4cb9-405a-9cb2-3729ea21782d</uuid>"
    "<memory>8192</memory>"
    "<memtune><swap_hard_limit unit='M'>2</swap_hard_limit><hard_limit unit='MiB'>1"
    "</hard_limit><min_guarantee>7</min_guarantee></memtune>"
    "<vcpu>1</vcpu><os><type>hvm</type></os><devices><interface type='network'>"
    "<mac address='52:54:00:00:00:01'/><source network='default'/>"
    "<bandwidth><inbound average='10' burst='3'/></bandwidth><target dev='testnet0'/>"
    "</interface></devices></domain>"
)


@pytest.mark.parametrize(
    "commands",
    [
        "memtune test",
        "memtune test --hard-limit 100 --soft-limit 1G; memtune test; dumpxml test",
        "memtune test 5 6 7; memtune test; memtune test --hard-limit -1; memtune test",
        "memtune test --hard-limit 1500b; memtune test --hard-limit ' 5'; memtune test",
        "memtune test --hard-limit 0; memtune test; dumpxml test",
        "memtune test --hard-limit 9007199254740990; memtune test",
        "memtune test --config --swap-hard-limit 2000 --hard-limit 300; memtune test --config; "
        "memtune test --live; dumpxml test --inactive",
        "memtune test --hard-limit 5 --config; destroy test; memtune test; start test; "
        "memtune test; dumpxml test",
        "destroy test; memtune test --soft-limit 4; memtune test --config; dumpxml test",
    ],
)
@needs_virsh
def test_memtune_reads_and_changes_the_limits(uri, commands):
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "command",
    [
        "memtune",
        "memtune nosuch",
        "memtune nosuch --hard-limit x",
        "memtune test --bogus",
        "memtune test 1 2 3 4 5",
        "memtune test --min-guarantee 5",
        "memtune test --soft-limit xx",
        "memtune test --hard-limit ''",
        "memtune test --hard-limit 5x",
        "memtune test --hard-limit 99999999999999999",
        "memtune test --hard-limit 8796093022208M",
        "memtune test --hard-limit 9223372036854775807",
        "memtune test --hard-limit 9223372036854775808",
        "memtune test --hard-limit -99999999999999999999",
        "memtune test --soft-limit y --hard-limit x",
        "memtune test --hard-limit 300 --swap-hard-limit 200",
        "memtune test --swap-hard-limit 200",
        "memtune test --live --config",
        "memtune test --soft-limit 1G --live --config",
        "memtune test --live --current",
        "memtune test --config --current --hard-limit x",
        "destroy test; memtune test --live",
        "destroy test; memtune test --hard-limit 5 --live",
        "help memtune",
    ],
)
@needs_virsh
def test_memtune_bad_input(uri, command):
    compare("-c", uri, command)


@pytest.mark.parametrize(
    "commands",
    [
        "domiftune test testnet0",
        "domiftune test testnet0 --inbound 100,200,300,400 --outbound 10,20,30; "
        "domiftune test aa:bb:cc:dd:ee:ff; dumpxml test",
        "domiftune test testnet0 --inbound 100; domiftune test testnet0 --inbound 0; "
        "domiftune test testnet0; dumpxml test",
        "domiftune test testnet0 --inbound 1,2; domiftune test testnet0 --inbound 3; "
        "domiftune test testnet0 --inbound 5,,7 --outbound 9; domiftune test testnet0",
        "domiftune test testnet0 --inbound ,,,5; domiftune test testnet0 --outbound 0; "
        "domiftune test testnet0; dumpxml test",
        "domiftune test AA:BB:CC:DD:EE:FF --inbound ' 5'; domiftune test testnet0 --current",
        "domiftune test testnet0 --outbound 5 --config; domiftune test testnet0 --config; "
        "domiftune test testnet0 --live; dumpxml test --inactive",
        "destroy test; domiftune test testnet0 --inbound 6; domiftune test testnet0; "
        "dumpxml test",
    ],
)
@needs_virsh
def test_domiftune_reads_and_changes_the_bandwidth(uri, commands):
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "command",
    [
        "domiftune",
        "domiftune test",
        "domiftune nosuch x",
        "domiftune nosuch x --inbound z",
        "domiftune test x",
        "domiftune test x --inbound z",
        "domiftune test x --inbound 5",
        "domiftune test testnet0 --inbound x",
        "domiftune test testnet0 --inbound -5",
        "domiftune test testnet0 --inbound 5,x",
        "domiftune test testnet0 --inbound 5,6,7,x",
        "domiftune test testnet0 --inbound 1,2,3,4,5",
        "domiftune test testnet0 --inbound ''",
        "domiftune test testnet0 --inbound ,5",
        "domiftune test testnet0 --inbound 0,5",
        "domiftune test testnet0 --inbound 4294967296",
        "domiftune test testnet0 --inbound 1,4294967296",
        "domiftune test testnet0 --outbound 1,2,3,4",
        "domiftune test testnet0 --outbound ,,5",
        "domiftune test testnet0 --inbound 5 --outbound z",
        "domiftune test testnet0 --live --config",
        "domiftune test testnet0 --inbound 5 --live --config",
        "domiftune test testnet0 --inbound 5 --live --current",
        "destroy test; domiftune test testnet0 --live",
        "help domiftune",
    ],
)
@needs_virsh
def test_domiftune_bad_input(uri, command):
    compare("-c", uri, command)


IOTUNE_ALL = (
    "--total-bytes-sec-max 1000 --total-bytes-sec 5 --read-iops-sec-max 9 --read-iops-sec 2 "
    "--write-iops-sec-max 5 --write-iops-sec 3 --size-iops-sec 7 --group-name grp "
    "--total-bytes-sec-max-length 4 --write-iops-sec-max-length 6"
)


@pytest.mark.parametrize(
    "commands",
    [
        "blkdeviotune test vda; blkdeviotune test /guest/diskimage1",
        f"blkdeviotune test vda {IOTUNE_ALL}; blkdeviotune test vda; dumpxml test",
        "blkdeviotune test vda --total-bytes-sec-max 1G; blkdeviotune test vda "
        "--total-bytes-sec-max 0; blkdeviotune test vda; dumpxml test",
        "blkdeviotune test vda --group-name a --total-bytes-sec-max 3; "
        "blkdeviotune test vda --group-name b; blkdeviotune test vda; dumpxml test",
        "blkdeviotune test vda --total-bytes-sec-max 10 --total-bytes-sec 5 --config; "
        "blkdeviotune test vda --config; blkdeviotune test vda --live; dumpxml test --inactive",
        "destroy test; blkdeviotune test vda --write-bytes-sec-max 7; blkdeviotune test vda; "
        "start test; blkdeviotune test vda --current",
    ],
)
@needs_virsh
def test_blkdeviotune_reads_and_changes_the_throttle(uri, commands):
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "command",
    [
        "blkdeviotune",
        "blkdeviotune test",
        "blkdeviotune nosuch vda",
        "blkdeviotune test vdb",
        "blkdeviotune test vdb --total-bytes-sec 5",
        "blkdeviotune test vda --total-bytes-sec 1K",
        "blkdeviotune test vda 5",
        "blkdeviotune test vda 0 0 0 0 0 0 1 2",
        "blkdeviotune test vda --total-iops-sec ' 5'",
        "blkdeviotune test vda --read-bytes-sec-max 2 --read-bytes-sec 1k",
        "blkdeviotune test vda --total-iops-sec-max 10 --total-iops-sec 5 --read-iops-sec 1",
        "blkdeviotune test vda --total-iops-sec-max 1000000000000001",
        "blkdeviotune test vda --total-bytes-sec-max 18446744073709551615",
        "blkdeviotune test vda --total-bytes-sec-max 18446744073709551616",
        "blkdeviotune test vda --total-iops-sec-max 18446744073709551616",
        "blkdeviotune test vda --total-bytes-sec x",
        "blkdeviotune test vda --total-bytes-sec -1",
        "blkdeviotune test vda --total-bytes-sec ''",
        "blkdeviotune test vda --total-bytes-sec 1x",
        "blkdeviotune test vda --total-bytes-sec 20000E",
        "blkdeviotune test vda --total-iops-sec x",
        "blkdeviotune test vda --total-iops-sec -1",
        "blkdeviotune test vda --total-iops-sec ''",
        "blkdeviotune test vda --size-iops-sec 1K",
        "blkdeviotune test vda --group-name ''",
        "blkdeviotune test vda --live --config",
        "blkdeviotune test vda --total-bytes-sec-max 5 --live --config",
        "blkdeviotune test vda --current --live",
        "destroy test; blkdeviotune test vda --live",
        "help blkdeviotune",
    ],
)
@needs_virsh
def test_blkdeviotune_bad_input(uri, command):
    compare("-c", uri, command)


@pytest.mark.parametrize(
    "commands",
    [
        "numatune test; numatune test --nodeset 0; numatune test; dumpxml test",
        "numatune test --mode preferred --config --nodeset 0-2,5; numatune test --config; "
        "dumpxml test --inactive",
        "numatune test --mode 0x2 --nodeset 1; numatune test; numatune test --mode strict",
        "numatune test --nodeset 0 --config; numatune test --mode interleave --config; "
        "numatune test --config; numatune test --live",
        "numatune test --nodeset 16383; numatune test 0 1; numatune test",
        "destroy test; numatune test --mode interleave --nodeset 3; numatune test; dumpxml test",
    ],
)
@needs_virsh
def test_numatune_reads_and_changes_the_placement(uri, commands):
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "command",
    [
        "numatune nosuch",
        "numatune test --mode interleave",
        "numatune test --mode 2 --config; numatune test --config",
        "numatune test --mode bogus",
        "numatune test --mode 1x",
        "numatune test --mode 7",
        "numatune test --mode -1",
        "numatune test --mode ''",
        "numatune test --nodeset '' --mode ''",
        "numatune test --nodeset x",
        "numatune test --nodeset ^0",
        "numatune test --nodeset 16384",
        "numatune test --nodeset 0; numatune test --mode preferred",
        "numatune test --live --config",
        "numatune test --nodeset 0 --live --config",
        "numatune test --nodeset 1 --current --live",
        "destroy test; numatune test --live",
        "help numatune",
    ],
)
@needs_virsh
def test_numatune_bad_input(uri, command):
    compare("-c", uri, command)


@pytest.mark.parametrize(
    "commands",
    [
        "blkiotune test; blkiotune test --weight 500; blkiotune test; dumpxml test",
        "blkiotune test --device-weights /dev/sda,100,/dev/sdb,200 --device-read-iops-sec "
        "/dev/sda,5 --device-write-bytes-sec /dev/sdc,1024; blkiotune test; dumpxml test",
        "blkiotune test --weight 500 --device-weights /dev/sda,1 --device-write-iops-sec "
        "/dev/sda,2 --device-read-bytes-sec /dev/sda,3 --device-write-bytes-sec /dev/sda,4 "
        "--device-read-iops-sec /dev/sda,5; dumpxml test",
        "blkiotune test --device-weights /dev/sda,5,/dev/sda,6; blkiotune test; "
        "blkiotune test --device-weights /dev/sda,0; blkiotune test; dumpxml test",
        "blkiotune test --device-weights ' /dev/sda, 5' --device-read-bytes-sec "
        "/dev/sda,4294967296; blkiotune test 5; blkiotune test",
        "blkiotune test --weight 7 --config; blkiotune test --config; blkiotune test; "
        "dumpxml test --inactive",
        "blkiotune test --weight 5 --device-weights x --device-read-iops-sec y; blkiotune test",
    ],
)
@needs_virsh
def test_blkiotune_reads_and_changes_the_weights(uri, commands):
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "command",
    [
        "blkiotune nosuch",
        "blkiotune test --weight 0",
        "blkiotune test --weight -1",
        "blkiotune test --weight x",
        "blkiotune test --device-weights ''",
        "blkiotune test --device-weights x",
        "blkiotune test --device-weights /dev/sda",
        "blkiotune test --device-weights /dev/sda,x",
        "blkiotune test --device-weights /dev/sda,x,/dev/sdb,5",
        "blkiotune test --device-weights /dev/sda,5x,/dev/sdb,5",
        "blkiotune test --device-weights /dev/sda,5,",
        "blkiotune test --device-weights /dev/sda,5,/dev/sdb",
        "blkiotune test --device-weights /dev/sda,-1",
        "blkiotune test --device-weights /dev/sda,4294967296",
        "blkiotune test --live --config",
        "blkiotune test --weight 2 --live --config",
        "destroy test; blkiotune test --live",
        "help blkiotune",
    ],
)
@needs_virsh
def test_blkiotune_bad_input(uri, command):
    compare("-c", uri, command)


@pytest.mark.parametrize(
    "commands",
    [
        "perf test",
        "perf test --enable cmt,mbmt; perf test; dumpxml test",
        "perf test --enable cmt,,mbmt --disable mbml; perf test cmt mbml; perf test",
        "perf test --disable cmt --config; perf test --config; perf test --live; "
        "dumpxml test --inactive",
        "perf test --enable cmt; destroy test; perf test; perf test --disable cmt; dumpxml test",
    ],
)
@needs_virsh
def test_perf_reads_and_switches_events(uri, commands):
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "command",
    [
        "perf nosuch",
        "perf nosuch --enable ''",
        "perf test --enable ''",
        "perf test --enable bogus",
        "perf test --enable cmt --disable cmt",
        "perf test --live --config",
        "perf test --enable cmt --live --config",
        "perf test --enable cmt --current --live",
        "destroy test; perf test --live",
        "help perf",
    ],
)
@needs_virsh
def test_perf_bad_input(uri, command):
    compare("-c", uri, command)


@needs_virsh
def test_read_only_connections_may_look_but_not_tune(uri):
    compare("-r", "-c", uri, "memtune test; domiftune test testnet0; blkdeviotune test vda")
    compare("-r", "-c", uri, "blkdeviotune test vda --total-bytes-sec-max 5")
    compare("-r", "-c", uri, "numatune test; blkiotune test; numatune test --nodeset 0")
    compare("-r", "-c", uri, "blkiotune test --weight 5")
    compare("-r", "-c", uri, "perf test; perf test --enable cmt")
    compare("-r", "-c", uri, "memtune test --hard-limit 5")
    compare("-r", "-c", uri, "memtune test --soft-limit 5 --live")
    compare("-r", "-c", uri, "domiftune test testnet0 --inbound 5 --config")


@needs_virsh
def test_define_normalises_the_tunables_it_reads(uri, tmp_path: Path):
    (tmp_path / "tuned.xml").write_text(TUNED)
    compare(
        "-c",
        uri,
        "define tuned.xml; dumpxml tuned; memtune tuned; domiftune tuned testnet0; "
        "memtune tuned --soft-limit 3; dumpxml tuned",
        cwd=tmp_path,
    )


@pytest.mark.parametrize(
    "memtune",
    [
        "<hard_limit>x</hard_limit>",
        "<hard_limit unit='PiB'>9</hard_limit>",
        "<soft_limit unit='KiB'>9007199254740991</soft_limit><min_guarantee>0</min_guarantee>",
        "",
    ],
)
@needs_virsh
def test_a_memtune_element_is_checked_when_the_domain_is_defined(uri, tmp_path, memtune):
    (tmp_path / "m.xml").write_text(
        "<domain type='test'><name>m</name><uuid>c4957c5f-4cb9-405a-9cb2-3729ea21782e</uuid>"
        "<memory>8192</memory>"
        f"<memtune>{memtune}</memtune><vcpu>1</vcpu><os><type>hvm</type></os></domain>"
    )
    compare("-c", uri, "define m.xml; memtune m; dumpxml m --inactive", cwd=tmp_path)


_PROGRAM = r"""
for expr in [
    "d.memoryParameters()", "d.memoryParameters(0)", "d.memoryParameters(1)",
    "d.memoryParameters(2)", "d.memoryParameters(3)", "d.memoryParameters(8)",
    "d.setMemoryParameters({'hard_limit': 100, 'soft_limit': 50})", "d.memoryParameters()",
    "d.setMemoryParameters({'swap_hard_limit': 5})", "d.setMemoryParameters({'x': 1})",
    "d.setMemoryParameters({})", "d.setMemoryParameters({'hard_limit': 'x'})",
    "d.setMemoryParameters({'hard_limit': -1})", "d.setMemoryParameters({'hard_limit': 5}, 3)",
    "d.setMemoryParameters({'hard_limit': 5}, 8)", "d.setMemoryParameters({'hard_limit': 7}, 2)",
    "d.memoryParameters(2)", "d.memoryParameters(1)",
    "d.interfaceParameters('testnet0')", "d.interfaceParameters('AA:BB:CC:DD:EE:FF', 0)",
    "d.interfaceParameters('x', 0)", "d.interfaceParameters('testnet0', 3)",
    "d.interfaceParameters('testnet0', 8)",
    "d.setInterfaceParameters('testnet0', {'inbound.average': 5, 'outbound.peak': 9})",
    "d.interfaceParameters('testnet0')",
    "d.setInterfaceParameters('testnet0', {'inbound.average': 5}, 3)",
    "d.setInterfaceParameters('testnet0', {'inbound.average': 2**32})",
    "d.setInterfaceParameters('testnet0', {'inbound.nosuch': 1})",
    "d.setInterfaceParameters('x', {'inbound.average': 1})",
    "d.blockIoTune('vda')", "d.blockIoTune('/guest/diskimage1', 0)", "d.blockIoTune('x', 0)",
    "d.blockIoTune('vda', 3)", "d.blockIoTune('vda', 8)",
    "d.setBlockIoTune('vda', {'total_bytes_sec_max': 10, 'group_name': 'g'})",
    "d.setBlockIoTune('vda', {'total_bytes_sec': 11})",
    "d.setBlockIoTune('vda', {'total_bytes_sec': 10, 'read_bytes_sec': 1})",
    "d.setBlockIoTune('vda', {'group_name': 5})", "d.setBlockIoTune('vda', {'x': 5})",
    "d.setBlockIoTune('vda', {'size_iops_sec': 2**60})", "d.blockIoTune('vda')",
    "d.numaParameters()", "d.numaParameters(3)", "d.numaParameters(8)",
    "d.setNumaParameters({'numa_nodeset': '0-1'})", "d.setNumaParameters({'numa_mode': 9})",
    "d.setNumaParameters({'numa_mode': 1})", "d.setNumaParameters({'numa_mode': 'x'})",
    "d.setNumaParameters({'numa_nodeset': 'x'})", "d.numaParameters()",
    "d.setNumaParameters({'numa_mode': 2, 'numa_nodeset': '3'}, 2)", "d.numaParameters(2)",
    "d.blkioParameters()", "d.blkioParameters(3)", "d.blkioParameters(8)",
    "d.setBlkioParameters({'weight': 300, 'device_weight': '/dev/sda,4'})",
    "d.setBlkioParameters({'device_read_iops_sec': '/dev/sda'})",
    "d.setBlkioParameters({'weight': -1})", "d.setBlkioParameters({'nosuch': 1})",
    "d.blkioParameters()", "d.blkioParameters(2)",
    "d.perfEvents()", "d.perfEvents(3)", "d.perfEvents(4)", "d.perfEvents(8)",
    "d.setPerfEvents({'cmt': True, 'mbmt': 0})", "d.setPerfEvents({'cmt': 'x'}, 2)",
    "d.setPerfEvents({'bogus': True})", "d.setPerfEvents({'cmt': True}, 3)", "d.perfEvents(2)",
    "d.XMLDesc(0)", "d.XMLDesc(2)",
    "r.lookupByName('test').memoryParameters()",
    "r.lookupByName('test').setMemoryParameters({'hard_limit': 1})",
    "r.lookupByName('test').setInterfaceParameters('testnet0', {'inbound.average': 1})",
    "d.destroy()", "d.memoryParameters(1)", "d.setMemoryParameters({'hard_limit': 5}, 1)",
    "d.interfaceParameters('testnet0', 1)", "d.memoryParameters()", "d.numaParameters(1)",
    "d.setNumaParameters({'numa_nodeset': '1'}, 1)", "d.blkioParameters(1)",
    "d.undefine()", "d.memoryParameters()", "d.interfaceParameters('testnet0')",
]:
    ask(expr)
"""


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_libvirt_python_answers_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)
