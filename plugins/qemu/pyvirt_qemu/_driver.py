"""The QEMU connect driver: which URIs it takes, and the connection object.

Why it is not registered under ``pyvirt.drivers``: like libvirt's, the QEMU driver lives in
the daemon only (a client opening ``qemu:///system`` goes through the remote driver to
pyvirtd), so two processes never manage the same guests.  Connections are opened on a
:class:`~pyvirt_qemu.QemuStateDriver` instance, which owns the driver state: pyvirtd's worker
does it through :meth:`~pyvirt.driver.StateDriver.open_connection`, and tests and embedders
do the same in-process.  :class:`QemuConnectDriver` itself only names the scheme.
"""

from __future__ import annotations

import functools
import itertools
import re
import socket
import subprocess
from collections.abc import Callable

from pyvirt import URI, ErrorCode, ErrorDomain, ObjectEvent, make_error
from pyvirt.driver import AuthCallback, ConnectDriver, DriverConnection

from pyvirt_qemu._addresses import AddressOps
from pyvirt_qemu._agent_guest_ops import AgentGuestOps
from pyvirt_qemu._agent_ops import AgentOps
from pyvirt_qemu._block_iotune import BlockIoTuneOps
from pyvirt_qemu._block_jobs import BlockJobOps
from pyvirt_qemu._block_ops import BlockOps
from pyvirt_qemu._caps_ops import CapsOps
from pyvirt_qemu._command import DEFAULT_EMULATOR
from pyvirt_qemu._domain_misc_ops import DomainMiscOps
from pyvirt_qemu._domain_ops import DomainOps
from pyvirt_qemu._domstats_ops import DomainStatsOps
from pyvirt_qemu._dump_ops import DumpOps
from pyvirt_qemu._guest_power_ops import GuestPowerOps
from pyvirt_qemu._host_ops import HostOps
from pyvirt_qemu._hotplug_ops import HotplugOps
from pyvirt_qemu._iface_ops import InterfaceOps
from pyvirt_qemu._iothread_ops import IOThreadOps
from pyvirt_qemu._metadata_ops import MetadataOps
from pyvirt_qemu._migration_params_ops import MigrationParamOps
from pyvirt_qemu._network_ops import NetworkOps
from pyvirt_qemu._passthrough_ops import PassthroughOps
from pyvirt_qemu._perf_ops import PerfOps
from pyvirt_qemu._qemudriver import QemuDriver
from pyvirt_qemu._save_ops import SaveOps
from pyvirt_qemu._secret_ops import SecretOps
from pyvirt_qemu._snapshot_ops import SnapshotOps
from pyvirt_qemu._stats_ops import StatsOps
from pyvirt_qemu._tune_ops import TuneOps
from pyvirt_qemu._update_ops import UpdateDeviceOps
from pyvirt_qemu._vcpu_ops import VcpuOps
from pyvirt_qemu._volume_ops import VolumeOps

__all__ = ["QemuConnectDriver", "QemuConnection", "open_qemu_connection"]

LIB_VERSION = 9000000
_tokens = itertools.count(1)


@functools.lru_cache(maxsize=4)
def _qemu_version(emulator: str) -> int:
    """``QEMU emulator version 7.2.22`` → 7002022, as libvirt reports hypervisor versions."""
    try:
        out = subprocess.run([emulator, "--version"], capture_output=True, text=True,
                             timeout=30).stdout  # fmt: skip
    except OSError:
        return 0
    m = re.search(r"version (\d+)\.(\d+)\.(\d+)", out)
    return int(m[1]) * 1_000_000 + int(m[2]) * 1_000 + int(m[3]) if m else 0


class QemuConnection(
    DomainOps,
    StatsOps,
    DomainStatsOps,
    VcpuOps,
    IOThreadOps,
    TuneOps,
    MetadataOps,
    SnapshotOps,
    SaveOps,
    MigrationParamOps,
    PerfOps,
    InterfaceOps,
    GuestPowerOps,
    DumpOps,
    UpdateDeviceOps,
    HotplugOps,
    VolumeOps,
    NetworkOps,
    AddressOps,
    AgentOps,
    AgentGuestOps,
    CapsOps,
    PassthroughOps,
    HostOps,
    DomainMiscOps,
    BlockOps,
    BlockIoTuneOps,
    BlockJobOps,
    SecretOps,
    DriverConnection,
):
    def __init__(self, driver: QemuDriver, uri: str) -> None:
        self.driver = driver
        self.storage = driver.storage
        self.networks = driver.networks
        self.secrets = driver.secrets
        self.uri = uri
        self._subscriptions: dict[int, Callable[[ObjectEvent], None]] = {}

    def connect_get_type(self) -> str:
        return "QEMU"

    def connect_get_uri(self) -> str:
        return self.uri

    def connect_get_version(self) -> int:
        return _qemu_version(DEFAULT_EMULATOR)

    def connect_get_lib_version(self) -> int:
        return LIB_VERSION

    def connect_get_hostname(self) -> str:
        return socket.gethostname()

    def connect_is_secure(self) -> bool:
        return True

    def connect_event_subscribe(self, listener: Callable[[ObjectEvent], None]) -> int:
        token = next(_tokens)
        with self.driver.lock:
            self._subscriptions[token] = listener
            self.driver.listeners.append(listener)
        return token

    def connect_event_unsubscribe(self, token: int) -> None:
        with self.driver.lock:
            listener = self._subscriptions.pop(token, None)
            if listener is not None and listener in self.driver.listeners:
                self.driver.listeners.remove(listener)

    def connect_close(self) -> None:
        self.driver.monitor_events.drop(self)
        for token in list(self._subscriptions):
            self.connect_event_unsubscribe(token)


def open_qemu_connection(driver: QemuDriver | None, uri: URI) -> QemuConnection | None:
    """A connection on *driver* for *uri* (``qemu:///system`` when privileged, else
    ``qemu:///session``); None for another scheme or a remote URI (declined)."""
    if uri.scheme != "qemu" or uri.server:
        return None
    if driver is None:
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                         "qemu state driver is not active")  # fmt: skip
    expected = "/system" if driver.privileged else "/session"
    if uri.path != expected:
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                         f"unexpected QEMU URI path '{uri.path}', try qemu://{expected}")  # fmt: skip
    return QemuConnection(driver, f"qemu://{expected}")


class QemuConnectDriver(ConnectDriver):
    """Names the ``qemu`` scheme for pyvirtd's routing.  Opening through it in a process
    that is not pyvirtd's worker is refused: the guests belong to the daemon (open the
    connection on a :class:`~pyvirt_qemu.QemuStateDriver` instead)."""

    name = "QEMU"
    uri_schemes = ("qemu",)
    local_only = True

    @classmethod
    def open(
        cls, uri: URI | None, *, read_only: bool, auth: AuthCallback | None
    ) -> DriverConnection | None:
        if uri is None:
            return None
        return open_qemu_connection(None, uri)
