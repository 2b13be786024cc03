"""pyvirtd: the daemon that hosts state drivers in worker processes and serves clients.

``pyvirtd [--config FILE] [--pid-file FILE] [--timeout SECS] [--listen] [-v]`` runs in the
foreground.  Sockets live in ``/run/pyvirt`` as root (system mode), else in
``$XDG_RUNTIME_DIR/pyvirt`` (session mode); ``$PYVIRT_RUNTIME_DIR`` or the ``unix_sock_dir``
setting override that.
"""

from pyvirtd._cli import main

__all__ = ["main"]
