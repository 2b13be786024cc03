"""detach-device-alias on the QEMU driver: a device found by its alias leaves the
configuration (a user's ``ua-`` alias) or is asked to leave the running guest (the live
alias) without waiting for the guest, as libvirt's asynchronous detach does; compared with
libvirtd's QEMU driver through the same virsh script."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from pyvirt import ErrorCode, VirtError
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    scripts_on_both_daemons,
)

pytestmark = needs_qemu

_XML = (
    "<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
    "<os><type arch='x86_64'>hvm</type></os><features><acpi/></features>"
    "<devices><serial type='pty'/>"
    "<interface type='user'><mac address='52:54:00:11:22:33'/><model type='e1000'/>"
    "<alias name='ua-mynic'/></interface>"
    "<interface type='user'><mac address='52:54:00:11:22:44'/><model type='e1000'/>"
    "</interface></devices></domain>"
)


def test_a_device_leaves_the_config_by_its_user_alias_and_the_guest_by_its_live_one(
    qemu_driver: InProcessDriver,
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(_XML.format(name="alias"))
    dom.detach_device_alias("ua-mynic", 2)  # VIR_DOMAIN_AFFECT_CONFIG
    assert "52:54:00:11:22:33" not in dom.xml_desc(2)  # (VIR_DOMAIN_XML_INACTIVE)
    with pytest.raises(VirtError, match="no device found with alias ua-mynic") as e:
        dom.detach_device_alias("ua-mynic", 2)
    assert e.value.code == ErrorCode.INTERNAL_ERROR
    dom.start()
    live = dom.xml_desc()
    assert "<alias name='net0'/>" in live and "<alias name='serial0'/>" in live
    with pytest.raises(VirtError, match="live detach of device 'serial' is not supported") as e:
        dom.detach_device_alias("serial0", 1)
    assert e.value.code == ErrorCode.OPERATION_UNSUPPORTED
    dom.detach_device_alias("net0", 1)  # asked; a guest with no OS never lets go
    assert "<alias name='net0'/>" in dom.xml_desc()  # still there, pending
    with pytest.raises(VirtError, match="unsupported flags") as e:
        dom.detach_device_alias("net0", 1 << 5)
    assert e.value.code == ErrorCode.INVALID_ARG
    dom.destroy()


@needs_libvirtd_qemu
def test_detach_device_alias_through_pyvirtd_matches_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    name = f"pyvirt-alias-{uuid.uuid4().hex[:8]}"
    os.chmod(tmp_path, 0o755)
    xml = tmp_path / "dom.xml"
    xml.write_text(_XML.format(name=name))
    n = name
    script = (
        f"define {xml}; detach-device-alias {n} nosuch --config; "
        f"detach-device-alias {n} ua-mynic --config; domiflist {n}; "
        f"detach-device-alias {n} ua-mynic --config; start {n}; "
        f"detach-device-alias {n} nosuch; detach-device-alias {n} net0 --live; "
        f"domiflist {n}; detach-device-alias {n} net0 --current --live; destroy {n}; "
        f"detach-device-alias {n} net0; undefine {n}"
    )
    want, got = scripts_on_both_daemons((script, script), name, daemon_env)
    assert got == want
