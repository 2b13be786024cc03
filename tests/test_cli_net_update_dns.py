"""``net-update`` of the DNS host, TXT and SRV records and of port groups, compared with the
real virsh in process and through the daemons (the resulting ``net-dumpxml`` included), and
virNetworkUpdate's errors (code, domain, message) compared with the real binding.

libvirt adds and deletes DNS records but never modifies them; a host record matches by
address (a deletion also by a shared host name), a TXT record by name, an SRV record by every
field given; port groups match by name and only one may be the default.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import compare, needs_virsh
from libvirt_compat import real_binding_available, run_pyvirt, run_real

HOST = "net-update default add dns-host \"<host ip='192.168.122.5'><hostname>a</hostname></host>\""
TXT = "net-update default add dns-txt \"<txt name='t1' value='v1'/>\""
SRV = (
    "net-update default add dns-srv \"<srv service='name' protocol='tcp' domain='d' "
    "target='.' port='1024' priority='10' weight='10'/>\""
)
GROUP = "net-update default add portgroup \"<portgroup name='eng'/>\""
DUMP = "net-dumpxml default"


def _update(command: str, section: str, xml: str, *flags: str) -> str:
    return " ".join(["net-update default", command, section, f'"{xml}"', *flags])


SESSIONS = [
    # dns-host
    f"{HOST}; {HOST}",
    f"{HOST}; " + _update("add", "dns-host", "<host ip='192.168.122.5'><hostname>b</hostname></host>"),
    f"{HOST}; " + _update("add-first", "dns-host", "<host ip='::1'><hostname>a</hostname>"
                          "<hostname>c</hostname></host>") + f"; {DUMP}",
    f"{HOST}; " + _update("modify", "dns-host", "<host ip='192.168.122.5'><hostname>a</hostname></host>"),
    f"{HOST}; " + _update("delete", "dns-host", "<host ip='192.168.122.5'/>") + f"; {DUMP}",
    f"{HOST}; " + _update("add", "dns-host", "<host ip='192.168.122.7'><hostname>a</hostname></host>")
    + "; " + _update("delete", "dns-host", "<host><hostname>a</hostname></host>")
    + "; " + _update("delete", "dns-host", "<host ip='192.168.122.7'><hostname>z</hostname></host>")
    + f"; {DUMP}",
    _update("delete", "dns-host", "<host ip='192.168.122.5'/>"),
    _update("delete", "dns-host", "<host/>"),
    _update("add", "dns-host", "<host ip='192.168.122.5'/>"),
    _update("add", "dns-host", "<host ip='192.168.122.5'><hostname></hostname></host>"),
    _update("add", "dns-host", "<host><hostname>a</hostname></host>"),
    _update("add", "dns-host", "<host ip='bad'><hostname>a</hostname></host>"),
    _update("add", "dns-host", "<txt name='x'/>"),
    # dns-txt
    f"{TXT}; {TXT}",
    f"{TXT}; " + _update("modify", "dns-txt", "<txt name='t1' value='v2'/>"),
    f"{TXT}; " + _update("add-first", "dns-txt", "<txt name='t0' value=''/>") + f"; {DUMP}",
    f"{TXT}; " + _update("delete", "dns-txt", "<txt name='t1'/>") + f"; {DUMP}",
    _update("delete", "dns-txt", "<txt name='t1' value='v1'/>"),
    _update("add", "dns-txt", "<txt value='v1'/>"),
    _update("add", "dns-txt", "<txt name='t 1' value='v1'/>"),
    _update("add", "dns-txt", "<txt name='t1'/>"),
    _update("add", "dns-txt", "<portgroup name='x'/>"),
    # dns-srv
    f"{SRV}; {SRV}",
    f"{SRV}; " + _update("modify", "dns-srv", "<srv service='name' protocol='tcp'/>"),
    f"{SRV}; " + _update("delete", "dns-srv", "<srv service='name' protocol='tcp'/>") + f"; {DUMP}",
    f"{SRV}; " + _update("add", "dns-srv", "<srv service='name' protocol='udp'/>")
    + "; " + _update("delete", "dns-srv", "<srv service='name'/>"),
    _update("delete", "dns-srv", "<srv service='name' protocol='tcp'/>"),
    _update("add", "dns-srv", "<srv protocol='tcp'/>"),
    _update("add", "dns-srv", "<srv service='name'/>"),
    _update("add", "dns-srv", "<srv service='name' protocol='xyz'/>") + f"; {DUMP}",
    _update("add", "dns-srv", "<srv service='name' protocol='tcp' port='99999'/>"),
    _update("add", "dns-srv", "<srv service='n' protocol='tcp' target='x' port='99999'/>"),
    _update("add", "dns-srv", "<srv service='n' protocol='tcp' target='x' priority='70000'/>"),
    _update("add", "dns-srv", "<srv service='n' protocol='tcp' target='x' port='007'/>") + f"; {DUMP}",
    # all three, in libvirt's order whatever the order of the updates
    f"{HOST}; {SRV}; {TXT}; " + _update("add-first", "dns-txt", "<txt name='t0' value='v0'/>")
    + "; " + _update("add-first", "dns-srv", "<srv service='s0' protocol='udp'/>") + f"; {DUMP}",
    # portgroup
    f"{GROUP}; {GROUP}",
    f"{GROUP}; " + _update("modify", "portgroup", "<portgroup name='eng' default='yes'/>") + f"; {DUMP}",
    f"{GROUP}; " + _update("delete", "portgroup", "<portgroup name='eng'/>") + f"; {DUMP}",
    _update("delete", "portgroup", "<portgroup name='eng'/>"),
    _update("modify", "portgroup", "<portgroup name='eng'/>"),
    _update("add", "portgroup", "<portgroup/>"),
    _update("add", "portgroup", "<txt name='x'/>"),
    _update("add", "portgroup", "<portgroup name='x' default='maybe'><bandwidth><inbound "
            "average='1000'/></bandwidth></portgroup>") + f"; {DUMP}",
    f"{GROUP}; " + _update("add", "portgroup", "<portgroup name='x' default='yes'/>")
    + "; " + _update("add", "portgroup", "<portgroup name='y' default='yes'/>"),
    _update("add-first", "portgroup", "<portgroup name='a'/>") + "; "
    + _update("add-first", "portgroup", "<portgroup name='b'/>") + "; "
    + _update("add-last", "portgroup", "<portgroup name='c'/>") + f"; {DUMP}",
    # the persistent definition of the running network, and the live one
    _update("add", "dns-txt", "<txt name='c' value='v'/>", "--config")
    + "; net-dumpxml default --inactive; net-dumpxml default; "
    + _update("add", "portgroup", "<portgroup name='l'/>", "--live")
    + "; net-dumpxml default --inactive; net-dumpxml default",
]  # fmt: skip


@needs_virsh
@pytest.mark.parametrize("session", SESSIONS)
def test_sessions(uri: str, session: str) -> None:
    compare("-c", uri, session)


@needs_virsh
def test_read_only(uri: str) -> None:
    compare("-r", "-c", uri, TXT)


_PROGRAM = r"""
import sys
import libvirt

libvirt.registerErrorHandler(lambda *a: None, None)
n = libvirt.open(sys.argv[1]).networkLookupByName("default")
for command, section, xml in [
    (3, 10, "<host ip='192.168.122.5'/>"), (3, 10, "<host ip='bad'><hostname>a</hostname></host>"),
    (2, 10, "<host/>"), (1, 10, "<host ip='192.168.122.5'><hostname>a</hostname></host>"),
    (3, 11, "<txt value='v1'/>"), (3, 11, "<txt name='t 1' value='v1'/>"), (2, 11, "<txt name='t'/>"),
    (3, 12, "<srv protocol='tcp'/>"), (3, 12, "<srv service='n' protocol='tcp' port='5'/>"),
    (3, 12, "<srv service='n' protocol='tcp' target='x' weight='x'/>"), (1, 12, "<srv service='n' protocol='tcp'/>"),
    (3, 9, "<portgroup/>"), (2, 9, "<portgroup name='x'/>"), (3, 9, "<txt name='x'/>"),
    (3, 10, "<host ip='192.168.122.5'><hostname>a</hostname></host>"),
    (3, 10, "<host ip='192.168.122.5'><hostname>b</hostname></host>"),
]:
    try:
        print(command, section, xml, n.update(command, section, -1, xml, 0))
    except libvirt.libvirtError as e:
        print(command, section, xml, e.get_error_code(), e.get_error_domain(), e.get_error_message())
"""


@pytest.mark.skipif(not real_binding_available(), reason="the real binding is missing")
def test_errors_match_the_real_binding(tmp_path: Path) -> None:
    program = tmp_path / "net_update.py"
    program.write_text(_PROGRAM)
    real = run_real(program, "test:///default")
    ours = run_pyvirt(program, "test:///default")
    assert real.returncode == 0, real.stderr
    assert ours.stdout.splitlines() == real.stdout.splitlines()
