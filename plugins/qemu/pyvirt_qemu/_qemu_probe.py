"""What each installed QEMU binary offers, asked over QMP and cached per binary.

Why probe: the ``<guest>`` entries of the capabilities (and the machine names a definition
may use) are whatever this QEMU build supports, which only QEMU can say.  libvirt starts each
binary once with ``-machine none`` and asks ``query-machines``; the answer is kept (in memory
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

from pyvirt import ErrorCode, ErrorDomain, make_error

from pyvirt_qemu._monitor import Monitor

__all__ = ["Machine", "QemuProbe", "find_binary"]

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


def _query_machines(binary: str) -> list[Machine]:
    """Start *binary* without a machine, ask ``query-machines``, stop it."""
    with tempfile.TemporaryDirectory(prefix="pyvirt-probe-") as tmp:
        sock = os.path.join(tmp, "qmp.sock")
        argv = [binary, "-S", "-no-user-config", "-nodefaults", "-nographic",
                "-machine", "none", "-accel", "tcg", "-qmp", f"unix:{sock},server=on,wait=off"]  # fmt: skip
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
            answer = monitor.execute("query-machines")
        except Exception as exc:
            stderr = b""
            if proc.poll() is not None and proc.stderr is not None:
                stderr = proc.stderr.read()
            detail = stderr.decode(errors="replace").strip() or str(exc)
            raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                             f"Failed to probe capabilities for {binary}: {detail}") from exc  # fmt: skip
        finally:
            monitor.close()
            proc.kill()
            proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
    return [
        Machine(str(m["name"]), int(m.get("cpu-max", 1)), m.get("alias"),
                bool(m.get("deprecated", False)), bool(m.get("is-default", False)))  # fmt: skip
        for m in answer
        if m["name"] != "none"
    ]


class QemuProbe:
    """The probe results of every binary asked about, valid while the binary is unchanged."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[list[int], list[Machine]]] = {}

    def _cache_file(self, binary: str) -> Path:
        return self.cache_dir / (hashlib.sha256(binary.encode()).hexdigest() + ".json")

    def _load(self, binary: str, stamp: list[int]) -> list[Machine] | None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            saved = json.loads(self._cache_file(binary).read_text())
            if saved["binary"] == binary and saved["stamp"] == stamp:
                return [Machine(**m) for m in saved["machines"]]
        return None

    def _save(self, binary: str, stamp: list[int], machines: list[Machine]) -> None:
        record = {"binary": binary, "stamp": stamp, "machines": [asdict(m) for m in machines]}
        with contextlib.suppress(OSError):
            self.cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self._cache_file(binary).with_suffix(".new")
            tmp.write_text(json.dumps(record))
            tmp.replace(self._cache_file(binary))

    def machines(self, binary: str) -> list[Machine]:
        """*binary*'s machine types, the default first, then in QEMU's order."""
        stamp = _stamp(binary)
        with self._lock:
            cached = self._memory.get(binary)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            found = self._load(binary, stamp)
            if found is None:
                found = _query_machines(binary)
                found.sort(key=lambda m: not m.default)  # stable: the default moves first
                self._save(binary, stamp, found)
            self._memory[binary] = (stamp, found)
            return found
