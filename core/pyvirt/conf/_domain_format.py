""":class:`DomainDef` to XML, byte for byte as libvirt 9.0's ``virDomainDefFormat``.

Why a separate module: the output format is an ABI (tools diff ``dumpxml`` output), so the
element order, quoting and the live/inactive/secure differences live in one reviewed place.
"""

from __future__ import annotations

from collections.abc import Callable

from pyvirt._xml import XMLWriter, format_metadata_child
from pyvirt.conf._devices import DEVICE_ORDER, Device, format_device
from pyvirt.conf._domain import TOP_LEVEL_ORDER, DomainDef

__all__ = ["format_domain_xml"]

_OS_ORDER = (
    "type", "firmware", "init", "initarg", "initenv", "initdir", "inituser", "initgroup",
    "loader", "nvram", "kernel", "initrd", "cmdline", "dtb", "acpi", "root", "boot",
    "bootmenu", "bios", "smbios",
)  # fmt: skip


def _device_rank(dev: Device) -> int:
    try:
        return DEVICE_ORDER.index(dev.tag)
    except ValueError:
        return len(DEVICE_ORDER)


def format_domain_xml(
    d: DomainDef,
    *,
    live_id: int | None = None,
    inactive: bool = False,
    secure: bool = False,
) -> str:
    """Format *d*; *live_id* adds ``id='N'`` (running domains), *inactive* hides live-only
    data, *secure* includes passwords.  The result ends with exactly one newline."""
    w = XMLWriter()
    attrs: list[tuple[str, object]] = [("type", d.type)]
    if live_id is not None and not inactive:
        attrs.append(("id", live_id))
    w.open("domain", attrs)

    def optional_text(tag: str, value: str | None) -> None:
        if value is not None:
            w.text(tag, value)

    def cpu() -> None:
        if d.cpu is not None:
            w.element(d.cpu)

    writers: dict[str, Callable[[], None]] = {
        "name": lambda: w.text("name", d.name),
        "uuid": lambda: w.text("uuid", d.uuid),
        "title": lambda: optional_text("title", d.title),
        "description": lambda: optional_text("description", d.description),
        "metadata": lambda: _metadata(w, d),
        "memory": lambda: w.text("memory", str(d.memory_kib), [("unit", "KiB")]),
        "currentMemory": lambda: w.text(
            "currentMemory", str(d.current_memory_kib), [("unit", "KiB")]
        ),  # noqa: E501
        "vcpu": lambda: w.text(
            "vcpu",
            str(d.max_vcpus),
            [
                ("placement", d.vcpu_placement),
                ("cpuset", d.vcpu_cpuset),
                ("current", d.vcpus if d.vcpus != d.max_vcpus else None),
            ],
        ),
        "os": lambda: _os(w, d),
        "features": lambda: _features(w, d),
        "cpu": cpu,
        "clock": lambda: _clock(w, d),
        "on_poweroff": lambda: w.text("on_poweroff", d.on_poweroff),
        "on_reboot": lambda: w.text("on_reboot", d.on_reboot),
        "on_crash": lambda: w.text("on_crash", d.on_crash),
        "devices": lambda: _devices(w, d, inactive=inactive, secure=secure),
    }
    for tag in TOP_LEVEL_ORDER:
        fn = writers.get(tag)
        if fn is not None:
            fn()
        for el in d.extra.get(tag, []):
            w.element(el)
    w.close("domain")
    return w.getvalue()


def _metadata(w: XMLWriter, d: DomainDef) -> None:
    if not d.metadata:
        if d.has_metadata:
            w.empty("metadata")
        return
    w.open("metadata")
    for el in d.metadata:
        w.raw(format_metadata_child(el, 2).lstrip(" "))
    w.close("metadata")


def _os(w: XMLWriter, d: DomainDef) -> None:
    w.open("os", list(d.os_attrs.items()))
    items: list[tuple[int, int, Callable[[], None]]] = []
    rank = {n: i for i, n in enumerate(_OS_ORDER)}

    def add(tag: str, fn: Callable[[], None]) -> None:
        items.append((rank.get(tag, len(rank)), len(items), fn))

    add("type", lambda: w.text("type", d.os_type, [("arch", d.arch), ("machine", d.machine)]))
    if d.init is not None:
        add("init", lambda: w.text("init", d.init or ""))
    for tag in ("kernel", "initrd", "cmdline", "dtb"):
        value = getattr(d, tag)
        if value is not None:
            add(tag, lambda tag=tag, value=value: w.text(tag, value))
    for dev in d.boot_devs:
        add("boot", lambda dev=dev: w.empty("boot", [("dev", dev)]))
    for el in d.os_extra:
        add(str(el.tag), lambda el=el: w.element(el))
    for _, _, fn in sorted(items, key=lambda t: (t[0], t[1])):
        fn()
    w.close("os")


def _features(w: XMLWriter, d: DomainDef) -> None:
    if d.features is None:
        return
    if not d.features:
        w.empty("features")
        return
    w.open("features")
    for el in d.features:
        w.element(el)
    w.close("features")


def _clock(w: XMLWriter, d: DomainDef) -> None:
    if d.clock is None:
        w.empty("clock", [("offset", d.clock_offset)])
        return
    el = d.clock
    attrs: list[tuple[str, object]] = [("offset", d.clock_offset)]
    if d.clock_offset == "variable":
        # libvirt always states the basis of a variable clock, defaulting to utc.
        attrs += [("adjustment", el.get("adjustment", "0")), ("basis", el.get("basis", "utc"))]
    attrs += [(k, v) for k, v in el.attrib.items() if k not in ("offset", "adjustment", "basis")]
    kids = [c for c in el if isinstance(c.tag, str)]
    if not kids:
        w.empty("clock", attrs)
        return
    w.open("clock", attrs)
    for c in kids:
        w.element(c)
    w.close("clock")


def _devices(w: XMLWriter, d: DomainDef, *, inactive: bool, secure: bool) -> None:
    w.open("devices")
    if d.emulator is not None:
        w.text("emulator", d.emulator)
    for dev in sorted(d.devices, key=_device_rank):
        format_device(w, dev, inactive=inactive, secure=secure)
    w.close("devices")
