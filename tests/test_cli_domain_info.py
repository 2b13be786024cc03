"""virsh's schedinfo, domblkinfo, domcontrol and domhostname, compared with the real virsh byte
for byte (stdout, stderr, exit status), in process and through the daemons: success paths,
missing domains, inactive domains where libvirt refuses, bad flags and options, read-only."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh

pytestmark = needs_virsh


@pytest.mark.parametrize(
    "command",
    [
        "schedinfo test",
        "schedinfo --domain test",
        "schedinfo test --live",
        "schedinfo test --config",
        "schedinfo test --current",
        "schedinfo test --live --config",
        "schedinfo test --current --live",
        "schedinfo nosuch",
        "schedinfo test --set weight=5",
        "schedinfo test weight=5",
        "schedinfo test --set weight=-1",
        "schedinfo test --set weight=4294967296",
        "schedinfo test --set weight=abc",
        "schedinfo test --set weight",
        "schedinfo test --set foo=1",
        "schedinfo test --set weight=1 --set weight=2",
        "schedinfo test --set weight=5 --live",
        "schedinfo test --set weight=5 --current",
        "schedinfo test --live --config --set weight=3",
        "schedinfo test --weight 7",
        "schedinfo test --weight x",
        "schedinfo test --cap 3",
        "dommemstat test",
        "dommemstat --domain test --live",
        "dommemstat test --current --live",
        "dommemstat nosuch",
        "dommemstat test --period -1",
        "dommemstat test --period x",
        "domtime test",
        "domtime test --pretty",
        "domtime test --time 5; domtime test; domtime test --pretty",
        "domtime test --time -1; domtime test --pretty",
        "domtime test --sync; domtime test",
        "domtime test --now",
        "domtime test --time 5 --sync",
        "domtime test --now --time 5",
        "domtime test --time x",
        "domtime nosuch --time 5 --sync",
        "domtime nosuch",
        "domblkinfo test vda",
        "domblkinfo test /guest/diskimage1 --human",
        "domblkinfo test --device vda",
        "domblkinfo test --all",
        "domblkinfo test --all --human",
        "domblkinfo test",
        "domblkinfo test vda --all",
        "domblkinfo test vdb",
        "domblkinfo nosuch vda",
        "domcontrol test",
        "domcontrol nosuch",
        "domhostname test",
        "domhostname test --source agent",
        "domhostname test lease",
        "domhostname test --source x",
        "domhostname nosuch",
        "help schedinfo",
        "help domblkinfo",
        "help dommemstat",
        "help domtime",
        "help domcontrol",
        "help domhostname",
    ],
)
def test_domain_information(uri: str, command: str) -> None:
    compare("-c", uri, command)


def test_quiet_tables(uri: str) -> None:
    compare("-q", "-c", uri, "domblkinfo test --all; schedinfo test")


def test_paused_and_inactive_domains(uri: str) -> None:
    compare("-c", uri, "suspend test; domcontrol test; domhostname test; dommemstat test")
    compare("-c", uri, "setmem test 1000001; dommemstat test")
    compare("-c", uri, "suspend test; domtime test; domtime test --time 3; resume test; domtime test")
    compare(
        "-c",
        uri,
        "destroy test; domcontrol test; domhostname test; domblkinfo test vda; schedinfo test;"
        " dommemstat test; domtime test; domtime test --time 4",
    )


def test_read_only_connections(uri: str) -> None:
    compare("-r", "-c", uri, "schedinfo test; domblkinfo test --all; domcontrol test; dommemstat test")
    compare("-r", "-c", uri, "domhostname test")
    compare("-r", "-c", uri, "domtime test")
    compare("-r", "-c", uri, "domtime test --time 5")
    compare("-r", "-c", uri, "schedinfo test --set weight=5")
