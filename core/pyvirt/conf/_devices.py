"""Typed domain devices: the dataclasses plus their parse and format functions.

Why typed: drivers act on disks, interfaces and consoles (hot-plug, MAC lookups, target
names), so those fields are attributes.  Sub-elements pyvirt does not model but libvirt keeps
(``<boot order>``, ``<serial>``, ``<iotune>``...) are stored as elements in ``extra`` and
written back at libvirt's position; sub-elements libvirt does not know are dropped, as libvirt
drops them.  Each device kind has a table naming the children libvirt keeps, in its order.
"""

from __future__ import annotations

import copy

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._kit_model import field, model
from pyvirt.conf._common import child, children, parse_mac

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar

    # Only annotations here: lxml loads with the parser or formatter that needs it, so
    # holding definitions (a test driver listing domains) never imports it.
    from lxml import etree

    from pyvirt._xml import XMLWriter

__all__ = [
    "Address",
    "ChardevDef",
    "ControllerDef",
    "Device",
    "DiskDef",
    "GenericDevice",
    "GraphicsDef",
    "InputDef",
    "InterfaceDef",
    "MemballoonDef",
    "VideoDef",
    "DEVICE_ORDER",
    "format_device",
    "parse_device",
]

#: libvirt's order of device groups inside <devices> (virDomainDefFormatInternal).
DEVICE_ORDER = [
    "disk", "controller", "lease", "filesystem", "interface", "smartcard", "serial",
    "parallel", "console", "channel", "input", "tpm", "graphics", "sound", "audio", "video",
    "hostdev", "redirdev", "redirfilter", "hub", "watchdog", "memballoon", "rng", "nvram",
    "panic", "shmem", "memory", "iommu", "vsock", "crypto",
]  # fmt: skip

_DOM = ErrorDomain.DOMAIN


def _pci_int(text: str | None) -> int:
    if not text:
        return 0
    try:
        return int(text, 0) if not text.startswith("0") or text.startswith("0x") else int(text, 8)
    except ValueError:
        raise make_error(
            ErrorCode.XML_ERROR, ErrorDomain.XML, f"Invalid value '{text}' in PCI address"
        ) from None


@model
class Address:
    """A device ``<address>``; ``attrs`` keeps every attribute except ``type``, in order."""

    type: str
    attrs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, elem: etree._Element) -> Address:
        kind = elem.get("type", "")
        attrs = {k: v for k, v in elem.attrib.items() if k != "type"}
        if kind == "pci":
            # libvirt stores numbers and prints them in fixed-width hex.
            out = {
                "domain": f"0x{_pci_int(attrs.get('domain')):04x}",
                "bus": f"0x{_pci_int(attrs.get('bus')):02x}",
                "slot": f"0x{_pci_int(attrs.get('slot')):02x}",
                "function": f"0x{_pci_int(attrs.get('function')):x}",
            }
            if "multifunction" in attrs:
                out["multifunction"] = attrs["multifunction"]
            attrs = out
        elif kind == "drive":
            keys = ("controller", "bus", "target", "unit")
            attrs = {k: str(int(attrs.get(k, "0") or 0)) for k in keys}
        return cls(kind, attrs)

    def write(self, w: XMLWriter) -> None:
        w.empty("address", [("type", self.type), *self.attrs.items()])


@model
class Device:
    """Common part of all devices: the address and kept-but-unmodelled children."""

    address: Address | None = field(default=None, kw_only=True)
    extra: list[etree._Element] = field(default_factory=list, kw_only=True)

    tag: ClassVar[str] = ""
    #: Children libvirt keeps for this device, in its output order.  "*" marks where the
    #: modelled children go.
    child_order: ClassVar[tuple[str, ...]] = ("*", "boot", "alias", "address")

    def copy(self) -> Device:
        return copy.deepcopy(self)


@model
class DiskDef(Device):
    """A ``<disk>``: its source, target and driver as libvirt keeps them."""

    type: str = "file"
    device: str = "disk"
    source: dict[str, str] = field(default_factory=dict)
    target_dev: str = ""
    target_bus: str | None = None
    target_attrs: dict[str, str] = field(default_factory=dict)
    driver: dict[str, str] | None = None
    readonly: bool = False
    shareable: bool = False
    source_children: list[etree._Element] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)

    tag: ClassVar[str] = "disk"
    child_order: ClassVar[tuple[str, ...]] = (
        "driver", "auth", "source", "backingStore", "mirror", "target", "iotune", "blockio",
        "geometry", "readonly", "shareable", "transient", "serial", "wwn", "vendor", "product",
        "encryption", "boot", "alias", "address",
    )  # fmt: skip

    @property
    def source_path(self) -> str | None:
        """The file/device/dir a local disk points at (None for network disks or empty drives)."""
        for key in ("file", "dev", "dir", "volume"):
            if key in self.source:
                return self.source[key]
        return None


@model
class InterfaceDef(Device):
    """An ``<interface>``: MAC, source, target device and model."""

    type: str = "network"
    mac: str | None = None
    source: dict[str, str] = field(default_factory=dict)
    target_dev: str | None = None
    #: ``<target>``'s other attributes: ``managed`` (of an ethernet interface's tap).
    target_attrs: dict[str, str] = field(default_factory=dict)
    model: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)

    tag: ClassVar[str] = "interface"
    child_order: ClassVar[tuple[str, ...]] = (
        "mac", "source", "vlan", "virtualport", "bandwidth", "ip", "route", "script",
        "downscript", "backenddomain", "target", "guest", "model", "driver", "backend",
        "filterref", "tune", "teaming", "link", "mtu", "coalesce", "rom", "boot", "alias",
        "address",
    )  # fmt: skip


@model
class ChardevDef(Device):
    """serial, parallel, console or channel; ``kind`` says which element it is."""

    kind: str = "serial"
    type: str = "pty"
    sources: list[dict[str, str]] = field(default_factory=list)
    target: dict[str, str] = field(default_factory=dict)
    target_children: list[etree._Element] = field(default_factory=list)

    child_order: ClassVar[tuple[str, ...]] = (
        "source",
        "protocol",
        "log",
        "target",
        "alias",
        "address",
    )

    @property
    def tag(self) -> str:  # type: ignore[override]
        return self.kind


@model
class ControllerDef(Device):
    """A ``<controller>`` (usb, pci, virtio-serial...) and its index."""

    type: str = "usb"
    index: int = 0
    model: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)

    tag: ClassVar[str] = "controller"
    child_order: ClassVar[tuple[str, ...]] = (
        "model",
        "driver",
        "master",
        "target",
        "pcihole64",
        "alias",
        "address",
    )  # noqa: E501


@model
class InputDef(Device):
    """An ``<input>`` device (mouse, tablet, keyboard) and its bus."""

    type: str = "mouse"
    bus: str | None = None

    tag: ClassVar[str] = "input"
    child_order: ClassVar[tuple[str, ...]] = ("source", "driver", "alias", "address")


@model
class GraphicsDef(Device):
    """A ``<graphics>`` console (vnc, spice...): port, password, listens."""

    type: str = "vnc"
    port: int | None = None
    autoport: bool | None = None
    passwd: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    listens: list[dict[str, str]] = field(default_factory=list)

    tag: ClassVar[str] = "graphics"
    child_order: ClassVar[tuple[str, ...]] = (
        "listen", "channel", "image", "jpeg", "zlib", "playback", "streaming", "clipboard",
        "mouse", "filetransfer", "gl", "audio",
    )  # fmt: skip


@model
class VideoDef(Device):
    """A ``<video>`` adapter: its ``<model>`` and memory sizes."""

    model: str = "cirrus"
    vram: int | None = None
    ram: int | None = None
    vgamem: int | None = None
    heads: int | None = None
    primary: bool = False
    model_attrs: dict[str, str] = field(default_factory=dict)
    model_children: list[etree._Element] = field(default_factory=list)

    tag: ClassVar[str] = "video"
    child_order: ClassVar[tuple[str, ...]] = ("driver", "model", "alias", "address")


@model
class MemballoonDef(Device):
    """The ``<memballoon>`` device and its model."""

    model: str = "virtio"
    attrs: dict[str, str] = field(default_factory=dict)

    tag: ClassVar[str] = "memballoon"
    child_order: ClassVar[tuple[str, ...]] = ("alias", "stats", "address", "driver")


@model
class GenericDevice(Device):
    """A device kind pyvirt does not model (sound, hostdev, rng...), kept as its element."""

    element: etree._Element | None = None
    name: str = ""

    @property
    def tag(self) -> str:  # type: ignore[override]
        return self.name


# ---------------------------------------------------------------- parsing


def _keep_extra(
    elem: etree._Element, order: tuple[str, ...], modelled: set[str]
) -> list[etree._Element]:  # noqa: E501
    return [
        copy.deepcopy(c)
        for c in elem
        if isinstance(c.tag, str) and c.tag in order and c.tag not in modelled
    ]


def _password_expiry(text: str) -> str:
    """``passwdValidTo``, a UTC time as libvirt reads (strptime) and writes it again."""
    import datetime

    try:
        when = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise make_error(ErrorCode.INTERNAL_ERROR, _DOM, f"cannot parse password validity "
                         f"time '{text}', expect YYYY-MM-DDTHH:MM:SS") from None  # fmt: skip
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def _address(elem: etree._Element) -> Address | None:
    a = child(elem, "address")
    return Address.parse(a) if a is not None else None


_BUS_BY_PREFIX = (
    ("xvd", "xen"),
    ("ubd", "uml"),
    ("hd", "ide"),
    ("fd", "fdc"),
    ("sd", "scsi"),
    ("vd", "virtio"),
)  # noqa: E501


def _parse_disk(elem: etree._Element) -> DiskDef:
    target = child(elem, "target")
    if target is None or not target.get("dev"):
        raise make_error(ErrorCode.NO_TARGET, _DOM, None)
    dev = target.get("dev", "")
    bus = target.get("bus")
    device = elem.get("device", "disk")
    if bus is None:
        bus = "ide"
        if device == "floppy":
            bus = "fdc"
        else:
            for prefix, b in _BUS_BY_PREFIX:
                if dev.startswith(prefix):
                    bus = b
                    break
    src = child(elem, "source")
    drv = child(elem, "driver")
    modelled = {"driver", "source", "target", "readonly", "shareable", "address"}
    return DiskDef(
        type=elem.get("type", "file"),
        device=device,
        attrs={k: v for k, v in elem.attrib.items() if k not in ("type", "device")},
        source=dict(src.attrib) if src is not None else {},
        source_children=[copy.deepcopy(c) for c in src if isinstance(c.tag, str)]
        if src is not None
        else [],  # noqa: E501
        target_dev=dev,
        target_bus=bus,
        target_attrs={k: v for k, v in target.attrib.items() if k not in ("dev", "bus")},
        driver=dict(drv.attrib) if drv is not None else None,
        readonly=child(elem, "readonly") is not None or device == "cdrom",
        shareable=child(elem, "shareable") is not None,
        address=_address(elem),
        extra=_keep_extra(elem, DiskDef.child_order, modelled),
    )


def generated_ifname(name: str, target_attrs: dict[str, str]) -> bool:
    """A tap name of the kinds libvirt generates (vnetN, macvtapN, macvlanN), which it drops
    from a definition (parse_domain_xml) and from inactive XML (formatting) unless the tap is
    one the user manages (``managed='no'``)."""
    return target_attrs.get("managed") != "no" and name.startswith(("vnet", "macvtap", "macvlan"))


def _parse_interface(elem: etree._Element) -> InterfaceDef:
    mac_el = child(elem, "mac")
    mac = None
    if mac_el is not None and mac_el.get("address"):
        text = mac_el.get("address", "")
        mac = parse_mac(text)
        if mac is None:
            raise make_error(
                ErrorCode.INTERNAL_ERROR, _DOM, f"unable to parse mac address '{text}'"
            )
        if int(mac[:2], 16) & 1:
            raise make_error(
                ErrorCode.XML_ERROR, _DOM, f"expected unicast mac address, found multicast '{text}'"
            )
    src = child(elem, "source")
    tgt = child(elem, "target")
    model = child(elem, "model")
    modelled = {"mac", "source", "target", "model", "address"}
    target_attrs = {k: v for k, v in tgt.attrib.items() if k != "dev"} if tgt is not None else {}
    target_dev = tgt.get("dev") if tgt is not None else None
    return InterfaceDef(
        type=elem.get("type", "network"),
        attrs={k: v for k, v in elem.attrib.items() if k != "type"},
        mac=mac,
        source=dict(src.attrib) if src is not None else {},
        target_dev=target_dev,
        target_attrs=target_attrs,
        model=model.get("type") if model is not None else None,
        address=_address(elem),
        extra=_keep_extra(elem, InterfaceDef.child_order, modelled),
    )


def _parse_chardev(elem: etree._Element) -> ChardevDef:
    tgt = child(elem, "target")
    return ChardevDef(
        kind=str(elem.tag),
        type=elem.get("type", "pty"),
        sources=[dict(s.attrib) for s in children(elem, "source")],
        target=dict(tgt.attrib) if tgt is not None else {},
        target_children=[copy.deepcopy(c) for c in tgt if isinstance(c.tag, str)]
        if tgt is not None
        else [],  # noqa: E501
        address=_address(elem),
        extra=_keep_extra(elem, ChardevDef.child_order, {"source", "target", "address"}),
    )


def _parse_controller(elem: etree._Element) -> ControllerDef:
    idx = elem.get("index")
    return ControllerDef(
        type=elem.get("type", "ide"),
        index=int(idx) if idx and idx.isdigit() else -1,
        model=elem.get("model"),
        attrs={k: v for k, v in elem.attrib.items() if k not in ("type", "index", "model")},
        address=_address(elem),
        extra=_keep_extra(elem, ControllerDef.child_order, {"address"}),
    )


def _parse_graphics(elem: etree._Element) -> GraphicsDef:
    kind = elem.get("type", "vnc")
    port_s = elem.get("port")
    port = int(port_s) if port_s and port_s.lstrip("-").isdigit() else None
    auto_s = elem.get("autoport")
    autoport: bool | None = None if auto_s is None else auto_s == "yes"
    if kind == "vnc":
        if port is None or port == -1:
            autoport = True
            port = None
        elif autoport is None:
            autoport = False
    elif kind == "spice" and port == -1:
        autoport, port = True, None
    listens = [dict(li.attrib) for li in children(elem, "listen")]
    listen_attr = elem.get("listen")
    if kind in ("vnc", "spice", "rdp") and not listens:
        listens = [{"type": "address", **({"address": listen_attr} if listen_attr else {})}]
    skip = {"type", "port", "autoport", "passwd", "listen"}
    attrs = {k: v for k, v in elem.attrib.items() if k not in skip}
    if "passwdValidTo" in attrs:
        attrs["passwdValidTo"] = _password_expiry(attrs["passwdValidTo"])
    return GraphicsDef(
        type=kind,
        port=port,
        autoport=autoport,
        passwd=elem.get("passwd"),
        attrs=attrs,
        listens=listens,
        address=None,
        extra=_keep_extra(elem, GraphicsDef.child_order, {"listen"}),
    )


_VRAM_DEFAULT = {"vga": 16384, "cirrus": 16384, "vmvga": 16384, "qxl": 65536, "xen": 16384}


def _parse_video(elem: etree._Element) -> VideoDef:
    m = child(elem, "model")
    attrs = dict(m.attrib) if m is not None else {}
    kind = attrs.pop("type", "cirrus")

    def num(key: str) -> int | None:
        v = attrs.pop(key, None)
        return int(v) if v is not None and v.isdigit() else None

    vram, ram, vgamem, heads = num("vram"), num("ram"), num("vgamem"), num("heads")
    primary = attrs.pop("primary", "no") == "yes"
    if vram is None:
        vram = _VRAM_DEFAULT.get(kind)
    if kind == "qxl":
        ram = 65536 if ram is None else ram
    return VideoDef(
        model=kind,
        vram=vram,
        ram=ram,
        vgamem=vgamem,
        heads=1 if heads is None else heads,
        primary=primary,
        model_attrs=attrs,
        model_children=[copy.deepcopy(c) for c in m if isinstance(c.tag, str)]
        if m is not None
        else [],  # noqa: E501
        address=_address(elem),
        extra=_keep_extra(elem, VideoDef.child_order, {"model", "address"}),
    )


def parse_device(elem: etree._Element, *, os_type: str, arch: str) -> Device | None:
    """Parse one child of ``<devices>``; None for elements libvirt does not know (dropped)."""
    tag = elem.tag if isinstance(elem.tag, str) else ""
    if tag == "disk":
        return _parse_disk(elem)
    if tag == "interface":
        return _parse_interface(elem)
    if tag in ("serial", "parallel", "console", "channel"):
        return _parse_chardev(elem)
    if tag == "controller":
        return _parse_controller(elem)
    if tag == "input":
        kind = elem.get("type", "mouse")
        bus = elem.get("bus")
        if bus is None:
            x86 = arch in ("i686", "x86_64")
            if os_type == "hvm":
                bus = "ps2" if kind in ("mouse", "keyboard") and x86 else "usb"
            elif os_type in ("xen", "linux", "xenpvh"):
                bus = "xen"
        return InputDef(
            type=kind,
            bus=bus,
            address=_address(elem),
            extra=_keep_extra(elem, InputDef.child_order, {"address"}),
        )
    if tag == "graphics":
        return _parse_graphics(elem)
    if tag == "video":
        return _parse_video(elem)
    if tag == "memballoon":
        return MemballoonDef(
            model=elem.get("model", "virtio"),
            attrs={k: v for k, v in elem.attrib.items() if k != "model"},
            address=_address(elem),
            extra=_keep_extra(elem, MemballoonDef.child_order, {"address"}),
        )
    if tag in DEVICE_ORDER:
        kept = copy.deepcopy(elem)
        kept.tail = None
        if tag == "watchdog" and kept.get("action") is None:
            kept.set("action", "reset")
        return GenericDevice(element=kept, name=tag)
    return None


# ---------------------------------------------------------------- formatting


def _write_children(w: XMLWriter, dev: Device, own: dict[str, list[object]]) -> None:
    """Write modelled children (*own*, by name) and kept extras, merged in libvirt's order."""
    order = dev.child_order
    rank = {name: i for i, name in enumerate(order)}
    items: list[tuple[int, int, object]] = []
    seq = 0
    for name, writers in own.items():
        for item in writers:
            items.append((rank.get(name, rank.get("*", 0)), seq, item))
            seq += 1
    for el in dev.extra:
        items.append((rank.get(str(el.tag), len(order)), seq, el))
        seq += 1
    if dev.address is not None:
        items.append((rank.get("address", len(order)), seq, dev.address))
    items.sort(key=lambda t: (t[0], t[1]))
    from lxml import etree

    for _, _, item in items:
        if isinstance(item, etree._Element):
            w.element(item)
        elif isinstance(item, Address):
            item.write(w)
        else:
            item(w)  # type: ignore[operator]


def _emit(
    w: XMLWriter,
    tag: str,
    attrs: list[tuple[str, object]],
    dev: Device,
    own: dict[str, list[object]],
) -> None:  # noqa: E501
    has_children = any(own.values()) or dev.extra or dev.address is not None
    if not has_children:
        w.empty(tag, attrs)
        return
    w.open(tag, attrs)
    _write_children(w, dev, own)
    w.close(tag)


def _with_children(tag: str, attrs: list[tuple[str, object]], kids: list[etree._Element]):  # type: ignore[no-untyped-def]  # noqa: E501
    def write(w: XMLWriter) -> None:
        if not kids:
            w.empty(tag, attrs)
            return
        w.open(tag, attrs)
        for k in kids:
            w.element(k)
        w.close(tag)

    return write


_DRIVER_ORDER = ("name", "type", "cache", "error_policy", "rerror_policy", "io", "ioeventfd",
                 "event_idx", "copy_on_read", "discard", "iothread", "detect_zeroes", "queues",
                 "queue_size")  # fmt: skip


def _ordered(attrs: dict[str, str], order: tuple[str, ...]) -> list[tuple[str, object]]:
    known = [(k, attrs[k]) for k in order if k in attrs]
    rest = [(k, v) for k, v in attrs.items() if k not in order]
    return known + rest


def _driver_alias(el: etree._Element) -> bool:
    return el.tag == "alias" and not str(el.get("name", "")).startswith("ua-")


def format_device(w: XMLWriter, dev: Device, *, inactive: bool, secure: bool) -> None:
    """Write *dev* as libvirt 9.0 prints it."""
    if inactive and any(_driver_alias(e) for e in dev.extra):
        # Aliases name a running device: the inactive XML keeps only the users' (ua-...).
        dev = copy.copy(dev)
        dev.extra = [e for e in dev.extra if not _driver_alias(e)]
    own: dict[str, list[object]] = {}
    if isinstance(dev, DiskDef):
        if dev.driver is not None:
            own["driver"] = [_with_children("driver", _ordered(dev.driver, _DRIVER_ORDER), [])]
        if dev.source or dev.source_children:
            own["source"] = [
                _with_children("source", list(dev.source.items()), dev.source_children)
            ]  # noqa: E501
        own["target"] = [
            _with_children(
                "target",
                [("dev", dev.target_dev), ("bus", dev.target_bus), *dev.target_attrs.items()],
                [],
            )
        ]  # noqa: E501
        if dev.readonly:
            own["readonly"] = [_with_children("readonly", [], [])]
        if dev.shareable:
            own["shareable"] = [_with_children("shareable", [], [])]
        _emit(w, "disk", [("type", dev.type), ("device", dev.device), *dev.attrs.items()], dev, own)
    elif isinstance(dev, InterfaceDef):
        if dev.mac:
            own["mac"] = [_with_children("mac", [("address", dev.mac)], [])]
        if dev.source:
            own["source"] = [_with_children("source", list(dev.source.items()), [])]
        shown = dev.target_dev
        if shown and inactive and generated_ifname(shown, dev.target_attrs):
            shown = None
        if shown or dev.target_attrs:
            own["target"] = [
                _with_children("target", [("dev", shown), *dev.target_attrs.items()], [])
            ]
        if dev.model:
            own["model"] = [_with_children("model", [("type", dev.model)], [])]
        _emit(w, "interface", [("type", dev.type), *dev.attrs.items()], dev, own)
    elif isinstance(dev, ChardevDef):
        if dev.sources:
            own["source"] = [_with_children("source", list(s.items()), []) for s in dev.sources]
        if dev.target or dev.target_children:
            own["target"] = [
                _with_children("target", list(dev.target.items()), dev.target_children)
            ]  # noqa: E501
        attrs = [("type", dev.type)]
        pty = dev.sources[0].get("path") if dev.type == "pty" and dev.sources else None
        if dev.kind == "console" and pty and not inactive:
            attrs.append(("tty", pty))  # libvirt's compatibility attribute for old clients
        _emit(w, dev.kind, attrs, dev, own)
    elif isinstance(dev, ControllerDef):
        attrs: list[tuple[str, object]] = [
            ("type", dev.type),
            ("index", dev.index),
            ("model", dev.model),
        ]  # noqa: E501
        _emit(w, "controller", attrs + list(dev.attrs.items()), dev, own)
    elif isinstance(dev, InputDef):
        _emit(w, "input", [("type", dev.type), ("bus", dev.bus)], dev, own)
    elif isinstance(dev, GraphicsDef):
        _format_graphics(w, dev, inactive=inactive, secure=secure)
    elif isinstance(dev, VideoDef):
        mattrs: list[tuple[str, object]] = [
            ("type", dev.model),
            ("ram", dev.ram),
            ("vram", dev.vram),
            ("vgamem", dev.vgamem),
            ("heads", dev.heads),
            ("primary", "yes" if dev.primary else None),
            *dev.model_attrs.items(),
        ]
        own["model"] = [_with_children("model", mattrs, dev.model_children)]
        _emit(w, "video", [], dev, own)
    elif isinstance(dev, MemballoonDef):
        _emit(w, "memballoon", [("model", dev.model), *dev.attrs.items()], dev, own)
    elif isinstance(dev, GenericDevice) and dev.element is not None:
        w.element(dev.element)


_GFX_ORDER = ("websocket", "sharePolicy", "keymap", "defaultMode", "passwdValidTo", "connected")


def _format_graphics(w: XMLWriter, dev: GraphicsDef, *, inactive: bool, secure: bool) -> None:
    attrs: list[tuple[str, object]] = [("type", dev.type)]
    if dev.type == "vnc":
        if dev.port and (not dev.autoport or not inactive):
            attrs.append(("port", dev.port))
        elif dev.autoport:
            attrs.append(("port", -1))
        attrs.append(("autoport", "yes" if dev.autoport else "no"))
    elif dev.type in ("spice", "rdp"):
        if dev.port and (not dev.autoport or not inactive):
            attrs.append(("port", dev.port))
        if "tlsPort" in dev.attrs:
            attrs.append(("tlsPort", dev.attrs["tlsPort"]))
        attrs.append(("autoport", "yes" if dev.autoport else "no"))
    elif dev.port is not None:
        attrs.append(("port", dev.port))
    rest = {k: v for k, v in dev.attrs.items() if k != "tlsPort"}
    first = dev.listens[0] if dev.listens else None
    if first is not None and first.get("type") == "address" and first.get("address"):
        attrs.append(("listen", first["address"]))
    ordered = _ordered(rest, _GFX_ORDER)
    auth = next((i for i, (k, _) in enumerate(ordered) if k in ("passwdValidTo", "connected")),
                len(ordered))  # fmt: skip
    if secure and dev.passwd is not None:  # libvirt writes the password before its expiry
        ordered.insert(auth, ("passwd", dev.passwd))
    attrs.extend(ordered)
    own: dict[str, list[object]] = {
        "listen": [_with_children("listen", list(li.items()), []) for li in dev.listens]
    }
    _emit(w, "graphics", attrs, dev, own)
