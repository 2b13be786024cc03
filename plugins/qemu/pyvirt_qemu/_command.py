"""Domain definition → QEMU command line, with no side effects.

Why pure: the command line is where a definition turns into a guest, so it is tested golden
(model in, argv out) without starting anything, and checked against the installed QEMU's
``-device help`` / ``-machine help``.  Everything outside the supported subset raises
libvirt's VIR_ERR_CONFIG_UNSUPPORTED naming what was refused: a setting that was silently
dropped would give the user a different guest from the one they wrote.

The shape follows libvirt 9.0's qemu_command.c (``-blockdev`` pairs, ``-device`` per device,
the monitor as a ``-chardev`` socket plus ``-mon``, ``-no-shutdown`` so the driver sees guest
power-off) but the implementation is our own and much smaller.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import (
    Address,
    ChardevDef,
    ControllerDef,
    Device,
    DiskDef,
    DomainDef,
    GraphicsDef,
    InputDef,
    InterfaceDef,
    MemballoonDef,
    VideoDef,
)

__all__ = [
    "DEFAULT_EMULATOR",
    "LaunchPaths",
    "VNC_PORT_MIN",
    "assign_runtime_paths",
    "build_argv",
    "is_q35",
    "unsupported",
]

DEFAULT_EMULATOR = "/usr/bin/qemu-system-x86_64"
VNC_PORT_MIN = 5900
#: Autoport VNC: QEMU itself tries displays 0..N and takes the first free one (no race
#: between picking a port here and QEMU binding it); the port is read back with query-vnc.
VNC_AUTOPORT_LAST_DISPLAY = 65535 - VNC_PORT_MIN

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_NIC_MODELS = {"virtio": "virtio-net-pci", "e1000": "e1000", "e1000e": "e1000e",
               "rtl8139": "rtl8139"}  # fmt: skip
_USB_MODELS = {"piix3-uhci": "piix3-usb-uhci", "qemu-xhci": "qemu-xhci",
               "nec-xhci": "nec-usb-xhci", "ich9-ehci1": "ich9-usb-ehci1"}  # fmt: skip
_BOOT_LETTER = {"fd": "a", "hd": "c", "cdrom": "d", "network": "n"}
_FEATURES = frozenset({"acpi", "apic", "pae", "vmport"})
_LIFECYCLE = {
    "on_poweroff": ("destroy", "restart"),
    "on_reboot": ("destroy", "restart"),
    "on_crash": ("destroy", "restart", "preserve"),
}


def unsupported(what: str) -> Exception:
    """libvirt's VIR_ERR_CONFIG_UNSUPPORTED, reported by the QEMU driver."""
    return make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.QEMU, what)


def _opt(value: str) -> str:
    """Escape a value inside a QEMU ``a=b,c=d`` option string (a comma is doubled)."""
    return value.replace(",", ",,")


def is_q35(machine: str | None) -> bool:
    return bool(machine) and (machine or "").startswith(("q35", "pc-q35"))


@dataclass(frozen=True)
class LaunchPaths:
    """Where this run of the guest keeps its sockets (chosen by the driver per start)."""

    monitor: str
    channel_dir: str


def assign_runtime_paths(live: DomainDef, paths: LaunchPaths) -> None:
    """Fill in what libvirt generates at start and shows in the live XML: the guest agent
    channel's socket path (``<source mode='bind' path=…/>``) when the user gave none."""
    for ch in live.chardevs:
        if ch.kind == "channel" and ch.type == "unix":
            src = ch.sources[0] if ch.sources else {}
            if not src.get("path"):
                name = ch.target.get("name") or f"channel{live.chardevs.index(ch)}"
                src = {"mode": "bind", "path": os.path.join(paths.channel_dir, name)}
                ch.sources = [src, *ch.sources[1:]]


class _Builder:
    """One build: the argv being assembled plus the counters device ids come from."""

    def __init__(self, d: DomainDef, accel: str, paths: LaunchPaths) -> None:
        self.d = d
        self.accel = accel
        self.paths = paths
        self.q35 = is_q35(d.machine)
        self.pci_bus = "pcie.0" if self.q35 else "pci.0"
        self.argv: list[str] = []
        self.has_device_boot = False
        self.usb_ids: set[str] = set()

    def add(self, *args: str) -> None:
        self.argv.extend(args)

    def device(self, driver: str, props: list[tuple[str, object]], dev: Device | None) -> None:
        """One ``-device``; a PCI or USB ``<address>`` becomes bus/addr properties."""
        parts = [driver]
        parts += [f"{k}={_opt(str(v))}" for k, v in props if v is not None]
        if dev is not None and dev.address is not None and dev.address.type != "drive":
            # Drive addresses (controller/bus/unit) are already in the bus properties.
            parts += self.address_props(dev.address, driver)
        if dev is not None:
            boot = _boot_order(dev)
            if boot is not None:
                self.has_device_boot = True
                parts.append(f"bootindex={boot}")
        self.add("-device", ",".join(parts))

    def address_props(self, addr: Address, what: str) -> list[str]:
        a = addr.attrs
        if addr.type == "pci":
            if int(a.get("domain", "0"), 16) or int(a.get("bus", "0"), 16):
                raise unsupported(f"PCI address {_addr_text(addr)} of {what}: only bus 0")
            slot, fn = int(a.get("slot", "0"), 16), int(a.get("function", "0"), 16)
            out = [f"bus={self.pci_bus}", f"addr=0x{slot:x}" + (f".0x{fn:x}" if fn else "")]
            if a.get("multifunction") == "on":
                out.append("multifunction=on")
            return out
        if addr.type == "usb":
            return [f"bus=usb.{int(a.get('bus', '0'))}", f"port={a.get('port', '1')}"]
        raise unsupported(f"address type '{addr.type}' for {what}")


def _addr_text(addr: Address) -> str:
    return " ".join(f"{k}={v}" for k, v in addr.attrs.items())


def _boot_order(dev: Device) -> int | None:
    for el in dev.extra:
        if el.tag == "boot":
            order = el.get("order", "")
            if not order.isdigit():
                raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                                 f"incorrect boot order '{order}', expecting positive integer")  # fmt: skip
            return int(order)
    return None


def _check_extra(dev: Device, what: str, allowed: frozenset[str] = frozenset({"boot"})) -> None:
    for el in dev.extra:
        if el.tag not in allowed:
            raise unsupported(f"<{el.tag}> in {what}")


def build_argv(d: DomainDef, *, accel: str, paths: LaunchPaths) -> list[str]:
    """The full command line for *d* (its live definition, runtime paths assigned).

    *accel* is ``tcg`` or ``kvm``, chosen by the driver.  Raises VIR_ERR_CONFIG_UNSUPPORTED
    for anything this driver cannot honour.
    """
    if accel not in ("tcg", "kvm"):
        raise unsupported(f"accelerator '{accel}'")
    b = _Builder(d, accel, paths)
    _check_domain(d)
    b.add(d.emulator or DEFAULT_EMULATOR)
    b.add("-name", f"guest={_opt(d.name)},debug-threads=on")
    b.add("-S")
    _machine(b)
    b.add("-accel", accel)
    _cpu(b)
    b.add("-m", _memory(d.memory_kib))
    _smp(b)
    b.add("-uuid", d.uuid)
    b.add("-no-user-config", "-nodefaults")
    b.add("-chardev", f"socket,id=charmonitor,path={_opt(paths.monitor)},server=on,wait=off")
    b.add("-mon", "chardev=charmonitor,id=monitor,mode=control")
    _clock(b)
    # Always -no-shutdown: a guest power-off then stops QEMU instead of ending it, so the
    # driver sees SHUTDOWN and applies on_poweroff itself (as libvirt does).
    b.add("-no-shutdown")
    if d.on_reboot == "destroy":
        b.add("-no-reboot")
    _direct_boot(b)
    _controllers(b)
    _disks(b)
    _interfaces(b)
    _chardevs(b)
    _inputs(b)
    _graphics(b)
    _videos(b)
    _memballoon(b)
    _boot(b)  # after the devices: it depends on whether any device carried <boot order>
    return b.argv


# ---------------------------------------------------------------- domain-wide settings


def _check_domain(d: DomainDef) -> None:
    if d.type not in ("qemu", "kvm"):
        raise unsupported(f"Emulator '{d.emulator or DEFAULT_EMULATOR}' does not support "
                          f"virt type '{d.type}'")  # fmt: skip
    if d.os_type != "hvm":
        raise unsupported(f"OS type '{d.os_type}'")
    if d.arch not in ("x86_64", "i686"):
        raise unsupported(f"No emulator found for arch '{d.arch}'")
    for tag in d.extra:
        raise unsupported(f"<{tag}> element")
    check_device_kinds(d)
    if d.os_attrs:
        raise unsupported("<os> attributes " + ", ".join(sorted(d.os_attrs)))
    for el in d.os_extra:
        if el.tag != "bootmenu":
            raise unsupported(f"<os><{el.tag}>")
    if d.dtb is not None:
        raise unsupported("<os><dtb> on x86")
    if d.vcpu_placement != "static" or d.vcpu_cpuset:
        raise unsupported("vcpu placement or cpuset")
    for key, allowed in _LIFECYCLE.items():
        value = getattr(d, key)
        if value not in allowed:
            raise unsupported(f"<{key}> action '{value}'")


def _memory(kib: int) -> str:
    return f"size={kib // 1024}M" if kib % 1024 == 0 else f"size={kib}k"


def _feature_on(d: DomainDef, name: str) -> bool | None:
    """True/False when the feature is present (with its state), None when absent."""
    for el in d.features or []:
        if el.tag == name:
            return el.get("state", "on") == "on"
    return None


def _machine(b: _Builder) -> None:
    d = b.d
    machine = d.machine or "pc"
    if not machine.startswith(("pc", "q35")):
        raise unsupported(f"machine type '{machine}'")
    for el in d.features or []:
        if el.tag not in _FEATURES:
            raise unsupported(f"feature '{el.tag}'")
        if set(el.attrib) - {"state"} or len(el):
            raise unsupported(f"options of feature '{el.tag}'")
    props = [machine, "usb=off"]
    # libvirt leaves ACPI out unless <acpi/> is given; pc and q35 default to it on.
    props.append("acpi=" + ("on" if _feature_on(d, "acpi") else "off"))
    vmport = _feature_on(d, "vmport")
    if vmport is not None:
        props.append("vmport=" + ("on" if vmport else "off"))
    for timer in _timers(d):
        if timer.get("name") == "hpet" and timer.get("present") == "no":
            props.append("hpet=off")
    b.add("-machine", ",".join(props))


def _cpu(b: _Builder) -> None:
    cpu = b.d.cpu
    if cpu is None:
        return
    mode = cpu.get("mode", "custom")
    for key in cpu.attrib:
        if key not in ("mode", "match", "check", "migratable"):
            raise unsupported(f"<cpu {key}=…>")
    for kid in cpu:
        if isinstance(kid.tag, str) and kid.tag not in ("model", "topology", "feature"):
            raise unsupported(f"<cpu><{kid.tag}>")
    if mode == "host-passthrough":
        if b.accel != "kvm":
            raise unsupported("CPU mode 'host-passthrough' for x86_64 qemu domain on "
                              "x86_64 host is not supported by hypervisor")  # fmt: skip
        model = "host"
    elif mode == "host-model":
        # libvirt expands host-model to a named model; without KVM the closest honest
        # answer is QEMU's "max" (every feature TCG can emulate).
        model = "host" if b.accel == "kvm" else "max"
    elif mode == "custom":
        model_el = cpu.find("model")
        if model_el is None or not (model_el.text or "").strip():
            if cpu.find("feature") is not None:
                raise unsupported("CPU features without a CPU model")
            return  # only a topology
        model = (model_el.text or "").strip()
    else:
        raise unsupported(f"CPU mode '{mode}'")
    flags = []
    for feat in cpu.findall("feature"):
        policy, name = feat.get("policy", "require"), feat.get("name", "")
        if policy in ("require", "force"):
            flags.append(f"{name}=on")
        elif policy in ("disable", "forbid"):
            flags.append(f"{name}=off")
        else:
            raise unsupported(f"CPU feature policy '{policy}'")
    b.add("-cpu", ",".join([model, *flags]))


def _smp(b: _Builder) -> None:
    d = b.d
    sockets, cores, threads = d.max_vcpus, 1, 1
    topo = d.cpu.find("topology") if d.cpu is not None else None
    if topo is not None:
        sockets = int(topo.get("sockets", "1"))
        cores = int(topo.get("cores", "1"))
        threads = int(topo.get("threads", "1"))
        if int(topo.get("dies", "1")) != 1:
            raise unsupported("CPU topology with dies")
        if sockets * cores * threads != d.max_vcpus:
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             "CPU topology doesn't match maximum vcpu count")  # fmt: skip
    b.add("-smp", f"{d.vcpus},maxcpus={d.max_vcpus},sockets={sockets},cores={cores},"
                  f"threads={threads}")  # fmt: skip


def _timers(d: DomainDef) -> list[etree._Element]:
    return [t for t in d.clock if isinstance(t.tag, str)] if d.clock is not None else []


def _clock(b: _Builder) -> None:
    d = b.d
    if d.clock_offset not in ("utc", "localtime"):
        raise unsupported(f"clock offset '{d.clock_offset}'")
    if d.clock is not None and set(d.clock.attrib) - {"offset"}:
        raise unsupported("<clock> attributes other than offset")
    rtc = [f"base={d.clock_offset}"]
    for t in _timers(d):
        name, policy = t.get("name"), t.get("tickpolicy")
        if t.tag != "timer":
            raise unsupported(f"<clock><{t.tag}>")
        if name == "rtc":
            if policy == "catchup":
                rtc.append("driftfix=slew")
            elif policy not in (None, "delay"):
                raise unsupported(f"rtc timer tickpolicy '{policy}'")
            track = t.get("track")
            if track in ("guest", "wall"):
                rtc.append("clock=" + ("vm" if track == "guest" else "host"))
        elif name == "pit":
            if policy == "delay" and b.accel == "kvm":
                b.add("-global", "kvm-pit.lost_tick_policy=delay")
            elif policy not in (None, "delay"):
                raise unsupported(f"pit timer tickpolicy '{policy}'")
        elif name == "hpet":
            pass  # handled as the machine's hpet property
        else:
            raise unsupported(f"timer '{name}'")
    b.add("-rtc", ",".join(rtc))


def _direct_boot(b: _Builder) -> None:
    d = b.d
    if d.kernel:
        b.add("-kernel", d.kernel)
    if d.initrd:
        b.add("-initrd", d.initrd)
    if d.cmdline:
        b.add("-append", d.cmdline)


def _boot(b: _Builder) -> None:
    d = b.d
    menu = next((el for el in d.os_extra if el.tag == "bootmenu"), None)
    opts: list[str] = []
    if b.has_device_boot:
        if d.boot_devs and d.boot_devs != ["hd"]:
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             "per-device boot elements cannot be used together with os/boot "
                             "elements")  # fmt: skip
    elif d.boot_devs:
        letters = []
        for dev in d.boot_devs:
            if dev not in _BOOT_LETTER:
                raise unsupported(f"boot device '{dev}'")
            letters.append(_BOOT_LETTER[dev])
        opts.append("order=" + "".join(letters))
    if menu is not None:
        opts.append("menu=" + ("on" if menu.get("enable") == "yes" else "off"))
    opts.append("strict=on")
    b.add("-boot", ",".join(opts))


# ---------------------------------------------------------------- devices


def _controllers(b: _Builder) -> None:
    for c in b.d.controllers:
        _check_extra(c, f"controller {c.type}", frozenset())
        if c.attrs:
            raise unsupported(f"controller attributes {sorted(c.attrs)}")
        if c.type == "pci":
            root = "pcie-root" if b.q35 else "pci-root"
            if c.model not in (None, root) or c.index != 0:
                raise unsupported(f"PCI controller model '{c.model}' index {c.index}")
        elif c.type == "ide":
            if b.q35:
                raise unsupported("IDE controllers are unsupported for this QEMU binary or "
                                  "machine type")  # fmt: skip
            if c.index != 0:
                raise unsupported("only a single IDE controller is supported")
        elif c.type == "sata":
            if not (b.q35 and c.index == 0):  # q35's own AHCI is sata0
                b.device("ahci", [("id", f"sata{c.index}")], c)
        elif c.type == "usb":
            if c.model == "none":
                continue
            model = c.model or ("qemu-xhci" if b.q35 else "piix3-uhci")
            if model not in _USB_MODELS:
                raise unsupported(f"USB controller model '{model}'")
            ident = "usb" if c.index == 0 else f"usb{c.index}"
            b.usb_ids.add(ident)
            b.device(_USB_MODELS[model], [("id", ident)], c)
        elif c.type == "virtio-serial":
            b.device("virtio-serial-pci", [("id", f"virtio-serial{c.index}")], c)
        else:
            raise unsupported(f"controller type '{c.type}'")


def _disk_bus_props(b: _Builder, disk: DiskDef) -> tuple[str, list[tuple[str, object]]]:
    """(-device driver, bus properties and id) for a disk on its bus."""
    addr = disk.address.attrs if disk.address is not None and disk.address.type == "drive" else {}
    ctrl, bus, unit = (int(addr.get(k, "0")) for k in ("controller", "bus", "unit"))
    cd = disk.device == "cdrom"
    if disk.target_bus == "virtio":
        if cd:
            raise unsupported(f"disk type of '{disk.target_dev}' does not support ejectable media")
        from pyvirt.conf._domain_parse import disk_name_to_index

        return "virtio-blk-pci", [("id", f"virtio-disk{disk_name_to_index(disk.target_dev)}")]
    driver = "ide-cd" if cd else "ide-hd"
    if disk.target_bus == "ide":
        if b.q35:
            raise unsupported("IDE controllers are unsupported for this QEMU binary or machine "
                              "type")  # fmt: skip
        if ctrl != 0:
            raise unsupported("only a single IDE controller is supported")
        return driver, [("bus", f"ide.{bus}"), ("unit", unit), ("id", f"ide{ctrl}-{bus}-{unit}")]
    if disk.target_bus == "sata":
        qbus = f"ide.{unit}" if b.q35 and ctrl == 0 else f"sata{ctrl}.{unit}"
        return driver, [("bus", qbus), ("id", f"sata{ctrl}-0-{unit}")]
    raise unsupported(f"disk bus '{disk.target_bus}'")


def _disks(b: _Builder) -> None:
    for n, disk in enumerate(b.d.disks, start=1):
        what = f"disk '{disk.target_dev}'"
        _check_extra(disk, what)
        if disk.device not in ("disk", "cdrom"):
            raise unsupported(f"disk device '{disk.device}'")
        if disk.type != "file":
            raise unsupported(f"disk type '{disk.type}'")
        if disk.source_children or set(disk.source) - {"file"} or disk.target_attrs:
            raise unsupported(f"source or target options of {what}")
        if disk.shareable or disk.attrs:
            raise unsupported(f"attributes of {what}")
        drv = dict(disk.driver or {})
        if drv.pop("name", "qemu") != "qemu":
            raise unsupported(f"disk driver name of {what}")
        fmt = drv.pop("type", "raw")
        if fmt not in ("raw", "qcow2"):
            raise unsupported(f"storage format '{fmt}' of {what}")
        if drv:
            raise unsupported(f"driver options {sorted(drv)} of {what}")
        driver, props = _disk_bus_props(b, disk)
        if disk.readonly and driver == "ide-hd":
            raise unsupported("readonly ide disks are not supported")
        path = disk.source_path
        if path:
            node = f"libvirt-{n}"
            ro = disk.readonly
            storage = {"driver": "file", "filename": path, "node-name": f"{node}-storage",
                       "auto-read-only": True, "discard": "unmap"}  # fmt: skip
            fmt_node = {"node-name": f"{node}-format", "read-only": ro, "driver": fmt,
                        "file": f"{node}-storage"}  # fmt: skip
            b.add("-blockdev", json.dumps(storage, separators=(",", ":")))
            b.add("-blockdev", json.dumps(fmt_node, separators=(",", ":")))
            props = [*props[:-1], ("drive", f"{node}-format"), props[-1]]
        elif disk.device != "cdrom":
            raise make_error(ErrorCode.NO_SOURCE, ErrorDomain.QEMU, disk.target_dev)
        b.device(driver, props, disk)


def _interfaces(b: _Builder) -> None:
    for i, nic in enumerate(b.d.interfaces):
        what = f"interface {i}"
        if nic.type != "user":
            raise unsupported(f"interface type '{nic.type}'")
        _check_extra(nic, what)
        if nic.source or nic.attrs or nic.target_dev:
            raise unsupported(f"source, target or attributes of {what}")
        model = nic.model or "rtl8139"
        if model not in _NIC_MODELS:
            raise unsupported(f"interface model '{model}'")
        b.add("-netdev", f"user,id=hostnet{i}")
        b.device(_NIC_MODELS[model], [("netdev", f"hostnet{i}"), ("id", f"net{i}"),
                                      ("mac", nic.mac)], nic)  # fmt: skip


def _chardevs(b: _Builder) -> None:
    serial_ports = {c.target.get("port", "0") for c in b.d.chardevs if c.kind == "serial"}
    nchannel = 0
    for c in b.d.chardevs:
        _check_extra(c, c.kind, frozenset())
        if c.kind == "serial":
            _serial(b, c)
        elif c.kind == "console":
            ttype = c.target.get("type", "serial")
            if ttype == "serial":
                # Console 0 of type serial is a second view of serial 0: nothing to add.
                if c.target.get("port", "0") not in serial_ports:
                    raise unsupported("console without a matching serial device")
                continue
            if ttype != "virtio" or c.type != "pty":
                raise unsupported(f"console of type '{c.type}' target '{ttype}'")
            port = c.target.get("port", "0")
            b.add("-chardev", f"pty,id=charconsole{port}")
            b.device("virtconsole", [("chardev", f"charconsole{port}"),
                                     ("id", f"console{port}")], None)  # fmt: skip
        elif c.kind == "channel":
            nchannel += 1
            _channel(b, c, nchannel)
        else:
            raise unsupported(f"<{c.kind}> devices")


def _serial(b: _Builder, c: ChardevDef) -> None:
    if c.type != "pty":
        raise unsupported(f"serial type '{c.type}'")
    if c.target.get("type", "isa-serial") != "isa-serial":
        raise unsupported(f"serial target type '{c.target.get('type')}'")
    for kid in c.target_children:
        if kid.tag != "model" or kid.get("name") != "isa-serial":
            raise unsupported("serial target model other than isa-serial")
    port = c.target.get("port", "0")
    b.add("-chardev", f"pty,id=charserial{port}")
    b.device("isa-serial", [("chardev", f"charserial{port}"), ("id", f"serial{port}"),
                            ("index", port)], None)  # fmt: skip


def _channel(b: _Builder, c: ChardevDef, nr: int) -> None:
    if c.type != "unix" or c.target.get("type") != "virtio":
        raise unsupported(f"channel of type '{c.type}' target '{c.target.get('type')}'")
    src = c.sources[0] if c.sources else {}
    if src.get("mode", "bind") != "bind" or not src.get("path") or len(c.sources) > 1:
        raise unsupported("channel source other than a unix socket the guest side binds")
    if set(c.target) - {"type", "name", "state"}:
        raise unsupported("channel target options")
    ident = f"channel{nr - 1}"
    b.add("-chardev", f"socket,id=char{ident},path={_opt(src['path'])},server=on,wait=off")
    props: list[tuple[str, object]] = [("bus", "virtio-serial0.0"), ("nr", nr)]
    if c.address is not None:
        if c.address.type != "virtio-serial":
            raise unsupported(f"address type '{c.address.type}' for a channel")
        a = c.address.attrs
        props = [("bus", f"virtio-serial{a.get('controller', '0')}.{a.get('bus', '0')}"),
                 ("nr", a.get("port", nr))]  # fmt: skip
    props += [("chardev", f"char{ident}"), ("id", ident), ("name", c.target.get("name"))]
    b.add("-device", ",".join(["virtserialport", *(f"{k}={_opt(str(v))}" for k, v in props
                                                    if v is not None)]))  # fmt: skip


def _inputs(b: _Builder) -> None:
    for i, inp in enumerate(b.d.inputs):
        _check_extra(inp, f"input {inp.type}", frozenset())
        if inp.bus == "ps2":
            if inp.type not in ("mouse", "keyboard"):
                raise unsupported(f"ps2 {inp.type}")
            continue  # the PC's own i8042: always there
        names = {"tablet": "tablet", "mouse": "mouse", "keyboard": "kbd"}
        if inp.type not in names:
            raise unsupported(f"input type '{inp.type}'")
        if inp.bus == "usb":
            if not b.usb_ids:
                raise unsupported("USB is disabled for this domain, but USB devices are "
                                  "present in the domain XML")  # fmt: skip
            props: list[tuple[str, object]] = [("id", f"input{i}")]
            if inp.address is None:
                props.insert(0, ("bus", "usb.0"))
            b.device(f"usb-{names[inp.type]}", props, inp)
        elif inp.bus == "virtio":
            kind = "keyboard" if inp.type == "keyboard" else inp.type
            b.device(f"virtio-{kind}-pci", [("id", f"input{i}")], inp)
        else:
            raise unsupported(f"input bus '{inp.bus}'")


def _graphics(b: _Builder) -> None:
    gfx = b.d.graphics
    if not gfx:
        b.add("-display", "none")
        return
    if len(gfx) > 1:
        raise unsupported("more than one graphics device")
    g: GraphicsDef = gfx[0]
    if g.type != "vnc":
        raise unsupported(f"graphics type '{g.type}'")
    if g.passwd is not None or g.attrs or g.extra:
        raise unsupported("VNC options (password, websocket, keymap, ...)")
    listen = g.listens[0] if g.listens else {"type": "address"}
    if len(g.listens) > 1 or listen.get("type", "address") != "address":
        raise unsupported("VNC listen types other than one address")
    host = listen.get("address") or "127.0.0.1"
    if host not in _LOOPBACK:
        raise unsupported(f"VNC listen address '{host}': only loopback addresses")
    shown = f"[{host}]" if ":" in host else host
    b.add("-audiodev", json.dumps({"id": "audio1", "driver": "none"}, separators=(",", ":")))
    if g.autoport or not g.port:
        b.add("-vnc", f"{shown}:0,to={VNC_AUTOPORT_LAST_DISPLAY},audiodev=audio1")
    else:
        if g.port < VNC_PORT_MIN:
            raise unsupported(f"VNC port {g.port} below {VNC_PORT_MIN}")
        b.add("-vnc", f"{shown}:{g.port - VNC_PORT_MIN},audiodev=audio1")


def _videos(b: _Builder) -> None:
    for i, v in enumerate(b.d.videos):
        _check_extra(v, f"video {v.model}", frozenset())
        if v.model_attrs or v.model_children or (v.heads or 1) != 1:
            raise unsupported(f"options of video model '{v.model}'")
        if v.model == "none":
            continue
        primary = i == 0
        props: list[tuple[str, object]] = [("id", f"video{i}")]
        if v.model in ("cirrus", "vga"):
            if not primary:
                raise unsupported(f"secondary video model '{v.model}'")
            driver = "cirrus-vga" if v.model == "cirrus" else "VGA"
            if v.vram:
                props.append(("vgamem_mb", v.vram // 1024))
        elif v.model == "virtio":
            driver = "virtio-vga" if primary else "virtio-gpu-pci"
        elif v.model == "bochs":
            driver = "bochs-display"
        else:
            raise unsupported(f"video model '{v.model}'")
        b.device(driver, props, v)


def _memballoon(b: _Builder) -> None:
    mb: MemballoonDef | None = b.d.memballoon
    if mb is None or mb.model == "none":
        return
    _check_extra(mb, "memballoon", frozenset())
    if mb.model != "virtio" or mb.attrs:
        raise unsupported(f"memballoon model '{mb.model}' or its options")
    b.device("virtio-balloon-pci", [("id", "balloon0")], mb)


#: Types the builder handles; the driver refuses definitions holding anything else.
HANDLED_DEVICES = (DiskDef, InterfaceDef, ChardevDef, ControllerDef, GraphicsDef, VideoDef,
                   InputDef, MemballoonDef)  # fmt: skip


def check_device_kinds(d: DomainDef) -> None:
    """Refuse device kinds the builder knows nothing about (sound, hostdev, rng, ...)."""
    for dev in d.devices:
        if not isinstance(dev, HANDLED_DEVICES):
            raise unsupported(f"device type '{dev.tag}'")
