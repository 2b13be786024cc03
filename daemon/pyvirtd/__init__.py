"""pyvirtd: the daemon that hosts state drivers in worker processes and serves clients.

``pyvirtd [--config FILE] [--pid-file FILE] [--timeout SECS] [--listen] [-v]`` runs in the
foreground.  Sockets live in ``/run/pyvirt`` as root (system mode), else in
``$XDG_RUNTIME_DIR/pyvirt`` (session mode); ``$PYVIRT_RUNTIME_DIR`` or the ``unix_sock_dir``
setting override that.  The config file defaults to ``/etc/pyvirt/pyvirtd.toml`` (root) or
``$XDG_CONFIG_HOME/pyvirt/pyvirtd.toml``; ``--print-config`` shows the settings in effect.
Under systemd (``--install-units`` writes the units) it serves the sockets passed to it and
reports readiness: see ``docs/daemon-systemd.md``.
"""

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """The ``pyvirtd`` command.  Imported on call: a worker process (``python -m
    pyvirtd._worker``) loads this package too, and needs neither the daemon nor zmq."""
    from pyvirtd._cli import main as run

    return run(argv)
