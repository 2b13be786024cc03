"""pyvirt's typed guest calls (``Domain.fs_freeze`` ... ``set_lifecycle_action``) and their
asyncio twins, in process and through pyvirtd: the records they answer, the state they
leave, and libvirt's public-API checks that libvirt-python never reaches (more than 16 keys,
which the binding refuses in its glue).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import pyvirt
import pyvirt.aio
from daemon_helpers import running_daemon


@pytest.fixture(params=["local", "daemon"])
def uri(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "local":
        yield "test:///default"
        return
    with running_daemon():
        yield "test+unix:///default"


def test_filesystems_and_lifecycle_through_the_typed_api(uri: str) -> None:
    with pyvirt.open(uri) as conn:
        dom = conn.lookup_domain_by_name("test")
        info = dom.fs_info()
        assert info == [
            pyvirt.DomainFSInfo("/", "vda1", "ext4", ["vda"]),
            pyvirt.DomainFSInfo("/boot", "vda2", "ext4", ["vda"]),
        ]
        assert (dom.fs_freeze(["/boot"]), dom.fs_freeze(), dom.fs_thaw()) == (1, 1, 2)
        with pytest.raises(pyvirt.OperationInvalidError, match="mount point not found: /x"):
            dom.fs_trim("/x")
        dom.set_lifecycle_action(2, 3, 2)  # crash -> preserve, persistent definition only
        assert "<on_crash>preserve</on_crash>" in dom.xml_desc(2)
        assert "<on_crash>preserve</on_crash>" not in dom.xml_desc(0)
        with pytest.raises(pyvirt.InvalidArgError, match="nkeycodes must be <= 16"):
            dom.send_key(0, 0, list(range(1, 18)))
        with pytest.raises(pyvirt.InvalidArgError, match="invalid lifecycle action '6'"):
            dom.set_lifecycle_action(0, 6)
        with pytest.raises(pyvirt.NoSupportError, match="virDomainGetGuestInfo"):
            dom.guest_info()
        dom.destroy()
        with pytest.raises(pyvirt.OperationInvalidError, match="domain is not running"):
            dom.inject_nmi()
        dom.send_process_signal(1, 15)  # the test driver's init takes signals while off


def test_the_asyncio_twins_answer_the_same(uri: str) -> None:
    async def main() -> None:
        async with await pyvirt.aio.open(uri) as conn:
            dom = await conn.lookup_domain_by_name("test")
            assert [fs.mountpoint for fs in await dom.fs_info()] == ["/", "/boot"]
            assert await dom.fs_freeze() == 2
            assert await dom.fs_thaw(["/"]) == 1
            await dom.send_key(0, 100, [29, 56, 111])
            await dom.set_user_password("root", "secret")
            with pytest.raises(pyvirt.InternalError, match="invalid keycode 600 of linux"):
                await dom.send_key(0, 0, [600])
            with pytest.raises(pyvirt.NoSupportError, match="virDomainPMWakeup"):
                await dom.pm_wakeup()

    asyncio.run(main())


def test_read_only_connections_cannot_reach_into_the_guest(uri: str) -> None:
    with pyvirt.open(uri, read_only=True) as conn:
        dom = conn.lookup_domain_by_name("test")
        for call in (dom.fs_info, dom.inject_nmi, lambda: dom.send_key(0, 0, [30])):
            with pytest.raises(pyvirt.OperationDeniedError, match="read only access prevents"):
                call()
