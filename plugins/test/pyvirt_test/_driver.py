"""The test driver's entry point: which URIs it takes and how a connection is opened.

``test:///default`` connections share one reference-counted state per process; a
``test:///ABSOLUTE/PATH.xml`` connection loads its own private state from that file.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from pyvirt import URI, ErrorCode, ErrorDomain, ObjectEvent, make_error
from pyvirt.driver import AuthCallback, ConnectDriver, DriverConnection

from pyvirt_test._auth import authenticate
from pyvirt_test._defaults import default_domains, default_networks_and_pools
from pyvirt_test._domain_ops import DomainOps
from pyvirt_test._host import HostOps
from pyvirt_test._network_ops import NetworkOps
from pyvirt_test._nodefile import load_node_file
from pyvirt_test._state import EventListener, TestState
from pyvirt_test._storage_ops import StorageOps

_shared_lock = threading.Lock()
_shared_state: TestState | None = None
_shared_refs = 0
_tokens = itertools.count(1)


def _acquire_default() -> TestState:
    global _shared_state, _shared_refs
    with _shared_lock:
        if _shared_state is None:
            _shared_state = TestState(default_domains(), deferred=default_networks_and_pools)
        _shared_refs += 1
        return _shared_state


def _release_default() -> None:
    global _shared_state, _shared_refs
    with _shared_lock:
        _shared_refs -= 1
        if _shared_refs <= 0:
            _shared_state, _shared_refs = None, 0


class TestConnection(HostOps, DomainOps, NetworkOps, StorageOps, DriverConnection):
    """One open test connection over a (possibly shared) :class:`TestState`."""

    def __init__(self, state: TestState, uri_text: str, *, shared: bool) -> None:
        self.state = state
        self.uri_text = uri_text
        self._shared = shared
        self._closed = False
        self._subscriptions: dict[int, EventListener] = {}

    def connect_event_subscribe(self, listener: Callable[[ObjectEvent], None]) -> int:
        def relay(kind: str, name: str, uuid: str, id: int, event: int, detail: int) -> None:
            listener(ObjectEvent(kind, name, uuid, id, event, detail))

        with self.state.lock:
            token = next(_tokens)
            self._subscriptions[token] = relay
            self.state.listeners.append(relay)
        return token

    def connect_event_unsubscribe(self, token: int) -> None:
        with self.state.lock:
            relay = self._subscriptions.pop(token, None)
            if relay is not None:
                self.state.listeners.remove(relay)

    def connect_close(self) -> None:
        for token in list(self._subscriptions):
            self.connect_event_unsubscribe(token)
        if not self._closed:
            self._closed = True
            if self._shared:
                _release_default()


class TestDriver(ConnectDriver):
    """libvirt's test driver: a fake hypervisor with real state semantics, for tests and demos."""

    name = "Test"
    uri_schemes = ("test",)
    local_only = True

    @classmethod
    def open(
        cls, uri: URI | None, *, read_only: bool, auth: AuthCallback | None
    ) -> DriverConnection | None:
        if uri is None or uri.scheme != "test" or uri.server:
            return None
        if uri.path in ("", "/"):
            raise make_error(
                ErrorCode.INVALID_ARG,
                ErrorDomain.TEST,
                "testOpen: supply a path or use test:///default",
            )
        if uri.path == "/default":
            return TestConnection(_acquire_default(), str(uri), shared=True)
        config = load_node_file(uri.path)
        if config.auth_users is not None:
            authenticate(config.auth_users, auth)
        return TestConnection(TestState(config), str(uri), shared=False)
