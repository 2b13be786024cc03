"""pyvirtd.toml: libvirt's daemon knobs with libvirt's defaults, checked on load.

A setting of the wrong type or out of range stops the daemon with a message naming the key,
the file and what was expected, never a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields


class ConfigError(Exception):
    """The configuration file is unreadable or holds a bad value."""


@dataclass
class Config:
    unix_sock_dir: str = ""
    unix_sock_rw_perms: str = "0700"
    unix_sock_ro_perms: str = "0777"
    listen_addr: str = "127.0.0.1"
    tcp_port: int = 16509
    max_clients: int = 5000
    max_anonymous_clients: int = 20
    min_workers: int = 5
    max_workers: int = 20
    prio_workers: int = 5
    max_client_requests: int = 5
    keepalive_interval: int = 5
    keepalive_count: int = 5
    max_message_size: int = 16 * 1024 * 1024
    #: pyvirt's own: how long (microseconds) a worker keeps polling after serving, before it
    #: sleeps; 0 turns it off.  See pyvirtd._transport.
    poll_spin_us: int = 50
    log_level: str = "WARNING"
    #: "text" (time-stamped lines) or "json" (one JSON object per line); see pyvirtd._logsetup
    log_format: str = "text"
    #: levels per logger, "pyvirtd.transport=DEBUG pyvirtd.worker=ERROR"; re-read on SIGHUP
    log_filters: str = ""
    #: "ADDRESS:PORT" of the OpenMetrics endpoint; "" (the default) serves no metrics
    metrics_listen: str = ""
    #: seconds between two refreshes of the guest metrics (domains by state, CPU, memory)
    metrics_interval: int = 15

    def check(self, origin: str) -> None:
        def fail(key: str, what: str) -> ConfigError:
            return ConfigError(f"{origin}: '{key}' {what}")

        for key in ("max_clients", "max_workers", "max_client_requests", "max_message_size"):
            if getattr(self, key) <= 0:
                raise fail(key, "must be greater than 0")
        for key in ("max_anonymous_clients", "min_workers", "prio_workers", "keepalive_count"):
            if getattr(self, key) < 0:
                raise fail(key, "must not be negative")
        if not 0 <= self.poll_spin_us <= 10000:
            raise fail("poll_spin_us", "must be between 0 and 10000 (microseconds)")
        if self.min_workers > self.max_workers:
            raise fail("min_workers", "cannot be larger than max_workers")
        if self.keepalive_interval == 0 or self.keepalive_interval < -1:
            raise fail("keepalive_interval", "must be -1 (off) or a positive number of seconds")
        if not 0 < self.tcp_port < 65536:
            raise fail("tcp_port", "must be a port number (1-65535)")
        if self.max_message_size > 256 * 1024 * 1024:
            raise fail("max_message_size", "must be at most 268435456")
        for key in ("unix_sock_rw_perms", "unix_sock_ro_perms"):
            try:
                mode = int(getattr(self, key), 8)
            except ValueError:
                raise fail(key, 'must be an octal mode such as "0700"') from None
            if not 0 <= mode <= 0o777:
                raise fail(key, 'must be an octal mode such as "0700"')
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise fail("log_level", "must be one of DEBUG, INFO, WARNING, ERROR")
        self._check_observability(fail)

    def _check_observability(self, fail: Callable[[str, str], ConfigError]) -> None:
        from pyvirtd._logsetup import FORMATS, parse_filters
        from pyvirtd._metrics_http import parse_listen

        if self.log_format not in FORMATS:
            raise fail("log_format", f"must be one of {', '.join(FORMATS)}")
        try:
            parse_filters(self.log_filters)
        except ValueError as exc:
            raise fail("log_filters", f"is malformed: {exc}") from None
        if self.metrics_listen:
            try:
                parse_listen(self.metrics_listen)
            except ValueError as exc:
                raise fail("metrics_listen", str(exc)) from None
        if not 1 <= self.metrics_interval <= 3600:
            raise fail("metrics_interval", "must be between 1 and 3600 (seconds)")

    def mode(self, kind: str) -> int:
        return int(self.unix_sock_ro_perms if kind == "ro" else self.unix_sock_rw_perms, 8)


def load_config(path: str | None) -> Config:
    config = Config()
    if path is None:
        return config
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text") from None
    known = {f.name: f for f in fields(Config)}
    for key, value in data.items():
        spec = known.get(key)
        if spec is None:
            raise ConfigError(f"{path}: unknown setting '{key}'")
        expected = type(getattr(config, key))
        if type(value) is not expected:
            raise ConfigError(
                f"{path}: '{key}' must be {'an integer' if expected is int else 'a string'}"
            )
        setattr(config, key, value)
    config.check(path)
    return config
