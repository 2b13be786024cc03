"""Domain XML to :class:`DomainDef`, with libvirt's post-parse defaults and checks.

Why the checks run in this order: libvirt reports the first problem it meets, and scripts see
that one message, so the order (identity, then capabilities, then sizes, then post-parse) is
libvirt 9.0's ``virDomainDefParseXML`` followed by its post-parse callbacks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from lxml import etree

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._xml import parse_document
from pyvirt.conf._common import (
    check_name,
    child,
    children,
    first_children,
    generate_mac,
    generate_uuid,
    parse_uuid,
)
from pyvirt.conf._devices import (
    Address,
    ChardevDef,
    ControllerDef,
    Device,
    DiskDef,
    GraphicsDef,
    InterfaceDef,
    VideoDef,
    generated_ifname,
    parse_device,
)
from pyvirt.conf._domain import TOP_LEVEL_ORDER, DomainDef
from pyvirt.conf._iothread_checks import check_iothreads
from pyvirt.conf._units import LLONG_MAX, parse_bitmap, read_scaled_element

__all__ = ["parse_domain_xml", "insert_controller", "disk_name_to_index"]

_DOM = ErrorDomain.DOMAIN

VIRT_TYPES = frozenset({
    "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv",
    "vbox", "phyp", "parallels", "bhyve", "vz",
})  # fmt: skip
OS_TYPES = frozenset({"hvm", "xen", "linux", "exe", "uml", "xenpvh"})
ARCHES = frozenset({
    "alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64", "lm32",
    "loongarch64", "m68k", "microblaze", "microblazeel", "mips", "mipsel", "mips64",
    "mips64el", "openrisc", "parisc", "parisc64", "ppc", "ppcle", "ppc64", "ppc64le",
    "ppcemb", "riscv32", "riscv64", "s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64",
    "unicore32", "x86_64", "xtensa", "xtensaeb",
})  # fmt: skip
_MODELLED_TOP = frozenset({
    "name", "uuid", "title", "description", "metadata", "memory", "currentMemory", "vcpu",
    "os", "features", "cpu", "clock", "on_poweroff", "on_reboot", "on_crash", "devices",
})  # fmt: skip
_OS_KEPT = (
    "firmware", "init", "initarg", "initenv", "initdir", "inituser", "initgroup", "loader",
    "nvram", "acpi", "root", "bootmenu", "bios", "smbios",
)  # fmt: skip
FEATURE_ORDER = (
    "acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm", "xen", "pvspinlock",
    "capabilities", "pmu", "vmport", "gic", "smm", "ioapic", "hpt", "vmcoreinfo", "htm",
    "nested-hv", "msrs", "ccf-assist", "cfpc", "sbbc", "ibs", "tcg", "async-teardown",
)  # fmt: skip


def _text(elem: etree._Element | None) -> str | None:
    """``string(./x[1])``: all descendant text, None when the element is absent."""
    if elem is None:
        return None
    if not len(elem):  # no children: its text is all of it
        return elem.text or ""
    return "".join(elem.itertext())


def _xml_err(msg: str) -> Exception:
    return make_error(ErrorCode.XML_ERROR, _DOM, msg)


def _parse_memory(elem: etree._Element | None, name: str) -> int:
    """The ``<name>`` element *elem* (absent: None) in KiB."""
    if elem is None:
        return 0
    bytes_ = read_scaled_element(elem, f"./{name}[1]", 1024, LLONG_MAX)
    kib = -(-bytes_ // 1024)
    if kib >= -(-LLONG_MAX // 1024):
        raise make_error(ErrorCode.OVERFLOW, _DOM, "size value too large")
    return kib


def _parse_uint(text: str | None) -> int | None:
    if text is None or not text.isdigit() or int(text) > 0xFFFFFFFF:
        return None
    return int(text)


def _iothread_ids(extra: dict[str, list[etree._Element]]) -> None:
    """libvirt's IOThread defaults: the ``<iothreads>`` count is at least the number of
    ``<iothreadids>`` listed, and listed ids are topped up to the count with the lowest
    unused ids (a count alone lists none)."""
    listed = extra.get("iothreadids")
    if not listed:
        return
    ids = [el.get("id") for el in listed[0] if el.tag == "iothread"]
    counted = extra.get("iothreads")
    try:
        count = int((counted[0].text or "").strip()) if counted else 0
    except ValueError:
        return  # left to the driver's own checks
    if count < len(ids):
        count_el = etree.Element("iothreads")
        count_el.text = str(len(ids))
        extra["iothreads"] = [count_el]
    candidate = 1
    while len(ids) < count:
        if str(candidate) not in ids:
            etree.SubElement(listed[0], "iothread", id=str(candidate))
            ids.append(str(candidate))
        candidate += 1


def _metadata(elem: etree._Element | None) -> list[etree._Element]:
    """Keep namespaced children only, first per namespace, as libvirt's sanitizer does."""
    kept: list[etree._Element] = []
    seen: set[str] = set()
    for c in elem if elem is not None else []:
        if not isinstance(c.tag, str):
            continue
        ns = etree.QName(c).namespace
        if not ns or ns in seen:
            continue
        seen.add(ns)
        dup = copy.deepcopy(c)
        dup.tail = None
        kept.append(dup)
    return kept


def parse_domain_xml(
    xml: str | bytes | etree._Element,
    *,
    domain_type_default: str | None = None,
    default_arch: str = "i686",
    driver_defaults: Callable[[DomainDef], None] | None = None,
    live: bool = False,
) -> DomainDef:
    """Parse a domain document and apply libvirt's defaults (uuid, currentMemory, boot...).

    *driver_defaults* is the driver's own post-parse step (libvirt's ``domainPostParse``
    callback): it runs before the controllers and consoles the devices imply are added, as in
    libvirt, which decides the order those come out in.

    *live*: the document is a driver's own record of a running domain (libvirt parses it
    without VIR_DOMAIN_DEF_PARSE_INACTIVE).  Otherwise it is a definition, and names that
    belong to a run are dropped as libvirt drops them: tap names of the kinds libvirt
    generates (unless ``managed='no'``) and pty paths.

    *xml* may be an element of a document already parsed by :func:`parse_document` (a
    domain of a node file, as libvirt's virDomainDefParseNode takes it): it is read, not
    changed."""
    if isinstance(xml, (str, bytes)):
        root = parse_document(xml, "domain_definition", _DOM)
    else:
        root = xml
    if root.tag != "domain":
        # virXMLParse's check, reported from libvirt's XML code as it is there.
        raise make_error(
            ErrorCode.XML_ERROR,
            ErrorDomain.XML,
            f"expecting root element of 'domain', not '{root.tag}'",
        )
    top = first_children(root)
    # --- identity (virDomainDefParseIDs)
    name = _text(top.get("name"))
    if not name:
        raise make_error(ErrorCode.NO_NAME, _DOM, None)
    uuid_text = _text(top.get("uuid"))
    if uuid_text is None:
        uuid = generate_uuid()
    else:
        parsed = parse_uuid(uuid_text)
        if parsed is None:
            raise make_error(ErrorCode.INTERNAL_ERROR, _DOM, "malformed uuid element")
        uuid = parsed
    # --- capabilities (virDomainDefParseCaps)
    vtype = root.get("type") or domain_type_default
    if not vtype:
        raise make_error(ErrorCode.INTERNAL_ERROR, _DOM, "missing domain type attribute")
    if vtype not in VIRT_TYPES:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _DOM, f"invalid domain type {vtype}")
    os_el = top.get("os")
    type_el = child(os_el, "type")
    os_type = _text(type_el)
    if not os_type:
        raise _xml_err("an os <type> must be specified")
    if os_type not in OS_TYPES:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _DOM, f"unknown OS type '{os_type}'")
    assert type_el is not None
    arch = type_el.get("arch")
    if arch is not None and arch not in ARCHES:
        raise make_error(ErrorCode.CONFIG_UNSUPPORTED, _DOM, f"Unknown architecture {arch}")
    d = DomainDef(name=name, uuid=uuid, type=vtype, os_type=os_type, arch=arch or default_arch)
    d.machine = type_el.get("machine")
    d.attrs = {}
    # --- descriptive
    title = _text(top.get("title"))
    if title is not None and "\n" in title:
        raise _xml_err("Domain title can't contain newlines")
    d.title = title
    d.description = _text(top.get("description"))
    metadata_el = top.get("metadata")
    d.metadata = _metadata(metadata_el)
    d.has_metadata = metadata_el is not None
    # --- memory
    d.memory_kib = _parse_memory(top.get("memory"), "memory")
    d.current_memory_kib = _parse_memory(top.get("currentMemory"), "currentMemory")
    # --- vcpus
    vcpu_el = top.get("vcpu")
    if vcpu_el is not None:
        maxv = _parse_uint(_text(vcpu_el))
        if maxv is None:
            raise _xml_err("maximum vcpus count must be an integer")
        d.max_vcpus = maxv
        cur_s = vcpu_el.get("current")
        if cur_s is not None:
            cur = _parse_uint(cur_s)
            if cur is None:
                raise _xml_err("current vcpus count must be an integer")
            d.vcpus = cur
        else:
            d.vcpus = maxv
        d.vcpu_placement = vcpu_el.get("placement", "static")
        d.vcpu_cpuset = vcpu_el.get("cpuset")
        if d.vcpus > d.max_vcpus:
            raise make_error(
                ErrorCode.CONFIG_UNSUPPORTED,
                _DOM,
                "maximum vCPU count must not be less than current vCPU count",
            )
    # CPU sets of <cputune> are kept as written, but checked as libvirt parses them
    cputune = top.get("cputune")
    for pin in () if cputune is None else cputune:
        cpuset = pin.get("cpuset")
        if cpuset is not None:
            parse_bitmap(cpuset)
    # --- os
    _parse_os(d, os_el)
    # --- features, cpu, clock, lifecycle
    feats = top.get("features")
    if feats is not None:
        rank = {n: i for i, n in enumerate(FEATURE_ORDER)}
        kept = []
        for f in feats:
            if not isinstance(f.tag, str):
                continue
            if f.tag not in rank:
                raise make_error(
                    ErrorCode.CONFIG_UNSUPPORTED, _DOM, f"unexpected feature '{f.tag}'"
                )
            kept.append(copy.deepcopy(f))
        kept.sort(key=lambda f: rank[str(f.tag)])
        d.features = kept
    cpu = top.get("cpu")
    if cpu is not None:
        d.cpu = copy.deepcopy(cpu)
    clock = top.get("clock")
    if clock is not None:
        d.clock = copy.deepcopy(clock)
        d.clock_offset = clock.get("offset", "utc")
    for ev, default in (
        ("on_poweroff", "destroy"),
        ("on_reboot", "restart"),
        ("on_crash", "destroy"),
    ):  # noqa: E501
        setattr(d, ev, _text(top.get(ev)) or default)
    # --- kept top-level elements
    for c in root:
        if isinstance(c.tag, str) and c.tag in TOP_LEVEL_ORDER and c.tag not in _MODELLED_TOP:
            dup = copy.deepcopy(c)
            dup.tail = None
            d.extra.setdefault(str(c.tag), []).append(dup)
    if "memtune" in d.extra:
        memtune = _memtune(d.extra.pop("memtune")[0])
        if len(memtune):
            d.extra["memtune"] = [memtune]
    check_iothreads(d.extra)
    _iothread_ids(d.extra)
    # --- devices
    devs = top.get("devices")
    for c in devs if devs is not None else []:
        if not isinstance(c.tag, str):
            continue
        if c.tag == "emulator":
            d.emulator = _text(c)
            continue
        dev = parse_device(c, os_type=d.os_type, arch=d.arch)
        if dev is not None:
            d.devices.append(dev)
    if not live:
        _forget_run_names(d.devices)
    _post_parse(d, driver_defaults)
    return d


def _forget_run_names(devices: list[Device]) -> None:
    """What a definition cannot carry (libvirt's inactive parse): a generated tap name and a
    pty's path are a run's, read only from live XML."""
    for dev in devices:
        if isinstance(dev, InterfaceDef):
            if dev.target_dev and generated_ifname(dev.target_dev, dev.target_attrs):
                dev.target_dev = None
        elif isinstance(dev, ChardevDef) and dev.type == "pty":
            sources = ({k: v for k, v in s.items() if k != "path"} for s in dev.sources)
            dev.sources = [kept for kept in sources if kept]


#: <memtune>'s limits in the order libvirt writes them; VIR_DOMAIN_MEMORY_PARAM_UNLIMITED.
_MEMTUNE = ("hard_limit", "soft_limit", "min_guarantee", "swap_hard_limit")
_MEMORY_UNLIMITED = 2**53 - 1


def _memtune(elem: etree._Element) -> etree._Element:
    """virDomainParseMemoryLimit for each limit, then written back as libvirt formats them:
    KiB, libvirt's order, a limit at "unlimited" (or a zero guarantee) left out."""
    out = etree.Element("memtune")
    for tag in _MEMTUNE:
        found = elem.find(tag)
        if found is None:
            continue
        size = read_scaled_element(found, f"./memtune/{tag}[1]", 1024, _MEMORY_UNLIMITED << 10)
        kib = min(-(-size // 1024), _MEMORY_UNLIMITED)
        if kib < _MEMORY_UNLIMITED and (tag != "min_guarantee" or kib):
            etree.SubElement(out, tag, unit="KiB").text = str(kib)
    return out


def _parse_os(d: DomainDef, os_el: etree._Element | None) -> None:
    assert os_el is not None
    d.os_attrs = dict(os_el.attrib)
    kids = first_children(os_el)
    if d.os_type in ("hvm", "xen", "xenpvh", "uml"):
        # libvirt reads direct-boot options only for these OS types.
        d.kernel = _text(kids.get("kernel"))
        d.initrd = _text(kids.get("initrd"))
        d.cmdline = _text(kids.get("cmdline"))
        d.dtb = _text(kids.get("dtb"))
    d.init = _text(kids.get("init"))
    if d.os_type == "exe" and not d.init:
        raise _xml_err("init binary must be specified")
    d.boot_devs = [b.get("dev", "") for b in children(os_el, "boot")]
    for c in os_el:
        if isinstance(c.tag, str) and c.tag in _OS_KEPT and c.tag != "init":
            dup = copy.deepcopy(c)
            dup.tail = None
            d.os_extra.append(dup)


# ---------------------------------------------------------------- post-parse


def disk_name_to_index(name: str) -> int:
    """``virDiskNameToIndex``: 'hda' -> 0, 'sdb' -> 1, 'vdaa' -> 26; -1 when not a disk name."""
    for prefix in ("fd", "hd", "vd", "sd", "xvd", "ubd"):
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            break
    else:
        return -1
    idx = 0
    letters = 0
    for ch in rest:
        if not "a" <= ch <= "z":
            break
        idx = idx * 26 + (ord(ch) - ord("a") + 1)
        letters += 1
    if letters == 0:
        return -1
    return idx - 1


def _assign_drive_address(disk: DiskDef) -> None:
    idx = disk_name_to_index(disk.target_dev)
    if idx < 0:
        return
    if disk.target_bus == "ide":
        ctrl, bus, unit = idx // 4, (idx % 4) // 2, idx % 2
    elif disk.target_bus == "sata":
        ctrl, bus, unit = idx // 6, 0, idx % 6
    elif disk.target_bus == "scsi":
        ctrl, bus, unit = idx // 7, 0, idx % 7
    elif disk.target_bus == "fdc":
        ctrl, bus, unit = 0, 0, idx
    else:
        return
    disk.address = Address(
        "drive", {"controller": str(ctrl), "bus": str(bus), "target": "0", "unit": str(unit)}
    )  # noqa: E501


def insert_controller(ctrls: list[ControllerDef], new: ControllerDef) -> None:
    """Insert *new* where libvirt's ``virDomainControllerInsertPreAlloced`` would.

    After the last controller of the same type with a lower or equal index, else before the
    first of that type with a higher index, else at the end.
    """
    at = -1
    for i in range(len(ctrls) - 1, -1, -1):
        cur = ctrls[i]
        if cur.type == new.type:
            if new.index == -1 or cur.index <= new.index:
                at = i + 1
                break
            if cur.index > new.index:
                at = i
    if at == -1:
        ctrls.append(new)
    else:
        ctrls.insert(at, new)


def _post_parse(d: DomainDef, driver_defaults: Callable[[DomainDef], None] | None) -> None:
    if d.memory_kib == 0:
        raise _xml_err("Memory size must be specified via <memory> or in the <numa> configuration")
    if d.current_memory_kib == 0 or d.current_memory_kib > d.memory_kib:
        d.current_memory_kib = d.memory_kib
    if d.max_vcpus == 0:
        raise make_error(
            ErrorCode.INTERNAL_ERROR, _DOM, "CPU IDs in <numa> exceed the <vcpu> count"
        )
    has_dev_boot = any(
        isinstance(el.tag, str) and el.tag == "boot" for dev in d.devices for el in dev.extra
    )
    if d.os_type == "hvm" and not d.boot_devs and not has_dev_boot:
        d.boot_devs = ["hd"]
    others: list[Device] = []
    ctrls: list[ControllerDef] = []
    for dev in d.devices:
        if isinstance(dev, ControllerDef):
            insert_controller(ctrls, dev)
        else:
            others.append(dev)
    for c in ctrls:
        if c.index == -1:
            used = {x.index for x in ctrls if x.type == c.type}
            c.index = next(i for i in range(len(ctrls) + 1) if i not in used)
    for dev in others:
        if isinstance(dev, DiskDef) and dev.address is None:
            _assign_drive_address(dev)
        elif isinstance(dev, InterfaceDef) and dev.mac is None:
            dev.mac = generate_mac()
    if driver_defaults is not None:
        d.devices = others + ctrls
        driver_defaults(d)
        ctrls = d.controllers
        others = [dev for dev in d.devices if not isinstance(dev, ControllerDef)]
    others = _console_compat(d, others)
    _implicit_controllers(others, ctrls)
    _implicit_video(d, others)
    d.devices = others + ctrls
    check_name(d.name, _DOM)


def _console_compat(d: DomainDef, devs: list[Device]) -> list[Device]:
    serials = [x for x in devs if isinstance(x, ChardevDef) and x.kind == "serial"]
    consoles = [x for x in devs if isinstance(x, ChardevDef) and x.kind == "console"]
    for i, s in enumerate(serials):
        if "port" not in s.target:
            s.target = {**s.target, "port": str(i)}
    if d.os_type != "hvm":
        return devs
    for i, con in enumerate(consoles):
        if i == 0 and "type" not in con.target:
            con.target = {"type": "serial", **con.target}
        if "port" not in con.target:
            con.target = {**con.target, "port": str(i)}
    if consoles and consoles[0].target.get("type") == "serial":
        con = consoles[0]
        if not serials:
            serial = ChardevDef(
                kind="serial",
                type=con.type,
                sources=copy.deepcopy(con.sources),
                target={"port": "0"},
                extra=_mirrored(con),
            )
            devs = [serial, *devs]
        else:
            # libvirt prints console 0 as a view of serial 0.
            con.type = serials[0].type
            con.sources = copy.deepcopy(serials[0].sources)
            con.extra = _mirrored(serials[0])
    elif serials and not consoles:
        s = serials[0]
        con = ChardevDef(
            kind="console",
            type=s.type,
            sources=copy.deepcopy(s.sources),
            target={"type": "serial", "port": "0"},
            extra=_mirrored(s),
        )
        devs = [*devs, con]
    return devs


def _mirrored(dev: ChardevDef) -> list[etree._Element]:
    return [copy.deepcopy(e) for e in dev.extra if e.tag in ("protocol", "log")]


def _implicit_controllers(devs: list[Device], ctrls: list[ControllerDef]) -> None:
    for ctype in ("scsi", "fdc", "ide", "sata"):
        top = -1
        for dev in devs:
            if (
                isinstance(dev, DiskDef)
                and dev.target_bus == ctype
                and dev.address is not None
                and dev.address.type == "drive"
            ):
                top = max(top, int(dev.address.attrs.get("controller", "0")))
        for idx in range(top + 1):
            if not any(c.type == ctype and c.index == idx for c in ctrls):
                insert_controller(ctrls, ControllerDef(type=ctype, index=idx))
    wants_vserial = any(
        isinstance(dev, ChardevDef)
        and dev.kind in ("channel", "console")
        and dev.target.get("type") == "virtio"
        for dev in devs
    )
    if wants_vserial and not any(c.type == "virtio-serial" for c in ctrls):
        insert_controller(ctrls, ControllerDef(type="virtio-serial", index=0))


def _implicit_video(d: DomainDef, devs: list[Device]) -> None:
    videos = [x for x in devs if isinstance(x, VideoDef)]
    if not videos and any(isinstance(x, GraphicsDef) for x in devs):
        v = VideoDef(model="cirrus", vram=16384, heads=1)
        devs.append(v)
        videos = [v]
    if videos:
        primary = next((v for v in videos if v.primary), videos[0])
        if primary is not videos[0]:
            devs.remove(primary)
            devs.insert(devs.index(videos[0]), primary)
        for v in videos:
            v.primary = v is primary
