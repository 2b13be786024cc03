"""A domain's block and interface statistics and disk errors: part of :class:`pyvirt.Domain`,
kept apart so the family stays in one small module.  Argument checks are those of libvirt's
public API (virDomainBlockStats, virDomainInterfaceStats, virDomainGetDiskErrors)."""

from __future__ import annotations

from pyvirt._checks import check_flags, required_string

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt._connection import Connection
    from pyvirt._records import DomainRef
    from pyvirt._typed_params import TypedValue


class DomainStatsMethods:
    """Statistics methods of :class:`pyvirt.Domain`."""

    _conn: Connection

    if TYPE_CHECKING:

        @property
        def _ref(self) -> DomainRef: ...

    def block_stats(self, disk: str) -> tuple[int, int, int, int, int]:
        """(read requests, bytes read, write requests, bytes written, errors) of *disk*, a
        target ("vda") or source path (virDomainBlockStats); -1 where the driver cannot
        tell; "" asks for all disks together."""
        disk = required_string(disk, "disk", "virDomainBlockStats")
        a, b, c, d, e = self._conn._calls.domain_block_stats(self._ref, disk)
        return a, b, c, d, e

    def block_stats_flags(self, disk: str, flags: int = 0) -> dict[str, TypedValue]:
        """Every counter of *disk* the hypervisor keeps, by libvirt's names (``rd_operations``,
        ``rd_bytes``, ``wr_total_times`` ...; virDomainBlockStatsFlags)."""
        from pyvirt._typed_params import typed_params_dict

        disk = required_string(disk, "disk", "virDomainBlockStatsFlags")
        return typed_params_dict(self._conn._calls.domain_block_stats_flags(self._ref, disk, flags))

    def interface_stats(self, device: str) -> tuple[int, int, int, int, int, int, int, int]:
        """(rx bytes, rx packets, rx errors, rx drops, tx bytes, tx packets, tx errors,
        tx drops) of interface *device*, by target name or MAC (virDomainInterfaceStats)."""
        device = required_string(device, "device", "virDomainInterfaceStats")
        a, b, c, d, e, f, g, h = self._conn._calls.domain_interface_stats(self._ref, device)
        return a, b, c, d, e, f, g, h

    def disk_errors(self, flags: int = 0) -> dict[str, int]:
        """The disks with I/O errors: target -> VIR_DOMAIN_DISK_ERROR_* (virDomainGetDiskErrors,
        asked twice as libvirt's callers do: how many, then that many)."""
        flags = check_flags(flags, "virDomainGetDiskErrors")
        count, _ = self._conn._calls.domain_get_disk_errors(self._ref, 0, flags)
        if not count:
            return {}
        _, errors = self._conn._calls.domain_get_disk_errors(self._ref, count, flags)
        return {disk: error for disk, error in errors}
