"""virsh's "Domain Monitoring" commands: list, dominfo, domstate (each also with ``--json``)."""

from __future__ import annotations

from pyvirt.cli._control import DEBUG, Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli._table import render
from pyvirt.cli.commands._common import JSON_OPT, dom_opt, domain, emit_json, yes_no

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_B = T.BOOL

STATES = (
    "no state",
    "running",
    "idle",
    "paused",
    "in shutdown",
    "shut off",
    "crashed",
    "pmsuspended",
)
REASONS: dict[int, tuple[str, ...]] = {
    0: ("unknown",),
    1: (
        "unknown",
        "booted",
        "migrated",
        "restored",
        "from snapshot",
        "unpaused",
        "migration canceled",
        "save canceled",
        "event wakeup",
        "crashed",
        "post-copy",
        "post-copy failed",
    ),
    2: ("unknown",),
    3: (
        "unknown",
        "user",
        "migrating",
        "saving",
        "dumping",
        "I/O error",
        "watchdog",
        "from snapshot",
        "shutting down",
        "creating snapshot",
        "crashed",
        "starting up",
        "post-copy",
        "post-copy failed",
        "api error",
    ),
    4: ("unknown", "user"),
    5: (
        "unknown",
        "shutdown",
        "destroyed",
        "crashed",
        "migrated",
        "saved",
        "failed",
        "from snapshot",
        "daemon",
    ),
    6: ("unknown", "panicked"),
    7: ("unknown",),
}


def state_text(state: int) -> str:
    return STATES[state] if 0 <= state < len(STATES) else "no state"


def reason_text(state: int, reason: int) -> str:
    names = REASONS.get(state, ())
    return names[reason] if 0 <= reason < len(names) else "unknown"


# -- list ---------------------------------------------------------------------------------
_FILTERS = (
    ("persistent", 4),
    ("transient", 8),
    ("with-managed-save", 256),
    ("without-managed-save", 512),
    ("autostart", 1024),
    ("no-autostart", 2048),
    ("with-snapshot", 4096),
    ("without-snapshot", 8192),
    ("with-checkpoint", 16384),
    ("without-checkpoint", 32768),
    ("state-running", 16),
    ("state-paused", 32),
    ("state-shutoff", 64),
    ("state-other", 128),
)


def _sort_key(dom: Any) -> tuple[int, int, str]:
    """virshDomainSorter: active domains by id, then inactive ones by name (ignoring case)."""
    listed = dom.record or dom.ref  # (a listed handle keeps its record)
    dom_id = listed.id
    return (0, dom_id, "") if dom_id >= 0 else (1, 0, listed.name.lower())


def _title(dom: Any) -> str:
    from lxml import etree

    doc = etree.fromstring(dom.xml_desc(0).encode())
    return str(doc.xpath("string(./title[1])"))


def cmd_list(ctl: Control, p: Parsed) -> bool:
    flags = 1
    if p.bool("inactive") or p.bool("state-shutoff"):
        flags = 2
    if p.bool("all"):
        flags = 3
    for name, bit in _FILTERS:
        if p.bool(name):
            flags |= bit
    for other in ("name", "uuid", "id"):
        if p.bool("table") and p.bool(other):
            raise Failure(f"Options --table and --{other} are mutually exclusive")
    opt_uuid, opt_name, opt_id = p.bool("uuid"), p.bool("name"), p.bool("id")
    table = p.bool("table") or not (opt_uuid or opt_name or opt_id)
    doms = ctl.conn.list_domains(flags)
    # virshDomainSorter's order, keyed on the listed records (a handle's properties cost
    # more, and a listing sorts thousands): active by id, then inactive by name, ignoring case.
    doms.sort(key=_sort_key)
    if p.bool("json"):
        emit_json(ctl, [_domain_json(d) for d in doms])
        return True
    rows: list[list[str]] = []  # the table's
    lines: list[str] = []  # or the lines of --uuid/--name/--id, printed in one write
    mark_saved, with_title = p.bool("managed-save"), p.bool("title")
    for dom in doms:
        rec = dom.record
        dom_id = rec.id if rec is not None else dom.id
        id_text = str(dom_id) if dom_id >= 0 else "-"
        if table:
            state = int(rec.state) if rec is not None else int(dom.state()[0])
            text = state_text(state)
            if mark_saved and state == 5:  # asked only for shut-off domains, as virsh does
                managed = rec.managed_save if rec is not None else dom.has_managed_save()
                text = "saved" if managed else text
            row = [id_text, rec.name if rec is not None else dom.name, text]
            if with_title:
                row.append(_title(dom))
            rows.append(row)
            continue
        parts = []
        if opt_uuid:
            parts.append(dom.uuid)
        if opt_id:
            if dom_id < 0 and not opt_uuid and not opt_name:
                continue
            parts.append(id_text)
        if opt_name:
            parts.append(dom.name)
        lines.append(" ".join(parts) + "\n")
    if table:
        header = ["Id", "Name", "State"]
        if with_title:
            header.append("Title")
        ctl.print(render(header, rows, with_header=not ctl.quiet))
    elif lines:
        ctl.print("".join(lines))
    return True


def _domain_json(dom: Any) -> dict[str, Any]:
    rec = dom.record
    if rec is not None:
        state, reason = int(rec.state), int(rec.reason)
        persistent, autostart, managed = rec.persistent, rec.autostart, rec.managed_save
    else:
        s, r = dom.state()
        state, reason = int(s), int(r)
        persistent, autostart = dom.is_persistent(), dom.autostart
        managed = dom.has_managed_save()
    return {
        "id": dom.id if dom.id >= 0 else None,
        "name": dom.name,
        "uuid": dom.uuid,
        "state": state_text(state),
        "state_code": state,
        "reason": reason_text(state, reason),
        "reason_code": reason,
        "persistent": persistent,
        "autostart": autostart,
        "managed_save": managed,
    }


# -- dominfo --------------------------------------------------------------------------------
def cmd_dominfo(ctl: Control, p: Parsed) -> bool:
    from pyvirt import ErrorCode, VirtError

    dom, _ = domain(ctl, p)
    data: dict[str, Any] = {
        "id": dom.id if dom.id >= 0 else None,
        "name": dom.name,
        "uuid": dom.uuid,
    }
    lines = [("Id:", str(dom.id) if dom.id >= 0 else "-"), ("Name:", dom.name), ("UUID:", dom.uuid)]
    ok = True
    try:
        data["os_type"] = dom.os_type()
        lines.append(("OS Type:", data["os_type"]))
    except VirtError:
        pass
    try:
        info = dom.info()
    except VirtError as e:
        ok, error = False, e
    else:
        state = int(info.state)
        data.update(
            state=state_text(state),
            state_code=state,
            vcpus=info.nr_virt_cpu,
            cpu_time_ns=info.cpu_time,
            max_memory_kib=info.max_memory,
            memory_kib=info.memory,
        )
        lines.append(("State:", state_text(state)))
        lines.append(("CPU(s):", str(info.nr_virt_cpu)))
        if info.cpu_time:
            lines.append(("CPU time:", f"{info.cpu_time / 1e9:.1f}s"))
        max_mem = "no limit" if info.max_memory == 2**32 - 1 else f"{info.max_memory} KiB"
        lines.append(("Max memory:", max_mem))
        lines.append(("Used memory:", f"{info.memory} KiB"))
    for label, key, fetch, fmt in (
        ("Persistent:", "persistent", dom.is_persistent, yes_no),
        ("Autostart:", "autostart", lambda: dom.autostart, lambda v: "enable" if v else "disable"),
        ("Managed save:", "managed_save", dom.has_managed_save, yes_no),
    ):
        try:
            value = fetch()
        except VirtError:
            if key != "autostart":
                lines.append((label, "unknown"))
            continue
        data[key] = value
        if key == "persistent" and ctl.debug == DEBUG and not p.bool("json"):
            # virsh prints as it goes, so its debug line falls inside the output
            ctl.print("".join(f"{k:<15} {v}\n" for k, v in lines))
            lines = []
            ctl.log(DEBUG, f"Domain persistent flag value: {int(value)}")
        lines.append((label, fmt(value)))
    try:
        model = ctl.conn.security_model()
    except VirtError as e:
        if e.code != ErrorCode.NO_SUPPORT:
            raise
    else:
        if model.model:
            data.update(security_model=model.model, security_doi=model.doi)
            lines += [("Security model:", model.model), ("Security DOI:", model.doi)]
            seclabel = dom.security_label()
            if seclabel.label:
                data.update(security_label=seclabel.label, security_enforcing=seclabel.enforcing)
                mode = "enforcing" if seclabel.enforcing else "permissive"
                lines.append(("Security label:", f"{seclabel.label} ({mode})"))
    if p.bool("json"):
        if not ok:
            raise error
        emit_json(ctl, data)
        return True
    ctl.print("".join(f"{k:<15} {v}\n" for k, v in lines))
    if not ok:
        raise error
    return True


def cmd_domstate(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    s, r = dom.state()
    state, reason = int(s), int(r)
    if p.bool("json"):
        emit_json(
            ctl,
            {
                "state": state_text(state),
                "state_code": state,
                "reason": reason_text(state, reason),
                "reason_code": reason,
            },
        )
    elif p.bool("reason"):
        ctl.print(f"{state_text(state)} ({reason_text(state, reason)})\n")
    else:
        ctl.print(f"{state_text(state)}\n")
    return True


_LIST_OPTS = (
    ("inactive", "list inactive domains"),
    ("all", "list inactive & active domains"),
    ("transient", "list transient domains"),
    ("persistent", "list persistent domains"),
    ("with-snapshot", "list domains with existing snapshot"),
    ("without-snapshot", "list domains without a snapshot"),
    ("with-checkpoint", "list domains with existing checkpoint"),
    ("without-checkpoint", "list domains without a checkpoint"),
    ("state-running", "list domains in running state"),
    ("state-paused", "list domains in paused state"),
    ("state-shutoff", "list domains in shutoff state"),
    ("state-other", "list domains in other states"),
    ("autostart", "list domains with autostart enabled"),
    ("no-autostart", "list domains with autostart disabled"),
    ("with-managed-save", "list domains with managed save state"),
    ("without-managed-save", "list domains without managed save"),
    ("uuid", "list uuid's only"),
    ("name", "list domain names only"),
    ("id", "list domain IDs only"),
    ("table", "list table (default)"),
    ("managed-save", "mark inactive domains with managed save state"),
    ("title", "show domain title"),
)

COMMANDS = [
    Cmd(
        "dominfo",
        "monitor",
        "domain information",
        "Returns basic information about the domain.",
        (dom_opt(), JSON_OPT),
        cmd_dominfo,
    ),
    Cmd(
        "domstate",
        "monitor",
        "domain state",
        "Returns state about a domain.",
        (dom_opt(), Opt("reason", _B, "also print reason for the state"), JSON_OPT),
        cmd_domstate,
    ),
    Cmd(
        "list",
        "monitor",
        "list domains",
        "Returns list of domains.",
        (*(Opt(n, _B, h) for n, h in _LIST_OPTS), JSON_OPT),
        cmd_list,
    ),
]
