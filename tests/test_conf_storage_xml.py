"""Storage pool and volume XML: output must equal libvirt 9.0's pool-/vol-dumpxml."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError
from pyvirt.conf import (
    PoolDef,
    VolumeDef,
    apply_volume_defaults,
    format_pool_xml,
    format_volume_xml,
    parse_pool_xml,
    parse_volume_xml,
)

DATA = Path(__file__).parent / "data" / "conf"
VIRSH = shutil.which("virsh")
needs_virsh = pytest.mark.skipif(VIRSH is None, reason="virsh (real libvirt) is not installed")
GIB100 = 107374182400

DEFAULT_POOL = """\
<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <capacity unit='bytes'>107374182400</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>107374182400</available>
  <source>
  </source>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
"""

V1 = """\
<volume type='file'>
  <name>v1.img</name>
  <key>/default-pool/v1.img</key>
  <capacity unit='bytes'>1073741824</capacity>
  <allocation unit='bytes'>1073741824</allocation>
  <target>
    <path>/default-pool/v1.img</path>
    <format type='raw'/>
  </target>
</volume>
"""


def _as_test_driver(p: PoolDef) -> PoolDef:
    """The test driver reports a fixed 100 GiB for every pool."""
    p.capacity, p.allocation, p.available = GIB100, 0, GIB100
    return p


def _default_pool() -> PoolDef:
    return _as_test_driver(parse_pool_xml(DEFAULT_POOL))


def _virsh(commands: str) -> str:
    assert VIRSH is not None
    res = subprocess.run(
        [VIRSH, "-q", "-c", "test:///default", commands],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    return res.stdout[:-1] if res.stdout.endswith("\n\n") else res.stdout


def test_default_pool_round_trip() -> None:
    p = _default_pool()
    assert (p.type, p.name, p.target_path) == ("dir", "default-pool", "/default-pool")
    assert format_pool_xml(p) == DEFAULT_POOL
    assert format_pool_xml(p.copy(), inactive=True) == DEFAULT_POOL


@pytest.mark.parametrize("stem", ["pool_perms", "pool_netfs"])
def test_pool_golden(stem: str) -> None:
    p = _as_test_driver(parse_pool_xml((DATA / f"{stem}.xml").read_text()))
    assert format_pool_xml(p) == (DATA / f"{stem}.expected.xml").read_text()


def test_pool_permissions_and_path_sanitised() -> None:
    p = parse_pool_xml((DATA / "pool_perms.xml").read_text())
    assert p.target_path == "/tmp/p2"
    assert p.permissions is not None and p.permissions.mode == "0755"


def test_volume_defaults_like_vol_create_as() -> None:
    pool = _default_pool()
    v = parse_volume_xml(
        "<volume><name>v1.img</name><capacity unit='G'>1</capacity></volume>", pool=pool
    )
    assert isinstance(v, VolumeDef) and v.allocation is None and v.capacity == 1 << 30
    apply_volume_defaults(v, pool)
    assert format_volume_xml(v) == V1


def test_volume_golden() -> None:
    pool = _default_pool()
    v = apply_volume_defaults(
        parse_volume_xml((DATA / "volume_qcow2.xml").read_text(), pool=pool), pool
    )
    assert (v.capacity, v.allocation) == (100 << 20, 10**7)
    assert format_volume_xml(v) == (DATA / "volume_qcow2.expected.xml").read_text()


@needs_virsh
@pytest.mark.parametrize("stem", ["pool_perms", "pool_netfs"])
def test_pool_against_real_virsh(stem: str) -> None:
    src = DATA / f"{stem}.xml"
    p = _as_test_driver(parse_pool_xml(src.read_text()))
    assert _virsh(f"pool-define {src}; pool-dumpxml {p.name}") == format_pool_xml(p)


@needs_virsh
def test_volumes_against_real_virsh() -> None:
    pool = _default_pool()
    assert _virsh("pool-dumpxml default-pool") == format_pool_xml(pool)
    src = DATA / "volume_qcow2.xml"
    v = apply_volume_defaults(parse_volume_xml(src.read_text(), pool=pool), pool)
    out = _virsh(f"vol-create default-pool {src}; vol-dumpxml v2.qcow2 --pool default-pool")
    assert out[out.index("<volume") :] == format_volume_xml(v)
    out = _virsh("vol-create-as default-pool v1.img 1G; vol-dumpxml v1.img --pool default-pool")
    assert out[out.index("<volume") :] == V1


POOL_ERRORS = [
    (
        "<pool type='dir'><name>p5</name></pool>",
        ErrorCode.XML_ERROR,
        ErrorDomain.STORAGE,
        "XML error: missing storage pool target path",
    ),
    (
        "<pool type='bogus'><name>p6</name></pool>",
        ErrorCode.XML_ERROR,
        ErrorDomain.XML,
        "XML error: Invalid value for attribute 'type' in element 'pool': 'bogus'.",
    ),
    (
        "<pool><name>p7</name></pool>",
        ErrorCode.XML_ERROR,
        ErrorDomain.XML,
        "XML error: Missing required attribute 'type' in element 'pool'",
    ),
    (
        "<pool type='dir'><target><path>/x</path></target></pool>",
        ErrorCode.XML_ERROR,
        ErrorDomain.STORAGE,
        "XML error: missing pool source name element",
    ),
    (
        "<pool type='dir'><name>a/b</name><target><path>/x</path></target></pool>",
        ErrorCode.XML_ERROR,
        ErrorDomain.STORAGE,
        "XML error: name a/b cannot contain '/'",
    ),
    (
        "<pool type='dir'><name>p11</name><uuid>bad</uuid><target><path>/x</path></target></pool>",
        ErrorCode.XML_ERROR,
        ErrorDomain.STORAGE,
        "XML error: malformed uuid element",
    ),
    (
        "<pool><name>x",
        ErrorCode.XML_DETAIL,
        ErrorDomain.STORAGE,
        "(storage_pool_definition):1: Premature end of data in tag name line 1\n"
        "<pool><name>x\n-------------^",
    ),
]


@pytest.mark.parametrize(("xml", "code", "domain", "message"), POOL_ERRORS)
def test_pool_errors(xml: str, code: int, domain: int, message: str) -> None:
    with pytest.raises(VirtError) as info:
        parse_pool_xml(xml)
    assert (info.value.code, info.value.domain, info.value.message) == (code, domain, message)


VOLUME_ERRORS = [
    (
        "<volume><name>v3</name></volume>",
        ErrorCode.XML_ERROR,
        ErrorDomain.STORAGE,
        "XML error: missing capacity element",
    ),
    (
        "<volume><name>v4</name><capacity>-1</capacity></volume>",
        ErrorCode.XML_ERROR,
        ErrorDomain.STORAGE,
        "XML error: malformed capacity element",
    ),
    (
        "<volume><name>v5</name><capacity unit='Q'>1</capacity></volume>",
        ErrorCode.INVALID_ARG,
        ErrorDomain.NONE,
        "invalid argument: unknown suffix 'Q'",
    ),
    (
        "<volume><capacity>1</capacity></volume>",
        ErrorCode.XML_ERROR,
        ErrorDomain.STORAGE,
        "XML error: missing volume name element",
    ),
    (
        "<volume><name>v9</name><capacity>18446744073709551615</capacity></volume>",
        ErrorCode.OVERFLOW,
        ErrorDomain.NONE,
        "numerical overflow: value too large: 18446744073709551615",
    ),
    (
        "<volume><name>v10</name><capacity unit='EiB'>16</capacity></volume>",
        ErrorCode.OVERFLOW,
        ErrorDomain.NONE,
        "numerical overflow: value too large: 16EiB",
    ),
    (
        "<volume><name>v13</name><capacity>0</capacity><target><format type='bogus'/></target>"
        "</volume>",
        ErrorCode.CONFIG_UNSUPPORTED,
        ErrorDomain.STORAGE,
        "unsupported configuration: unknown volume format type bogus",
    ),
    (
        "<volume><name>x",
        ErrorCode.XML_DETAIL,
        ErrorDomain.STORAGE,
        "(storage_volume_definition):1: Premature end of data in tag name line 1\n"
        "<volume><name>x\n---------------^",
    ),
]


@pytest.mark.parametrize(("xml", "code", "domain", "message"), VOLUME_ERRORS)
def test_volume_errors(xml: str, code: int, domain: int, message: str) -> None:
    with pytest.raises(VirtError) as info:
        parse_volume_xml(xml, pool=_default_pool())
    assert (info.value.code, info.value.domain, info.value.message) == (code, domain, message)
