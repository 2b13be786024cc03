"""QMP monitors through ``qemu.qmp``, called synchronously from the driver's threads.

Why a private event loop in a thread: ``qemu.qmp`` is asyncio, while pyvirtd runs driver
calls on a thread pool.  One loop thread per process owns every monitor connection; a driver
thread submits a coroutine and waits for its result with a timeout.  Events and
end-of-file are delivered to callbacks on the loop thread, which must not block: the driver
hands anything slow (a job, a kill) to a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from qemu.qmp import ConnectError, ExecInterruptedError, ExecuteError, QMPClient, Runstate
from qemu.qmp.error import QMPError

__all__ = ["Monitor", "MonitorClosed", "monitor_loop"]

T = TypeVar("T")
#: (event name, data) for QMP events; called on the loop thread.
EventCallback = Callable[[str, dict[str, Any]], None]

#: How long one monitor command may take before the caller gives up on it.
COMMAND_TIMEOUT = 30.0


class MonitorClosed(VirtError):
    """The monitor went away under a command (QEMU exited)."""


class _Loop:
    """The process-wide event loop thread, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="qemu-monitor-loop", daemon=True
                )
                thread.start()
                self._loop = loop
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.get())
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise


monitor_loop = _Loop()


def _monitor_error(detail: str) -> VirtError:
    return make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU, detail)


class Monitor:
    """One QMP connection to one QEMU."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        self._client: QMPClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.closed_by_us = False
        #: (seconds, microseconds, data or None) of the event being delivered, for the
        #: handlers that pass QMP events on as they came (qemu-monitor-event).
        self.last_event: tuple[int, int, Any] = (0, 0, None)
        self._ids = itertools.count(1)
        #: Jobs a driver thread waits for (watch_job): set when QEMU says the job ended.
        self._job_waiters: dict[str, threading.Event] = {}

    # -- connecting ------------------------------------------------------------------------
    def connect(
        self,
        on_event: EventCallback,
        on_eof: Callable[[], None],
        *,
        timeout: float,
        alive: Callable[[], bool],
    ) -> None:
        """Connect (retrying while QEMU creates its socket), negotiate, start event delivery.

        Gives up as soon as *alive* says QEMU has gone, raising MonitorClosed.
        """
        deadline = time.monotonic() + timeout
        delay = 0.002
        while True:
            if not os.path.exists(self.path):
                # Not there yet: QEMU is still starting (or has died, checked below).
                # Polling the file first keeps qemu.qmp from logging every failed attempt.
                if not alive():
                    raise MonitorClosed(
                        "monitor closed", code=ErrorCode.INTERNAL_ERROR, domain=ErrorDomain.QEMU
                    )
                if time.monotonic() >= deadline:
                    raise _monitor_error(f"monitor socket of '{self.name}' did not appear")
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
                continue
            try:
                monitor_loop.run(self._connect(on_event, on_eof), timeout=10.0)
                return
            except (ConnectError, OSError, EOFError) as exc:
                if not alive():
                    raise MonitorClosed(
                        "monitor closed", code=ErrorCode.INTERNAL_ERROR, domain=ErrorDomain.QEMU
                    ) from exc
                if time.monotonic() >= deadline:
                    raise _monitor_error(
                        f"cannot connect to the monitor of '{self.name}' at {self.path}: {exc}"
                    ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def _connect(self, on_event: EventCallback, on_eof: Callable[[], None]) -> None:
        client = QMPClient(self.name)
        await client.connect(self.path)
        self._client = client
        loop = asyncio.get_running_loop()

        async def pump_events() -> None:
            async for msg in client.events:
                try:
                    data = msg.get("data")
                    stamp: Any = msg.get("timestamp") or {}
                    self.last_event = (
                        int(stamp.get("seconds", 0)),
                        int(stamp.get("microseconds", 0)),
                        dict(data) if isinstance(data, dict) else data,
                    )
                    name = str(msg["event"])
                    if name == "JOB_STATUS_CHANGE" and isinstance(data, dict):
                        self._job_status(data)
                    on_event(name, dict(data) if isinstance(data, dict) else {})
                except Exception:  # noqa: BLE001 - a handler bug must not stop the pump
                    import logging

                    logging.getLogger("pyvirt.qemu").exception("event handler failed")

        async def watch_eof() -> None:
            while client.runstate == Runstate.RUNNING:
                await client.runstate_changed()
            if not self.closed_by_us:
                on_eof()

        self._tasks = [loop.create_task(pump_events()), loop.create_task(watch_eof())]

    # -- jobs ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def watch_job(self, job_id: str) -> Iterator[threading.Event]:
        """An event set once QEMU reports job *job_id* concluded (or gone): a job's waiter
        wakes when it ends, as libvirt's does on JOB_STATUS_CHANGE, instead of after the
        next sleep of its polling (a snapshot's job takes a few milliseconds; the first
        sleep was 5).  Enter it before the job starts, so that no report is missed."""
        ended = self._job_waiters[job_id] = threading.Event()
        try:
            yield ended
        finally:
            self._job_waiters.pop(job_id, None)

    def _job_status(self, data: dict[str, Any]) -> None:
        if data.get("status") in ("concluded", "null"):
            waiter = self._job_waiters.get(str(data.get("id", "")))
            if waiter is not None:
                waiter.set()

    # -- commands --------------------------------------------------------------------------
    def _live_client(self) -> QMPClient:
        client = self._client
        if client is None or client.runstate != Runstate.RUNNING:
            raise MonitorClosed(
                "monitor closed", code=ErrorCode.OPERATION_FAILED, domain=ErrorDomain.QEMU
            )
        return client

    def execute(
        self,
        command: str,
        arguments: dict[str, Any] | None = None,
        timeout: float = COMMAND_TIMEOUT,
    ) -> Any:
        """Run one QMP command; QEMU's error becomes libvirt's internal error in its words
        (qemuMonitorJSONCheckError: "unable to execute QEMU command 'X': QEMU's text")."""
        client = self._live_client()
        try:
            return self._run(client.execute(command, arguments), command, timeout)
        except ExecuteError as exc:
            raise _monitor_error(f"unable to execute QEMU command '{command}': {exc}") from exc

    def _run(self, coro: Coroutine[Any, Any, T], command: str, timeout: float) -> T:
        """Run *coro* on the monitor loop: a lost monitor or a timeout in libvirt's words."""
        try:
            return monitor_loop.run(coro, timeout)
        except ExecuteError:
            raise
        except (ExecInterruptedError, EOFError, OSError, QMPError) as exc:
            raise MonitorClosed(
                f"operation failed: monitor of '{self.name}' closed during {command}",
                code=ErrorCode.OPERATION_FAILED,
                domain=ErrorDomain.QEMU,
            ) from exc
        except TimeoutError as exc:
            raise make_error(
                ErrorCode.OPERATION_TIMEOUT, ErrorDomain.QEMU, f"monitor command {command}"
            ) from exc

    def arbitrary(self, text: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """qemuMonitorJSONArbitraryCommand: the caller's QMP text as it is, with libvirt's
        ``id`` added to a command; QEMU's whole reply as JSON text (errors included)."""
        from pyvirt.driver import json_from_text, json_to_text

        msg = json_from_text(text)
        if not isinstance(msg, dict):
            # (qemu.qmp, which carries pyvirt's monitor, sends JSON objects only)
            raise make_error(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU,
                             "a monitor command must be a JSON object")  # fmt: skip
        if "execute" in msg:  # (QEMU echoes an id only where it found a command)
            if "id" in msg:
                raise _monitor_error("Unable to append command 'id' string")
            msg["id"] = f"libvirt-{next(self._ids)}"
        client = self._live_client()
        # (numbers go back as QEMU wrote them: the message is sent as JSON text)
        raw = json_to_text(msg).encode()
        reply = self._run(client._raw(raw, assign_id=False), "a passed-on command", timeout)
        return json_to_text(json_from_text(bytes(reply).decode()))

    def send_fd(self, name: str, fd: int) -> None:
        """Pass *fd* to QEMU over the monitor socket (SCM_RIGHTS) and name it *name* with
        ``getfd``, for a later ``netdev_add ... fd=name`` (a hotplugged NIC's tap)."""
        client = self._live_client()

        async def send() -> None:
            client.send_fd_scm(fd)
            await client.execute("getfd", {"fdname": name})

        try:
            monitor_loop.run(send(), COMMAND_TIMEOUT)
        except ExecuteError as exc:
            raise _monitor_error(f"getfd: {exc}") from exc
        except (OSError, QMPError) as exc:
            raise MonitorClosed(
                f"operation failed: monitor of '{self.name}' closed during getfd",
                code=ErrorCode.OPERATION_FAILED,
                domain=ErrorDomain.QEMU,
            ) from exc

    def close(self) -> None:
        """Disconnect without touching QEMU (it keeps running)."""
        self.closed_by_us = True
        client, self._client = self._client, None
        tasks, self._tasks = self._tasks, []
        if client is None:
            return

        async def shut() -> None:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                await client.disconnect()

        with contextlib.suppress(Exception):
            monitor_loop.run(shut(), timeout=5.0)
