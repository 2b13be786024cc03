"""The remote driver: takes every URI no local driver accepts and opens it through pyvirtd."""

from __future__ import annotations

import os

from pyvirt import NodeDeviceRecord
from pyvirt.driver import AuthCallback, ConnectDriver, DriverConnection
from pyvirt.rpc import RemoteConnection, default_rundir, resolve

# Not typing.TYPE_CHECKING: this module is imported on every remote pyvirsh run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import URI

AUTOSTART_WAIT = 5.0


class _RemoteDriverConnection(RemoteConnection):
    """libvirt's remote driver on top of the session: where its handles differ from a local
    driver's, so must ours.

    libvirt's remote protocol identifies a node device by name only, so a device the remote
    driver creates caches no parent (a local driver caches the one the XML asked for), and
    its ``parent()`` asks the daemon, which answers the created device's own."""

    def node_device_create_xml(self, xml: str, flags: int) -> NodeDeviceRecord:
        created = super().node_device_create_xml(xml, flags)
        return NodeDeviceRecord(created.name, "")


def _autostart(uri: URI | None, read_only: bool) -> None:
    """Start a per-user session daemon when none runs, as libvirt does for non-root users.

    Only for the default socket of a non-root user (never for ``?socket=`` or root), and not
    when ``PYVIRT_AUTOSTART=0``.  The daemon exits by itself after 30 idle seconds.
    """
    if os.geteuid() == 0 or os.environ.get("PYVIRT_AUTOSTART", "1") == "0":
        return
    target = resolve(uri, read_only=read_only)
    if target.socket_path is None or (uri is not None and uri.param("socket")):
        return
    if os.path.exists(target.socket_path):
        return
    # Imported only now: the daemon is nearly always running, and these cost milliseconds.
    import shutil
    import subprocess
    import sys
    import time

    daemon = shutil.which("pyvirtd")
    cmd = [daemon] if daemon else [sys.executable, "-m", "pyvirtd"]
    os.makedirs(default_rundir(), mode=0o700, exist_ok=True)
    subprocess.Popen(
        [*cmd, "--timeout", "30"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + AUTOSTART_WAIT
    while time.monotonic() < deadline and not os.path.exists(target.socket_path):
        time.sleep(0.05)


class RemoteDriver(ConnectDriver):
    """Forwards a connection to pyvirtd (libvirt's remote driver)."""

    name = "remote"
    uri_schemes = None
    local_only = False
    is_remote = True

    @classmethod
    def open(
        cls, uri: URI | None, *, read_only: bool, auth: AuthCallback | None
    ) -> DriverConnection | None:
        _autostart(uri, read_only)
        return _RemoteDriverConnection.open(uri, read_only=read_only, auth=auth)
