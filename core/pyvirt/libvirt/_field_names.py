"""libvirt's string constants: the names of typed-parameter fields (``VIR_DOMAIN_BLKIO_WEIGHT``
is ``"weight"``), of migration and save parameters, of identity attributes.

A program builds the dicts it passes to ``setBlkioParameters``, ``migrate3``, ``setIdentity``
and the like from these names, and reads the dicts it gets back with them, so they must be
libvirt's strings exactly.  Most are their name's tail in lower case: each family gives its
name prefix, the prefix of its values and the character that stands for ``_`` in them, then
its members, spelled out (``TAIL=value``) where the value follows no rule.
"""

from __future__ import annotations

#: (name prefix, value prefix, separator, members).
_FAMILIES: tuple[tuple[str, str, str, str], ...] = (
    (
        "VIR_CONNECT_IDENTITY_",
        "",
        "-",
        "GROUP_NAME PROCESS_ID PROCESS_TIME SASL_USER_NAME SELINUX_CONTEXT UNIX_GROUP_ID "
        "UNIX_USER_ID USER_NAME X509_DISTINGUISHED_NAME",
    ),
    (
        "VIR_DOMAIN_BANDWIDTH_",
        "",
        "_",
        "IN_AVERAGE=inbound.average IN_BURST=inbound.burst IN_FLOOR=inbound.floor "
        "IN_PEAK=inbound.peak OUT_AVERAGE=outbound.average OUT_BURST=outbound.burst "
        "OUT_PEAK=outbound.peak",
    ),
    (
        "VIR_DOMAIN_BLKIO_",
        "",
        "_",
        "DEVICE_READ_BPS=device_read_bytes_sec DEVICE_READ_IOPS=device_read_iops_sec "
        "DEVICE_WEIGHT DEVICE_WRITE_BPS=device_write_bytes_sec "
        "DEVICE_WRITE_IOPS=device_write_iops_sec WEIGHT",
    ),
    (
        "VIR_DOMAIN_BLOCK_COPY_",
        "",
        "-",
        "BANDWIDTH BUF_SIZE GRANULARITY",
    ),
    (
        "VIR_DOMAIN_BLOCK_IOTUNE_",
        "",
        "_",
        "GROUP_NAME READ_BYTES_SEC READ_BYTES_SEC_MAX READ_BYTES_SEC_MAX_LENGTH "
        "READ_IOPS_SEC READ_IOPS_SEC_MAX READ_IOPS_SEC_MAX_LENGTH SIZE_IOPS_SEC "
        "TOTAL_BYTES_SEC TOTAL_BYTES_SEC_MAX TOTAL_BYTES_SEC_MAX_LENGTH TOTAL_IOPS_SEC "
        "TOTAL_IOPS_SEC_MAX TOTAL_IOPS_SEC_MAX_LENGTH WRITE_BYTES_SEC WRITE_BYTES_SEC_MAX "
        "WRITE_BYTES_SEC_MAX_LENGTH WRITE_IOPS_SEC WRITE_IOPS_SEC_MAX "
        "WRITE_IOPS_SEC_MAX_LENGTH",
    ),
    (
        "VIR_DOMAIN_BLOCK_STATS_",
        "",
        "_",
        "ERRS FLUSH_REQ=flush_operations FLUSH_TOTAL_TIMES READ_BYTES=rd_bytes "
        "READ_REQ=rd_operations READ_TOTAL_TIMES=rd_total_times WRITE_BYTES=wr_bytes "
        "WRITE_REQ=wr_operations WRITE_TOTAL_TIMES=wr_total_times",
    ),
    (
        "VIR_DOMAIN_CPU_STATS_",
        "",
        "_",
        "CPUTIME=cpu_time SYSTEMTIME=system_time USERTIME=user_time VCPUTIME=vcpu_time",
    ),
    (
        "VIR_DOMAIN_IOTHREAD_",
        "",
        "_",
        "POLL_GROW POLL_MAX_NS POLL_SHRINK THREAD_POOL_MAX THREAD_POOL_MIN",
    ),
    (
        "VIR_DOMAIN_JOB_",
        "",
        "_",
        "AUTO_CONVERGE_THROTTLE COMPRESSION_BYTES COMPRESSION_CACHE "
        "COMPRESSION_CACHE_MISSES COMPRESSION_OVERFLOW COMPRESSION_PAGES DATA_PROCESSED "
        "DATA_REMAINING DATA_TOTAL DISK_BPS DISK_PROCESSED DISK_REMAINING DISK_TEMP_TOTAL "
        "DISK_TEMP_USED DISK_TOTAL DOWNTIME DOWNTIME_NET ERRMSG MEMORY_BPS "
        "MEMORY_CONSTANT MEMORY_DIRTY_RATE MEMORY_ITERATION MEMORY_NORMAL "
        "MEMORY_NORMAL_BYTES MEMORY_PAGE_SIZE "
        "MEMORY_POSTCOPY_REQS=memory_postcopy_requests MEMORY_PROCESSED MEMORY_REMAINING "
        "MEMORY_TOTAL OPERATION SETUP_TIME SUCCESS TIME_ELAPSED TIME_ELAPSED_NET "
        "TIME_REMAINING",
    ),
    (
        "VIR_DOMAIN_LAUNCH_SECURITY_",
        "",
        "-",
        "SEV_API_MAJOR SEV_API_MINOR SEV_BUILD_ID SEV_MEASUREMENT SEV_POLICY SEV_SECRET "
        "SEV_SECRET_HEADER SEV_SECRET_SET_ADDRESS",
    ),
    (
        "VIR_DOMAIN_MEMORY_",
        "",
        "_",
        "HARD_LIMIT MIN_GUARANTEE SOFT_LIMIT SWAP_HARD_LIMIT",
    ),
    (
        "VIR_DOMAIN_NUMA_",
        "numa_",
        "_",
        "MODE NODESET",
    ),
    (
        "VIR_DOMAIN_SAVE_PARAM_",
        "",
        "_",
        "DXML FILE",
    ),
    (
        "VIR_DOMAIN_SCHEDULER_",
        "",
        "_",
        "CAP CPU_SHARES EMULATOR_PERIOD EMULATOR_QUOTA GLOBAL_PERIOD GLOBAL_QUOTA "
        "IOTHREAD_PERIOD IOTHREAD_QUOTA LIMIT RESERVATION SHARES VCPU_PERIOD VCPU_QUOTA "
        "WEIGHT",
    ),
    (
        "VIR_DOMAIN_TUNABLE_BLKDEV_",
        "blkdeviotune.",
        "_",
        "DISK GROUP_NAME READ_BYTES_SEC READ_BYTES_SEC_MAX READ_BYTES_SEC_MAX_LENGTH "
        "READ_IOPS_SEC READ_IOPS_SEC_MAX READ_IOPS_SEC_MAX_LENGTH SIZE_IOPS_SEC "
        "TOTAL_BYTES_SEC TOTAL_BYTES_SEC_MAX TOTAL_BYTES_SEC_MAX_LENGTH TOTAL_IOPS_SEC "
        "TOTAL_IOPS_SEC_MAX TOTAL_IOPS_SEC_MAX_LENGTH WRITE_BYTES_SEC WRITE_BYTES_SEC_MAX "
        "WRITE_BYTES_SEC_MAX_LENGTH WRITE_IOPS_SEC WRITE_IOPS_SEC_MAX "
        "WRITE_IOPS_SEC_MAX_LENGTH",
    ),
    (
        "VIR_DOMAIN_TUNABLE_CPU_",
        "cputune.",
        "_",
        "CPU_SHARES EMULATORPIN EMULATOR_PERIOD EMULATOR_QUOTA GLOBAL_PERIOD GLOBAL_QUOTA "
        "IOTHREADSPIN=cputune.iothreadpin%u IOTHREAD_PERIOD IOTHREAD_QUOTA "
        "VCPUPIN=cputune.vcpupin%u VCPU_PERIOD VCPU_QUOTA",
    ),
    (
        "VIR_MIGRATE_PARAM_",
        "",
        "_",
        "AUTO_CONVERGE_INCREMENT=auto_converge.increment "
        "AUTO_CONVERGE_INITIAL=auto_converge.initial BANDWIDTH "
        "BANDWIDTH_POSTCOPY=bandwidth.postcopy COMPRESSION "
        "COMPRESSION_MT_DTHREADS=compression.mt.dthreads "
        "COMPRESSION_MT_LEVEL=compression.mt.level "
        "COMPRESSION_MT_THREADS=compression.mt.threads "
        "COMPRESSION_XBZRLE_CACHE=compression.xbzrle.cache DEST_NAME=destination_name "
        "DEST_XML=destination_xml DISKS_PORT DISKS_URI GRAPHICS_URI LISTEN_ADDRESS "
        "MIGRATE_DISKS PARALLEL_CONNECTIONS=parallel.connections "
        "PERSIST_XML=persistent_xml TLS_DESTINATION=tls.destination URI=migrate_uri",
    ),
    (
        "VIR_NETWORK_PORT_BANDWIDTH_",
        "",
        "_",
        "IN_AVERAGE=inbound.average IN_BURST=inbound.burst IN_FLOOR=inbound.floor "
        "IN_PEAK=inbound.peak OUT_AVERAGE=outbound.average OUT_BURST=outbound.burst "
        "OUT_PEAK=outbound.peak",
    ),
    (
        "VIR_NODE_CPU_STATS_",
        "",
        "_",
        "IDLE INTR IOWAIT KERNEL USER UTILIZATION",
    ),
    (
        "VIR_NODE_MEMORY_SHARED_",
        "shm_",
        "_",
        "FULL_SCANS MERGE_ACROSS_NODES PAGES_SHARED PAGES_SHARING PAGES_TO_SCAN "
        "PAGES_UNSHARED PAGES_VOLATILE SLEEP_MILLISECS",
    ),
    (
        "VIR_NODE_MEMORY_STATS_",
        "",
        "_",
        "BUFFERS CACHED FREE TOTAL",
    ),
    (
        "VIR_NODE_SEV_",
        "",
        "-",
        "CBITPOS CERT_CHAIN CPU0_ID MAX_ES_GUESTS MAX_GUESTS PDH REDUCED_PHYS_BITS",
    ),
    (
        "VIR_PERF_PARAM_",
        "",
        "_",
        "ALIGNMENT_FAULTS BRANCH_INSTRUCTIONS BRANCH_MISSES BUS_CYCLES CACHE_MISSES "
        "CACHE_REFERENCES CMT CONTEXT_SWITCHES CPU_CLOCK CPU_CYCLES CPU_MIGRATIONS "
        "EMULATION_FAULTS INSTRUCTIONS MBML MBMT PAGE_FAULTS PAGE_FAULTS_MAJ "
        "PAGE_FAULTS_MIN REF_CPU_CYCLES STALLED_CYCLES_BACKEND STALLED_CYCLES_FRONTEND "
        "TASK_CLOCK",
    ),
)


def build() -> dict[str, str]:
    """Every constant of :data:`_FAMILIES` by its libvirt name."""
    constants: dict[str, str] = {}
    for prefix, value_prefix, separator, members in _FAMILIES:
        for member in members.split():
            tail, _, value = member.partition("=")
            constants[prefix + tail] = value or value_prefix + tail.lower().replace("_", separator)
    return constants


FIELD_NAMES: dict[str, str] = build()
