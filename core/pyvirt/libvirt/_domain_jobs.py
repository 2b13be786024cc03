"""libvirt-python's IOThread, CPU statistics, job, migration-tunable, launch-security and
dirty-rate methods of :class:`pyvirt.libvirt.virDomain`, kept in their own module.

Shapes as the binding's C glue gives them: ``ioThreadInfo`` lists ``(id, [bool, ...])`` with
one entry per host CPU (virNodeGetCPUMap), ``getCPUStats`` a list of dicts, the setters 0;
``migrateGetMaxDowntime`` and ``migrateGetCompressionCache`` report a failure (last error,
error handler) but answer None, as the glue does.  Dict parameters become typed parameters
by the glue's hints for the call, other names by their Python type.
"""

from __future__ import annotations

from typing import Any

from pyvirt._objects import Domain
from pyvirt._records import TypedParameter
from pyvirt.libvirt import _args
from pyvirt.libvirt._domain_vcpus import DomainVcpuMethods, _cpumap
from pyvirt.libvirt._errors import api

#: libvirt-python's virPyTypedParamsHint tables (typed-parameter kinds by name).
_IOTHREAD_HINTS = {"poll_max_ns": 4, "poll_grow": 2, "poll_shrink": 2}
_LAUNCH_SECRET_HINTS = {"sev-secret-header": 7, "sev-secret": 7, "sev-secret-set-address": 4}


def _hinted_params(values: Any, hints: dict[str, int], what: str) -> list[TypedParameter]:
    """virPyDictToTypedParams: hinted names get their kind; others a kind from the value
    (*what*: the glue's words for a non-dict)."""
    from pyvirt._core_enums import TypedParameterType as T
    from pyvirt._typed_params import typed_param

    if not isinstance(values, dict):
        raise TypeError(f"{what} must be a dictionary")
    out = []
    for name, value in values.items():
        kind = hints.get(name)
        if kind is None:
            if isinstance(value, str):
                kind = 7
            elif isinstance(value, bool):
                kind = 6
            elif isinstance(value, float):
                kind = 5
            else:
                kind = 3
        converted: Any = value
        if kind in (1, 2, 3, 4):
            converted = _args.typed_int(value, kind)
        elif kind == 7 and not isinstance(value, str):
            raise TypeError("bad argument type for built-in operation")
        out.append(typed_param(name, T(kind), converted))
    return out


def _ull_mask(value: Any) -> int:
    """The glue's ``K`` format: any int, masked to an unsigned long long (-1 wraps)."""
    import operator

    return operator.index(value) & 0xFFFFFFFFFFFFFFFF


def _swallowed(get: Any) -> int | None:
    """The glue's VIR_PY_NONE on failure: the error is reported, not raised."""
    from pyvirt._errors import VirtError
    from pyvirt.libvirt._errors import report

    try:
        return int(get())
    except VirtError as error:
        report(error)
        return None


class DomainJobMethods(DomainVcpuMethods):
    """Mixin of :class:`pyvirt.libvirt.virDomain` (the vCPU family's host CPU count)."""

    _o: Domain

    # -- IOThreads ------------------------------------------------------------------------
    @api
    def ioThreadInfo(self, flags: int = 0) -> list[tuple[int, list[bool]]]:  # noqa: N802
        infos = self._o.iothread_info(_args.flags(flags))
        cpus = self._host_cpus()
        return [(iothread_id, [i in used for i in range(cpus)]) for iothread_id, used in infos]

    @api
    def addIOThread(self, iothread_id: int, flags: int = 0) -> int:  # noqa: N802
        self._o.add_iothread(_args.c_uint(iothread_id), _args.flags(flags))
        return 0

    @api
    def delIOThread(self, iothread_id: int, flags: int = 0) -> int:  # noqa: N802
        self._o.del_iothread(_args.c_uint(iothread_id), _args.flags(flags))
        return 0

    @api
    def pinIOThread(self, iothread_val: int, cpumap: tuple[bool, ...], flags: int = 0) -> int:  # noqa: N802
        iothread_id = _args.c_uint(iothread_val)
        self._o.pin_iothread(iothread_id, _cpumap(cpumap, self._host_cpus()), _args.flags(flags))
        return 0

    @api
    def setIOThreadParams(  # noqa: N802
        self, iothread_val: int, params: dict[str, Any], flags: int = 0
    ) -> int:
        iothread_id = _args.c_uint(iothread_val)
        typed = _hinted_params(params, _IOTHREAD_HINTS, "IOThread polling params")
        self._o.set_iothread_params(iothread_id, typed, _args.flags(flags))
        return 0

    # -- CPU statistics ---------------------------------------------------------------------
    @api
    def getCPUStats(self, total: bool, flags: int = 0) -> list[dict[str, Any]]:  # noqa: N802
        return self._o.cpu_stats(bool(total), _args.flags(flags))

    # -- jobs -----------------------------------------------------------------------------------
    @api
    def jobInfo(self) -> list[int]:  # noqa: N802
        return self._o.job_info()

    @api
    def jobStats(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        from pyvirt._typed_params import typed_params_dict

        kind, params = self._o.job_stats_list(_args.flags(flags))
        return {"type": kind, **typed_params_dict(params)}

    @api
    def abortJob(self) -> int:  # noqa: N802
        self._o.abort_job()
        return 0

    @api
    def abortJobFlags(self, flags: int = 0) -> int:  # noqa: N802
        self._o.abort_job(_args.flags(flags))
        return 0

    # -- migration tunables ---------------------------------------------------------------
    @api
    def migrateSetMaxDowntime(self, downtime: int, flags: int = 0) -> int:  # noqa: N802
        self._o.migrate_set_max_downtime(_ull_mask(downtime), _args.flags(flags))
        return 0

    def migrateGetMaxDowntime(self, flags: int = 0) -> int | None:  # noqa: N802
        c_flags = _args.flags(flags)
        return _swallowed(lambda: self._o.migrate_get_max_downtime(c_flags))

    def migrateGetCompressionCache(self, flags: int = 0) -> int | None:  # noqa: N802
        c_flags = _args.flags(flags)
        return _swallowed(lambda: self._o.migrate_get_compression_cache(c_flags))

    @api
    def migrateSetCompressionCache(self, cacheSize: int, flags: int = 0) -> int:  # noqa: N802, N803
        self._o.migrate_set_compression_cache(_ull_mask(cacheSize), _args.flags(flags))
        return 0

    @api
    def migrateSetMaxSpeed(self, bandwidth: int, flags: int = 0) -> int:  # noqa: N802
        self._o.migrate_set_max_speed(_args.c_ulong(bandwidth), _args.flags(flags))
        return 0

    @api
    def migrateGetMaxSpeed(self, flags: int = 0) -> int:  # noqa: N802
        return self._o.migrate_get_max_speed(_args.flags(flags))

    @api
    def migrateStartPostCopy(self, flags: int = 0) -> int:  # noqa: N802
        self._o.migrate_start_post_copy(_args.flags(flags))
        return 0

    # -- launch security, dirty-page rate -----------------------------------------------
    @api
    def launchSecurityInfo(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.launch_security_info(_args.flags(flags))

    @api
    def setLaunchSecurityState(self, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        typed = _hinted_params(params, _LAUNCH_SECRET_HINTS, "Launch security state params")
        self._o.set_launch_security_state(typed, _args.flags(flags))
        return 0

    @api
    def startDirtyRateCalc(self, seconds: int, flags: int = 0) -> int:  # noqa: N802
        self._o.start_dirty_rate_calc(_args.c_int(seconds), _args.flags(flags))
        return 0
