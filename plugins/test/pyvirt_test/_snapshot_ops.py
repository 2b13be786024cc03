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
from pyvirt.driver import SNAPSHOT_CHILDREN_FLAGS, SNAPSHOT_LIST_FLAGS, unsupported_flags

from pyvirt_test._objects import TestDomain
from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import DomainDef, SnapshotDef

_T = ErrorDomain.TEST
_SNAP = ErrorDomain.DOMAIN_SNAPSHOT
_L = DomainSnapshotListFlags


def _no_snapshot(name: str) -> Exception:
    return make_error(
        ErrorCode.NO_DOMAIN_SNAPSHOT, _T, f"no domain snapshot with matching name '{name}'"
    )


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

    # -- listing and lookup ---------------------------------------------------------------
    def domain_list_all_snapshots(self, dom: DomainRef, flags: int) -> list[DomainSnapshotRef]:
        unsupported_flags(flags, SNAPSHOT_LIST_FLAGS, "testDomainListAllSnapshots", _T)
        with self.state.lock:
            obj = self._dom(dom)
            return [self._ref(obj, n) for n in obj.snapshots.listed(flags)]

    def domain_snapshot_num(self, dom: DomainRef, flags: int) -> int:
        unsupported_flags(flags, SNAPSHOT_LIST_FLAGS, "testDomainSnapshotNum", _T)
        with self.state.lock:
            return len(self._dom(dom).snapshots.listed(flags))

    def domain_snapshot_list_names(self, dom: DomainRef, limit: int, flags: int) -> list[str]:
        unsupported_flags(flags, SNAPSHOT_LIST_FLAGS, "testDomainSnapshotListNames", _T)
        with self.state.lock:
            return self._dom(dom).snapshots.listed(flags)[:limit]

    def _children_of(self, snap: DomainSnapshotRef, flags: int, function: str) -> list[str]:
        unsupported_flags(flags, SNAPSHOT_CHILDREN_FLAGS, function, _T)
        dom, _ = self._snap(snap)
        return dom.snapshots.listed_children(snap.name, flags)

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
            return self._dom(dom).snapshots.current is not None

    def domain_snapshot_current(self, dom: DomainRef, flags: int) -> DomainSnapshotRef:
        unsupported_flags(flags, 0, "testDomainSnapshotCurrent", _T)
        with self.state.lock:
            obj = self._dom(dom)
            current = obj.snapshots.current
            if current is None:
                raise make_error(
                    ErrorCode.NO_DOMAIN_SNAPSHOT, _T, "the domain does not have a current snapshot"
                )
            return self._ref(obj, current)

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
            return dom.snapshots.current == snap.name

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
                defn.parent = obj.snapshots.current
            obj.snapshots.link(defn)
            if not redefine or flags & C.CURRENT:
                obj.snapshots.current = name
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
            dom, _ = self._snap(snap)
            dom.snapshots.remove(
                snap.name,
                children=bool(flags & D.CHILDREN),
                children_only=bool(flags & D.CHILDREN_ONLY),
            )

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
            dom.snapshots.current = None
            config = (defn.domain or dom.live).copy()
            if live_snapshot:
                self._revert_to_live(dom, config, defn, flags)
            else:
                self._revert_to_inactive(dom, config, flags)
            dom.snapshots.current = snap.name

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
