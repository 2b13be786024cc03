"""``dom-fd-associate`` (virDomainFDAssociate) compared with the real virsh, in process and
through the daemons: virsh's reading of ``--pass-fds`` (signs, blanks, empty items, numbers
beyond an int), the empty list libvirt refuses before anything else, read-only connections,
the remote client's check that each descriptor is open, and libvirt's test driver's "not
supported"; the same answers from pyvirt.libvirt's ``FDAssociate``.
"""

from __future__ import annotations

import pytest
import pyvirt
import pyvirt.libvirt
from cli_helpers import URI, compare, needs_virsh

pytestmark = needs_virsh

COMMANDS = [
    "dom-fd-associate test --name group --pass-fds 0",
    "dom-fd-associate test group 0,1 --seclabel-restore --seclabel-writable",
    "dom-fd-associate test group ''", "dom-fd-associate test group x",
    "dom-fd-associate test group 0,,1", "dom-fd-associate test group ' 0'",
    "dom-fd-associate test group '5 '", "dom-fd-associate test group +0",
    "dom-fd-associate test group 99999999999", "dom-fd-associate test group 987",
    "dom-fd-associate test group -1", "dom-fd-associate nope group 0",
    "dom-fd-associate test", "dom-fd-associate test --name group", "dom-fd-associate",
    "help dom-fd-associate",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_dom_fd_associate(uri: str, command: str) -> None:
    compare("-c", uri, command)


@pytest.mark.parametrize(
    "command", ["dom-fd-associate test group 0", "dom-fd-associate test group ''"]
)
def test_read_only_connections(uri: str, command: str) -> None:
    compare("-r", "-c", uri, command)


def test_binding_answers() -> None:
    conn = pyvirt.libvirt.open(URI)
    try:
        dom = conn.lookupByName("test")
        with pytest.raises(pyvirt.libvirt.libvirtError) as e:
            dom.FDAssociate("group", [])
        assert (e.value.get_error_code(), e.value.get_error_domain()) == (8, 20)
        with pytest.raises(pyvirt.libvirt.libvirtError, match="virDomainFDAssociate"):
            dom.FDAssociate("group", [0], 1)
        with pytest.raises(TypeError):
            dom.FDAssociate("group", 0)
    finally:
        conn.close()  # an open test:///default keeps its state for the next test of this process
    with pyvirt.open(URI) as native, pytest.raises(pyvirt.InvalidArgError):
        native.lookup_domain_by_name("test").fd_associate("group", [])
