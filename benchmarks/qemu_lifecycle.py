"""A QEMU guest's lifecycle through pyvirtd against libvirtd's qemu driver, step by step.

Run: .venv/bin/python benchmarks/qemu_lifecycle.py [CYCLES]      (default 5)
Needs root (qemu:///system), qemu-system-x86_64, and for the comparison libvirtd
(../shared/tools/libvirt-reference.sh start) with python3-libvirt; without libvirtd only
pyvirt's figures are printed.

Each cycle defines a 64 MiB TCG guest with no disk (the same XML on both sides), starts it,
suspends, resumes, destroys and undefines it, timing every call from the client's side; the
medians per step and their ratio (pyvirt / libvirt, lower is better, goal <= 1.0) are
printed.  pyvirtd runs in a temporary runtime dir with its QEMU driver rooted in a temporary
directory, so it never sees libvirt's guests (nor they its).

A third table starts 20 such guests at once (a thread and a connection each) and destroys
them at once, timing until every call returned.

Measured here (container, 2 CPUs, libvirt 9.0, QEMU 7.2, median of 5 cycles):
pyvirtd define 2 ms, start 52 ms, suspend 8 ms, resume 7 ms, destroy 9 ms; libvirtd start
4.6 s and destroy 1.4 s, and its define ~30-40 s because libvirt re-probes QEMU's
capabilities on every define in this container (its capability cache file is rewritten
each time; the cause was not investigated).  Those libvirt figures depend on the host and
on what else uses the shared libvirtd; the per-step rows are the comparison to read.

Measured again in the seventh session (load 5-11, median of 2; pyvirtd's QEMU now runs as
libvirt's DAC user like libvirtd's, and its run-time status is no longer synced to disk, which
had made suspend 24.7 ms): define 4.2 / 7.0 ms, start 83 / 1157, suspend 3.8 / 26.7, resume
3.9 / 88.5, destroy 10.4 / 1298; 20 at once start 0.79 / 14.5 s, destroy 0.45 / 2.7 s; a
running guest's internal snapshot 52 / 217 ms, revert 44 / 2971, delete 34 / 72; boot to
banner 12.8-20.9 / 14.8-16.8 s (the guest's own boot under TCG, and the load, decide it).

Eighth session (quiet, median of 5), with the driver's run-time state on a tmpfs as in
production (run_state_on_tmpfs): define 1.8 / 1.6 ms, start 57 / 533, suspend 1.7 / 4.3,
resume 2.3 / 6.0, destroy 5.5 / 1437, undefine 0.5 / 0.5; 20 at once start 0.53 / 7.6 s,
destroy 0.16 / 2.3 s; snapshot create 17.7 / 17.1, revert 15.8 / 2001, delete 8.0 / 5.4
(the run before: 5.7 / 11.0); boot to banner 5.9 / 6.5 s, ACPI shutdown 46 / 1495 ms.  With
the run-time state on the disk, suspend had been 4.7 / 3.3 ms.  The sub-2 ms rows move by
half from run to run.

Eleventh session: suspend moved between 1.9 and 5.1 ms from run to run, on today's code and
on last session's alike, while libvirtd's stayed near 1.7-2.0: the cycle suspended right
after start, and pyvirtd's start (55 ms) left the guest in SeaBIOS's busiest moments, where
QEMU's "stop" waits for the vCPU, while libvirtd's (385 ms) left it further along.  Each
cycle now waits SETTLE (1 s, untimed) after start, so both suspend a guest in the same phase.

A second table boots the tests' Linux guest (tests/qemu_guest.py: Debian's kernel and a
busybox initramfs, 128 MiB, TCG) on both daemons and times start() until its banner shows
on the serial console, then shutdown() (the ACPI power button) until the domain is shut
off.  Measured here, idle, median of 3: boot to banner pyvirtd 5.6 s / libvirtd 6.2 s (the
guest's own boot dominates); ACPI shutdown 35 ms / 1.84 s.  libvirtd copies the guest
into /var/lib/libvirt/images so its QEMU (user libvirt-qemu) can read it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
STEPS = ("define", "start", "suspend", "resume", "destroy", "undefine")
GOAL_RATIO = 1.0

# One client body for both sides: `api` is "pyvirt" or "libvirt"; prints JSON {step: [s...]}.
CLIENT = r"""
import json, os, sys, time
api, cycles = sys.argv[1], int(sys.argv[2])
# Both guests are suspended in the same phase, their firmware done: QEMU's "stop" waits for
# the vCPU to leave what it runs, and a suspend right after pyvirtd's 55 ms start caught
# SeaBIOS busy (1.9-5.1 ms) where libvirtd's guest, started in 385 ms, was further along.
SETTLE = 1.0
name = f"bench-lifecycle-{os.getpid()}"
xml = (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
       "<os><type arch='x86_64'>hvm</type></os><devices><serial type='pty'/></devices></domain>")
if api == "libvirt":
    import libvirt
    libvirt.registerErrorHandler(lambda *a: None, None)
    conn = libvirt.open("qemu:///system")
    ops = {"define": lambda: conn.defineXML(xml), "start": lambda d: d.create(),
           "suspend": lambda d: d.suspend(), "resume": lambda d: d.resume(),
           "destroy": lambda d: d.destroy(), "undefine": lambda d: d.undefine()}
else:
    import pyvirt
    conn = pyvirt.open("qemu:///system")
    ops = {"define": lambda: conn.define_domain(xml), "start": lambda d: d.start(),
           "suspend": lambda d: d.suspend(), "resume": lambda d: d.resume(),
           "destroy": lambda d: d.destroy(), "undefine": lambda d: d.undefine()}
times = {k: [] for k in ops}
for i in range(cycles + 1):  # the first cycle warms up and is not counted
    t = time.perf_counter(); dom = ops["define"](); took = {"define": time.perf_counter() - t}
    for step in ("start", "suspend", "resume", "destroy", "undefine"):
        t = time.perf_counter(); ops[step](dom); took[step] = time.perf_counter() - t
        if step == "start":
            time.sleep(SETTLE)  # (untimed: see SETTLE)
    if i:
        for k, v in took.items():
            times[k].append(v)
print(json.dumps(times))
"""

# The real Linux guest of tests/qemu_guest.py: time from start() to its banner on the
# serial console (copied by QEMU into a log file), and from an ACPI shutdown() to shut off.
GUEST_CLIENT = r"""
import json, os, sys, time
api, cycles, kernel, initrd, logdir = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
name = f"bench-guest-{os.getpid()}"
def xml(log):
    return (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64'>hvm</type><kernel>{kernel}</kernel><initrd>{initrd}"
            "</initrd><cmdline>console=ttyS0 panic=0 quiet</cmdline></os>"
            "<features><acpi/></features><devices><serial type='pty'>"
            f"<log file='{log}' append='off'/></serial></devices></domain>")
def wait(pred):
    while not pred():
        time.sleep(0.01)
if api == "libvirt":
    import libvirt
    conn = libvirt.open("qemu:///system")
    define, start = conn.defineXML, lambda d: d.create()
    off = lambda d: d.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
else:
    import pyvirt
    conn = pyvirt.open("qemu:///system")
    define, start = conn.define_domain, lambda d: d.start()
    off = lambda d: d.state()[0] == pyvirt.DomainState.SHUTOFF
def banner(log):
    try:
        return b"PYVIRT-GUEST-READY" in open(log, "rb").read()
    except OSError:
        return False
times = {"boot to banner": [], "ACPI shutdown": []}
for i in range(cycles + 1):
    log = os.path.join(logdir, f"{name}-{i}.log")
    dom = define(xml(log))
    t = time.perf_counter(); start(dom); wait(lambda: banner(log))
    boot = time.perf_counter() - t
    t = time.perf_counter(); dom.shutdown(); wait(lambda: off(dom))
    down = time.perf_counter() - t
    dom.undefine()
    if i:
        times["boot to banner"].append(boot); times["ACPI shutdown"].append(down)
print(json.dumps(times))
"""

# 20 guests started at once (one thread and connection each) until all run, then destroyed
# at once until all are shut off: what a host that boots its guests together waits for.
BURST_CLIENT = r"""
import json, os, sys, threading, time
api, cycles, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if api == "libvirt":
    import libvirt
    libvirt.registerErrorHandler(lambda *a: None, None)
    opener = lambda: libvirt.open("qemu:///system")
    define, start = (lambda c, x: c.defineXML(x)), (lambda d: d.create())
else:
    import pyvirt
    opener = lambda: pyvirt.open("qemu:///system")
    define, start = (lambda c, x: c.define_domain(x)), (lambda d: d.start())
def xml(n):
    return (f"<domain type='qemu'><name>bench-burst-{os.getpid()}-{n}</name>"
            "<memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os>"
            "<devices><serial type='pty'/></devices></domain>")
conns = [opener() for _ in range(count)]
def at_once(work):
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    t = time.perf_counter()
    for th in threads: th.start()
    for th in threads: th.join()
    return time.perf_counter() - t
times = {f"start {count}": [], f"destroy {count}": []}
for cycle in range(cycles + 1):
    doms = [define(conns[i], xml(i)) for i in range(count)]
    up = at_once(lambda i: start(doms[i]))
    down = at_once(lambda i: doms[i].destroy())
    for d in doms: d.undefine()
    if cycle:
        times[f"start {count}"].append(up); times[f"destroy {count}"].append(down)
print(json.dumps(times))
"""
BURST = 20

# A running guest with a qcow2 disk: an internal snapshot (RAM and disk, QEMU's
# snapshot-save), a revert to it (snapshot-load) and its deletion, each timed.
SNAPSHOT_CLIENT = r"""
import json, os, sys, time
api, cycles, disk = sys.argv[1], int(sys.argv[2]), sys.argv[3]
name = f"bench-snapshot-{os.getpid()}"
xml = (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
       "<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>"
       f"<driver name='qemu' type='qcow2'/><source file='{disk}'/><target dev='vda' bus='virtio'/>"
       "</disk><serial type='pty'/></devices></domain>")
if api == "libvirt":
    import libvirt
    libvirt.registerErrorHandler(lambda *a: None, None)
    conn = libvirt.open("qemu:///system")
    dom = conn.defineXML(xml); dom.create()
    take = lambda x: dom.snapshotCreateXML(x, 0)
    revert = lambda s: dom.revertToSnapshot(s)
else:
    import pyvirt
    conn = pyvirt.open("qemu:///system")
    dom = conn.define_domain(xml); dom.start()
    take = dom.snapshot_create_xml
    revert = lambda s: s.revert()
times = {"snapshot create": [], "snapshot revert": [], "snapshot delete": []}
try:
    for i in range(cycles + 1):
        t = time.perf_counter(); snap = take(f"<domainsnapshot><name>s{i}</name></domainsnapshot>")
        took = {"snapshot create": time.perf_counter() - t}
        t = time.perf_counter(); revert(snap); took["snapshot revert"] = time.perf_counter() - t
        t = time.perf_counter(); snap.delete(); took["snapshot delete"] = time.perf_counter() - t
        if i:
            for k, v in took.items():
                times[k].append(v)
finally:
    dom.destroy(); dom.undefine()
print(json.dumps(times))
"""


def run_client(
    python: str, api: str, cycles: int, env: dict[str, str], body: str = CLIENT, *extra: str
) -> dict[str, list[float]]:
    proc = subprocess.run([python, "-c", body, api, str(cycles), *extra], capture_output=True,
                          text=True, env=env, timeout=1200)  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{api} client failed:\n{proc.stderr}")
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def libvirtd_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists() or shutil.which("virsh") is None:
        return False
    probe = subprocess.run(["virsh", "-c", "qemu:///system", "uri"], capture_output=True)
    return probe.returncode == 0


def _listening(path: Path) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        s.close()


def start_pyvirtd(rundir: Path, qemu_root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir), "PYVIRT_QEMU_ROOT": str(qemu_root)}
    proc = subprocess.Popen([sys.executable, "-m", "pyvirtd"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 20
    while not _listening(rundir / "pyvirt-qemu-sock"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("pyvirtd (or its qemu worker) did not start")
        time.sleep(0.05)
    return proc


def run_state_on_tmpfs(qemu_root: Path) -> tempfile.TemporaryDirectory[str]:
    """Put the run-time state of the driver rooted at *qemu_root* on a tmpfs, as it is
    outside a benchmark (``/run/pyvirt``; libvirtd's is ``/run/libvirt``), while its
    definitions stay on the disk (``/etc``, as libvirtd's): every status write is a rename
    over the previous file, which on ext4 also flushes the new file's data (auto_da_alloc),
    a cost a real /run never pays (0.4 ms of a 1.2 ms suspend, measured).  The caller keeps
    the returned directory until the daemon has stopped."""
    shm = tempfile.TemporaryDirectory(prefix="pvb-run-", dir="/dev/shm")
    os.chmod(shm.name, 0o755)
    for part in ("run", "storage/run", "network/run"):
        target = Path(shm.name) / part.replace("/", "-")
        target.mkdir()
        link = qemu_root / part
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    return shm


def main(argv: list[str]) -> int:
    cycles = int(argv[1]) if len(argv) > 1 else 5
    if os.geteuid() != 0:
        print("qemu:///system needs root", file=sys.stderr)
        return 2
    if shutil.which("qemu-system-x86_64") is None:
        print("qemu-system-x86_64 is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="pvb-", dir="/tmp") as tmp:
        # pyvirtd runs QEMU as libvirt's DAC user (libvirt-qemu), as libvirtd does: it must
        # be able to reach the driver's directories under this one.
        os.chmod(tmp, 0o755)
        rundir, qemu_root = Path(tmp) / "run", Path(tmp) / "q"
        guest_files = build_bench_guest(Path(tmp) / "guest")
        run_state = run_state_on_tmpfs(qemu_root)
        daemon = start_pyvirtd(rundir, qemu_root)
        try:
            env = {**os.environ, "PYVIRT_RUNTIME_DIR": str(rundir)}
            ours = run_client(sys.executable, "pyvirt", cycles, env)
            ours_burst = run_client(sys.executable, "pyvirt", cycles, env, BURST_CLIENT,
                                    str(BURST))  # fmt: skip
            disk = snapshot_disk(Path(tmp), "ours")
            ours_snap = run_client(sys.executable, "pyvirt", cycles, env, SNAPSHOT_CLIENT,
                                   str(disk))  # fmt: skip
            ours_guest = None
            if guest_files is not None:
                ours_guest = run_client(sys.executable, "pyvirt", cycles, env, GUEST_CLIENT,
                                        *guest_files, str(Path(tmp)))  # fmt: skip
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(15)
            except subprocess.TimeoutExpired:
                daemon.kill()
            run_state.cleanup()
        theirs = theirs_guest = theirs_burst = theirs_snap = None
        if libvirtd_available():
            theirs = run_client(SYSTEM_PYTHON, "libvirt", cycles, dict(os.environ))
            theirs_snap = libvirt_snapshot_run(cycles)
            theirs_burst = run_client(SYSTEM_PYTHON, "libvirt", cycles, dict(os.environ),
                                      BURST_CLIENT, str(BURST))  # fmt: skip
            if guest_files is not None:
                theirs_guest = libvirt_guest_run(cycles, guest_files)

    print_table(f"QEMU guest lifecycle, 64 MiB TCG, no disk: median of {cycles} cycles (ms)",
                STEPS, ours, theirs, total=True)  # fmt: skip
    print()
    print_table(f"{BURST} guests (64 MiB TCG) at once: median of {cycles} cycles (ms)",
                tuple(ours_burst), ours_burst, theirs_burst)  # fmt: skip
    print()
    print_table(f"Internal snapshot of a running 64 MiB TCG guest, 16 MiB qcow2: median of "
                f"{cycles} cycles (ms)", tuple(ours_snap), ours_snap, theirs_snap)  # fmt: skip
    if ours_guest is not None:
        print()
        print_table(f"Linux guest (tests/qemu_guest.py), 128 MiB TCG: median of {cycles} "
                    "cycles (ms)", tuple(ours_guest), ours_guest, theirs_guest)  # fmt: skip
    return 0


def build_bench_guest(dest: Path) -> tuple[str, str] | None:
    """The tests' Linux guest (kernel, initrd), or None when its packages are missing."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    import qemu_guest

    if qemu_guest.guest_missing() is not None:
        print(f"no Linux guest: {qemu_guest.guest_missing()}", file=sys.stderr)
        return None
    guest = qemu_guest.build_guest(dest)
    return str(guest.kernel), str(guest.initrd)


def snapshot_disk(directory: Path, name: str) -> Path:
    """An empty 16 MiB qcow2 image (internal snapshots need one), readable by libvirt-qemu."""
    path = directory / f"{name}.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "16M"], check=True)
    os.chmod(path, 0o666)
    return path


def libvirt_snapshot_run(cycles: int) -> dict[str, list[float]]:
    """libvirtd's QEMU (user libvirt-qemu) gets its disk under libvirt's images directory."""
    with tempfile.TemporaryDirectory(prefix="pyvirt-bench-", dir="/var/lib/libvirt/images") as tmp:
        os.chmod(tmp, 0o777)
        disk = snapshot_disk(Path(tmp), "theirs")
        return run_client(SYSTEM_PYTHON, "libvirt", cycles, dict(os.environ), SNAPSHOT_CLIENT,
                          str(disk))  # fmt: skip


def libvirt_guest_run(cycles: int, files: tuple[str, str]) -> dict[str, list[float]]:
    """libvirtd's QEMU runs as libvirt-qemu: give it the guest in a directory it may read
    and write (its log files), under libvirt's own images directory."""
    images = Path("/var/lib/libvirt/images")
    with tempfile.TemporaryDirectory(prefix="pyvirt-bench-", dir=images) as tmp:
        os.chmod(tmp, 0o777)
        copies = []
        for src in files:
            dst = Path(tmp) / Path(src).name
            shutil.copyfile(src, dst)
            os.chmod(dst, 0o644)
            copies.append(str(dst))
        return run_client(SYSTEM_PYTHON, "libvirt", cycles, dict(os.environ), GUEST_CLIENT,
                          *copies, tmp)  # fmt: skip


def print_table(
    title: str,
    steps: tuple[str, ...],
    ours: dict[str, list[float]],
    theirs: dict[str, list[float]] | None,
    total: bool = False,
) -> None:
    print(title)
    print(f"{'step':<16} {'pyvirtd':>10} {'libvirtd':>10} {'ratio':>8}")
    total_ours = total_theirs = 0.0
    for step in steps:
        a = statistics.median(ours[step]) * 1000
        total_ours += a
        if theirs is None:
            print(f"{step:<16} {a:>10.1f} {'-':>10} {'-':>8}")
            continue
        b = statistics.median(theirs[step]) * 1000
        total_theirs += b
        print(f"{step:<16} {a:>10.1f} {b:>10.1f} {a / b:>7.2f}x")
    if theirs is not None and total:
        ratio = total_ours / total_theirs
        verdict = "meets" if ratio <= GOAL_RATIO else "misses"
        print(f"{'cycle':<16} {total_ours:>10.1f} {total_theirs:>10.1f} {ratio:>7.2f}x"
              f"  ({verdict} the goal of <= {GOAL_RATIO:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv))
