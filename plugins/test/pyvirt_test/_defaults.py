"""The configuration ``test:///default`` starts from: a ``<node>`` document, and the same
configuration built directly by :func:`default_config`.

Contents match libvirt's default test configuration: one running domain ``test``, network
``default``, interface ``eth1``, pool ``default-pool``.

Why two forms: every ``pyvirsh -c test:///default`` run opens this state, and parsing the
document costs lxml and the XML parsers (about a fifth of such a run).  :func:`default_config`
builds the very definitions the parser produces, without them; ``DEFAULT_NODE_XML`` stays the
readable statement of the configuration, and ``tests/test_test_driver_state.py`` checks that
parsing it gives what :func:`default_config` builds, field by field, so the two cannot drift
apart.  (The one difference: the parser keeps the empty ``<clock offset='utc'/>`` element, the
builder leaves ``clock`` None; both are written back as that same element.)

The builder comes in two halves so that the shared state can take the networks and pools
only when a command first asks for them (see :class:`~pyvirt_test._state.TestState`).
"""

from __future__ import annotations

from pyvirt import DomainState
from pyvirt.conf import Address, DiskDef, DomainDef, InterfaceDef, MemballoonDef

from pyvirt_test._nodefile import DEFAULT_NODE_INFO, NodeConfig, NodeDomain

DEFAULT_NODE_XML = """\
<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <cpu>
    <mhz>1400</mhz>
    <model>i686</model>
    <nodes>2</nodes>
    <sockets>2</sockets>
    <cores>2</cores>
    <threads>2</threads>
    <active>16</active>
  </cpu>
  <memory>3145728</memory>
  <domain type='test'>
    <name>test</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory unit='KiB'>8388608</memory>
    <currentMemory unit='KiB'>2097152</currentMemory>
    <vcpu placement='static'>2</vcpu>
    <os>
      <type arch='i686'>hvm</type>
      <boot dev='hd'/>
    </os>
    <clock offset='utc'/>
    <on_poweroff>destroy</on_poweroff>
    <on_reboot>restart</on_reboot>
    <on_crash>destroy</on_crash>
    <devices>
      <disk type='file' device='disk'>
        <source file='/guest/diskimage1'/>
        <target dev='vda' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </disk>
      <interface type='network'>
        <mac address='aa:bb:cc:dd:ee:ff'/>
        <source network='default'/>
        <target dev='testnet0'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
      </interface>
      <memballoon model='virtio'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
      </memballoon>
    </devices>
  </domain>
  <network>
    <name>default</name>
    <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
    <forward mode='nat'/>
    <bridge name='virbr0' stp='on' delay='0'/>
    <ip address='192.168.122.1' netmask='255.255.255.0'>
      <dhcp>
        <range start='192.168.122.2' end='192.168.122.254'/>
      </dhcp>
    </ip>
  </network>
  <pool type='dir'>
    <name>default-pool</name>
    <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
    <capacity unit='bytes'>107374182400</capacity>
    <allocation unit='bytes'>0</allocation>
    <available unit='bytes'>107374182400</available>
    <target>
      <path>/default-pool</path>
    </target>
  </pool>
</node>
"""


def _pci(bus: int, slot: int) -> Address:
    return Address("pci", {"domain": "0x0000", "bus": f"0x{bus:02x}", "slot": f"0x{slot:02x}",
                           "function": "0x0"})  # fmt: skip


def default_config() -> NodeConfig:
    """What ``parse_node(DEFAULT_NODE_XML, "/")`` returns, built without parsing; new objects on
    every call, since the state built from them is mutated."""
    config = default_domains()
    rest = default_networks_and_pools()
    config.networks, config.pools = rest.networks, rest.pools
    return config


def default_domains() -> NodeConfig:
    """The node info and domains of :func:`default_config` (no networks, no pools)."""
    domain = DomainDef(
        name="test",
        uuid="6695eb01-f6a4-8304-79aa-97f2502e193f",
        type="test",
        memory_kib=8388608,
        current_memory_kib=2097152,
        max_vcpus=2,
        vcpus=2,
        os_type="hvm",
        arch="i686",
        boot_devs=["hd"],
        clock_offset="utc",
        devices=[
            DiskDef(
                address=_pci(1, 0),
                type="file",
                device="disk",
                source={"file": "/guest/diskimage1"},
                target_dev="vda",
                target_bus="virtio",
            ),
            InterfaceDef(
                address=_pci(0, 1),
                type="network",
                mac="aa:bb:cc:dd:ee:ff",
                source={"network": "default"},
                target_dev="testnet0",
            ),
            MemballoonDef(address=_pci(0, 2), model="virtio"),
        ],
    )
    return NodeConfig(
        node_info=DEFAULT_NODE_INFO,
        domains=[NodeDomain(domain, DomainState.RUNNING, transient=False, managed_save=False)],
    )


def default_networks_and_pools() -> NodeConfig:
    """The networks and pools of :func:`default_config`; imports their definitions, which
    :class:`~pyvirt_test._state.TestState` asks for only when a command needs them."""
    from pyvirt.conf import DhcpRange, IPDef, NetworkDef, PoolDef

    network = NetworkDef(
        name="default",
        uuid="dd8fe884-6c02-601e-7551-cca97df1c5df",
        forward_mode="nat",
        bridge_name="virbr0",
        bridge_stp=True,
        bridge_delay=0,
        has_bridge=True,
        ips=[
            IPDef(
                address="192.168.122.1",
                netmask="255.255.255.0",
                dhcp_ranges=[DhcpRange("192.168.122.2", "192.168.122.254")],
                has_dhcp=True,
            )
        ],
    )
    pool = PoolDef(
        name="default-pool",
        uuid="dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
        type="dir",
        target_path="/default-pool",
    )
    return NodeConfig(networks=[network], pools=[(pool, [])])
