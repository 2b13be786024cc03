"""A domain's ``<perf>`` events for drivers: libvirt's event names in its order, each
event's state in a definition, and the element written back.

Why in the kit: the test and QEMU drivers read and write the same element the same way
(libvirt's virDomainPerfDef); only what enabling an event does differs (nothing, or a
host perf counter on the guest's QEMU).
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import DomainDef

__all__ = ["PERF_EVENTS", "perf_states", "write_perf"]

PERF_EVENTS = (
    "cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references", "cache_misses",
    "branch_instructions", "branch_misses", "bus_cycles", "stalled_cycles_frontend",
    "stalled_cycles_backend", "ref_cpu_cycles", "cpu_clock", "task_clock", "page_faults",
    "context_switches", "cpu_migrations", "page_faults_min", "page_faults_maj",
    "alignment_faults", "emulation_faults",
)  # fmt: skip
"""libvirt's virPerfEvent names, in its order (the order virsh perf lists them)."""


def perf_states(defn: DomainDef) -> dict[str, bool | None]:
    """Each event's state: True/False where <perf> names it, None where it does not."""
    states: dict[str, bool | None] = dict.fromkeys(PERF_EVENTS)
    for perf in defn.extra.get("perf", []):
        for event in perf.findall("event"):
            if event.get("name") in states:
                states[str(event.get("name"))] = event.get("enabled") == "yes"
    return states


def write_perf(defn: DomainDef, states: dict[str, bool | None]) -> None:
    """Put *states* in *defn* as libvirt writes ``<perf>``: the named events, in order."""
    from lxml import etree

    perf = etree.Element("perf")
    for name in PERF_EVENTS:
        if states[name] is not None:
            etree.SubElement(perf, "event", name=name, enabled="yes" if states[name] else "no")
    if len(perf):
        defn.extra["perf"] = [perf]
    else:
        defn.extra.pop("perf", None)
