"""pyvirsh against virsh: host commands, connection URIs and failures to connect."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh


def test_host_commands():
    on_test("nodeinfo", "version", "version --daemon", "uri", "hostname", "capabilities")


def test_host_quiet():
    on_test("nodeinfo", "uri", "version", quiet=True)


@pytest.mark.parametrize("uri", ["test:///de fault", pytest.param("qemu://system", marks=pytest.mark.xfail(
    reason="driver gap: qemu:// URIs go to the remote driver, which does not yet give "
    "libvirt's 'maybe you want qemu:///system' error")), "test:///", "test://"])
def test_bad_uris(uri):
    compare("-c", uri, "uri")


def test_timing():
    compare("-t", "-c", "test:///default", "uri; nodeinfo")
