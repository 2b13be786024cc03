"""The memory balloon's statistics period: ``<memballoon><stats period='N'/>`` in the
definition, QEMU's ``guest-stats-polling-interval`` on the running balloon.

Why its own module: the start sequence applies the period (as libvirt's
qemuProcessSetupBalloon does) and virDomainSetMemoryStatsPeriod changes it, and neither
should import the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

    from pyvirt_qemu._domain import Run

__all__ = ["has_balloon", "set_stats_period", "stats_period", "store_period"]


def has_balloon(defn: DomainDef) -> bool:
    return defn.memballoon is not None and defn.memballoon.model != "none"


def stats_period(defn: DomainDef) -> int:
    """The balloon's ``<stats period='N'/>`` (0: none)."""
    mb = defn.memballoon
    for el in mb.extra if mb is not None else []:
        if el.tag == "stats":
            return int(el.get("period", "0") or 0)
    return 0


def store_period(defn: DomainDef, period: int) -> None:
    """Keep *period* as ``<stats period='N'/>``; 0 removes it, as libvirt formats it."""
    from lxml import etree

    mb = defn.memballoon
    assert mb is not None
    mb.extra = [el for el in mb.extra if el.tag != "stats"]
    if period > 0:
        mb.extra.append(etree.Element("stats", period=str(period)))


def set_stats_period(run: Run, period: int) -> None:
    """QEMU's balloon polls the guest's statistics every *period* seconds (0: never)."""
    run.monitor.execute("qom-set", {"path": "/machine/peripheral/balloon0",
                                    "property": "guest-stats-polling-interval",
                                    "value": period})  # fmt: skip
