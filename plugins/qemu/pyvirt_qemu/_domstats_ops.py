"""Bulk statistics of QEMU guests (libvirt's qemuConnectGetAllDomainStats): ``virsh domstats``,
virConnectGetAllDomainStats and virDomainListGetStats.

Why it is built this way: a monitoring loop asks every guest for every group every few
seconds, so the call must be cheap and must never stall the guests' other work.

- The driver lock is held only to pick the guests and copy what the groups read of them
  (:class:`~pyvirt_qemu._domstats_groups.DomainView`).
- The groups that ask QEMU's monitor run under the guest's job, as libvirt's query job, so
  a statistics read never interleaves with a change half made.  The free guests' jobs are
  taken without waiting, every QMP command of all of them is sent at once
  (:func:`~pyvirt_qemu._monitor.execute_many`: one round trip in all), and the jobs are let
  go at once.  A busy guest is then waited for on its own (up to the driver's job wait),
  or, with VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT, answered without its monitor groups,
  as libvirt answers it; a guest whose job could not be had is answered that way too.
- What the host shows (``/proc``, cgroups, taps, image files) is read without any lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt import DomainRef, DomainStatsRecord, ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.driver import domain_matches_filter, unsupported_flags

from pyvirt_qemu._domstats_groups import (
    GROUPS,
    MONITOR_GROUPS,
    DomainView,
    group_params,
    monitor_queries,
)
from pyvirt_qemu._monitor import QmpCall, execute_many

if TYPE_CHECKING:
    from pyvirt import TypedParameter

    from pyvirt_qemu._domain import QemuDomain
    from pyvirt_qemu._qemudriver import QemuDriver

__all__ = ["DomainStatsOps"]

_Q = ErrorDomain.QEMU
#: VIR_CONNECT_GET_ALL_DOMAINS_STATS_*: the listAll state filters, then the others.
_FILTERS = 0xFF
_NOWAIT, _BACKING, _ENFORCE = 1 << 29, 1 << 30, 1 << 31
_ALLOWED = _FILTERS | _NOWAIT | _BACKING | _ENFORCE
#: The job's holder, as other calls waiting for the job name it.
_API = "virConnectGetAllDomainStats"


def _groups_asked(stats: int, flags: int) -> int:
    """libvirt's qemuDomainGetStatsCheckSupport: 0 asks every group; a group this driver
    does not have is dropped, or refused with ENFORCE_STATS."""
    if not stats:
        return GROUPS
    if flags & _ENFORCE and stats & ~GROUPS:
        raise make_error(
            ErrorCode.ARGUMENT_UNSUPPORTED,
            _Q,
            f"Stats types bits 0x{stats & ~GROUPS:x} are not supported by this daemon or QEMU",
        )
    return stats & GROUPS


class DomainStatsOps:
    """Mixin for :class:`~pyvirt_qemu._driver.QemuConnection`."""

    driver: QemuDriver

    def connect_get_all_domain_stats(
        self, doms: list[DomainRef], stats: int, flags: int
    ) -> list[DomainStatsRecord]:
        unsupported_flags(flags, _ALLOWED, "qemuConnectGetAllDomainStats", _Q)
        stats = _groups_asked(stats, flags)
        with self.driver.lock:
            chosen = self._stats_domains(doms, flags & _FILTERS)
        unique = list({id(dom): dom for dom in chosen}.values())
        params: dict[int, list[TypedParameter]] = {}
        backing = bool(flags & _BACKING)
        if not stats & MONITOR_GROUPS:
            self._collect(unique, stats, backing, params, have_job=False)
        else:
            busy = self._collect_free(unique, stats, backing, params)
            for dom in busy:
                self._collect_busy(dom, stats, backing, params, wait=not flags & _NOWAIT)
        return [DomainStatsRecord(dom.ref(), params[id(dom)]) for dom in chosen]

    # -- which guests ------------------------------------------------------------------------
    def _stats_domains(self, doms: list[DomainRef], filters: int) -> list[QemuDomain]:
        """Every guest, or those of *doms* that still exist (libvirt's
        virDomainObjListConvert leaves vanished ones out), repeats kept; then filtered."""
        domains = self.driver.domains
        if doms:
            found = (domains.find_by_uuid(ref.uuid) for ref in doms)
            picked = [dom for dom in found if dom is not None]
        else:
            picked = list(domains)
        if not filters:
            return picked
        return [dom for dom in picked if domain_matches_filter(dom.record(), filters)]

    # -- collecting --------------------------------------------------------------------------
    def _collect_free(
        self, doms: list[QemuDomain], stats: int, backing: bool,
        params: dict[int, list[TypedParameter]],
    ) -> list[QemuDomain]:  # fmt: skip
        """Collect for every guest whose job is free now, all in one round trip; answer
        the guests whose job is held by someone else."""
        held, busy = [], []
        for dom in doms:
            try:
                dom.job.acquire(_API, 0)
            except VirtError:
                busy.append(dom)
            else:
                held.append(dom)
        try:
            self._collect(held, stats, backing, params, have_job=True)
        finally:
            for dom in held:
                dom.job.release()
        return busy

    def _collect_busy(
        self, dom: QemuDomain, stats: int, backing: bool,
        params: dict[int, list[TypedParameter]], *, wait: bool,
    ) -> None:  # fmt: skip
        """A guest whose job was held: wait for it (libvirt's query job), unless NOWAIT;
        without the job, the groups that need no monitor only."""
        if wait:
            try:
                dom.job.acquire(_API, self.driver.job_wait)
            except VirtError:
                pass
            else:
                try:
                    self._collect([dom], stats, backing, params, have_job=True)
                finally:
                    dom.job.release()
                return
        self._collect([dom], stats, backing, params, have_job=False)

    def _collect(
        self, doms: list[QemuDomain], stats: int, backing: bool,
        params: dict[int, list[TypedParameter]], *, have_job: bool,
    ) -> None:  # fmt: skip
        with self.driver.lock:
            views = [(id(dom), DomainView.of(dom)) for dom in doms]
        calls: list[QmpCall] = []
        keys: list[tuple[int, str]] = []
        if have_job:
            for key, view in views:
                if view.monitor is None:
                    continue
                for name, command, arguments in monitor_queries(view, stats):
                    calls.append((view.monitor, command, arguments))
                    keys.append((key, name))
        answers: dict[int, dict[str, Any]] = {key: {} for key, _ in views}
        for (key, name), answer in zip(keys, execute_many(calls) if calls else [], strict=True):
            answers[key][name] = answer
        for key, view in views:
            params[key] = group_params(view, stats, answers[key], have_job=have_job,
                                       backing=backing)  # fmt: skip
