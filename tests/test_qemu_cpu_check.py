"""The live XML's ``<cpu check='full'>``: the vCPU QEMU really built, described as libvirt
describes it once a guest runs.

The features come from the running QEMU (its vCPU's CPUID words), so the expected XML is
not written here: it is libvirtd's live XML for the same definition, when libvirtd's QEMU
driver answers; without it, what the XML claims is checked against QEMU's own words.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
)

VIRSH = shutil.which("virsh")
pytestmark = [needs_qemu]

CPUS = {
    "default": "",
    "features": "<cpu mode='custom' match='exact'><model>qemu64</model>"
    "<feature policy='disable' name='svm'/><feature policy='require' name='abm'/></cpu>",
}


def _xml(name: str, cpu: str) -> str:
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        f"<os><type arch='x86_64'>hvm</type></os>{cpu}</domain>"
    )


def _cpu(xml: str) -> str:
    found = re.search(r"^  <cpu .*?^  </cpu>\n", xml, re.M | re.S)
    assert found is not None, xml
    return found[0]


@pytest.mark.parametrize("case", sorted(CPUS))
def test_the_running_guests_cpu_is_described_from_qemus_own_words(
    qemu_driver: InProcessDriver, case: str
) -> None:
    from pyvirt_qemu._cpu_model import MODEL_FEATURES

    dom = qemu_driver.connect().define_domain(_xml(f"cpu-{case}", CPUS[case]))
    assert "check='full'" not in _cpu(dom.xml_desc())
    dom.start()
    live = _cpu(dom.xml_desc())
    assert "<cpu mode='custom' match='exact' check='full'>" in live
    assert "<model fallback='forbid'>qemu64</model>" in live
    required = set(re.findall(r"policy='require' name='([^']+)'", live))
    disabled = set(re.findall(r"policy='disable' name='([^']+)'", live))
    # Every feature QEMU added beyond libvirt's qemu64 is required, and nothing of the
    # model is claimed missing unless the definition asked: the claims match the words.
    run = qemu_driver.state._driver.domains.find_by_name(f"cpu-{case}").run  # type: ignore[union-attr]
    from pyvirt_qemu._cpu_model import enabled_features

    enabled = enabled_features(run.monitor)
    assert required - {"abm"} == enabled - MODEL_FEATURES["qemu64"] - {"abm"}
    assert "hypervisor" in required
    assert disabled == MODEL_FEATURES["qemu64"] - enabled
    dom.destroy()
    assert "check='full'" not in _cpu(dom.xml_desc())  # the definition is untouched


@needs_libvirtd_qemu
@pytest.mark.parametrize("case", sorted(CPUS))
def test_the_live_cpu_matches_libvirtds(qemu_driver: InProcessDriver, case: str,
                                        tmp_path: Path) -> None:  # fmt: skip
    name = f"pyvirt-cpu-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "cpu.xml"
    path.write_text(_xml(name, CPUS[case]))
    virsh = [VIRSH or "virsh", "-c", "qemu:///system"]

    def run(*args: str) -> str:
        return subprocess.run([*virsh, *args], capture_output=True, text=True, timeout=120,
                              check=False).stdout  # fmt: skip

    try:
        run("define", str(path))
        run("start", name)
        want = _cpu(run("dumpxml", name))
    finally:
        run("destroy", name)
        run("undefine", name)
    dom = qemu_driver.connect().define_domain(_xml(name, CPUS[case]))
    dom.start()
    assert _cpu(dom.xml_desc()) == want
    dom.destroy()
