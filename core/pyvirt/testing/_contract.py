"""The fixtures of the driver contract suite (registered by the plugin with --pyvirt-driver)."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

import pyvirt
from pyvirt.testing._plugin import UNSUPPORTED_PREFIX


class Contract:
    """What the contract tests need to know about the driver under test, and the capability
    bookkeeping: :meth:`feature` turns NO_SUPPORT into a listed skip."""

    def __init__(self, config: pytest.Config, uri: str, domain_type: str | None) -> None:
        self.config = config
        self.uri = uri
        self._domain_type = domain_type

    def open(self, *, read_only: bool = False) -> pyvirt.Connection:
        return pyvirt.open(self.uri, read_only=read_only)

    @contextmanager
    def feature(self, name: str) -> Iterator[None]:
        """Run the block; if the driver answers NO_SUPPORT, skip the test and list *name*."""
        try:
            yield
        except pyvirt.NoSupportError as exc:
            # The terminal summary lists the features from these reasons.
            pytest.skip(f"{UNSUPPORTED_PREFIX}{name} -- {exc}")

    def error_of(self, name: str, call: Callable[[], object]) -> pyvirt.VirtError:
        """The error *call* raises (a test failure if none); NO_SUPPORT skips, as feature()."""
        with self.feature(name):
            try:
                call()
            except pyvirt.NoSupportError:
                raise
            except pyvirt.VirtError as exc:
                return exc
        pytest.fail(f"{name}: expected an error, the call succeeded")

    def domain_type(self, conn: pyvirt.Connection) -> str:
        if self._domain_type:
            return self._domain_type
        return conn.get_type().lower()

    def new_name(self) -> str:
        return f"pyvirt-contract-{uuidlib.uuid4().hex[:8]}"

    def domain_xml(self, conn: pyvirt.Connection, name: str, uuid: str) -> str:
        """A small domain any driver should define (and a hypervisor boot, with no disk)."""
        dtype = self.domain_type(conn)
        arch = "i686" if dtype == "test" else "x86_64"
        return (
            f"<domain type='{dtype}'><name>{name}</name><uuid>{uuid}</uuid>"
            "<memory unit='KiB'>65536</memory><currentMemory unit='KiB'>65536</currentMemory>"
            f"<vcpu>1</vcpu><os><type arch='{arch}'>hvm</type></os>"
            "<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>"
            "<on_crash>destroy</on_crash><devices></devices></domain>"
        )


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> Contract:
    uri = pytestconfig.getoption("--pyvirt-driver")
    assert uri is not None
    return Contract(pytestconfig, uri, pytestconfig.getoption("--pyvirt-domain-type"))


@pytest.fixture
def conn(contract: Contract) -> Iterator[pyvirt.Connection]:
    """A read-write connection to the driver under test, closed after the test."""
    c = contract.open()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def defined(contract: Contract, conn: pyvirt.Connection) -> Iterator[pyvirt.Domain]:
    """A persistent, shut off domain defined for this test, removed after it."""
    name, uuid = contract.new_name(), str(uuidlib.uuid4())
    with contract.feature("define a domain (virDomainDefineXML)"):
        dom = conn.define_domain(contract.domain_xml(conn, name, uuid))
    try:
        yield dom
    finally:
        _remove_domain(conn, name)


def _remove_domain(conn: pyvirt.Connection, name: str) -> None:
    try:
        dom = conn.lookup_domain_by_name(name)
    except pyvirt.NoDomainError:
        return
    if dom.is_active():
        dom.destroy()
    if dom.is_persistent():
        try:
            dom.undefine()
        except pyvirt.NoDomainError:
            pass
