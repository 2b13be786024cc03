"""A state driver whose calls may block runs them on the worker's pool, but the methods it
names quick (StateDriver.quick_methods: the QEMU driver's lookups and dominfo) on the worker's
I/O thread, answered at once; checked on a real WorkerServer over the test driver's state,
with the thread each driver method ran on recorded."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pyvirt import DomainRef
from pyvirt.rpc import (
    PROC_CONNECT_OPEN,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    Header,
    MessageType,
    Status,
    encode,
    signatures,
)
from pyvirt_qemu import QemuStateDriver
from pyvirt_test import TestStateDriver as _TestState
from pyvirt_test._connection import TestConnection as _TestConnection
from pyvirtd._control import WorkerOptions
from pyvirtd._worker import WorkerServer

_OPTIONS = WorkerOptions(
    boot_id="quick", max_client_requests=5, max_workers=2, prio_workers=1, max_clients=10,
    max_message=1 << 20, poll_spin_us=0, rw_perms=0o700, ro_perms=0o777, listen_addr=None,
    log_level="error",
)  # fmt: skip


class _BlockingTestState(_TestState):
    """The test driver's state, declared as a driver whose calls may block (so the worker
    uses its pools), with two quick methods."""

    calls_may_block = True
    quick_methods = frozenset({"domain_lookup_by_name", "domain_get_state"})


def _frames(method: str | int, serial: int, args: list[Any]) -> list[bytes]:
    number = (
        method
        if isinstance(method, int)
        else next(k for k, s in signatures().items() if s.procedure.method == method)
    )
    header = Header(PROGRAM_REMOTE, 1, number, MessageType.CALL, serial, Status.OK)
    return [VERSION_FRAME, header.pack() + encode(args)]


@pytest.fixture
def worker(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[WorkerServer, list[bytes], dict[str, str]]]:
    ran_on: dict[str, str] = {}
    for method in ("domain_lookup_by_name", "domain_get_state", "domain_get_info"):
        original = getattr(_TestConnection, method)

        def recording(self: Any, *args: Any, _m: str = method, _f: Any = original) -> Any:
            ran_on[_m] = threading.current_thread().name
            return _f(self, *args)

        monkeypatch.setattr(_TestConnection, method, recording)
    state = _BlockingTestState()
    state.initialize(privileged=False, root=None)
    with tempfile.TemporaryDirectory(prefix="pvquick-") as rundir:
        server = WorkerServer("test", state, rundir, _OPTIONS)
        sent: list[bytes] = []
        def queue(_ident: bytes, data: bytes) -> bool:
            sent.append(data)
            return True

        server.transport.send = queue  # type: ignore[method-assign, assignment]
        server.handle("rw", b"c", _frames(PROC_CONNECT_OPEN, 1, ["test:///default", 0]))
        try:
            yield server, sent, ran_on
        finally:
            server.shutdown()
            state.shutdown()
            state.cleanup()


def test_quick_methods_run_on_the_io_thread_and_the_rest_on_the_pool(
    worker: tuple[WorkerServer, list[bytes], dict[str, str]],
) -> None:
    server, sent, ran_on = worker
    me = threading.current_thread().name
    ref = DomainRef("test", "6695eb01-f6a4-8304-79aa-97f2502e193f", 1)
    sent.clear()
    server.handle("rw", b"c", _frames("domain_lookup_by_name", 2, ["test"]))
    assert ran_on["domain_lookup_by_name"] == me and len(sent) == 1  # answered at once
    server.handle("rw", b"c", _frames("domain_get_state", 3, [ref, 0]))
    assert ran_on["domain_get_state"] == me and len(sent) == 2
    server.handle("rw", b"c", _frames("domain_get_info", 4, [ref]))
    deadline = time.monotonic() + 10
    while "domain_get_info" not in ran_on and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ran_on["domain_get_info"].startswith("call")  # a pool thread
    assert len(sent) == 2  # the I/O thread is busy (here): the reply waits in the done queue


def test_a_pool_thread_sends_its_reply_itself_while_the_loop_waits(
    worker: tuple[WorkerServer, list[bytes], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the I/O thread waits in its poll, a finished pool call's reply goes out from
    the pool thread, without a hop through the loop (whose wait sees nothing to do)."""
    server, sent, ran_on = worker
    senders: list[str] = []
    fake_send = server.transport.send

    def recording_send(ident: bytes, data: bytes) -> bool:
        senders.append(threading.current_thread().name)
        return fake_send(ident, data)

    server.transport.send = recording_send  # type: ignore[method-assign]
    go = threading.Event()
    original = _TestConnection.domain_get_info

    def held(self: Any, *args: Any) -> Any:
        go.wait(10)  # finishes only once the I/O thread is in its wait
        return original(self, *args)

    monkeypatch.setattr(_TestConnection, "domain_get_info", held)
    ref = DomainRef("test", "6695eb01-f6a4-8304-79aa-97f2502e193f", 1)
    sent.clear()
    server.handle("rw", b"c", _frames("domain_get_info", 5, [ref]))
    threading.Timer(0.05, go.set).start()
    assert server.transport.poll(0.5) is False  # nothing reached the loop
    assert len(sent) == 1 and senders[0].startswith("call")


def test_the_qemu_driver_names_only_methods_it_has() -> None:
    from pyvirt_qemu._driver import QemuConnection

    assert QemuStateDriver.quick_methods
    assert all(callable(getattr(QemuConnection, m, None)) for m in QemuStateDriver.quick_methods)
