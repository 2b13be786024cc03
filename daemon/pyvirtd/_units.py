"""``pyvirtd --install-units``: write the systemd units shipped in this package.

The units (``pyvirtd/systemd/``) are libvirtd's set: ``pyvirtd.service`` (``Type=notify``)
started by ``pyvirtd.socket``, ``pyvirtd-ro.socket`` and ``pyvirtd-admin.socket``.  Their
socket paths use ``%t`` (``/run`` for system units, ``$XDG_RUNTIME_DIR`` for user units), which
is where pyvirtd looks by default in each mode, so one set serves both.  The service's
``ExecStart`` is written with the ``pyvirtd`` being run, so a unit started from a venv runs
that venv's daemon.
"""

from __future__ import annotations

import os
import shutil
import sys
from importlib.resources import files

UNITS = ("pyvirtd.service", "pyvirtd.socket", "pyvirtd-ro.socket", "pyvirtd-admin.socket")
PLACEHOLDER = "@PYVIRTD@"


class InstallError(Exception):
    """The units cannot be written: the message says where and why."""


def unit_dir(prefix: str | None) -> str:
    """Where units go: ``PREFIX/lib/systemd/system`` for a packager's staging tree, else the
    administrator's ``/etc/systemd/system`` as root, or the user's
    ``$XDG_CONFIG_HOME/systemd/user`` for a session daemon."""
    if prefix is not None:
        return os.path.join(prefix, "lib", "systemd", "system")
    if os.geteuid() == 0:
        return "/etc/systemd/system"
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "systemd", "user")


def pyvirtd_executable() -> str:
    """The absolute path of the ``pyvirtd`` command that is running (or its venv's)."""
    if os.path.basename(sys.argv[0]) == "pyvirtd" and os.path.isfile(sys.argv[0]):
        return os.path.abspath(sys.argv[0])
    beside = shutil.which("pyvirtd", path=os.path.dirname(sys.executable))
    found = beside or shutil.which("pyvirtd")
    if found is None:
        raise InstallError("cannot find the pyvirtd command to name in pyvirtd.service")
    return os.path.abspath(found)


def unit_text(name: str, executable: str) -> str:
    """The shipped unit *name*, ready to install."""
    text = files("pyvirtd").joinpath("systemd", name).read_text(encoding="utf-8")
    return text.replace(PLACEHOLDER, executable)


def install_units(prefix: str | None) -> list[str]:
    """Write every unit into :func:`unit_dir`; return the paths written."""
    directory = unit_dir(prefix)
    executable = pyvirtd_executable()
    written = []
    try:
        os.makedirs(directory, exist_ok=True)
        for name in UNITS:
            path = os.path.join(directory, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(unit_text(name, executable))
            os.chmod(path, 0o644)
            written.append(path)
    except OSError as exc:
        raise InstallError(f"cannot write the units into {directory}: {exc.strerror}") from None
    return written


def next_steps(prefix: str | None) -> str:
    """What to run after installing, for the mode the units went to."""
    if prefix is not None:
        return "units staged; on the target: systemctl daemon-reload"
    user = "--user " if os.geteuid() != 0 else ""
    sockets = " ".join(u for u in UNITS if u.endswith(".socket"))
    return f"now: systemctl {user}daemon-reload && systemctl {user}enable --now {sockets}"
