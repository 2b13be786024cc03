"""Command line of pyvirtd: options, pid file, start-up and clean exit."""

from __future__ import annotations

import argparse
import fcntl
import os
import sys

import zmq
from pyvirt.rpc._paths import default_rundir

from pyvirtd import _logsetup
from pyvirtd._config import ConfigError, load_config
from pyvirtd._daemon import Daemon, discover_state_drivers
from pyvirtd._logsetup import LogSettings

VERSION = "0.1.0"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyvirtd", description="pyvirt daemon: hosts drivers and serves pyvirt clients"
    )
    parser.add_argument("-f", "--config", help="configuration file (pyvirtd.toml)")
    parser.add_argument("-p", "--pid-file", help="write the daemon's pid to this file")
    parser.add_argument(
        "-t", "--timeout", type=int, default=None, help="exit after SECS seconds without clients"
    )
    parser.add_argument("-l", "--listen", action="store_true", help="also listen on TCP")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument("-V", "--version", action="version", version=f"pyvirtd {VERSION}")
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.timeout is not None and args.timeout <= 0:
        print("pyvirtd: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"pyvirtd: {exc}", file=sys.stderr)
        return 2
    level = "INFO" if args.verbose else config.log_level.upper()
    if args.verbose:
        config.log_level = "INFO"
    _logsetup.configure(LogSettings(level, config.log_format, config.log_filters), "pyvirtd")
    rundir = config.unix_sock_dir or default_rundir()
    # The pid file in the runtime dir is always taken: it is what keeps a second daemon off
    # this runtime dir (and its sockets), whatever --pid-file says.
    pid_paths = [os.path.join(rundir, "pyvirtd.pid")]
    if args.pid_file and os.path.abspath(args.pid_file) != os.path.abspath(pid_paths[0]):
        pid_paths.append(args.pid_file)
    pid_fds: list[tuple[str, int]] = []
    daemon = Daemon(config, rundir, listen=args.listen, timeout=args.timeout)
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
            daemon.start(discover_state_drivers())
            daemon.serve()
        except (OSError, zmq.ZMQError) as exc:
            print(f"pyvirtd: {exc}", file=sys.stderr)
            return 1
        finally:
            daemon.stop()
    finally:
        for path, fd in pid_fds:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            os.close(fd)
    return 0
