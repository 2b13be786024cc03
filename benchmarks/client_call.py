"""Where a client's CPU per ``info()`` goes: the Python path alone, without the socket.

The twin of ``benchmarks/worker_call.py`` for the other end.  ``benchmarks/rpc.py`` shows that
with 4 and 16 client processes on a 2-core machine the clients, not the worker, spend most of
the CPU per call (docs/internals/multicore.md, "With many client processes"); this isolates
the part of it that is pyvirt's own Python: from ``Domain.info`` through the generated stub,
the session, the link and the channel to the socket and back, with the socket of the worker
link replaced by one that takes every send at once and answers every ``recv`` with a reply
recorded from the real daemon.  No system call, no wait, no wake-up: what is left is
interpreter work, which is what a busy machine multiplies (cold caches after every switch).

Printed: CPU per call of the real round trip (socket, daemon, wake-ups; on an idle core the
client's own polling) and of the Python path alone (best of 7 rounds of N calls, this
process's CPU time), and the function calls (Python and C) one ``info()`` makes, counted with
``sys.setprofile``: the count does not depend on the load, so it is the figure to compare
before and after a change on this shared machine.

Run: .venv/bin/python benchmarks/client_call.py [N]
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _daemons import best_of, conditions, start_pyvirtd  # noqa: E402


class _RecordingSocket:
    """The worker link's socket, keeping what each ``recv`` returned."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.received: list[bytes] = []

    def recv(self, size: int, flags: int = 0) -> bytes:
        data: bytes = self.real.recv(size, flags)
        self.received.append(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _CannedSocket:
    """Takes every send whole and answers every ``recv`` with one recorded reply."""

    def __init__(self, real: Any, reply: bytes) -> None:
        self.real = real
        self.reply = reply

    def send(self, data: bytes, flags: int = 0) -> int:
        return len(data)

    def recv(self, size: int, flags: int = 0) -> bytes:
        return self.reply

    def setsockopt(self, *args: Any) -> None:
        pass

    def fileno(self) -> int:
        return int(self.real.fileno())


def calls_per(fn: Callable[[], object], n: int = 1000) -> float:
    """Function calls (Python and C) per call of *fn*."""
    count = 0

    def profile(_frame: FrameType, event: str, _arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        for _ in range(n):
            fn()
    finally:
        sys.setprofile(None)
    return count / n - 1  # (the loop's own call of fn)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(f"conditions at start: {conditions()}")
    with tempfile.TemporaryDirectory(prefix="pvclientcall-", dir="/tmp") as tmp:
        rundir = Path(tmp) / "run"
        rundir.mkdir()
        daemon = start_pyvirtd(rundir)
        os.environ["PYVIRT_RUNTIME_DIR"] = str(rundir)
        try:
            import pyvirt

            conn = pyvirt.open("test+unix:///default")
            dom = conn.lookup_domain_by_name("test")
            real_cpu = best_of(dom.info, n // 4, 3)
            link = conn._driver._worker  # type: ignore[attr-defined]
            channel = link.channel
            real = channel._sock
            recording = channel._sock = _RecordingSocket(real)
            dom.info()
            reply = recording.received[-1]
            serial = next(link._serials) - 1  # the serial of the recorded reply
            channel._sock = _CannedSocket(real, reply)
            link._serials = itertools.repeat(serial)
            print(f"{'client, one info()':<40}{'CPU us/call':>12}")
            print(f"  {'round trip through pyvirtd':<38}{real_cpu * 1e6:>12.2f}")
            print(f"  {'Python path alone (canned reply)':<38}{best_of(dom.info, n, 7) * 1e6:>12.2f}")
            print(f"  {'function calls per info()':<38}{calls_per(dom.info):>12.1f}")
            channel._sock = real
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(15)
    print(f"conditions at end: {conditions()}")


if __name__ == "__main__":
    main()
