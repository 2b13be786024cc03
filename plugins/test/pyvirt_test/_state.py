"""One test driver state: the objects, in the driver kit's object lists, and the lock that
guards them.

``test:///default`` shares one state between every connection of the process (reference
counted: built by the first open, discarded by the last close), as libvirt does; a
``test:///path.xml`` connection gets a private state.  Lookups are dictionary hits by name,
uuid and id (:class:`pyvirt.driver.DomainObjList`), so ten thousand domains cost no more to
look up than one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pyvirt import DomainState, ErrorDomain, NodeInfo
from pyvirt.driver import DomainObjList, NetworkObjList, StoragePoolObjList

from pyvirt_test._nodefile import NodeConfig
from pyvirt_test._objects import TestDomain, TestNetwork, TestPool

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt_test._host_devices import HostDevices

#: (object kind, name, uuid, id, event, detail, event id, text): what listeners receive
#: (see :class:`pyvirt.ObjectEvent`).
EventListener = Callable[[str, str, str, int, int, int, int, "str | None"], None]

_D = ErrorDomain.TEST
#: Every test pool pretends to be this big (libvirt's test driver does the same).
POOL_CAPACITY = 100 * 1024**3


def _pool_type(pool: TestPool) -> str:
    return pool.defn.type


class TestState:
    def __init__(
        self,
        config: NodeConfig,
        *,
        deferred: Callable[[], NodeConfig] | None = None,
        host_devices: Callable[[], HostDevices] | None = None,
    ) -> None:
        """The state *config* describes.  With *deferred*, the networks and pools come from
        ``deferred()`` instead, called on first use of either: ``test:///default`` passes its
        builder so that a command about domains (every ``pyvirsh list``) never imports the
        network and storage definitions.  *host_devices* builds the host interfaces and
        node devices on first use (none without it)."""
        self.lock = threading.RLock()
        self.node_info: NodeInfo = config.node_info
        # libvirt's test driver answers failed domain lookups with a bare "Domain not found".
        self.domains: DomainObjList[TestDomain] = DomainObjList(_D, lookup_detail=False)
        self._networks: NetworkObjList[TestNetwork] | None = None
        self._pools: StoragePoolObjList[TestPool] | None = None
        self._deferred = deferred
        self._host_devices_source = host_devices
        self._host_devices: HostDevices | None = None
        self.listeners: list[EventListener] = []
        for item in config.domains:
            dom = TestDomain(
                live=item.defn,
                config=None,
                persistent=not item.transient,
                managed_save=item.managed_save,
            )
            self.domains.add(dom)
            if item.state != DomainState.SHUTOFF:
                self.activate(dom, item.state, 0)
        if deferred is None:
            self._add_networks_and_pools(config)

    def _add_networks_and_pools(self, config: NodeConfig) -> None:
        networks: NetworkObjList[TestNetwork] = NetworkObjList(_D)
        pools: StoragePoolObjList[TestPool] = StoragePoolObjList(_D, pool_type=_pool_type)
        for net in config.networks:
            networks.add(TestNetwork(net, active=True))
        for pool, vols in config.pools:
            obj = TestPool(pool, active=True)
            pool.capacity, pool.allocation = POOL_CAPACITY, 0
            for vol in vols:
                if vol.target_path is None:
                    vol.target_path = f"{pool.target_path or ''}/{vol.name}"
                if vol.key is None:
                    vol.key = vol.target_path
                if vol.allocation is None:
                    vol.allocation = vol.capacity
                pool.allocation += vol.allocation
                obj.volumes.add(vol)
            pool.available = pool.capacity - pool.allocation
            pools.add(obj)
        self._networks, self._pools = networks, pools

    def _load_deferred(self) -> None:
        with self.lock:
            if self._networks is None:
                assert self._deferred is not None
                self._add_networks_and_pools(self._deferred())

    @property
    def networks(self) -> NetworkObjList[TestNetwork]:
        """The networks (the deferred ones loaded on first use)."""
        if self._networks is None:
            self._load_deferred()
        assert self._networks is not None
        return self._networks

    @property
    def pools(self) -> StoragePoolObjList[TestPool]:
        """The storage pools (the deferred ones loaded on first use)."""
        if self._pools is None:
            self._load_deferred()
        assert self._pools is not None
        return self._pools

    @property
    def host_devices(self) -> HostDevices:
        """The host interfaces and node devices (built on first use)."""
        with self.lock:
            if self._host_devices is None:
                from pyvirt_test._host_devices import HostDevices

                source = self._host_devices_source
                self._host_devices = source() if source is not None else HostDevices()
            return self._host_devices

    # -- domains --------------------------------------------------------------------------
    def activate(self, dom: TestDomain, state: DomainState, reason: int) -> None:
        """Give *dom* a fresh id (never reused) and mark it active."""
        self.domains.assign_id(dom)
        dom.state = state
        dom.reason = reason

    def deactivate(self, dom: TestDomain, reason: int) -> None:
        """Stop *dom*: drop its id, apply a pending config, forget it if transient."""
        self.domains.release_id(dom)
        dom.state = DomainState.SHUTOFF
        dom.reason = reason
        if dom.config is not None:
            dom.live, dom.config = dom.config, None
        if not dom.persistent:
            self.domains.remove(dom)

    # -- events ---------------------------------------------------------------------------
    def emit(
        self,
        kind: str,
        name: str,
        uuid: str,
        id: int,
        event: int,
        detail: int,
        *,
        event_id: int = 0,
        text: str | None = None,
    ) -> None:
        """Tell every listener; *event_id* 0 is a lifecycle event (see ObjectEvent)."""
        for listener in list(self.listeners):
            listener(kind, name, uuid, id, event, detail, event_id, text)
