"""Domain XML: pyvirt's output must equal libvirt 9.0's (``virsh -c test:///default``).

Golden files under data/conf were produced by real libvirt; the ``virsh`` tests re-check them
against the installed libvirt when there is one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import compare
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError
from pyvirt.conf import (
    DiskDef,
    DomainDef,
    InterfaceDef,
    format_domain_xml,
    parse_domain_xml,
    parse_scaled_integer,
)

DATA = Path(__file__).parent / "data" / "conf"
FIXTURES = sorted(p.stem for p in DATA.glob("domain_*.xml") if p.stem.count(".") == 0)
VIRSH = shutil.which("virsh")
needs_virsh = pytest.mark.skipif(VIRSH is None, reason="virsh (real libvirt) is not installed")

DEFAULT_TEST_DOMAIN = """\
<domain type='test' id='1'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
"""

H = "<domain type='test'><name>x</name><os><type>hvm</type></os>"


def _read(name: str) -> str:
    return (DATA / name).read_text()


def _live_id(text: str) -> int:
    m = re.match(r"<domain type='\w+' id='(\d+)'>", text)
    assert m is not None
    return int(m.group(1))


def test_default_domain_matches_libvirt_exactly() -> None:
    d = parse_domain_xml(_read("domain_default.xml"))
    assert format_domain_xml(d, live_id=1) == DEFAULT_TEST_DOMAIN
    assert format_domain_xml(d, inactive=True) == DEFAULT_TEST_DOMAIN.replace(" id='1'", "")


@pytest.mark.parametrize("stem", FIXTURES)
def test_golden_inactive(stem: str) -> None:
    d = parse_domain_xml(_read(f"{stem}.xml"))
    assert format_domain_xml(d, inactive=True) == _read(f"{stem}.expected.xml")


@pytest.mark.parametrize("stem", FIXTURES)
def test_golden_live_secure(stem: str) -> None:
    expected = _read(f"{stem}.live.xml")
    d = parse_domain_xml(_read(f"{stem}.xml"))
    assert format_domain_xml(d, live_id=_live_id(expected), secure=True) == expected


@pytest.mark.parametrize("stem", FIXTURES)
def test_format_parse_round_trip_is_stable(stem: str) -> None:
    d = parse_domain_xml(_read(f"{stem}.xml"))
    out = format_domain_xml(d, inactive=True)
    assert format_domain_xml(parse_domain_xml(out), inactive=True) == out


def _virsh(commands: str) -> subprocess.CompletedProcess[str]:
    assert VIRSH is not None
    return subprocess.run(
        [VIRSH, "-q", "-c", "test:///default", commands],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _strip(out: str) -> str:
    """virsh may end its output with an extra blank line of its own."""
    return out[:-1] if out.endswith("\n\n") else out


@needs_virsh
@pytest.mark.parametrize("stem", [s for s in FIXTURES if s != "domain_default"])
def test_against_real_virsh(stem: str, tmp_path: Path) -> None:
    src = DATA / f"{stem}.xml"
    d = parse_domain_xml(src.read_text())
    res = _virsh(f"define {src}; dumpxml --inactive {d.uuid}")
    assert res.returncode == 0, res.stderr
    assert _strip(res.stdout) == format_domain_xml(d, inactive=True)


@needs_virsh
def test_default_domain_against_real_virsh() -> None:
    res = _virsh("dumpxml test")
    d = parse_domain_xml(_read("domain_default.xml"))
    assert _strip(res.stdout) == format_domain_xml(d, live_id=1)


def test_defaults_filled() -> None:
    d = parse_domain_xml(H + "<memory unit='GiB'>2</memory></domain>")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", d.uuid)
    assert (d.memory_kib, d.current_memory_kib) == (2097152, 2097152)
    assert (d.vcpus, d.max_vcpus, d.arch, d.os_type) == (1, 1, "i686", "hvm")
    assert d.boot_devs == ["hd"]
    assert (d.on_poweroff, d.on_reboot, d.on_crash) == ("destroy", "restart", "destroy")
    assert "<devices>\n  </devices>\n</domain>\n" in format_domain_xml(d)


def test_default_arch_and_type_keywords() -> None:
    xml = "<domain><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>"
    d = parse_domain_xml(xml, domain_type_default="qemu", default_arch="x86_64")
    assert (d.type, d.arch) == ("qemu", "x86_64")


def test_generated_mac_has_qemu_prefix() -> None:
    d = parse_domain_xml(
        H + "<memory>1</memory><devices><interface type='network'>"
        "<source network='default'/></interface></devices></domain>"
    )
    mac = d.interfaces[0].mac
    assert mac is not None and re.fullmatch(r"52:54:00(:[0-9a-f]{2}){3}", mac)


def test_copy_is_deep() -> None:
    d = parse_domain_xml(_read("domain_rich.xml"))
    c = d.copy()
    assert isinstance(c, DomainDef)
    assert format_domain_xml(c) == format_domain_xml(d)
    c.current_memory_kib = 1
    c.disks[0].source["file"] = "/other"
    assert d.current_memory_kib == 262144
    assert d.disks[0].source["file"] == "/var/lib/a.qcow2"


def test_typed_devices() -> None:
    d = parse_domain_xml(_read("domain_default.xml"))
    disk = d.disks[0]
    assert isinstance(disk, DiskDef) and disk.source_path == "/guest/diskimage1"
    assert (disk.target_dev, disk.target_bus) == ("vda", "virtio")
    iface = d.interfaces[0]
    assert isinstance(iface, InterfaceDef) and iface.mac == "aa:bb:cc:dd:ee:ff"
    assert iface.source == {"network": "default"} and iface.target_dev == "testnet0"
    assert d.memballoon is not None and d.memballoon.model == "virtio"


def test_modified_fields_are_formatted() -> None:
    d = parse_domain_xml(_read("domain_default.xml"))
    d.current_memory_kib = 1024
    d.vcpus = 1
    out = format_domain_xml(d)
    assert "<currentMemory unit='KiB'>1024</currentMemory>" in out
    assert "<vcpu placement='static' current='1'>2</vcpu>" in out


def test_escaping_and_metadata() -> None:
    out = _read("domain_rich.expected.xml")
    d = parse_domain_xml(_read("domain_rich.xml"))
    assert d.name == "rich & <x> 'q' \"d\""
    assert d.title == "A & B \"quoted\" 'single' <t>"
    assert format_domain_xml(d, inactive=True) == out
    assert '<foo:bar xmlns:foo="http://example.com/foo" attr="1">' in out


ERRORS = [
    (
        "<domain type='test'><memory>1</memory></domain>",
        ErrorCode.NO_NAME,
        ErrorDomain.DOMAIN,
        "missing name information",
    ),
    (
        "<domain type='test'><name></name><memory>1</memory></domain>",
        ErrorCode.NO_NAME,
        ErrorDomain.DOMAIN,
        "missing name information",
    ),
    (
        H.replace("<name>x</name>", "<name>a/b</name>") + "<memory>1</memory></domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.DOMAIN,
        "XML error: name a/b cannot contain '/'",
    ),
    (
        H + "<uuid>abc</uuid><memory>1</memory></domain>",
        ErrorCode.INTERNAL_ERROR,
        ErrorDomain.DOMAIN,
        "internal error: malformed uuid element",
    ),
    (
        "<domain type='test'><name>x</name><memory>1</memory></domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.DOMAIN,
        "XML error: an os <type> must be specified",
    ),
    (
        "<domain><name>x</name><os><type>hvm</type></os><memory>1</memory></domain>",
        ErrorCode.INTERNAL_ERROR,
        ErrorDomain.DOMAIN,
        "internal error: missing domain type attribute",
    ),
    (
        "<domain type='bogus'><name>x</name><os><type>hvm</type></os><memory>1</memory></domain>",
        ErrorCode.CONFIG_UNSUPPORTED,
        ErrorDomain.DOMAIN,
        "unsupported configuration: invalid domain type bogus",
    ),
    (
        "<domain type='test'><name>x</name><os><type>foo</type></os><memory>1</memory></domain>",
        ErrorCode.CONFIG_UNSUPPORTED,
        ErrorDomain.DOMAIN,
        "unsupported configuration: unknown OS type 'foo'",
    ),
    (
        "<domain type='test'><name>x</name><os><type arch='bogus'>hvm</type></os>"
        "<memory>1</memory></domain>",
        ErrorCode.CONFIG_UNSUPPORTED,
        ErrorDomain.DOMAIN,
        "unsupported configuration: Unknown architecture bogus",
    ),
    (
        "<domain type='test'><name>x</name><os><type>exe</type></os><memory>1</memory></domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.DOMAIN,
        "XML error: init binary must be specified",
    ),
    (
        H + "<memory>-5</memory></domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.XML,
        "XML error: Invalid value '-5' for element or attribute './memory[1]'",
    ),
    (
        H + "<memory>abc</memory></domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.XML,
        "XML error: Invalid value 'abc' for element or attribute './memory[1]'",
    ),
    (
        H + "<memory>99999999999999999999</memory></domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.XML,
        "XML error: Invalid value '99999999999999999999' for element or attribute './memory[1]'",
    ),
    (
        H + "<memory unit='EiB'>100</memory></domain>",
        ErrorCode.OVERFLOW,
        ErrorDomain.NONE,
        "numerical overflow: value too large: 100EiB",
    ),
    (
        H + "<memory unit='b'>9223372036854775807</memory></domain>",
        ErrorCode.OVERFLOW,
        ErrorDomain.DOMAIN,
        "numerical overflow: size value too large",
    ),
    (
        H + "<memory unit='foo'>100</memory></domain>",
        ErrorCode.INVALID_ARG,
        ErrorDomain.NONE,
        "invalid argument: unknown suffix 'foo'",
    ),
    (
        H + "<memory>0</memory></domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.DOMAIN,
        "XML error: Memory size must be specified via <memory> or in the <numa> configuration",
    ),
    (
        H + "</domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.DOMAIN,
        "XML error: Memory size must be specified via <memory> or in the <numa> configuration",
    ),
    (
        H + "<memory>1024</memory><vcpu>0</vcpu></domain>",
        ErrorCode.INTERNAL_ERROR,
        ErrorDomain.DOMAIN,
        "internal error: CPU IDs in <numa> exceed the <vcpu> count",
    ),
    (
        H + "<memory>1024</memory><vcpu>abc</vcpu></domain>",
        ErrorCode.XML_ERROR,
        ErrorDomain.DOMAIN,
        "XML error: maximum vcpus count must be an integer",
    ),
    (
        H + "<memory>1024</memory><vcpu current='4'>2</vcpu></domain>",
        ErrorCode.CONFIG_UNSUPPORTED,
        ErrorDomain.DOMAIN,
        "unsupported configuration: maximum vCPU count must not be less than current vCPU count",
    ),
    (
        H + "<memory>1</memory><features><bogus/></features></domain>",
        ErrorCode.CONFIG_UNSUPPORTED,
        ErrorDomain.DOMAIN,
        "unsupported configuration: unexpected feature 'bogus'",
    ),
    (
        '<domain type="test"><name>x',
        ErrorCode.XML_DETAIL,
        ErrorDomain.DOMAIN,
        "(domain_definition):1: Premature end of data in tag name line 1\n"
        '<domain type="test"><name>x\n---------------------------^',
    ),
]


@pytest.mark.parametrize(("xml", "code", "domain", "message"), ERRORS)
def test_errors_match_libvirt(xml: str, code: int, domain: int, message: str) -> None:
    with pytest.raises(VirtError) as info:
        parse_domain_xml(xml)
    assert (info.value.code, info.value.domain, info.value.message) == (code, domain, message)


@needs_virsh
@pytest.mark.parametrize(("xml", "code", "domain", "message"), ERRORS)
def test_error_messages_against_real_virsh(
    xml: str, code: int, domain: int, message: str, tmp_path: Path
) -> None:
    src = tmp_path / "bad.xml"
    src.write_text(xml)
    res = _virsh(f"define {src}")
    assert res.returncode != 0
    assert f"error: {message}\n" in res.stderr


def test_negative_vcpu_is_refused_cleanly() -> None:
    # libvirt 9.0 wraps -1 to 4294967295 and crashes allocating vCPUs; we refuse instead.
    with pytest.raises(VirtError) as info:
        parse_domain_xml(H + "<memory>1024</memory><vcpu>-1</vcpu></domain>")
    assert info.value.message == "XML error: maximum vcpus count must be an integer"


@pytest.mark.parametrize(
    ("text", "unit", "scale", "expected"),
    [
        ("1", "G", 1, 1 << 30),
        ("1", "GiB", 1, 1 << 30),
        ("1", "GB", 1, 10**9),
        ("2", "MB", 1, 2 * 10**6),
        ("3", "M", 1, 3 << 20),
        ("5", None, 1024, 5120),
        ("7", "bytes", 1024, 7),
        ("1", "KB", 1, 1000),
        ("1", "k", 1, 1024),
        ("1", "EiB", 1, 1 << 60),
        ("1", "PB", 1, 10**15),
        ("1", "TiB", 1, 1 << 40),
    ],
)
def test_parse_scaled_integer(text: str, unit: str | None, scale: int, expected: int) -> None:
    assert parse_scaled_integer(text, unit, scale, 2**63 - 1) == expected


def test_parse_scaled_integer_errors() -> None:
    with pytest.raises(VirtError) as info:
        parse_scaled_integer("16", "EiB", 1, 2**63 - 1)
    assert info.value.message == "numerical overflow: value too large: 16EiB"
    with pytest.raises(VirtError) as info:
        parse_scaled_integer("1", "Q", 1, 2**63 - 1)
    assert info.value.message == "invalid argument: unknown suffix 'Q'"
    with pytest.raises(VirtError):
        parse_scaled_integer("-1", None, 1, 2**63 - 1)


_UUID_SPELLINGS = [
    "7795eb01-f6a4-8304-79aa-97f2502e193f",  # canonical
    "7795EB01-F6A4-8304-79AA-97F2502E193F",  # upper case
    "  7795eb01-f6a4-8304-79aa-97f2502e193f\n",  # blanks around
    "7795eb01f6a4830479aa97f2502e193f",  # no dashes
    "77 95 eb 01-f6a4-8304-79aa-97f2502e193f",  # spaces between pairs
    "7795eb01-f6a4-8304-79aa-97f2502e193",  # one digit short
    "7795eb01-f6a4-8304-79aa-97f2502e193g",  # not hex, in the canonical shape
    "7795eb0-1f6a4-8304-79aa-97f2502e193f",  # a dash inside a pair
    "7795eb01-f6a4-8304-79aa-97f2502e193f0",  # a digit too many
    "7795eb01-f6a4-8304-79aa-97f2502e19\u00e9f",  # not ASCII
]


@needs_virsh
@pytest.mark.parametrize("spelling", _UUID_SPELLINGS)
def test_uuid_spellings_are_read_as_libvirt_reads_them(spelling: str, tmp_path: Path) -> None:
    """virUUIDParse's rules, the common spelling taken by a short path: define and domuuid
    answer as virsh's (or refuse as it does)."""
    (tmp_path / "d.xml").write_text(
        f"<domain type='test'><name>u</name><uuid>{spelling}</uuid><memory>1024</memory>"
        "<os><type>hvm</type></os></domain>"
    )
    compare("-c", "test:///default", "define d.xml; domuuid u", cwd=tmp_path)
