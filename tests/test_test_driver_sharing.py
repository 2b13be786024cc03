"""test:///default shares state within a process; test:///FILE.xml connections are private."""

from __future__ import annotations

import textwrap

import pytest
import pyvirt
from pyvirt import DomainState

NODE = textwrap.dedent(
    """\
    <node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
      <cpu><mhz>3000</mhz><model>pyvirt-cpu</model><nodes>1</nodes>
           <sockets>1</sockets><cores>4</cores><threads>2</threads><active>6</active></cpu>
      <memory>8192000</memory>
      <domain type='test'><name>web1</name><uuid>11111111-1111-1111-1111-111111111111</uuid>
        <memory unit='KiB'>524288</memory><vcpu>2</vcpu><os><type>hvm</type></os>
        <test:runstate>3</test:runstate></domain>
      <domain type='test'><name>db1</name><memory unit='KiB'>1048576</memory>
        <os><type>hvm</type></os><test:runstate>5</test:runstate><test:hasmanagedsave/></domain>
      <domain type='test'><name>tr1</name><memory unit='KiB'>1048576</memory>
        <os><type>hvm</type></os><test:transient/></domain>
      <domain file='dom2.xml'/>
      <network><name>lan</name><bridge name='br-lan'/><ip address='10.0.0.1' netmask='255.255.255.0'/></network>
      <pool type='dir'><name>images</name><target><path>/var/images</path></target>
        <volume type='file'><name>disk1.qcow2</name><capacity unit='GiB'>10</capacity>
          <allocation unit='GiB'>2</allocation></volume></pool>
    </node>
    """
)
DOM2 = "<domain type='test'><name>fromfile</name><memory unit='KiB'>262144</memory><os><type>hvm</type></os></domain>"


def test_default_connections_share_state_until_the_last_closes():
    c1 = pyvirt.open("test:///default")
    c2 = pyvirt.open("test:///default")
    c1.lookup_domain_by_name("test").suspend()
    assert c2.lookup_domain_by_name("test").state()[0] == DomainState.PAUSED
    c1.close()
    assert c2.lookup_domain_by_name("test").state()[0] == DomainState.PAUSED
    c2.close()
    with pyvirt.open("test:///default") as c3:
        assert c3.lookup_domain_by_name("test").state()[0] == DomainState.RUNNING


@pytest.fixture
def node_file(tmp_path):
    (tmp_path / "dom2.xml").write_text(DOM2)
    path = tmp_path / "node.xml"
    path.write_text(NODE)
    return path


def test_custom_node_file_defines_state_as_libvirt_does(node_file):
    with pyvirt.open(f"test://{node_file}") as conn:
        listed = {d.name: (d.id, d.state()[0]) for d in conn.list_domains()}
        assert listed == {
            "web1": (1, DomainState.PAUSED),
            "db1": (-1, DomainState.SHUTOFF),
            "tr1": (2, DomainState.RUNNING),
            "fromfile": (3, DomainState.RUNNING),
        }
        assert conn.lookup_domain_by_name("db1").has_managed_save()
        assert not conn.lookup_domain_by_name("tr1").is_persistent()
        info = conn.node_info()
        assert (info.cpus, info.mhz, info.memory, info.model) == (6, 3000, 8192000, "pyvirt-cpu")
        assert conn.lookup_network_by_name("lan").is_active()
        pool = conn.lookup_storage_pool_by_name("images")
        (vol,) = pool.list_volumes()
        assert vol.path() == "/var/images/disk1.qcow2"
        assert vol.info().allocation == 2 * 1024**3


def test_custom_node_file_state_is_private_per_connection(node_file):
    uri = f"test://{node_file}"
    with pyvirt.open(uri) as c1, pyvirt.open(uri) as c2:
        c1.lookup_domain_by_name("web1").resume()
        assert c2.lookup_domain_by_name("web1").state()[0] == DomainState.PAUSED


def test_missing_node_file_is_an_xml_error(tmp_path):
    with pytest.raises(pyvirt.VirtError) as err:
        pyvirt.open(f"test://{tmp_path}/nonexistent.xml")
    assert (
        err.value.message == f"XML error: failed to parse xml document '{tmp_path}/nonexistent.xml'"
    )


@pytest.mark.parametrize("uri", ["test:///", "test://"])
def test_test_uri_without_path_is_refused(uri):
    with pytest.raises(pyvirt.InvalidArgError) as err:
        pyvirt.open(uri)
    assert err.value.message == "invalid argument: testOpen: supply a path or use test:///default"


def test_malformed_node_file_leaves_no_connection(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text("<node><domain>")
    with pytest.raises(pyvirt.XMLError):
        pyvirt.open(f"test://{path}")


AUTH_NODE = "<node><auth><user password='secret'>alice</user><user>bob</user></auth></node>"


@pytest.fixture
def auth_file(tmp_path):
    path = tmp_path / "auth.xml"
    path.write_text(AUTH_NODE)
    return path


def _answers(*values):
    asked = []

    def callback(creds):
        asked.append(creds[0])
        return [values[len(asked) - 1]]

    return callback, asked


def test_node_file_auth_asks_username_then_password(auth_file):
    callback, asked = _answers("alice", "secret")
    with pyvirt.open(f"test://{auth_file}", auth=callback) as conn:
        assert conn.list_domains() == []
    assert asked == [
        (2, "Enter username for localhost"),
        (5, "Enter alice's password for localhost"),
    ]


def test_node_file_auth_user_without_password(auth_file):
    callback, asked = _answers("bob")
    pyvirt.open(f"test://{auth_file}", auth=callback).close()
    assert len(asked) == 1


@pytest.mark.parametrize("answers", [("alice", "nope"), ("eve", "x")])
def test_node_file_auth_refuses_wrong_credentials(auth_file, answers):
    callback, _ = _answers(*answers)
    with pytest.raises(pyvirt.AuthFailedError) as err:
        pyvirt.open(f"test://{auth_file}", auth=callback)
    assert err.value.message == (
        "authentication failed: authentication failed, see test XML for the correct username/password"
    )


def test_node_file_auth_without_callback(auth_file):
    with pytest.raises(pyvirt.InvalidArgError, match="Missing authentication credentials"):
        pyvirt.open(f"test://{auth_file}")


def test_node_file_auth_callback_that_fails(auth_file):
    def broken(creds):
        raise RuntimeError("no terminal")

    with pytest.raises(pyvirt.AuthFailedError, match="Username request failed"):
        pyvirt.open(f"test://{auth_file}", auth=broken)


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "/proc/self", "/tmp"])
def test_node_file_that_is_no_regular_file_is_refused_at_once(path):
    with pytest.raises(pyvirt.XMLError) as err:
        pyvirt.open(f"test://{path}")
    assert err.value.message == f"XML error: failed to parse xml document '{path}'"


def test_oversized_node_file_is_refused(tmp_path):
    path = tmp_path / "big.xml"
    path.write_bytes(b"<node>" + b" " * (11 * 1024 * 1024) + b"</node>")
    with pytest.raises(pyvirt.XMLError, match="exceeds the limit"):
        pyvirt.open(f"test://{path}")
