"""Opening a running guest's console: the pty or unix socket QEMU serves a serial port on.

Why hand back a file descriptor: the bytes go straight between the guest's serial port and
whoever reads the console (pyvirsh's console loop, a test); the driver only finds the
device and opens it, as libvirt's qemuDomainOpenConsole does before it ties the result to
a stream.  A pty is put in raw mode (libvirt does the same) so neither side's line
discipline echoes, buffers or rewrites what passes through.
"""

from __future__ import annotations

import contextlib
import os
import socket
import termios
import tty

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import ChardevDef, DomainDef

__all__ = ["chardev_alias", "console_device", "open_console"]


def chardev_alias(live: DomainDef, ch: ChardevDef) -> str:
    """libvirt's alias of a character device: serialN, consoleN, channelN."""
    port = ch.target.get("port", "0")
    if ch.kind == "console" and ch.target.get("type", "serial") == "serial":
        return f"serial{port}"  # the console that mirrors serial N is that serial port
    if ch.kind == "channel":
        channels = [c for c in live.chardevs if c.kind == "channel"]
        return f"channel{channels.index(ch)}"
    return f"{ch.kind}{port}"


def _find(live: DomainDef, dev_name: str | None) -> ChardevDef | None:
    if dev_name is None:
        # libvirt: the first <console>, else the first <serial>.
        for kind in ("console", "serial"):
            for ch in live.chardevs:
                if ch.kind == kind:
                    return _serial_of(live, ch)
        return None
    for ch in live.chardevs:
        if chardev_alias(live, ch) == dev_name:
            return _serial_of(live, ch)
    return None


def _serial_of(live: DomainDef, ch: ChardevDef) -> ChardevDef:
    """A serial-type console is a view of its serial port: open the port itself."""
    if ch.kind == "console" and ch.target.get("type", "serial") == "serial":
        port = ch.target.get("port", "0")
        for serial in live.chardevs:
            if serial.kind == "serial" and serial.target.get("port", "0") == port:
                return serial
    return ch


def console_device(live: DomainDef, dev_name: str | None) -> str:
    """What names the device *dev_name* opens, for one session per device: its alias
    (``None`` and ``serial0`` are often the same port)."""
    ch = _find(live, dev_name)
    return chardev_alias(live, ch) if ch is not None else f"?{dev_name}"


def open_console(live: DomainDef, dev_name: str | None) -> int:
    """Open the console device *dev_name* of the running definition *live*."""
    ch = _find(live, dev_name)
    if ch is None:
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                         f"cannot find character device {dev_name or '<null>'}")  # fmt: skip
    alias = chardev_alias(live, ch)
    path = (ch.sources[0] if ch.sources else {}).get("path", "")
    if ch.type == "pty" and path:
        try:
            fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as exc:
            raise _system(f"Unable to open console device '{path}'", exc) from exc
        try:
            tty.setraw(fd)
        except termios.error as exc:
            os.close(fd)
            raise _system(f"Unable to set raw mode on '{path}'", OSError(*exc.args)) from exc
        return fd
    if ch.type == "unix" and path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                sock.close()
            raise _system(f"Unable to connect to console socket '{path}'", exc) from exc
        return sock.detach()
    raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                     f"character device {alias} is not using a PTY or a UNIX socket")  # fmt: skip


def _system(what: str, exc: OSError) -> VirtError:
    return make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.QEMU, f"{what}: {exc.strerror or exc}")
