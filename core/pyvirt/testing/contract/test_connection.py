"""Contract: opening and closing, and what a connection says about itself."""

from __future__ import annotations

import pytest

import pyvirt
from pyvirt.testing._contract import Contract

pytestmark = pytest.mark.pyvirt_contract


def test_open_gives_a_live_connection_and_close_ends_it(contract: Contract) -> None:
    conn = contract.open()
    assert conn.is_alive()
    conn.close()
    conn.close()  # closing twice is allowed
    with pytest.raises(pyvirt.VirtError) as info:
        conn.get_type()
    assert info.value.code == pyvirt.ErrorCode.INVALID_CONN


def test_get_type_names_the_driver(contract: Contract, conn: pyvirt.Connection) -> None:
    kind = conn.get_type()
    assert isinstance(kind, str) and kind.strip() == kind and kind


def test_version_is_a_libvirt_style_number(contract: Contract, conn: pyvirt.Connection) -> None:
    with contract.feature("hypervisor version (virConnectGetVersion)"):
        version = conn.version()
    assert isinstance(version, int) and version >= 0


def test_hostname_is_a_host_name(contract: Contract, conn: pyvirt.Connection) -> None:
    with contract.feature("host name (virConnectGetHostname)"):
        name = conn.hostname()
    assert isinstance(name, str) and name and not any(c.isspace() for c in name)


def test_uri_names_the_same_driver(contract: Contract, conn: pyvirt.Connection) -> None:
    with contract.feature("connection URI (virConnectGetURI)"):
        uri = conn.uri
    given = contract.uri.split(":", 1)[0].split("+")[0]
    assert uri.split(":", 1)[0].split("+")[0] == given


def test_node_info_is_plausible(contract: Contract, conn: pyvirt.Connection) -> None:
    with contract.feature("node info (virNodeGetInfo)"):
        info = conn.node_info()
    assert info.memory > 0 and info.cpus > 0
    assert info.nodes * info.sockets * info.cores * info.threads >= 1


def test_unknown_flags_are_refused_as_invalid_arguments(
    contract: Contract, conn: pyvirt.Connection
) -> None:
    """libvirt's virCheckFlags: a flag bit the driver does not know is VIR_ERR_INVALID_ARG."""
    with contract.feature("list domains (virConnectListAllDomains)"):
        conn.list_domains()
    with pytest.raises(pyvirt.VirtError) as info:
        conn.list_domains(1 << 30)
    assert info.value.code == pyvirt.ErrorCode.INVALID_ARG
    assert "unsupported flags (0x40000000)" in str(info.value)
