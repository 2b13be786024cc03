"""IOThreads and CPU statistics: virsh's ``iothreadinfo``, ``iothreadadd``, ``iothreaddel``,
``iothreadpin``, ``iothreadset`` and ``cpu-stats`` compared with the real virsh byte for byte
(stdout, stderr, exit status), in process and through the daemons (virsh → libvirtd,
pyvirsh → pyvirtd), success and error paths; and libvirt-python's ioThreadInfo,
add/del/pinIOThread, setIOThreadParams and getCPUStats against the real binding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh
from libvirt_compat import assert_same_answers, real_binding_available

#: A domain with IOThreads in its XML: a count above the listed ids, and a pin.
THREADED = (
    "<domain type='test'><name>threaded</name><uuid>0b4c1d0e-5f7a-4a3e-9c1b-2d3e4f5a6b7c</uuid>"
    "<memory>1024</memory>"
    "<vcpu current='1'>4</vcpu><iothreads>3</iothreads>"
    "<iothreadids><iothread id='5'/></iothreadids>"
    "<cputune><iothreadpin iothread='5' cpuset='1'/></cputune>"
    "<os><type>hvm</type></os></domain>"
)


@pytest.mark.parametrize(
    "commands",
    [
        "iothreadinfo test",
        "iothreadadd test 3; iothreadinfo test; dumpxml test",
        "iothreadadd test 3; iothreadadd test 1 --live; iothreadinfo test; "
        "iothreadinfo test --config; iothreadinfo test --current",
        "iothreadadd test 5 --config; iothreadinfo test --config; iothreadinfo test; "
        "dumpxml test --inactive",
        "iothreadadd test 3; iothreadpin test 3 0; iothreadinfo test; dumpxml test",
        "iothreadadd test 3; iothreadadd test 2; iothreadpin test 2 1 --live; "
        "iothreadpin test 3 r; iothreadpin test 2 0-1; iothreadinfo test; dumpxml test",
        "iothreadadd test 4 --config; iothreadpin test 4 ^0,0-1 --config; "
        "iothreadinfo test --config",
        "iothreadadd test 3; iothreadpin test 3 0; iothreaddel test 3; iothreadinfo test; "
        "dumpxml test",
        "iothreadadd test 3; iothreadset test 3 --poll-max-ns 5 --poll-grow 2 --poll-shrink 1; "
        "domstats test --iothread; iothreadset test 3 --poll-grow 4 --live; "
        "domstats --iothread",
        "iothreadadd test 3; iothreadadd test 6 --config; domstats --iothread; "
        "iothreaddel test 3; domstats --iothread",
        "destroy test; iothreadadd test 7; iothreadinfo test; iothreadpin test 7 1; "
        "iothreadset test 7 --poll-max-ns 9; iothreadinfo test; start test; iothreadinfo test; "
        "domstats --iothread; iothreaddel test 7; iothreadinfo test --config",
        "iothreadadd test 3; destroy test; iothreadinfo test; start test; iothreadinfo test",
        "-q iothreadadd test 3; -q iothreadinfo test",
    ],
)
@needs_virsh
def test_iothreads_are_added_listed_pinned_tuned_and_removed(uri, commands):
    compare("-c", uri, commands)


@pytest.mark.parametrize(
    "command",
    [
        "iothreadinfo",
        "iothreadinfo nosuch",
        "iothreadinfo test --live --config",
        "iothreadinfo test --current --live",
        "iothreadinfo test --current --config",
        "destroy test; iothreadinfo test --live",
        "iothreadadd test",
        "iothreadadd nosuch 3",
        "iothreadadd nosuch 3 --current --live",
        "iothreadadd test 0",
        "iothreadadd test -1",
        "iothreadadd test abc",
        "iothreadadd test 99999999999",
        "iothreadadd test 3; iothreadadd test 3",
        "iothreadadd test 3 --live --config",
        "iothreadadd test 3 --current --config",
        "destroy test; iothreadadd test 3 --live",
        "iothreaddel test 0",
        "iothreaddel test x",
        "iothreaddel test 1",
        "iothreaddel test 1 --live --config",
        "iothreaddel nosuch 1",
        "iothreadpin test 1 0",
        "iothreadpin test -1 0",
        "iothreadpin test abc 0",
        "iothreadpin test 1",
        "iothreadpin test 1 ''",
        "iothreadadd test 1; iothreadpin test 1 abc",
        "iothreadadd test 1; iothreadpin test 1 99",
        "iothreadadd test 1; iothreadpin test 1 ^0",
        "iothreadadd test 1; iothreadpin test 1 0 --live --config",
        "iothreadadd test 1; iothreadpin test 1 0 --config",
        "iothreadpin nosuch 1 0",
        "iothreadset test 1",
        "iothreadset test 0 --poll-max-ns 1",
        "iothreadset test 1 --poll-max-ns 1",
        "iothreadset test 1 --poll-max-ns abc",
        "iothreadset test 1 --poll-grow -1",
        "iothreadset test 1 --poll-shrink 4294967296",
        "iothreadset test 1 --thread-pool-min 1",
        "iothreadadd test 1; iothreadset test 1 --thread-pool-max 2",
        "iothreadadd test 1; iothreadset test 1 --poll-max-ns 1 --config",
        "iothreadadd test 1; iothreadset test 1 --poll-max-ns 1 --live --config",
        "iothreadadd test 1; destroy test; iothreadset test 1 --poll-max-ns 1 --live",
        "iothreadset nosuch 1 --poll-grow 1",
        "help iothreadinfo",
        "help iothreadadd",
        "help iothreaddel",
        "help iothreadpin",
        "help iothreadset",
    ],
)
@needs_virsh
def test_iothread_bad_input(uri, command):
    compare("-c", uri, command)


@needs_virsh
def test_iothreads_of_a_defined_domain(uri, tmp_path: Path):
    xml = tmp_path / "threaded.xml"
    xml.write_text(THREADED)
    compare(
        "-c",
        uri,
        f"define {xml}; iothreadinfo threaded; iothreadadd threaded 2; iothreadinfo threaded; "
        "iothreaddel threaded 5; iothreadinfo threaded; dumpxml threaded",
    )


@pytest.mark.parametrize(
    "threads",
    [
        "<iothreads>3</iothreads><iothreadids><iothread id='5'/></iothreadids>",  # topped up
        "<iothreads>2</iothreads>",  # a count alone lists no ids
        "<iothreads>1</iothreads><iothreadids><iothread id='5'/><iothread id='2'/></iothreadids>",
        "<iothreadids><iothread id='3'/></iothreadids>",  # the count follows the ids
    ],
)
@needs_virsh
def test_a_definitions_iothread_ids_get_libvirts_defaults(uri, tmp_path: Path, threads: str):
    xml = tmp_path / "ids.xml"
    xml.write_text(
        "<domain type='test'><name>ids</name><uuid>0b4c1d0e-5f7a-4a3e-9c1b-2d3e4f5a6b7d</uuid>"
        f"<memory>1024</memory><vcpu>2</vcpu>{threads}<os><type>hvm</type></os></domain>"
    )
    compare("-c", uri, f"define {xml}; dumpxml ids; iothreadinfo ids; undefine ids")


@pytest.mark.parametrize(
    "command",
    [
        "cpu-stats test",
        "cpu-stats test --total",
        "cpu-stats test --start 1",
        "cpu-stats test --count 1",
        "cpu-stats test --start 1 --count 5",
        "cpu-stats test --count 0",
        "cpu-stats test --total --start 1",
        "cpu-stats test --total --count 1",
        "cpu-stats 1 --start 0 --count 2",
        "cpu-stats test 1 1",
        "cpu-stats test 1 x",
        "cpu-stats test --start -1",
        "cpu-stats test --start 2",
        "cpu-stats test --start abc",
        "cpu-stats test --count -1",
        "cpu-stats test --count x",
        "cpu-stats nosuch",
        "cpu-stats nosuch --start -1",
        "cpu-stats",
        "destroy test; cpu-stats test",
        "destroy test; cpu-stats test --total",
        "help cpu-stats",
    ],
)
@needs_virsh
def test_cpu_stats(uri, command):
    compare("-c", uri, command)


@needs_virsh
def test_read_only_connections_may_look_but_not_change_iothreads(uri):
    compare("-r", "-c", uri, "iothreadinfo test; cpu-stats test")
    compare("-r", "-c", uri, "iothreadadd test 3")
    compare("-r", "-c", uri, "iothreaddel test 3")
    compare("-r", "-c", uri, "iothreadpin test 3 0")
    compare("-r", "-c", uri, "iothreadset test 3 --poll-grow 1")


_PROGRAM = """
for expr in [
    "d.ioThreadInfo()", "d.ioThreadInfo(2)", "d.ioThreadInfo(3)", "d.ioThreadInfo(4)",
    "d.addIOThread(0)", "d.addIOThread(3)", "d.addIOThread(3)", "d.addIOThread(4, 1)",
    "d.addIOThread(5, 2)", "d.addIOThread(6, 3)", "d.addIOThread(7, 8)", "d.addIOThread(-1)",
    "d.addIOThread('x')", "d.addIOThread(2**40)",
    "d.ioThreadInfo()", "d.ioThreadInfo(2)",
    "d.pinIOThread(3, (True, False))", "d.pinIOThread(3, (False, False))",
    "d.pinIOThread(99, (True,))", "d.pinIOThread(5, (False, True), 2)",
    "d.pinIOThread(5, (False, True), 1)", "d.pinIOThread(3, [True])",
    "d.pinIOThread(3, (True,) * 20)", "d.ioThreadInfo()", "d.ioThreadInfo(2)",
    "d.setIOThreadParams(3, {'poll_max_ns': 10, 'poll_grow': 2, 'poll_shrink': 3})",
    "d.setIOThreadParams(3, {'poll_max_ns': 10}, 2)", "d.setIOThreadParams(5, {'poll_grow': 1})",
    "d.setIOThreadParams(3, {'bogus': 10})", "d.setIOThreadParams(3, {})",
    "d.setIOThreadParams(3, {'thread_pool_min': 1})", "d.setIOThreadParams(3, [])",
    "d.setIOThreadParams(3, {'poll_grow': 'x'})", "d.setIOThreadParams(3, {'poll_grow': -1})",
    "c.getAllDomainStats(128)[0][1]",
    "d.delIOThread(3)", "d.delIOThread(3)", "d.delIOThread(5, 2)", "d.delIOThread(0)",
    "d.delIOThread(4, 3)", "d.delIOThread(4, 4)",
    "d.ioThreadInfo()", "d.XMLDesc(0)", "c.getAllDomainStats(128)[0][1]",
    "r.lookupByName('test').ioThreadInfo()", "r.lookupByName('test').addIOThread(8)",
    "r.lookupByName('test').delIOThread(4)", "r.lookupByName('test').pinIOThread(4, (True,))",
    "r.lookupByName('test').setIOThreadParams(4, {'poll_grow': 1})",
    "d.getCPUStats(True)", "d.getCPUStats(False)", "d.getCPUStats(1)", "d.getCPUStats(True, 1)",
    "r.lookupByName('test').getCPUStats(False)",
    "d.destroy()", "d.ioThreadInfo()", "d.ioThreadInfo(1)", "d.addIOThread(9, 1)",
    "d.addIOThread(9)", "d.pinIOThread(9, (True,), 1)", "d.setIOThreadParams(9, {'poll_grow': 1})",
    "d.ioThreadInfo()", "d.getCPUStats(True)", "d.create()", "d.ioThreadInfo()",
    "c.getAllDomainStats(128)[0][1]",
]:
    ask(expr)
"""


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_libvirt_python_answers_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    assert_same_answers(_PROGRAM, uri, tmp_path)
