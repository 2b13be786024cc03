"""The domain definition model (the analogue of libvirt's ``virDomainDef``).

Why a plain mutable dataclass: drivers keep a persistent and a live copy and edit fields
directly (``setmem`` changes ``current_memory_kib``, ``setvcpus`` changes ``vcpus``), then
format.  Top-level elements pyvirt does not model but libvirt keeps (``<memoryBacking>``,
``<cputune>``, ``<seclabel>``...) live in ``extra`` and are written back at libvirt's position.
"""

from __future__ import annotations

from pyvirt._kit_model import deep_copy, field, model
from pyvirt.conf._devices import (
    ChardevDef,
    ControllerDef,
    Device,
    DiskDef,
    GraphicsDef,
    InputDef,
    InterfaceDef,
    MemballoonDef,
    VideoDef,
)

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lxml import etree  # annotations only: see _devices

__all__ = ["DomainDef", "TOP_LEVEL_ORDER"]

#: Children of <domain> libvirt keeps, in the order virDomainDefFormat writes them.  Names not
#: listed are unknown to libvirt and dropped on parse, as libvirt drops them.
TOP_LEVEL_ORDER = (
    "name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory",
    "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus", "iothreads",
    "iothreadids", "defaultiothread", "cputune", "numatune", "resource", "sysinfo",
    "bootloader", "bootloader_args", "os", "idmap", "features", "cpu", "clock", "on_poweroff",
    "on_reboot", "on_crash", "on_lockfailure", "pm", "perf", "devices", "seclabel", "keywrap",
    "launchSecurity", "throttlegroups",
)  # fmt: skip


@model
class DomainDef:
    """A parsed domain definition, with libvirt's post-parse defaults filled in."""

    name: str
    uuid: str
    type: str = "test"
    title: str | None = None
    description: str | None = None
    metadata: list[etree._Element] = field(default_factory=list)
    #: A ``<metadata>`` element exists, possibly empty: libvirt keeps (and prints) an empty one
    #: that was defined so, or left behind when its last child was removed.
    has_metadata: bool = False
    memory_kib: int = 0
    current_memory_kib: int = 0
    max_vcpus: int = 1
    vcpus: int = 1
    vcpu_placement: str = "static"
    vcpu_cpuset: str | None = None
    os_type: str = "hvm"
    arch: str = "i686"
    machine: str | None = None
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None
    dtb: str | None = None
    init: str | None = None
    boot_devs: list[str] = field(default_factory=list)
    #: <os> children kept verbatim (loader, nvram, bootmenu, smbios, bios, initarg...).
    os_extra: list[etree._Element] = field(default_factory=list)
    #: <os> attributes such as firmware='efi'.
    os_attrs: dict[str, str] = field(default_factory=dict)
    #: <features> children kept verbatim (acpi, apic, pae, hyperv...); None means no element.
    features: list[etree._Element] | None = None
    cpu: etree._Element | None = None
    clock_offset: str = "utc"
    clock: etree._Element | None = None
    on_poweroff: str = "destroy"
    on_reboot: str = "restart"
    on_crash: str = "destroy"
    emulator: str | None = None
    devices: list[Device] = field(default_factory=list)
    #: Other top-level elements libvirt keeps, by tag.
    extra: dict[str, list[etree._Element]] = field(default_factory=dict)
    #: Attributes of <domain> other than type/id, e.g. xmlns:qemu declarations are not kept.
    attrs: dict[str, str] = field(default_factory=dict)

    def copy(self) -> DomainDef:
        """A deep copy: the driver's live definition must not share state with the persistent."""
        return deep_copy(self)

    # Convenience views the drivers use; they return the objects inside ``devices``.
    def _of(self, kind: type[Device]) -> list:  # type: ignore[type-arg]
        return [d for d in self.devices if isinstance(d, kind)]

    @property
    def disks(self) -> list[DiskDef]:
        return self._of(DiskDef)

    @property
    def interfaces(self) -> list[InterfaceDef]:
        return self._of(InterfaceDef)

    @property
    def controllers(self) -> list[ControllerDef]:
        return self._of(ControllerDef)

    @property
    def chardevs(self) -> list[ChardevDef]:
        return self._of(ChardevDef)

    @property
    def graphics(self) -> list[GraphicsDef]:
        return self._of(GraphicsDef)

    @property
    def videos(self) -> list[VideoDef]:
        return self._of(VideoDef)

    @property
    def inputs(self) -> list[InputDef]:
        return self._of(InputDef)

    @property
    def memballoon(self) -> MemballoonDef | None:
        found = self._of(MemballoonDef)
        return found[0] if found else None
