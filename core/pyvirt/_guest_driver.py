"""The driver contract's calls that reach into the guest: its filesystems and users through
the guest agent, its keyboard, NMI and process signals, power management, and the lifecycle
actions.  Part of libvirt's virHypervisorDriver, mixed into
:class:`pyvirt.driver.DriverConnection`.

Kept apart from :mod:`pyvirt.driver` so that module stays small: one family, the one virsh's
"guest" commands (``domfsfreeze``, ``send-key``, ``set-user-password`` ...) use.  As there,
every method answers libvirt's VIR_ERR_NO_SUPPORT (error domain DOMAIN, naming the C API)
until a driver overrides it, and its annotations are the procedure's wire signature.
"""

from __future__ import annotations

from pyvirt._codes import ErrorDomain
from pyvirt._records import DomainFSInfo, DomainRef, TypedParameter
from pyvirt._secret_drivers import _no_support

_D = ErrorDomain.DOMAIN


class DomainGuestDriver:
    """Guest filesystems, users, input, signals, power management and lifecycle actions."""

    # filesystems (the agent's guest-fsfreeze-*, guest-get-fsinfo, guest-fstrim)
    def domain_fsfreeze(self, dom: DomainRef, mountpoints: list[str], flags: int) -> int:
        """virDomainFSFreeze: freeze the guest's filesystems mounted at *mountpoints* (all
        when empty); answers how many were frozen by this call."""
        _no_support("domain_fsfreeze", _D)

    def domain_fsthaw(self, dom: DomainRef, mountpoints: list[str], flags: int) -> int:
        """virDomainFSThaw: thaw them again (all when empty); answers how many thawed."""
        _no_support("domain_fsthaw", _D)

    def domain_get_fsinfo(self, dom: DomainRef, flags: int) -> list[DomainFSInfo]:
        """virDomainGetFSInfo: the guest's mounted filesystems and the disks behind them."""
        _no_support("domain_get_fsinfo", _D)

    def domain_fstrim(
        self, dom: DomainRef, mountpoint: str | None, minimum: int, flags: int
    ) -> None:
        """virDomainFSTrim: discard unused blocks of *mountpoint* (all when None), ignoring
        free ranges shorter than *minimum* bytes."""
        _no_support("domain_fstrim", _D)

    # users
    def domain_set_user_password(
        self, dom: DomainRef, user: str, password: str, flags: int
    ) -> None:
        """virDomainSetUserPassword: VIR_DOMAIN_PASSWORD_ENCRYPTED (1): *password* is
        already crypt()ed."""
        _no_support("domain_set_user_password", _D)

    def domain_authorized_ssh_keys_get(self, dom: DomainRef, user: str, flags: int) -> list[str]:
        """virDomainAuthorizedSSHKeysGet: the lines of *user*'s authorized_keys."""
        _no_support("domain_authorized_ssh_keys_get", _D)

    def domain_authorized_ssh_keys_set(
        self, dom: DomainRef, user: str, keys: list[str], flags: int
    ) -> None:
        """virDomainAuthorizedSSHKeysSet: replace *user*'s keys, or with
        VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND (1) add to them, with ..._REMOVE (2)
        remove them."""
        _no_support("domain_authorized_ssh_keys_set", _D)

    # the agent itself
    def domain_agent_set_response_timeout(self, dom: DomainRef, timeout: int, flags: int) -> None:
        """virDomainAgentSetResponseTimeout: seconds to wait for the agent (-2 block, -1 the
        default, 0 do not wait)."""
        _no_support("domain_agent_set_response_timeout", _D)

    def domain_get_guest_info(
        self, dom: DomainRef, types: int, flags: int
    ) -> list[TypedParameter]:
        """virDomainGetGuestInfo: what the agent knows (VIR_DOMAIN_GUEST_INFO_* groups in
        *types*, 0 every group), as typed parameters named ``group.field``."""
        _no_support("domain_get_guest_info", _D)

    # input, NMI and signals
    def domain_inject_nmi(self, dom: DomainRef, flags: int) -> None:
        """virDomainInjectNMI: send a non-maskable interrupt to the guest."""
        _no_support("domain_inject_nmi", _D)

    def domain_send_key(
        self, dom: DomainRef, codeset: int, holdtime: int, keycodes: list[int], flags: int
    ) -> None:
        """virDomainSendKey: press *keycodes* of *codeset* (VIR_KEYCODE_SET_*) together for
        *holdtime* milliseconds (0: the hypervisor's default)."""
        _no_support("domain_send_key", _D)

    def domain_send_process_signal(
        self, dom: DomainRef, pid: int, signum: int, flags: int
    ) -> None:
        """virDomainSendProcessSignal: send VIR_DOMAIN_PROCESS_SIGNAL_* *signum* to the
        guest's process *pid*."""
        _no_support("domain_send_process_signal", _D)

    # power management and lifecycle actions
    def domain_pm_suspend_for_duration(
        self, dom: DomainRef, target: int, duration: int, flags: int
    ) -> None:
        """virDomainPMSuspendForDuration: suspend the guest to *target*
        (VIR_NODE_SUSPEND_TARGET_*) for *duration* seconds (0: until woken)."""
        _no_support("domain_pm_suspend_for_duration", _D)

    def domain_pm_wakeup(self, dom: DomainRef, flags: int) -> None:
        """virDomainPMWakeup: wake a guest suspended by power management."""
        _no_support("domain_pm_wakeup", _D)

    def domain_set_lifecycle_action(
        self, dom: DomainRef, type: int, action: int, flags: int
    ) -> None:
        """virDomainSetLifecycleAction: what to do on the guest's poweroff, reboot or crash
        (VIR_DOMAIN_LIFECYCLE_*), one of VIR_DOMAIN_LIFECYCLE_ACTION_*, in the live and/or
        persistent definition (VIR_DOMAIN_AFFECT_*)."""
        _no_support("domain_set_lifecycle_action", _D)
