"""A tiny bootable Linux for the QEMU driver's tests, built from the distribution's packages.

Why build one instead of booting firmware only: shutdown through ACPI, a guest powering
itself off, a kernel panic and a serial console only mean something with an OS that answers.
The guest is Debian's own kernel (``linux-image-amd64``: /boot/vmlinuz-*) and an initramfs
packed here from ``busybox-static`` plus the few kernel modules the devices need.  Its
``/init`` mounts /proc, /sys and /dev, loads the modules, starts busybox ``acpid`` so the
ACPI power button powers the guest off, prints :data:`BANNER` on the serial console, brings
eth0 up with DHCP in the background (printing :data:`NET_BANNER` and its address), starts
the QEMU guest agent (Debian's ``qemu-guest-agent``, copied in with the shared libraries
``ldd`` names) on the virtio-serial port ``org.qemu.guest_agent.0`` when the domain has that
channel, and runs a shell on the console for ever.

The archive is written by Python (cpio "newc" plus gzip), so nothing but the two packages is
needed; the build takes well under a second and is cached once per test run.
"""

from __future__ import annotations

import fcntl
import gzip
import io
import os
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = [
    "BANNER",
    "NET_BANNER",
    "PROMPT",
    "Guest",
    "build_guest",
    "find_busybox",
    "find_kernel",
    "find_qemu_ga",
    "guest_domain_xml",
    "guest_missing",
    "agent_missing",
    "linux_guest",
    "kvm_boots",
    "wait_for_text",
]

#: Printed on ttyS0 once the power button is handled and the shell is about to start.
BANNER = "PYVIRT-GUEST-READY"
#: Printed once udhcpc has configured eth0 (followed by the address it got).
NET_BANNER = "PYVIRT-GUEST-NET"
#: Shell prompt of the console shell: distinct, so a test knows when an answer is complete.
PROMPT = "pyvirt-guest# "
#: The guest's host name (what the agent's guest-get-host-name answers).
HOSTNAME = "pyvirt-guest"
#: Printed once the guest agent runs on its port.
AGENT_BANNER = "PYVIRT-GUEST-AGENT"
#: The virtio-serial port name libvirt and the agent agree on.
AGENT_PORT = "org.qemu.guest_agent.0"

#: Modules the guest loads at boot (with their dependencies, found in modules.dep).
#: Everything else it needs (8250 serial, the ACPI core, devtmpfs) is built into Debian's
#: kernel: evdev and button for the power button, pvpanic-mmio for the ISA pvpanic device
#: (an ACPI device, QEMU0001), virtio_pci and virtio_net for the NIC, virtio_blk for disks.
#: virtio_console is the virtio-serial bus the guest agent's port is on.
MODULES = ("evdev", "button", "pvpanic-mmio", "virtio_pci", "virtio_net", "virtio_blk",
           "virtio_console")  # fmt: skip
#: Loaded only when the kernel command line says ``pyvirt_disks`` (the disk tests): disks
#: and a cdrom on virtio, SATA and SCSI, and qemu_fw_cfg for the boot order QEMU gave the
#: firmware.  Not at every boot: AHCI's port probing prints late console lines that would
#: interleave with what other tests read.
DISK_MODULES = ("ahci", "virtio_scsi", "sd_mod", "sr_mod", "isofs", "qemu_fw_cfg")

_INIT = f"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin HOME=/root PS1='{PROMPT}'
mkdir -p /proc /sys /dev /tmp /run /root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m; done
if grep -q pyvirt_disks /proc/cmdline; then
    for m in $(cat /lib/modules/disk-order); do insmod /lib/modules/$m; done
fi
ifconfig lo 127.0.0.1 up
hostname {HOSTNAME}
# The power button: busybox acpid runs /etc/acpi/PWRF/00000080 (see acpid -h).
acpid -c /etc/acpi -l /tmp/acpid.log
# The banner promises the button works: wait until acpid has the input devices open.
for i in $(seq 100); do
    ls -l /proc/$(pidof acpid)/fd 2>/dev/null | grep -q /dev/input/event && break
    usleep 50000
done
if [ -e /sys/class/net/eth0 ]; then
    (ip link set eth0 up
     udhcpc -i eth0 -s /etc/udhcpc.script -q -n -t 10 >/tmp/udhcpc.log 2>&1 \\
        && echo "{NET_BANNER} $(ip -4 -o addr show eth0 | awk '{{print $4}}')" >/dev/console) &
fi
# The guest agent, on the virtio-serial port named for it (no udev here: the port's
# name is in sysfs, its node in devtmpfs).  -d: it daemonizes once the port is open.
if [ -x /sbin/qemu-ga ]; then
    ln -s /bin/busybox /sbin/hwclock  # guest-set-time needs /sbin/hwclock
    for port in /sys/class/virtio-ports/*; do
        [ "$(cat $port/name 2>/dev/null)" = {AGENT_PORT} ] || continue
        dev=/dev/${{port##*/}}
        for i in $(seq 100); do [ -e $dev ] && break; usleep 50000; done
        qemu-ga -d -m virtio-serial -p $dev -t /run -f /run/qemu-ga.pid -l /tmp/qemu-ga.log \
            && echo "{AGENT_BANNER}"
    done
fi
# What udev does for a hot-added vCPU: bring it online (once: one the agent took
# offline stays offline).
(seen=$(echo /sys/devices/system/cpu/cpu[0-9]*)
 while usleep 200000; do
    now=$(echo /sys/devices/system/cpu/cpu[0-9]*)
    for cpu in $now; do
        case " $seen " in *" $cpu "*) continue ;; esac
        [ -e $cpu/online ] && echo 1 >$cpu/online
    done
    seen=$now
 done) &
echo "{BANNER}"
while true; do setsid cttyhack sh -i; done
"""

_POWER_BUTTON = "#!/bin/sh\necho 'power button: powering off' >/dev/console\npoweroff -f\n"

#: The agent's guest-shutdown runs ``/sbin/shutdown -h -P|-r|-H +0 MESSAGE``; busybox has
#: no shutdown applet, so this maps it to busybox's poweroff, reboot and halt.
_SHUTDOWN = """#!/bin/sh
echo "shutdown $*" >/dev/console
case " $* " in
*" -r "*) exec reboot -f ;;
*" -H "*) exec halt -f ;;
*) exec poweroff -f ;;
esac
"""
#: The agent's guest-set-user-password pipes ``user:password`` into ``chpasswd [-e]``,
#: which busybox-static lacks: this one writes the (hashed) password into /etc/shadow.
_CHPASSWD = """#!/bin/sh
while IFS=: read -r user pass; do
    [ "$1" = -e ] || pass=$(mkpasswd "$pass")
    grep -q "^$user:" /etc/shadow || { echo "chpasswd: unknown user $user" >&2; exit 1; }
    sed -i "s|^$user:[^:]*:|$user:$pass:|" /etc/shadow
done
"""
#: Accounts the agent's guest-set-user-password changes.
_PASSWD = "root:x:0:0:root:/root:/bin/sh\n"
_SHADOW = "root:*:19000:0:99999:7:::\n"

_UDHCPC = """#!/bin/sh
# udhcpc's hook: configure the address and the default route it was offered.
case "$1" in
bound|renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
    [ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"
    ;;
esac
exit 0
"""


@dataclass(frozen=True)
class Guest:
    """Paths of a built guest: the kernel and initramfs to put in ``<os>``."""

    kernel: Path
    initrd: Path
    version: str

    def os_xml(self, cmdline: str = "") -> str:
        """The ``<os>`` element booting this guest with its console on ttyS0."""
        line = f"console=ttyS0 panic=0 {cmdline}".strip()
        return (
            "<os><type arch='x86_64'>hvm</type>"
            f"<kernel>{self.kernel}</kernel><initrd>{self.initrd}</initrd>"
            f"<cmdline>{line}</cmdline></os>"
        )


def find_kernel(boot: Path = Path("/boot"), modules: Path = Path("/lib/modules")) -> Path | None:
    """The newest distribution kernel that has its modules installed beside it."""
    found = []
    for path in boot.glob("vmlinuz-*"):
        version = path.name.removeprefix("vmlinuz-")
        if (modules / version / "modules.dep").is_file() and os.access(path, os.R_OK):
            found.append(path)
    found.sort(key=lambda p: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p.name)])
    return found[-1] if found else None


def find_busybox() -> Path | None:
    """busybox-static's binary (the dynamic busybox would need its libraries in the guest)."""
    for candidate in (Path("/bin/busybox"), Path("/usr/bin/busybox")):
        try:
            head = candidate.read_bytes()[: 4096 * 4]
        except OSError:
            continue
        # A dynamic ELF names its interpreter (PT_INTERP "/lib64/ld-linux...").
        if head.startswith(b"\x7fELF") and b"/ld-linux" not in head:
            return candidate
    return None


def find_qemu_ga() -> Path | None:
    """Debian's qemu-guest-agent binary, or None when the package is not installed."""
    path = Path("/usr/sbin/qemu-ga")
    return path if os.access(path, os.X_OK) else None


def agent_missing() -> str | None:
    """Why the guest has no agent here, or None when it has one."""
    if find_qemu_ga() is None:
        return "no qemu-ga (apt install qemu-guest-agent)"
    return None


def shared_libraries(binary: Path) -> list[Path]:
    """The shared objects *binary* loads (its interpreter included), as ``ldd`` names them."""
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if m:
            found.append(Path(m[1]))
    return found


def guest_missing() -> str | None:
    """Why the guest cannot be built here, or None when it can."""
    if find_kernel() is None:
        return "no kernel with modules in /boot (apt install linux-image-amd64)"
    if find_busybox() is None:
        return "no static busybox (apt install busybox-static)"
    return None


class _Cpio:
    """A cpio archive in the "newc" format the kernel unpacks an initramfs from."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.ino = 1

    def _entry(self, name: str, mode: int, data: bytes = b"") -> None:
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
        self.ino += 1
        header = b"070701" + b"".join(b"%08X" % f for f in fields)
        self.out.write(header + name.encode() + b"\0")
        self._pad()
        self.out.write(data)
        self._pad()

    def _pad(self) -> None:
        self.out.write(b"\0" * (-self.out.tell() % 4))

    def dir(self, name: str) -> None:
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._entry(name, stat.S_IFREG | mode, data)

    def close(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        return self.out.getvalue()


def module_load_order(modules_dir: Path, wanted: tuple[str, ...]) -> list[str]:
    """Paths (relative to *modules_dir*) of *wanted* and what they need, each after its
    dependencies, as modprobe would load them; a module built into the kernel is absent
    from modules.dep and simply skipped."""
    deps: dict[str, list[str]] = {}
    for line in (modules_dir / "modules.dep").read_text().splitlines():
        mod, _, needs = line.partition(":")
        deps[mod] = needs.split()
    by_name = {Path(mod).name.split(".ko")[0].replace("-", "_"): mod for mod in deps}
    order: list[str] = []

    def visit(mod: str) -> None:
        if mod in order:
            return
        for dep in reversed(deps[mod]):  # modules.dep lists the deepest dependency last
            visit(dep)
        order.append(mod)

    for name in wanted:
        mod = by_name.get(name.replace("-", "_"))
        if mod is not None:
            visit(mod)
    return order


def _add_qemu_ga(cpio: _Cpio, qemu_ga: Path) -> None:
    """The agent at /sbin/qemu-ga, each library at the path ldd found it on."""
    made = {"bin", "sbin", "etc", "lib", "lib/modules"}
    for lib in shared_libraries(qemu_ga):
        rel = str(lib).lstrip("/")
        parts = Path(rel).parts
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent not in made:
                cpio.dir(parent)
                made.add(parent)
        cpio.file(rel, lib.read_bytes(), 0o755)
    cpio.file("sbin/qemu-ga", qemu_ga.read_bytes(), 0o755)
    cpio.file("sbin/shutdown", _SHUTDOWN.encode(), 0o755)
    cpio.file("sbin/chpasswd", _CHPASSWD.encode(), 0o755)


def build_initramfs(busybox: Path, modules_dir: Path, qemu_ga: Path | None = None) -> bytes:
    """The gzip-compressed initramfs (see the module docstring for what /init does)."""
    cpio = _Cpio()
    for d in ("bin", "sbin", "etc", "etc/acpi", "etc/acpi/PWRF", "lib", "lib/modules",
              "proc", "sys", "dev", "tmp", "root", "run"):  # fmt: skip
        cpio.dir(d)
    cpio.file("etc/passwd", _PASSWD.encode())
    cpio.file("etc/shadow", _SHADOW.encode(), 0o600)
    if qemu_ga is not None:
        _add_qemu_ga(cpio, qemu_ga)
    cpio.file("bin/busybox", busybox.read_bytes(), 0o755)
    cpio.file("init", _INIT.encode(), 0o755)
    cpio.file("etc/acpi/PWRF/00000080", _POWER_BUTTON.encode(), 0o755)
    cpio.file("etc/udhcpc.script", _UDHCPC.encode(), 0o755)
    order = module_load_order(modules_dir, MODULES)
    cpio.file("lib/modules/order", "".join(f"{Path(rel).name}\n" for rel in order).encode())
    disk_order = [m for m in module_load_order(modules_dir, DISK_MODULES) if m not in order]
    cpio.file("lib/modules/disk-order",
              "".join(f"{Path(rel).name}\n" for rel in disk_order).encode())  # fmt: skip
    for rel in order + disk_order:
        cpio.file(f"lib/modules/{Path(rel).name}", (modules_dir / rel).read_bytes())
    return gzip.compress(cpio.close(), compresslevel=1)


def build_guest(dest: Path) -> Guest:
    """Write the kernel and initramfs into *dest* (QEMU reads them from there)."""
    kernel, busybox = find_kernel(), find_busybox()
    if kernel is None or busybox is None:
        raise RuntimeError(guest_missing())
    version = kernel.name.removeprefix("vmlinuz-")
    dest.mkdir(parents=True, exist_ok=True)
    guest = Guest(kernel=dest / "vmlinuz", initrd=dest / "initrd.gz", version=version)
    guest.kernel.write_bytes(kernel.read_bytes())
    initrd = build_initramfs(busybox, Path("/lib/modules") / version, find_qemu_ga())
    guest.initrd.write_bytes(initrd)
    return guest


def readable_copy(guest: Guest, directory: Path) -> Guest:
    """*guest*'s kernel and initramfs copied into *directory*, opened to everyone: libvirtd
    runs QEMU as its own user, which cannot reach pytest's private temp dirs."""
    directory.chmod(0o755)
    kernel, initrd = directory / "vmlinuz", directory / "initrd.gz"
    shutil.copyfile(guest.kernel, kernel)
    shutil.copyfile(guest.initrd, initrd)
    return Guest(kernel, initrd, guest.version)


# ---------------------------------------------------------------- fixtures


def _shared_dir(factory: pytest.TempPathFactory) -> Path:
    """A directory every pytest-xdist worker of this run shares (the parent of each
    worker's own base temp), so the guest is built and KVM probed once per run."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


class _RunLock:
    """An exclusive lock file: the first worker builds, the others wait and reuse."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


@pytest.fixture(scope="session")
def linux_guest(tmp_path_factory: pytest.TempPathFactory) -> Guest:
    """The tiny Linux guest, built once per test run; skips when the packages are missing."""
    missing = guest_missing()
    if missing is not None or shutil.which("qemu-system-x86_64") is None:
        pytest.skip(missing or "qemu-system-x86_64 is not installed")
    shared = _shared_dir(tmp_path_factory)
    dest = shared / "pyvirt-linux-guest"
    with _RunLock(shared / "pyvirt-linux-guest.lock"):
        kernel = find_kernel()
        assert kernel is not None
        if not (dest / "initrd.gz").exists():
            return build_guest(dest)
        return Guest(dest / "vmlinuz", dest / "initrd.gz", kernel.name.removeprefix("vmlinuz-"))


def wait_for_text(path: Path, text: str, timeout: float = 120.0, start: int = 0) -> bool:
    """Wait until *text* appears in the file at *path* after byte *start* (a console log)."""
    deadline = time.monotonic() + timeout
    needle = text.encode()
    while True:
        try:
            with open(path, "rb") as f:
                f.seek(start)
                if needle in f.read():
                    return True
        except FileNotFoundError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


#: How long a working KVM may take to boot the guest to its banner (it takes about a second;
#: TCG a few).  Longer means KVM is present but broken (seen with nested virtualisation).
KVM_PROBE_TIMEOUT = 30.0


def _probe_kvm(guest: Guest, work: Path) -> str | None:
    """Boot the guest once under KVM; None when it reaches its banner, else why not."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is missing or not accessible"
    log = work / "kvm-probe.log"
    log.unlink(missing_ok=True)
    argv = ["qemu-system-x86_64", "-accel", "kvm", "-m", "128", "-nodefaults",
            "-display", "none", "-kernel", str(guest.kernel), "-initrd", str(guest.initrd),
            "-append", "console=ttyS0 panic=-1 quiet", "-no-reboot",
            "-serial", f"file:{log}"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        booted = wait_for_text(log, BANNER, KVM_PROBE_TIMEOUT)
    finally:
        proc.kill()
        _, err = proc.communicate()
    if booted:
        return None
    said = err.decode(errors="replace").strip().splitlines()
    return f"KVM did not boot the guest within {KVM_PROBE_TIMEOUT:.0f} s" + (
        f" (QEMU: {said[-1]})" if said else ""
    )


@pytest.fixture(scope="session")
def kvm_boots(linux_guest: Guest, tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """None when KVM boots the guest here, else the reason KVM variants are skipped."""
    shared = _shared_dir(tmp_path_factory)
    verdict = shared / "pyvirt-kvm-probe"
    with _RunLock(shared / "pyvirt-kvm-probe.lock"):
        if not verdict.exists():
            verdict.write_text(_probe_kvm(linux_guest, shared) or "ok")
        text = verdict.read_text()
    return None if text == "ok" else text


@pytest.fixture(params=["tcg", "kvm"])
def accel(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each guest test runs under TCG and, where it works, under KVM."""
    if request.param == "kvm":
        reason = request.getfixturevalue("kvm_boots")
        if reason is not None:
            pytest.skip(f"KVM: {reason}")
    yield request.param


def guest_domain_xml(
    guest: Guest,
    name: str,
    console_log: Path,
    *,
    accel: str = "tcg",
    lifecycle: str = "",
    devices: str = "",
    cmdline: str = "",
) -> str:
    """A domain booting *guest* with ACPI, a pvpanic device and its serial console (a pty)
    copied into *console_log*; *lifecycle* holds ``<on_*>`` elements."""
    return (
        f"<domain type='{'kvm' if accel == 'kvm' else 'qemu'}'><name>{name}</name>"
        f"<memory unit='MiB'>128</memory>{guest.os_xml(cmdline)}<features><acpi/></features>"
        f"{lifecycle}<devices><serial type='pty'><log file='{console_log}' append='off'/>"
        f"</serial><panic model='isa'/>{devices}</devices></domain>"
    )
