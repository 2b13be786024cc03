"""Block jobs against the QEMU driver: blockpull, blockcommit (of a backing image and of
the active layer, with --wait and --pivot), blockjob --info/--raw/--bandwidth/--abort/
--pivot, their BLOCK_JOB / BLOCK_JOB_2 events and the live backing chain they leave.

Real QEMU (TCG) on qcow2 chains made with qemu-img, the base images holding data so that
a job limited to 1 MiB/s is still running while it is looked at.  The same virsh commands
go through pyvirtd and libvirtd and are compared byte for byte, the job's progress (which
moves) masked.
"""

# ruff: noqa: F811 - fixtures imported from helpers are test parameters
from __future__ import annotations

import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from pyvirt import DomainEventID, ErrorCode, ErrorDomain, ObjectEvent, VirtError
from qemu_block_helpers import (  # noqa: F401 - fixtures
    MiB,
    backing_of,
    disk_xml,
    domain_xml,
    img,
    run_both,
    shared_images,
)
from qemu_helpers import (  # noqa: F401 - fixtures
    QEMU_IMG,
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_driver,
    qemu_root,
    wait_for,
)

pytestmark = needs_qemu
QEMU_IO = (QEMU_IMG or "qemu-img").replace("qemu-img", "qemu-io")


def _write(image: Path, offset: int, length: int, pattern: int) -> None:
    subprocess.run([QEMU_IO, "-f", "qcow2", "-c", f"write -P {pattern} {offset} {length}",
                    str(image)], check=True, capture_output=True)  # fmt: skip


def data_chain(d: Path, prefix: str) -> list[Path]:
    """base (40 MiB of data in a 64 MiB image) <- mid (8 MiB more) <- top, base first."""
    base = img(d / f"{prefix}base.qcow2", "qcow2", "64M")
    _write(base, 0, 40 * MiB, 0x11)
    mid = img(d / f"{prefix}mid.qcow2", "qcow2", backing=base)
    _write(mid, 40 * MiB, 8 * MiB, 0x22)
    return [base, mid, img(d / f"{prefix}top.qcow2", "qcow2", backing=mid)]


def _sources(xml: str) -> list[str]:
    """The <source>/<backingStore> lines of every disk, in order."""
    return re.findall(r"<(?:source file|backingStore)[^>]*>", xml)


_PROGRESS = [(re.compile(r"\[ *\d+ %\]"), "[N %]"), (re.compile(r"cur=\d+"), "cur=N")]


def _masked(result: tuple[int, str, str]) -> tuple[int, str, str]:
    status, out, err = result
    for pattern, repl in _PROGRESS:
        out, err = pattern.sub(repl, out), pattern.sub(repl, err)
    return status, out, err


@needs_libvirtd_qemu
def test_block_jobs_match_libvirtd_byte_for_byte(
    daemon_env: tuple[Path, dict[str, str]], shared_images: Path
) -> None:
    d = shared_images
    name = f"pyvirt-job-{uuid.uuid4().hex[:8]}"
    xml = d / "dom.xml"

    def make() -> None:
        for f in d.glob("*.qcow2"):
            f.unlink()
        a, b = data_chain(d, "a-")[-1], data_chain(d, "b-")[-1]
        xml.write_text(domain_xml(name, disk_xml(a, "vda") + disk_xml(b, "vdb")))

    job, n = "blockjob " + name, name
    commands = [
        f"define {xml}", f"blockpull {n} vda", f"start {n}", f"{job} vda", f"{job} vdz --info",
        f"{job} vda --abort", f"{job} vda --bandwidth 1", f"blockpull {n} vda --bandwidth 1",
        f"blockpull {n} vda", f"{job} vda --info", f"{job} vda --raw", f"{job} vda --bandwidth 2",
        f"{job} vda --info --bytes", f"{job} vda --raw --bytes", f"{job} vda --pivot",
        f"{job} vda --abort", f"{job} vda", f"blockpull {n} vda --base vda[5] --wait",
        f"dumpxml {n}", f"blockpull {n} vda --wait", f"dumpxml {n}",
        f"blockcommit {n} vdb", f"blockcommit {n} vdb --top vdb[3] --active",
        f"blockcommit {n} vdb --top vdb[4]", f"blockcommit {n} vdb --top vdb[3] --base vdb[1]",
        f"blockcommit {n} vdb --top vdb[9]", f"blockcommit {n} vdb --top {d}/nothing.qcow2",
        f"blockcommit {n} vdb --shallow --base vdb[4] --active",
        f"blockcommit {n} vdb --top vdb[3] --wait", f"dumpxml {n}",
        f"blockcommit {n} vdb --active --bandwidth 1", f"{job} vdb --info",
        f"{job} vdb --abort", f"blockcommit {n} vdb --active --wait", f"{job} vdb --info",
        f"{job} vdb --pivot", f"{job} vdb", f"dumpxml {n}", f"destroy {n}",
        f"dumpxml --inactive {n}", f"undefine {n}",
    ]  # fmt: skip
    want, got = run_both(commands, name, make, daemon_env)
    assert want[7] == (0, "Block Pull started\n", "")
    for c, a, b in zip(commands, got, want, strict=True):
        if c.startswith("dumpxml"):
            assert (c, _sources(a[1])) == (c, _sources(b[1]))
        else:
            assert (c, _masked(a)) == (c, _masked(b))


def _started(drv: InProcessDriver, root: Path, name: str):  # type: ignore[no-untyped-def]
    """A running guest on a fresh data chain: (domain, its block-job events as (id, disk or
    image, type, status), the chain base first)."""
    chain = data_chain(root, "")
    conn = drv.connect()
    events: list[tuple[int, str, int, int]] = []

    def keep(_c: object, e: ObjectEvent) -> None:
        if e.event_id in (DomainEventID.BLOCK_JOB, DomainEventID.BLOCK_JOB_2):
            events.append((int(e.event_id), e.text or "", e.event, e.detail))

    conn.register_event_callback(keep)
    dom = conn.define_domain(domain_xml(name, disk_xml(chain[-1], "vda")))
    dom.start()
    return dom, events, chain


def test_pull_then_commit_leave_the_images_and_chain_as_libvirt_does(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    dom, events, (base, mid, top) = _started(qemu_driver, qemu_root, "jobs")
    dom.block_rebase("vda", "vda[2]", 0, 0)  # nothing between top and mid: a no-op pull
    assert wait_for(lambda: len(events) == 2, 30)
    assert events == [(8, str(top), 1, 0), (16, "vda", 1, 0)]
    dom.block_commit("vda", None, "vda[2]", 0, 0)  # mid into base
    assert wait_for(lambda: len(events) == 4, 60)
    assert events[2:] == [(8, str(top), 3, 0), (16, "vda", 3, 0)]
    assert backing_of(top) == str(base)
    assert _sources(dom.xml_desc()) == [
        f"<source file='{top}' index='1'/>", "<backingStore type='file' index='3'>",
        f"<source file='{base}'/>", "<backingStore/>",
    ]  # fmt: skip
    dom.block_pull("vda", 0)
    assert wait_for(lambda: len(events) == 6, 60)
    assert backing_of(top) is None
    assert _sources(dom.xml_desc()) == [f"<source file='{top}' index='1'/>", "<backingStore/>"]
    dom.destroy()
    assert mid.exists()


def test_active_commit_pivots_into_the_base_for_this_run_and_the_next(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    dom, events, (base, _, top) = _started(qemu_driver, qemu_root, "act")
    dom.block_commit("vda", None, None, 0, 4)  # ACTIVE
    assert wait_for(lambda: len(events) == 2, 60)
    assert events == [(8, str(top), 4, 3), (16, "vda", 4, 3)]  # READY
    info = dom.block_job_info("vda")
    assert info["type"] == 4 and info["cur"] == info["end"]
    dom.block_job_abort("vda", 2)  # PIVOT, waits for the end
    assert events[2:] == [(8, str(top), 4, 0), (16, "vda", 4, 0)]
    assert _sources(dom.xml_desc()) == [f"<source file='{base}' index='3'/>", "<backingStore/>"]
    dom.destroy()
    assert f"<source file='{base}'/>" in dom.xml_desc()
    dom.start()  # the next run uses the base
    assert _sources(dom.xml_desc())[0] == f"<source file='{base}' index='1'/>"


def test_cancelled_and_refused_jobs_change_nothing(
    qemu_driver: InProcessDriver, qemu_root: Path
) -> None:
    dom, events, (base, mid, top) = _started(qemu_driver, qemu_root, "can")
    dom.destroy()
    with pytest.raises(VirtError) as exc:
        dom.block_pull("vda", 0)
    assert str(exc.value) == "Requested operation is not valid: domain is not running"
    dom.start()
    events.clear()
    before = dom.xml_desc()
    dom.block_pull("vda", 1)
    assert dom.block_job_info("vda")["bandwidth"] == 1
    refusals = [
        (lambda: dom.block_pull("vda", 1), ErrorCode.OPERATION_UNSUPPORTED,
         "Operation not supported: disk 'vda' already in active block job"),
        (lambda: dom.block_job_abort("vda", 2), ErrorCode.BLOCK_COPY_ACTIVE,
         "block copy still active: block job 'pull-vda-libvirt-1-format' not ready for pivot yet"),
        (lambda: dom.block_job_set_speed("vda", 2**63, 0), ErrorCode.OVERFLOW,
         f"numerical overflow: bandwidth must be less than {(2**64 - 1) // MiB}"),
        (lambda: dom.block_job_info("vdz"), ErrorCode.INVALID_ARG,
         "invalid argument: disk 'vdz' not found in domain"),
        (lambda: dom.block_commit("vda", None, None, 0, 2), ErrorCode.INVALID_ARG,
         "unsupported flags (0x2) in function qemuDomainBlockCommit"),
    ]  # fmt: skip
    for call, code, text in refusals:
        with pytest.raises(VirtError) as exc:
            call()
        assert (exc.value.code, exc.value.domain, str(exc.value)) == (code, ErrorDomain.QEMU, text)
    dom.block_job_abort("vda", 0)
    assert events == [(8, str(top), 1, 2), (16, "vda", 1, 2)]  # CANCELED, before the return
    assert dom.block_job_info("vda") == {}
    with pytest.raises(VirtError) as exc:
        dom.block_job_abort("vda", 0)
    assert str(exc.value) == "invalid argument: disk vda does not have an active block job"
    assert dom.xml_desc() == before
    assert backing_of(top) == str(mid) and backing_of(mid) == str(base)


@needs_libvirtd_qemu
def test_virsh_event_prints_block_job_events_as_libvirtd_s_virsh_does(
    daemon_env: tuple[Path, dict[str, str]], shared_images: Path
) -> None:
    """``event --event block-job(-2)`` while a pull runs and is cancelled, then a pull runs
    to its end: the lines virsh prints for libvirtd's events and pyvirsh for pyvirtd's."""
    import os

    from daemon_helpers import start_daemon
    from qemu_block_helpers import PYVIRSH, VIRSH

    d = shared_images
    name = f"pyvirt-jev-{uuid.uuid4().hex[:8]}"
    xml = d / "dom.xml"

    def make() -> None:
        for f in d.glob("*.qcow2"):
            f.unlink()
        xml.write_text(domain_xml(name, disk_xml(data_chain(d, "")[-1], "vda")))

    def run(program: str, env: dict[str, str]) -> str:
        def virsh(*args: str) -> None:
            subprocess.run([program, "-c", "qemu:///system", *args], env=env, check=True,
                           capture_output=True, timeout=120)  # fmt: skip

        virsh("create", str(xml))
        try:
            events = [subprocess.Popen([program, "-c", "qemu:///system", "event", name, "--event",
                                        kind, "--loop", "--timeout", "20"], env=env, text=True,
                                       stdout=subprocess.PIPE)  # fmt: skip
                      for kind in ("block-job", "block-job-2")]
            time.sleep(2)  # both listening before the first job (no sign to wait for)
            virsh("blockpull", name, "vda", "--bandwidth", "1")
            virsh("blockjob", name, "vda", "--abort")
            virsh("blockpull", name, "vda", "--wait")
            return "".join(p.communicate(timeout=60)[0].replace(name, "NAME") for p in events)
        finally:
            subprocess.run([program, "-c", "qemu:///system", "destroy", name], env=env,
                           capture_output=True, timeout=60)  # fmt: skip

    plain = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
    make()
    want = run(VIRSH or "virsh", plain)
    make()
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    try:
        daemon.wait_worker("qemu")
        got = run(PYVIRSH, {**plain, "PYVIRT_RUNTIME_DIR": str(rundir)})
    finally:
        daemon.stop()
    top = d / "top.qcow2"
    assert want == (
        f"event 'block-job' for domain 'NAME': Block Pull for {top} canceled\n"
        f"event 'block-job' for domain 'NAME': Block Pull for {top} completed\n"
        "event loop timed out\nevents received: 2\n\n"
        "event 'block-job-2' for domain 'NAME': Block Pull for vda canceled\n"
        "event 'block-job-2' for domain 'NAME': Block Pull for vda completed\n"
        "event loop timed out\nevents received: 2\n\n"
    )
    assert got == want
