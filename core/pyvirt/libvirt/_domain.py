"""``virDomain``: libvirt-python's domain handle over a :class:`pyvirt.Domain`.

Method names, argument order, default flags and return shapes are libvirt-python's: lists
where it returns lists, ``0`` where the C function's status code comes back, ``bytes`` for
``UUID()``.  Each method converts its arguments as the C glue would, then calls pyvirt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt._enums import DomainVcpuFlags
from pyvirt._objects import Domain
from pyvirt._records import DomainRef, TypedParameter
from pyvirt.libvirt import _args
from pyvirt.libvirt._checkpoint import DomainCheckpointMethods
from pyvirt.libvirt._domain_devices import DomainDeviceMethods
from pyvirt.libvirt._domain_extras import DomainMetadataMethods
from pyvirt.libvirt._domain_guest import DomainGuestMethods
from pyvirt.libvirt._domain_jobs import DomainJobMethods
from pyvirt.libvirt._domain_memory import DomainMemoryMethods
from pyvirt.libvirt._domain_stats import DomainStatsMethods
from pyvirt.libvirt._domain_tune import DomainTuneMethods
from pyvirt.libvirt._domain_vcpus import DomainVcpuMethods
from pyvirt.libvirt._errors import api
from pyvirt.libvirt._handle import IdentifiedHandle, uuid_bytes  # noqa: F401 - re-exported
from pyvirt.libvirt._snapshot import DomainSnapshotMethods
from pyvirt.libvirt._unsupported import add_unsupported

if TYPE_CHECKING:
    from pyvirt.libvirt._stream import virStream


class virDomain(  # noqa: N801 - libvirt-python's name
    DomainMetadataMethods,
    DomainJobMethods,
    DomainVcpuMethods,
    DomainStatsMethods,
    DomainTuneMethods,
    DomainSnapshotMethods,
    DomainCheckpointMethods,
    DomainDeviceMethods,
    DomainGuestMethods,
    DomainMemoryMethods,
    IdentifiedHandle,
):
    """A domain on a :class:`virConnect`; a value, like pyvirt's handle."""

    _o: Domain

    if TYPE_CHECKING:
        # The NO_SUPPORT stubs are attached at import (see _unsupported); this tells type
        # checkers that those methods exist.
        def __getattr__(self, name: str) -> Any: ...

    def __eq__(self, other: object) -> bool:
        return isinstance(other, virDomain) and other._o == self._o

    def __hash__(self) -> int:
        return hash(self._o)

    # -- identity -------------------------------------------------------------------------
    def ID(self) -> int:  # noqa: N802
        return self._o.id

    # -- information ----------------------------------------------------------------------
    @api
    def info(self) -> list[int]:
        """[state, maxMem KiB, memory KiB, nrVirtCpu, cpuTime ns]."""
        i = self._o.info()
        return [int(i.state), i.max_memory, i.memory, i.nr_virt_cpu, i.cpu_time]

    @api
    def state(self, flags: int = 0) -> list[int]:
        state, reason = self._o.state(_args.flags(flags))
        return [int(state), int(reason)]

    @api
    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._o.xml_desc(_args.flags(flags))

    @api
    def OSType(self) -> str:  # noqa: N802
        return self._o.os_type()

    @api
    def maxMemory(self) -> int:  # noqa: N802
        return self._o.max_memory()

    @api
    def maxVcpus(self) -> int:  # noqa: N802
        """libvirt's virDomainGetMaxVcpus: the live maximum (fails for inactive domains)."""
        return self._o.vcpus(int(DomainVcpuFlags.LIVE | DomainVcpuFlags.MAXIMUM))

    @api
    def vcpusFlags(self, flags: int = 0) -> int:  # noqa: N802
        return self._o.vcpus(_args.flags(flags))

    @api
    def securityLabel(self) -> list[Any]:  # noqa: N802
        label = self._o.security_label()
        return [label.label, label.enforcing]

    @api
    def hasManagedSaveImage(self, flags: int = 0) -> int:  # noqa: N802
        return int(self._o.has_managed_save(_args.flags(flags)))

    @api
    def screenshot(self, stream: virStream, screen: int, flags: int = 0) -> str:
        """The image of *screen* on *stream* (read it, then finish); its MIME type."""
        from pyvirt.driver import BytesStream

        data = self._o.screenshot(_args.c_uint(screen), _args.flags(flags))
        stream._o._bind(BytesStream(data))
        return "image/png"

    @api
    def managedSave(self, flags: int = 0) -> int:  # noqa: N802
        self._o.managed_save(_args.flags(flags))
        return 0

    @api
    def managedSaveRemove(self, flags: int = 0) -> int:  # noqa: N802
        self._o.managed_save_remove(_args.flags(flags))
        return 0

    # -- information ----------------------------------------------------------------------
    @api
    def schedulerType(self) -> tuple[str, int]:  # noqa: N802
        return self._o.scheduler_type()

    @api
    def schedulerParameters(self) -> dict[str, Any]:  # noqa: N802
        return self._o.scheduler_parameters()

    @api
    def schedulerParametersFlags(self, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        return self._o.scheduler_parameters(_args.flags(flags))

    def setSchedulerParameters(self, params: dict[str, Any]) -> int:  # noqa: N802
        return self._set_scheduler_parameters(params, None)

    def setSchedulerParametersFlags(self, params: dict[str, Any], flags: int = 0) -> int:  # noqa: N802
        return self._set_scheduler_parameters(params, _args.flags(flags))

    def _set_scheduler_parameters(self, params: dict[str, Any], flags: int | None) -> int:
        """libvirt-python's way: the scheduler's parameters are read first for their types,
        then the dict's values are converted to them (LookupError for an unknown name)."""
        if not isinstance(params, dict):
            raise TypeError("a dictionary is required")
        if not params:
            raise LookupError("Need non-empty dictionary to set attributes")
        current = _get_parameter_list(self._o, flags)
        typed = _args.typed_params(params, current)
        _set_parameters(self._o, typed, flags)
        return 0

    @api
    def memoryStats(self) -> dict[str, int]:  # noqa: N802
        return self._o.memory_stats()

    @api
    def getTime(self, flags: int = 0) -> dict[str, int]:  # noqa: N802
        seconds, nseconds = self._o.get_time(_args.flags(flags))
        return {"seconds": seconds, "nseconds": nseconds}

    def setTime(self, time: dict[str, Any] | None = None, flags: int = 0) -> int:  # noqa: N802
        c_flags = _args.flags(flags)
        seconds = nseconds = 0
        if isinstance(time, dict):
            if "seconds" not in time:
                raise LookupError("Dictionary must contains 'seconds'")
            seconds = _args.c_long_long(time["seconds"])
            nseconds = _args.typed_int(time.get("nseconds", 0), 2)
        elif time is not None or not c_flags:
            raise TypeError("time must be a dictionary or None with flags set")
        _set_time(self._o, seconds, nseconds, c_flags)
        return 0

    @api
    def blockInfo(self, path: str, flags: int = 0) -> list[int]:  # noqa: N802
        disk = _args.string(path, "virDomainGetBlockInfo", 1, "disk")
        return list(self._o.block_info(disk, _args.flags(flags)))

    @api
    def controlInfo(self, flags: int = 0) -> list[int]:  # noqa: N802
        return list(self._o.control_info(_args.flags(flags)))

    @api
    def hostname(self, flags: int = 0) -> str:
        return self._o.hostname(_args.flags(flags))

    @api
    def interfaceAddresses(self, source: int, flags: int = 0) -> dict[str, Any]:  # noqa: N802
        """``{name: {"addrs": [{"addr", "prefix", "type"}], "hwaddr": mac}}`` as
        libvirt-python builds it."""
        return {
            iface.name: {
                "addrs": [{"addr": a.addr, "prefix": a.prefix, "type": a.type}
                          for a in iface.addrs],
                "hwaddr": iface.hwaddr,
            }
            for iface in self._o.interface_addresses(_args.c_uint(source), _args.flags(flags))
        }  # fmt: skip

    # -- lifecycle ------------------------------------------------------------------------
    @api
    def create(self) -> int:
        self._o.start(0)
        return 0

    @api
    def createWithFlags(self, flags: int = 0) -> int:  # noqa: N802
        self._o.start(_args.flags(flags))
        return 0

    @api
    def createWithFiles(self, files: list[int], flags: int = 0) -> int:  # noqa: N802
        """Start with *files* handed to the guest.  No pyvirt driver takes descriptors (nor
        does libvirt's test driver use them): they are checked, as the binding checks them,
        and not passed on."""
        _args.fd_list(files)
        self._o.start(_args.flags(flags))
        return 0

    @api
    def destroy(self) -> int:
        self._o.destroy(0)
        return 0

    @api
    def destroyFlags(self, flags: int = 0) -> int:  # noqa: N802
        self._o.destroy(_args.flags(flags))
        return 0

    @api
    def suspend(self) -> int:
        self._o.suspend()
        return 0

    @api
    def resume(self) -> int:
        self._o.resume()
        return 0

    @api
    def shutdown(self) -> int:
        self._o.shutdown(0)
        self._forget_id_if_stopped()
        return 0

    @api
    def shutdownFlags(self, flags: int = 0) -> int:  # noqa: N802
        self._o.shutdown(_args.flags(flags))
        self._forget_id_if_stopped()
        return 0

    def _forget_id_if_stopped(self) -> None:
        """A shutdown that completed at once (the test driver's) leaves this handle with id
        -1, as libvirt's driver resets the handle it was called with; a guest still shutting
        down (QEMU) keeps its id.  Through a daemon the driver resets the daemon's handle, not
        this one: libvirt's remote driver updates the cached id only on start and destroy."""
        if self._conn._remote is None and not self._o.is_active():
            ref = self._o.ref
            self._o = Domain(self._o.connection, DomainRef(ref.name, ref.uuid, -1))

    @api
    def reboot(self, flags: int = 0) -> int:
        self._o.reboot(_args.flags(flags))
        return 0

    @api
    def reset(self, flags: int = 0) -> int:
        self._o.reset(_args.flags(flags))
        return 0

    @api
    def undefine(self) -> int:
        self._o.undefine(0)
        return 0

    @api
    def undefineFlags(self, flags: int = 0) -> int:  # noqa: N802
        self._o.undefine(_args.flags(flags))
        return 0

    # -- tuning ---------------------------------------------------------------------------
    @api
    def setMemory(self, memory: int) -> int:  # noqa: N802
        self._o.set_memory(_args.c_ulong(memory))
        return 0

    @api
    def setMaxMemory(self, memory: int) -> int:  # noqa: N802
        self._o.set_max_memory(_args.c_ulong(memory))
        return 0

    @api
    def setMemoryFlags(self, memory: int, flags: int = 0) -> int:  # noqa: N802
        self._o.set_memory(_args.c_ulong(memory), _args.flags(flags))
        return 0

    @api
    def setVcpus(self, nvcpus: int) -> int:  # noqa: N802
        self._o.set_vcpus(_args.c_uint(nvcpus))
        return 0

    @api
    def setVcpusFlags(self, nvcpus: int, flags: int = 0) -> int:  # noqa: N802
        self._o.set_vcpus(_args.c_uint(nvcpus), _args.flags(flags))
        return 0


add_unsupported(virDomain)


@api
def _get_parameter_list(dom: Domain, flags: int | None) -> list[TypedParameter]:
    dom.scheduler_type()
    return dom.scheduler_parameter_list(flags)


@api
def _set_parameters(dom: Domain, params: list[TypedParameter], flags: int | None) -> None:
    dom.set_scheduler_parameters(params, flags)


@api
def _set_time(dom: Domain, seconds: int, nseconds: int, flags: int) -> None:
    dom.set_time(seconds, nseconds, flags)
