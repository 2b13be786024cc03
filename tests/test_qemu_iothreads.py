"""A QEMU guest's IOThreads: the ``-object iothread`` per thread and the disk and
virtio-scsi controller given theirs, libvirt's define-time refusals, and
virDomainGetIOThreadInfo/Add/Del/Pin/SetIOThreadParams on the persistent definition and on
the real QEMU (its query-iothreads threads, their affinity in the kernel, their polling
values in QOM), a refused call changing nothing, the live state across a daemon restart,
and one virsh script through pyvirtd beside libvirtd's QEMU driver, byte for byte."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import pytest
from pyvirt import Domain, ErrorCode, ErrorDomain, TypedParameterType, VirtError, typed_param
from qemu_guest import Guest, guest_domain_xml
from qemu_helpers import (  # noqa: F401 - fixtures
    InProcessDriver,
    daemon_env,
    disk,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    scripts_on_both_daemons,
)
from test_qemu_guest_lifecycle import guest_driver  # noqa: F401 - the fixture, TCG and KVM

pytestmark = needs_qemu

_LIVE, _CONFIG = 1, 2
_XML = ("<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<vcpu>2</vcpu>{threads}<os><type arch='x86_64'>hvm</type></os>"
        "<devices>{devices}</devices></domain>")  # fmt: skip


def _xml(name: str, threads: str = "<iothreads>2</iothreads>", devices: str = "") -> str:
    return _XML.format(name=name, threads=threads, devices=devices)


def _disk(path: Path | str, dev: str = "vda", bus: str = "virtio", iothread: str = "2") -> str:
    return (f"<disk type='file' device='disk'><driver name='qemu' type='raw' "
            f"iothread='{iothread}'/><source file='{path}'/><target dev='{dev}' bus='{bus}'/>"
            "</disk>")  # fmt: skip


def _query(dom: Domain) -> list[dict[str, object]]:
    reply = json.loads(dom.qemu_monitor_command('{"execute":"query-iothreads"}'))
    return list(reply["return"])


def _affinity(dom: Domain) -> dict[int, set[int]]:
    """What the kernel says of each IOThread's host thread, by IOThread id."""
    return {int(str(t["id"])[8:]): os.sched_getaffinity(int(str(t["thread-id"])))
            for t in _query(dom)}  # fmt: skip


def _args(qemu_root: Path, name: str) -> list[str]:
    from qemu_helpers import qemu_pids

    for pid in qemu_pids(qemu_root):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if f"guest={name},".encode() in b" ".join(argv):
            return [a.decode() for a in argv]
    raise AssertionError(f"no QEMU for {name}")


def _after(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == flag]


def test_threads_disks_and_controllers_reach_qemu_as_libvirt_gives_them(
    qemu_driver: InProcessDriver, qemu_root: Path, disk: Path
) -> None:
    conn = qemu_driver.connect()
    devices = _disk(disk) + "<controller type='scsi' model='virtio-scsi'><driver iothread='1'/>" \
        "</controller>"  # fmt: skip
    threads = "<iothreads>3</iothreads><iothreadids><iothread id='7' thread_pool_max='4'/>" \
        "</iothreadids><cputune><iothreadpin iothread='2' cpuset='1'/></cputune>"  # fmt: skip
    dom = conn.define_domain(_xml("iot", threads, devices))
    inactive = dom.xml_desc(2)
    assert "<driver name='qemu' type='raw' iothread='2'/>" in inactive
    assert "<driver iothread='1'/>" in inactive
    dom.start()
    argv = _args(qemu_root, "iot")
    assert [a for a in _after(argv, "-object") if "iothread" in a] == [
        '{"qom-type":"iothread","id":"iothread7","thread-pool-max":4}',
        '{"qom-type":"iothread","id":"iothread1"}',
        '{"qom-type":"iothread","id":"iothread2"}',
    ]
    devs = _after(argv, "-device")
    assert any(d.startswith("virtio-scsi-pci,iothread=iothread1,id=scsi0,") for d in devs)
    blk = [json.loads(d) for d in devs if d.startswith('{"driver":"virtio-blk-pci"')]
    assert list(blk[0])[:2] == ["driver", "iothread"] and blk[0]["iothread"] == "iothread2"
    assert sorted(_affinity(dom)) == [1, 2, 7]
    if len(os.sched_getaffinity(0)) > 1:
        assert _affinity(dom)[2] == {1}  # <iothreadpin> applied at start
    assert sorted(i for i, _ in dom.iothread_info()) == [1, 2, 7]
    dom.destroy()


@pytest.mark.parametrize(
    ("threads", "devices", "code", "message"),
    [
        ("<iothreads>2</iothreads>", _disk("/dev/null", iothread="3"), ErrorCode.CONFIG_UNSUPPORTED,
         "Disk iothread '3' not defined in iothreadid"),
        ("", _disk("/dev/null", iothread="1"), ErrorCode.CONFIG_UNSUPPORTED,
         "Disk iothread '1' not defined in iothreadid"),
        ("<iothreads>2</iothreads>", _disk("/dev/null", "sda", "sata", "1"),
         ErrorCode.CONFIG_UNSUPPORTED, "IOThreads not available for bus sata target sda"),
        ("<iothreads>2</iothreads>", _disk("/dev/null", iothread="0"), ErrorCode.XML_ERROR,
         "Invalid value for attribute 'iothread' in element 'driver': Zero is not permitted"),
        ("<iothreads>2</iothreads>", _disk("/dev/null", iothread="x"), ErrorCode.XML_ERROR,
         "Invalid value for attribute 'iothread' in element 'driver': 'x'. Expected "
         "non-negative integer value"),
        ("<iothreads>2</iothreads>",
         "<controller type='scsi' model='virtio-scsi'><driver iothread='3'/></controller>",
         ErrorCode.CONFIG_UNSUPPORTED, "controller iothread '3' not defined in iothreadid"),
        ("<iothreads>2</iothreads>",
         "<controller type='scsi' model='lsilogic'><driver iothread='1'/></controller>",
         ErrorCode.XML_ERROR, "'iothread' attribute only supported for virtio scsi controllers"),
    ],
)  # fmt: skip
def test_define_refuses_what_libvirt_refuses(
    qemu_driver: InProcessDriver, threads: str, devices: str, code: ErrorCode, message: str
) -> None:
    conn = qemu_driver.connect()
    with pytest.raises(VirtError) as e:
        conn.define_domain(_xml("bad", threads, devices))
    assert (e.value.code, str(e.value).split(": ", 1)[1]) == (code, message)
    assert conn.list_domains() == []


def test_config_changes_keep_libvirts_order_and_refuse_bad_input_unchanged(
    qemu_driver: InProcessDriver,
) -> None:
    conn = qemu_driver.connect()
    dom = conn.define_domain(_xml("cfg"))
    everywhere = {cpu for cpu in range(len(conn.cpu_map())) if conn.cpu_map()[cpu]}
    assert dom.iothread_info(_CONFIG) == [(1, everywhere), (2, everywhere)]
    dom.add_iothread(5, _CONFIG)
    dom.pin_iothread(1, b"\x01", _CONFIG)
    assert dom.iothread_info() == [(1, {0}), (2, everywhere), (5, everywhere)]
    before = dom.xml_desc(2)
    assert "<iothreadids>\n    <iothread id='1'/>\n    <iothread id='2'/>\n" \
        "    <iothread id='5'/>\n  </iothreadids>" in before  # fmt: skip
    refusals = [
        (lambda: dom.add_iothread(2, _CONFIG), ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
         "an IOThread is already using iothread_id '2'"),
        (lambda: dom.add_iothread(0, 0), ErrorCode.INVALID_ARG, ErrorDomain.QEMU,
         "invalid value of 0 for iothread_id"),
        (lambda: dom.del_iothread(7, 0), ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
         "cannot find IOThread '7' in iothreadids list"),
        (lambda: dom.pin_iothread(7, b"\x01", 0), ErrorCode.INVALID_ARG, ErrorDomain.QEMU,
         "iothreadid 7 not found"),
        (lambda: dom.pin_iothread(1, b"\x00", 0), ErrorCode.INVALID_ARG, ErrorDomain.QEMU,
         "Empty iothread cpumap list for pinning"),
        (lambda: dom.add_iothread(3, _LIVE), ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
         "domain is not running"),
        (lambda: dom.set_iothread_params(1, [typed_param("poll_grow", TypedParameterType.UINT, 1)],
                                         0),
         ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU,
         "configuring persistent polling values is not supported"),
        (lambda: dom.iothread_info(8), ErrorCode.INVALID_ARG, ErrorDomain.QEMU,
         "unsupported flags (0x8) in function qemuDomainGetIOThreadInfo"),
        (lambda: dom.iothread_info(3), ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
         "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"),
    ]  # fmt: skip
    for call, code, domain, message in refusals:
        with pytest.raises(VirtError) as e:
            call()
        assert (e.value.code, e.value.domain) == (code, domain), message
        assert str(e.value).endswith(message)
    assert dom.xml_desc(2) == before
    dom.del_iothread(1, _CONFIG)  # its pin goes with it
    assert "<cputune>" not in dom.xml_desc(2)
    assert [i for i, _ in dom.iothread_info()] == [2, 5]


def test_live_threads_follow_qemu_and_survive_a_daemon_restart(qemu_root: Path) -> None:
    first = InProcessDriver(qemu_root)
    try:
        dom = first.connect().define_domain(_xml("live"))
        dom.add_iothread(5, _CONFIG)
        dom.start()
        # QEMU's order (its objects' table), which libvirtd shows as it is.
        order = [int(str(t["id"])[8:]) for t in _query(dom)]
        assert sorted(order) == [1, 2, 5]
        assert [i for i, _ in dom.iothread_info()] == order
        dom.add_iothread(9, _LIVE)
        assert {int(str(t["id"])[8:]) for t in _query(dom)} == {1, 2, 5, 9}
        assert "<iothread id='9'/>" not in dom.xml_desc(2)  # live only
        dom.pin_iothread(9, b"\x01", 0)
        assert _affinity(dom)[9] == {0}
        assert dict(dom.iothread_info())[9] == {0}
        dom.set_iothread_params(1, [typed_param("poll_max_ns", TypedParameterType.ULLONG, 100),
                                    typed_param("poll_shrink", TypedParameterType.UINT, 3)], 0)
        dom.set_iothread_params(2, [typed_param("thread_pool_max", TypedParameterType.INT, 3)],
                                0)  # fmt: skip
        polls = {t["id"]: (t["poll-max-ns"], t["poll-grow"], t["poll-shrink"]) for t in _query(dom)}
        assert polls["iothread1"] == (100, 0, 3) and polls["iothread2"] == (32768, 0, 0)
        assert "<iothread id='2' thread_pool_max='3'/>" in dom.xml_desc()
        pool = json.loads(dom.qemu_monitor_command(
            '{"execute":"qom-get","arguments":{"path":"/objects/iothread2",'
            '"property":"thread-pool-max"}}'))["return"]  # fmt: skip
        assert pool == 3
        live_before = dom.xml_desc()
    finally:
        first.stop()
    second = InProcessDriver(qemu_root)
    try:
        dom = second.connect().lookup_domain_by_name("live")
        assert dom.xml_desc() == live_before
        assert dict(dom.iothread_info())[9] == {0}
        dom.del_iothread(9, 0)
        assert 9 not in {int(str(t["id"])[8:]) for t in _query(dom)}
        assert "iothread='9'" not in dom.xml_desc() and "id='9'" not in dom.xml_desc()
        with pytest.raises(VirtError, match="cannot find IOThread '9' in iothreadids list"):
            dom.del_iothread(9, 0)
        dom.destroy()
    finally:
        second.stop()


def test_live_refusals_change_nothing(qemu_driver: InProcessDriver, disk: Path) -> None:
    conn = qemu_driver.connect()
    devices = _disk(disk) + "<controller type='scsi' model='virtio-scsi'><driver iothread='1'/>" \
        "</controller>"  # fmt: skip
    dom = conn.define_domain(_xml("refuse", devices=devices))
    dom.start()
    before, threads = dom.xml_desc(), _query(dom)

    def params(**values: int) -> list[object]:
        kinds = {"poll_max_ns": TypedParameterType.ULLONG, "poll_grow": TypedParameterType.UINT}
        return [typed_param(k, kinds.get(k, TypedParameterType.INT), v) for k, v in values.items()]

    refusals = [
        (lambda: dom.del_iothread(2, 0), ErrorCode.INVALID_ARG,
         "cannot remove IOThread 2 since it is being used by disk 'vda'"),
        (lambda: dom.del_iothread(1, 0), ErrorCode.INVALID_ARG,
         "cannot remove IOThread '1' since it is being used by controller"),
        (lambda: dom.add_iothread(2, 0), ErrorCode.INVALID_ARG,
         "an IOThread is already using iothread_id '2'"),
        (lambda: dom.pin_iothread(7, b"\x01", 0), ErrorCode.INVALID_ARG, "iothread 7 not found"),
        (lambda: dom.set_iothread_params(7, params(poll_grow=1), 0), ErrorCode.INVALID_ARG,
         "cannot find IOThread '7' in iothreadids"),
        (lambda: dom.set_iothread_params(7, params(poll_max_ns=2**40), 0),
         ErrorCode.CONFIG_UNSUPPORTED,
         "poll-max-ns (1099511627776) must be less than or equal to 2147483647"),
        (lambda: dom.set_iothread_params(1, params(thread_pool_max=0), 0),
         ErrorCode.CONFIG_UNSUPPORTED, "thread_pool_max (0) must be a positive number or -1"),
        (lambda: dom.set_iothread_params(1, params(thread_pool_min=-2), 0),
         ErrorCode.CONFIG_UNSUPPORTED, "thread_pool_min (-2) must be equal to or greater than -1"),
        (lambda: dom.set_iothread_params(1, params(thread_pool_min=3), 0),
         ErrorCode.OPERATION_INVALID, "thread_pool_min (3) can't be greater than thread_pool_max (-1)"),
        (lambda: dom.set_iothread_params(1, params(thread_pool_min=-1), 0),
         ErrorCode.OPERATION_INVALID,
         "thread_pool_min (-1) must be equal to or greater than 0 for live change"),
        (lambda: dom.set_iothread_params(1, params(poll_grow=1), _LIVE | _CONFIG),
         ErrorCode.OPERATION_UNSUPPORTED, "configuring persistent polling values is not supported"),
        (lambda: dom.set_iothread_params(1, [typed_param("bogus", TypedParameterType.INT, 1)], 0),
         ErrorCode.ARGUMENT_UNSUPPORTED, "parameter 'bogus' not supported"),
    ]  # fmt: skip
    for call, code, message in refusals:
        with pytest.raises(VirtError) as e:
            call()
        assert e.value.code == code, message
        assert str(e.value).endswith(message)
    assert dom.xml_desc() == before
    assert _query(dom) == threads
    dom.destroy()


_SCRIPT = (
    "define {xml}; iothreadinfo {n}; iothreadadd {n} 5 --config; iothreadinfo {n}; "
    "iothreadpin {n} 1 0 --config; iothreadinfo {n} --config; iothreaddel {n} 7 --config; "
    "iothreadset {n} 1 --poll-grow 2; start {n}; iothreadinfo {n}; iothreadadd {n} 9 --live; "
    "iothreadinfo {n}; iothreadpin {n} 9 1; iothreadinfo {n}; iothreaddel {n} 9; "
    "iothreaddel {n} 9; iothreadset {n} 1 --poll-max-ns 100; iothreadset {n} 2 --poll-grow "
    "4294967295; iothreadset {n} 2 --thread-pool-max 3; iothreadset {n} 2 --thread-pool-min 4; "
    "iothreadadd {n} 2; iothreadpin {n} 7 0; iothreaddel {n} 2 --live --config; "
    "iothreadinfo {n}; iothreadinfo {n} --config; dumpxml {n}; destroy {n}; undefine {n}"
)


#: --current on a running and a stopped guest, every thread deleted, a count-only guest's
#: live XML, and live calls on a stopped guest.
_SCRIPT_CURRENT = (
    "define {xml}; start {n}; dumpxml {n} --xpath //iothreads; iothreaddel {n} 1; "
    "iothreaddel {n} 2; iothreadinfo {n}; iothreadadd {n} 3 --current; iothreadinfo {n}; "
    "dumpxml {n} --xpath //iothreads; iothreadadd {n} 4 --config; iothreadinfo {n} --config; "
    "destroy {n}; iothreadinfo {n}; iothreadpin {n} 4 0-1 --current; iothreadinfo {n}; "
    "iothreadset {n} 4 --poll-grow 1 --live; iothreadpin {n} 4 0 --live; "
    "iothreadpin {n} 4 0 --config --live; dumpxml {n} --inactive; undefine {n}"
)


@needs_libvirtd_qemu
@pytest.mark.parametrize("template", [_SCRIPT, _SCRIPT_CURRENT], ids=["live", "current"])
def test_iothread_script_through_pyvirtd_matches_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path, template: str
) -> None:
    name = f"pyvirt-iot-{uuid.uuid4().hex[:8]}"
    os.chmod(tmp_path, 0o755)
    xml = tmp_path / "dom.xml"
    xml.write_text(_xml(name))
    script = template.format(xml=xml, n=name)
    want, got = scripts_on_both_daemons((script, script), name, daemon_env)
    assert "IOThread ID" in want[1] and "<iothreads>" in want[1]
    assert _masked(got) == _masked(want)


#: What differs by nature in the two daemons' dumpxml: the run's id, the UUID, the DAC
#: label (libvirtd runs QEMU as its qemu user; the test's pyvirtd as root).
_XML_MASKS = [
    (re.compile(r"(<domain type='qemu' id=')\d+'"), r"\1ID'"),
    (re.compile(r"<uuid>[0-9a-f-]{36}</uuid>"), "<uuid>UUID</uuid>"),
    (re.compile(r"(<(image)?label>)\+\d+:\+\d+(</)"), r"\1LABEL\3"),
]


def _masked(result: tuple[int, str, str]) -> tuple[int, str, str]:
    status, out, err = result
    for pattern, repl in _XML_MASKS:
        out = pattern.sub(repl, out)
    return status, out, err


def test_a_hotplugged_disk_runs_in_its_iothread_and_holds_it(
    qemu_driver: InProcessDriver, disk: Path
) -> None:
    conn = qemu_driver.connect()
    xml = _xml("plug").replace("<os>", "<features><acpi/></features><os>")
    dom = conn.define_domain(xml)
    dom.start()
    before = dom.xml_desc()
    with pytest.raises(VirtError) as e:
        dom.attach_device(_disk(disk, "vdb", iothread="7"), _LIVE)
    assert e.value.code == ErrorCode.CONFIG_UNSUPPORTED
    assert str(e.value).endswith("Disk iothread '7' not defined in iothreadid")
    assert dom.xml_desc() == before
    dom.attach_device(_disk(disk, "vdb", iothread="2"), _LIVE)
    got = json.loads(dom.qemu_monitor_command(
        '{"execute":"qom-get","arguments":{"path":"/machine/peripheral/virtio-disk1",'
        '"property":"iothread"}}'))["return"]  # fmt: skip
    assert got == "/objects/iothread2"
    with pytest.raises(VirtError, match="cannot remove IOThread 2 since it is being used by "
                                        "disk 'vdb'"):  # fmt: skip
        dom.del_iothread(2, _LIVE)
    dom.destroy()


def test_the_guest_writes_through_disks_its_iothreads_serve(
    guest_driver: InProcessDriver, linux_guest: Guest, qemu_root: Path, accel: str
) -> None:
    """A virtio-blk disk on IOThread 1 and a virtio-scsi disk whose controller runs on
    IOThread 2: the Linux guest writes to both, the host reads what it wrote."""
    from test_qemu_disks import _run, img

    conn = guest_driver.connect()
    blk, scsi = img(qemu_root / "blk.raw", "raw", "4M"), img(qemu_root / "scsi.raw", "raw", "4M")
    devices = (_disk(blk, "vdb", iothread="1")
               + f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
               f"<source file='{scsi}'/><target dev='sda' bus='scsi'/></disk>"
               "<controller type='scsi' model='virtio-scsi'><driver iothread='2'/></controller>")  # fmt: skip
    xml = guest_domain_xml(linux_guest, "iodisk", qemu_root / "console.log", accel=accel,
                           devices=devices, cmdline="pyvirt_disks")  # fmt: skip
    dom = conn.define_domain(xml.replace("<features>", "<iothreads>2</iothreads><features>"))
    dom.start()
    fd = dom.open_console()
    try:
        for dev, text in (("vda", "pyvirt-iothread-blk"), ("sda", "pyvirt-iothread-scsi")):
            wrote = _run(fd, f"echo {text} | dd of=/dev/{dev} conv=fsync 2>&1")
            assert "records out" in wrote, wrote
    finally:
        os.close(fd)
    with pytest.raises(VirtError, match="since it is being used by controller"):
        dom.del_iothread(2, 0)
    dom.destroy()
    assert blk.read_bytes()[:20] == b"pyvirt-iothread-blk\n"
    assert scsi.read_bytes()[:21] == b"pyvirt-iothread-scsi\n"
