"""Host CPU commands, ``cpu-models``, ``cpu-compare``, ``hypervisor-cpu-compare``,
``hypervisor-cpu-baseline`` and ``domcapabilities``, compared with the real virsh in process
and through the daemons: CPU models per architecture, reading the CPU from a file as virsh
does (a bare ``<cpu>``, a domain's, the host capabilities', domain capabilities' host-model;
XML declaration, parse errors, files without a CPU, missing files and directories) and the
answers of libvirt's test driver, which compares no CPUs and has no domain capabilities.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import URI, compare, needs_virsh

pytestmark = needs_virsh

CPU = "<cpu>\n  <arch>x86_64</arch>\n  <model>Haswell</model>\n  <feature name='vmx'/>\n</cpu>\n"
FILES = {
    "cpu.xml": CPU,
    "dom.xml": f"<?xml version='1.0'?>\n<domain type='test'><name>x</name>{CPU}</domain>\n",
    "nocpu.xml": "<domain><name>x</name></domain>\n",
    "bad.xml": "<cpu\n",
    "unclosed.xml": "<cpu><model>x</model></cpu>\n<cpu><model>y</model>",
    "empty.xml": "",
    "domcaps.xml": "<domainCapabilities><cpu><mode name='host-model' supported='yes'>"
    "<model>Haswell</model></mode></cpu></domainCapabilities>\n",
    "domcaps_no.xml": "<domainCapabilities><cpu><mode name='host-model' supported='no'/>"
    "</cpu></domainCapabilities>\n",
    "caps.xml": "<capabilities><host><cpu><arch>x86_64</arch></cpu></host></capabilities>\n",
}


@pytest.fixture
def xmldir(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "adir").mkdir()
    return tmp_path


MODELS = [
    "cpu-models x86_64", "cpu-models i686", "cpu-models ppc64", "cpu-models ppc64le",
    "cpu-models aarch64", "cpu-models s390x", "cpu-models armv7l", "cpu-models alpha",
    "cpu-models riscv64", "cpu-models x86", "cpu-models X86_64", "cpu-models none",
    "cpu-models", "cpu-models ''", "cpu-models --arch x86_64", "help cpu-models",
]  # fmt: skip
COMPARE = [f"cpu-compare {name}" for name in FILES] + [
    "cpu-compare adir", "cpu-compare missing.xml", "cpu-compare ''", "cpu-compare",
    "cpu-compare cpu.xml --error --validate",
    "hypervisor-cpu-compare cpu.xml", "hypervisor-cpu-compare bad.xml",
    "hypervisor-cpu-compare nocpu.xml", "hypervisor-cpu-compare cpu.xml --arch ''",
    "hypervisor-cpu-compare dom.xml --virttype kvm --emulator e --arch x86_64 --machine pc "
    "--validate --error",
    "hypervisor-cpu-baseline", "hypervisor-cpu-baseline cpu.xml",
    "hypervisor-cpu-baseline --file domcaps.xml --features --migratable",
    "hypervisor-cpu-baseline --model Haswell", "hypervisor-cpu-baseline --model ''",
    "hypervisor-cpu-baseline --model Haswell --file dom.xml",
    "hypervisor-cpu-baseline nocpu.xml", "hypervisor-cpu-baseline missing.xml",
    "help cpu-compare", "help hypervisor-cpu-compare", "help hypervisor-cpu-baseline",
]  # fmt: skip
DOMCAPS = [
    "domcapabilities", "domcapabilities --arch ''", "domcapabilities --virttype ''",
    "domcapabilities --virttype kvm --arch x86_64 --machine pc --emulatorbin /usr/bin/qemu",
    "help domcapabilities",
]  # fmt: skip


@pytest.mark.parametrize("command", MODELS + DOMCAPS)
def test_cpu_models_and_domain_capabilities(uri: str, command: str) -> None:
    compare("-c", uri, command)


@pytest.mark.parametrize("command", COMPARE)
def test_cpu_files_compare_and_baseline(uri: str, xmldir: Path, command: str) -> None:
    compare("-c", uri, command, cwd=xmldir)


@pytest.mark.parametrize(
    "command",
    ["cpu-models x86_64", "cpu-compare cpu.xml", "hypervisor-cpu-compare cpu.xml",
     "hypervisor-cpu-compare nocpu.xml", "hypervisor-cpu-baseline --model Haswell",
     "domcapabilities"],
)  # fmt: skip
def test_read_only_connections(uri: str, xmldir: Path, command: str) -> None:
    compare("-r", "-c", uri, command, cwd=xmldir)


def test_commands_in_one_session(xmldir: Path) -> None:
    compare("-c", URI, "cpu-models ppc64; cpu-compare dom.xml; cpu-models bogus", cwd=xmldir)
