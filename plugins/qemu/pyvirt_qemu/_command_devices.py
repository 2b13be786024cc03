"""``-device`` (and ``-blockdev``, ``-netdev``, ``-chardev``, ``-vnc``) arguments for each
device of the supported subset; anything else is refused, never skipped."""

from __future__ import annotations

import json

from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import (
    ChardevDef,
    ControllerDef,
    DiskDef,
    DomainDef,
    GenericDevice,
    GraphicsDef,
    InputDef,
    InterfaceDef,
    MemballoonDef,
    VideoDef,
)

from pyvirt_qemu._command_base import (
    _LOOPBACK,
    _NIC_MODELS,
    _USB_MODELS,
    VNC_AUTOPORT_LAST_DISPLAY,
    VNC_PORT_MIN,
    _Builder,
    _check_extra,
    _opt,
    unsupported,
)
from pyvirt_qemu._command_disks import scsi_controller_driver
from pyvirt_qemu._command_iothreads import controller_iothread, iothread_alias

#: PCI controllers a definition may hold besides the root bus: model → QEMU device.
_PCI_BUSES = {"pcie-root-port": "pcie-root-port", "pcie-to-pci-bridge": "pcie-pci-bridge",
              "pci-bridge": "pci-bridge"}  # fmt: skip


def _pci_controller(b: _Builder, c: ControllerDef) -> None:
    """A root port or bridge, before the devices that sit on it (QEMU wants buses first)."""
    _check_extra(c, f"controller pci {c.model}", frozenset({"model", "target"}))
    if c.index == 0:
        root = "pcie-root" if b.q35 else "pci-root"
        if c.model not in (None, root):
            raise unsupported(f"PCI controller model '{c.model}' index 0")
        return
    if c.model not in _PCI_BUSES or (c.model.startswith("pcie") and not b.q35):
        raise unsupported(f"PCI controller model '{c.model}' on this machine type")
    target = next((dict(e.attrib) for e in c.extra if e.tag == "target"), {})
    props: list[tuple[str, object]] = []
    if c.model == "pcie-root-port":
        props += [("port", target.get("port")), ("chassis", target.get("chassis", c.index))]
    elif c.model == "pci-bridge":
        props.append(("chassis_nr", target.get("chassisNr", c.index)))
    props.append(("id", f"pci.{c.index}"))
    b.device(_PCI_BUSES[c.model], props, c)


def _controllers(b: _Builder) -> None:
    for c in sorted((c for c in b.d.controllers if c.type == "pci"), key=lambda c: c.index):
        _pci_controller(b, c)
    for c in b.d.controllers:
        if c.type == "pci":
            continue
        _check_extra(c, f"controller {c.type}", _CONTROLLER_CHILDREN.get(c.type, frozenset()))
        if c.attrs:
            raise unsupported(f"controller attributes {sorted(c.attrs)}")
        if c.type == "ide":
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
        elif c.type == "scsi":
            _scsi_controller(b, c)
        elif c.type == "virtio-serial":
            b.device("virtio-serial-pci", [("id", f"virtio-serial{c.index}")], c)
        else:
            raise unsupported(f"controller type '{c.type}'")


#: Children a controller may carry besides its address and alias.
_CONTROLLER_CHILDREN = {"scsi": frozenset({"driver"})}


def _scsi_controller(b: _Builder, c: ControllerDef) -> None:
    """A SCSI controller; a virtio-scsi one runs in the IOThread its ``<driver>`` names."""
    driver = next((el for el in c.extra if el.tag == "driver"), None)
    if driver is not None and set(driver.attrib) - {"iothread"}:
        raise unsupported(f"driver options of controller scsi {c.index}")
    iothread = controller_iothread(c)
    props: list[tuple[str, object]] = [("id", f"scsi{c.index}")]
    if iothread is not None:
        props.insert(0, ("iothread", iothread_alias(iothread)))
    b.device(scsi_controller_driver(c.model), props, c)


def _interfaces(b: _Builder) -> None:
    for i, nic in enumerate(b.d.interfaces):
        what = f"interface {i}"
        _check_extra(nic, what, frozenset({"boot", "link"}))  # (a link is set once QEMU runs)
        if nic.attrs:
            raise unsupported(f"attributes of {what}")
        if nic.type == "user":
            if nic.source or nic.target_dev:
                raise unsupported(f"source or target of {what}")
            netdev = f"user,id=hostnet{i}"
        elif nic.type in ("network", "bridge"):
            # A tap the driver opened and attached to the bridge; QEMU inherits it.
            if i not in b.paths.tap_fds:
                raise unsupported(f"{what} of type '{nic.type}' without a tap device")
            netdev = f"tap,fd={b.paths.tap_fds[i]},id=hostnet{i}"
        else:
            raise unsupported(f"interface type '{nic.type}'")
        model = nic.model or "rtl8139"
        if model not in _NIC_MODELS:
            raise unsupported(f"interface model '{model}'")
        b.add("-netdev", netdev)
        b.device(_NIC_MODELS[model], [("netdev", f"hostnet{i}"), ("id", f"net{i}"),
                                      ("mac", nic.mac)], nic)  # fmt: skip


def _chardevs(b: _Builder) -> None:
    serial_ports = {c.target.get("port", "0") for c in b.d.chardevs if c.kind == "serial"}
    nchannel = 0
    for c in b.d.chardevs:
        _check_extra(c, c.kind, frozenset({"log"} if c.kind in ("serial", "console") else ()))
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
    if c.target.get("type", "isa-serial") != "isa-serial":
        raise unsupported(f"serial target type '{c.target.get('type')}'")
    for kid in c.target_children:
        if kid.tag != "model" or kid.get("name") != "isa-serial":
            raise unsupported("serial target model other than isa-serial")
    port = c.target.get("port", "0")
    b.add("-chardev", ",".join([_serial_backend(c, f"charserial{port}"), *_chardev_log(b, c)]))
    b.device("isa-serial", [("chardev", f"charserial{port}"), ("id", f"serial{port}"),
                            ("index", port)], None)  # fmt: skip


def _serial_backend(c: ChardevDef, ident: str) -> str:
    """The ``-chardev`` backend of a serial port: a pty (``virsh console`` reads it), a file
    the guest's output is appended to, or a unix socket QEMU listens on."""
    src = c.sources[0] if c.sources else {}
    if len(c.sources) > 1:
        raise unsupported("serial with more than one source")
    if c.type == "pty":
        return f"pty,id={ident}"
    if c.type == "file":
        if not src.get("path"):
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             "Missing source path attribute for char device")  # fmt: skip
        if set(src) - {"path", "append"}:
            raise unsupported("serial file source options")
        append = src.get("append", "on") != "off"
        return f"file,id={ident},path={_opt(src['path'])},append={'on' if append else 'off'}"
    if c.type == "unix":
        if src.get("mode", "bind") != "bind" or not src.get("path") or set(src) - {"mode", "path"}:
            raise unsupported("serial unix source other than a socket QEMU binds")
        return f"socket,id={ident},path={_opt(src['path'])},server=on,wait=off"
    raise unsupported(f"serial type '{c.type}'")


def _chardev_log(b: _Builder, c: ChardevDef) -> list[str]:
    """``<log file=… append=…/>``: QEMU copies everything the guest writes into the file
    (a descriptor the driver opened, where it did: it emptied it already if asked)."""
    out: list[str] = []
    for el in c.extra:
        if el.tag == "alias":
            continue
        if el.tag != "log":
            raise unsupported(f"<{el.tag}> in {c.kind}")
        path = el.get("file")
        if not path:
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             "missing log file path for char device")  # fmt: skip
        fd = b.paths.log_fds.get(path)
        if fd is not None:
            out += [f"logfile={b.fd_set(fd)}", "logappend=on"]
            continue
        out += [
            f"logfile={_opt(path)}",
            f"logappend={'off' if el.get('append') == 'off' else 'on'}",
        ]
    return out


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


def _audios(d: DomainDef) -> list[GenericDevice]:
    return [dev for dev in d.devices if isinstance(dev, GenericDevice) and dev.name == "audio"]


def _audio(b: _Builder) -> None:
    """``<audio type='none'/>``, the backend libvirt gives every guest so QEMU never opens
    the host's sound system; other backends are refused."""
    for dev in _audios(b.d):
        el = dev.element
        ident, kind = (el.get("id", "1"), el.get("type")) if el is not None else ("1", None)
        if kind != "none" or el is None or len(el) or set(el.attrib) - {"id", "type"}:
            raise unsupported(f"audio type '{kind}' or its options")
        b.add("-audiodev", json.dumps({"id": f"audio{ident}", "driver": "none"},
                                      separators=(",", ":")))  # fmt: skip


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
    if set(g.attrs) - {"passwdValidTo"} or [e for e in g.extra if e.tag != "alias"]:
        raise unsupported("VNC options (websocket, keymap, share policy, ...)")
    if g.passwd is not None and len(g.passwd) > 8:
        raise unsupported(f"VNC password is {len(g.passwd)} characters long, only 8 permitted")
    # The password itself goes to QEMU over the monitor once it runs (vnc_password), never
    # on a command line that ps, /proc and the guest's log would show.
    secret = ",password=on" if g.passwd is not None else ""
    listen = g.listens[0] if g.listens else {"type": "address"}
    if len(g.listens) > 1 or listen.get("type", "address") != "address":
        raise unsupported("VNC listen types other than one address")
    host = listen.get("address") or "127.0.0.1"
    if host not in _LOOPBACK:
        raise unsupported(f"VNC listen address '{host}': only loopback addresses")
    shown = f"[{host}]" if ":" in host else host
    if not _audios(b.d):  # a definition from before audio was a default
        b.add("-audiodev", json.dumps({"id": "audio1", "driver": "none"}, separators=(",", ":")))
    if g.autoport or not g.port:
        b.add("-vnc", f"{shown}:0,to={VNC_AUTOPORT_LAST_DISPLAY}{secret},audiodev=audio1")
    else:
        if g.port < VNC_PORT_MIN:
            raise unsupported(f"VNC port {g.port} below {VNC_PORT_MIN}")
        b.add("-vnc", f"{shown}:{g.port - VNC_PORT_MIN}{secret},audiodev=audio1")


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
    _check_extra(mb, "memballoon", frozenset({"stats"}))  # the period: set once QEMU runs
    if mb.model != "virtio" or mb.attrs:
        raise unsupported(f"memballoon model '{mb.model}' or its options")
    b.device("virtio-balloon-pci", [("id", "balloon0")], mb)


def _panics(b: _Builder) -> None:
    """``<panic model='isa'/>``: QEMU's ISA pvpanic device, through which a panicking Linux
    tells the host (QMP GUEST_PANICKED), so the driver can apply ``on_crash``."""
    for dev in b.d.devices:
        if not (isinstance(dev, GenericDevice) and dev.name == "panic"):
            continue
        el = dev.element
        model = el.get("model", "isa") if el is not None else "isa"
        if model != "isa":
            raise unsupported(f"panic model '{model}'")
        if el is not None and (set(el.attrib) - {"model"} or el.find("address") is not None):
            raise unsupported("panic device options or address")
        b.add("-device", "pvpanic")


#: Types the builder handles; the driver refuses definitions holding anything else.
HANDLED_DEVICES = (DiskDef, InterfaceDef, ChardevDef, ControllerDef, GraphicsDef, VideoDef,
                   InputDef, MemballoonDef)  # fmt: skip


def check_device_kinds(d: DomainDef) -> None:
    """Refuse device kinds the builder knows nothing about (sound, hostdev, rng, ...)."""
    for dev in d.devices:
        if isinstance(dev, GenericDevice) and dev.name in ("panic", "audio"):
            continue
        if not isinstance(dev, HANDLED_DEVICES):
            raise unsupported(f"device type '{dev.tag}'")


def link_state(nic: InterfaceDef) -> str:
    """The NIC's ``<link state>``: "up" unless it says "down".  Not a command-line option:
    QEMU starts every link up and the driver takes the down ones down once it runs."""
    el = next((e for e in nic.extra if e.tag == "link"), None)
    return "down" if el is not None and el.get("state") == "down" else "up"


def vnc_password(d: DomainDef) -> tuple[str, str] | None:
    """(password, QMP expiry) of the guest's VNC display, for ``set_password`` and
    ``expire_password`` once QEMU runs: the expiry is ``passwdValidTo`` as seconds since the
    epoch, or ``never``."""
    gfx = [g for g in d.graphics if g.type == "vnc" and g.passwd is not None]
    return vnc_secret(gfx[0]) if gfx else None


def vnc_secret(g: GraphicsDef) -> tuple[str, str]:
    """(password, QMP expiry) of one VNC display that has a password."""
    valid_to = g.attrs.get("passwdValidTo")  # checked when parsed
    if valid_to is None:
        return str(g.passwd), "never"
    import datetime

    when = datetime.datetime.fromisoformat(valid_to).replace(tzinfo=datetime.UTC)
    return str(g.passwd), str(int(when.timestamp()))
