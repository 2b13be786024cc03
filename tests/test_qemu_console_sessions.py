"""The QEMU driver's rule of one console session per device holds when two opens race
(pyvirtd serves a driver's calls on a thread pool), with real pipes for the device."""

from __future__ import annotations

import os
import threading
import time

import pyvirt
from pyvirt_qemu._console_sessions import ConsoleSessions


def test_two_opens_at_once_give_one_session_and_one_refusal() -> None:
    sessions = ConsoleSessions()
    ready = threading.Barrier(2)
    outcomes: list[object] = []
    kept: list[int] = []

    def slow_device() -> int:
        time.sleep(0.2)  # the device takes a while to open: both callers are inside open()
        reader, writer = os.pipe()
        kept.append(writer)
        return reader

    def open_console() -> None:
        ready.wait()
        try:
            outcomes.append(sessions.open("dom/serial0", slow_device, False))
        except pyvirt.VirtError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=open_console) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fds = [o for o in outcomes if isinstance(o, int)]
    refusals = [o for o in outcomes if isinstance(o, pyvirt.VirtError)]
    try:
        assert len(fds) == 1 and len(refusals) == 1
        assert str(refusals[0]) == "operation failed: Active console session exists for this domain"
    finally:
        for fd in fds + kept:
            os.close(fd)
