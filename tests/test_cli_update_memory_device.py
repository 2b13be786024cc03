"""virsh's ``update-memory-device`` compared with the real virsh byte for byte (stdout,
stderr, exit status), in process and through the daemons: the device chosen by alias or NUMA
node, its virtio-mem ``<requested>`` size rewritten (scaled, KiB by default, rounded up), the
XML printed or sent (libvirt's test driver updates no device), and the error paths: none or
several devices, no ``<requested>``, bad numbers and suffixes, exclusive options, missing
domain.

Not compared: --print-xml of a *running* domain's live XML.  libvirt adds
``<current unit='KiB'>0</current>`` to a live virtio-mem device; pyvirt's domain model keeps
memory devices as written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh

_NUMA = (
    "<maxMemory slots='16' unit='KiB'>16777216</maxMemory><memory unit='KiB'>8388608</memory>"
    "<vcpu>2</vcpu><os><type>hvm</type></os>"
    "<cpu><numa><cell id='0' cpus='0-1' memory='2097152' unit='KiB'/></numa></cpu>"
)
#: A virtio-mem device and a DIMM on node 0; a domain with only the DIMM.
TWO = (
    f"<domain type='test'><name>mem</name>{_NUMA}<devices>"
    "<memory model='virtio-mem'><target><size unit='KiB'>1048576</size><node>0</node>"
    "<block unit='KiB'>2048</block><requested unit='KiB'>524288</requested></target>"
    "<alias name='ua-virtiomem0'/></memory>"
    "<memory model='dimm'><target><size unit='KiB'>524288</size><node>0</node></target>"
    "</memory></devices></domain>"
)
DIMM = (
    f"<domain type='test'><name>dimm</name>{_NUMA}<devices>"
    "<memory model='dimm'><target><size unit='KiB'>524288</size><node>0</node></target>"
    "</memory></devices></domain>"
)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "mem.xml").write_text(TWO)
    (tmp_path / "dimm.xml").write_text(DIMM)
    return tmp_path


@pytest.mark.parametrize(
    "commands",
    [
        "update-memory-device test",
        "destroy test; update-memory-device test --live",
        "define {dir}/mem.xml; update-memory-device mem --print-xml",
        "define {dir}/mem.xml; update-memory-device mem --alias ua-virtiomem0 --print-xml",
        "define {dir}/mem.xml; update-memory-device mem --alias ua-virtiomem0 "
        "--requested-size 2G --print-xml; update-memory-device mem --alias ua-virtiomem0 "
        "--requested-size 1G",
        "define {dir}/mem.xml; update-memory-device mem --alias ua-virtiomem0 "
        "--requested-size 1000b --print-xml",
        "define {dir}/mem.xml; update-memory-device mem --alias ua-virtiomem0 "
        "--requested-size 3 --print-xml --config",
        "define {dir}/mem.xml; start mem; update-memory-device mem --alias ua-virtiomem0 "
        "--print-xml --config",
        "define {dir}/mem.xml; update-memory-device mem --alias nope",
        "define {dir}/mem.xml; update-memory-device mem --alias ''",
        "define {dir}/mem.xml; update-memory-device mem --node 1",
        "define {dir}/mem.xml; update-memory-device mem --node 0",
        "define {dir}/mem.xml; update-memory-device mem --node x",
        "define {dir}/mem.xml; update-memory-device mem --node -1",
        "define {dir}/mem.xml; update-memory-device mem --node x --requested-size x",
        "define {dir}/mem.xml; update-memory-device mem --node 1 --requested-size x",
        "define {dir}/mem.xml; update-memory-device mem --requested-size x",
        "define {dir}/mem.xml; update-memory-device mem --alias ua-virtiomem0 --requested-size x",
        "define {dir}/mem.xml; update-memory-device mem --alias ua-virtiomem0 --requested-size 5Q",
        "define {dir}/mem.xml; update-memory-device mem --alias ua-virtiomem0 --requested-size -1",
        "define {dir}/dimm.xml; update-memory-device dimm --print-xml; "
        "update-memory-device dimm --requested-size 1 --print-xml",
        "define {dir}/dimm.xml; update-memory-device dimm --node 0",
        "update-memory-device nope --alias x",
        "update-memory-device nope --node 1 --alias x",
        "update-memory-device test --live --current",
        "update-memory-device test --config --current",
        "help update-memory-device",
    ],
)
@needs_virsh
def test_update_memory_device_as_virsh(uri: str, scratch: Path, commands: str) -> None:
    compare("-c", uri, commands.format(dir=scratch))


@needs_virsh
def test_read_only_connections_are_refused_as_in_virsh(uri: str, scratch: Path) -> None:
    compare("-r", "-c", uri, "update-memory-device test; update-memory-device test --node x")
