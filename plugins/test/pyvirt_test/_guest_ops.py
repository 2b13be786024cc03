"""What the test driver answers for calls that reach into the guest: its filesystems (freeze,
thaw, trim, info), a user's password, the keyboard, NMI and process signals, and the
lifecycle actions.

libvirt's test driver has no guest: it gives canned answers and keeps only the state a
program can see again (which filesystems are frozen; the lifecycle actions, in the domain's
XML).  Its checks, their order and its messages are reproduced here; the agent-only calls
(SSH keys, guest info, the agent's timeout) and power management it does not implement, so
they answer VIR_ERR_NO_SUPPORT from the contract's defaults.
"""

from __future__ import annotations

from pyvirt import DomainFSInfo, ErrorCode, ErrorDomain, make_error
from pyvirt.driver import domain_not_running, unsupported_flags

from pyvirt_test._domain_ops import DomainOps

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import DomainRef

    from pyvirt_test._objects import TestDomain

_T = ErrorDomain.TEST
#: The two filesystems every running test guest has mounted, in libvirt's order.
_MOUNTS = ("/", "/boot")
_PASSWORD_ENCRYPTED = 1  # VIR_DOMAIN_PASSWORD_ENCRYPTED
_AFFECT = 1 | 2  # VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG
_SIGNALS = 65  # VIR_DOMAIN_PROCESS_SIGNAL_LAST
#: VIR_DOMAIN_LIFECYCLE_* and VIR_DOMAIN_LIFECYCLE_ACTION_* as the domain XML names them.
_EVENTS = ("poweroff", "reboot", "crash")
_ACTIONS = (
    "destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart",
)  # fmt: skip


class GuestOps(DomainOps):
    """Mixin for the test connection: the guest calls (``self.state`` is its state)."""

    def _active(self, dom_ref: DomainRef) -> TestDomain:
        """The domain, which must be running or paused (libvirt's virDomainObjCheckActive,
        reported from the shared domain code)."""
        dom = self._dom(dom_ref)
        if not dom.active:
            raise domain_not_running()
        return dom

    # -- filesystems ----------------------------------------------------------------------
    def _mounts(self, mountpoints: list[str]) -> set[str]:
        """The mount points named (all when none are), each one the guest has."""
        for mount in mountpoints:
            if mount not in _MOUNTS:
                raise make_error(
                    ErrorCode.OPERATION_INVALID, _T, f"mount point not found: {mount}"
                )
        return set(mountpoints or _MOUNTS)

    def domain_fsfreeze(self, dom_ref: DomainRef, mountpoints: list[str], flags: int) -> int:
        unsupported_flags(flags, 0, "testDomainFSFreeze", _T)
        with self.state.lock:
            dom = self._active(dom_ref)
            wanted = self._mounts(mountpoints)
            newly = wanted - dom.frozen_mounts
            dom.frozen_mounts |= newly
            return len(newly)

    def domain_fsthaw(self, dom_ref: DomainRef, mountpoints: list[str], flags: int) -> int:
        unsupported_flags(flags, 0, "testDomainFSThaw", _T)
        with self.state.lock:
            dom = self._active(dom_ref)
            thawed = self._mounts(mountpoints) & dom.frozen_mounts
            dom.frozen_mounts -= thawed
            return len(thawed)

    def domain_get_fsinfo(self, dom_ref: DomainRef, flags: int) -> list[DomainFSInfo]:
        """Both filesystems live on the domain's first disk (not CD-ROM or floppy): its
        partitions 1 and 2; a domain without one has none mounted."""
        unsupported_flags(flags, 0, "testDomainGetFSInfo", _T)
        with self.state.lock:
            dom = self._active(dom_ref)
            disk = next((d for d in dom.live.disks if d.device == "disk"), None)
        if disk is None:
            return []
        dev = disk.target_dev
        return [
            DomainFSInfo(mount, f"{dev}{number}", "ext4", [dev])
            for number, mount in enumerate(_MOUNTS, 1)
        ]

    def domain_fstrim(
        self, dom_ref: DomainRef, mountpoint: str | None, minimum: int, flags: int
    ) -> None:
        unsupported_flags(flags, 0, "testDomainFSTrim", _T)
        with self.state.lock:
            self._active(dom_ref)
        if mountpoint is not None:
            self._mounts([mountpoint])

    # -- users, NMI, keys, signals --------------------------------------------------------
    def domain_set_user_password(
        self, dom_ref: DomainRef, user: str, password: str, flags: int
    ) -> None:
        unsupported_flags(flags, _PASSWORD_ENCRYPTED, "testDomainSetUserPassword", _T)
        with self.state.lock:
            self._active(dom_ref)

    def domain_inject_nmi(self, dom_ref: DomainRef, flags: int) -> None:
        unsupported_flags(flags, 0, "testDomainInjectNMI", _T)
        with self.state.lock:
            self._active(dom_ref)

    def domain_send_key(
        self, dom_ref: DomainRef, codeset: int, holdtime: int, keycodes: list[int], flags: int
    ) -> None:
        """Every code must translate to the Linux codeset, as libvirt's keymaps allow."""
        from pyvirt_test._keycodes import CODESET_NAMES, accepts  # a table: not at start-up

        unsupported_flags(flags, 0, "testDomainSendKey", _T)
        with self.state.lock:
            self._active(dom_ref)
        for code in keycodes:
            if not accepts(codeset, code):
                raise make_error(
                    ErrorCode.INTERNAL_ERROR,
                    _T,
                    f"invalid keycode {code} of {CODESET_NAMES[codeset]} codeset",
                )

    def domain_send_process_signal(
        self, dom_ref: DomainRef, pid: int, signum: int, flags: int
    ) -> None:
        """Only init (pid 1) takes signals; the domain need not even run."""
        unsupported_flags(flags, 0, "testDomainSendProcessSignal", _T)
        if pid != 1:
            raise make_error(
                ErrorCode.INVALID_ARG, _T, "only sending a signal to pid 1 is supported"
            )
        if signum >= _SIGNALS:
            as_int = signum - 2**32 if signum >= 2**31 else signum  # libvirt prints %d
            raise make_error(
                ErrorCode.INVALID_ARG, _T, f"signum value {as_int} is out of range"
            )
        with self.state.lock:
            self._dom(dom_ref)

    # -- lifecycle actions ----------------------------------------------------------------
    def domain_set_lifecycle_action(
        self, dom_ref: DomainRef, type: int, action: int, flags: int
    ) -> None:
        """Poweroff and reboot cannot dump core (virDomainDefLifecycleActionAllowed)."""
        unsupported_flags(flags, _AFFECT, "testDomainSetLifecycleAction", _T)
        event, name = _EVENTS[type], _ACTIONS[action]
        if type != 2 and name.startswith("coredump-"):
            raise make_error(
                ErrorCode.CONFIG_UNSUPPORTED,
                ErrorDomain.DOMAIN,
                f"Lifecycle event '{event}' doesn't support '{name}' action",
            )
        with self.state.lock:
            dom = self._dom(dom_ref)
            for defn in self._defs_for(dom, flags):
                if defn is not None:
                    setattr(defn, f"on_{event}", name)
