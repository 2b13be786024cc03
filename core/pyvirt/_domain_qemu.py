"""libvirt-qemu's and libvirt-lxc's calls on :class:`pyvirt.Domain` and
:class:`pyvirt.Connection`: QEMU monitor and guest-agent passthrough, attaching to a QEMU
process, and a container's namespaces.  Kept apart because libvirt keeps them apart (its
``libvirt-qemu.so`` and ``libvirt-lxc.so``, programs of their own on the wire).

The argument checks are those of those libraries' public entry points, with their words and
with no error domain (VIR_FROM_NONE), as libvirt reports them.
"""

from __future__ import annotations

from pyvirt._checks import invalid_arg
from pyvirt._codes import ErrorDomain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._calls import DriverCalls
    from pyvirt._connection import Connection
    from pyvirt._objects import Domain
    from pyvirt._records import DomainRef


def _refuse_read_only_qemu(read_only: bool, api: str) -> None:
    """libvirt-qemu.c's virCheckReadOnlyGoto, before everything else: pyvirt's public calls
    make it through their rows; callers that must refuse before they reach the driver (such
    as the bookkeeping libvirt's remote driver does before calling the daemon) call this."""
    if read_only:
        from pyvirt._access import denied

        raise denied(api)


def _check_callback_id(callback_id: int) -> None:
    """virConnectDomainQemuMonitorEventDeregister's virCheckNonNegativeArgGoto."""
    if callback_id < 0:
        raise invalid_arg(
            "callbackID in virConnectDomainQemuMonitorEventDeregister must be zero or greater",
            "virConnectDomainQemuMonitorEventDeregister",
            "callbackID",
            ErrorDomain.NONE,
        )


class DomainQemuMethods:
    """Monitor, agent and namespace methods of :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    def qemu_monitor_command(self, cmd: str, flags: int = 0) -> str:
        """Send *cmd* to the domain's QEMU monitor as it is and answer its reply
        (virDomainQemuMonitorCommand): QMP JSON, or with VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP
        (1) a human-monitor command line.  The domain is tainted "custom-monitor"."""
        return self._conn._calls.domain_qemu_monitor_command(self._ref, cmd, flags)

    def qemu_monitor_command_with_files(
        self, cmd: str, files: list[int] | None = None, flags: int = 0
    ) -> str:
        """The same, passing the descriptors *files* with the command
        (virDomainQemuMonitorCommandWithFiles)."""
        fds = list(files or [])
        return self._conn._calls.domain_qemu_monitor_command_with_files(
            self._ref, cmd, fds, flags
        )

    def qemu_agent_command(self, cmd: str, timeout: int = -1, flags: int = 0) -> str | None:
        """Send *cmd* (JSON) to the guest agent and answer its reply
        (virDomainQemuAgentCommand); *timeout* in seconds, or -2 (block), -1 (default),
        0 (do not wait)."""
        return self._conn._calls.domain_qemu_agent_command(self._ref, cmd, timeout, flags)

    def lxc_open_namespace(self, flags: int = 0) -> list[int]:
        """Descriptors of the container's namespaces (virDomainLxcOpenNamespace)."""
        return self._conn._calls.domain_lxc_open_namespace(self._ref, flags)


class ConnectionQemuMethods:
    """Attach and monitor-event methods of :class:`pyvirt.Connection`."""

    _calls: DriverCalls

    def qemu_attach(self, pid: int, flags: int = 0) -> Domain:
        """Adopt the running QEMU process *pid* (virDomainQemuAttach); 0 is refused."""
        from pyvirt._objects import Domain

        if pid == 0:
            raise invalid_arg(
                "pid_value in virDomainQemuAttach must not be zero",
                "virDomainQemuAttach",
                "pid_value",
                ErrorDomain.NONE,
            )
        record = self._calls.domain_qemu_attach(pid & 0xFFFFFFFF, flags)
        return Domain(self, record.ref, record)  # type: ignore[arg-type]  # self is a Connection

    def qemu_monitor_event_register(
        self, dom: Domain | None, event: str | None, flags: int = 0
    ) -> int:
        """Forward the QMP events of *dom* (all domains when None) named *event* (all when
        None) to this connection (virConnectDomainQemuMonitorEventRegister); the callback
        id for :meth:`qemu_monitor_event_deregister`."""
        ref = None if dom is None else dom._ref
        return self._calls.connect_domain_qemu_monitor_event_register(ref, event, flags)

    def qemu_monitor_event_deregister(self, callback_id: int) -> None:
        """Stop what :meth:`qemu_monitor_event_register` started
        (virConnectDomainQemuMonitorEventDeregister)."""
        _check_callback_id(callback_id)
        self._calls.connect_domain_qemu_monitor_event_deregister(callback_id)

