"""The driver's end of a volume stream on a file (pyvirt.driver.FileStream): writes run on a
thread behind the stream (pyvirt._write_behind), so their order, their offsets and their
failures are checked here, without a daemon."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyvirt import ErrorCode, VirtError
from pyvirt.driver import FileStream


def test_pieces_and_holes_land_at_their_offsets(tmp_path: Path) -> None:
    path = tmp_path / "vol.img"
    path.write_bytes(b"")
    end = FileStream(str(path), 4, 0, writing=True)
    pieces = [os.urandom(size) for size in (1, 300_000, 17, 256 * 1024)]
    for piece in pieces[:2]:
        end.write(piece)
    end.write_hole(1000)
    for piece in pieces[2:]:
        end.write(piece)
    end.write_hole(5)  # ends in a hole: the file grows to cover it
    end.finish()
    expected = bytes(4) + pieces[0] + pieces[1] + bytes(1000) + pieces[2] + pieces[3] + bytes(5)
    assert path.read_bytes() == expected


def test_a_write_failing_behind_is_reported_by_finish_with_libvirts_words() -> None:
    end = FileStream("/dev/full", 0, 0, writing=True)
    end.write(b"x" * 1000)
    with pytest.raises(VirtError) as err:
        end.finish()
    assert err.value.code == ErrorCode.SYSTEM_ERROR
    assert str(err.value) == "Unable to write to '/dev/full': No space left on device"
    end.finish()  # closed: nothing more to report


def test_a_write_failing_behind_is_reported_by_a_later_write() -> None:
    end = FileStream("/dev/full", 0, 0, writing=True)
    with pytest.raises(VirtError) as err:
        for _ in range(1000):  # the writer fails the first; a later write sees it
            end.write(b"x" * 4096)
    assert str(err.value) == "Unable to write to '/dev/full': No space left on device"
    end.abort()


def test_an_abort_keeps_what_was_sent_before_it(tmp_path: Path) -> None:
    path = tmp_path / "vol.img"
    path.write_bytes(bytes(10))
    end = FileStream(str(path), 0, 10, writing=True)
    end.write(b"abc")
    end.abort()
    assert path.read_bytes() == b"abc" + bytes(7)


def test_a_writer_failing_in_an_unexpected_way_still_reports_instead_of_hanging(
    tmp_path: Path,
) -> None:
    from pyvirt._write_behind import DEPTH, WriteBehind

    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    try:
        behind = WriteBehind(fd)
        behind.write(object(), 0)  # type: ignore[arg-type] - not bytes: the writer fails
        with pytest.raises(OSError, match="Input/output error"):
            for _ in range(DEPTH * 4):  # more than the queue holds: must not block forever
                behind.write(b"x", 0)
        with pytest.raises(OSError):
            behind.close()
    finally:
        os.close(fd)
