"""Network XML: parse + format must equal libvirt 9.0's ``virsh net-dumpxml``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError
from pyvirt.conf import NetworkDef, format_network_xml, parse_network_xml

DATA = Path(__file__).parent / "data" / "conf"
FIXTURES = sorted(p.stem for p in DATA.glob("network_*.xml") if "." not in p.stem)
VIRSH = shutil.which("virsh")
needs_virsh = pytest.mark.skipif(VIRSH is None, reason="virsh (real libvirt) is not installed")

DEFAULT_NETWORK = """\
<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
"""


def test_default_network_round_trip() -> None:
    n = parse_network_xml(DEFAULT_NETWORK)
    assert isinstance(n, NetworkDef)
    assert (n.name, n.bridge_name, n.forward_mode) == ("default", "virbr0", "nat")
    assert n.ips[0].address == "192.168.122.1"
    assert (n.ips[0].dhcp_ranges[0].start, n.ips[0].dhcp_ranges[0].end) == (
        "192.168.122.2",
        "192.168.122.254",
    )
    assert format_network_xml(n) == DEFAULT_NETWORK
    assert format_network_xml(n.copy(), inactive=True) == DEFAULT_NETWORK


@pytest.mark.parametrize("stem", FIXTURES)
def test_golden(stem: str) -> None:
    n = parse_network_xml((DATA / f"{stem}.xml").read_text())
    assert format_network_xml(n) == (DATA / f"{stem}.expected.xml").read_text()


def test_defaults() -> None:
    n = parse_network_xml("<network><name>n1</name><forward/></network>")
    assert n.forward_mode == "nat" and n.bridge_stp and n.bridge_delay == 0
    out = format_network_xml(n)
    assert "<forward mode='nat'/>\n  <bridge stp='on' delay='0'/>\n" in out
    assert len(n.uuid) == 36


@needs_virsh
@pytest.mark.parametrize("stem", FIXTURES)
def test_against_real_virsh(stem: str) -> None:
    assert VIRSH is not None
    src = DATA / f"{stem}.xml"
    n = parse_network_xml(src.read_text())
    res = subprocess.run(
        [VIRSH, "-q", "-c", "test:///default", f"net-define {src}; net-dumpxml {n.name}"],  # noqa: E501
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    out = res.stdout[:-1] if res.stdout.endswith("\n\n") else res.stdout
    assert out == format_network_xml(n)


@needs_virsh
def test_default_network_against_real_virsh() -> None:
    assert VIRSH is not None
    res = subprocess.run(
        [VIRSH, "-q", "-c", "test:///default", "net-dumpxml default"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.stdout.rstrip("\n") + "\n" == DEFAULT_NETWORK


@pytest.mark.parametrize(
    ("xml", "code", "domain", "message"),
    [
        (
            "<network><name>a/b</name></network>",
            ErrorCode.XML_DETAIL,
            ErrorDomain.XML,
            "invalid char in name: /",
        ),
        (
            "<network><name>n6</name><uuid>zz</uuid></network>",
            ErrorCode.INTERNAL_ERROR,
            ErrorDomain.NETWORK,
            "internal error: malformed uuid element",
        ),
        (
            "<network><uuid>11111111-2222-3333-4444-555555555555</uuid></network>",
            ErrorCode.NO_NAME,
            ErrorDomain.NETWORK,
            "missing name information",
        ),
        (
            "<network><name>x",
            ErrorCode.XML_DETAIL,
            ErrorDomain.NETWORK,
            "(network_definition):1: Premature end of data in tag name line 1\n"
            "<network><name>x\n----------------^",
        ),
        (
            "<network><name>n9</name><ip address='10.0.0.1' netmask='255.0.0.0'><dhcp>"
            "<range start='10.0.0.5' end='10.0.0.1'/></dhcp></ip></network>",
            ErrorCode.INTERNAL_ERROR,
            ErrorDomain.NONE,
            "internal error: range 10.0.0.5 - 10.0.0.1 is reversed ",
        ),
    ],
)
def test_errors_match_libvirt(xml: str, code: int, domain: int, message: str) -> None:
    with pytest.raises(VirtError) as info:
        parse_network_xml(xml)
    assert (info.value.code, info.value.domain, info.value.message) == (code, domain, message)
