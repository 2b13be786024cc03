"""virsh's ``vol-upload`` and ``vol-download``: a local file to or from a volume, through a
stream (:class:`pyvirt.Stream`).

The order of checks and the messages are virsh's (cmdVolUpload, cmdVolDownload): the
numbers, the volume, the local file, then the transfer; a download that fails removes the file
only if it created it.  ``--sparse`` sends holes as holes (SEEK_DATA/SEEK_HOLE on the local
file) and writes them back as holes.  pyvirsh draws a progress bar on stderr while it moves
data, only when stderr is a terminal (virsh has none: piped output stays comparable).
"""

from __future__ import annotations

import errno
import os
import sys

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._format import strtol
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import volume

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pyvirt import Stream

#: VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM, VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM
_SPARSE = 1
_ULLONG = 2**64


def _number(p: Parsed, name: str, *, wrap: bool) -> int:
    """vshCommandOptULongLong (negative refused) or, with *wrap*, ...Wrap (a negative number
    wraps around, as strtoull does)."""
    text = p.str(name)
    if text is None:
        return 0
    r = strtol(text)
    negative = r is not None and r[0] and "-" in text
    if r is None or r[1] or abs(r[0]) >= _ULLONG or (negative and not wrap):
        raise Failure(f"Numeric value '{text}' for <{name}> option is malformed or out of range")
    return r[0] % _ULLONG


class _Progress:
    """A progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.shown = -1
        self.on = sys.stderr.isatty()

    def add(self, count: int) -> None:
        self.done += count
        if not self.on:
            return
        if self.total:
            percent = min(100, self.done * 100 // self.total)
            if percent != self.shown:
                self.shown = percent
                bar = "#" * (percent // 4)
                sys.stderr.write(f"\r[{bar:<25}] {percent:3d}%  {self.done >> 20} MiB")
        elif self.done >> 20 != self.shown:
            self.shown = self.done >> 20
            sys.stderr.write(f"\r{self.shown} MiB")
        sys.stderr.flush()

    def end(self) -> None:
        if self.on and self.shown >= 0:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _in_data(fd: int) -> tuple[bool, int]:
    """virFileInData: whether the file is in data at its position, and how far that lasts."""
    here = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        data = os.lseek(fd, here, os.SEEK_DATA)
    except OSError as exc:
        if exc.errno != errno.ENXIO:
            raise
        end = os.lseek(fd, 0, os.SEEK_END)  # a hole to the end of the file
        os.lseek(fd, here, os.SEEK_SET)
        return False, end - here
    if data > here:
        os.lseek(fd, here, os.SEEK_SET)
        return False, data - here
    hole = os.lseek(fd, here, os.SEEK_HOLE)
    os.lseek(fd, here, os.SEEK_SET)
    return True, hole - here


def cmd_vol_upload(ctl: Control, p: Parsed) -> bool:
    offset = _number(p, "offset", wrap=False)
    length = _number(p, "length", wrap=True)
    vol, name = volume(ctl, p)
    path = p.str("file") or ""
    sparse = p.bool("sparse")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        raise Failure(f"cannot read {path}") from None
    try:
        stream = ctl.conn.new_stream()
        try:
            vol.upload(stream, offset, length, _SPARSE if sparse else 0)
        except Exception as e:
            raise Failure(f"cannot upload to volume {name}", cause=e) from None
        progress = _Progress(length or _size(fd))
        _send(stream, fd, sparse, progress, name)
        progress.end()
        try:
            stream.finish()
        except Exception as e:
            raise Failure(f"cannot close volume {name}", cause=e) from None
    finally:
        os.close(fd)
    return True


def _size(fd: int) -> int:
    return max(os.fstat(fd).st_size - os.lseek(fd, 0, os.SEEK_CUR), 0)


def _send(stream: Stream, fd: int, sparse: bool, progress: _Progress, name: str) -> None:
    def read(_s: Any, nbytes: int) -> bytes:
        try:
            data = os.read(fd, nbytes)
        except OSError as exc:
            raise _handler_failed("send", exc) from None
        progress.add(len(data))
        return data

    def skip(_s: Any, length: int) -> None:
        os.lseek(fd, length, os.SEEK_CUR)
        progress.add(length)

    try:
        if sparse:
            stream.sparse_send_all(read, lambda _s: _in_data(fd), skip)
        else:
            stream.send_all(read)
    except Exception as e:
        raise Failure(f"cannot send data to volume {name}", cause=e) from None


def _handler_failed(which: str, exc: OSError) -> Exception:
    """virStreamSendAll / virStreamRecvAll's error when virsh's handler fails."""
    from pyvirt import ErrorCode, ErrorDomain, make_error

    return make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.STREAMS,
                      f"{which} handler failed: {exc.strerror or exc}")  # fmt: skip


def cmd_vol_download(ctl: Control, p: Parsed) -> bool:
    offset = _number(p, "offset", wrap=False)
    length = _number(p, "length", wrap=True)
    vol, name = volume(ctl, p)
    path = p.str("file") or ""
    sparse = p.bool("sparse")
    created = False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        created = True
    except OSError as exc:
        try:
            if exc.errno != errno.EEXIST:
                raise
            fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        except OSError:
            raise Failure(f"cannot create {path}") from None
    ok = False
    try:
        _download(ctl, vol, name, fd, offset, length, sparse)
        ok = True
    finally:
        os.close(fd)
        if not ok and created:
            os.unlink(path)
    return True


def _download(
    ctl: Control, vol: Any, name: str, fd: int, offset: int, length: int, sparse: bool
) -> None:
    stream = ctl.conn.new_stream()
    try:
        vol.download(stream, offset, length, _SPARSE if sparse else 0)
    except Exception as e:
        raise Failure(f"cannot download from volume {name}", cause=e) from None
    progress = _Progress(length or _remaining(vol, offset))
    from pyvirt._write_behind import WriteBehind

    # The file is written on a thread while the next piece arrives (see _write_behind).
    behind = WriteBehind(fd, "vol-download")
    at = 0  # where the next piece goes: the file was created or truncated

    def write(_s: Any, data: bytes | memoryview) -> None:
        nonlocal at
        try:
            behind.write(data, at)
        except OSError as exc:
            raise _handler_failed("recv", exc) from None
        at += len(data)
        progress.add(len(data))

    def hole(_s: Any, length: int) -> None:
        # virshStreamSkip: skip the hole and extend the file to cover it.
        nonlocal at
        at += length
        os.ftruncate(fd, at)
        progress.add(length)

    try:
        try:
            # views: a piece from pyvirtd goes from its receive buffer to the file uncopied
            if sparse:
                stream.sparse_recv_all(write, hole, views=True)
            else:
                stream.recv_all(write, views=True)
        finally:
            try:
                behind.close()
            except OSError as exc:
                raise _handler_failed("recv", exc) from None
    except Exception as e:
        raise Failure(f"cannot receive data from volume {name}", cause=e) from None
    progress.end()
    try:
        stream.finish()
    except Exception as e:
        raise Failure(f"cannot close volume {name}", cause=e) from None


def _remaining(vol: Any, offset: int) -> int:
    """The bytes a download to the end will move, for the progress bar (0: unknown)."""
    if not sys.stderr.isatty():
        return 0
    try:
        return max(int(vol.info().capacity) - offset, 0)
    except Exception:  # noqa: BLE001 - only the bar's scale depends on it
        return 0


def _opts(verb: str, where: str) -> tuple[Opt, ...]:
    return (
        Opt("vol", T.DATA, "vol name, key or path", req=True),
        Opt("file", T.DATA, "file", req=True),
        Opt("pool", T.STRING, "pool name or uuid"),
        Opt("offset", T.INT, f"volume offset to {verb} {where}"),
        Opt("length", T.INT, f"amount of data to {verb}"),
        Opt("sparse", T.BOOL, "preserve sparseness of volume"),
    )


COMMANDS = [
    Cmd(
        "vol-download",
        "volume",
        "download volume contents to a file",
        "Download volume contents to a file",
        _opts("download", "from"),
        cmd_vol_download,
    ),
    Cmd(
        "vol-upload",
        "volume",
        "upload file contents to a volume",
        "Upload file contents to a volume",
        _opts("upload", "to"),
        cmd_vol_upload,
    ),
]
