"""The driver contract's calls of libvirt's two hypervisor-specific libraries: libvirt-qemu
(monitor and agent passthrough, attaching to a running QEMU, raw monitor events) and
libvirt-lxc (a container's namespaces).  Mixed into :class:`pyvirt.driver.DriverConnection`.

libvirt serves them on RPC programs of their own (QEMU_PROGRAM, LXC_PROGRAM); their rows in
:data:`pyvirt._procedures.PROCEDURES` say so (``program="qemu"`` / ``"lxc"``).  Every method
answers libvirt's VIR_ERR_NO_SUPPORT until a driver overrides it; libvirt reports those
with no error domain (VIR_FROM_NONE), as its hypervisor-specific entry points do.  The
annotations are the procedures' wire signatures.
"""

from __future__ import annotations

from pyvirt._codes import ErrorDomain
from pyvirt._records import DomainRecord, DomainRef
from pyvirt._secret_drivers import _no_support

_N = ErrorDomain.NONE


class QemuLxcDriver:
    """libvirt-qemu's and libvirt-lxc's entry points."""

    def domain_qemu_monitor_command(self, dom: DomainRef, cmd: str, flags: int) -> str:
        """virDomainQemuMonitorCommand: send *cmd* to the domain's monitor as it is (QMP
        JSON, or an HMP command line with VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) and answer
        the monitor's reply text.  Drivers taint the domain ("custom-monitor")."""
        _no_support("domain_qemu_monitor_command", _N)

    def domain_qemu_monitor_command_with_files(
        self, dom: DomainRef, cmd: str, files: list[int], flags: int
    ) -> str:
        """virDomainQemuMonitorCommandWithFiles: the same, passing the descriptors *files*
        along with the command (QMP's ``getfd`` / ``add-fd``)."""
        _no_support("domain_qemu_monitor_command_with_files", _N)

    def domain_qemu_agent_command(
        self, dom: DomainRef, cmd: str, timeout: int, flags: int
    ) -> str | None:
        """virDomainQemuAgentCommand: send *cmd* (JSON) to the guest agent, waiting
        *timeout* seconds (or one of VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK -2, DEFAULT -1,
        NOWAIT 0); the agent's reply text, None when it gave none."""
        _no_support("domain_qemu_agent_command", _N)

    def domain_qemu_attach(self, pid: int, flags: int) -> DomainRecord:
        """virDomainQemuAttach: adopt the QEMU process *pid*, started outside libvirt."""
        _no_support("domain_qemu_attach", _N)

    def connect_domain_qemu_monitor_event_register(
        self, dom: DomainRef | None, event: str | None, flags: int
    ) -> int:
        """virConnectDomainQemuMonitorEventRegister: start forwarding the QMP events of
        *dom* (every domain when None) whose name is *event* (every event when None; with
        VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX a regular expression, NOCASE
        ignoring case) to this connection's event listeners; answers the callback id."""
        _no_support("connect_domain_qemu_monitor_event_register", _N)

    def connect_domain_qemu_monitor_event_deregister(self, callback_id: int) -> None:
        """virConnectDomainQemuMonitorEventDeregister: stop what *callback_id* started."""
        _no_support("connect_domain_qemu_monitor_event_deregister", _N)

    def domain_lxc_open_namespace(self, dom: DomainRef, flags: int) -> list[int]:
        """virDomainLxcOpenNamespace: descriptors of the container's namespaces."""
        _no_support("domain_lxc_open_namespace", _N)
