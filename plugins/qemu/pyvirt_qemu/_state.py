"""The QEMU state driver, hosted by pyvirtd in a worker process of its own.

Why ``calls_may_block``: starting a guest or waiting for another call's job takes time, so
the worker runs this driver's calls on its thread pool.
"""

from __future__ import annotations

import os
import shutil

from pyvirt.driver import StateDriver, StateInitResult

from pyvirt_qemu._command import DEFAULT_EMULATOR
from pyvirt_qemu._config import QemuPaths
from pyvirt_qemu._driver import QemuConnectDriver, current_driver, set_current_driver
from pyvirt_qemu._driverstate import QemuDriver, env_accel
from pyvirt_qemu._jobs import DEFAULT_JOB_WAIT


class QemuStateDriver(StateDriver):
    name = "QEMU"
    connect_driver = QemuConnectDriver
    calls_may_block = True
    _driver: QemuDriver | None = None

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
        set_current_driver(driver)
        return StateInitResult.COMPLETE

    def shutdown(self) -> None:
        """Stop watching the guests; they keep running and are reconnected next time."""
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()

    def cleanup(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()
            if current_driver() is driver:
                set_current_driver(None)
            self._driver = None
