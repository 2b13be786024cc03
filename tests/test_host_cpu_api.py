"""pyvirt's typed host pages and CPU model calls, synchronous and under asyncio, in process
and through pyvirtd: the answers of the test driver, the public API's argument checks in
libvirt's words, and the read-only rule (virNodeAllocPages refuses a read-only connection
before it looks at its arguments, as libvirt's public API does)."""

from __future__ import annotations

import asyncio

import pytest
import pyvirt
import pyvirt.aio


def test_free_pages_and_cpu_models(uri: str) -> None:
    with pyvirt.open(uri) as conn:
        assert conn.free_pages([4, 2048], 0, 2) == {0: {4: 19, 2048: 45}, 1: {4: 97, 2048: 201}}
        assert conn.free_pages([1048576], -1, 1) == {-1: {1048576: 19}}
        assert conn.cpu_model_names("ppc64le")[:2] == ["POWER6", "POWER7"]
        assert "Haswell" in conn.cpu_model_names("x86_64")
        assert conn.cpu_model_names("s390x") == []
        with pytest.raises(pyvirt.InvalidArgError, match="cannot find architecture x86$"):
            conn.cpu_model_names("x86")
        with pytest.raises(pyvirt.VirtError, match="'mips' architecture is not supported"):
            conn.cpu_model_names("mips")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.free_pages([], 0, 1), "npages in virNodeGetFreePages must not be zero"),
        (lambda c: c.free_pages([4], 0, 0), "cellCount in virNodeGetFreePages must not be zero"),
        (lambda c: c.free_pages([4], -2, 1), "cell range in virNodeGetFreePages is out of range"),
        (lambda c: c.free_pages([4], 0, 1, 1), "unsupported flags (0x1) in function testNode"),
        (lambda c: c.alloc_pages({}, 0, 1), "npages in virNodeAllocPages must not be zero"),
        (lambda c: c.alloc_pages({4: 1}, 0, 0), "cellCount in virNodeAllocPages must not be"),
        (lambda c: c.cpu_model_names("x86_64", 1), "unsupported flags (0x1) in function test"),
    ],
)
def test_bad_arguments(uri: str, call, message: str) -> None:
    with pyvirt.open(uri) as conn, pytest.raises(pyvirt.VirtError) as info:
        call(conn)
    assert message in str(info.value)


def test_what_the_test_driver_does_not_serve(uri: str) -> None:
    with pyvirt.open(uri) as conn:
        for call, api in [
            (lambda: conn.alloc_pages({4: 1}, 0, 1), "virNodeAllocPages"),
            (lambda: conn.compare_cpu("<cpu/>"), "virConnectCompareCPU"),
            (lambda: conn.compare_hypervisor_cpu("<cpu/>"), "virConnectCompareHypervisorCPU"),
            (lambda: conn.baseline_hypervisor_cpu(["<cpu/>"]), "virConnectBaselineHypervisorCPU"),
            (lambda: conn.domain_capabilities(), "virConnectGetDomainCapabilities"),
            (lambda: conn.memory_parameters(), "virNodeGetMemoryParameters"),
            (lambda: conn.set_memory_parameters([]), "virNodeSetMemoryParameters"),
            (lambda: conn.sev_info(), "virNodeGetSEVInfo"),
        ]:
            with pytest.raises(pyvirt.VirtError) as info:
                call()
            assert info.value.code == pyvirt.ErrorCode.NO_SUPPORT
            assert info.value.domain == pyvirt.ErrorDomain.DOMAIN
            assert str(info.value).endswith(f"connection driver: {api}")


def test_alloc_pages_refuses_read_only_before_checking_arguments(uri: str) -> None:
    with pyvirt.open(uri, read_only=True) as conn:
        with pytest.raises(pyvirt.OperationDeniedError, match="prevents virNodeAllocPages"):
            conn.alloc_pages({}, 0, 0)
        with pytest.raises(pyvirt.OperationDeniedError, match="prevents virNodeGetSEVInfo"):
            conn.sev_info()
        assert conn.free_pages([4], 0, 1) == {0: {4: 19}}


def test_under_asyncio(uri: str) -> None:
    async def main() -> None:
        async with await pyvirt.aio.open(uri) as conn:
            assert await conn.free_pages([4], 1, 1) == {1: {4: 19}}
            assert len(await conn.cpu_model_names("i686")) == 58
            with pytest.raises(pyvirt.VirtError, match="virConnectGetDomainCapabilities"):
                await conn.domain_capabilities(arch="x86_64")

    asyncio.run(main())
