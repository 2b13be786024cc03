"""The test driver's state, owned by an instance: pyvirtd hosts one, so
``test+unix:///default`` shares one state between every client of the daemon (libvirt's
libvirtd serves its test driver the same way), and :class:`~pyvirt_test.TestDriver` keeps one
per process for in-process opens.

``test:///default`` connections share one reference-counted state (built by the first open,
discarded by the last close); a ``test:///ABSOLUTE/PATH.xml`` connection loads its own
private state from that file.
"""

from __future__ import annotations

import threading

from pyvirt import URI, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import AuthCallback, StateDriver, StateInitResult

from pyvirt_test._auth import authenticate
from pyvirt_test._connection import TestConnection
from pyvirt_test._defaults import default_domains, default_networks_and_pools
from pyvirt_test._driver import TestDriver
from pyvirt_test._nodefile import load_node_file
from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import HostInterfaceDef, NodeDeviceDef

    from pyvirt_test._host_devices import HostDevices


def _file_host_devices(
    interfaces: list[HostInterfaceDef], devices: list[NodeDeviceDef]
) -> HostDevices:
    """A node file's interfaces and node devices, built when a command first asks."""
    from pyvirt_test._host_devices import host_devices_from

    return host_devices_from(interfaces, devices)


def _default_host_devices() -> HostDevices:
    """test:///default's interfaces and node devices, imported only when a command asks."""
    from pyvirt_test._host_devices import default_host_devices

    return default_host_devices()


class TestStateDriver(StateDriver):
    name = "Test"
    connect_driver = TestDriver
    calls_may_block = False  # every entry point only takes the state lock briefly

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._default: TestState | None = None
        self._default_refs = 0

    def initialize(self, *, privileged: bool, root: str | None) -> StateInitResult:
        return StateInitResult.COMPLETE

    def open_connection(
        self, uri: URI, *, read_only: bool, auth: AuthCallback | None = None
    ) -> TestConnection | None:
        """``test:///default`` (shared) or ``test:///ABSOLUTE/PATH.xml`` (private); other
        URIs are declined, a path-less one is libvirt's error."""
        if uri.scheme != "test" or uri.server:
            return None
        if uri.path in ("", "/"):
            raise make_error(
                ErrorCode.INVALID_ARG,
                ErrorDomain.TEST,
                "testOpen: supply a path or use test:///default",
            )
        if uri.path == "/default":
            return TestConnection(self._acquire_default(), str(uri), release=self._release_default)
        config = load_node_file(uri.path)
        if config.auth_users is not None:
            authenticate(config.auth_users, auth)
        devices = (config.interfaces, config.node_devices)
        return TestConnection(
            TestState(config, host_devices=lambda: _file_host_devices(*devices)), str(uri)
        )

    def _acquire_default(self) -> TestState:
        with self._lock:
            if self._default is None:
                self._default = TestState(
                    default_domains(),
                    deferred=default_networks_and_pools,
                    host_devices=_default_host_devices,
                )
            self._default_refs += 1
            return self._default

    def _release_default(self) -> None:
        with self._lock:
            self._default_refs -= 1
            if self._default_refs <= 0:
                self._default, self._default_refs = None, 0
