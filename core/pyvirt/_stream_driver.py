"""The driver's end of a stream (libvirt's fdstream): what a stream-opening driver method
(``storage_vol_upload``, ``storage_vol_download``) hands back.

Why a small object rather than a file descriptor: the same driver end is served in process
(the public :class:`pyvirt.Stream` calls it directly) and by pyvirtd's worker (which feeds it
from STREAM messages and pumps it into them, see :mod:`pyvirtd._streams`), and sparse
transfers need holes as well as bytes.  A piece read from a stream is ``bytes`` (``b""`` at
the end) or an ``int``: a hole of that many bytes, given only when the reader asked for
holes.
"""

from __future__ import annotations

import errno
import os

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import VirtError, make_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._write_behind import WriteBehind

__all__ = ["BytesStream", "DriverStream", "FdStream", "FileStream", "Piece"]

#: One piece of a stream: data (``b""``: the end) or the length of a hole.  Data is bytes, or
#: a view of the buffer a remote stream's piece was received into (pyvirt.rpc's client hands
#: large pieces over uncopied); :class:`pyvirt.Stream` gives its callers bytes either way.
Piece = bytes | memoryview | int


class DriverStream:
    """The driver's end of one stream.  Every method a stream does not serve raises
    VIR_ERR_OPERATION_UNSUPPORTED (an upload cannot be read from, a download not written to).
    """

    #: Set by a non-blocking :class:`pyvirt.Stream` (VIR_STREAM_NONBLOCK): :meth:`read`
    #: then raises :class:`BlockingIOError` rather than wait for data that is not there yet
    #: (a stream whose data is always at hand, a file's, never waits anyway).
    nonblocking = False

    def read(self, nbytes: int, holes: bool) -> Piece:
        """At most *nbytes* of data (``b""`` at the end); with *holes*, a hole's length
        (an ``int``) when the stream is at one."""
        raise _stream_unsupported("reading from this stream")

    def write(self, data: bytes | memoryview) -> None:
        """Take *data*: bytes, or a view of the buffer a remote client's piece was received
        into (pyvirtd hands a large piece over uncopied); the stream may keep either."""
        raise _stream_unsupported("writing to this stream")

    def write_hole(self, length: int) -> None:
        """Take a hole of *length* bytes (a sparse upload skips them)."""
        raise _stream_unsupported("holes on this stream")

    def finish(self) -> None:
        """The transfer is complete: make it so (flush, truncate, close)."""

    def abort(self) -> None:
        """The transfer was abandoned: release what the stream holds."""

    def fileno(self) -> int:
        """A descriptor that is readable when :meth:`read` has something, for a stream fed
        by a device (a console); -1 (the default): :meth:`read` is always ready."""
        return -1


def _stream_unsupported(what: str) -> VirtError:
    return make_error(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.STREAMS, what)


def _system(what: str, exc: OSError) -> VirtError:
    return make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.STREAMS, f"{what}: {exc.strerror or exc}")


class FileStream(DriverStream):
    """A stream on a local file, from *offset* for *length* bytes (0: to the end), as
    libvirt's ``virFDStreamOpenFile`` serves a volume upload or download.

    Reading with holes uses ``SEEK_DATA``/``SEEK_HOLE``, so a sparse download sends a hole's
    length rather than its zeros; writing a hole skips it (each write goes to its own
    offset), and :meth:`finish` extends the file when the upload ended in one.  Writing past *length* fails with ENOSPC, as
    libvirt's does.
    """

    def __init__(self, path: str, offset: int, length: int, *, writing: bool) -> None:
        self.path = path
        self.writing = writing
        try:
            self.fd = os.open(path, (os.O_WRONLY if writing else os.O_RDONLY) | os.O_CLOEXEC)
        except OSError as exc:
            raise _system(f"Unable to open stream for '{path}'", exc) from exc
        try:
            os.lseek(self.fd, offset, os.SEEK_SET)
        except OSError as exc:
            os.close(self.fd)
            raise _system(f"Unable to seek {path} to {offset}", exc) from exc
        self.pos = offset
        self.end = offset + length if length else None
        self.closed = False
        #: An upload's writes go through a thread (see :mod:`pyvirt._write_behind`).
        self.behind: WriteBehind | None = None

    def _left(self, nbytes: int) -> int:
        return nbytes if self.end is None else max(0, min(nbytes, self.end - self.pos))

    def read(self, nbytes: int, holes: bool) -> Piece:
        """The next piece of the file (virFDStreamRead; with *holes*, virFDStreamInData's
        view of where the data and the holes are)."""
        want = self._left(nbytes)
        if want == 0:
            return b""
        if holes:
            hole = self._hole_here()
            if hole:
                length = self._left(hole)
                os.lseek(self.fd, self.pos + length, os.SEEK_SET)
                self.pos += length
                return length
            want = min(want, self._data_left())
        try:
            data = os.read(self.fd, want)
        except OSError as exc:
            raise _system(f"Unable to read from '{self.path}'", exc) from exc
        self.pos += len(data)
        return data

    def _hole_here(self) -> int:
        """The length of the hole at the current position (0: data, or the end)."""
        try:
            data = os.lseek(self.fd, self.pos, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no data after pos, a hole to the end
                return 0
            data = os.fstat(self.fd).st_size
        os.lseek(self.fd, self.pos, os.SEEK_SET)
        return data - self.pos

    def _data_left(self) -> int:
        """Bytes of data from the current position up to the next hole."""
        try:
            hole = os.lseek(self.fd, self.pos, os.SEEK_HOLE)
        except OSError:
            return 1 << 62
        os.lseek(self.fd, self.pos, os.SEEK_SET)
        return max(hole - self.pos, 1)

    def write(self, data: bytes | memoryview) -> None:
        """virFDStreamWrite: what fits before *length* is written, the rest fails with
        ENOSPC ("cannot write to stream: No space left on device").  The write itself runs
        behind (a failure is raised by the next write or by :meth:`finish`)."""
        fits = len(data) if self.end is None else max(0, self.end - self.pos)
        if fits:
            behind = self.behind
            if behind is None:
                from pyvirt._write_behind import WriteBehind

                behind = self.behind = WriteBehind(self.fd, "stream-write")
            try:
                behind.write(data if fits == len(data) else memoryview(data)[:fits], self.pos)
            except OSError as exc:
                raise _system(f"Unable to write to '{self.path}'", exc) from exc
            self.pos += fits
        if fits < len(data):
            self._drain()  # what fits is in the file when the refusal is seen
            raise _system(
                "cannot write to stream", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            )

    def write_hole(self, length: int) -> None:
        """virFDStreamSendHole: skip *length* bytes (writes go to their own offsets; the
        file grows at finish)."""
        if length < 0 or (self.end is not None and self.pos + length > self.end):
            raise _system(
                "cannot write to stream", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            )
        self.pos += length

    def _drain(self) -> None:
        """Wait for the writes still running behind; raise their failure."""
        behind, self.behind = self.behind, None
        if behind is not None:
            try:
                behind.close()
            except OSError as exc:
                raise _system(f"Unable to write to '{self.path}'", exc) from exc

    def finish(self) -> None:
        """Extend the file over a hole the upload ended in, and close it."""
        if self.closed:
            return
        try:
            self._drain()
            self._extend()
        finally:
            self.abort()

    def _extend(self) -> None:
        try:
            if self.writing and os.fstat(self.fd).st_size < self.pos:
                os.ftruncate(self.fd, self.pos)  # the upload ended in a hole
        except OSError as exc:
            raise _system(f"Unable to finish the stream on '{self.path}'", exc) from exc

    def abort(self) -> None:
        """Close the file, leaving it as far as it was written (as libvirt leaves it)."""
        if not self.closed:
            self.closed = True
            try:
                self._drain()  # what was sent before the abort is written, as libvirt's is
            except VirtError:
                pass
            finally:
                os.close(self.fd)


class FdStream(DriverStream):
    """A two-way stream on a descriptor that data arrives on by itself (a guest console:
    libvirt's ``virFDStreamOpen`` on a pty or socket).  :meth:`read` never waits: call it
    when :meth:`fileno` is readable; it raises :class:`BlockingIOError` when nothing is
    there after all.  The end of the device (EOF, or EIO from a pty whose other side is
    gone) reads as ``b""``."""

    #: How long a write waits for a device that does not take the data.
    WRITE_TIMEOUT = 10.0

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        self.closed = False

    def fileno(self) -> int:
        """The device's descriptor: readable when :meth:`read` has something."""
        return self.fd

    def read(self, nbytes: int, holes: bool) -> Piece:
        """What the device has now, at most *nbytes*."""
        try:
            return os.read(self.fd, nbytes)
        except BlockingIOError:
            raise
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.ECONNRESET):
                return b""
            raise _system("cannot read from stream", exc) from exc

    def write(self, data: bytes | memoryview) -> None:
        """Hand *data* to the device, waiting (a little) while it is full."""
        import select

        view = memoryview(data)
        poller = select.poll()
        poller.register(self.fd, select.POLLOUT)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                if not poller.poll(self.WRITE_TIMEOUT * 1000):
                    raise _system(
                        "cannot write to stream", OSError(errno.ETIMEDOUT, "timed out")
                    ) from None
            except OSError as exc:
                raise _system("cannot write to stream", exc) from exc

    def finish(self) -> None:
        """Close the device's descriptor."""
        self.abort()

    def abort(self) -> None:
        """Close the device's descriptor."""
        if not self.closed:
            self.closed = True
            os.close(self.fd)


class BytesStream(DriverStream):
    """A download of bytes the driver already holds (a screenshot's PNG): pyvirtd sends them
    as stream data, as libvirt streams virDomainScreenshot's image, so an image is never
    held to the size of one message."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def read(self, nbytes: int, holes: bool) -> Piece:
        """The next *nbytes* of the data (``b""`` at the end)."""
        piece = bytes(self.data[self.pos : self.pos + nbytes])
        self.pos += len(piece)
        return piece
