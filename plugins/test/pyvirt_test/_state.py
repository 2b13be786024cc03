"""One test driver state: the objects, the id counter, and the lock that guards them.

``test:///default`` shares one state between every connection of the process (reference
counted: built by the first open, discarded by the last close), as libvirt does; a
``test:///path.xml`` connection gets a private state.  Lookups are dictionary hits by name,
uuid and id, so ten thousand domains cost no more to look up than one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pyvirt import DomainState, ErrorCode, ErrorDomain, NodeInfo, make_error

from pyvirt_test._nodefile import NodeConfig
from pyvirt_test._objects import TestDomain, TestNetwork, TestPool

#: (object kind, name, uuid, id, event, detail): the shape of what listeners receive.
EventListener = Callable[[str, str, str, int, int, int], None]

_D = ErrorDomain.TEST
#: Every test pool pretends to be this big (libvirt's test driver does the same).
POOL_CAPACITY = 100 * 1024**3


class TestState:
    def __init__(
        self, config: NodeConfig, *, deferred: Callable[[], NodeConfig] | None = None
    ) -> None:
        """The state *config* describes.  With *deferred*, the networks and pools come from
        ``deferred()`` instead, called on first use of either: ``test:///default`` passes its
        builder so that a command about domains (every ``pyvirsh list``) never imports the
        network and storage definitions."""
        self.lock = threading.RLock()
        self.node_info: NodeInfo = config.node_info
        self.next_id = 1
        self.domains: dict[str, TestDomain] = {}
        self._by_uuid: dict[str, TestDomain] = {}
        self._by_id: dict[int, TestDomain] = {}
        self._networks: dict[str, TestNetwork] | None = None
        self._pools: dict[str, TestPool] | None = None
        self._deferred = deferred
        self.listeners: list[EventListener] = []
        for item in config.domains:
            dom = TestDomain(
                live=item.defn,
                config=None,
                persistent=not item.transient,
                managed_save=item.managed_save,
            )
            self.add_domain(dom)
            if item.state != DomainState.SHUTOFF:
                self.activate(dom, item.state, 0)
        if deferred is None:
            self._add_networks_and_pools(config)

    def _add_networks_and_pools(self, config: NodeConfig) -> None:
        self._networks, self._pools = {}, {}
        for net in config.networks:
            self._networks[net.name] = TestNetwork(net, active=True)
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
                obj.volumes[vol.name] = vol
            pool.available = pool.capacity - pool.allocation
            self._pools[pool.name] = obj

    def _load_deferred(self) -> None:
        with self.lock:
            if self._networks is None:
                assert self._deferred is not None
                self._add_networks_and_pools(self._deferred())

    @property
    def networks(self) -> dict[str, TestNetwork]:
        """Networks by name (the deferred ones loaded on first use)."""
        if self._networks is None:
            self._load_deferred()
        assert self._networks is not None
        return self._networks

    @property
    def pools(self) -> dict[str, TestPool]:
        """Storage pools by name (the deferred ones loaded on first use)."""
        if self._pools is None:
            self._load_deferred()
        assert self._pools is not None
        return self._pools

    # -- domains --------------------------------------------------------------------------
    def add_domain(self, dom: TestDomain) -> None:
        self.domains[dom.name] = dom
        self._by_uuid[dom.uuid] = dom

    def remove_domain(self, dom: TestDomain) -> None:
        self.domains.pop(dom.name, None)
        self._by_uuid.pop(dom.uuid, None)
        if dom.id >= 0:
            self._by_id.pop(dom.id, None)

    def activate(self, dom: TestDomain, state: DomainState, reason: int) -> None:
        """Give *dom* a fresh id (never reused) and mark it active."""
        dom.id = self.next_id
        self.next_id += 1
        self._by_id[dom.id] = dom
        dom.state = state
        dom.reason = reason

    def deactivate(self, dom: TestDomain, reason: int) -> None:
        """Stop *dom*: drop its id, apply a pending config, forget it if transient."""
        self._by_id.pop(dom.id, None)
        dom.id = -1
        dom.state = DomainState.SHUTOFF
        dom.reason = reason
        if dom.config is not None:
            dom.live, dom.config = dom.config, None
        if not dom.persistent:
            self.remove_domain(dom)

    def domain_by_name(self, name: str) -> TestDomain:
        dom = self.domains.get(name)
        if dom is None:
            raise make_error(ErrorCode.NO_DOMAIN, _D)
        return dom

    def domain_by_uuid(self, uuid: str) -> TestDomain:
        dom = self._by_uuid.get(uuid)
        if dom is None:
            raise make_error(ErrorCode.NO_DOMAIN, _D)
        return dom

    def domain_by_id(self, id: int) -> TestDomain:
        dom = self._by_id.get(id)
        if dom is None:
            raise make_error(ErrorCode.NO_DOMAIN, _D)
        return dom

    def find_domain_uuid(self, uuid: str) -> TestDomain | None:
        return self._by_uuid.get(uuid)

    # -- networks and pools ---------------------------------------------------------------
    def network_by_name(self, name: str) -> TestNetwork:
        net = self.networks.get(name)
        if net is None:
            raise make_error(ErrorCode.NO_NETWORK, _D, f"no network with matching name '{name}'")
        return net

    def network_by_uuid(self, uuid: str) -> TestNetwork:
        for net in self.networks.values():
            if net.uuid == uuid:
                return net
        raise make_error(ErrorCode.NO_NETWORK, _D, f"no network with matching uuid '{uuid}'")

    def pool_by_name(self, name: str) -> TestPool:
        pool = self.pools.get(name)
        if pool is None:
            raise make_error(
                ErrorCode.NO_STORAGE_POOL, _D, f"no storage pool with matching name '{name}'"
            )
        return pool

    def pool_by_uuid(self, uuid: str) -> TestPool:
        for pool in self.pools.values():
            if pool.uuid == uuid:
                return pool
        raise make_error(
            ErrorCode.NO_STORAGE_POOL, _D, f"no storage pool with matching uuid '{uuid}'"
        )

    # -- events ---------------------------------------------------------------------------
    def emit(self, kind: str, name: str, uuid: str, id: int, event: int, detail: int) -> None:
        for listener in list(self.listeners):
            listener(kind, name, uuid, id, event, detail)
