"""A QEMU domain's title, description and ``<metadata>``, and renaming it.

The edits themselves are libvirt's domain-config rules (:func:`pyvirt.conf.set_domain_metadata`);
here: which definitions they touch, that the persistent one is written to disk and a running
one's status kept, and a rename's files (config, autostart link) and events.
"""

from __future__ import annotations

import os

from pyvirt import (
    DomainEventDefinedDetail,
    DomainEventType,
    DomainEventUndefinedDetail,
    DomainModificationImpact,
    DomainRef,
    ErrorCode,
    ErrorDomain,
    make_error,
)
from pyvirt.driver import unsupported_flags

from pyvirt_qemu._affect import AffectOps

__all__ = ["MetadataOps"]

_Q = ErrorDomain.QEMU
_AFFECT = DomainModificationImpact.LIVE | DomainModificationImpact.CONFIG


class MetadataOps(AffectOps):
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`."""

    def domain_set_metadata(
        self,
        dom_ref: DomainRef,
        type: int,
        metadata: str | None,
        key: str | None,
        uri: str | None,
        flags: int,
    ) -> None:
        from pyvirt.conf import set_domain_metadata

        unsupported_flags(flags, _AFFECT, "qemuDomainSetMetadata", _Q)
        with self.driver.define_lock, self.driver.lock:
            dom, live, config = self._affected(dom_ref, flags)
            new_live = dom.live.copy() if live and dom.live is not None else None
            new_config = dom.defn.copy() if config else None
            for defn in (new_live, new_config):  # all or nothing: a bad input changes neither
                if defn is not None:
                    set_domain_metadata(defn, type, metadata, key, uri)
            if new_live is not None:
                dom.live = new_live
            if new_config is not None:
                dom.defn = new_config
                self._persist(dom)
        if new_live is not None:
            from pyvirt_qemu._lifecycle import save_run_status

            save_run_status(self.driver, dom)

    def domain_get_metadata(self, dom_ref: DomainRef, type: int, uri: str | None, flags: int) -> str:
        from pyvirt.conf import get_domain_metadata

        unsupported_flags(flags, _AFFECT, "qemuDomainGetMetadata", _Q)
        with self.driver.lock:
            _, defn = self._one_def(dom_ref, flags)
            return get_domain_metadata(defn, type, uri)

    def domain_rename(self, dom_ref: DomainRef, new_name: str, flags: int) -> None:
        """An inactive persistent domain gets *new_name*: its config file and autostart link
        move with it, and clients see it undefined under the old name, defined under the new."""
        from pyvirt.conf import check_name

        unsupported_flags(flags, 0, "qemuDomainRename", _Q)
        with self.driver.define_lock:
            dom = self.driver.domains.from_ref(dom_ref)
            if dom.active:
                raise make_error(ErrorCode.OPERATION_INVALID, _Q, "cannot rename active domain")
            if not dom.persistent:
                raise make_error(ErrorCode.OPERATION_INVALID, _Q,
                                 "cannot rename a transient domain")  # fmt: skip
            old_name = dom.name

            def apply() -> None:
                check_name(new_name, ErrorDomain.DOMAIN)
                renamed = dom.defn.copy()
                renamed.name = new_name
                self.driver.emit(dom, DomainEventType.UNDEFINED, DomainEventUndefinedDetail.RENAMED)
                dom.defn = renamed
                self._persist(dom)
                os.unlink(self.driver.config_path(old_name))
                link = self.driver.autostart_link(old_name)
                if link.is_symlink():
                    link.unlink()
                    os.symlink(self.driver.config_path(new_name), self.driver.autostart_link(new_name))

            self.driver.domains.rename(dom, new_name, apply)
        self.driver.emit(dom, DomainEventType.DEFINED, DomainEventDefinedDetail.RENAMED)
