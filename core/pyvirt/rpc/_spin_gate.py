"""Whether a wait may poll before it sleeps: only while a core is idle, as the kernel says.

Both the synchronous client (waiting for a reply) and pyvirtd's loop (waiting for the next
call) poll for a few tens of microseconds before they sleep: a sleep and wake-up costs 20-50
us on a virtual machine, more than the poll.  That pays only while a core is idle.  When
every core is busy (more client processes than cores, or other work on the machine), a
polling thread holds a core that the peer needs to produce what it waits for, and the poll
ends only when the scheduler takes it away.

The kernel counts, for each thread, the time it spent runnable but waiting for a CPU
(``/proc/thread-self/schedstat``, second field, in nanoseconds).  That is the direct measure
of "no idle core": a thread woken on a machine with an idle core runs at once.  A
:class:`SpinGate` reads it every ``every`` waits and lets the next ``every`` waits poll only
if the waits of the window just past spent less than ``limit_us`` each, on average, queued
for a CPU.  Measured on the 2-core benchmark machine: one client process queues for 0-8 us
per call, four queue for 20-90 us, so the default limit of 10 us tells the two apart.
Polling makes the gate close itself once it starts to crowd the cores.

The state is per thread (the counter is the calling thread's), so a gate is a
:class:`threading.local`.  Where the kernel keeps no such counter, the gate stays open: the
callers' own back-off after a poll that saw nothing still applies.
"""

from __future__ import annotations

import os
import threading

# Not typing.TYPE_CHECKING: the client imports this module on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

#: Waits between two readings of the counter: one ``open``/``read``/``close`` per window.
SPIN_GATE_EVERY = 64
#: Mean time (us) a wait of the last window spent queued for a CPU, above which polling stops.
SPIN_GATE_LIMIT_US = 10.0
_SCHEDSTAT = "/proc/thread-self/schedstat"


def queued_ns() -> int | None:
    """Nanoseconds the calling thread has spent runnable but waiting for a CPU, or None
    when the kernel does not say (no schedstat).

    Read with ``os.open``/``os.read``: three system calls and no file object, where
    ``open()`` makes a buffered reader and asks seven (fstat, ioctl, lseek ...); measured,
    24k instructions per reading against 4k, and every waiting thread reads it every
    ``SPIN_GATE_EVERY`` waits."""
    try:
        fd = os.open(_SCHEDSTAT, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return int(os.read(fd, 128).split()[1])
    except (OSError, ValueError, IndexError):
        return None
    finally:
        os.close(fd)


class SpinGate(threading.local):
    """``allows()`` before each poll: True while this thread's recent waits found a core
    idle (see the module's docstring).  *source* gives the thread's queued nanoseconds
    (:func:`queued_ns` by default; a test gives its own figures)."""

    def __init__(
        self,
        every: int = SPIN_GATE_EVERY,
        limit_us: float = SPIN_GATE_LIMIT_US,
        source: Callable[[], int | None] = queued_ns,
    ) -> None:
        self.every = every
        self.limit_ns = limit_us * 1000.0 * every  # over a whole window
        self.source = source
        self.open = True
        self._left = 0  # waits before the next reading (0: read at the next wait)
        self._last: int | None = None

    def allows(self) -> bool:
        """Whether this wait may poll; counts the wait."""
        self._left -= 1
        if self._left <= 0:
            self._read()
        return self.open

    def _read(self) -> None:
        self._left = self.every
        now = self.source()
        if now is None:
            self.open = True
            self._last = None
            return
        if self._last is not None:
            self.open = now - self._last <= self.limit_ns
        self._last = now
