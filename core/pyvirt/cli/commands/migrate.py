"""virsh's migration commands: ``migrate`` (every option of virsh 9.0, its checks in its
order, the typed parameters and flags it builds) and the tunables ``migrate-setmaxdowntime``,
``migrate-getmaxdowntime``, ``migrate-compcache``, ``migrate-setspeed``, ``migrate-getspeed``
and ``migrate-postcopy``.

As virsh does, ``migrate`` goes peer-to-peer or direct through virDomainMigrateToURI3 and
otherwise opens the destination itself and calls virDomainMigrate3.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import (
    dom_opt,
    domain,
    opt_int,
    opt_uint,
    read_file,
    require,
    string_req,
)
from pyvirt.cli.commands.volume_stream import _number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt import TypedParameter

#: migrate's boolean options and their VIR_MIGRATE_* flags, in virsh's order.
_FLAGS = (
    ("live", 1 << 0),
    ("p2p", 1 << 1),
    ("tunnelled", 1 << 2),
    ("persistent", 1 << 3),
    ("undefinesource", 1 << 4),
    ("suspend", 1 << 5),
    ("copy-storage-all", 1 << 6),
    ("copy-storage-inc", 1 << 7),
    ("change-protection", 1 << 8),
    ("unsafe", 1 << 9),
    ("offline", 1 << 10),
    ("compressed", 1 << 11),
    ("abort-on-error", 1 << 12),
    ("auto-converge", 1 << 13),
    ("rdma-pin-all", 1 << 14),
    ("postcopy", 1 << 15),
    ("tls", 1 << 16),
    ("parallel", 1 << 17),
    ("copy-storage-synchronous-writes", 1 << 18),
    ("postcopy-resume", 1 << 19),
    ("zerocopy", 1 << 20),
)
#: migrate's string options and the VIR_MIGRATE_PARAM_* they fill.
_STRINGS = (
    ("migrateuri", "migrate_uri"),
    ("graphicsuri", "graphics_uri"),
    ("listen-address", "listen_address"),
    ("disks-uri", "disks_uri"),
    ("dname", "destination_name"),
    ("tls-destination", "tls.destination"),
)
#: migrate's numeric options: option, parameter, typed-parameter kind ("int", "ullong").
_NUMBERS = (
    ("disks-port", "disks_port", "int"),
    ("comp-mt-level", "compression.mt.level", "int"),
    ("comp-mt-threads", "compression.mt.threads", "int"),
    ("comp-mt-dthreads", "compression.mt.dthreads", "int"),
    ("comp-xbzrle-cache", "compression.xbzrle.cache", "ullong"),
    ("auto-converge-initial", "auto_converge.initial", "int"),
    ("auto-converge-increment", "auto_converge.increment", "int"),
    ("postcopy-bandwidth", "bandwidth.postcopy", "ullong"),
    ("parallel-connections", "parallel.connections", "int"),
    ("bandwidth", "bandwidth", "ullong"),
)


def _xml_param(p: Parsed, option: str) -> str | None:
    path = string_req(p, option)
    if path is None:
        return None
    try:
        return read_file(path)
    except Failure as e:
        raise Failure(f"cannot read file '{path}'", *e.lines) from None


def _params(p: Parsed) -> list[TypedParameter]:
    """The typed parameters virsh's doMigrate builds from the options, in its order."""
    from pyvirt import TypedParameterType, typed_param

    string, out = TypedParameterType.STRING, []
    for option, field in _STRINGS:
        value = string_req(p, option)
        if value is not None:
            out.append(typed_param(field, string, value))
    for option, field, kind in _NUMBERS:
        if p.str(option) is None:
            continue
        if kind == "int":
            out.append(typed_param(field, TypedParameterType.INT, opt_int(p, option) or 0))
        else:
            number = _number(p, option, wrap=False)
            out.append(typed_param(field, TypedParameterType.ULLONG, number))
    for disk in (string_req(p, "migrate-disks") or "").split(","):
        if disk:
            out.append(typed_param("migrate_disks", string, disk))
    for method in (string_req(p, "comp-methods") or "").split(","):
        if method:
            out.append(typed_param("compression", string, method))
    for option, field in (("xml", "destination_xml"), ("persistent-xml", "persistent_xml")):
        xml = _xml_param(p, option)
        if xml is not None:
            out.append(typed_param(field, string, xml))
    return out


def cmd_migrate(ctl: Control, p: Parsed) -> bool:
    from pyvirt import open as open_connection

    for a, b in (("live", "offline"), ("timeout-suspend", "timeout-postcopy")):
        if p.bool(a) and p.bool(b):
            raise Failure(f"Options --{a} and --{b} are mutually exclusive")
    require(p, "postcopy", "postcopy-after-precopy")
    require(p, "postcopy", "timeout-postcopy")
    require(p, "persistent", "persistent-xml")
    require(p, "tls", "tls-destination")
    if opt_uint(p, "timeout") and not p.bool("live"):
        raise Failure("migrate: Unexpected timeout for offline migration")
    desturi = string_req(p, "desturi")
    assert desturi is not None  # a required option
    dom, _ = domain(ctl, p)
    params = _params(p)
    flags = sum(bit for option, bit in _FLAGS if p.bool(option))
    if p.bool("p2p") or p.bool("direct"):
        dom.migrate_to_uri3(desturi, params, flags)
        return True
    dconn = open_connection(desturi)
    try:
        dom.migrate3(dconn, params, flags)
    finally:
        dconn.close()
    return True


def cmd_migrate_setmaxdowntime(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    downtime = _number(p, "downtime", wrap=False)
    if downtime < 1:
        raise Failure("migrate: Invalid downtime")
    dom.migrate_set_max_downtime(downtime)
    return True


def cmd_migrate_getmaxdowntime(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    ctl.print(f"{dom.migrate_get_max_downtime()}\n")
    return True


def cmd_migrate_compcache(ctl: Control, p: Parsed) -> bool:
    from pyvirt.cli._format import pretty_size

    dom, _ = domain(ctl, p)
    if p.str("size") is not None:
        dom.migrate_set_compression_cache(_number(p, "size", wrap=False))
    value, unit = pretty_size(dom.migrate_get_compression_cache())
    ctl.print(f"Compression cache: {value:.3f} {unit}")  # (virsh: no newline of its own)
    return True


def cmd_migrate_setspeed(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    bandwidth = _number(p, "bandwidth", wrap=True)
    dom.migrate_set_max_speed(bandwidth, 1 if p.bool("postcopy") else 0)
    return True


def cmd_migrate_getspeed(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    ctl.print(f"{dom.migrate_get_max_speed(1 if p.bool('postcopy') else 0)}\n")
    return True


def cmd_migrate_postcopy(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    dom.migrate_start_post_copy()
    return True


def _migrate_options() -> tuple[Opt, ...]:
    b, s, i = T.BOOL, T.STRING, T.INT
    return (
        dom_opt(),
        Opt(
            "desturi",
            T.DATA,
            "connection URI of the destination host as seen from the client(normal "
            "migration) or source(p2p migration)",
            req=True,
        ),
        Opt("live", b, "live migration"),
        Opt("offline", b, "offline migration"),
        Opt("p2p", b, "peer-2-peer migration"),
        Opt("direct", b, "direct migration"),
        Opt("tunneled", T.ALIAS, "tunnelled"),
        Opt("tunnelled", b, "tunnelled migration"),
        Opt("persistent", b, "persist VM on destination"),
        Opt("undefinesource", b, "undefine VM on source"),
        Opt("suspend", b, "do not restart the domain on the destination host"),
        Opt("copy-storage-all", b, "migration with non-shared storage with full disk copy"),
        Opt(
            "copy-storage-inc",
            b,
            "migration with non-shared storage with incremental copy (same base image shared "
            "between source and destination)",
        ),
        Opt(
            "copy-storage-synchronous-writes",
            b,
            "force guest disk writes to be synchronously written to the destination to "
            "improve storage migration convergence",
        ),
        Opt("change-protection", b, "prevent any configuration changes to domain until migration ends"),
        Opt("unsafe", b, "force migration even if it may be unsafe"),
        Opt("verbose", b, "display the progress of migration"),
        Opt("compressed", b, "compress repeated pages during live migration"),
        Opt("auto-converge", b, "force convergence during live migration"),
        Opt("rdma-pin-all", b, "pin all memory before starting RDMA live migration"),
        Opt("abort-on-error", b, "abort on soft errors during migration"),
        Opt("postcopy", b, "enable post-copy migration; switch to it using migrate-postcopy command"),
        Opt(
            "postcopy-after-precopy",
            b,
            "automatically switch to post-copy migration after one pass of pre-copy",
        ),
        Opt("postcopy-resume", b, "resume failed post-copy migration"),
        Opt("zerocopy", b, "use zero-copy mechanism for migrating memory pages"),
        Opt("migrateuri", s, "migration URI, usually can be omitted", req_opt=True),
        Opt(
            "graphicsuri",
            s,
            "graphics URI to be used for seamless graphics migration",
            req_opt=True,
        ),
        Opt(
            "listen-address",
            s,
            "listen address that destination should bind to for incoming migration",
            req_opt=True,
        ),
        Opt("dname", s, "rename to new name during migration (if supported)", req_opt=True),
        Opt(
            "timeout",
            i,
            "run action specified by --timeout-* option (suspend by default) if live "
            "migration exceeds timeout (in seconds)",
            req_opt=True,
        ),
        Opt("timeout-suspend", b, "suspend the guest after timeout"),
        Opt("timeout-postcopy", b, "switch to post-copy after timeout"),
        Opt("xml", s, "filename containing updated XML for the target", req_opt=True),
        Opt("migrate-disks", s, "comma separated list of disks to be migrated", req_opt=True),
        Opt(
            "disks-port",
            i,
            "port to use by target server for incoming disks migration",
            req_opt=True,
        ),
        Opt(
            "disks-uri",
            s,
            "URI to use for disks migration (overrides --disks-port)",
            req_opt=True,
        ),
        Opt(
            "comp-methods",
            s,
            "comma separated list of compression methods to be used",
            req_opt=True,
        ),
        Opt("comp-mt-level", i, "compress level for multithread compression", req_opt=True),
        Opt(
            "comp-mt-threads",
            i,
            "number of compression threads for multithread compression",
            req_opt=True,
        ),
        Opt(
            "comp-mt-dthreads",
            i,
            "number of decompression threads for multithread compression",
            req_opt=True,
        ),
        Opt("comp-xbzrle-cache", i, "page cache size for xbzrle compression", req_opt=True),
        Opt(
            "auto-converge-initial",
            i,
            "initial CPU throttling rate for auto-convergence",
            req_opt=True,
        ),
        Opt(
            "auto-converge-increment",
            i,
            "CPU throttling rate increment for auto-convergence",
            req_opt=True,
        ),
        Opt(
            "persistent-xml",
            s,
            "filename containing updated persistent XML for the target",
            req_opt=True,
        ),
        Opt("tls", b, "use TLS for migration"),
        Opt(
            "postcopy-bandwidth",
            i,
            "post-copy migration bandwidth limit in MiB/s",
            req_opt=True,
        ),
        Opt("parallel", b, "enable parallel migration"),
        Opt(
            "parallel-connections",
            i,
            "number of connections for parallel migration",
            req_opt=True,
        ),
        Opt("bandwidth", i, "migration bandwidth limit in MiB/s", req_opt=True),
        Opt(
            "tls-destination",
            s,
            "override the destination host name used for TLS verification",
            req_opt=True,
        ),
    )


COMMANDS = [
    Cmd(
        "migrate",
        "domain",
        "migrate domain to another host",
        "Migrate domain to another host.  Add --live for live migration.",
        _migrate_options(),
        cmd_migrate,
    ),
    Cmd(
        "migrate-setmaxdowntime",
        "domain",
        "set maximum tolerable downtime",
        "Set maximum tolerable downtime of a domain which is being live-migrated to another "
        "host.",
        (
            dom_opt(),
            Opt(
                "downtime",
                T.INT,
                "maximum tolerable downtime (in milliseconds) for migration",
                req=True,
            ),
        ),
        cmd_migrate_setmaxdowntime,
    ),
    Cmd(
        "migrate-getmaxdowntime",
        "domain",
        "get maximum tolerable downtime",
        "Get maximum tolerable downtime of a domain which is being live-migrated to another "
        "host.",
        (dom_opt(),),
        cmd_migrate_getmaxdowntime,
    ),
    Cmd(
        "migrate-compcache",
        "domain",
        "get/set compression cache size",
        "Get/set size of the cache (in bytes) used for compressing repeatedly transferred "
        "memory pages during live migration.",
        (
            dom_opt(),
            Opt(
                "size",
                T.INT,
                "requested size of the cache (in bytes) used for compression",
                req_opt=True,
            ),
        ),
        cmd_migrate_compcache,
    ),
    Cmd(
        "migrate-setspeed",
        "domain",
        "Set the maximum migration bandwidth",
        "Set the maximum migration bandwidth (in MiB/s) for a domain which is being migrated "
        "to another host.",
        (
            dom_opt(),
            Opt("bandwidth", T.INT, "migration bandwidth limit in MiB/s", req=True),
            Opt("postcopy", T.BOOL, "set post-copy migration bandwidth"),
        ),
        cmd_migrate_setspeed,
    ),
    Cmd(
        "migrate-getspeed",
        "domain",
        "Get the maximum migration bandwidth",
        "Get the maximum migration bandwidth (in MiB/s) for a domain.",
        (dom_opt(), Opt("postcopy", T.BOOL, "get post-copy migration bandwidth")),
        cmd_migrate_getspeed,
    ),
    Cmd(
        "migrate-postcopy",
        "domain",
        "Switch running migration from pre-copy to post-copy",
        "Switch running migration from pre-copy to post-copy. The migration must have been "
        "started with --postcopy option.",
        (dom_opt(),),
        cmd_migrate_postcopy,
    ),
]
