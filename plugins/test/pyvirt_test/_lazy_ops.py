"""The test connection's entry points, each area's module imported when first used.

Why: the test driver has two dozen entry-point modules (snapshots, IOThreads, screenshots,
guest agent calls...) and a ``pyvirsh -c test:///default list --all`` run calls one
listing method.  Inheriting every mixin made each run import them all, and with them the
enum classes their events and flags use: a fifth of the run.  Instead the connection class
carries one :class:`LazyAttribute` per name the mixins define, and the first use of a name
imports the module that defines it and puts the real attribute in its place.

:data:`MIXINS` is the order the names resolve in (a Python MRO, as if the connection
inherited them all); the name -> mixin table is generated from it
(``python -m pyvirt_test._lazy_table_gen --write`` writes :mod:`pyvirt_test._lazy_table`) and a
test fails when it drifts from the mixins' code.
"""

from __future__ import annotations

import importlib

#: The mixins, as ``module:Class``, in the order their names win (first wins).
MIXINS = (
    "pyvirt_test._host:HostOps",
    "pyvirt_test._host_cpu_ops:HostCpuOps",
    "pyvirt_test._info_ops:InfoOps",
    "pyvirt_test._metadata_ops:MetadataOps",
    "pyvirt_test._tune_ops:TuneOps",
    "pyvirt_test._numa_blkio_ops:NumaBlkioOps",
    "pyvirt_test._iothread_ops:IOThreadOps",
    "pyvirt_test._cpu_stats_ops:CpuStatsOps",
    "pyvirt_test._vcpu_ops:VcpuOps",
    "pyvirt_test._stats_ops:StatsOps",
    "pyvirt_test._domstats_ops:DomainStatsOps",
    "pyvirt_test._save_ops:SaveOps",
    "pyvirt_test._screenshot_ops:ScreenshotOps",
    "pyvirt_test._guest_ops:GuestOps",
    "pyvirt_test._guest_memory_ops:GuestMemoryOps",
    "pyvirt_test._domain_ops:DomainOps",
    "pyvirt_test._snapshot_ops:SnapshotOps",
    "pyvirt_test._checkpoint_ops:CheckpointOps",
    "pyvirt_test._network_ops:NetworkOps",
    "pyvirt_test._network_update_ops:NetworkUpdateOps",
    "pyvirt_test._storage_ops:StorageOps",
    "pyvirt_test._pool_extra_ops:PoolExtraOps",
    "pyvirt_test._iface_ops:InterfaceOps",
    "pyvirt_test._nodedev_ops:NodeDeviceOps",
)

def _load(where: str) -> type:
    module, _, name = where.partition(":")
    cls: type = getattr(importlib.import_module(module), name)
    return cls


class LazyAttribute:
    """One mixin name on the connection class: the first lookup imports the mixin's module
    and replaces this object with the attribute itself, so later lookups cost nothing."""

    __slots__ = ("home", "name", "where")

    def __init__(self, home: type, name: str, where: str) -> None:
        self.home = home
        self.name = name
        self.where = where

    def __get__(self, obj: object, owner: type | None = None) -> object:
        value = _load(self.where).__dict__[self.name]
        setattr(self.home, self.name, value)
        return getattr(self.home if obj is None else obj, self.name)


def install(cls: type, table: dict[str, str]) -> None:
    """Give *cls* a :class:`LazyAttribute` for every name of *table* it does not define."""
    for name, where in table.items():
        if name not in cls.__dict__:
            setattr(cls, name, LazyAttribute(cls, name, where))
