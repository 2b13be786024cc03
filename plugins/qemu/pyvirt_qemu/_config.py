"""Where the driver keeps its files, and atomic writes of persistent configuration.

Why atomic: a definition is the only copy of a user's guest.  It is written to a temporary
file in the same directory, flushed to disk, then renamed over the old one, so a crash or a
full disk leaves either the old file or the new one, never a torn mix; a failed write reports
libvirt's system error and leaves the previous definition untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyvirt import ErrorCode, ErrorDomain, make_error

__all__ = ["QemuPaths", "atomic_write", "remove_file"]


@dataclass(frozen=True)
class QemuPaths:
    """The driver's directories (libvirt: /etc/libvirt/qemu, /run/libvirt/qemu, ...)."""

    config_dir: Path  # persistent definitions, <name>.xml
    autostart_dir: Path  # symlinks to definitions that start with the daemon
    run_dir: Path  # status files of running domains, <name>.xml
    lib_dir: Path  # per-run directories holding monitor and channel sockets
    log_dir: Path  # QEMU's stdout/stderr, <name>.log
    #: dir storage pools: definitions (and autostart links), and the active ones' status,
    #: beside the driver's own directories as libvirt's /etc/libvirt/storage is.
    storage_config_dir: Path
    storage_run_dir: Path
    #: virtual networks: definitions (and autostart links), the active ones' status and
    #: dnsmasq pid files, and dnsmasq's configuration and leases (libvirt's
    #: /etc/libvirt/qemu/networks, /run/libvirt/network, /var/lib/libvirt/dnsmasq).
    network_config_dir: Path
    network_run_dir: Path
    network_state_dir: Path
    #: secrets: definitions and the persistent ones' values (libvirt's /etc/libvirt/secrets,
    #: beside its qemu directory; ~/.config/libvirt/secrets per user).
    secret_config_dir: Path

    @classmethod
    def for_mode(cls, *, privileged: bool, root: str | None) -> QemuPaths:
        """System paths as root, XDG paths per user; everything under *root* when given
        (``PYVIRT_QEMU_ROOT`` lets tests and embedders keep the driver in a temp dir)."""
        if root:
            base = Path(root)
            return cls(base / "etc", base / "etc" / "autostart", base / "run", base / "lib",
                       base / "log", base / "storage" / "etc", base / "storage" / "run",
                       base / "network" / "etc", base / "network" / "run",
                       base / "network" / "lib", base / "secrets")  # fmt: skip
        if privileged:
            return cls(Path("/etc/pyvirt/qemu"), Path("/etc/pyvirt/qemu/autostart"),
                       Path("/run/pyvirt/qemu"), Path("/var/lib/pyvirt/qemu"),
                       Path("/var/log/pyvirt/qemu"), Path("/etc/pyvirt/storage"),
                       Path("/run/pyvirt/storage"), Path("/etc/pyvirt/qemu/networks"),
                       Path("/run/pyvirt/network"), Path("/var/lib/pyvirt/dnsmasq"),
                       Path("/etc/pyvirt/secrets"))  # fmt: skip
        home = Path.home()
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "pyvirt" / "qemu"
        cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "pyvirt" / "qemu"
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        run = Path(runtime) / "pyvirt" / "qemu" if runtime else cache / "run"
        return cls(config, config / "autostart", run, cache / "lib", cache / "log",
                   config.parent / "storage", run.parent / "storage", config / "networks",
                   run.parent / "network", cache / "dnsmasq",
                   config.parent / "secrets")  # fmt: skip

    def create(self) -> None:
        for d in (self.config_dir, self.autostart_dir, self.run_dir, self.lib_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)


def atomic_write(path: Path, text: str, mode: int = 0o600, *, durable: bool = True) -> None:
    """Replace *path* with *text* all at once, or raise libvirt's system error.

    *durable* syncs the data to disk before the rename, for what must outlive the host
    (definitions, snapshots).  Run-time state (a running guest's status, an active
    network's or pool's) passes False: it lives as long as the host's uptime (libvirt keeps
    it under /run, a tmpfs, where a sync costs nothing), the rename alone keeps it whole
    across a daemon crash, and after a power loss its guests are gone anyway.  Synced, it
    cost a suspend or resume most of its time where the run directory is on a disk."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise make_error(
            ErrorCode.SYSTEM_ERROR,
            ErrorDomain.QEMU,
            f"cannot create file '{path}': {exc.strerror or exc}",
        ) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def remove_file(path: Path) -> None:
    """Remove *path*; a missing file is fine, any other failure is the system error."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise make_error(
            ErrorCode.SYSTEM_ERROR,
            ErrorDomain.QEMU,
            f"cannot remove config {path}: {exc.strerror or exc}",
        ) from exc
