"""libvirt-python's guest methods (``fsFreeze``, ``fsThaw``, ``fsInfo``, ``fSTrim``,
``setUserPassword``, ``authorizedSSHKeysGet``/``Set``, ``agentSetResponseTimeout``,
``guestInfo``, ``injectNMI``, ``sendKey``, ``sendProcessSignal``, ``pMSuspendForDuration``,
``pMWakeup``, ``setLifecycleAction``), a family of :class:`pyvirt.libvirt.virDomain` kept in
its own module.

Arguments are converted as the binding's C glue converts them: a list that is not a list of
strings is a TypeError, a mount point list that is not a list at all means "all", numbers
wrap or overflow as their C types do.
"""

from __future__ import annotations

import operator
from typing import Any

from pyvirt._objects import Domain
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api, fail

#: VIR_DOMAIN_SEND_KEY_MAX_KEYS: the binding's buffer holds no more.
_MAX_KEYS = 16


def _string_list(values: Any) -> list[str] | None:
    """The glue's list of strings: not a list means none given (NULL); a non-string item is
    libvirt_charPtrUnwrap's TypeError."""
    if not isinstance(values, list):
        return None
    if not all(isinstance(v, str) for v in values):
        raise TypeError("bad argument type for built-in operation")
    return list(values)


def _keycode(value: Any) -> int:
    """One key code, as libvirt_uintUnwrap reads it."""
    number = operator.index(value)
    if not 0 <= number < 2**32:
        raise OverflowError("Python int too large to convert to C unsigned int")
    return number


def _user(value: Any, c_api: str) -> str:
    """A ``z``-less ``s`` argument of the glue: a str, never None."""
    if not isinstance(value, str):
        kind = "None" if value is None else type(value).__name__
        raise TypeError(f"{c_api}() argument 2 must be str, not {kind}")
    return value


class DomainGuestMethods:
    """Mixin of :class:`pyvirt.libvirt.virDomain`."""

    _o: Domain

    # -- filesystems ----------------------------------------------------------------------
    @api
    def fsFreeze(self, mountpoints: list[str] | None = None, flags: int = 0) -> int:  # noqa: N802
        return self._o.fs_freeze(_string_list(mountpoints), _args.flags(flags))

    @api
    def fsThaw(self, mountpoints: list[str] | None = None, flags: int = 0) -> int:  # noqa: N802
        return self._o.fs_thaw(_string_list(mountpoints), _args.flags(flags))

    @api
    def fsInfo(self, flags: int = 0) -> list[tuple[str, str, str, list[str]]]:  # noqa: N802
        return [
            (fs.mountpoint, fs.name, fs.fstype, list(fs.dev_aliases))
            for fs in self._o.fs_info(_args.flags(flags))
        ]

    @api
    def fSTrim(self, mountPoint: str | None, minimum: int, flags: int = 0) -> int:  # noqa: N802, N803
        mount = _args.optional_string(mountPoint, "virDomainFSTrim", 2)
        least = _args.c_long_long(minimum) & 0xFFFFFFFFFFFFFFFF
        self._o.fs_trim(mount, least, _args.flags(flags))
        return 0

    # -- users and the agent --------------------------------------------------------------
    @api
    def setUserPassword(  # noqa: N802
        self, user: str | None, password: str | None, flags: int = 0
    ) -> int:
        c_api = "virDomainSetUserPassword"
        self._o.set_user_password(
            _args.optional_string(user, c_api, 2),  # type: ignore[arg-type]
            _args.optional_string(password, c_api, 3),  # type: ignore[arg-type]
            _args.flags(flags),
        )
        return 0

    @api
    def authorizedSSHKeysGet(self, user: str, flags: int = 0) -> list[str]:  # noqa: N802
        c_api = "virDomainAuthorizedSSHKeysGet"
        return self._o.authorized_ssh_keys(
            _user(user, c_api), _args.flags(flags)
        )

    @api
    def authorizedSSHKeysSet(  # noqa: N802
        self, user: str, keys: list[str] | None = None, flags: int = 0
    ) -> int:
        c_api = "virDomainAuthorizedSSHKeysSet"
        self._o.set_authorized_ssh_keys(
            _user(user, c_api), _string_list(keys), _args.flags(flags)
        )
        return 0

    @api
    def agentSetResponseTimeout(self, timeout: int, flags: int = 0) -> int:  # noqa: N802
        self._o.agent_set_response_timeout(_args.c_int(timeout), _args.flags(flags))
        return 0

    @api
    def guestInfo(self, types: int = 0, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.guest_info(_args.c_uint(types), _args.flags(flags))

    # -- input, NMI and signals -----------------------------------------------------------
    @api
    def injectNMI(self, flags: int = 0) -> int:  # noqa: N802
        self._o.inject_nmi(_args.flags(flags))
        return 0

    def sendKey(  # noqa: N802
        self, codeset: int, holdtime: int, keycodes: list[int], nkeycodes: int, flags: int = 0
    ) -> int:
        """The glue refuses a list that is not one, whose length is not *nkeycodes*, or that
        is longer than 16, before calling libvirt: the exception then carries the thread's
        previous error, as there."""
        count = _args.c_int(nkeycodes)
        if not isinstance(keycodes, list) or count != len(keycodes) or count > _MAX_KEYS:
            raise fail("virDomainSendKey() failed")
        codes = [_keycode(k) for k in keycodes]
        return self._send_key(_args.c_uint(codeset), _args.c_uint(holdtime), codes, flags)

    @api
    def _send_key(self, codeset: int, holdtime: int, codes: list[int], flags: int) -> int:
        self._o.send_key(codeset, holdtime, codes, _args.flags(flags))
        return 0

    @api
    def sendProcessSignal(self, pid_value: int, signum: int, flags: int = 0) -> int:  # noqa: N802
        self._o.send_process_signal(
            _args.c_long_long(pid_value), _args.c_uint(signum), _args.flags(flags)
        )
        return 0

    # -- power management and lifecycle actions ---------------------------------------------
    @api
    def pMSuspendForDuration(  # noqa: N802
        self, target: int, duration: int, flags: int = 0
    ) -> int:
        self._o.pm_suspend_for_duration(
            _args.c_uint(target), _args.c_ulong(duration), _args.flags(flags)
        )
        return 0

    @api
    def pMWakeup(self, flags: int = 0) -> int:  # noqa: N802
        self._o.pm_wakeup(_args.flags(flags))
        return 0

    @api
    def setLifecycleAction(self, type: int, action: int, flags: int = 0) -> int:  # noqa: N802
        self._o.set_lifecycle_action(_args.c_uint(type), _args.c_uint(action), _args.flags(flags))
        return 0
