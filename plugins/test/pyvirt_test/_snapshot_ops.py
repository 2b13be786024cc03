"""Snapshot entry points of the test driver: libvirt 9.0's testDomainSnapshot* family.

A domain keeps its snapshots by name (:attr:`TestDomain.snapshots`), each a
:class:`pyvirt.conf.SnapshotDef` holding its parent's name and a copy of the domain
definition; the tree is those parent names.  Which flags each call accepts, the state
transitions of a revert and the events they emit follow libvirt's test driver (its nine
transitions are spelled out in :meth:`SnapshotOps.domain_revert_to_snapshot`).
"""

from __future__ import annotations

from pyvirt import (
    DomainEventStartedDetail,
    DomainEventStoppedDetail,
    DomainEventSuspendedDetail,
    DomainEventType,
    DomainPausedReason,
    DomainRef,
    DomainRunningReason,
    DomainShutoffReason,
    DomainSnapshotCreateFlags,
    DomainSnapshotDeleteFlags,
    DomainSnapshotListFlags,
    DomainSnapshotRef,
    DomainSnapshotRevertFlags,
    DomainSnapshotXMLFlags,
    DomainState,
    ErrorCode,
    ErrorDomain,
    make_error,
)
from pyvirt.driver import unsupported_flags

from pyvirt_test import _moments as moments
from pyvirt_test._objects import TestDomain
from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import DomainDef, SnapshotDef

_T = ErrorDomain.TEST
_SNAP = ErrorDomain.DOMAIN_SNAPSHOT
_L = DomainSnapshotListFlags
#: The filter groups of VIR_DOMAIN_SNAPSHOT_FILTERS_ALL.
_FILTERS = (
    _L.LEAVES | _L.NO_LEAVES,
    _L.METADATA | _L.NO_METADATA,
    _L.INACTIVE | _L.ACTIVE | _L.DISK_ONLY,
    _L.INTERNAL | _L.EXTERNAL,
)
_LIST_FLAGS = _L.ROOTS | _L.TOPOLOGICAL | _FILTERS[0] | _FILTERS[1] | _FILTERS[2] | _FILTERS[3]


def _no_snapshot(name: str) -> Exception:
    return make_error(
        ErrorCode.NO_DOMAIN_SNAPSHOT, _T, f"no domain snapshot with matching name '{name}'"
    )


def _is_external(snap: SnapshotDef) -> bool:
    return snap.memory == "external" or any(d.snapshot == "external" for d in snap.disks)


def _passes(snap: SnapshotDef, has_children: bool, flags: int) -> bool:
    """libvirt's snapshot filter groups: an empty group passes; within one, any flag."""
    leaves, metadata, states, location = (flags & group for group in _FILTERS)
    if leaves and not leaves & (_L.NO_LEAVES if has_children else _L.LEAVES):
        return False
    if metadata and not metadata & _L.METADATA:  # every test snapshot has metadata
        return False
    if states:
        kind = {"shutoff": _L.INACTIVE, "disk-snapshot": _L.DISK_ONLY}.get(
            snap.state or "", _L.ACTIVE
        )
        if not states & kind:
            return False
    return not location or bool(location & (_L.EXTERNAL if _is_external(snap) else _L.INTERNAL))


class SnapshotOps:
    """Mixin for the test connection; ``self.state`` is its :class:`TestState`."""

    state: TestState

    if TYPE_CHECKING:

        def _dom(self, ref: DomainRef) -> TestDomain: ...  # DomainOps's

    # -- helpers --------------------------------------------------------------------------
    def _snap(self, ref: DomainSnapshotRef) -> tuple[TestDomain, SnapshotDef]:
        dom = self._dom(ref.domain)
        snap = dom.snapshots.get(ref.name)
        if snap is None:
            raise _no_snapshot(ref.name)
        return dom, snap

    @staticmethod
    def _ref(dom: TestDomain, name: str) -> DomainSnapshotRef:
        return DomainSnapshotRef(dom.ref(), name)

    def _emit_event(self, dom: TestDomain, event: int, detail: int, id: int | None = None) -> None:
        self.state.emit("domain", dom.name, dom.uuid, dom.id if id is None else id, event, detail)

    @staticmethod
    def _children(dom: TestDomain, name: str | None) -> list[str]:
        """The children of *name* (the roots for None) in libvirt's order."""
        return moments.children(dom.snapshots, name)

    def _descendants(self, dom: TestDomain, name: str | None) -> list[str]:
        """Every descendant of *name*, depth first, parents before children."""
        return moments.descendants(dom.snapshots, name)

    @staticmethod
    def _relink(dom: TestDomain, name: str) -> None:
        """Link *name* in front of its siblings again."""
        moments.relink(dom.snapshots, name)

    def _listed(self, dom: TestDomain, names: list[str], flags: int) -> list[str]:
        if flags & _L.METADATA == 0 and flags & _L.NO_METADATA:
            return []  # libvirt: no snapshot of the test driver lacks metadata
        if flags & _L.LEAVES and flags & _L.NO_LEAVES:
            return []  # libvirt applies the two one after the other
        return [n for n in names if _passes(dom.snapshots[n], bool(self._children(dom, n)), flags)]

    def _list(self, dom: TestDomain, flags: int) -> list[str]:
        names = self._children(dom, None) if flags & _L.ROOTS else self._topological(dom)
        return self._listed(dom, names, flags)

    def _topological(self, dom: TestDomain) -> list[str]:
        return self._descendants(dom, None)

    # -- listing and lookup ---------------------------------------------------------------
    def domain_list_all_snapshots(self, dom: DomainRef, flags: int) -> list[DomainSnapshotRef]:
        unsupported_flags(flags, _LIST_FLAGS, "testDomainListAllSnapshots", _T)
        with self.state.lock:
            obj = self._dom(dom)
            return [self._ref(obj, n) for n in self._list(obj, flags)]

    def domain_snapshot_num(self, dom: DomainRef, flags: int) -> int:
        unsupported_flags(flags, _LIST_FLAGS, "testDomainSnapshotNum", _T)
        with self.state.lock:
            return len(self._list(self._dom(dom), flags))

    def domain_snapshot_list_names(self, dom: DomainRef, limit: int, flags: int) -> list[str]:
        unsupported_flags(flags, _LIST_FLAGS, "testDomainSnapshotListNames", _T)
        with self.state.lock:
            return self._list(self._dom(dom), flags)[:limit]

    def _children_of(self, snap: DomainSnapshotRef, flags: int, function: str) -> list[str]:
        allowed = _L.DESCENDANTS | _L.TOPOLOGICAL | (_LIST_FLAGS & ~(_L.ROOTS | _L.TOPOLOGICAL))
        unsupported_flags(flags, allowed, function, _T)
        dom, _ = self._snap(snap)
        if flags & _L.DESCENDANTS:
            names = self._descendants(dom, snap.name)
        else:
            names = self._children(dom, snap.name)
        return self._listed(dom, names, flags)

    def domain_snapshot_list_all_children(
        self, snap: DomainSnapshotRef, flags: int
    ) -> list[DomainSnapshotRef]:
        with self.state.lock:
            names = self._children_of(snap, flags, "testDomainSnapshotListAllChildren")
            return [DomainSnapshotRef(snap.domain, n) for n in names]

    def domain_snapshot_num_children(self, snap: DomainSnapshotRef, flags: int) -> int:
        with self.state.lock:
            return len(self._children_of(snap, flags, "testDomainSnapshotNumChildren"))

    def domain_snapshot_list_children_names(
        self, snap: DomainSnapshotRef, limit: int, flags: int
    ) -> list[str]:
        with self.state.lock:
            names = self._children_of(snap, flags, "testDomainSnapshotListChildrenNames")
            return names[:limit]

    def domain_snapshot_lookup_by_name(
        self, dom: DomainRef, name: str, flags: int
    ) -> DomainSnapshotRef:
        unsupported_flags(flags, 0, "testDomainSnapshotLookupByName", _T)
        with self.state.lock:
            obj = self._dom(dom)
            if name not in obj.snapshots:
                raise _no_snapshot(name)
            return self._ref(obj, name)

    def domain_has_current_snapshot(self, dom: DomainRef, flags: int) -> bool:
        unsupported_flags(flags, 0, "testDomainHasCurrentSnapshot", _T)
        with self.state.lock:
            return self._dom(dom).current_snapshot is not None

    def domain_snapshot_current(self, dom: DomainRef, flags: int) -> DomainSnapshotRef:
        unsupported_flags(flags, 0, "testDomainSnapshotCurrent", _T)
        with self.state.lock:
            obj = self._dom(dom)
            if obj.current_snapshot is None:
                raise make_error(
                    ErrorCode.NO_DOMAIN_SNAPSHOT, _T, "the domain does not have a current snapshot"
                )
            return self._ref(obj, obj.current_snapshot)

    def domain_snapshot_get_parent(self, snap: DomainSnapshotRef, flags: int) -> DomainSnapshotRef:
        unsupported_flags(flags, 0, "testDomainSnapshotGetParent", _T)
        with self.state.lock:
            dom, defn = self._snap(snap)
            if defn.parent is None:
                raise make_error(
                    ErrorCode.NO_DOMAIN_SNAPSHOT,
                    _T,
                    f"snapshot '{snap.name}' does not have a parent",
                )
            return self._ref(dom, defn.parent)

    def domain_snapshot_get_xml_desc(self, snap: DomainSnapshotRef, flags: int) -> str:
        unsupported_flags(flags, DomainSnapshotXMLFlags.SECURE, "testDomainSnapshotGetXMLDesc", _T)
        from pyvirt.conf import format_snapshot_xml

        with self.state.lock:
            _, defn = self._snap(snap)
            return format_snapshot_xml(defn, secure=bool(flags & DomainSnapshotXMLFlags.SECURE))

    def domain_snapshot_is_current(self, snap: DomainSnapshotRef, flags: int) -> bool:
        unsupported_flags(flags, 0, "testDomainSnapshotIsCurrent", _T)
        with self.state.lock:
            dom, _ = self._snap(snap)
            return dom.current_snapshot == snap.name

    def domain_snapshot_has_metadata(self, snap: DomainSnapshotRef, flags: int) -> bool:
        unsupported_flags(flags, 0, "testDomainSnapshotHasMetadata", _T)
        with self.state.lock:
            self._snap(snap)
            return True

    # -- create, delete -------------------------------------------------------------------
    def domain_snapshot_create_xml(self, dom: DomainRef, xml: str, flags: int) -> DomainSnapshotRef:
        C = DomainSnapshotCreateFlags
        allowed = C.REDEFINE | C.CURRENT | C.HALT | C.QUIESCE | C.ATOMIC | C.LIVE | C.VALIDATE
        unsupported_flags(flags, allowed, "testDomainSnapshotCreateXML", _T)
        from pyvirt.conf import SNAPSHOT_STATES, align_disks, parse_snapshot_xml

        redefine = bool(flags & C.REDEFINE)
        with self.state.lock:
            obj = self._dom(dom)
            if not obj.persistent and flags & C.HALT:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, "cannot halt after transient domain snapshot"
                )
            if obj.checkpoints:
                raise make_error(
                    ErrorCode.OPERATION_UNSUPPORTED,
                    _T,
                    "cannot create snapshot while checkpoint exists",
                )
            defn = parse_snapshot_xml(xml, redefine=redefine)
            name = defn.name or ""
            if redefine:
                self._check_redefine(obj, defn)
                if defn.memory == "default":
                    live = defn.state not in ("shutoff", "disk-snapshot")
                    defn.memory = "internal" if live else "no"
                align_disks(defn, "internal", require_match=False)
            else:
                if name in obj.snapshots:
                    raise make_error(
                        ErrorCode.OPERATION_FAILED,
                        ErrorDomain.DOMAIN,
                        f"domain moment {name} already exists",
                    )
                defn.domain = obj.live.copy()
                defn.state = SNAPSHOT_STATES[obj.state]
                if defn.memory == "default":
                    defn.memory = "no" if obj.state == DomainState.SHUTOFF else "internal"
                external = defn.memory == "external"
                align_disks(
                    defn, "external" if external else "internal", require_match=not external
                )
                defn.parent = obj.current_snapshot
            obj.snapshots.pop(name, None)
            obj.snapshots[name] = defn  # linked in front of its siblings
            if not redefine or flags & C.CURRENT:
                obj.current_snapshot = name
            if not redefine and flags & C.HALT and obj.active:
                self._shutoff(obj)
            return self._ref(obj, name)

    def _check_redefine(self, dom: TestDomain, defn: SnapshotDef) -> None:
        """libvirt's virDomainSnapshotRedefinePrep, the parts the test driver reaches."""
        if defn.parent is not None and defn.parent not in dom.snapshots:
            raise make_error(
                ErrorCode.INVALID_ARG,
                ErrorDomain.DOMAIN_SNAPSHOT,
                f"parent {defn.parent} for moment {defn.name} not found",
            )
        if defn.domain is None:
            raise make_error(ErrorCode.INTERNAL_ERROR, _SNAP, "missing domain in snapshot")
        if defn.domain.uuid != dom.uuid:
            raise make_error(
                ErrorCode.INVALID_ARG,
                ErrorDomain.DOMAIN_SNAPSHOT,
                f"definition for snapshot {defn.name} must use uuid {dom.uuid}",
            )

    def _shutoff(self, dom: TestDomain) -> None:
        """testDomainShutdownState with a STOPPED/FROM_SNAPSHOT event: the pending
        definition takes over, and a transient domain stays listed (libvirt's revert
        starts it again at once)."""
        old_id = dom.id
        self.state.domains.release_id(dom)
        dom.state, dom.reason = DomainState.SHUTOFF, DomainShutoffReason.FROM_SNAPSHOT
        if dom.config is not None:
            dom.live, dom.config = dom.config, None
        self._emit_event(
            dom, DomainEventType.STOPPED, DomainEventStoppedDetail.FROM_SNAPSHOT, old_id
        )

    def domain_snapshot_delete(self, snap: DomainSnapshotRef, flags: int) -> None:
        D = DomainSnapshotDeleteFlags
        unsupported_flags(flags, D.CHILDREN | D.CHILDREN_ONLY, "testDomainSnapshotDelete", _T)
        with self.state.lock:
            dom, defn = self._snap(snap)
            if flags & (D.CHILDREN | D.CHILDREN_ONLY):
                doomed = self._descendants(dom, snap.name)
                if dom.current_snapshot in doomed:
                    dom.current_snapshot = snap.name
                for name in doomed:
                    del dom.snapshots[name]
            else:
                # The children move to the parent, in front of its own (libvirt's
                # virDomainMomentMoveChildren), keeping their order.
                for name in reversed(self._children(dom, snap.name)):
                    dom.snapshots[name].parent = defn.parent
                    self._relink(dom, name)
            if not flags & D.CHILDREN_ONLY:
                if dom.current_snapshot == snap.name:
                    dom.current_snapshot = defn.parent
                del dom.snapshots[snap.name]

    # -- revert ---------------------------------------------------------------------------
    def domain_revert_to_snapshot(self, snap: DomainSnapshotRef, flags: int) -> None:
        """libvirt 9.0's test driver: a running or paused domain reverted to a running or
        paused snapshot is stopped and started again (STOPPED, STARTED, then SUSPENDED
        when it ends paused), under a new id; a stopped one is started.  Reverting to a
        shut-off snapshot stops an active domain; with RUNNING or PAUSED it then announces
        STARTED (and SUSPENDED) without starting anything, as libvirt does."""
        R = DomainSnapshotRevertFlags
        unsupported_flags(flags, R.RUNNING | R.PAUSED | R.FORCE, "testDomainRevertToSnapshot", _T)
        with self.state.lock:
            dom, defn = self._snap(snap)
            live_snapshot = defn.state in ("running", "paused")
            start_flags = flags & (R.RUNNING | R.PAUSED)
            if not dom.persistent and not live_snapshot and not start_flags:
                raise make_error(
                    ErrorCode.OPERATION_INVALID,
                    _T,
                    "transient domain needs to request run or pause to revert to inactive snapshot",
                )
            if defn.domain is None and not flags & R.FORCE:
                raise make_error(
                    ErrorCode.SNAPSHOT_REVERT_RISKY,
                    _T,
                    f"snapshot '{defn.name}' lacks domain '{dom.name}' rollback info",
                )
            # libvirt's source also refuses, without FORCE, to "respawn" a running guest
            # into an inactive snapshot with RUNNING or PAUSED; libvirt 9.0 never does.
            dom.current_snapshot = None
            config = (defn.domain or dom.live).copy()
            if live_snapshot:
                self._revert_to_live(dom, config, defn, flags)
            else:
                self._revert_to_inactive(dom, config, flags)
            dom.current_snapshot = snap.name

    def _assign(self, dom: TestDomain, config: DomainDef) -> None:
        """virDomainObjAssignDef(live=false): the next boot's definition if running."""
        if dom.active:
            dom.config = config
        else:
            dom.live = config

    def _revert_to_live(
        self, dom: TestDomain, config: DomainDef, defn: SnapshotDef, flags: int
    ) -> None:
        R = DomainSnapshotRevertFlags
        E = DomainEventType
        if dom.active:
            self._shutoff(dom)
        dom.live, dom.config = config, None
        self.state.activate(dom, DomainState.RUNNING, DomainRunningReason.FROM_SNAPSHOT)
        self._emit_event(dom, E.STARTED, DomainEventStartedDetail.FROM_SNAPSHOT)
        if not flags & R.RUNNING and (defn.state == "paused" or flags & R.PAUSED):
            dom.state, dom.reason = DomainState.PAUSED, DomainPausedReason.FROM_SNAPSHOT
            self._emit_event(dom, E.SUSPENDED, DomainEventSuspendedDetail.FROM_SNAPSHOT)

    def _revert_to_inactive(self, dom: TestDomain, config: DomainDef, flags: int) -> None:
        R = DomainSnapshotRevertFlags
        E = DomainEventType
        self._assign(dom, config)
        if dom.active:
            self._shutoff(dom)
        if flags & (R.RUNNING | R.PAUSED):
            self._emit_event(dom, E.STARTED, DomainEventStartedDetail.FROM_SNAPSHOT)
            if flags & R.PAUSED:
                self._emit_event(dom, E.SUSPENDED, DomainEventSuspendedDetail.FROM_SNAPSHOT)
