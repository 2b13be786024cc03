"""The command table: virsh's groups in virsh's order, and every command pyvirsh implements.

Commands are declared as data next to their handlers (``commands/*.py``); this module only
collects them, so parsing needs no connection and no driver.

Running one command imports only the module that declares it: :data:`MODULES` says which
module that is, so ``pyvirsh list`` never pays for the imports of ``event`` (threads, signals)
or of the domain commands (most of pyvirt's enums).  Help, which lists every command, loads
them all.  ``tests/test_cli_registry.py`` keeps :data:`MODULES` equal to the modules' own
``COMMANDS``.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.cli._parser import Cmd

#: (keyword, title) in virsh's order; only groups with pyvirsh commands are listed.
GROUPS: tuple[tuple[str, str], ...] = (
    ("domain", "Domain Management"),
    ("monitor", "Domain Monitoring"),
    ("events", "Domain Events"),
    ("host", "Host and Hypervisor"),
    ("checkpoint", "Checkpoint"),
    ("interface", "Interface"),
    ("filter", "Network Filter"),
    ("network", "Networking"),
    ("nodedev", "Node Device"),
    ("secret", "Secret"),
    ("snapshot", "Snapshot"),
    ("backup", "Backup"),
    ("pool", "Storage Pool"),
    ("volume", "Storage Volume"),
    ("virsh", "Virsh itself"),
)

#: Module of ``pyvirt.cli.commands`` -> the commands it declares, in the table's order.
MODULES: dict[str, tuple[str, ...]] = {
    "domain": (
        "autostart",
        "console",
        "create",
        "define",
        "destroy",
        "domid",
        "domname",
        "domuuid",
        "dumpxml",
        "reboot",
        "reset",
        "resume",
        "screenshot",
        "setmaxmem",
        "setmem",
        "setvcpus",
        "shutdown",
        "start",
        "suspend",
        "undefine",
    ),
    "save": ("managedsave", "managedsave-remove"),
    "block": (
        "blockcommit",
        "blockcopy",
        "blockjob",
        "blockpull",
        "blockresize",
        "domblkthreshold",
        "domxml-from-native",
        "domxml-to-native",
    ),
    "save_image": (
        "save",
        "restore",
        "save-image-dumpxml",
        "save-image-define",
        "save-image-edit",
        "managedsave-dumpxml",
        "managedsave-define",
        "managedsave-edit",
        "dump",
    ),
    "attach": (
        "attach-device",
        "detach-device",
        "update-device",
        "detach-device-alias",
        "attach-disk",
        "detach-disk",
        "attach-interface",
        "detach-interface",
        "change-media",
    ),
    "edit": ("edit", "net-edit", "pool-edit", "nwfilter-edit", "snapshot-edit"),
    "domain_metadata": ("desc", "metadata", "domrename"),
    "domain_fds": ("dom-fd-associate",),
    "vcpu": ("vcpucount", "vcpuinfo", "vcpupin", "emulatorpin"),
    # domain tunables (issue 10, helper "tune")
    "domain_tune": ("memtune", "domiftune", "blkdeviotune", "perf"),
    "vcpu_state": ("maxvcpus", "setvcpu", "guestvcpus"),
    "domain_devices_list": ("domblklist", "domiflist"),
    "domain_numa_blkio": ("blkiotune", "numatune"),
    "domain_stats": ("domblkstat", "domifstat", "domblkerror", "domif-getlink"),
    # libvirt-qemu's and libvirt-lxc's commands (issues 10/11, helper "qprog")
    "qemu": ("qemu-monitor-command", "qemu-agent-command", "qemu-monitor-event", "qemu-attach"),
    "lxc": ("lxc-enter-namespace",),
    # guest commands (issue 10, helper "guest")
    "domain_guest": (
        "domfsfreeze",
        "domfsthaw",
        "domfsinfo",
        "domfstrim",
        "dompmsuspend",
        "dompmwakeup",
        "get-user-sshkeys",
        "set-user-sshkeys",
        "set-user-password",
        "guest-agent-timeout",
        "guestinfo",
    ),
    "domain_input": ("inject-nmi", "send-key", "send-process-signal", "set-lifecycle-action"),
    "domain_link": ("domif-setlink",),
    "domain_memdev": ("update-memory-device",),
    "domstats": ("domstats",),
    "checkpoint": (
        "checkpoint-create",
        "checkpoint-create-as",
        "checkpoint-delete",
        "checkpoint-dumpxml",
        "checkpoint-edit",
        "checkpoint-info",
        "checkpoint-parent",
        "backup-begin",
        "backup-dumpxml",
    ),
    "checkpoint_list": ("checkpoint-list",),
    "pool_events": ("pool-event",),
    "shell_dirs": ("cd", "pwd"),
    "sysinfo": ("sysinfo",),
    "snapshot": (
        "snapshot-create",
        "snapshot-create-as",
        "snapshot-current",
        "snapshot-delete",
        "snapshot-dumpxml",
        "snapshot-info",
        "snapshot-parent",
        "snapshot-revert",
    ),
    "snapshot_list": ("snapshot-list",),
    "monitor": ("dominfo", "domstate", "list"),
    "events": ("event",),
    "host": ("capabilities", "hostname", "nodeinfo", "uri", "version"),
    "domain_info": (
        "schedinfo",
        "dommemstat",
        "domtime",
        "domblkinfo",
        "domcontrol",
        "domhostname",
    ),
    "hostinfo": (
        "freecell",
        "nodecpustats",
        "nodememstats",
        "nodecpumap",
        "nodesuspend",
        "echo",
    ),
    # host pages, CPU models and host tunables (issue 10, "host")
    "host_pages": ("allocpages", "freepages", "node-memory-tune", "nodesevinfo"),
    "host_cpu": (
        "cpu-baseline",
        "cpu-compare",
        "cpu-models",
        "domcapabilities",
        "hypervisor-cpu-baseline",
        "hypervisor-cpu-compare",
    ),
    "network": (
        "net-autostart",
        "net-create",
        "net-define",
        "net-destroy",
        "net-dumpxml",
        "net-event",
        "net-info",
        "net-list",
        "net-start",
        "net-undefine",
    ),
    # host interfaces and node devices (issue 10)
    "interfaces": (
        "iface-begin",
        "iface-commit",
        "iface-define",
        "iface-destroy",
        "iface-dumpxml",
        "iface-list",
        "iface-mac",
        "iface-name",
        "iface-rollback",
        "iface-start",
        "iface-undefine",
    ),
    # interface definitions rewritten (issue 10, "host")
    "iface_bridge": ("iface-bridge", "iface-edit", "iface-unbridge"),
    "nodedevs": (
        "nodedev-create",
        "nodedev-destroy",
        "nodedev-detach",
        "nodedev-dumpxml",
        "nodedev-list",
        "nodedev-reattach",
        "nodedev-reset",
        "nodedev-event",
        "nodedev-define",
        "nodedev-undefine",
        "nodedev-start",
        "nodedev-autostart",
        "nodedev-info",
    ),
    "storage": (
        "pool-define",
        "pool-destroy",
        "pool-dumpxml",
        "pool-info",
        "pool-list",
        "pool-start",
        "pool-undefine",
        "vol-create-as",
        "vol-delete",
        "vol-dumpxml",
        "vol-info",
        "vol-list",
    ),
    "secrets": (
        "secret-define",
        "secret-dumpxml",
        "secret-event",
        "secret-get-value",
        "secret-list",
        "secret-set-value",
        "secret-undefine",
    ),
    "nwfilters": (
        "nwfilter-define",
        "nwfilter-dumpxml",
        "nwfilter-list",
        "nwfilter-undefine",
        "nwfilter-binding-create",
        "nwfilter-binding-delete",
        "nwfilter-binding-dumpxml",
        "nwfilter-binding-list",
    ),
    "net_leases": ("net-dhcp-leases", "domifaddr"),
    # the remaining network commands (issue 10)
    "network_extra": (
        "net-name",
        "net-port-create",
        "net-port-delete",
        "net-port-dumpxml",
        "net-port-list",
        "net-update",
        "net-uuid",
    ),
    "volume_stream": ("vol-download", "vol-upload"),
    # the remaining storage commands (issue 10)
    "storage_extra": (
        "find-storage-pool-sources",
        "find-storage-pool-sources-as",
        "pool-autostart",
        "pool-build",
        "pool-capabilities",
        "pool-create",
        "pool-create-as",
        "pool-define-as",
        "pool-delete",
        "pool-name",
        "pool-refresh",
        "pool-uuid",
        "vol-clone",
        "vol-create",
        "vol-create-from",
        "vol-key",
        "vol-name",
        "vol-path",
        "vol-pool",
        "vol-resize",
        "vol-wipe",
    ),
    # IOThreads, CPU statistics, jobs, migration, display lookups (issue 10, "domjobs")
    "iothreads": ("iothreadinfo", "iothreadpin", "iothreadadd", "iothreadset", "iothreaddel"),
    "domain_jobs": (
        "cpu-stats",
        "domjobinfo",
        "domjobabort",
        "domdirtyrate-calc",
        "domlaunchsecinfo",
        "domsetlaunchsecstate",
    ),
    "display": ("domdisplay", "ttyconsole", "vncdisplay"),
    "connect": ("connect",),
    "migrate": (
        "migrate",
        "migrate-setmaxdowntime",
        "migrate-getmaxdowntime",
        "migrate-compcache",
        "migrate-setspeed",
        "migrate-getspeed",
        "migrate-postcopy",
    ),
    "virsh": ("exit", "help", "quit"),
    "completion": ("complete", "completion"),
}
_MODULE_OF: dict[str, str] = {name: module for module, names in MODULES.items() for name in names}

_table: dict[str, Cmd] | None = None


def module_commands(module: str) -> list[Cmd]:
    """The commands declared by ``pyvirt.cli.commands.<module>`` (importing it)."""
    declared = __import__(f"pyvirt.cli.commands.{module}", fromlist=["COMMANDS"])
    commands: list[Cmd] = declared.COMMANDS
    return commands


def commands() -> dict[str, Cmd]:
    """All commands by name, in virsh's listing order within each group."""
    global _table
    if _table is None:
        _table = {cmd.name: cmd for module in MODULES for cmd in module_commands(module)}
    return _table


def lookup(name: str) -> Cmd | None:
    """The command called *name*, importing only the module that declares it."""
    module = _MODULE_OF.get(name)
    if module is None:
        return None
    for cmd in module_commands(module):
        if cmd.name == name:
            return cmd
    return None


#: Groups whose virsh table is not in name order: their commands in virsh's order.
_TABLE_ORDER: dict[str, tuple[str, ...]] = {
    "nodedev": MODULES["nodedevs"],
    # virsh-pool.c's and virsh-volume.c's tables ("-as" before the command it varies)
    "pool": (
        "find-storage-pool-sources-as", "find-storage-pool-sources", "pool-autostart",
        "pool-build", "pool-create-as", "pool-create", "pool-define-as", "pool-define",
        "pool-delete", "pool-destroy", "pool-dumpxml", "pool-edit", "pool-info", "pool-list",
        "pool-name", "pool-refresh", "pool-start", "pool-undefine", "pool-uuid", "pool-event",
        "pool-capabilities",
    ),
    "volume": (
        "vol-clone", "vol-create-as", "vol-create", "vol-create-from", "vol-delete",
        "vol-download", "vol-dumpxml", "vol-info", "vol-key", "vol-list", "vol-name", "vol-path",
        "vol-pool", "vol-resize", "vol-upload", "vol-wipe",
    ),
}  # fmt: skip

#: The few commands virsh's tables list out of alphabetical order: name -> the command it
#: follows (virsh lists ``emulatorpin`` right after ``vcpupin``, ``pool-event`` after
#: ``pool-uuid``, and ends its domain table with ``guestvcpus``, ``setvcpu`` and
#: ``domblkthreshold`` after ``vncdisplay``; chains follow each other).
LISTED_AFTER = {
    "emulatorpin": "vcpupin",
    "pool-event": "pool-uuid",
    "perf": "memtune",
    "guestvcpus": "vncdisplay",
    "setvcpu": "guestvcpus",
    "domblkthreshold": "setvcpu",
    "managedsave-edit": "managedsave-remove",
    "managedsave-dumpxml": "managedsave-edit",
    "managedsave-define": "managedsave-dumpxml",
    # guest commands (helper "guest"); a target need not be a pyvirsh command itself
    "domfsthaw": "domfsfreeze",
    "dompmsuspend": "domrename",
    "dompmwakeup": "dompmsuspend",
    "send-key": "iothreaddel",
    "send-process-signal": "send-key",
    "guest-agent-timeout": "qemu-agent-command",
    "set-user-password": "set-user-sshkeys",
    "guestinfo": "domblkthreshold",
    # domjobs helper (issue 10): virsh-domain.c's table order
    "domsetlaunchsecstate": "domlaunchsecinfo",
    "iothreadpin": "iothreadinfo",
    "iothreadadd": "iothreadpin",
    "iothreadset": "iothreadadd",
    "iothreaddel": "iothreadset",
    "lxc-enter-namespace": "send-process-signal",
    "migrate-setmaxdowntime": "migrate",
    "migrate-getmaxdowntime": "migrate-setmaxdowntime",
    "migrate-compcache": "migrate-getmaxdowntime",
    "migrate-setspeed": "migrate-compcache",
    "migrate-getspeed": "migrate-setspeed",
    "migrate-postcopy": "migrate-getspeed",
    "qemu-monitor-command": "qemu-attach",
    "qemu-monitor-event": "qemu-monitor-command",
    "qemu-agent-command": "qemu-monitor-event",
    "vncdisplay": "emulatorpin",
    "domdirtyrate-calc": "guestinfo",
    "dom-fd-associate": "domdirtyrate-calc",
    "connect": "quit",
}


#: virsh's table of network port commands, listed after the other network commands.
NET_PORT_ORDER = ("net-port-list", "net-port-create", "net-port-dumpxml", "net-port-delete")


def _listing_key(cmd: Cmd) -> tuple[bool, str, int]:
    """By name, but for :data:`LISTED_AFTER` (followed to the command listed in name order,
    one step further for each link); the nwfilter-binding-* commands come after all the
    nwfilter-* ones, and the net-port-* ones after the net-* ones in :data:`NET_PORT_ORDER`
    (virsh has a table of their own for each)."""
    if cmd.name in NET_PORT_ORDER:
        return (True, "", NET_PORT_ORDER.index(cmd.name))
    binding = cmd.name.startswith("nwfilter-binding-")
    name, steps = cmd.name, 0
    while name in LISTED_AFTER:
        name, steps = LISTED_AFTER[name], steps + 1
    return binding, name, steps


def group_commands(keyword: str) -> list[Cmd]:
    """A group's commands in virsh's order: by name, or as virsh's table lists them."""
    members = [c for c in commands().values() if c.group == keyword]
    order = _TABLE_ORDER.get(keyword)
    if order is not None:
        return sorted(members, key=lambda c: order.index(c.name))
    return sorted(members, key=_listing_key)
