"""The block-job and native-configuration commands (blockcommit, blockcopy, blockjob,
blockpull, blockresize, domblkthreshold, domxml-from-native, domxml-to-native) compared with
the real virsh byte for byte, in process and through the daemons, and the public API's calls.

libvirt's test driver serves none of their APIs: what is compared is virsh's option checks,
their order, which API each form reaches, and how the refusal is reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvirt
from cli_helpers import compare, needs_virsh

pytestmark = needs_virsh


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "disk.xml").write_text("<disk type='file'><source file='/x'/></disk>\n")
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [
        "blockcommit test vda",
        "blockcommit test vda --shallow --base x",
        "blockcommit test vda --active --pivot",
        "blockcommit test vda --bandwidth 10 --bytes --delete --keep-relative",
        "blockcommit test vda --bandwidth -1",
        "blockcommit test vda --bandwidth x",
        "blockcommit test vda --wait --timeout 5",
        "blockcommit test vda --verbose",
        "blockcommit test vda --pivot --keep-overlay",
        "blockcommit test vda --async",
        "blockcommit nosuch vda",
        "blockcommit nosuch vda --bandwidth x",
        "blockcommit test vda --timeout x",
        "blockcommit test vda --timeout 0",
        "blockcommit test vda --bandwidth 1G",
        "blockcopy test vda",
        "blockcopy nosuch vda",
        "blockcopy test vda D/c.img --shallow --reuse-external --blockdev",
        "blockcopy test vda D/c.img --format qcow2",
        "blockcopy test vda D/c.img --granularity 512",
        "blockcopy test vda D/c.img --xml D/disk.xml",
        "blockcopy test vda --dest D/c.img --print-xml",
        "blockcopy test vda D/c.img --blockdev --print-xml",
        "blockcopy test vda D/c.img --format raw --print-xml",
        "blockcopy test vda --xml D/disk.xml --print-xml",
        "blockcopy test vda --xml D/disk.xml",
        "blockcopy test vda D/c.img --pivot --finish",
        "blockcopy test vda D/c.img --transient-job",
        "blockcopy test vda D/c.img --bandwidth 1 --bytes",
        "blockcopy test vda D/c.img --wait --verbose",
        "blockcopy test vda D/c.img --verbose",
        "blockcopy test vda D/c.img --async",
        "blockjob test vda",
        "blockjob test vda --abort",
        "blockjob test vda --pivot",
        "blockjob test vda --bandwidth 10",
        "blockjob test vda --info --raw",
        "blockjob test vda --raw",
        "blockjob test vda --abort --info",
        "blockjob test vda --bandwidth 10 --abort",
        "blockjob test vda --bytes",
        "blockjob test vda --info --bandwidth 10",
        "blockjob test vda --pivot --async",
        "blockjob test vda --bandwidth x",
        "blockjob test vda --bandwidth 1G --bytes",
        "blockpull test vda",
        "blockpull test vda --base x",
        "blockpull test vda --keep-relative",
        "blockpull test vda --bandwidth 5 --bytes",
        "blockpull test vda --verbose",
        "blockpull test vda --async",
        "blockresize test vda 1G",
        "blockresize test vda x",
        "blockresize test vda 0",
        "blockresize test vda 1.5",
        "blockresize nosuch vda 1",
        "domblkthreshold test vda 1M",
        "domblkthreshold test vda x",
        "domblkthreshold test vda -1",
        "domxml-from-native qemu-argv D/disk.xml",
        "domxml-from-native qemu-argv D/nonexist",
        "domxml-to-native qemu-argv --domain test",
        "domxml-to-native qemu-argv --xml D/disk.xml",
        "domxml-to-native qemu-argv",
        "domxml-to-native qemu-argv --domain test --xml D/disk.xml",
        "domxml-to-native qemu-argv --xml D/nonexist",
        "domxml-to-native qemu-argv --domain nosuch",
    ],
)
def test_block_commands(uri: str, files: Path, command: str) -> None:
    compare("-c", uri, command.replace("D/", f"{files}/"))


@pytest.mark.parametrize(
    "command",
    ["blockcommit test vda", "blockcopy test vda D/c.img", "blockjob test vda --abort",
     "blockjob test vda", "blockpull test vda", "blockresize test vda 1G",
     "domblkthreshold test vda 1M", "domxml-to-native qemu-argv --domain test",
     "domxml-from-native qemu-argv D/disk.xml"],
)  # fmt: skip
def test_read_only_connections(uri: str, files: Path, command: str) -> None:
    compare("-r", "-c", uri, command.replace("D/", f"{files}/"))


@pytest.mark.parametrize(
    "name",
    ["blockcommit", "blockcopy", "blockjob", "blockpull", "blockresize", "domblkthreshold",
     "domxml-from-native", "domxml-to-native"],
)  # fmt: skip
def test_help(name: str) -> None:
    compare("help", name)


def test_public_api_answers_no_support_naming_the_api() -> None:
    with pyvirt.open("test:///default") as conn:
        dom = conn.lookup_domain_by_name("test")
        for call, api in (
            (lambda: dom.block_commit("vda"), "virDomainBlockCommit"),
            (lambda: dom.block_rebase("vda", None, 0, 8), "virDomainBlockRebase"),
            (lambda: dom.block_pull("vda"), "virDomainBlockPull"),
            (lambda: dom.block_resize("vda", 1), "virDomainBlockResize"),
            (lambda: dom.block_job_info("vda"), "virDomainGetBlockJobInfo"),
            (lambda: dom.block_job_abort("vda"), "virDomainBlockJobAbort"),
            (lambda: dom.block_job_set_speed("vda", 1), "virDomainBlockJobSetSpeed"),
            (lambda: dom.set_block_threshold("vda", 1), "virDomainSetBlockThreshold"),
            (
                lambda: conn.domain_xml_from_native("qemu-argv", "x"),
                "virConnectDomainXMLFromNative",
            ),
            (lambda: conn.domain_xml_to_native("qemu-argv", "<d/>"), "virConnectDomainXMLToNative"),
        ):
            with pytest.raises(pyvirt.NoSupportError) as refused:
                call()
            assert refused.value.domain == pyvirt.ErrorDomain.DOMAIN
            assert str(refused.value).endswith(f"driver: {api}")
        with pytest.raises(pyvirt.InvalidArgError, match="disk in virDomainBlockCommit must not"):
            dom.block_commit(None)  # type: ignore[arg-type]
