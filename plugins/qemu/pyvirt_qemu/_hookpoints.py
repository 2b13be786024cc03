"""libvirt's hook points for QEMU guests, as pluggy hooks, run outside every lock.

Why outside the domain's job: a hook may call back into the API (look the domain up, change
another one, even start this one again after it stopped), and anything that needs the job
would otherwise wait on itself.  So ``prepare`` and ``start`` run before a start takes the
job (a domain already running is refused first, without running them), ``started`` after
the start released it, and ``stopped``/``release`` are queued by whatever ends a run (under
the job) and fired once the job is released (:meth:`QemuDriver.job`).  A ``prepare`` or
``start`` that raises stops the start with libvirt's VIR_ERR_HOOK_SCRIPT_FAILED and leaves
the domain as it was; a failure of the later hooks is logged, as libvirt logs a failing
``stopped``/``release`` script, because what happened cannot be undone.

The XML given is the definition the run uses (live XML while running, the inactive one
before a start), like the XML libvirt feeds a hook script on stdin.
"""

from __future__ import annotations

import logging

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import DomainDef, format_domain_xml
from pyvirt.driver import call_hook

__all__ = ["PREPARE", "RELEASE", "STARTED", "STOPPED", "run_hooks"]

log = logging.getLogger("pyvirt.qemu")

PREPARE = ("pyvirt_domain_prepare", "pyvirt_domain_start")
STARTED = ("pyvirt_domain_started",)
STOPPED = ("pyvirt_domain_stopped", "pyvirt_domain_release")
RELEASE = ("pyvirt_domain_release",)
_VETO = frozenset(PREPARE)


def run_hooks(names: tuple[str, ...], defn: DomainDef, live_id: int = -1) -> None:
    """Call each hook in *names* for *defn*; the caller holds no lock and no job."""
    from pyvirt._hooks import hooks_active

    if not hooks_active():
        return  # no plugin anywhere: do not even format the XML
    if live_id >= 0:
        xml = format_domain_xml(defn, live_id=live_id)
    else:
        xml = format_domain_xml(defn, inactive=True)
    for name in names:
        try:
            call_hook(name, driver="QEMU", name=defn.name, uuid=defn.uuid, xml=xml)
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
            if name in _VETO:
                raise make_error(ErrorCode.HOOK_SCRIPT_FAILED, ErrorDomain.HOOK,
                                 f"{name}: {exc}") from exc  # fmt: skip
            log.warning("hook %s of %s failed: %s", name, defn.name, exc)
