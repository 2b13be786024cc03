"""Host interfaces on qemu:///system, as libvirt's udev interface backend shows them: a
bridge with a veth port and the veth's peer, made by the test, and the loopback, listed
and dumped through pyvirtd beside libvirtd (stdout, stderr and exit code equal), and the
calls that backend does not support refused in its words."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_root,
    scripts_on_both_daemons,
)

pytestmark = [
    needs_qemu,
    pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ip") is None,
                       reason="needs root and iproute2 to make a bridge and a veth pair"),  # fmt: skip
]


@pytest.fixture
def bridge() -> Iterator[tuple[str, str, str]]:
    """(bridge, its port, the port's peer): a bridge with one end of a veth pair in it."""
    tag = uuid.uuid4().hex[:6]
    br, port, peer = f"pvb{tag}", f"pvp{tag}", f"pvq{tag}"
    run = lambda *argv: subprocess.run(["ip", *argv], check=True, capture_output=True)  # noqa: E731
    run("link", "add", br, "type", "bridge")
    try:
        run("link", "add", port, "type", "veth", "peer", "name", peer)
        run("link", "set", port, "master", br)
        run("link", "set", br, "up")
        yield br, port, peer
    finally:
        for name in (port, br):
            subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)


def _mac(name: str) -> str:
    return Path("/sys/class/net", name, "address").read_text().strip()


def test_an_interface_is_described_from_sysfs_and_bridge_ports_are_not_listed(
    qemu_root: Path, bridge: tuple[str, str, str]
) -> None:
    from pyvirt import ErrorCode, VirtError

    br, port, peer = bridge
    conn = InProcessDriver(qemu_root).connect()
    names = [i.name for i in conn.list_interfaces()]
    assert br in names and peer in names and "lo" in names and port not in names
    xml = conn.lookup_interface_by_name(br).xml_desc()
    assert xml.startswith(f"<interface type='bridge' name='{br}'>")
    assert f"<interface type='ethernet' name='{port}'>" in xml  # the port, in the bridge
    assert conn.lookup_interface_by_mac(_mac(peer)).name == peer
    # the port is not listed: its MAC finds the bridge if the bridge took it, else nothing
    if _mac(port) == _mac(br):
        assert conn.lookup_interface_by_mac(_mac(port)).name == br
    else:
        with pytest.raises(VirtError, match="couldn't find interface with MAC address"):
            conn.lookup_interface_by_mac(_mac(port))
    with pytest.raises(VirtError, match="couldn't find interface with MAC address") as e:
        conn.lookup_interface_by_mac("52:54:00:00:00:01")
    assert e.value.code == ErrorCode.NO_INTERFACE
    with pytest.raises(VirtError, match="couldn't find interface named '../../../etc'") as e:
        conn.lookup_interface_by_name("../../../etc")
    assert e.value.code == ErrorCode.NO_INTERFACE


@needs_libvirtd_qemu
def test_host_interfaces_through_pyvirtd_match_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], bridge: tuple[str, str, str], tmp_path: Path
) -> None:
    br, port, peer = bridge
    os.chmod(tmp_path, 0o755)
    new = tmp_path / "new.xml"
    new.write_text("<interface type='ethernet' name='pvnew0'/>")
    listing = "iface-list --all; iface-list; iface-list --inactive"
    script = (
        f"{listing}; iface-dumpxml {br}; iface-dumpxml {br} --inactive; iface-dumpxml {port}; "
        f"iface-dumpxml {peer}; iface-dumpxml lo; iface-mac {peer}; iface-mac {port}; "
        f"iface-name {_mac(peer)}; iface-name {_mac(port)}; iface-name {_mac(peer).upper()}; "
        "iface-dumpxml nosuch; iface-mac nosuch; iface-start lo; iface-destroy lo; "
        f"iface-undefine lo; iface-begin; iface-commit; iface-rollback; iface-define {new}"
    )
    want, got = scripts_on_both_daemons((script, script), br, daemon_env, ())
    # Other tests add and remove interfaces (guests' networks) while this one runs: the
    # listings are compared on the interfaces this test knows.
    keep = ("NAME", peer, " lo ", "Name", "-----")

    def stable(out: str) -> str:
        return "\n".join(line for line in out.splitlines()
                         if not line.startswith(" ") or any(k in line for k in keep))  # fmt: skip

    assert got[0] == want[0]
    assert stable(got[1]) == stable(want[1])
    assert got[2] == want[2]
