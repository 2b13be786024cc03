"""pyvirsh against virsh: host commands, connection URIs and failures to connect."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh


def test_host_commands():
    on_test("nodeinfo", "version", "version --daemon", "uri", "hostname", "capabilities")


def test_host_quiet():
    on_test("nodeinfo", "uri", "version", quiet=True)


@pytest.mark.parametrize(
    "uri", ["test:///de fault", "qemu://system", "qemu://session/x", "test:///", "test://"]
)
def test_bad_uris(uri):
    compare("-c", uri, "uri")


def test_timing():
    compare("-t", "-c", "test:///default", "uri; nodeinfo")


@pytest.mark.parametrize("variable", ["VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI"])
@pytest.mark.parametrize("uri", ["test:///default", "test:///de fault"])
def test_default_uri_from_environment(monkeypatch, variable, uri):
    """Without -c the connection opens lazily (help needs none) from the environment."""
    import cli_helpers

    real_env = cli_helpers._env

    def env():
        e = real_env()
        e[variable] = uri
        return e

    monkeypatch.setattr(cli_helpers, "_env", env)
    compare("help uri; uri; list --name; uri")
