"""The driver's domain object: definitions, live state, the job slot and the running QEMU.

Why the split between ``defn`` and ``live``: like libvirt's ``def``/``newDef``, the
definition a domain boots with next time may change while it runs (a redefine), and the
running one carries data only a run has (id, pty paths, the VNC port).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyvirt import DomainRecord, DomainRef, DomainState
from pyvirt.conf import DomainDef

from pyvirt_qemu._jobs import JobLock
from pyvirt_qemu._monitor import Monitor
from pyvirt_qemu._perf import PerfCounters
from pyvirt_qemu._process import QemuProcess

__all__ = ["MIGRATION_BANDWIDTH_MAX", "QemuDomain", "Run"]

#: libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX in MiB/s: the largest cap QEMU takes (bytes/s).
MIGRATION_BANDWIDTH_MAX = (2**63 - 1) // (1024 * 1024)


@dataclass(eq=False)
class Run:
    """One run of QEMU for a domain; callbacks compare identities so that a late event of
    an earlier run never touches the current one."""

    proc: QemuProcess
    monitor: Monitor
    lib_dir: Path
    log_offset: int
    #: The guest (or a signal) said it is shutting down: its end-of-file is a shutdown.
    got_shutdown: bool = False
    #: The guest panicked (pvpanic): the STOP that follows is the panic's, not a pause.
    panicked: bool = False
    #: reboot() asked for a power-down: its SHUTDOWN event means reset and continue.
    fake_reboot: bool = False
    #: destroy or a handled shutdown owns the ending: event and EOF handlers keep out.
    stopping: bool = False
    #: Detaches waiting for QEMU's DEVICE_DELETED, by device id.
    device_waiters: dict[str, threading.Event] = field(default_factory=dict)
    #: Devices asked to leave (device_del) and not gone yet: id -> (device, backend cleanup).
    pending_removals: dict[str, tuple[Any, list[tuple[str, str]]]] = field(default_factory=dict)
    #: Devices whose removal the guest refused (DEVICE_UNPLUG_GUEST_ERROR) while a detach
    #: waited: it reports libvirt's "rejected by the guest".
    rejected_removals: set[str] = field(default_factory=set)
    #: The guest agent's connection (pyvirt_qemu._agent.Agent), made on first use.
    agent: Any = None
    #: libvirt's taints noted (in the domain's log) during this run: "custom-monitor" ...
    taints: set[str] = field(default_factory=set)
    #: The host perf counters <perf> enabled on this QEMU (virsh perf, domstats --perf).
    perf: PerfCounters = field(default_factory=PerfCounters)
    #: Block nodes (by index) whose write threshold was set naming the index ("vda[3]"):
    #: their BLOCK_THRESHOLD event names the disk so too (pyvirt_qemu._block_ops).
    thresholds_by_index: set[int] = field(default_factory=set)
    #: Block jobs running, by disk target (pyvirt_qemu._block_jobs.BlockJob).
    block_jobs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class QemuDomain:
    defn: DomainDef
    persistent: bool
    autostart: bool = False
    live: DomainDef | None = None
    state: DomainState = DomainState.SHUTOFF
    reason: int = 0
    id: int = -1
    run: Run | None = None
    #: A managed save image waits in the driver's save directory for the next start.
    managed_save: bool = False
    job: JobLock = field(default_factory=JobLock)
    #: guest-agent-timeout (VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_*, or seconds): -1 default.
    agent_timeout: int = -1
    #: migrate-setspeed's cap in MiB/s, kept while shut off too (libvirt's migMaxBandwidth).
    migration_bandwidth: int = MIGRATION_BANDWIDTH_MAX

    @property
    def name(self) -> str:
        return self.defn.name

    @property
    def uuid(self) -> str:
        return self.defn.uuid

    @property
    def active(self) -> bool:
        return self.run is not None

    def ref(self) -> DomainRef:
        return DomainRef(self.name, self.uuid, self.id)

    def record(self) -> DomainRecord:
        return DomainRecord(self.name, self.uuid, self.id, self.state, self.reason,
                            self.persistent, self.autostart, self.managed_save)  # fmt: skip
