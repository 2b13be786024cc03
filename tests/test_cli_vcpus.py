"""vCPU counts: virsh's ``vcpucount`` with every combination of its options, on running,
shut-off, transient and retuned domains, compared with the real virsh byte for byte, in
process and through the daemons (virsh → libvirtd, pyvirsh → pyvirtd).
"""

from __future__ import annotations

import itertools

import pytest
from cli_helpers import compare, needs_virsh

pytestmark = needs_virsh

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
def test_counts_after_a_change(uri, setup):
    compare(
        "-c",
        uri,
        f"{setup}; vcpucount test; vcpucount test --config --maximum; vcpucount test --live",
    )


def test_a_transient_domain_has_no_config_counts(uri, tmp_path):
    xml = tmp_path / "tr.xml"
    xml.write_text(TRANSIENT)
    compare("-c", uri, f"create {xml}; vcpucount tr; vcpucount tr --config; vcpucount tr --live")


@pytest.mark.parametrize(
    "command",
    ["vcpucount nosuch", "vcpucount", "vcpucount test --bogus", "help vcpucount"],
)
def test_bad_input(uri, command):
    compare("-c", uri, command)


def test_read_only_connections_may_count_but_not_ask_the_guest(uri):
    compare("-r", "-c", uri, "vcpucount test")
    compare("-r", "-c", uri, "vcpucount test --guest")
