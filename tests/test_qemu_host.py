"""The QEMU driver's host calls against libvirtd's: nodeinfo, nodecpustats, nodememstats,
freecell, freepages, node-memory-tune, maxvcpus, cpu-models.

This host is the same for both daemons, so the steady answers (nodeinfo, maxvcpus, the CPU
models, the page sizes, the KSM knobs) must equal virsh's byte for byte through
``qemu:///system`` (libvirtd) and a pyvirtd of the test's own; the moving figures are
compared by their lines and checked against /proc and sysfs themselves.  The in-process
tests need no libvirtd.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_helpers import start_daemon
from pyvirt import InvalidArgError, TypedParameterType, VirtError, typed_param
from pyvirt._connection import Connection
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    qemu_driver,
    qemu_root,
)

VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
NODES = sorted(int(p.name[4:]) for p in Path("/sys/devices/system/node").glob("node[0-9]*"))


@pytest.fixture
def conn(qemu_driver: InProcessDriver) -> Connection:
    return qemu_driver.connect()


def _meminfo(path: str) -> dict[str, int]:
    out = {}
    for line in Path(path).read_text().splitlines():
        words = line.split()
        if words[0] == "Node":
            words = words[2:]
        out[words[0].rstrip(":")] = int(words[1])
    return out


# -- in process ------------------------------------------------------------------------------
def test_node_info_counts_the_online_cpus_and_the_memory_of_the_cells(conn: Connection) -> None:
    info = conn.node_info()
    assert info.model == os.uname().machine
    online = Path("/sys/devices/system/cpu/online").read_text().strip()
    assert info.cpus == sum(int(b) - int(a) + 1 if a != b else 1 for a, _, b in
                            (r.partition("-") for r in online.split(",")))  # fmt: skip
    if NODES:
        assert info.memory == sum(_meminfo(f"/sys/devices/system/node/node{n}/meminfo")
                                  ["MemTotal"] for n in NODES)  # fmt: skip
    mhz = [int(float(line.split(":")[1])) for line in Path("/proc/cpuinfo").read_text().splitlines()
           if line.startswith("cpu MHz")]  # fmt: skip
    assert info.mhz == (mhz[-1] if mhz else 0)
    assert info.nodes * info.sockets * info.cores * info.threads == info.cpus


def test_cpu_stats_are_proc_stat_in_nanoseconds_for_all_cpus_and_one(conn: Connection) -> None:
    tick = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    for cpu, header in ((-1, "cpu"), (0, "cpu0")):
        before = next(line.split() for line in Path("/proc/stat").read_text().splitlines()
                      if line.split()[0] == header)  # fmt: skip
        stats = conn.cpu_stats(cpu)
        assert list(stats) == ["kernel", "user", "idle", "iowait"]
        user = (int(before[1]) + int(before[2])) * tick
        assert user <= stats["user"] <= user + 100 * tick * os.cpu_count()  # type: ignore[operator]
    with pytest.raises(InvalidArgError, match="^Invalid cpuNum in virHostCPUGetStatsLinux$"):
        conn.cpu_stats(4096)
    with pytest.raises(InvalidArgError, match="only accepts -1 as a negative value"):
        conn.cpu_stats(-2)
    with pytest.raises(InvalidArgError, match=r"unsupported flags \(0x1\) in function "
                       "virHostCPUGetStats"):  # fmt: skip
        conn.cpu_stats(-1, 1)


def test_memory_stats_read_meminfo_for_the_host_and_a_cell(conn: Connection) -> None:
    host = conn.memory_stats(-1)
    assert list(host) == ["total", "free", "buffers", "cached"]
    assert host["total"] == _meminfo("/proc/meminfo")["MemTotal"]
    cell = conn.memory_stats(0)
    assert list(cell) == ["total", "free"]
    if NODES:
        assert cell["total"] == _meminfo("/sys/devices/system/node/node0/meminfo")["MemTotal"]
        top = max(NODES)
        with pytest.raises(InvalidArgError, match=f"^cellNum in virHostMemGetStats must be less "
                           f"than or equal to {top}$"):  # fmt: skip
            conn.memory_stats(top + 1)


def test_free_memory_per_cell_and_its_range_error(conn: Connection) -> None:
    cells = conn.cells_free_memory(0, 64)
    assert len(cells) == max(len(NODES), 1)
    assert all(0 < free <= os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
               for free in cells)  # fmt: skip
    assert conn.free_memory() > 0
    top = max(NODES) if NODES else 0
    with pytest.raises(VirtError, match=rf"^internal error: start cell {top + 3} out of range "
                       rf"\(0-{top}\)$"):  # fmt: skip
        conn.cells_free_memory(top + 3, 1)


def test_free_pages_of_the_system_size_and_hugepages_and_an_unknown_size(conn: Connection) -> None:
    page = os.sysconf("SC_PAGE_SIZE") // 1024
    counts = conn.free_pages([page, 2048], 0, 1)
    assert set(counts) == {0} and set(counts[0]) == {page, 2048}
    free_kib = _meminfo("/sys/devices/system/node/node0/meminfo" if NODES
                        else "/proc/meminfo")["MemFree"]  # fmt: skip
    assert abs(counts[0][page] * page - free_kib) < 64 * 1024  # memory moves a little
    with pytest.raises(VirtError, match="^operation failed: page size 8 is not available"):
        conn.free_pages([8], 0, 1)


def test_max_vcpus_tcg_kvm_and_unknown_types(conn: Connection) -> None:
    assert conn.max_vcpus(None) == 16
    assert conn.max_vcpus("QEMU") == 16
    if os.access("/dev/kvm", os.R_OK):
        assert conn.max_vcpus("kvm") == conn.max_vcpus("KVM") > 0
    with pytest.raises(InvalidArgError, match="^invalid argument: unknown type 'hvf'$"):
        conn.max_vcpus("hvf")


def test_memory_parameters_are_the_ksm_files(conn: Connection) -> None:
    ksm = Path("/sys/kernel/mm/ksm")
    if not ksm.is_dir():
        pytest.skip("this kernel has no KSM")
    params = conn.memory_parameters()
    assert params["shm_pages_to_scan"] == int((ksm / "pages_to_scan").read_text())
    assert params["shm_full_scans"] == int((ksm / "full_scans").read_text())
    with pytest.raises(VirtError):
        conn.set_memory_parameters([typed_param("shm_full_scans", TypedParameterType.UINT, 1)])  # read-only knob: not settable


def test_setting_a_ksm_knob_writes_sysfs_or_fails_cleanly(conn: Connection) -> None:
    path = Path("/sys/kernel/mm/ksm/sleep_millisecs")
    if not path.exists():
        pytest.skip("this kernel has no KSM")
    now = int(path.read_text())
    if os.access(path, os.W_OK):
        conn.set_memory_parameters([typed_param("shm_sleep_millisecs", TypedParameterType.UINT, now)])  # the same value: no change
        assert int(path.read_text()) == now
    else:
        with pytest.raises(VirtError, match="^failed to set shm_sleep_millisecs: "):
            conn.set_memory_parameters([typed_param("shm_sleep_millisecs", TypedParameterType.UINT, now)])


def test_cpu_model_names_are_the_cpu_drivers(conn: Connection) -> None:
    assert conn.cpu_model_names("x86_64")[:3] == ["486", "pentium", "pentium2"]
    assert conn.cpu_model_names("aarch64") == []
    with pytest.raises(InvalidArgError, match="^invalid argument: cannot find architecture x$"):
        conn.cpu_model_names("x")


# -- against libvirtd, through both daemons ---------------------------------------------------
@pytest.fixture
def pyvirtd_env(daemon_env: tuple[Path, dict[str, str]]) -> Iterator[dict[str, str]]:
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
        yield {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}
    finally:
        daemon.stop()


def _run(program: str, command: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """One command's status, stdout and stderr.  A daemon restarted meanwhile (libvirtd is
    shared on this machine) refuses the connection: that run is retried."""
    for _ in range(5):
        done = subprocess.run([program, "-c", "qemu:///system", command], capture_output=True,
                              text=True, timeout=120, env=env, check=False)  # fmt: skip
        if "Connection refused" not in done.stderr:
            break
        time.sleep(1)
    return done.returncode, done.stdout, done.stderr


#: Commands whose whole answer is steady on one host.
STEADY = [
    "nodeinfo", "maxvcpus", "maxvcpus --type kvm", "maxvcpus --type QEMU",
    "maxvcpus --type bogus", "cpu-models x86_64", "cpu-models aarch64", "cpu-models ppc64",
    "cpu-models sparc", "cpu-models bogus", "freepages --cellno 0 --pagesize 2048",
    "freepages --cellno 0 --pagesize 8", "freepages --cellno 9 --pagesize 4",
    "freecell --cellno 9", "nodecpustats 4096", "nodecpustats -- -2", "nodememstats 9",
    "nodememstats -- -2", "node-memory-tune", "sysinfo",
]  # fmt: skip
#: Commands whose figures move: the lines' labels must agree.
MOVING = ["nodecpustats", "nodecpustats 0", "nodecpustats --percent", "nodememstats",
          "nodememstats 0", "freecell", "freecell --all", "freecell --cellno 0",
          "freepages --all"]  # fmt: skip


def _ksm_counters(answer: tuple[int, str, str]) -> tuple[int, str, str]:
    """node-memory-tune's counters masked: they move while KSM runs."""
    out = re.sub(r"(shm_(full_scans|pages_(shared|sharing|unshared|volatile))\s+)\d+", r"\1N",
                 answer[1])  # fmt: skip
    return answer[0], out, answer[2]


def _labels(text: str) -> list[str]:
    """Each line with its figures (and the padding before them, which depends on their
    width) replaced by N."""
    return [re.sub(r" *\d[\d.]*", " N", line) for line in text.splitlines()]


@needs_libvirtd_qemu
def test_host_commands_match_libvirtd(pyvirtd_env: dict[str, str]) -> None:
    for command in STEADY:
        want = _run(VIRSH, command)
        got = _run(PYVIRSH, command, pyvirtd_env)
        assert _ksm_counters(got) == _ksm_counters(want), command
    for command in MOVING:
        status, out, err = _run(VIRSH, command)
        assert (status, err) == (0, "")
        assert _run(PYVIRSH, command, pyvirtd_env)[0] == 0
        got = _run(PYVIRSH, command, pyvirtd_env)
        assert (got[0], _labels(got[1]), got[2]) == (0, _labels(out), ""), command


# -- sysinfo: libvirt's reading of dmidecode's text ------------------------------------------
#: ``dmidecode -q -t 0,1,2,3,4,11,17`` as it prints a small machine (two sockets, one slot
#: empty); this host's own dmidecode cannot read its tables, so its text is written out.
_DMIDECODE = """\
BIOS Information
\tVendor: SeaBIOS & Co
\tVersion: 1.16.2
\tRelease Date: 04/01/2014
\tBIOS Revision: 0.0

System Information
\tManufacturer: QEMU
\tProduct Name: Standard PC (i440FX + PIIX, 1996)
\tVersion: pc-i440fx-7.2
\tSerial Number:    \n\tUUID: 8a3c4d4e-1f3b-4d5b-9f2e-0c1d2e3f4a5b
\tSKU Number: Not Specified
\tFamily: Not Specified

Chassis Information
\tManufacturer: QEMU
\tType: Other
\tVersion: pc-i440fx-7.2
\tSerial Number: Not Specified
\tAsset Tag: Not Specified

Processor Information
\tSocket Designation: CPU 0
\tType: Central Processor
\tFamily: Other
\tManufacturer: QEMU
\tVersion: pc-i440fx-7.2
\tMax Speed: 2000 MHz
\tStatus: Populated, Enabled

Processor Information
\tSocket Designation: CPU 1
\tType: Central Processor
\tFamily: Other
\tManufacturer: QEMU
\tVersion: pc-i440fx-7.2
\tMax Speed: 2000 MHz
\tStatus: Populated, Enabled

OEM Strings
\tString 1: <first>
\tString 2: second

Memory Device
\tSize: 8 GB
\tForm Factor: DIMM
\tLocator: DIMM 0
\tType: RAM
\tManufacturer: QEMU

Memory Device
\tSize: No Module Installed
\tForm Factor: DIMM
\tLocator: DIMM 1
"""


def test_sysinfo_reads_dmidecode_as_libvirt_does() -> None:
    from pyvirt_qemu._sysinfo import format_sysinfo, parse_dmidecode

    xml = format_sysinfo(parse_dmidecode(_DMIDECODE))
    assert xml.startswith("<sysinfo type='smbios'>\n  <bios>\n"
                          "    <entry name='vendor'>SeaBIOS &amp; Co</entry>\n")  # fmt: skip
    assert "<entry name='serial'>" not in xml.split("</system>")[0]  # blanks are dropped
    # Each section's fields are looked up to the end of the text, as libvirt's strstr does:
    # the BIOS has no Manufacturer line, the chassis' Type is not one of its fields.
    assert xml.count("<processor>") == 2 and xml.count("<memory_device>") == 1
    memory = xml.split("<memory_device>")[1]
    assert "<entry name='size'>8 GB</entry>" in memory
    assert "<entry name='bank_locator'>" not in memory
    assert xml.endswith("  <oemStrings>\n    <entry>&lt;first&gt;</entry>\n"
                        "    <entry>second</entry>\n  </oemStrings>\n</sysinfo>\n")  # fmt: skip
    assert format_sysinfo(parse_dmidecode("")) == "<sysinfo type='smbios'/>\n"
