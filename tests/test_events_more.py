"""The events libvirt's test driver emits beyond lifecycle ones: a domain's METADATA_CHANGE
(``desc``, ``metadata``, virDomainSetMetadata) and a storage pool's REFRESH, with the node
device lifecycle events beside them; and what it does not have: secret events (no secret
driver behind test:///default, in process or in libvirtd).

Compared with the real binding's callbacks (one program, run under the system interpreter
with libvirt-python and under pyvirt.libvirt, in process and through libvirtd / pyvirtd) and
with virsh's ``event --event metadata-change``, ``event --all``, ``pool-event --event
refresh`` and ``nodedev-event`` listening through the daemons while other processes act.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cli_helpers import PYVIRSH, VIRSH, compare, libvirtd_alone, needs_virsh, normalise
from libvirt_compat import real_binding_available, run_pyvirt, run_real
from test_cli_events import _VIRSH_LEAK_RACE, scenario

VHBA = (
    "<device><parent>scsi_host1</parent><capability type='scsi_host'>"
    "<capability type='fc_host'><wwnn>2000000012341111</wwnn><wwpn>1000000012341111</wwpn>"
    "</capability></capability></device>\n"
)

_PROGRAM = r'''
import sys
import threading
import time

import libvirt

libvirt.registerErrorHandler(lambda *a: None, None)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
seen = []
got = threading.Event()


def note(*what):
    seen.append(what)
    got.set()


V = libvirt
c.domainEventRegisterAny(None, V.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                         lambda _c, d, t, ns, o: note("metadata", d.name(), t, ns, o), "m")
c.domainEventRegisterAny(c.lookupByName("test"), V.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                         lambda _c, d, t, ns, o: note("metadata-test", t, ns), None)
c.domainEventRegisterAny(None, V.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                         lambda _c, d, e, det, o: note("lifecycle", d.name(), e, det), None)
c.storagePoolEventRegisterAny(None, V.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
                              lambda _c, p, o: note("refresh", p.name(), o), "r")
c.storagePoolEventRegisterAny(None, V.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                              lambda _c, p, e, det, o: note("pool", p.name(), e, det), None)
c.nodeDeviceEventRegisterAny(None, V.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
                             lambda _c, d, e, det, o: note("nodedev", d.name(), e, det), None)
c.nodeDeviceEventRegisterAny(None, V.VIR_NODE_DEVICE_EVENT_ID_UPDATE,
                             lambda _c, d, o: note("nodedev-update", d.name()), None)
try:
    c.secretEventRegisterAny(None, V.VIR_SECRET_EVENT_ID_LIFECYCLE, lambda *a: note(a), None)
except libvirt.libvirtError as e:
    print("secret events:", e.get_error_code(), e.get_error_domain(), e.get_error_message())
d = c.lookupByName("test")
pool = c.storagePoolLookupByName("default-pool")
M = V.VIR_DOMAIN_METADATA_ELEMENT
actions = [
    lambda: d.setMetadata(V.VIR_DOMAIN_METADATA_DESCRIPTION, "hello", None, None, 0),
    lambda: d.setMetadata(V.VIR_DOMAIN_METADATA_TITLE, "T", None, None, V.VIR_DOMAIN_AFFECT_CONFIG),
    lambda: d.setMetadata(M, "<x/>", "k", "http://example.org/", V.VIR_DOMAIN_AFFECT_LIVE),
    lambda: d.setMetadata(M, None, None, "http://example.org/", 0),
    lambda: d.setMetadata(M, "<x", "k", "http://example.org/", 0),
    lambda: d.setMetadata(7, "x", None, None, 0),
    lambda: pool.refresh(),
    lambda: pool.destroy(),
    lambda: pool.refresh(),
    lambda: pool.create(),
    lambda: c.nodeDeviceCreateXML(sys.argv[2]),
    lambda: c.nodeDeviceLookupByName("scsi_host12").destroy(),
    lambda: d.suspend(),
]
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)],
                 daemon=True).start()
for act in actions:
    got.clear()
    try:
        act()
    except libvirt.libvirtError as e:
        print("error:", e.get_error_code(), e.get_error_domain(), e.get_error_message())
        continue
    got.wait(10)
    time.sleep(0.3)  # the other callbacks the same event reaches
    print(sorted(seen, key=repr))
    seen.clear()
'''


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_callbacks_match_the_real_binding(uri: str, tmp_path: Path) -> None:
    program = tmp_path / "events.py"
    program.write_text(_PROGRAM)
    with libvirtd_alone():  # its acts would reach other tests' listeners on libvirtd
        real = run_real(program, uri, VHBA)
    ours = run_pyvirt(program, uri, VHBA)
    assert real.returncode == 0, real.stderr
    assert "('metadata', 'test', 2, 'http://example.org/', 'm')" in real.stdout
    assert ours.stdout.splitlines() == real.stdout.splitlines()
    assert (ours.stderr, ours.returncode) == (real.stderr, real.returncode)


LISTENERS = [
    "event --event metadata-change --loop --timeout {t}",
    "event --all --loop --timeout {t} --timestamp",
    "-r event --domain test --event metadata-change",  # one-shot: the first only
    "pool-event --event refresh --loop --timeout {t}",
    "nodedev-event --event lifecycle --loop --timeout {t}",
    "nodedev-event --event update --loop --timeout {t}",
]
ACTIONS = [
    "desc test --title foo", "desc test bar", "desc test --config --new-desc baz",
    "metadata test http://example.org/ --key k --set '<x/>'",
    "metadata test http://example.org/ --remove", "desc test --live --title ''",
    "pool-refresh default-pool", "nodedev-create vhba.xml", "nodedev-destroy scsi_host12",
    "suspend test",
]  # fmt: skip
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: ", re.M)


@needs_virsh
def test_listeners_through_the_daemons(daemon_uri: str, tmp_path: Path) -> None:
    (tmp_path / "vhba.xml").write_text(VHBA)
    assert VIRSH is not None
    commands = (LISTENERS, ACTIONS)
    # The listeners wait this long: ten actions, a process each, must all fit in it even on
    # a loaded machine (a wait, not a timed assertion).
    seconds = 20
    with libvirtd_alone(), ThreadPoolExecutor(1) as pool:
        virsh_run = pool.submit(scenario, VIRSH, daemon_uri, tmp_path, seconds, commands)
        ours = scenario(PYVIRSH, daemon_uri, tmp_path, seconds, commands)
        theirs = virsh_run.result()
    assert "type element, uri http://example.org/" in ours[len(ACTIONS)], ours[len(ACTIONS)]
    assert "event 'refresh' for storage pool default-pool" in ours[len(ACTIONS) + 3]
    assert [_STAMP.sub("<time>: ", normalise(o)) for o in ours] == [
        _STAMP.sub("<time>: ", o.replace(_VIRSH_LEAK_RACE, "")) for o in theirs
    ]


@needs_virsh
@pytest.mark.parametrize(
    "command",
    ["event --event metadata-change --timeout 1", "event --list",
     "desc test --title x; event --domain test --event metadata-change --timeout 1",
     "pool-event --event refresh --timeout 1", "nodedev-event --event update --timeout 1",
     "secret-event --event value-changed --timeout 1", "secret-event --list"],
)  # fmt: skip
def test_in_process_nothing_arrives_while_waiting(command: str) -> None:
    compare("-c", "test:///default", command)
