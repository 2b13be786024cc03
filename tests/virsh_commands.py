"""virsh 9.0's commands as data: which exist, how each is tried most cheaply on
``test:///default``, whether that works there, and which pyvirsh has not built yet.

The data lives in ``tests/data/virsh_commands.toml``; ``tests/test_virsh_command_list.py``
keeps it true (every command listed, every built one in pyvirsh and named by a comparison
test, every pending one absent).  This module reads it, and writes it again from the real
virsh::

    .venv/bin/python tests/virsh_commands.py --write

which runs each command's probe with ``virsh -c test:///default`` in a scratch directory
holding the files the probes name, and records its exit status and first error line.  A
command's ``pending`` reason is kept from the old file; a command pyvirsh has gained loses it,
one it lacks gets "not built yet".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "virsh_commands.toml"

#: Files the probes name, written into the scratch directory they run in.
SCRATCH = {
    "d2.xml": "<domain type='test'><name>d2</name><memory>8192</memory>"
    "<os><type>hvm</type></os></domain>",
    "n2.xml": "<network><name>n2</name><bridge name='virbr2'/></network>",
    "p2.xml": "<pool type='dir'><name>p2</name><target><path>/p2</path></target></pool>",
    "v2.xml": "<volume><name>v2</name><capacity>1024</capacity></volume>",
    "i2.xml": "<interface type='ethernet' name='eth2'/>",
    "s.xml": "<secret ephemeral='no' private='no'><usage type='volume'><volume>/x</volume>"
    "</usage></secret>",
    "f.xml": "<filter name='f1' chain='root'><rule action='accept' direction='in'><all/></rule>"
    "</filter>",
    "b.xml": "<filterbinding><owner><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f"
    "</uuid></owner><portdev name='vnet0'/><mac address='52:54:00:00:00:01'/>"
    "<filterref filter='f1'/></filterbinding>",
    "vhba.xml": "<device><parent>scsi_host1</parent><capability type='scsi_host'><capability "
    "type='fc_host'><wwnn>2000000012341111</wwnn><wwpn>1000000012341111</wwpn></capability>"
    "</capability></device>",
    "disk.xml": "<disk type='file' device='disk'><source file='/tmp/x.img'/>"
    "<target dev='vdb' bus='virtio'/></disk>",
    "port.xml": "<networkport><uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid><owner>"
    "<name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></owner>"
    "<mac address='52:54:00:73:7e:18'/><plug type='network' bridge='virbr0'/></networkport>",
    "cpu.xml": "<cpu><arch>x86_64</arch><model>qemu64</model></cpu>",
    "chk.xml": "<domaincheckpoint><name>c1</name></domaincheckpoint>",
    "backup.xml": "<domainbackup/>",
    "snap.xml": "<domainsnapshot><name>s2</name></domainsnapshot>",
    "upload.bin": "data",
    "argv.txt": "qemu-system-x86_64 -m 64",
}

#: The cheapest invocation worth trying for commands the defaults do not fit: arguments after
#: the command's name, possibly preceded by setup commands ("SETUP; ") run in the same virsh.
PROBES: dict[str, str] = {
    "attach-device": "test disk.xml",
    "attach-disk": "test /tmp/x.img vdb",
    "attach-interface": "test network default",
    "blkdeviotune": "test vda",
    "blockcommit": "test vda",
    "blockcopy": "test vda /tmp/copy.img",
    "blockjob": "test vda",
    "blockpull": "test vda",
    "blockresize": "test vda 1M",
    "change-media": "test hdc /tmp/x.iso",
    "console": "test",
    "cpu-stats": "test",
    "create": "d2.xml",
    "define": "d2.xml",
    "detach-device": "test disk.xml",
    "detach-device-alias": "test ua-disk",
    "detach-disk": "test vda",
    "detach-interface": "test network",
    "domif-setlink": "test testnet0 down",
    "domiftune": "test testnet0",
    "domjobabort": "test",
    "dump": "test probe.dump",
    "emulatorpin": "test",
    "guest-agent-timeout": "test",
    "guestvcpus": "test",
    "inject-nmi": "test",
    "iothreadadd": "test 5",
    "iothreaddel": "iothreadadd test 2; iothreaddel test 2",
    "iothreadpin": "iothreadadd test 2; iothreadpin test 2 0",
    "iothreadset": "iothreadadd test 2; iothreadset test 2 --poll-max-ns 100",
    "managedsave-define": "managedsave test; managedsave-define test d2.xml",
    "managedsave-dumpxml": "managedsave test; managedsave-dumpxml test",
    "managedsave-edit": "test",
    "managedsave-remove": "managedsave test; managedsave-remove test",
    "memtune": "test",
    "metadata": "test --uri http://example.org/ --key k --set '<a/>'",
    "domname": "1",
    "dompmsuspend": "test mem",
    "domxml-from-native": "qemu-argv argv.txt",
    "domxml-to-native": "qemu-argv --domain test",
    "domblkthreshold": "test vda 1M",
    "dom-fd-associate": "test n 0",
    "qemu-monitor-command": "test '{\"execute\":\"query-status\"}'",
    "qemu-agent-command": "test '{\"execute\":\"guest-ping\"}'",
    "lxc-enter-namespace": "test --noseclabel /bin/true",
    "migrate": "test test:///default",
    "migrate-compcache": "test",
    "migrate-getmaxdowntime": "test",
    "migrate-getspeed": "test",
    "migrate-postcopy": "test",
    "migrate-setmaxdowntime": "test 100",
    "migrate-setspeed": "test 100",
    "perf": "test",
    "reboot": "test",
    "restore": "save test probe.save; restore probe.save",
    "resume": "suspend test; resume test",
    "save": "test probe.save",
    "save-image-define": "save test probe.save; save-image-define "
    "probe.save d2.xml",
    "save-image-dumpxml": "save test probe.save; save-image-dumpxml "
    "probe.save",
    "save-image-edit": "save test probe.save; save-image-edit probe.save",
    "schedinfo": "test",
    "screenshot": "test probe.png",
    "send-key": "test KEY_A",
    "send-process-signal": "test 1 0",
    "set-lifecycle-action": "test poweroff destroy --config",
    "set-user-password": "test root secret",
    "set-user-sshkeys": "test root --file upload.bin",
    "setmaxmem": "test 1048576 --config",
    "setmem": "test 1000",
    "setvcpu": "test 1 --disable --config",
    "setvcpus": "test 1",
    "start": "destroy test; start test",
    "undefine": "test",
    "update-device": "test disk.xml",
    "update-memory-device": "test",
    "vcpupin": "test",
    "domrename": "destroy test; domrename test renamed",
    "domblkinfo": "test --all",
    "domblkstat": "test vda",
    "domifstat": "test testnet0",
    "domif-getlink": "test testnet0",
    "domstats": "",
    "list": "--all",
    "domdirtyrate-calc": "test",
    "dommemstat": "test",
    "event": "--list",
    "allocpages": "4 1",
    "cpu-baseline": "cpu.xml",
    "cpu-compare": "cpu.xml",
    "cpu-models": "x86_64",
    "freepages": "--all",
    "hypervisor-cpu-baseline": "cpu.xml",
    "hypervisor-cpu-compare": "cpu.xml",
    "nodesuspend": "mem 60",
    "node-memory-tune": "",
    "checkpoint-create": "test chk.xml",
    "checkpoint-create-as": "test c1",
    "checkpoint-delete": "checkpoint-create-as test c1; checkpoint-delete test c1",
    "checkpoint-dumpxml": "checkpoint-create-as test c1; checkpoint-dumpxml test c1",
    "checkpoint-edit": "checkpoint-create-as test c1; checkpoint-edit test c1",
    "checkpoint-info": "checkpoint-create-as test c1; checkpoint-info test c1",
    "checkpoint-list": "test",
    "checkpoint-parent": "checkpoint-create-as test c1; checkpoint-create-as test c2; "
    "checkpoint-parent test c2",
    "iface-bridge": "eth1 br0",
    "iface-define": "i2.xml",
    "iface-commit": "iface-begin; iface-commit",
    "iface-rollback": "iface-begin; iface-rollback",
    "iface-start": "iface-define i2.xml; iface-start eth2",
    "iface-name": "aa:bb:cc:dd:ee:ff",
    "iface-unbridge": "br0",
    "nwfilter-define": "f.xml",
    "nwfilter-binding-create": "b.xml",
    "nwfilter-binding-delete": "vnet0",
    "nwfilter-binding-dumpxml": "vnet0",
    "nwfilter-dumpxml": "f1",
    "nwfilter-edit": "f1",
    "nwfilter-undefine": "f1",
    "net-create": "n2.xml",
    "net-define": "n2.xml",
    "net-event": "--list",
    "pool-event": "--list",
    "net-name": "dd8fe884-6c02-601e-7551-cca97df1c5df",
    "net-port-create": "default port.xml",
    "net-port-delete": "default 5d744f21-ba4a-4d6e-bdb2-30a35ff3207d",
    "net-port-dumpxml": "default 5d744f21-ba4a-4d6e-bdb2-30a35ff3207d",
    "net-start": "net-destroy default; net-start default",
    "net-undefine": "net-destroy default; net-undefine default",
    "net-update": "default add ip-dhcp-host \"<host mac='52:54:00:00:00:01' name='h1' "
    "ip='192.168.122.10'/>\"",
    "nodedev-create": "vhba.xml",
    "nodedev-define": "vhba.xml",
    "nodedev-destroy": "nodedev-create vhba.xml; nodedev-destroy scsi_host12",
    "nodedev-event": "--list",
    "nodedev-info": "scsi_host11",
    "secret-define": "s.xml",
    "secret-dumpxml": "6695eb01-f6a4-8304-79aa-97f2502e193f",
    "secret-event": "--list",
    "secret-get-value": "6695eb01-f6a4-8304-79aa-97f2502e193f",
    "secret-set-value": "6695eb01-f6a4-8304-79aa-97f2502e193f --base64 aGVsbG8=",
    "secret-undefine": "6695eb01-f6a4-8304-79aa-97f2502e193f",
    "snapshot-create": "test",
    "snapshot-create-as": "test s1",
    "snapshot-current": "snapshot-create-as test s1; snapshot-current test",
    "snapshot-delete": "snapshot-create-as test s1; snapshot-delete test s1",
    "snapshot-dumpxml": "snapshot-create-as test s1; snapshot-dumpxml test s1",
    "snapshot-edit": "snapshot-create-as test s1; snapshot-edit test s1",
    "snapshot-info": "snapshot-create-as test s1; snapshot-info test s1",
    "snapshot-list": "test",
    "snapshot-parent": "snapshot-create-as test s1; snapshot-create-as test s2; "
    "snapshot-parent test s2",
    "snapshot-revert": "snapshot-create-as test s1; snapshot-revert test s1",
    "backup-begin": "test",
    "backup-dumpxml": "test",
    "find-storage-pool-sources": "logical",
    "find-storage-pool-sources-as": "logical",
    "pool-build": "pool-destroy default-pool; pool-build default-pool",
    "pool-create": "p2.xml",
    "pool-create-as": "p3 dir --target /p3",
    "pool-define": "p2.xml",
    "pool-define-as": "p3 dir --target /p3",
    "pool-delete": "pool-destroy default-pool; pool-delete default-pool",
    "pool-name": "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
    "pool-start": "pool-destroy default-pool; pool-start default-pool",
    "pool-undefine": "pool-destroy default-pool; pool-undefine default-pool",
    "vol-clone": "vol-create-as default-pool v1 1M; vol-clone v1 v3 --pool default-pool",
    "vol-create": "default-pool v2.xml",
    "vol-create-as": "default-pool v1 1M",
    "vol-create-from": "vol-create-as default-pool v1 1M; vol-create-from default-pool v2.xml v1 "
    "--inputpool default-pool",
    "vol-delete": "vol-create-as default-pool v1 1M; vol-delete v1 --pool default-pool",
    "vol-download": "vol-create-as default-pool v1 1M; vol-download v1 probe.out "
    "--pool default-pool",
    "vol-dumpxml": "vol-create-as default-pool v1 1M; vol-dumpxml v1 --pool default-pool",
    "vol-info": "vol-create-as default-pool v1 1M; vol-info v1 --pool default-pool",
    "vol-key": "vol-create-as default-pool v1 1M; vol-key v1 --pool default-pool",
    "vol-list": "default-pool",
    "vol-name": "vol-create-as default-pool v1 1M; vol-name /default-pool/v1",
    "vol-path": "vol-create-as default-pool v1 1M; vol-path v1 --pool default-pool",
    "vol-pool": "vol-create-as default-pool v1 1M; vol-pool /default-pool/v1",
    "vol-resize": "vol-create-as default-pool v1 1M; vol-resize v1 2M --pool default-pool",
    "vol-upload": "vol-create-as default-pool v1 1M; vol-upload v1 upload.bin "
    "--pool default-pool",
    "vol-wipe": "vol-create-as default-pool v1 1M; vol-wipe v1 --pool default-pool",
    "cd": ".",
    "echo": "hello",
    "help": "list",
    "connect": "test:///default",
}

#: Built commands whose output holds numbers that change from run to run (statistics made up
#: from the clock, creation times): their probes are compared with digits blanked out.
VOLATILE = {
    "domblkstat": "statistics made up from the clock",
    "domifstat": "statistics made up from the clock",
    "snapshot-create": "the snapshot's creation time",
    "snapshot-create-as": "the snapshot's creation time",
    "snapshot-current": "the snapshot's creation time",
    "snapshot-dumpxml": "the snapshot's creation time",
    "snapshot-info": "the snapshot's creation time",
    "snapshot-list": "the snapshot's creation time",
    "checkpoint-create": "the checkpoint's creation time",
    "checkpoint-create-as": "the checkpoint's creation time",
    "checkpoint-dumpxml": "the checkpoint's creation time",
    "checkpoint-info": "the checkpoint's creation time",
    "checkpoint-list": "the checkpoint's creation time",
    "checkpoint-edit": "the checkpoint's creation time",
    "checkpoint-parent": "the checkpoint's creation time",
}
#: Built commands whose probe pyvirsh does not answer as virsh yet: the comparison must still
#: differ (it fails once fixed, so the entry goes).
KNOWN_DIFFERENCES = {
}

#: Values for a required positional option, by the option's name (virsh's synopsis <name>).
_DEFAULTS = {
    "domain": "test", "network": "default", "pool": "default-pool", "interface": "eth1",
    "device": "scsi_host1", "nwfilter": "f1", "secret": "6695eb01-f6a4-8304-79aa-97f2502e193f",
    "binding": "vnet0",
}  # fmt: skip


def load() -> list[dict[str, object]]:
    """The committed entries: name, group, probe, works, why (when it does not), pending
    (when pyvirsh has not built it yet), volatile (output that changes between runs) and
    differs (a known difference of pyvirsh's answer)."""
    with DATA.open("rb") as f:
        return list(tomllib.load(f)["command"])


def _virsh_commands() -> list[tuple[str, str]]:
    """(group title, command) in virsh's ``help`` order."""
    out = subprocess.run(["virsh", "help"], capture_output=True, text=True, check=True).stdout
    found, group = [], ""
    for line in out.splitlines():
        heading = re.match(r"^ (.*) \(help keyword '", line)
        if heading:
            group = heading.group(1)
        elif re.match(r"^    [a-z]", line):
            found.append((group, line.split()[0]))
    return found


def _probe(name: str) -> str:
    if name in PROBES:
        args = PROBES[name]
        return args if ";" in args else f"{name} {args}".strip()
    synopsis = subprocess.run(["virsh", "help", name], capture_output=True, text=True).stdout
    line = synopsis.split("SYNOPSIS\n", 1)[1].splitlines()[0].split() if "SYNOPSIS" in synopsis else []
    words = [_DEFAULTS.get(w[1:-1], w[1:-1]) for w in line[1:] if re.fullmatch(r"<[\w-]+>", w)]
    return " ".join([name, *words])


def _run(probe: str, cwd: str) -> tuple[bool, str]:
    """Run *probe*; up to six tries, as virsh's managedsave on test:///default hangs at random
    (see tests/test_cli_managed_save.py)."""
    env = {**os.environ, "VISUAL": "true", "EDITOR": "true", "LC_ALL": "C"}
    for _ in range(6):
        try:
            done = subprocess.run(["virsh", "-c", "test:///default", probe], capture_output=True,
                                  text=True, cwd=cwd, timeout=10, stdin=subprocess.DEVNULL,
                                  env=env)  # fmt: skip
            break
        except subprocess.TimeoutExpired:
            pass
    else:
        return False, "timed out"
    errors = [ln[len("error: "):] for ln in done.stderr.splitlines() if ln.startswith("error: ")]
    return done.returncode == 0, errors[-1] if errors else ""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write() -> None:
    sys.path.insert(0, str(DATA.parents[2] / "core"))
    from pyvirt.cli._registry import commands

    ours = set(commands())
    old = {str(e["name"]): e for e in load()} if DATA.exists() else {}
    lines = [
        "# virsh 9.0's commands (`virsh help`), each with the cheapest invocation tried on",
        "# test:///default (`probe`: setup commands first when it needs some), whether that",
        "# works there (`works`, exit status 0; `why`: virsh's last error when not) and, for",
        "# those pyvirsh has not built, `pending` with the reason.  Written by",
        "# `python tests/virsh_commands.py --write`; tests/test_virsh_command_list.py keeps it true.",
        "",
    ]
    with tempfile.TemporaryDirectory() as scratch:
        for file, text in SCRATCH.items():
            Path(scratch, file).write_text(text)
        for group, name in _virsh_commands():
            probe = _probe(name)
            # (edit commands run an "editor" that changes nothing; a console without a
            # terminal refuses at once)
            works, why = _run(probe, scratch)
            lines += ["[[command]]", f"name = {_quote(name)}", f"group = {_quote(group)}",
                      f"probe = {_quote(probe)}", f"works = {'true' if works else 'false'}"]  # fmt: skip
            if not works:
                lines.append(f"why = {_quote(why)}")
            if name in VOLATILE:
                lines.append(f"volatile = {_quote(VOLATILE[name])}")
            if name in KNOWN_DIFFERENCES:
                lines.append(f"differs = {_quote(KNOWN_DIFFERENCES[name])}")
            if name not in ours:
                reason = old.get(name, {}).get("pending") or "not built yet"
                lines.append(f"pending = {_quote(str(reason))}")
            lines.append("")
    DATA.write_text("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    write()
