"""libvirt's hook points for QEMU guests: the kit's :func:`pyvirt.driver.run_domain_hooks`
bound to this driver's name, run outside every lock.

Why outside the domain's job: a hook may call back into the API (look the domain up, change
another one, even start this one again after it stopped), and anything that needs the job
would otherwise wait on itself.  So ``prepare`` and ``start`` run before a start takes the
job (a domain already running is refused first, without running them), ``started`` after
the start released it, and ``stopped``/``release`` are queued by whatever ends a run (under
the job) and fired once the job is released (:meth:`QemuDriver.job`).  The veto and failure
policy is the kit's: a ``prepare`` or ``start`` that raises stops the start with
VIR_ERR_HOOK_SCRIPT_FAILED; a failure of the later hooks is logged.

The XML given is the definition the run uses (live XML while running, the inactive one
before a start), like the XML libvirt feeds a hook script on stdin.
"""

from __future__ import annotations

from pyvirt.conf import DomainDef
from pyvirt.driver import DomainHookPhase, run_domain_hooks

__all__ = ["PREPARE", "RELEASE", "STARTED", "STOPPED", "run_hooks"]

PREPARE = DomainHookPhase.PREPARE
STARTED = DomainHookPhase.STARTED
STOPPED = DomainHookPhase.STOPPED
RELEASE = DomainHookPhase.RELEASE


def run_hooks(phase: DomainHookPhase, defn: DomainDef, live_id: int = -1) -> None:
    """Run the hooks of *phase* for *defn*; the caller holds no lock and no job."""
    run_domain_hooks(phase, driver="QEMU", defn=defn, live_id=live_id)
