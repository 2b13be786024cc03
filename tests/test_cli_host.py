"""pyvirsh against virsh: host commands, connection URIs and failures to connect."""

from __future__ import annotations

import pytest
from cli_helpers import compare, needs_virsh, on_test

pytestmark = needs_virsh


def test_host_commands(uri):
    on_test("nodeinfo", "version", "version --daemon", "uri", "hostname", "capabilities",
            uri=uri)


def test_host_quiet(uri):
    on_test("nodeinfo", "uri", "version", quiet=True, uri=uri)


def test_daemon_version_is_what_pyvirtd_reports(daemon_uri):
    """libvirtd answers virConnectGetLibVersion with its libvirt release; pyvirtd answers with
    the libvirt release whose API it serves (9.0.0), since clients compare it to decide what
    they may call.  pyvirt's own release is ``pyvirsh --version``."""
    import pyvirt

    with pyvirt.open(daemon_uri) as conn:
        served = conn.lib_version()
    line = f"Running against daemon: {served // 1_000_000}.{served // 1000 % 1000}.{served % 1000}"
    assert served == 9_000_000
    assert line in on_test("version --daemon", uri=daemon_uri).out.splitlines()


@pytest.mark.parametrize(
    "uri", ["test:///de fault", "qemu://system", "qemu://session/x", "test:///", "test://"]
)
def test_bad_uris(uri):
    compare("-c", uri, "uri")


def test_timing(uri):
    compare("-t", "-c", uri, "uri; nodeinfo")


@pytest.mark.parametrize("target", [
    "test+unix:///nonexistent", "test+unix:///default?socket=/nonexistent",
    "test+unix://host/default", "test+unix:///", "bogus+unix:///default",
    "test+unix:///default?foo=bar",
])
def test_daemon_uris(daemon_uri, target):
    """URIs for the daemon that it refuses (or that the client refuses before asking it)."""
    compare("-c", target, "uri")


def test_refused_tcp_connection_reads_like_libvirts(daemon_uri):
    compare("-c", "test+tcp://127.0.0.1:1/default", "uri")


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
