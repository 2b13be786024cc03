"""Loading a test ``<node>`` file: libvirt's format for a test driver's whole initial state.

``<cpu>`` and ``<memory>`` set the node info; ``<domain>``, ``<network>`` and ``<pool>``
(with ``<volume>`` children) define objects; any of them may instead be ``<domain
file='x.xml'/>``, read relative to the node file.  Domain extras live in the test namespace:
``<test:runstate>`` (a domain state number, default running), ``<test:transient/>`` and
``<test:hasmanagedsave/>``.  Networks and pools from the file start active.
"""

from __future__ import annotations

import os
import stat

from pyvirt import DomainState, ErrorCode, ErrorDomain, NodeInfo, make_error
from pyvirt.driver import field, model

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    # lxml, pyvirt._xml and the parsers load when a file is parsed: ``test:///default`` is
    # built without them (see _defaults), and every pyvirsh run opening it would pay for them.
    from lxml import etree
    from pyvirt.conf import (
        DomainDef,
        HostInterfaceDef,
        NetworkDef,
        NodeDeviceDef,
        PoolDef,
        VolumeDef,
    )

TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
_D = ErrorDomain.TEST

DEFAULT_NODE_INFO = NodeInfo(
    model="i686", memory=3145728, cpus=16, mhz=1400, nodes=2, sockets=2, cores=2, threads=2
)


@model
class NodeDomain:
    """A domain of a node file: its definition and the test-namespace extras."""

    defn: DomainDef
    state: DomainState
    transient: bool
    managed_save: bool


@model
class NodeConfig:
    """Everything a node file describes, parsed but not yet turned into live objects."""

    node_info: NodeInfo = DEFAULT_NODE_INFO
    domains: list[NodeDomain] = field(default_factory=list)
    networks: list[NetworkDef] = field(default_factory=list)
    pools: list[tuple[PoolDef, list[VolumeDef]]] = field(default_factory=list)
    #: ``<auth>`` users and their passwords (None: no password); None when the file has none.
    auth_users: dict[str, str | None] | None = None
    #: Host interfaces (all start up, as libvirt's) and node devices.
    interfaces: list[HostInterfaceDef] = field(default_factory=list)
    node_devices: list[NodeDeviceDef] = field(default_factory=list)


def _xml_error(detail: str) -> Exception:
    return make_error(ErrorCode.XML_ERROR, _D, detail)


def _int_child(cpu: etree._Element, name: str, default: int) -> int:
    elem = cpu.find(name)
    if elem is None or elem.text is None:
        return default
    try:
        value = int(elem.text.strip())
    except ValueError:
        raise _xml_error(f"invalid node cpu {name} value") from None
    if value <= 0:
        raise _xml_error(f"invalid node cpu {name} value")
    return value


def _node_info(root: etree._Element) -> NodeInfo:
    info = DEFAULT_NODE_INFO
    cpu = root.find("cpu")
    if cpu is not None:
        nodes = _int_child(cpu, "nodes", info.nodes)
        sockets = _int_child(cpu, "sockets", info.sockets)
        cores = _int_child(cpu, "cores", info.cores)
        threads = _int_child(cpu, "threads", info.threads)
        cpus = nodes * sockets * cores * threads
        active = cpu.find("active")
        if active is not None and active.text:
            try:
                wanted = int(active.text.strip())
            except ValueError:
                raise _xml_error("invalid node cpu active value") from None
            cpus = min(cpus, wanted) if wanted > 0 else cpus
        mhz = _int_child(cpu, "mhz", info.mhz)
        model_elem = cpu.find("model")
        model = (model_elem.text or "").strip() if model_elem is not None else info.model
        info = NodeInfo(model[:31], info.memory, cpus, mhz, nodes, sockets, cores, threads)
    memory = root.find("memory")
    if memory is not None and memory.text:
        try:
            kib = int(memory.text.strip())
        except ValueError:
            raise _xml_error("invalid node memory value") from None
        info = NodeInfo(
            info.model, kib, info.cpus, info.mhz, info.nodes, info.sockets, info.cores, info.threads
        )
    return info


def _resolve(elem: etree._Element, base_dir: str, label: str) -> etree._Element:
    """Follow ``file='...'`` to the referenced document, relative to the node file."""
    ref = elem.get("file")
    if ref is None:
        return elem
    from pyvirt.conf import parse_document

    path = ref if os.path.isabs(ref) else os.path.join(base_dir, ref)
    return parse_document(_read_document(path), label, _D)


def _pop_test_extras(elem: etree._Element) -> tuple[int | None, bool, bool]:
    from lxml import etree

    runstate: int | None = None
    transient = managed = False
    for child in list(elem):
        if not isinstance(child.tag, str) or not child.tag.startswith("{" + TEST_NS + "}"):
            continue
        local = etree.QName(child).localname
        if local == "runstate":
            try:
                runstate = int((child.text or "").strip())
            except ValueError:
                raise _xml_error("invalid domain state") from None
        elif local == "transient":
            transient = True
        elif local == "hasmanagedsave":
            managed = True
        elem.remove(child)
    return runstate, transient, managed


def _to_text(elem: etree._Element) -> str:
    from lxml import etree

    return etree.tostring(elem, encoding="unicode")


def parse_node(text: str | bytes, base_dir: str) -> NodeConfig:
    """Parse a ``<node>`` document into a :class:`NodeConfig`."""
    from lxml import etree
    from pyvirt.conf import (
        parse_document,
        parse_domain_xml,
        parse_network_xml,
        parse_pool_xml,
        parse_volume_xml,
    )

    root = parse_document(text, "test_node", _D)
    if etree.QName(root).localname != "node":
        raise _xml_error("Root element is not 'node'")
    config = NodeConfig(node_info=_node_info(root))
    auth = root.find("auth")
    if auth is not None:
        config.auth_users = {
            (user.text or "").strip(): user.get("password") for user in auth.findall("user")
        }
    for elem in root.findall("domain"):
        elem = _resolve(elem, base_dir, "domain_definition")
        runstate, transient, managed = _pop_test_extras(elem)
        defn = parse_domain_xml(elem)
        state = DomainState.RUNNING if runstate is None else _runstate(runstate)
        if managed and state != DomainState.SHUTOFF:
            raise _xml_error(f"domain '{defn.name}' has managed save but is not shut off")
        config.domains.append(NodeDomain(defn, state, transient, managed))
    for elem in root.findall("network"):
        elem = _resolve(elem, base_dir, "network_definition")
        config.networks.append(parse_network_xml(_to_text(elem)))
    for elem in root.findall("pool"):
        elem = _resolve(elem, base_dir, "storage_pool_definition")
        vol_elems = [
            _resolve(v, base_dir, "storage_volume_definition") for v in elem.findall("volume")
        ]
        for vol in elem.findall("volume"):
            elem.remove(vol)
        pool = parse_pool_xml(_to_text(elem))
        vols = [parse_volume_xml(_to_text(v), pool=pool) for v in vol_elems]
        config.pools.append((pool, vols))
    _host_devices(root, base_dir, config)
    return config


def _host_devices(root: etree._Element, base_dir: str, config: NodeConfig) -> None:
    """The file's ``<interface>`` and ``<device>`` elements (libvirt's testParseInterfaces
    and testParseNodedevs)."""
    from pyvirt.conf import parse_host_interface_xml, parse_node_device_xml

    for elem in root.findall("interface"):
        elem = _resolve(elem, base_dir, "interface_definition")
        config.interfaces.append(parse_host_interface_xml(_to_text(elem)))
    for elem in root.findall("device"):
        elem = _resolve(elem, base_dir, "nodedev_definition")
        config.node_devices.append(parse_node_device_xml(_to_text(elem), create=False))


def _runstate(value: int) -> DomainState:
    try:
        state = DomainState(value)
    except ValueError:
        raise _xml_error(f"Unknown runstate value {value}") from None
    return state


def _read_document(path: str) -> bytes:
    """Read a node file or a file it includes: a regular file, within the XML size cap.

    The path comes from a client's URI (``test:///dev/zero`` through the daemon), so a device,
    FIFO or endless file must be refused, not read until memory or patience runs out.
    """
    from pyvirt.conf import MAX_XML_BYTES

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        raise _xml_error(f"failed to parse xml document '{path}'") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _xml_error(f"failed to parse xml document '{path}'")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_XML_BYTES + 1)
    except OSError:
        raise _xml_error(f"failed to parse xml document '{path}'") from None
    finally:
        os.close(fd)
    if len(data) > MAX_XML_BYTES:
        raise _xml_error(f"document '{path}' exceeds the limit of {MAX_XML_BYTES} bytes")
    return data


def load_node_file(path: str) -> NodeConfig:
    """Read and parse the node file at *path* (the path part of ``test:///path.xml``)."""
    return parse_node(_read_document(path), os.path.dirname(path))
