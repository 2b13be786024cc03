"""pyvirtd: the daemon that hosts state drivers in worker processes and serves clients.

``pyvirtd [--config FILE] [--pid-file FILE] [--timeout SECS] [--listen] [-v]`` runs in the
foreground.  Sockets live in ``/run/pyvirt`` as root (system mode), else in
``$XDG_RUNTIME_DIR/pyvirt`` (session mode); ``$PYVIRT_RUNTIME_DIR`` or the ``unix_sock_dir``
setting override that.
"""

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """The ``pyvirtd`` command.  Imported on call: a worker process (``python -m
    pyvirtd._worker``) loads this package too, and needs neither the daemon nor zmq."""
    from pyvirtd._cli import main as run

    return run(argv)
