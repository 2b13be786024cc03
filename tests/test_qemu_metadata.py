"""Title, description, ``<metadata>`` and renaming of QEMU domains, against libvirtd.

The same virsh script runs on libvirtd's QEMU driver and on a pyvirtd of the test's own:
desc and metadata on a stopped persistent domain (kept across a daemon restart, since the
config file holds them), the refusals for a stopped domain's live definition and for a
running one's rename, and domrename's checks and result.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from daemon_helpers import start_daemon
from qemu_helpers import daemon_env, needs_libvirtd_qemu, needs_qemu, qemu_root  # noqa: F401

pytestmark = [needs_qemu, needs_libvirtd_qemu]
VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
STEPS = (
    "define {xml}", "desc {a} --title --new-desc hello", "desc {a} --title",
    "desc {a} --new-desc 'a longer text'", "desc {a}", "desc {a} --live --new-desc x",
    "metadata {a} http://x.org/ --key k --set '<a>b</a>'", "metadata {a} http://x.org/",
    "metadata {a} http://y.org/", "metadata {a} http://x.org/ --key 'bad key' --set '<a/>'",
    "metadata {a} http://x.org/ --key k --set '<a'", "domrename {a} bad/name",
    "domrename {a} {a}", "domrename {a} {b}", "dominfo {a}", "desc {b} --title",
    "metadata {b} http://x.org/", "start {b}", "domrename {b} {a}", "desc {b} --live --title "
    "--new-desc live-title", "desc {b} --title --live", "desc {b} --title --config",
    "destroy {b}", "desc {b} --title", "undefine {b}",
)  # fmt: skip


def _script(a: str, b: str, xml: Path) -> list[str]:
    return [step.format(a=a, b=b, xml=xml) for step in STEPS]


def _run(program: str, steps: list[str], env: dict[str, str], names: tuple[str, str]) -> str:
    out = []
    for step in steps:
        done = subprocess.run(f"{program} -c qemu:///system {step}", shell=True, text=True,
                              capture_output=True, timeout=120, env=env)  # fmt: skip
        out.append(f"$ {step}\nrc={done.returncode}\n{done.stdout}{done.stderr}")
    text = "".join(out)
    for i, name in enumerate(names):
        text = text.replace(name, f"NAME{i}")
    text = re.sub(r"^(UUID|Id|CPU time): +\S+$", r"\1: X", text, flags=re.M)
    return text


def test_desc_metadata_and_domrename_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    names = (f"pyvirt-meta-{tag}", f"pyvirt-renamed-{tag}")
    xml = tmp_path / "dom.xml"
    xml.write_text(f"<domain type='qemu'><name>{names[0]}</name><memory unit='MiB'>64</memory>"
                   "<os><type arch='x86_64'>hvm</type></os></domain>")  # fmt: skip
    steps = _script(*names, xml)
    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    try:
        want = _run(VIRSH, steps, plain, names)
    finally:
        for name in names:
            subprocess.run([VIRSH, "-c", "qemu:///system", "destroy", name], capture_output=True)
            subprocess.run([VIRSH, "-c", "qemu:///system", "undefine", name], capture_output=True)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = _run(PYVIRSH, steps, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)}, names)
    finally:
        daemon.stop()
    assert got == want
    assert "Domain successfully renamed" in got and "\n<a>b</a>\n" in got
