"""One policy for a domain's lifecycle hooks: which hooks a phase runs, who may veto, and what
a failure does.

libvirt runs its hook scripts at fixed points of a guest's life.  A ``prepare`` or ``start``
script that fails stops the start (VIR_ERR_HOOK_SCRIPT_FAILED) before anything happened; a
failing ``started``, ``stopped`` or ``release`` script cannot undo what already happened, so
it is logged and the operation stands.  :func:`run_domain_hooks` is that policy, so every
driver fires hooks the same way.

Call it with no lock and no job held: a hook may call back into the API (look the domain up,
start another one), and anything that waits on a lock the caller holds would wait forever.
"""

from __future__ import annotations

import enum

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._hooks import call_hook, hooks_active

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

__all__ = ["DomainHookPhase", "run_domain_hooks"]



def _log_failure(hook: str, name: str, exc: BaseException) -> None:
    """Log a hook that failed after the fact.  :mod:`logging` is imported here, on the first
    failure: it costs a command-line run several milliseconds, and most runs have none."""
    import logging

    logging.getLogger("pyvirt.hooks").warning(
        "hook %s of domain '%s' failed: %s", hook, name, exc
    )


class DomainHookPhase(enum.Enum):
    """A point of a domain's life, and the hooks (of :mod:`pyvirt.hookspecs`) it runs."""

    #: Before a start allocates anything: ``prepare`` then ``start``; either may veto.
    PREPARE = ("pyvirt_domain_prepare", "pyvirt_domain_start")
    #: The guest runs: ``started``.
    STARTED = ("pyvirt_domain_started",)
    #: The guest stopped: ``stopped`` then ``release``.
    STOPPED = ("pyvirt_domain_stopped", "pyvirt_domain_release")
    #: Only the resources were released (a start that failed before the guest ran).
    RELEASE = ("pyvirt_domain_release",)

    @property
    def hooks(self) -> tuple[str, ...]:
        return self.value  # type: ignore[no-any-return]

    @property
    def may_veto(self) -> bool:
        """Whether a failing hook stops the operation (only before anything happened)."""
        return self is DomainHookPhase.PREPARE


def run_domain_hooks(
    phase: DomainHookPhase, *, driver: str, defn: DomainDef, live_id: int = -1
) -> None:
    """Run the hooks of *phase* for the domain *defn*, as driver *driver* (``"QEMU"``).

    Each hook gets the driver name, the domain's name and uuid and its XML: the live XML
    (with ``id=``) when *live_id* is a run id, else the inactive XML, as libvirt feeds its
    hook scripts.  In a vetoing phase the first failure raises VIR_ERR_HOOK_SCRIPT_FAILED
    ("Hook script execution failed: HOOK: reason") and later hooks do not run; in the
    others every hook runs and each failure is logged on the ``pyvirt.hooks`` logger.
    Without any hook plugin this returns at once, without formatting the XML.
    """
    if not hooks_active():
        return
    from pyvirt.conf import format_domain_xml  # here: it loads lxml

    if live_id >= 0:
        xml = format_domain_xml(defn, live_id=live_id)
    else:
        xml = format_domain_xml(defn, inactive=True)
    for hook in phase.hooks:
        try:
            call_hook(hook, driver=driver, name=defn.name, uuid=defn.uuid, xml=xml)
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
            if phase.may_veto:
                raise make_error(
                    ErrorCode.HOOK_SCRIPT_FAILED, ErrorDomain.HOOK, f"{hook}: {exc}"
                ) from exc
            _log_failure(hook, defn.name, exc)
