"""A tiny but real third-party pyvirt driver: two in-memory domains under ``mock3p:///x``.

It is installed into a throwaway virtualenv by ``tests/test_third_party_driver.py`` exactly as
an outside project would ship it, and codes only against the public contract
(``pyvirt`` and ``pyvirt.driver``), including the driver kit: its domains live in a
``pyvirt.driver.DomainObjList``, which gives it lookups and listAll with libvirt's filters.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyvirt import (
    URI,
    DomainInfo,
    DomainRecord,
    DomainRef,
    DomainState,
    ErrorCode,
    ErrorDomain,
    make_error,
)
from pyvirt.driver import AuthCallback, ConnectDriver, DomainObjList, DriverConnection


@dataclass(eq=False)
class _Guest:
    name: str
    uuid: str
    state: DomainState
    id: int = -1
    persistent: bool = True

    @property
    def active(self) -> bool:
        return self.state != DomainState.SHUTOFF

    def record(self) -> DomainRecord:
        return DomainRecord(self.name, self.uuid, self.id, self.state, 1, self.persistent, False)


class Mock3pConnection(DriverConnection):
    """One connection: its own copy of the two domains."""

    def __init__(self, uri: URI) -> None:
        self._uri = str(uri)
        self._guests: DomainObjList[_Guest] = DomainObjList(ErrorDomain.DOMAIN)
        alpha = self._guests.add(
            _Guest("alpha", "6695eb01-f6a4-8304-79aa-97f2502e193f", DomainState.RUNNING)
        )
        self._guests.assign_id(alpha)
        self._guests.add(
            _Guest("beta", "1a2b3c4d-0000-4000-8000-000000000002", DomainState.SHUTOFF)
        )

    def _guest(self, name: str) -> _Guest:
        return self._guests.lookup_by_name(name)

    def connect_get_uri(self) -> str:
        return self._uri

    def connect_get_type(self) -> str:
        return "Mock3p"

    def connect_list_all_domains(self, flags: int) -> list[DomainRecord]:
        return self._guests.list_all(flags, "mock3pConnectListAllDomains")

    def domain_lookup_by_name(self, name: str) -> DomainRecord:
        return self._guest(name).record()

    def domain_get_info(self, dom: DomainRef) -> DomainInfo:
        return DomainInfo(self._guest(dom.name).state, 1048576, 524288, 2, 0)

    def domain_suspend(self, dom: DomainRef) -> None:
        guest = self._guest(dom.name)
        if guest.state != DomainState.RUNNING:
            raise make_error(
                ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, "domain is not running"
            )
        guest.state = DomainState.PAUSED


class Mock3pDriver(ConnectDriver):
    """Takes ``mock3p:///x``; declines any other path, as libvirt drivers decline."""

    name = "Mock3p"
    uri_schemes = ("mock3p",)

    @classmethod
    def open(
        cls, uri: URI | None, *, read_only: bool, auth: AuthCallback | None
    ) -> DriverConnection | None:
        if uri is None or uri.path != "/x":
            return None
        return Mock3pConnection(uri)
