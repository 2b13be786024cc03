"""Finding the test driver's domains: lookups by name, UUID and id, and the listing.

Apart from the rest of the domain entry points because ``pyvirsh list`` needs only these:
a run imports this small module and not the domain life cycle with its event enums (see
:mod:`pyvirt_test._lazy_ops`).
"""

from __future__ import annotations

from pyvirt import DomainRecord, DomainRef

from pyvirt_test._objects import TestDomain
from pyvirt_test._state import TestState


def _snapshot_count(dom: TestDomain) -> int:
    return len(dom.snapshots)


def _checkpoint_count(dom: TestDomain) -> int:
    return len(dom.checkpoints)


class DomainLookupOps:
    """Mixin for the test connection; ``self.state`` is its :class:`TestState`."""

    state: TestState

    def _dom(self, ref: DomainRef) -> TestDomain:
        """The domain behind a handle.  A vanished one is reported with its uuid and name,
        as libvirt's testDomObjFromDomain does (plain lookups say only "Domain not found")."""
        return self.state.domains.from_ref(ref)

    def connect_list_all_domains(self, flags: int) -> list[DomainRecord]:
        with self.state.lock:
            return self.state.domains.list_all(
                flags,
                "testConnectListAllDomains",
                snapshots=_snapshot_count,
                checkpoints=_checkpoint_count,
            )

    def domain_lookup_by_name(self, name: str) -> DomainRecord:
        with self.state.lock:
            return self.state.domains.lookup_by_name(name).record()

    def domain_lookup_by_uuid(self, uuid: str) -> DomainRecord:
        with self.state.lock:
            return self.state.domains.lookup_by_uuid(uuid).record()

    def domain_lookup_by_id(self, id: int) -> DomainRecord:
        with self.state.lock:
            return self.state.domains.lookup_by_id(id).record()
