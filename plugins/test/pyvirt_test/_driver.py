"""The test driver's entry point for in-process opens: which URIs it takes.

The state lives in a :class:`~pyvirt_test.TestStateDriver` instance.  A process that opens
``test:///default`` in-process gets one such instance for all its connections (created on
first open), so they share one reference-counted state as libvirt's do; pyvirtd's worker
holds its own instance and opens its clients' connections on it.
"""

from __future__ import annotations

import threading

from pyvirt import URI
from pyvirt.driver import AuthCallback, ConnectDriver, DriverConnection

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar

    from pyvirt_test._statedriver import TestStateDriver


class TestDriver(ConnectDriver):
    """libvirt's test driver: a fake hypervisor with real state semantics, for tests and demos."""

    name = "Test"
    uri_schemes = ("test",)
    local_only = True

    _in_process_lock: ClassVar[threading.Lock] = threading.Lock()
    _in_process: ClassVar[TestStateDriver | None] = None

    @classmethod
    def in_process_state(cls) -> TestStateDriver:
        """The state driver of this process's in-process connections, made on first use."""
        with cls._in_process_lock:
            if cls._in_process is None:
                from pyvirt_test._statedriver import TestStateDriver

                cls._in_process = TestStateDriver()
            return cls._in_process

    @classmethod
    def open(
        cls, uri: URI | None, *, read_only: bool, auth: AuthCallback | None
    ) -> DriverConnection | None:
        if uri is None or uri.scheme != "test" or uri.server:
            return None
        return cls.in_process_state().open_connection(uri, read_only=read_only, auth=auth)
