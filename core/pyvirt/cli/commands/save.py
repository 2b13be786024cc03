"""virsh's managed-save commands: ``managedsave`` and ``managedsave-remove``.

A managed save stops a running domain with its state kept by the hypervisor; the next
``start`` resumes from it.  Messages, options and errors are virsh 9.0's.
"""

from __future__ import annotations

from pyvirt._enums import DomainSaveRestoreFlags
from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import dom_opt, domain, flag_bits

_SAVE_FLAGS = {
    "bypass-cache": DomainSaveRestoreFlags.BYPASS_CACHE,
    "running": DomainSaveRestoreFlags.RUNNING,
    "paused": DomainSaveRestoreFlags.PAUSED,
}


def cmd_managedsave(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    try:
        dom.managed_save(flag_bits(p, _SAVE_FLAGS))
    except Exception as e:
        raise Failure(f"Failed to save domain '{name}' state", cause=e) from None
    if p.bool("verbose"):
        # virsh watches the save job and reports its progress on stderr; the save is over
        # when the call returns, so the report is its last line.
        ctl.err.write("\rManagedsave: [100 %]")
        ctl.err.flush()
    ctl.print_extra(f"\nDomain '{name}' state saved by libvirt\n")
    return True


def cmd_managedsave_remove(ctl: Control, p: Parsed) -> bool:
    dom, name = domain(ctl, p)
    try:
        has_image = dom.has_managed_save()
    except Exception as e:
        raise Failure("Failed to check for domain managed save image", cause=e) from None
    if not has_image:
        # virsh's messages here end without a newline: only the one after each command follows.
        ctl.print_extra(f"Domain '{name}' has no manage save image; removal skipped")
        return True
    try:
        dom.managed_save_remove()
    except Exception as e:
        raise Failure(f"Failed to remove managed save image for domain '{name}'", cause=e) from None
    ctl.print_extra(f"Removed managedsave image for domain '{name}'")
    return True


COMMANDS = [
    Cmd(
        "managedsave",
        "domain",
        "managed save of a domain state",
        "Save and destroy a running domain, so it can be restarted from\n"
        "    the same state at a later time.  When the virsh 'start'\n"
        "    command is next run for the domain, it will automatically\n"
        "    be started from this saved state.",
        (
            dom_opt(),
            Opt("bypass-cache", T.BOOL, "avoid file system cache when saving"),
            Opt("running", T.BOOL, "set domain to be running on next start"),
            Opt("paused", T.BOOL, "set domain to be paused on next start"),
            Opt("verbose", T.BOOL, "display the progress of save"),
        ),
        cmd_managedsave,
    ),
    Cmd(
        "managedsave-remove",
        "domain",
        "Remove managed save of a domain",
        "Remove an existing managed save state file from a domain",
        (dom_opt(),),
        cmd_managedsave_remove,
    ),
]
