"""Choosing the URI when none is given, and URI aliases from the client config file.

The observable effect of the choice is the URI that ``pyvirt.open`` goes on to parse, so the
end-to-end tests aim the choice at a malformed URI and read it back from the parse error;
that keeps them independent of which drivers are installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvirt
from pyvirt import ConnectFlags, ErrorCode
from pyvirt._defaulturi import client_config_path, default_uri, load_client_config, resolve_alias


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty client config file named by PYVIRT_CONFIG, and no default-URI variables."""
    path = tmp_path / "pyvirt.conf"
    path.write_text("")
    monkeypatch.setenv("PYVIRT_CONFIG", str(path))
    monkeypatch.delenv("PYVIRT_DEFAULT_URI", raising=False)
    monkeypatch.delenv("LIBVIRT_DEFAULT_URI", raising=False)
    return path


def parsed_uri_of_failing_open(name: str | None = None, flags: int = 0) -> str:
    """Open *name* (a choice that ends in a malformed URI) and return the URI in the error."""
    with pytest.raises(pyvirt.VirtError) as info:
        pyvirt.open(name, flags=flags)
    prefix = "internal error: Unable to parse URI "
    assert str(info.value).startswith(prefix), str(info.value)
    return str(info.value)[len(prefix) :]


def test_pyvirt_default_uri_beats_libvirt_default_uri_and_config(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config.write_text('uri_default = "conf:///x y"\n')
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "libvirt:///x y")
    monkeypatch.setenv("PYVIRT_DEFAULT_URI", "pyvirt:///x y")
    assert parsed_uri_of_failing_open() == "pyvirt:///x y"


def test_libvirt_default_uri_beats_config(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.write_text('uri_default = "conf:///x y"\n')
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "libvirt:///x y")
    assert parsed_uri_of_failing_open() == "libvirt:///x y"


def test_config_uri_default_is_used_when_no_variable_is_set(config: Path) -> None:
    config.write_text('uri_default = "conf:///x y"\n')
    assert parsed_uri_of_failing_open() == "conf:///x y"


def test_empty_variable_counts_as_unset(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYVIRT_DEFAULT_URI", "")
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "libvirt:///x")
    assert default_uri(load_client_config()) == "libvirt:///x"


def test_no_default_anywhere_means_none(config: Path) -> None:
    assert default_uri(load_client_config()) is None


def test_non_string_uri_default_is_a_config_syntax_error(config: Path) -> None:
    config.write_text("uri_default = 3\n")
    with pytest.raises(pyvirt.ConfSyntaxError) as info:
        default_uri(load_client_config())
    assert str(info.value) == (
        "configuration file syntax error: Expected a string for 'uri_default' parameter"
    )


def test_pyvirt_config_names_the_config_file(config: Path) -> None:
    assert client_config_path() == str(config)


def test_missing_config_file_means_no_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYVIRT_CONFIG", str(tmp_path / "absent.conf"))
    assert load_client_config() == {}


def test_unreadable_config_file_is_a_system_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYVIRT_CONFIG", str(tmp_path))  # a directory cannot be read as a file
    with pytest.raises(pyvirt.SystemCallError, match=f"Failed to read {tmp_path}"):
        load_client_config()


def test_config_syntax_error_names_file_and_line(config: Path) -> None:
    config.write_text('# comment\nuri_default = "a"\nuri_aliases = [ "x=y"\n')
    with pytest.raises(pyvirt.ConfSyntaxError, match=f"{config}:3: list is not closed"):
        load_client_config()


ALIASES = """
# the format of libvirt.conf, so existing files can be copied over
uri_aliases = [
  "hail=test:///de fault",
  "sleet=qemu+ssh://root@host.example/system",
  "hail=ignored:///second",
]
"""


def test_alias_maps_to_its_uri_and_first_entry_wins(config: Path) -> None:
    config.write_text(ALIASES)
    settings = load_client_config()
    assert resolve_alias("sleet", settings) == "qemu+ssh://root@host.example/system"
    assert resolve_alias("hail", settings) == "test:///de fault"
    assert resolve_alias("test:///default", settings) == "test:///default"
    assert resolve_alias("unknown", settings) == "unknown"


def test_open_resolves_aliases(config: Path) -> None:
    config.write_text(ALIASES)
    assert parsed_uri_of_failing_open("hail") == "test:///de fault"


def test_default_uri_goes_through_aliases_too(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config.write_text(ALIASES)
    monkeypatch.setenv("PYVIRT_DEFAULT_URI", "hail")
    assert parsed_uri_of_failing_open() == "test:///de fault"


def test_no_aliases_flag_takes_the_name_literally(config: Path) -> None:
    config.write_text(ALIASES)
    with pytest.raises(pyvirt.NoConnectError) as info:
        pyvirt.open("hail", flags=ConnectFlags.NO_ALIASES)
    assert str(info.value) == (
        "no connection driver available for URI 'hail' does not include a driver name"
    )


def test_malformed_alias_entry_fails_every_open(config: Path) -> None:
    config.write_text('uri_aliases = [ "bad alias!=test:///default" ]\n')
    with pytest.raises(pyvirt.ConfSyntaxError) as info:
        pyvirt.open("test:///default")
    assert info.value.code == ErrorCode.CONF_SYNTAX
    assert str(info.value) == (
        "configuration file syntax error: Malformed 'uri_aliases' config entry "
        "'bad alias!=test:///default', aliases may only contain 'a-Z, 0-9, _, -'"
    )


def test_alias_entry_without_equals_sign_is_malformed(config: Path) -> None:
    config.write_text('uri_aliases = [ "justaname" ]\n')
    with pytest.raises(pyvirt.ConfSyntaxError, match="Malformed 'uri_aliases' config entry"):
        resolve_alias("justaname", load_client_config())


def test_uri_aliases_must_be_a_list(config: Path) -> None:
    config.write_text('uri_aliases = "hail=test:///default"\n')
    with pytest.raises(pyvirt.ConfSyntaxError, match="Expected a list for 'uri_aliases'"):
        resolve_alias("hail", load_client_config())
