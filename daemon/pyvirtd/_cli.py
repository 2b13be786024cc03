"""Command line of pyvirtd: options, pid file, start-up and clean exit.

Under systemd it takes the listening sockets passed to it (pyvirtd._activation) and reports
readiness (pyvirtd._notify); ``--install-units`` writes the units (pyvirtd._units) and
``--print-config`` the settings in effect (pyvirtd._config).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import socket
import sys
from importlib.metadata import version

from pyvirt.rpc import default_rundir

from pyvirtd import _logsetup
from pyvirtd._activation import ActivationError, passed_sockets
from pyvirtd._config import Config, ConfigError, effective_config, find_config, load_config
from pyvirtd._daemon import Daemon, discover_state_drivers
from pyvirtd._logsetup import LogSettings
from pyvirtd._notify import Notifier


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyvirtd", description="pyvirt daemon: hosts drivers and serves pyvirt clients"
    )
    parser.add_argument(
        "-f",
        "--config",
        help="configuration file (default: /etc/pyvirt/pyvirtd.toml as root,"
        " $XDG_CONFIG_HOME/pyvirt/pyvirtd.toml otherwise, when present)",
    )
    parser.add_argument("-p", "--pid-file", help="write the daemon's pid to this file")
    parser.add_argument(
        "-t", "--timeout", type=int, default=None, help="exit after SECS seconds without clients"
    )
    parser.add_argument("-l", "--listen", action="store_true", help="also listen on the network: TLS (and plain TCP) per the config, as libvirtd")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument(
        "--print-config", action="store_true", help="print the settings in effect and exit"
    )
    parser.add_argument(
        "--install-units",
        action="store_true",
        help="write pyvirtd's systemd units (service and sockets) and exit",
    )
    parser.add_argument(
        "--prefix",
        metavar="DIR",
        help="with --install-units: write into DIR/lib/systemd/system instead of"
        " /etc/systemd/system (root) or $XDG_CONFIG_HOME/systemd/user",
    )
    parser.add_argument(
        "-V", "--version", action="version", version=f"pyvirtd {version('pyvirtd')}"
    )
    return parser


def _take_pidfile(path: str) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise _Refused(f"another daemon holds the pid file {path}") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


class _Refused(Exception):
    """Start-up refused before anything of ours existed: nothing to clean up."""


def _install_units(prefix: str | None) -> int:
    from pyvirtd._units import InstallError, install_units, next_steps

    try:
        written = install_units(prefix)
    except InstallError as exc:
        print(f"pyvirtd: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    print(next_steps(prefix))
    return 0


def _ready_status(daemon: Daemon, rundir: str) -> str:
    serving = sorted(w.name for w in daemon.workers.values() if w.proc is not None)
    drivers = ", ".join(serving) if serving else "no driver"
    return f"serving {drivers} in {rundir}"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.install_units:
        return _install_units(args.prefix)
    if args.prefix is not None:
        parser.error("--prefix goes with --install-units")
    if args.timeout is not None and args.timeout <= 0:
        print("pyvirtd: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    origin = find_config(args.config)
    try:
        config = load_config(origin)
    except ConfigError as exc:
        print(f"pyvirtd: {exc}", file=sys.stderr)
        return 2
    rundir = config.unix_sock_dir or default_rundir()
    if args.print_config:
        print(effective_config(config, origin, rundir), end="")
        return 0
    level = "INFO" if args.verbose else config.log_level.upper()
    if args.verbose:
        config.log_level = "INFO"
    _logsetup.configure(LogSettings(level, config.log_format, config.log_filters), "pyvirtd")
    notifier = Notifier()
    try:
        adopted = passed_sockets()
    except ActivationError as exc:
        print(f"pyvirtd: socket activation: {exc}", file=sys.stderr)
        return 1
    return _run(config, rundir, args, adopted, notifier)


def _run(
    config: Config,
    rundir: str,
    args: argparse.Namespace,
    adopted: dict[str, socket.socket],
    notifier: Notifier,
) -> int:
    # The pid file in the runtime dir is always taken: it is what keeps a second daemon off
    # this runtime dir (and its sockets), whatever --pid-file says.
    pid_paths = [os.path.join(rundir, "pyvirtd.pid")]
    if args.pid_file and os.path.abspath(args.pid_file) != os.path.abspath(pid_paths[0]):
        pid_paths.append(args.pid_file)
    pid_fds: list[tuple[str, int]] = []
    daemon = Daemon(config, rundir, listen=args.listen, timeout=args.timeout, adopted=adopted)
    daemon.config_path = args.config
    try:
        try:
            os.makedirs(rundir, mode=0o755, exist_ok=True)
            for path in pid_paths:
                pid_fds.append((path, _take_pidfile(path)))
        except (OSError, _Refused) as exc:
            # Refused before binding anything: the sockets here (if any) are another daemon's.
            print(f"pyvirtd: {exc}", file=sys.stderr)
            return 1
        try:
            notifier.status("starting the drivers' workers")
            daemon.start(discover_state_drivers())
            notifier.ready(_ready_status(daemon, rundir))
            daemon.serve()
        except OSError as exc:
            print(f"pyvirtd: {exc}", file=sys.stderr)
            return 1
        finally:
            notifier.stopping()
            daemon.stop()
    finally:
        for path, fd in pid_fds:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            os.close(fd)
    return 0
