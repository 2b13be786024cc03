"""What each installed QEMU binary offers, asked over QMP and cached per binary.

Why probe: the ``<guest>`` entries of the capabilities (and the machine names a definition
may use) are whatever this QEMU build supports, which only QEMU can say.  libvirt starts each
binary once with ``-machine none`` and asks ``query-machines``, ``query-cpu-definitions``
(under TCG, and again under KVM, whose usable CPU models differ), ``qom-list-types`` and the
QMP schema; the answer is kept (in memory
and on disk) until the binary changes, so a capabilities call after the first costs no QEMU
start, even after a daemon restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error

from pyvirt_qemu._monitor import Monitor

__all__ = ["BinaryInfo", "Machine", "QemuProbe", "find_binary", "kvm_usable"]

#: How long a probing QEMU may take to offer its monitor (a loaded host is slow).
PROBE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Machine:
    name: str
    max_cpus: int
    alias: str | None = None
    deprecated: bool = False
    default: bool = False


def find_binary(qemu_arch: str) -> str | None:
    """``qemu-system-<arch>`` on PATH, as libvirt looks for an architecture's emulator."""
    return shutil.which(f"qemu-system-{qemu_arch}")


def _stamp(binary: str) -> list[int]:
    st = os.stat(binary)
    return [st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size]


@dataclass
class BinaryInfo:
    """What one QEMU binary said when probed: its machines (the default first), its CPU
    models with whether each is usable under TCG and under KVM (absent: no KVM), its QOM
    types, the display types and commands its QMP schema names, and whether SEV and SGX
    answered."""

    machines: list[Machine]
    cpus_tcg: list[tuple[str, bool]]
    cpus_kvm: list[tuple[str, bool]] | None
    types: list[str]
    displays: list[str]
    commands: list[str]
    sev: bool = False
    sgx: bool = False
    #: The CPU QEMU would give a host-model guest: the true feature properties of its
    #: ``max`` (TCG) and ``host`` (KVM) CPU expanded, with vendor, family and model.
    host_model_tcg: dict[str, Any] | None = None
    host_model_kvm: dict[str, Any] | None = None
    #: Each CPU model's features TCG and KVM cannot give it (QEMU's unavailable-features).
    blockers_tcg: dict[str, list[str]] | None = None
    blockers_kvm: dict[str, list[str]] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BinaryInfo:
        info = cls(**data)
        info.machines = [Machine(**m) for m in data["machines"]]
        info.cpus_tcg = [(str(n), bool(u)) for n, u in data["cpus_tcg"]]
        if data["cpus_kvm"] is not None:
            info.cpus_kvm = [(str(n), bool(u)) for n, u in data["cpus_kvm"]]
        return info


def _start(binary: str, accel: str, tmp: str) -> tuple[subprocess.Popen[bytes], Monitor]:
    sock = os.path.join(tmp, f"qmp-{accel}.sock")
    argv = [binary, "-S", "-no-user-config", "-nodefaults", "-nographic",
            "-machine", "none", "-accel", accel, "-qmp", f"unix:{sock},server=on,wait=off"]  # fmt: skip
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, cwd=tmp)  # fmt: skip
    except OSError as exc:
        raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                         f"Failed to probe capabilities for {binary}: {exc.strerror}") from exc  # fmt: skip
    monitor = Monitor(f"probe of {binary}", sock)
    try:
        monitor.connect(lambda _e, _d: None, lambda: None, timeout=PROBE_TIMEOUT,
                        alive=lambda: proc.poll() is None)  # fmt: skip
    except Exception as exc:
        _stop(proc, monitor)
        raise _probe_failed(binary, proc, exc) from exc
    return proc, monitor


def _stop(proc: subprocess.Popen[bytes], monitor: Monitor) -> None:
    monitor.close()
    proc.kill()
    proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def _probe_failed(binary: str, proc: subprocess.Popen[bytes], exc: Exception) -> Exception:
    stderr = b""
    if proc.poll() is not None and proc.stderr is not None and not proc.stderr.closed:
        stderr = proc.stderr.read()
    detail = stderr.decode(errors="replace").strip() or str(exc)
    return make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                      f"Failed to probe capabilities for {binary}: {detail}")  # fmt: skip


def _cpu_models(monitor: Monitor) -> list[tuple[str, bool]]:
    return [(str(m["name"]), not m.get("unavailable-features"))
            for m in monitor.execute("query-cpu-definitions")]  # fmt: skip


def _blockers(monitor: Monitor) -> dict[str, list[str]]:
    """Each CPU model's features this accelerator cannot give (``unavailable-features``)."""
    return {str(m["name"]): [str(f) for f in m.get("unavailable-features") or []]
            for m in monitor.execute("query-cpu-definitions")}  # fmt: skip


def _answers(monitor: Monitor, command: str) -> bool:
    try:
        monitor.execute(command)
    except VirtError:
        return False
    return True


def _expand(monitor: Monitor, model: str) -> dict[str, Any] | None:
    """QEMU's full expansion of *model* with its non-migratable features (libvirt's
    host-model source): {"features": [...true properties], "vendor", "family", "model"}."""
    try:
        props = monitor.execute("query-cpu-model-expansion", {
            "type": "full", "model": {"name": model, "props": {"migratable": False}},
        })["model"]["props"]  # fmt: skip
    except (VirtError, KeyError, TypeError):
        return None
    return {"features": sorted(k for k, v in props.items() if v is True),
            "vendor": str(props.get("vendor", "")), "family": int(props.get("family", 0)),
            "model": int(props.get("model", 0))}  # fmt: skip


def _schema(monitor: Monitor) -> tuple[list[str], list[str]]:
    """The display types (DisplayType's values) and command names of the QMP schema."""
    schema = monitor.execute("query-qmp-schema")
    commands = sorted(str(e["name"]) for e in schema if e.get("meta-type") == "command")
    displays: list[str] = []
    for e in schema:
        values = [str(v) for v in e.get("values", [])] if e.get("meta-type") == "enum" else []
        if "egl-headless" in values or "sdl" in values:
            displays = values
    return displays, commands


def _probe(binary: str, kvm: bool) -> BinaryInfo:
    """Start *binary* without a machine (TCG, and KVM when the host has it) and ask."""
    with tempfile.TemporaryDirectory(prefix="pyvirt-probe-") as tmp:
        proc, monitor = _start(binary, "tcg", tmp)
        try:
            machines = [
                Machine(str(m["name"]), int(m.get("cpu-max", 1)), m.get("alias"),
                        bool(m.get("deprecated", False)), bool(m.get("is-default", False)))  # fmt: skip
                for m in monitor.execute("query-machines")
                if m["name"] != "none"
            ]
            cpus_tcg = _cpu_models(monitor)
            types = sorted(str(t["name"]) for t in monitor.execute("qom-list-types"))
            displays, commands = _schema(monitor)
            sev = "query-sev-capabilities" in commands and _answers(monitor, "query-sev-capabilities")
            sgx = "query-sgx-capabilities" in commands and _answers(monitor, "query-sgx-capabilities")
            host_tcg = _expand(monitor, "max")
            blockers_tcg = _blockers(monitor)
        except VirtError as exc:
            raise _probe_failed(binary, proc, exc) from exc
        finally:
            _stop(proc, monitor)
        cpus_kvm = host_kvm = blockers_kvm = None
        if kvm:
            proc, monitor = _start(binary, "kvm", tmp)
            try:
                cpus_kvm = _cpu_models(monitor)
                host_kvm = _expand(monitor, "host")
                blockers_kvm = _blockers(monitor)
            except VirtError as exc:
                raise _probe_failed(binary, proc, exc) from exc
            finally:
                _stop(proc, monitor)
    machines.sort(key=lambda m: not m.default)  # stable: the default moves first
    return BinaryInfo(machines, cpus_tcg, cpus_kvm, types, displays, commands, sev, sgx,
                      host_tcg, host_kvm, blockers_tcg, blockers_kvm)  # fmt: skip


def kvm_usable() -> bool:
    """Whether this host offers KVM to QEMU (``/dev/kvm`` opens read-write)."""
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


class QemuProbe:
    """The probe results of every binary asked about, valid while the binary is unchanged."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[list[int], BinaryInfo]] = {}

    def _cache_file(self, binary: str) -> Path:
        return self.cache_dir / (hashlib.sha256(binary.encode()).hexdigest() + ".json")

    def _load(self, binary: str, stamp: list[int]) -> BinaryInfo | None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            saved = json.loads(self._cache_file(binary).read_text())
            if saved["binary"] == binary and saved["stamp"] == stamp:
                return BinaryInfo.from_json(saved["info"])
        return None

    def _save(self, binary: str, stamp: list[int], info: BinaryInfo) -> None:
        record = {"binary": binary, "stamp": stamp, "info": asdict(info)}
        with contextlib.suppress(OSError):
            self.cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self._cache_file(binary).with_suffix(".new")
            tmp.write_text(json.dumps(record))
            tmp.replace(self._cache_file(binary))

    def info(self, binary: str) -> BinaryInfo:
        """What *binary* offers, probed on first use and again whenever it changes (another
        inode, size or time) or KVM comes or goes."""
        stamp = [*_stamp(binary), int(kvm_usable())]
        with self._lock:
            cached = self._memory.get(binary)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            found = self._load(binary, stamp)
            if found is None:
                found = _probe(binary, kvm=bool(stamp[-1]))
                self._save(binary, stamp, found)
            self._memory[binary] = (stamp, found)
            return found

    def machines(self, binary: str) -> list[Machine]:
        """*binary*'s machine types, the default first, then in QEMU's order."""
        return self.info(binary).machines
