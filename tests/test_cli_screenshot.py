"""``screenshot`` on the test driver: virsh's messages and exit codes, in process and through
both daemons, and the file is a whole PNG of libvirt's test picture's size (the picture is
pyvirt's own)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh


def _png_size(data: bytes) -> tuple[int, int]:
    """Check every chunk's CRC and the image data's length; the width and height."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert kind == b"IEND"
    assert len(zlib.decompress(idat)) == (size[0] + 1) * size[1]  # a filter byte per row
    return size


@needs_virsh
@pytest.mark.parametrize(
    "commands",
    [
        "screenshot test {dir}/shot.png",
        "screenshot test {dir}/shot.png --screen 3",
        "destroy test; screenshot test {dir}/shot.png",  # libvirt's test driver does not mind
        "screenshot nosuch {dir}/shot.png",
        "screenshot test {dir}/no/such/dir/shot.png",
    ],
)
def test_screenshot_as_virsh(uri: str, tmp_path: Path, commands: str) -> None:
    compare("-c", uri, commands.format(dir=tmp_path))


@needs_virsh
def test_read_only_connections_may_take_a_screenshot(uri: str, tmp_path: Path) -> None:
    compare("-r", "-c", uri, f"screenshot test {tmp_path}/shot.png")


def test_the_file_is_a_whole_png(tmp_path: Path) -> None:
    import pyvirt

    with pyvirt.open("test:///default") as conn:
        png = conn.lookup_domain_by_name("test").screenshot()
    assert _png_size(png) == (1120, 832)
