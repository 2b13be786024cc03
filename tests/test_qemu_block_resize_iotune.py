"""virsh blockresize and blkdeviotune against the QEMU driver: real QEMU (TCG) on qcow2 and
raw images, checked by what QEMU and qemu-img then report, by a booted Linux guest's view of
its disk, and against libvirtd's own QEMU driver for the same virsh script."""

# ruff: noqa: F811 - fixtures imported from helpers are test parameters
from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from pyvirt import (
    ErrorCode,
    ErrorDomain,
    TypedParameter,
    TypedParameterType,
    VirtError,
    typed_param,
)
from qemu_block_helpers import (  # noqa: F401 - fixtures
    MiB,
    chain,
    disk_xml,
    domain_xml,
    img,
    run_both,
    shared_images,
    virtual_size,
)
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
)
from test_qemu_guest_console import _ask
from test_qemu_guest_lifecycle import guest_driver  # noqa: F401 - the fixture, TCG and KVM

pytestmark = needs_qemu

_BYTES = 1  # VIR_DOMAIN_BLOCK_RESIZE_BYTES


def _error(exc: pytest.ExceptionInfo[VirtError]) -> tuple[int, int, str]:
    return exc.value.code, exc.value.domain, str(exc.value)


def _two_disks(drv: InProcessDriver, root: Path, name: str = "rs"):  # type: ignore[no-untyped-def]
    top = chain(root)[-1]
    raw = img(root / "data.raw", "raw", "1M")
    ro = img(root / "ro.raw", "raw", "1M")
    conn = drv.connect()
    disks = disk_xml(top, "vda") + disk_xml(raw, "vdb", "raw") + disk_xml(ro, "vdc", "raw",
                                                                        "<readonly/>")  # fmt: skip
    return conn, conn.define_domain(domain_xml(name, disks)), top, raw


def test_blockresize_grows_and_shrinks_by_target_or_path_in_kib_or_bytes(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    _, dom, top, raw = _two_disks(qemu_driver, qemu_root)
    dom.start()
    dom.block_resize("vda", 16 * 1024)  # KiB by default
    assert virtual_size(top) == 16 * MiB
    assert dom.block_info("vda")[0] == 16 * MiB
    dom.block_resize(str(top), 20 * MiB + 1, _BYTES)  # a qcow2 size is rounded up to sectors
    assert virtual_size(top) == 20 * MiB + 512
    dom.block_resize("vdb", 3 * MiB + 7, _BYTES)  # raw takes any byte count
    assert raw.stat().st_size == 3 * MiB + 7
    dom.block_resize("vda", 4 * 1024)  # libvirt 9.0 lets QEMU shrink, as asked
    assert virtual_size(top) == 4 * MiB


def test_blockresize_bad_input_is_refused_with_libvirts_errors_and_changes_nothing(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    _, dom, top, raw = _two_disks(qemu_driver, qemu_root)
    with pytest.raises(VirtError) as exc:
        dom.block_resize("vda", 16 * 1024)
    assert _error(exc) == (ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                           "Requested operation is not valid: domain is not running")  # fmt: skip
    dom.start()
    with pytest.raises(VirtError) as exc:
        dom.block_resize("vdz", 16 * 1024)
    assert _error(exc) == (ErrorCode.INVALID_ARG, ErrorDomain.QEMU,
                           "invalid argument: disk 'vdz' was not found in the domain config")  # fmt: skip
    with pytest.raises(VirtError) as exc:
        dom.block_resize("vdc", 16 * 1024)
    assert _error(exc) == (ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU,
                           "Operation not supported: can't resize empty or readonly disk 'vdc'")  # fmt: skip
    with pytest.raises(VirtError) as exc:
        dom.block_resize("vda", 16 * 1024, 2)
    assert _error(exc) == (ErrorCode.INVALID_ARG, ErrorDomain.QEMU,
                           "unsupported flags (0x2) in function "
                           "qemuDomainBlockResize")  # fmt: skip
    with pytest.raises(VirtError) as exc:
        dom.block_resize("vda", 2**64 // 1024)
    assert _error(exc) == (ErrorCode.OVERFLOW, ErrorDomain.QEMU,
                           f"numerical overflow: size must be less than {(2**64 - 1) // 1024}")  # fmt: skip
    assert virtual_size(top) == 8 * MiB and raw.stat().st_size == MiB


def _parity_guest(d: Path) -> tuple[Path, str, Callable[[], None]]:
    """A definition file of a guest with a qcow2 chain, a raw and a read-only disk, its
    name, and what makes its images afresh."""
    name = f"pyvirt-blk-{uuid.uuid4().hex[:8]}"
    xml = d / "dom.xml"

    def make() -> None:
        for f in [*d.glob("*.qcow2"), *d.glob("*.raw")]:
            f.unlink()
        top = chain(d)[-1]
        disks = (disk_xml(top, "vda") + disk_xml(img(d / "data.raw", "raw", "1M"), "vdb", "raw")
                 + disk_xml(img(d / "ro.raw", "raw", "1M"), "vdc", "raw", "<readonly/>"))  # fmt: skip
        xml.write_text(domain_xml(name, disks))

    return xml, name, make


@needs_libvirtd_qemu
def test_blockresize_matches_libvirtd_byte_for_byte(
    daemon_env: tuple[Path, dict[str, str]], shared_images: Path
) -> None:
    xml, name, make = _parity_guest(shared_images)
    top = shared_images / "top.qcow2"
    commands = [
        f"define {xml}", f"blockresize {name} vda 16M", f"start {name}",
        f"blockresize {name} vda 16M", f"blockresize {name} {top} 20000001b",
        f"blockresize {name} vdb 3M", f"blockresize {name} vda 4M", f"blockresize {name} vdz 1M",
        f"blockresize {name} vdc 2M", f"blockresize {name} vda abc", f"blockresize {name} vda",
        f"blockresize {name} vda 1M --bytes", f"domblkinfo {name} vdb",
        f"destroy {name}", f"undefine {name}",
    ]  # fmt: skip
    want, got = run_both(commands, name, make, daemon_env)
    assert want[3] == (0, "Block device 'vda' is resized\n", "")
    for n, (a, b) in enumerate(zip(got, want, strict=True)):
        assert (commands[n], a) == (commands[n], b)


def test_a_booted_guest_sees_its_disk_grow(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str
) -> None:
    data = img(qemu_root / "data.qcow2", "qcow2", "4M")
    conn = guest_driver.connect()
    xml = guest_domain_xml(linux_guest, "grow", qemu_root / "console.log", accel=accel,
                           devices=disk_xml(data, "vdb"))  # fmt: skip
    dom = conn.define_domain(xml)
    dom.start()
    fd = dom.open_console()
    try:
        sectors = _ask(fd, "cat /sys/block/vda/size; echo E''ND", b"END").decode()
        assert str(4 * MiB // 512) in sectors.split(), sectors
        dom.block_resize("vdb", 12 * 1024)
        sectors = _ask(fd, "cat /sys/block/vda/size; echo E''ND", b"END").decode()
        assert str(12 * MiB // 512) in sectors.split(), sectors
    finally:
        os.close(fd)
    dom.destroy()
    assert virtual_size(data) == 12 * MiB


def _iotunes(xml: str) -> list[str]:
    """Each ``<iotune>`` of a dumpxml output, as written."""
    return re.findall(r"<iotune>.*?</iotune>", xml, re.S)


@needs_libvirtd_qemu
def test_blkdeviotune_matches_libvirtd_live_config_groups_and_refusals(
    daemon_env: tuple[Path, dict[str, str]], shared_images: Path
) -> None:
    xml, name, make = _parity_guest(shared_images)
    tune = f"blkdeviotune {name}"
    zeros = ("--total-bytes-sec 0 --read-iops-sec 0 --total-bytes-sec-max 0 --size-iops-sec 0 "
             "--total-bytes-sec-max-length 0")  # fmt: skip
    commands = [
        f"define {xml}", f"{tune} vda", f"{tune} vda --config --total-iops-sec 7",
        f"{tune} vda --live", f"start {name}", f"{tune} vda",
        f"{tune} vda --total-bytes-sec 1000000 --read-iops-sec 50 --group-name g1", f"{tune} vda",
        f"{tune} vda --total-bytes-sec 10 --read-bytes-sec 5",
        f"{tune} vda --total-bytes-sec-max 100 --total-bytes-sec 0",
        f"{tune} vda --read-bytes-sec-max 100", f"{tune} vdz", f"{tune} vdz --total-iops-sec 1",
        f"{tune} vda --config", f"{tune} vda --total-bytes-sec 1000000000000000001",
        f"{tune} vda --size-iops-sec 10",
        f"{tune} vda --total-bytes-sec 1000 --total-bytes-sec-max 2000 "
        "--total-bytes-sec-max-length 3",
        f"{tune} vda", f"{tune} vda --live --config", f"{tune} vdb --total-bytes-sec 1000",
        f"{tune} vdb", f"{tune} vdb --group-name g1", f"{tune} vdb", f"{tune} vdb --total-bytes-sec 0",
        f"{tune} vdb --read-bytes-sec-max-length 5", f"{tune} vdb --config --total-bytes-sec-max 100",
        f"{tune} vdb --config", f"{tune} vdb --group-name g9 {zeros}", f"{tune} vdb {zeros}",
        f"{tune} vdb", f"{tune} vda --total-iops-sec 5 --read-iops-sec 0 --config --live",
        f"dumpxml {name}", f"destroy {name}", f"dumpxml --inactive {name}", f"start {name}",
        f"{tune} vda", f"{tune} vdb", f"destroy {name}", f"undefine {name}",
    ]  # fmt: skip
    want, got = run_both(commands, name, make, daemon_env)
    assert want[6] == (0, "\n", "")
    assert "group_name     : g1" in want[7][1]
    for n, (a, b) in enumerate(zip(got, want, strict=True)):
        if commands[n].startswith("dumpxml"):
            assert (commands[n], _iotunes(a[1])) == (commands[n], _iotunes(b[1]))
            assert _iotunes(b[1])
        else:
            assert (commands[n], a) == (commands[n], b)


def _qemu_limits(dom, alias: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What QEMU itself holds for a disk (query-block through the monitor passthrough)."""
    import json

    for entry in json.loads(dom.qemu_monitor_command('{"execute":"query-block"}'))["return"]:
        if f"/{alias}/" in entry.get("qdev", ""):
            return dict(entry["inserted"])
    raise AssertionError(alias)


def _tune(**values: int | str) -> list[TypedParameter]:
    return [typed_param(k, TypedParameterType.STRING if k == "group_name"
                        else TypedParameterType.ULLONG, v) for k, v in values.items()]  # fmt: skip


def test_blkdeviotune_reaches_qemu_and_both_definitions_and_bad_values_change_nothing(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    _, dom, _, _ = _two_disks(qemu_driver, qemu_root)
    dom.set_block_io_tune("vda", _tune(read_iops_sec=40), 2)  # CONFIG: applied at start
    dom.start()
    assert _qemu_limits(dom, "virtio-disk0")["iops_rd"] == 40
    dom.set_block_io_tune("vdb", _tune(total_bytes_sec=4096, group_name="shared"), 1)
    dom.set_block_io_tune("vda", _tune(group_name="shared"), 1)  # joins: the group's values
    assert _qemu_limits(dom, "virtio-disk0")["bps"] == 4096
    assert dom.block_io_tune("vda")["group_name"] == "shared"
    assert dom.block_io_tune("vda", 2)["read_iops_sec"] == 40  # the next boot's, untouched
    live = dom.xml_desc()
    bad = [
        (_tune(total_bytes_sec=1, read_bytes_sec=1), ErrorCode.INVALID_ARG,
         "invalid argument: total and read/write of bytes_sec cannot be set at the same time"),
        (_tune(write_iops_sec_max=9), ErrorCode.CONFIG_UNSUPPORTED,
         "unsupported configuration: cannot reset 'write_iops_sec' when 'write_iops_sec_max' "
         "is set"),
        (_tune(total_iops_sec=10**15 + 1), ErrorCode.ARGUMENT_UNSUPPORTED,
         "argument unsupported: block I/O throttle limit value must be no more than "
         "1000000000000000"),
        (_tune(total_bytes_sec=0, group_name="new"), ErrorCode.CONFIG_UNSUPPORTED,
         "unsupported configuration: creating a new group/updating existing with all tune "
         "parameters zero is not supported"),
        (_tune(read_bytes_sec_max_length=5), ErrorCode.INTERNAL_ERROR,
         "internal error: unable to execute QEMU command 'block_set_io_throttle': burst "
         "length set without burst rate"),
        (_tune(bogus=1), ErrorCode.ARGUMENT_UNSUPPORTED,
         "argument unsupported: parameter 'bogus' not supported"),
    ]  # fmt: skip
    for params, code, text in bad:
        with pytest.raises(VirtError) as exc:
            dom.set_block_io_tune("vdb", params, 1)
        assert (exc.value.code, str(exc.value)) == (code, text)
    with pytest.raises(VirtError) as exc:
        dom.set_block_io_tune("vdz", _tune(total_iops_sec=1), 1)
    assert str(exc.value) == "invalid argument: disk 'vdz' not found in domain"
    assert dom.xml_desc() == live
    assert _qemu_limits(dom, "virtio-disk1")["bps"] == 4096
    dom.destroy()
    assert "<read_iops_sec>40</read_iops_sec>" in dom.xml_desc()  # the config kept it
    assert "shared" not in dom.xml_desc()
