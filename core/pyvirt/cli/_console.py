"""virsh console's terminal loop: the user's terminal joined to a guest's console.

Why raw mode and one escape byte: every key, Ctrl-C included, must reach the guest, so the
terminal is put in raw mode for the session and restored however it ends; only the escape
character (``^]`` unless ``-e`` says otherwise) is kept back, and ends the session as in
virsh.  The session also ends when the console closes (the guest went away).
"""

from __future__ import annotations

import os
import selectors
import termios
import tty

__all__ = ["escape_byte", "run_console"]


def escape_byte(escape: str) -> int:
    """virsh's vshGetEscapeChar: ``^X`` is Ctrl-X, anything else its own first character."""
    if escape.startswith("^") and len(escape) == 2:
        return ord(escape[1].upper()) ^ 0x40
    return ord(escape[0])


def run_console(console_fd: int, escape: int, tty_in: int = 0, tty_out: int = 1) -> None:
    """Copy keystrokes from *tty_in* to the console and the console to *tty_out* until the
    user types *escape* or the console closes; *tty_in*'s terminal modes are restored."""
    saved = termios.tcgetattr(tty_in)
    tty.setraw(tty_in)
    sel = selectors.DefaultSelector()
    try:
        sel.register(tty_in, selectors.EVENT_READ, "keys")
        sel.register(console_fd, selectors.EVENT_READ, "guest")
        while True:
            for key, _ in sel.select():
                data = _read(key.fd)
                if key.data == "guest":
                    if not data:
                        return
                    _write_all(tty_out, data)
                    continue
                if not data:
                    return
                cut = data.find(bytes([escape]))
                _write_all(console_fd, data if cut < 0 else data[:cut])
                if cut >= 0:
                    return
    finally:
        sel.close()
        termios.tcsetattr(tty_in, termios.TCSAFLUSH, saved)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # EIO: the other end of a pty closed
        return b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
