"""Checkpoint and backup entry points of the test driver: libvirt 9.0's
testDomainCheckpoint* family (backups: not supported, as there).

A domain keeps its checkpoints by name (:attr:`TestDomain.checkpoints`), each a
:class:`pyvirt.conf.CheckpointDef` holding its parent's name and a copy of the domain
definition; the tree is those parent names (a :class:`pyvirt.driver.MomentTree`, as the
snapshots').  Only a running domain takes a checkpoint; the new one's parent is the current
checkpoint, and it becomes current.
"""

from __future__ import annotations

from pyvirt import DomainCheckpointRef, DomainRef, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import unsupported_flags

from pyvirt_test._objects import TestDomain
from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.conf import CheckpointDef

_T = ErrorDomain.TEST


class _Flags:
    """One of pyvirt's checkpoint flag enums, loaded when a checkpoint call first reads it:
    those enums live with libvirt's ABI enums, which cost every pyvirsh run milliseconds."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, flag: str) -> int:
        import pyvirt

        return int(getattr(getattr(pyvirt, self._name), flag))


_C = _Flags("DomainCheckpointCreateFlags")
_D = _Flags("DomainCheckpointDeleteFlags")
_L = _Flags("DomainCheckpointListFlags")
_X = _Flags("DomainCheckpointXMLFlags")


def _no_checkpoint(detail: str) -> Exception:
    return make_error(ErrorCode.NO_DOMAIN_CHECKPOINT, _T, detail)


class CheckpointOps:
    """Mixin for the test connection: checkpoints."""

    state: TestState

    if TYPE_CHECKING:

        def _dom(self, ref: DomainRef) -> TestDomain: ...  # DomainOps's

    def _checkpoint(self, ref: DomainCheckpointRef) -> tuple[TestDomain, CheckpointDef]:
        dom = self._dom(ref.domain)
        found = dom.checkpoints.moments.get(ref.name)
        if found is None:
            raise _no_checkpoint(f"no domain checkpoint with matching name '{ref.name}'")
        return dom, found

    @staticmethod
    def _cref(dom: TestDomain, name: str) -> DomainCheckpointRef:
        return DomainCheckpointRef(dom.ref(), name)

    @staticmethod
    def _filtered(dom: TestDomain, names: list[str], flags: int) -> list[str]:
        """libvirt's leaf filters, applied one after the other (both: nothing)."""
        if flags & _L.LEAVES:
            names = [n for n in names if not dom.checkpoints.children(n)]
        if flags & _L.NO_LEAVES:
            names = [n for n in names if dom.checkpoints.children(n)]
        return names

    # -- creation -------------------------------------------------------------------------
    def domain_checkpoint_create_xml(
        self, dom_ref: DomainRef, xml: str, flags: int
    ) -> DomainCheckpointRef:
        from pyvirt.conf import align_checkpoint_disks, parse_checkpoint_xml

        allowed = _C.REDEFINE | _C.QUIESCE | _C.REDEFINE_VALIDATE
        unsupported_flags(flags, allowed, "testDomainCheckpointCreateXML", _T)
        redefine = bool(flags & _C.REDEFINE)
        with self.state.lock:
            dom = self._dom(dom_ref)
            if not dom.active:
                raise make_error(
                    ErrorCode.OPERATION_UNSUPPORTED,
                    _T,
                    "cannot create checkpoint for inactive domain",
                )
            if dom.snapshots:
                raise make_error(
                    ErrorCode.OPERATION_UNSUPPORTED,
                    _T,
                    "cannot create checkpoint while snapshot exists",
                )
            cp = parse_checkpoint_xml(xml, redefine=redefine)
            name = cp.name
            assert name is not None
            if redefine:
                if cp.parent is not None and cp.parent not in dom.checkpoints:
                    raise make_error(
                        ErrorCode.INVALID_ARG,
                        ErrorDomain.DOMAIN,
                        f"parent {cp.parent} for moment {name} not found",
                    )
                if cp.domain is not None:
                    align_checkpoint_disks(cp)
                dom.checkpoints.moments[name] = cp  # a redefinition keeps its place
                return self._cref(dom, name)
            if name in dom.checkpoints:
                raise make_error(
                    ErrorCode.OPERATION_FAILED,
                    ErrorDomain.DOMAIN,
                    f"domain moment {name} already exists",
                )
            cp.domain = dom.live.copy()
            align_checkpoint_disks(cp)
            cp.parent = dom.checkpoints.current
            dom.checkpoints.link(cp)
            dom.checkpoints.current = name
            return self._cref(dom, name)

    # -- listing and lookup ---------------------------------------------------------------
    def domain_list_all_checkpoints(
        self, dom_ref: DomainRef, flags: int
    ) -> list[DomainCheckpointRef]:
        allowed = _L.ROOTS | _L.TOPOLOGICAL | _L.LEAVES | _L.NO_LEAVES
        unsupported_flags(flags, allowed, "testDomainListAllCheckpoints", _T)
        with self.state.lock:
            dom = self._dom(dom_ref)
            if flags & _L.ROOTS:
                names = dom.checkpoints.children(None)
            elif flags & _L.TOPOLOGICAL:
                names = dom.checkpoints.descendants(None)
            else:
                names = list(dom.checkpoints.moments)
            return [self._cref(dom, n) for n in self._filtered(dom, names, flags)]

    def domain_checkpoint_list_all_children(
        self, ref: DomainCheckpointRef, flags: int
    ) -> list[DomainCheckpointRef]:
        allowed = _L.DESCENDANTS | _L.TOPOLOGICAL | _L.LEAVES | _L.NO_LEAVES
        unsupported_flags(flags, allowed, "testDomainCheckpointListAllChildren", _T)
        with self.state.lock:
            dom, _ = self._checkpoint(ref)
            if flags & _L.DESCENDANTS:
                names = dom.checkpoints.descendants(ref.name)
            else:
                names = dom.checkpoints.children(ref.name)
            return [self._cref(dom, n) for n in self._filtered(dom, names, flags)]

    def domain_checkpoint_lookup_by_name(
        self, dom_ref: DomainRef, name: str, flags: int
    ) -> DomainCheckpointRef:
        unsupported_flags(flags, 0, "testDomainCheckpointLookupByName", _T)
        with self.state.lock:
            dom, _ = self._checkpoint(DomainCheckpointRef(dom_ref, name))
            return self._cref(dom, name)

    def domain_checkpoint_get_parent(
        self, ref: DomainCheckpointRef, flags: int
    ) -> DomainCheckpointRef:
        unsupported_flags(flags, 0, "testDomainCheckpointGetParent", _T)
        with self.state.lock:
            dom, cp = self._checkpoint(ref)
            if cp.parent is None:
                raise _no_checkpoint(f"checkpoint '{ref.name}' does not have a parent")
            return self._cref(dom, cp.parent)

    def domain_checkpoint_get_xml_desc(self, ref: DomainCheckpointRef, flags: int) -> str:
        from pyvirt.conf import format_checkpoint_xml

        allowed = _X.SECURE | _X.NO_DOMAIN | _X.SIZE
        unsupported_flags(flags, allowed, "testDomainCheckpointGetXMLDesc", _T)
        with self.state.lock:
            _, cp = self._checkpoint(ref)
            return format_checkpoint_xml(
                cp, no_domain=bool(flags & _X.NO_DOMAIN), secure=bool(flags & _X.SECURE)
            )

    # -- deletion -------------------------------------------------------------------------
    def domain_checkpoint_delete(self, ref: DomainCheckpointRef, flags: int) -> None:
        allowed = _D.CHILDREN | _D.METADATA_ONLY | _D.CHILDREN_ONLY
        unsupported_flags(flags, allowed, "testDomainCheckpointDelete", _T)
        with self.state.lock:
            dom, cp = self._checkpoint(ref)
            doomed = []
            if flags & (_D.CHILDREN | _D.CHILDREN_ONLY):
                doomed = dom.checkpoints.descendants(ref.name)
            if not flags & _D.CHILDREN_ONLY:
                doomed.append(ref.name)
                for child in dom.checkpoints.children(ref.name):
                    dom.checkpoints.moments[child].parent = cp.parent
            for name in doomed:
                del dom.checkpoints.moments[name]
            if dom.checkpoints.current in doomed:
                current = ref.name if flags & _D.CHILDREN_ONLY else cp.parent
                dom.checkpoints.current = current
