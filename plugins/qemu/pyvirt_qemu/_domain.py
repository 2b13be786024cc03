"""The driver's domain object: definitions, live state, the job slot and the running QEMU.

Why the split between ``defn`` and ``live``: like libvirt's ``def``/``newDef``, the
definition a domain boots with next time may change while it runs (a redefine), and the
running one carries data only a run has (id, pty paths, the VNC port).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyvirt import DomainRecord, DomainRef, DomainState, ListDomainsFlags
from pyvirt.conf import DomainDef

from pyvirt_qemu._jobs import JobLock
from pyvirt_qemu._monitor import Monitor
from pyvirt_qemu._process import QemuProcess

__all__ = ["QemuDomain", "Run", "matches_list_flags"]


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
    job: JobLock = field(default_factory=JobLock)

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
                            self.persistent, self.autostart, False)  # fmt: skip


_L = ListDomainsFlags


def _pair(flags: int, yes: int, no: int, value: bool) -> bool:
    wanted = flags & (yes | no)
    return not wanted or bool(wanted & (yes if value else no))


def matches_list_flags(dom: QemuDomain, flags: int) -> bool:
    """libvirt's virDomainObjListFilter for the flags this driver can answer."""
    if not flags:
        return True
    if not (
        _pair(flags, _L.ACTIVE, _L.INACTIVE, dom.active)
        and _pair(flags, _L.PERSISTENT, _L.TRANSIENT, dom.persistent)
        and _pair(flags, _L.AUTOSTART, _L.NO_AUTOSTART, dom.autostart)
        and _pair(flags, _L.MANAGEDSAVE, _L.NO_MANAGEDSAVE, False)
    ):
        return False
    states = flags & (_L.RUNNING | _L.PAUSED | _L.SHUTOFF | _L.OTHER)
    if states:
        bit = {DomainState.RUNNING: _L.RUNNING, DomainState.PAUSED: _L.PAUSED,
               DomainState.SHUTOFF: _L.SHUTOFF}.get(dom.state, _L.OTHER)  # fmt: skip
        if not states & bit:
            return False
    snaps = _L.HAS_SNAPSHOT | _L.HAS_CHECKPOINT
    return not flags & snaps or bool(flags & (_L.NO_SNAPSHOT | _L.NO_CHECKPOINT))
