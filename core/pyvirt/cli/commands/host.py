"""virsh's "Host and Hypervisor" commands: capabilities, hostname, nodeinfo, uri, version."""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import JSON_OPT, LIBVIRT_VERSION, emit_json


def _ver(v: int) -> str:
    return f"{v // 1000000}.{v // 1000 % 1000}.{v % 1000}"


def cmd_capabilities(ctl: Control, p: Parsed) -> bool:
    try:
        caps = ctl.conn.capabilities()
    except Exception as e:
        raise Failure("failed to get capabilities", cause=e) from None
    ctl.print(caps + "\n")
    return True


def cmd_hostname(ctl: Control, p: Parsed) -> bool:
    try:
        name = ctl.conn.hostname()
    except Exception as e:
        raise Failure("failed to get hostname", cause=e) from None
    ctl.print(name + "\n")
    return True


def cmd_uri(ctl: Control, p: Parsed) -> bool:
    try:
        uri = ctl.conn.uri
    except Exception as e:
        raise Failure("failed to get URI", cause=e) from None
    ctl.print(uri + "\n")
    return True


def cmd_nodeinfo(ctl: Control, p: Parsed) -> bool:
    try:
        info = ctl.conn.node_info()
    except Exception as e:
        raise Failure("failed to get node information", cause=e) from None
    if p.bool("json"):
        emit_json(
            ctl,
            {
                "cpu_model": info.model,
                "cpus": info.cpus,
                "mhz": info.mhz,
                "sockets": info.sockets,
                "cores_per_socket": info.cores,
                "threads_per_core": info.threads,
                "numa_cells": info.nodes,
                "memory_kib": info.memory,
            },
        )
        return True
    rows = [
        ("CPU model:", info.model),
        ("CPU(s):", info.cpus),
        ("CPU frequency:", f"{info.mhz} MHz"),
        ("CPU socket(s):", info.sockets),
        ("Core(s) per socket:", info.cores),
        ("Thread(s) per core:", info.threads),
        ("NUMA cell(s):", info.nodes),
        ("Memory size:", f"{info.memory} KiB"),
    ]
    ctl.print("".join(f"{k:<20} {v}\n" for k, v in rows))
    return True


def cmd_version(ctl: Control, p: Parsed) -> bool:
    conn = ctl.conn
    hv_type = conn.get_type()
    try:
        hv_version = conn.version()
    except Exception as e:
        raise Failure("failed to get the hypervisor version", cause=e) from None
    daemon = None
    if p.bool("daemon"):
        try:
            daemon = conn.lib_version()
        except Exception as e:
            raise Failure("failed to get the daemon version", cause=e) from None
    if p.bool("json"):
        data = {
            "library_version": _ver(LIBVIRT_VERSION),
            "library_version_code": LIBVIRT_VERSION,
            "hypervisor_type": hv_type,
            "hypervisor_version": _ver(hv_version) if hv_version else None,
            "hypervisor_version_code": hv_version,
        }
        if daemon is not None:
            data.update(daemon_version=_ver(daemon), daemon_version_code=daemon)
        emit_json(ctl, data)
        return True
    out = [
        f"Compiled against library: libvirt {_ver(LIBVIRT_VERSION)}\n",
        f"Using library: libvirt {_ver(LIBVIRT_VERSION)}\n",
        f"Using API: {hv_type} {_ver(LIBVIRT_VERSION)}\n",
        f"Cannot extract running {hv_type} hypervisor version\n"
        if hv_version == 0
        else f"Running hypervisor: {hv_type} {_ver(hv_version)}\n",
    ]
    if daemon is not None:
        out.append(f"Running against daemon: {_ver(daemon)}\n")
    ctl.print("".join(out))
    return True


COMMANDS = [
    Cmd(
        "capabilities",
        "host",
        "capabilities",
        "Returns capabilities of hypervisor/driver.",
        (),
        cmd_capabilities,
    ),
    Cmd("hostname", "host", "print the hypervisor hostname", None, (), cmd_hostname),
    Cmd(
        "nodeinfo",
        "host",
        "node information",
        "Returns basic information about the node.",
        (JSON_OPT,),
        cmd_nodeinfo,
    ),
    Cmd("uri", "host", "print the hypervisor canonical URI", None, (), cmd_uri),
    Cmd(
        "version",
        "host",
        "show version",
        "Display the system version information.",
        (Opt("daemon", T.BOOL, "report daemon version too"), JSON_OPT),
        cmd_version,
    ),
]
