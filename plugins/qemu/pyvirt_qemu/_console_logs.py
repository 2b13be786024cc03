"""Console log files (``<serial><log file=… append=…/>``) opened by pyvirtd for QEMU.

Why: the privileged driver runs QEMU as libvirt's DAC user, who may not reach the log's
directory (libvirt's own /var/log/libvirt/qemu is root's alone).  libvirt hands the file
over as a descriptor its log daemon opened; so does pyvirtd: it opens each log itself
(created 0600, emptied first where ``append='off'``) and QEMU gets the descriptor in an
fd set (``-add-fd``, ``logfile=/dev/fdset/N``).
"""

from __future__ import annotations

import contextlib
import os

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import DomainDef

__all__ = ["close_console_logs", "open_console_logs"]


def open_console_logs(live: DomainDef) -> dict[str, int]:
    """Each console log path of *live* → a descriptor open for appending."""
    fds: dict[str, int] = {}
    try:
        for chardev in live.chardevs:
            for el in chardev.extra:
                path = el.get("file") if el.tag == "log" else None
                if not path or path in fds:
                    continue
                flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
                if el.get("append") == "off":
                    flags |= os.O_TRUNC
                try:
                    fds[path] = os.open(path, flags, 0o600)
                except OSError as exc:
                    raise make_error(ErrorCode.SYSTEM_ERROR, ErrorDomain.QEMU,  # libvirt's text
                                     f"Unable to open file: {path}: "
                                     f"{exc.strerror or exc}") from None  # fmt: skip
    except BaseException:
        close_console_logs(fds)
        raise
    return fds


def close_console_logs(fds: dict[str, int]) -> None:
    for fd in fds.values():
        with contextlib.suppress(OSError):
            os.close(fd)
