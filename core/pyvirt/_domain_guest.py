"""Calls that reach into the guest: its filesystems and users (through the guest agent), its
keyboard, NMI and process signals, power management, and the lifecycle actions.  Part of
:class:`pyvirt.Domain`, kept apart so the family stays in one small module.

Argument checks are the ones libvirt's public API makes before the driver sees the call, in
its order and words (read-only refusal first, except for virDomainSendProcessSignal, which
checks its pid before).
"""

from __future__ import annotations

from pyvirt._checks import (
    check_c_long_long,
    check_flags,
    check_int,
    check_nonzero,
    check_string,
    check_uint,
    invalid_arg,
    required_string,
)
from pyvirt._domain_extras import _refuse_read_only
from pyvirt._typed_params import typed_params_dict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import DomainFSInfo, DomainRef
    from pyvirt._typed_params import TypedValue

#: VIR_DOMAIN_SEND_KEY_MAX_KEYS and VIR_KEYCODE_SET_LAST.
_SEND_KEY_MAX_KEYS = 16
_KEYCODE_SETS = 10
#: VIR_DOMAIN_LIFECYCLE_LAST and VIR_DOMAIN_LIFECYCLE_ACTION_LAST.
_LIFECYCLE_TYPES = 3
_LIFECYCLE_ACTIONS = 6
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1
_SSH_APPEND, _SSH_REMOVE = 1, 2  # VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_*


def _strings(values: list[str] | None, argname: str, api: str) -> list[str]:
    return [check_string(v, argname, api) for v in values or ()]


class DomainGuestMethods:
    """Guest methods of :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    # -- filesystems ----------------------------------------------------------------------
    def fs_freeze(self, mountpoints: list[str] | None = None, flags: int = 0) -> int:
        """Freeze the guest's filesystems at *mountpoints* (all when None or empty) for a
        consistent backup (virsh domfsfreeze); answers how many this call froze."""
        api = "virDomainFSFreeze"
        mounts = _strings(mountpoints, "mountpoints", api)
        return self._conn._calls.domain_fsfreeze(self._ref, mounts, flags)

    def fs_thaw(self, mountpoints: list[str] | None = None, flags: int = 0) -> int:
        """Thaw what :meth:`fs_freeze` froze (virsh domfsthaw); answers how many thawed."""
        api = "virDomainFSThaw"
        mounts = _strings(mountpoints, "mountpoints", api)
        return self._conn._calls.domain_fsthaw(self._ref, mounts, flags)

    def fs_info(self, flags: int = 0) -> list[DomainFSInfo]:
        """The guest's mounted filesystems and the disks behind each (virsh domfsinfo)."""
        return self._conn._calls.domain_get_fsinfo(self._ref, flags)

    def fs_trim(self, mountpoint: str | None = None, minimum: int = 0, flags: int = 0) -> None:
        """Discard the unused blocks of *mountpoint* (every filesystem when None), skipping
        free ranges shorter than *minimum* bytes (virsh domfstrim)."""
        api = "virDomainFSTrim"
        if mountpoint is not None:
            mountpoint = check_string(mountpoint, "mountpoint", api)
        minimum = check_uint(minimum, "minimum", api, maximum=_U64_MAX)
        self._conn._calls.domain_fstrim(self._ref, mountpoint, minimum, flags)

    # -- users and the agent --------------------------------------------------------------
    def set_user_password(self, user: str, password: str, flags: int = 0) -> None:
        """Set *user*'s password in the guest; with VIR_DOMAIN_PASSWORD_ENCRYPTED it is
        already crypt()ed (virsh set-user-password)."""
        api = "virDomainSetUserPassword"
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 357, flags)
        user = required_string(user, "user", api)
        password = required_string(password, "password", api)
        self._conn._calls.domain_set_user_password(self._ref, user, password, flags)

    def authorized_ssh_keys(self, user: str, flags: int = 0) -> list[str]:
        """*user*'s authorized SSH keys in the guest (virsh get-user-sshkeys)."""
        api = "virDomainAuthorizedSSHKeysGet"
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 424, flags)
        user = required_string(user, "user", api)
        return self._conn._calls.domain_authorized_ssh_keys_get(self._ref, user, flags)

    def set_authorized_ssh_keys(
        self, user: str, keys: list[str] | None, flags: int = 0
    ) -> None:
        """Replace *user*'s authorized SSH keys, or add (APPEND) or remove (REMOVE) *keys*
        (:class:`DomainAuthorizedSSHKeysSetFlags`; virsh set-user-sshkeys)."""
        api = "virDomainAuthorizedSSHKeysSet"
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 425, flags)
        user = required_string(user, "user", api)
        if flags & (_SSH_APPEND | _SSH_REMOVE) and keys is None:
            raise invalid_arg(f"keys in {api} must not be NULL", api, "keys")
        if flags & _SSH_APPEND and flags & _SSH_REMOVE:
            raise invalid_arg(
                "Flags 'VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND' and "
                "'VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_REMOVE' are mutually exclusive",
                api,
                "ctl",
            )
        self._conn._calls.domain_authorized_ssh_keys_set(
            self._ref, user, _strings(keys, "keys", api), flags
        )

    def agent_set_response_timeout(self, timeout: int, flags: int = 0) -> None:
        """How long to wait for the guest agent, in seconds (virsh guest-agent-timeout):
        :class:`DomainAgentResponseTimeout` BLOCK (-2), DEFAULT (-1), NOWAIT (0)."""
        api = "virDomainAgentSetResponseTimeout"
        timeout = check_int(timeout, "timeout", api)
        self._conn._calls.domain_agent_set_response_timeout(self._ref, timeout, flags)

    def guest_info(self, types: int = 0, flags: int = 0) -> dict[str, TypedValue]:
        """What the guest agent reports (virsh guestinfo): the groups of *types*
        (:class:`DomainGuestInfoTypes`, 0 for all) as ``{"group.field": value}``."""
        api = "virDomainGetGuestInfo"
        types = check_uint(types, "types", api, maximum=_U32_MAX)
        params = self._conn._calls.domain_get_guest_info(self._ref, types, flags)
        return typed_params_dict(params)

    # -- input, NMI and signals -----------------------------------------------------------
    def inject_nmi(self, flags: int = 0) -> None:
        """Send the guest a non-maskable interrupt (virsh inject-nmi)."""
        self._conn._calls.domain_inject_nmi(self._ref, flags)

    def send_key(
        self, codeset: int, holdtime: int, keycodes: list[int], flags: int = 0
    ) -> None:
        """Press *keycodes* (at most 16) of *codeset* (:class:`KeycodeSet`) together for
        *holdtime* ms, 0 for the hypervisor's default (virsh send-key)."""
        api = "virDomainSendKey"
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 226, flags)
        if keycodes is None:
            raise invalid_arg(f"keycodes in {api} must not be NULL", api, "keycodes")
        codes = [check_uint(k, "keycodes", api, maximum=_U32_MAX) for k in keycodes]
        if not codes:
            raise invalid_arg(
                f"nkeycodes in {api} must be greater than zero", api, "nkeycodes"
            )
        codeset = check_uint(codeset, "codeset", api, maximum=_U32_MAX)
        if codeset >= _KEYCODE_SETS:
            shown = codeset - 2**32 if codeset >= 2**31 else codeset  # printed as a C int
            raise invalid_arg(f"Unsupported codeset '{shown}'", api, "codeset")
        if len(codes) > _SEND_KEY_MAX_KEYS:
            raise invalid_arg(f"nkeycodes must be <= {_SEND_KEY_MAX_KEYS}", api, "nkeycodes")
        holdtime = check_uint(holdtime, "holdtime", api, maximum=_U32_MAX)
        self._conn._calls.domain_send_key(self._ref, codeset, holdtime, codes, flags)

    def send_process_signal(self, pid: int, signum: int, flags: int = 0) -> None:
        """Send *signum* (:class:`DomainProcessSignal`) to the guest's process *pid*; a
        negative *pid* names a process group (virsh send-process-signal)."""
        api = "virDomainSendProcessSignal"
        pid = check_c_long_long(pid, "pid_value", api)
        check_nonzero(pid, "pid_value", api)
        signum = check_uint(signum, "signum", api, maximum=_U32_MAX)
        self._conn._calls.domain_send_process_signal(self._ref, pid, signum, flags)

    # -- power management and lifecycle actions ---------------------------------------------
    def pm_suspend_for_duration(self, target: int, duration: int = 0, flags: int = 0) -> None:
        """Suspend the guest to memory, disk or both (:class:`NodeSuspendTarget`) for
        *duration* seconds, 0 until woken (virsh dompmsuspend)."""
        api = "virDomainPMSuspendForDuration"
        target = check_uint(target, "target", api, maximum=_U32_MAX)
        duration = check_uint(duration, "duration", api, maximum=_U64_MAX)
        self._conn._calls.domain_pm_suspend_for_duration(self._ref, target, duration, flags)

    def pm_wakeup(self, flags: int = 0) -> None:
        """Wake a guest suspended by :meth:`pm_suspend_for_duration` (virsh dompmwakeup)."""
        self._conn._calls.domain_pm_wakeup(self._ref, flags)

    def set_lifecycle_action(self, type: int, action: int, flags: int = 0) -> None:
        """What the hypervisor does when the guest powers off, reboots or crashes
        (:class:`DomainLifecycle`): one of :class:`DomainLifecycleAction`, in the live and/or
        persistent definition (:class:`DomainModificationImpact`; virsh
        set-lifecycle-action)."""
        api = "virDomainSetLifecycleAction"
        flags = check_flags(flags, api)
        _refuse_read_only(self._conn._calls.read_only, 390, flags)
        type = check_uint(type, "type", api, maximum=_U32_MAX)
        action = check_uint(action, "action", api, maximum=_U32_MAX)
        if type >= _LIFECYCLE_TYPES:
            raise _lifecycle_invalid(f"invalid lifecycle type '{type}'")
        if action >= _LIFECYCLE_ACTIONS:
            raise _lifecycle_invalid(f"invalid lifecycle action '{action}'")
        self._conn._calls.domain_set_lifecycle_action(self._ref, type, action, flags)


def _lifecycle_invalid(detail: str) -> Exception:
    """libvirt's virReportError(VIR_ERR_INVALID_ARG) from the public API (DOMAIN domain)."""
    from pyvirt._codes import ErrorCode, ErrorDomain
    from pyvirt._errors import make_error

    return make_error(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, detail)
