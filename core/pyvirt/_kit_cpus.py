"""Host CPU sets for drivers: libvirt's bitmap strings, cpumap bytes, and the pins a domain
definition's ``<cputune>`` holds.

Why in the kit: every driver that pins vCPUs or emulator threads speaks the same three forms
(``"0-3,^2"`` in XML, cpumap bytes on the wire, sets in between) and keeps the pins where
libvirt keeps them, in ``<cputune>`` (``<vcpupin vcpu='N' cpuset='...'/>``,
``<emulatorpin cpuset='...'/>``), which pyvirt's domain model carries verbatim so ``dumpxml``
shows them where libvirt does.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree

    from pyvirt.conf import DomainDef

__all__ = [
    "cpumap_of",
    "cpus_of",
    "emulator_pin",
    "format_cpuset",
    "iothread_ids",
    "iothread_pins",
    "parse_cpuset",
    "set_iothread_pin",
    "set_pin",
    "vcpu_pin",
]

#: <cputune> children in the order libvirt writes them.
_CPUTUNE_ORDER = (
    "shares", "period", "quota", "global_period", "global_quota", "emulator_period",
    "emulator_quota", "iothread_period", "iothread_quota", "vcpupin", "emulatorpin",
    "iothreadpin", "emulatorsched", "vcpusched", "iothreadsched", "cachetune", "memorytune",
)  # fmt: skip


def parse_cpuset(text: str) -> set[int]:
    """virBitmapParse for the sets libvirt writes ("0-3,^2,5"); "" is the empty set.  (The
    domain parser has checked every cpuset of a definition already.)"""
    from pyvirt.conf import parse_bitmap

    return parse_bitmap(text)


def format_cpuset(cpus: set[int]) -> str:
    """virBitmapFormat: "0-3,5"."""
    runs: list[str] = []
    for cpu in sorted(cpus):
        if runs and cpu - 1 in cpus:
            runs[-1] = f"{runs[-1].split('-')[0]}-{cpu}"
        else:
            runs.append(str(cpu))
    return ",".join(runs)


def cpus_of(cpumap: bytes) -> set[int]:
    """The CPUs set in a cpumap (bit N of byte N // 8 is CPU N)."""
    return {i for i in range(len(cpumap) * 8) if cpumap[i // 8] >> (i % 8) & 1}


def cpumap_of(cpus: set[int], maplen: int) -> bytes:
    """The first *maplen* bytes of the bitmap (virBitmapToDataBuf: higher CPUs dropped)."""
    data = bytearray(maplen)
    for cpu in cpus:
        if cpu < maplen * 8:
            data[cpu // 8] |= 1 << (cpu % 8)
    return bytes(data)


def _cputune(defn: DomainDef) -> etree._Element | None:
    found = defn.extra.get("cputune")
    return found[0] if found else None


def vcpu_pin(defn: DomainDef, vcpu: int) -> set[int] | None:
    """The CPUs *vcpu* is pinned to by *defn*, or None when it is not pinned."""
    tune = _cputune(defn)
    for pin in tune.findall("vcpupin") if tune is not None else []:
        if pin.get("vcpu") == str(vcpu):
            return parse_cpuset(pin.get("cpuset", ""))
    return None


def emulator_pin(defn: DomainDef) -> set[int] | None:
    """The CPUs the emulator threads are pinned to by *defn*, or None."""
    tune = _cputune(defn)
    pin = tune.find("emulatorpin") if tune is not None else None
    return None if pin is None else parse_cpuset(pin.get("cpuset", ""))


def set_pin(defn: DomainDef, tag: str, vcpu: int | None, cpus: set[int]) -> None:
    """Replace the ``<vcpupin>`` of *vcpu* (or the ``<emulatorpin>``, *vcpu* None) and keep
    libvirt's order of ``<cputune>``'s children (vCPU pins by number)."""
    from lxml import etree

    tune = _cputune(defn)
    if tune is None:
        tune = etree.Element("cputune")
        defn.extra["cputune"] = [tune]
    for old in tune.findall(tag):
        if vcpu is None or old.get("vcpu") == str(vcpu):
            tune.remove(old)
    attrs = {} if vcpu is None else {"vcpu": str(vcpu)}
    etree.SubElement(tune, tag, attrs).set("cpuset", format_cpuset(cpus))

    def rank(el: etree._Element) -> tuple[int, int]:
        tag = str(el.tag)
        order = _CPUTUNE_ORDER.index(tag) if tag in _CPUTUNE_ORDER else len(_CPUTUNE_ORDER)
        return order, int(el.get("vcpu", "0")) if tag == "vcpupin" else 0

    tune[:] = sorted(tune, key=rank)


def iothread_pins(defn: DomainDef) -> dict[int, set[int]]:
    """The CPUs each pinned IOThread may run on (``<iothreadpin iothread='N'>``), by id."""
    tune = _cputune(defn)
    pins = tune.findall("iothreadpin") if tune is not None else []
    return {int(pin.get("iothread", "0")): parse_cpuset(pin.get("cpuset", "")) for pin in pins}


def iothread_ids(defn: DomainDef) -> list[int]:
    """The definition's IOThread ids in libvirt's order: those of ``<iothreadids>``, then
    the lowest unused ids up to the ``<iothreads>`` count (libvirt numbers them so)."""
    listed = defn.extra.get("iothreadids")
    ids = [int(el.get("id", "0")) for el in listed[0]] if listed else []
    counted = defn.extra.get("iothreads")
    wanted = int((counted[0].text or "0").strip()) if counted else 0
    candidate = 1
    while len(ids) < wanted:
        if candidate not in ids:
            ids.append(candidate)
        candidate += 1
    return ids


def set_iothread_pin(defn: DomainDef, iothread_id: int, cpus: set[int] | None) -> None:
    """Pin IOThread *iothread_id* to *cpus* (None: drop its pin).  libvirt keeps a pin with
    its thread, so ``<iothreadpin>`` elements follow the threads' order, after the vCPU and
    emulator pins; an emptied ``<cputune>`` goes."""
    from lxml import etree

    tune = _cputune(defn)
    if tune is None:
        if cpus is None:
            return
        tune = etree.Element("cputune")
        defn.extra["cputune"] = [tune]
    for old in tune.findall("iothreadpin"):
        if old.get("iothread") == str(iothread_id):
            tune.remove(old)
    if cpus is not None:
        attrs = {"iothread": str(iothread_id), "cpuset": format_cpuset(cpus)}
        etree.SubElement(tune, "iothreadpin", attrs)
    if not len(tune):
        del defn.extra["cputune"]
        return
    order = iothread_ids(defn)

    def rank(el: etree._Element) -> tuple[int, int]:
        tag = str(el.tag)
        place = _CPUTUNE_ORDER.index(tag) if tag in _CPUTUNE_ORDER else len(_CPUTUNE_ORDER)
        if tag != "iothreadpin":
            return place, 0
        number = int(el.get("iothread", "0"))
        return place, order.index(number) if number in order else len(order)

    tune[:] = sorted(tune, key=rank)
