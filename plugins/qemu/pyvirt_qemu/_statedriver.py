"""The QEMU state driver, hosted by pyvirtd in a worker process of its own: the instance
owns the driver object (:class:`~pyvirt_qemu._qemudriver.QemuDriver`) and opens connections
on it.

Why ``calls_may_block``: starting a guest or waiting for another call's job takes time, so
the worker runs this driver's calls on its thread pool.  ``quick_methods`` are the
exceptions, run on the worker's I/O thread: each only reads the driver's state under
``QemuDriver.lock``, which no call holds across a wait (QEMU's monitor, a job, a child
process), so a lookup or ``dominfo`` does not pay two thread hand-offs (measured: info()
through pyvirtd 0.16 ms on the pool against libvirtd's 0.10).
"""

from __future__ import annotations

import os
import shutil

from pyvirt import URI
from pyvirt.driver import AuthCallback, StateDriver, StateInitResult

from pyvirt_qemu._command import DEFAULT_EMULATOR
from pyvirt_qemu._config import QemuPaths
from pyvirt_qemu._driver import QemuConnectDriver, QemuConnection, open_qemu_connection
from pyvirt_qemu._jobs import DEFAULT_JOB_WAIT
from pyvirt_qemu._qemudriver import QemuDriver, env_accel


class QemuStateDriver(StateDriver):
    name = "QEMU"
    connect_driver = QemuConnectDriver
    calls_may_block = True
    quick_methods = frozenset({
        "connect_get_hostname", "connect_get_lib_version", "connect_get_type",
        "connect_get_uri", "connect_is_secure", "connect_list_all_domains",
        "domain_get_autostart", "domain_get_info", "domain_get_max_memory",
        "domain_get_os_type", "domain_get_state", "domain_has_managed_save_image",
        "domain_is_active", "domain_is_persistent", "domain_lookup_by_id",
        "domain_lookup_by_name", "domain_lookup_by_uuid",
    })  # fmt: skip

    def __init__(self) -> None:
        self._driver: QemuDriver | None = None

    def initialize(self, *, privileged: bool, root: str | None) -> StateInitResult:
        """SKIPPED when QEMU is not installed; otherwise load, reconnect and autostart.

        *root* (or ``PYVIRT_QEMU_ROOT``) puts every file of the driver under one directory,
        as libvirt's embedded driver root does; ``PYVIRT_QEMU_ACCEL`` forces tcg or kvm and
        ``PYVIRT_QEMU_JOB_WAIT`` shortens the job wait (both for tests).
        """
        if shutil.which(os.path.basename(DEFAULT_EMULATOR)) is None and not os.access(
            DEFAULT_EMULATOR, os.X_OK
        ):
            return StateInitResult.SKIPPED
        root = root or os.environ.get("PYVIRT_QEMU_ROOT") or None
        wait = float(os.environ.get("PYVIRT_QEMU_JOB_WAIT") or DEFAULT_JOB_WAIT)
        driver = QemuDriver(
            QemuPaths.for_mode(privileged=privileged, root=root),
            privileged=privileged,
            forced_accel=env_accel(),
            job_wait=wait,
        )
        driver.initialize()
        self._driver = driver
        return StateInitResult.COMPLETE

    def open_connection(
        self, uri: URI, *, read_only: bool, auth: AuthCallback | None = None
    ) -> QemuConnection | None:
        """A connection on this instance's guests (refused before :meth:`initialize`)."""
        return open_qemu_connection(self._driver, uri)

    def probe(self) -> str | None:
        driver = self._driver
        if driver is None:
            return None
        return "qemu:///system" if driver.privileged else "qemu:///session"

    def shutdown(self) -> None:
        """Stop watching the guests; they keep running and are reconnected next time."""
        if self._driver is not None:
            self._driver.close()

    def cleanup(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None
