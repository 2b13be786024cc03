"""Which definitions a call's VIR_DOMAIN_AFFECT_* flags change, and keeping the persistent one.

libvirt's virDomainObjUpdateModificationImpact for the QEMU driver: CURRENT means the live
definition of a running domain and the persistent one of a stopped domain; LIVE needs it
running; CONFIG needs it persistent.  Shared by every mixin that edits definitions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyvirt import DomainModificationImpact, DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import domain_not_running, invalid_arg

from pyvirt_qemu._config import atomic_write

if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

    from pyvirt_qemu._domain import QemuDomain
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["AffectOps"]

_LIVE, _CONFIG = DomainModificationImpact.LIVE, DomainModificationImpact.CONFIG


class AffectOps:
    driver: QemuDriver

    def _affected(self, dom_ref: DomainRef, flags: int) -> tuple[QemuDomain, bool, bool]:
        """(domain, affect live, affect config) for *flags*, with libvirt's errors for a
        stopped domain or a transient one's config (call with the driver lock held)."""
        dom = self.driver.domains.from_ref(dom_ref)
        live, config = bool(flags & _LIVE), bool(flags & _CONFIG)
        if not live and not config:
            live, config = dom.active, not dom.active
        if live and not dom.active:
            raise domain_not_running()
        if config and not dom.persistent:
            raise make_error(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                             "transient domains do not have any persistent config")  # fmt: skip
        return dom, live, config

    def _one_def(self, dom_ref: DomainRef, flags: int) -> tuple[QemuDomain, DomainDef]:
        """virDomainObjGetOneDef: the single definition a read with *flags* looks at."""
        if flags & _LIVE and flags & _CONFIG:
            raise invalid_arg("Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' "
                              "are mutually exclusive", "virDomainObjGetOneDefState", "flags")  # fmt: skip
        dom, live, _ = self._affected(dom_ref, flags)
        defn = dom.live if live else dom.defn
        assert defn is not None
        return dom, defn

    def _persist(self, dom: QemuDomain) -> None:
        """Write *dom*'s persistent definition (secrets included: the file is root's)."""
        from pyvirt.conf import format_domain_xml

        atomic_write(self.driver.config_path(dom.name),
                     format_domain_xml(dom.defn, inactive=True, secure=True))  # fmt: skip

    def _change(self, dom_ref: DomainRef, flags: int, api: str,
                live_fn: Callable[[QemuDomain, DomainDef], None],
                config_fn: Callable[[DomainDef], None]) -> None:  # fmt: skip
        """Under the domain's job: *live_fn* on the running guest (its cgroup and live
        definition), *config_fn* on the persistent definition, as the flags say."""
        dom = self.driver.domains.from_ref(dom_ref)
        with dom.job.hold(api, self.driver.job_wait):
            with self.driver.lock:
                dom, live, config = self._affected(dom_ref, flags)
            if live and dom.live is not None:
                live_fn(dom, dom.live)
            if config:
                config_fn(dom.defn)
                self._persist(dom)
