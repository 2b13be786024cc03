"""The domain parser's IOThread checks (``<iothreads>``, ``<iothreadids>``, their thread-pool
bounds, ``<cputune><iothreadpin>``): every definition below is refused by pyvirt's parser
with the code, domain and words libvirt's test driver gives for it through the real
binding, and the good ones are accepted by both."""

from __future__ import annotations

import pytest
from pyvirt import VirtError
from pyvirt.conf import parse_domain_xml
from real_libvirt import ask_real_libvirt

_DOMAIN = ("<domain type='test'><name>iot</name><memory>1024</memory>{}"
           "<os><type>hvm</type></os></domain>")  # fmt: skip

_CASES = [
    "<iothreads>x</iothreads>",
    "<iothreads>-1</iothreads>",
    "<iothreads> 2 </iothreads>",
    "<iothreads>4294967296</iothreads>",
    "<iothreads>1</iothreads><iothreadids><iothread/></iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='0'/></iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='-1'/></iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='4294967296'/></iothreadids>",
    "<iothreadids><iothread id='3'/><iothread id='3'/></iothreadids>",
    "<iothreads>1</iothreads><cputune><iothreadpin cpuset='0'/></cputune>",
    "<iothreads>1</iothreads><cputune><iothreadpin iothread='1'/></cputune>",
    "<iothreads>1</iothreads><cputune><iothreadpin iothread='0' cpuset='0'/></cputune>",
    "<iothreads>1</iothreads><cputune><iothreadpin iothread='x' cpuset='0'/></cputune>",
    "<iothreads>1</iothreads><cputune><iothreadpin iothread='3' cpuset='0'/></cputune>",
    "<iothreads>1</iothreads><cputune><iothreadpin iothread='1' cpuset='0'/>"
    "<iothreadpin iothread='1' cpuset='1'/></cputune>",
    "<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='x'/></iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='-1'/></iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_max='-3'/></iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='2147483648'/>"
    "</iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_max='0'/></iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='0'/></iothreadids>",
    "<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='5' "
    "thread_pool_max='3'/></iothreadids>",
    # accepted: pool bounds in order, a pin of a thread numbered from the count
    "<iothreads>1</iothreads><iothreadids><iothread id='1' thread_pool_min='1' "
    "thread_pool_max='3'/></iothreadids>",
    "<iothreads>2</iothreads><iothreadids><iothread id='5'/></iothreadids>"
    "<cputune><iothreadpin iothread='1' cpuset='0'/></cputune>",
]


def _pyvirt(xml: str) -> dict[str, object]:
    try:
        parse_domain_xml(xml)
    except VirtError as e:
        return {"ok": False, "code": int(e.code), "domain": int(e.domain), "message": str(e)}
    return {"ok": True}


def test_iothread_definitions_are_judged_as_libvirt_judges_them() -> None:
    xmls = [_DOMAIN.format(case) for case in _CASES]
    expressions = [f"libvirt.open('test:///default').defineXML({xml!r}).name()" for xml in xmls]
    for xml, want in zip(xmls, ask_real_libvirt(expressions), strict=True):
        got = _pyvirt(xml)
        if want["ok"]:
            assert got == {"ok": True}, xml
        else:
            assert got == {"ok": False, "code": want["code"], "domain": want["domain"],
                           "message": want["message"]}, xml  # fmt: skip
    assert sum(1 for case in _CASES if _pyvirt(_DOMAIN.format(case))["ok"]) == 2


@pytest.mark.parametrize("case", _CASES[-2:])
def test_accepted_iothreads_keep_their_ids_and_bounds(case: str) -> None:
    from pyvirt.conf import format_domain_xml

    out = format_domain_xml(parse_domain_xml(_DOMAIN.format(case)), inactive=True)
    assert "<iothreadids>" in out and "<iothread id='1'" in out
