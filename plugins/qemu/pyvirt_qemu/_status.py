"""Status files: what a running domain needs to be found again after a daemon restart.

Why a file per running domain, written atomically at every state change: pyvirtd may be
killed at any moment (SIGKILL gives no chance to save anything), and the guests keep
running.  On the next start the driver reads these files, checks each pid is still the same
QEMU (pid plus process start time) and reconnects its monitor.  The layout follows libvirt's
``<domstatus>`` (``/run/libvirt/qemu/<name>.xml``): state, reason and pid as attributes, the
monitor socket, then the full live ``<domain>`` with its id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from pyvirt.conf import DomainDef, format_domain_xml, parse_domain_xml

from pyvirt_qemu._config import atomic_write, remove_file

__all__ = ["StatusRecord", "load_status", "remove_status", "save_status"]

_HEADER = (
    "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
    "OVERWRITTEN AND LOST. It is pyvirt's record of a running QEMU domain.\n-->\n"
)


@dataclass
class StatusRecord:
    live: DomainDef
    id: int
    pid: int
    start_time: int
    state: int
    reason: int
    monitor: str
    lib_dir: str
    log_offset: int = 0
    persistent: bool = True
    got_shutdown: bool = False


def _path(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.xml"


def save_status(run_dir: Path, rec: StatusRecord) -> None:
    root = etree.Element("domstatus")
    for key, value in (
        ("state", rec.state), ("reason", rec.reason), ("pid", rec.pid),
        ("pid_start", rec.start_time), ("persistent", "yes" if rec.persistent else "no"),
        ("got_shutdown", "yes" if rec.got_shutdown else "no"), ("log_offset", rec.log_offset),
    ):  # fmt: skip
        root.set(key, str(value))
    etree.SubElement(root, "monitor", path=rec.monitor, type="unix")
    etree.SubElement(root, "libDir", path=rec.lib_dir)
    root.append(etree.fromstring(format_domain_xml(rec.live, live_id=rec.id, secure=True)))
    etree.indent(root, space="  ")
    text = _HEADER + etree.tostring(root, encoding="unicode") + "\n"
    atomic_write(_path(run_dir, rec.live.name), text, durable=False)


def load_status(path: Path) -> StatusRecord:
    """Read one status file (raises OSError/ValueError/VirtError when it is unusable)."""
    root = etree.parse(str(path)).getroot()
    dom = root.find("domain")
    mon = root.find("monitor")
    lib = root.find("libDir")
    if dom is None or mon is None or lib is None:
        raise ValueError(f"incomplete status file {path}")
    live_id = int(dom.get("id", "-1"))
    live = parse_domain_xml(etree.tostring(dom), default_arch="x86_64", live=True)
    return StatusRecord(
        live=live,
        id=live_id,
        pid=int(root.get("pid", "0")),
        start_time=int(root.get("pid_start", "0")),
        state=int(root.get("state", "0")),
        reason=int(root.get("reason", "0")),
        monitor=mon.get("path", ""),
        lib_dir=lib.get("path", ""),
        log_offset=int(root.get("log_offset", "0")),
        persistent=root.get("persistent") == "yes",
        got_shutdown=root.get("got_shutdown") == "yes",
    )


def remove_status(run_dir: Path, name: str) -> None:
    remove_file(_path(run_dir, name))
