"""Where the daemon's sockets live; shared so the client and pyvirtd always agree.

``$PYVIRT_RUNTIME_DIR`` overrides both sides (tests and side-by-side daemons use it); else
``/run/pyvirt`` for root (system mode) and ``$XDG_RUNTIME_DIR/pyvirt`` for other users
(session mode), as libvirt splits ``/run/libvirt`` and ``$XDG_RUNTIME_DIR/libvirt``.
"""

from __future__ import annotations

import os


def default_rundir() -> str:
    explicit = os.environ.get("PYVIRT_RUNTIME_DIR")
    if explicit:
        return explicit
    if os.geteuid() == 0:
        return "/run/pyvirt"
    base = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pyvirt")


def daemon_socket(rundir: str, read_only: bool) -> str:
    return os.path.join(rundir, "pyvirt-sock-ro" if read_only else "pyvirt-sock")
