"""Writing a stream's data to a file on a thread of its own, so that receiving the next piece
overlaps writing this one.

Why: a stream's receiver (the worker for an upload, pyvirsh for a download) spends most of
its time in the kernel copying each piece into the page cache (``write``), and one process
doing that and the receiving one after the other is the bottleneck of the whole transfer.
libvirt splits the two across processes (libvirtd and its iohelper); here a thread does the
writing, as ``os.pwrite`` releases the GIL.  The queue is bounded, so a disk slower than
the network holds the receiver back instead of filling memory.
"""

from __future__ import annotations

import errno
import os
import queue
import threading

__all__ = ["WriteBehind"]

#: Pieces (of up to 256 KiB each) that may wait for the writer.
DEPTH = 8


class WriteBehind:
    """Queue writes of bytes at given offsets of *fd*; a failure is raised by the next
    :meth:`write` or by :meth:`close` (as an :class:`OSError`), and the writes queued
    after it are dropped."""

    def __init__(self, fd: int, name: str = "write-behind") -> None:
        self.fd = fd
        self.error: OSError | None = None
        self._queue: queue.Queue[tuple[bytes | memoryview, int] | None] = queue.Queue(DEPTH)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        take = self._queue.get
        while (item := take()) is not None:
            if self.error is not None:
                continue  # drain what was queued before the failure was seen
            data, offset = item
            try:
                view = memoryview(data)
                while view:
                    written = os.pwrite(self.fd, view, offset)
                    offset += written
                    view = view[written:]
            except OSError as exc:
                self.error = exc
            except Exception as exc:  # noqa: BLE001 - a writer that died would hang write()
                self.error = OSError(errno.EIO, f"{os.strerror(errno.EIO)}: {exc}")

    def write(self, data: bytes | memoryview, offset: int) -> None:
        """Queue *data* for *offset* (waits while the queue is full)."""
        self._raise()
        self._queue.put((data, offset))

    def close(self) -> None:
        """Wait for every queued write; raise the first failure."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error
