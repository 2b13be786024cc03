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

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, make_error
from pyvirt.conf import DomainDef

from pyvirt_qemu._command_base import (
    _BOOT_LETTER,
    _FEATURES,
    _LIFECYCLE,
    DEFAULT_EMULATOR,
    VNC_PORT_MIN,
    LaunchPaths,
    _Builder,
    _opt,
    assign_runtime_paths,
    is_q35,
    unsupported,
)
from pyvirt_qemu._command_devices import (
    _audio,
    _chardevs,
    _controllers,
    _graphics,
    _inputs,
    _interfaces,
    _memballoon,
    _panics,
    _videos,
    check_device_kinds,
)
from pyvirt_qemu._command_disks import build_disks
from pyvirt_qemu._command_iothreads import iothread_objects

__all__ = [
    "DEFAULT_EMULATOR",
    "LaunchPaths",
    "VNC_PORT_MIN",
    "assign_runtime_paths",
    "build_argv",
    "is_q35",
    "unsupported",
]


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
    iothread_objects(b)
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
    build_disks(b)
    _interfaces(b)
    _chardevs(b)
    _inputs(b)
    _audio(b)
    _graphics(b)
    _videos(b)
    _memballoon(b)
    _panics(b)
    _boot(b)  # after the devices: it depends on whether any device carried <boot order>
    return b.argv


# ---------------------------------------------------------------- domain-wide settings


#: Top-level elements the start applies without QEMU options: ``<seclabel>`` is the
#: user QEMU runs as and the files' owners (pyvirt_qemu._dac); the tunables and the
#: partition are the guest's cgroup (pyvirt_qemu._cgroups, _tune_ops); ``<perf>`` is host
#: perf counters on QEMU's process (pyvirt_qemu._perf); the IOThreads are ``-object``s
#: (pyvirt_qemu._command_iothreads).
_APPLIED_OUTSIDE_ARGV = frozenset({"seclabel", "memtune", "blkiotune", "resource", "perf",
                                   "iothreads", "iothreadids"})
#: <cputune> children applied to QEMU's threads or cgroups once it runs.
_CPUTUNE_APPLIED = frozenset({
    "vcpupin", "emulatorpin", "iothreadpin", "shares", "period", "quota", "global_period",
    "global_quota", "emulator_period", "emulator_quota", "iothread_period", "iothread_quota",
})  # fmt: skip


def _check_domain(d: DomainDef) -> None:
    if d.type not in ("qemu", "kvm"):
        raise unsupported(f"Emulator '{d.emulator or DEFAULT_EMULATOR}' does not support "
                          f"virt type '{d.type}'")  # fmt: skip
    if d.os_type != "hvm":
        raise unsupported(f"OS type '{d.os_type}'")
    if d.arch not in ("x86_64", "i686"):
        raise unsupported(f"No emulator found for arch '{d.arch}'")
    for tag, elements in d.extra.items():
        if tag in _APPLIED_OUTSIDE_ARGV:
            continue
        if tag == "cputune":  # pins are applied to QEMU's threads once it runs
            kids = {str(k.tag) for el in elements for k in el if isinstance(k.tag, str)}
            if kids <= _CPUTUNE_APPLIED:
                continue
            raise unsupported("<cputune> settings other than vcpupin and emulatorpin")
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
        key = str(key)
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
    else:
        # Each <os><boot dev> became a device's bootindex (see _Builder.boot_index).
        for dev in d.boot_devs:
            if dev not in _BOOT_LETTER:
                raise unsupported(f"boot device '{dev}'")
    if menu is not None:
        opts.append("menu=" + ("on" if menu.get("enable") == "yes" else "off"))
    opts.append("strict=on")
    b.add("-boot", ",".join(opts))
