"""One open test connection: the per-area entry points over a (possibly shared) state."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from pyvirt import ObjectEvent
from pyvirt.driver import DriverConnection

from pyvirt_test._lazy_ops import install
from pyvirt_test._lazy_table import TABLE
from pyvirt_test._state import EventListener, TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt_test._checkpoint_ops import CheckpointOps
    from pyvirt_test._cpu_stats_ops import CpuStatsOps
    from pyvirt_test._domain_ops import DomainOps
    from pyvirt_test._domstats_ops import DomainStatsOps
    from pyvirt_test._guest_memory_ops import GuestMemoryOps
    from pyvirt_test._guest_ops import GuestOps
    from pyvirt_test._host import HostOps
    from pyvirt_test._host_cpu_ops import HostCpuOps
    from pyvirt_test._iface_ops import InterfaceOps
    from pyvirt_test._info_ops import InfoOps
    from pyvirt_test._iothread_ops import IOThreadOps
    from pyvirt_test._metadata_ops import MetadataOps
    from pyvirt_test._network_ops import NetworkOps
    from pyvirt_test._network_update_ops import NetworkUpdateOps
    from pyvirt_test._nodedev_ops import NodeDeviceOps
    from pyvirt_test._numa_blkio_ops import NumaBlkioOps
    from pyvirt_test._pool_extra_ops import PoolExtraOps
    from pyvirt_test._save_ops import SaveOps
    from pyvirt_test._screenshot_ops import ScreenshotOps
    from pyvirt_test._snapshot_ops import SnapshotOps
    from pyvirt_test._stats_ops import StatsOps
    from pyvirt_test._storage_ops import StorageOps
    from pyvirt_test._tune_ops import TuneOps
    from pyvirt_test._vcpu_ops import VcpuOps

    class _Mixins(
        HostOps,
        HostCpuOps,
        InfoOps,
        MetadataOps,
        TuneOps,
        NumaBlkioOps,
        IOThreadOps,
        CpuStatsOps,
        VcpuOps,
        StatsOps,
        DomainStatsOps,
        SaveOps,
        ScreenshotOps,
        GuestOps,
        GuestMemoryOps,
        DomainOps,
        SnapshotOps,
        CheckpointOps,
        NetworkOps,
        NetworkUpdateOps,
        StorageOps,
        PoolExtraOps,
        InterfaceOps,
        NodeDeviceOps,
        DriverConnection,
    ):
        """What the type checker sees: every mixin inherited (the order of _lazy_ops.MIXINS)."""

else:
    _Mixins = DriverConnection

_tokens = itertools.count(1)


class TestConnection(_Mixins):
    """One open test connection over a :class:`TestState`.

    Its entry points come from the area mixins of :data:`pyvirt_test._lazy_ops.MIXINS`,
    each imported on first use.  *release* is called once when the connection closes: the shared ``test:///default``
    state counts its connections that way (see :class:`~pyvirt_test.TestStateDriver`).
    """

    def __init__(
        self, state: TestState, uri_text: str, *, release: Callable[[], None] | None = None
    ) -> None:
        self.state = state
        self.uri_text = uri_text
        self._release = release
        self._closed = False
        self._subscriptions: dict[int, EventListener] = {}

    def connect_event_subscribe(self, listener: Callable[[ObjectEvent], None]) -> int:
        def relay(
            kind: str,
            name: str,
            uuid: str,
            id: int,
            event: int,
            detail: int,
            event_id: int,
            text: str | None,
        ) -> None:
            listener(
                ObjectEvent(kind, name, uuid, id, event, detail, event_id=event_id, text=text)
            )

        with self.state.lock:
            token = next(_tokens)
            self._subscriptions[token] = relay
            self.state.listeners.append(relay)
        return token

    def connect_event_unsubscribe(self, token: int) -> None:
        with self.state.lock:
            relay = self._subscriptions.pop(token, None)
            if relay is not None:
                self.state.listeners.remove(relay)

    def connect_close(self) -> None:
        for token in list(self._subscriptions):
            self.connect_event_unsubscribe(token)
        if not self._closed:
            self._closed = True
            if self._release is not None:
                self._release()


install(TestConnection, TABLE)
