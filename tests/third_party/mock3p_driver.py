"""A tiny but real third-party pyvirt driver: two in-memory domains under ``mock3p:///x``.

It is installed into a throwaway virtualenv by ``tests/test_third_party_driver.py`` exactly as
an outside project would ship it, and codes only against the public contract
(``pyvirt`` and ``pyvirt.driver``).
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
from pyvirt.driver import AuthCallback, ConnectDriver, DriverConnection, unsupported_flags


@dataclass
class _Guest:
    uuid: str
    id: int
    state: DomainState


class Mock3pConnection(DriverConnection):
    """One connection: its own copy of the two domains."""

    def __init__(self, uri: URI) -> None:
        self._uri = str(uri)
        self._guests = {
            "alpha": _Guest("6695eb01-f6a4-8304-79aa-97f2502e193f", 1, DomainState.RUNNING),
            "beta": _Guest("1a2b3c4d-0000-4000-8000-000000000002", -1, DomainState.SHUTOFF),
        }

    def _guest(self, name: str) -> _Guest:
        try:
            return self._guests[name]
        except KeyError:
            raise make_error(
                ErrorCode.NO_DOMAIN, ErrorDomain.DOMAIN, f"no domain with matching name '{name}'"
            ) from None

    def _record(self, name: str) -> DomainRecord:
        g = self._guest(name)
        return DomainRecord(name, g.uuid, g.id, g.state, 1, True, False)

    def connect_get_uri(self) -> str:
        return self._uri

    def connect_get_type(self) -> str:
        return "Mock3p"

    def connect_list_all_domains(self, flags: int) -> list[DomainRecord]:
        # No filter is implemented: every flag is refused, as libvirt's virCheckFlags does
        # (the driver contract suite, pytest --pyvirt-driver, checks this).
        unsupported_flags(flags, 0, "mock3pConnectListAllDomains", ErrorDomain.DOMAIN)
        return [self._record(name) for name in sorted(self._guests)]

    def domain_lookup_by_name(self, name: str) -> DomainRecord:
        return self._record(name)

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
