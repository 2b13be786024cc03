"""The test driver's screenshot (libvirt 9.0's testDomainScreenshot).

libvirt's test driver streams a PNG it installs with itself, whatever the domain's state and
whichever screen is asked for; pyvirt's draws its own picture instead (a grey ramp with a
border, the size of libvirt's), made once per process with zlib, so the answer has the
same shape (a PNG and the type ``image/png``) without shipping anybody's image.
"""

from __future__ import annotations

from pyvirt import DomainRef, ErrorDomain
from pyvirt.driver import unsupported_flags

from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt_test._objects import TestDomain

#: The picture's size: libvirt's test screenshot's.
_WIDTH, _HEIGHT = 1120, 832
_png: bytes | None = None


def _chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def screen_png() -> bytes:
    """An 8-bit greyscale PNG: a horizontal grey ramp inside a white border."""
    global _png
    if _png is None:
        import struct
        import zlib

        ramp = bytes(32 + (x * 160) // _WIDTH for x in range(_WIDTH))
        edge = b"\xff" * _WIDTH
        body = b"\xff" * 8 + ramp[8:-8] + b"\xff" * 8
        rows = b"".join(
            b"\x00" + (edge if y < 8 or y >= _HEIGHT - 8 else body) for y in range(_HEIGHT)
        )
        header = struct.pack(">IIBBBBB", _WIDTH, _HEIGHT, 8, 0, 0, 0, 0)
        _png = (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows, 9))
            + _chunk(b"IEND", b"")
        )
    return _png


class ScreenshotOps:
    """Mixin for the test connection: virDomainScreenshot."""

    state: TestState

    if TYPE_CHECKING:

        def _dom(self, ref: DomainRef) -> TestDomain: ...  # DomainOps's

    def domain_screenshot(self, dom: DomainRef, screen: int, flags: int) -> bytes:
        """libvirt's test driver checks its flags and the domain, and nothing else: a
        shut-off domain and any screen number get the picture too."""
        unsupported_flags(flags, 0, "testDomainScreenshot", ErrorDomain.TEST)
        with self.state.lock:
            self._dom(dom)
        return screen_png()
