"""mkdocs hook: fill the generated sections of the docs from the code they describe.

A page holds ``<!-- generated: NAME -->``; :data:`GENERATORS` turns NAME into Markdown at
build time: the daemon's configuration reference from :class:`pyvirtd._config.Config` (its
fields, defaults and the comments above them), and the map from pyvirsh commands to the
driver methods they reach, recorded by running every command of the CLI's tables in process
against a fresh test driver with a recording stand-in for the driver connection.
``tests/test_docs_site.py`` builds the site with ``--strict``.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

_MARK = re.compile(r"<!-- generated: ([a-z-]+) -->")


def config_reference() -> str:
    """One row per key of pyvirtd.toml: name, type, default, and the comment that explains it."""
    from dataclasses import fields

    from pyvirtd._config import Config

    comments = _field_comments(Config)
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for f in fields(Config):
        default = getattr(Config(), f.name)
        shown = f'`"{default}"`' if isinstance(default, str) else f"`{default}`"
        kind = f.type if isinstance(f.type, str) else f.type.__name__
        rows.append(f"| `{f.name}` | {kind} | {shown} | {comments.get(f.name, '')} |")
    return "\n".join(rows)


def _field_comments(cls: type) -> dict[str, str]:
    """The ``#:`` (or ``#``) comment lines right above each field of a dataclass."""
    lines = inspect.getsource(cls).splitlines()
    found: dict[str, str] = {}
    pending: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith("#"):
            pending.append(text.lstrip("#:").strip())
            continue
        match = re.match(r"(\w+): ", text)
        if match and pending:
            found[match.group(1)] = " ".join(pending).replace("|", "\\|")
        pending = []
    return found


#: How each pyvirsh command is run to record the driver methods it reaches: commands run
#: first to set the stage (not recorded), then the command itself, on a fresh copy of the test
#: driver's default state.  ``{dir}`` is a scratch directory holding d2.xml, n2.xml, p2.xml
#: and the secret, filter and binding XML (s.xml, f.xml, b.xml).
#: A command of the CLI's tables without a row here fails the build, as does a row that fails.
SCENARIOS: dict[str, tuple[tuple[str, ...], str]] = {
    "autostart": ((), "autostart test"),
    "create": ((), "create {dir}/d2.xml"),
    "define": ((), "define {dir}/d2.xml"),
    "destroy": ((), "destroy test"),
    "domid": ((), "domid test"),
    "domname": ((), "domname 1"),
    "domuuid": ((), "domuuid test"),
    "dumpxml": ((), "dumpxml test"),
    "managedsave": ((), "managedsave test"),
    "managedsave-remove": (("managedsave test",), "managedsave-remove test"),
    # devices: libvirt's test driver attaches, detaches and updates nothing (EXPECTED_ERRORS)
    "attach-device": ((), "attach-device test {dir}/d2.xml"),
    "detach-device": ((), "detach-device test {dir}/d2.xml --config"),
    "update-device": ((), "update-device test {dir}/d2.xml"),
    "detach-device-alias": ((), "detach-device-alias test ua-disk0"),
    "attach-disk": ((), "attach-disk test /tmp/y.img vdc"),
    "detach-disk": ((), "detach-disk test vda"),
    "attach-interface": ((), "attach-interface test network default"),
    "detach-interface": ((), "detach-interface test network"),
    "change-media": ((), "change-media test vda --eject"),
    # save files
    "save": ((), "save test {dir}/t.sav"),
    "restore": (("save test {dir}/t.sav",), "restore {dir}/t.sav"),
    "save-image-dumpxml": (("save test {dir}/t.sav",), "save-image-dumpxml {dir}/t.sav"),
    "save-image-define": (("save test {dir}/t.sav",), "save-image-define {dir}/t.sav {dir}/d2.xml"),
    "save-image-edit": (("save test {dir}/t.sav",), "save-image-edit {dir}/t.sav"),
    "managedsave-dumpxml": (("managedsave test",), "managedsave-dumpxml test"),
    "managedsave-define": (("managedsave test",), "managedsave-define test {dir}/d2.xml"),
    "managedsave-edit": (("managedsave test",), "managedsave-edit test"),
    "dump": ((), "dump test {dir}/core"),
    # block jobs and native configuration: not served by libvirt's test driver
    "blockcommit": ((), "blockcommit test vda"),
    "blockcopy": ((), "blockcopy test vda {dir}/copy.img"),
    "blockjob": ((), "blockjob test vda"),
    "blockpull": ((), "blockpull test vda"),
    "blockresize": ((), "blockresize test vda 1G"),
    "domblkthreshold": ((), "domblkthreshold test vda 1M"),
    "domxml-from-native": ((), "domxml-from-native qemu-argv {dir}/d2.xml"),
    "domxml-to-native": ((), "domxml-to-native qemu-argv --domain test"),
    "edit": ((), "edit test"),
    "net-edit": ((), "net-edit default"),
    "pool-edit": ((), "pool-edit default-pool"),
    "snapshot-edit": (("snapshot-create-as test s1",), "snapshot-edit test s1"),
    "snapshot-create": ((), "snapshot-create test"),
    "snapshot-create-as": ((), "snapshot-create-as test s1"),
    "snapshot-current": (("snapshot-create-as test s1",), "snapshot-current test"),
    "snapshot-delete": (("snapshot-create-as test s1",), "snapshot-delete test s1"),
    "snapshot-dumpxml": (("snapshot-create-as test s1",), "snapshot-dumpxml test s1"),
    "snapshot-info": (("snapshot-create-as test s1",), "snapshot-info test s1"),
    "snapshot-list": (("snapshot-create-as test s1",), "snapshot-list test --parent"),
    "snapshot-parent": (
        ("snapshot-create-as test s1", "snapshot-create-as test s2"),
        "snapshot-parent test s2",
    ),
    "snapshot-revert": (("snapshot-create-as test s1",), "snapshot-revert test s1"),
    "reboot": ((), "reboot test"),
    "reset": ((), "reset test"),
    "resume": (("suspend test",), "resume test"),
    "screenshot": ((), "screenshot test {dir}/screen.png"),
    "console": ((), "console test"),
    "setmaxmem": ((), "setmaxmem test 1048576 --config"),
    "setmem": ((), "setmem --kilobytes 1000 test"),
    "setvcpus": ((), "setvcpus test 1"),
    "shutdown": ((), "shutdown test"),
    "start": (("destroy test",), "start test"),
    "suspend": ((), "suspend test"),
    "undefine": ((), "undefine test"),
    "schedinfo": ((), "schedinfo test --set weight=5"),
    "domhostname": ((), "domhostname test"),
    "domifaddr": ((), "domifaddr test"),
    "dominfo": ((), "dominfo test"),
    "dommemstat": ((), "dommemstat test"),
    "domtime": ((), "domtime test"),
    "domblkinfo": ((), "domblkinfo test --all"),
    "domcontrol": ((), "domcontrol test"),
    "desc": ((), "desc test --title --new-desc hello"),
    "metadata": ((), "metadata test --uri http://example.org/ --key k --set '<a/>'"),
    "domrename": (("destroy test",), "domrename test renamed"),
    "vcpucount": ((), "vcpucount test"),
    "vcpuinfo": ((), "vcpuinfo test"),
    "vcpupin": ((), "vcpupin test 0 1"),
    "emulatorpin": ((), "emulatorpin test 1"),
    "memtune": ((), "memtune test --hard-limit 1G"),
    "domiftune": ((), "domiftune test testnet0 --inbound 100,200,300"),
    "blkdeviotune": ((), "blkdeviotune test vda --total-bytes-sec-max 1M"),
    "numatune": ((), "numatune test --nodeset 0"),
    "blkiotune": ((), "blkiotune test --weight 500"),
    "perf": ((), "perf test --enable cmt"),
    "maxvcpus": ((), "maxvcpus"),
    "setvcpu": ((), "setvcpu test 1 --disable"),
    "guestvcpus": ((), "guestvcpus test"),
    "domblklist": ((), "domblklist test --details"),
    "domiflist": ((), "domiflist test"),
    "domblkstat": ((), "domblkstat test vda"),
    "domifstat": ((), "domifstat test testnet0"),
    "domblkerror": ((), "domblkerror test"),
    "domif-getlink": ((), "domif-getlink test testnet0"),
    # -- qprog helper (issues 10/11): libvirt-qemu's and libvirt-lxc's commands, which
    # libvirt's test driver does not serve (EXPECTED_ERRORS)
    "qemu-monitor-command": ((), "qemu-monitor-command test --pretty query-status"),
    "qemu-agent-command": ((), "qemu-agent-command test --timeout 5 guest-ping"),
    "qemu-monitor-event": ((), "qemu-monitor-event --timeout 1"),
    "qemu-attach": ((), "qemu-attach 1"),
    "lxc-enter-namespace": ((), "lxc-enter-namespace test --noseclabel /bin/true"),
    # -- guest helper (issue 10): the guest's filesystems, users, input and lifecycle
    "domfsfreeze": ((), "domfsfreeze test"),
    "domfsthaw": (("domfsfreeze test",), "domfsthaw test"),
    "domfsinfo": ((), "domfsinfo test"),
    "domfstrim": ((), "domfstrim test --mountpoint /"),
    "dompmsuspend": ((), "dompmsuspend test mem"),
    "dompmwakeup": ((), "dompmwakeup test"),
    "get-user-sshkeys": ((), "get-user-sshkeys test root"),
    "set-user-sshkeys": ((), "set-user-sshkeys test root --reset"),
    "set-user-password": ((), "set-user-password test root secret"),
    "guest-agent-timeout": ((), "guest-agent-timeout test --timeout 5"),
    "guestinfo": ((), "guestinfo test"),
    "inject-nmi": ((), "inject-nmi test"),
    "send-key": ((), "send-key test KEY_LEFTCTRL KEY_C"),
    "send-process-signal": ((), "send-process-signal test 1 SIGTERM"),
    "set-lifecycle-action": ((), "set-lifecycle-action test crash preserve"),
    "domif-setlink": ((), "domif-setlink test testnet0 down"),
    "update-memory-device": ((), "update-memory-device test"),
    # -- stats helper (issue 10)
    "domstats": ((), "domstats test --state"),
    "checkpoint-create": ((), "checkpoint-create test"),
    "checkpoint-create-as": ((), "checkpoint-create-as test c1"),
    "checkpoint-delete": (("checkpoint-create-as test c1",), "checkpoint-delete test c1"),
    "checkpoint-dumpxml": (("checkpoint-create-as test c1",), "checkpoint-dumpxml test c1"),
    "checkpoint-edit": (("checkpoint-create-as test c1",), "checkpoint-edit test c1"),
    "checkpoint-info": (("checkpoint-create-as test c1",), "checkpoint-info test c1"),
    "checkpoint-list": (("checkpoint-create-as test c1",), "checkpoint-list test"),
    "checkpoint-parent": (
        ("checkpoint-create-as test c1", "checkpoint-create-as test c2"),
        "checkpoint-parent test c2",
    ),
    "backup-begin": ((), "backup-begin test"),
    "backup-dumpxml": ((), "backup-dumpxml test"),
    "pool-event": ((), "pool-event --event lifecycle --timeout 1"),
    "sysinfo": ((), "sysinfo"),
    "pwd": ((), "pwd"),
    "cd": ((), "cd /"),
    "domstate": ((), "domstate test --reason"),
    "list": ((), "list --all"),
    "event": ((), "event --all --timeout 1"),
    "capabilities": ((), "capabilities"),
    "hostname": ((), "hostname"),
    "nodeinfo": ((), "nodeinfo"),
    "freecell": ((), "freecell --all"),
    "nodecpustats": ((), "nodecpustats"),
    "nodememstats": ((), "nodememstats"),
    "nodecpumap": ((), "nodecpumap"),
    "nodesuspend": ((), "nodesuspend mem 60"),
    "uri": ((), "uri"),
    # secrets and network filters: libvirt's test driver has neither; each command stops at
    # its first call, with libvirt's "not supported" (EXPECTED_ERRORS)
    "secret-define": ((), "secret-define {dir}/s.xml"),
    "secret-dumpxml": ((), "secret-dumpxml 6695eb01-f6a4-8304-79aa-97f2502e193f"),
    "secret-event": ((), "secret-event --event lifecycle"),
    "secret-get-value": ((), "secret-get-value 6695eb01-f6a4-8304-79aa-97f2502e193f"),
    "secret-list": ((), "secret-list"),
    "secret-set-value": ((), "secret-set-value 6695eb01-f6a4-8304-79aa-97f2502e193f --base64 aGVsbG8="),
    "secret-undefine": ((), "secret-undefine 6695eb01-f6a4-8304-79aa-97f2502e193f"),
    "nwfilter-define": ((), "nwfilter-define {dir}/f.xml"),
    "nwfilter-dumpxml": ((), "nwfilter-dumpxml f1"),
    "nwfilter-list": ((), "nwfilter-list"),
    "nwfilter-undefine": ((), "nwfilter-undefine f1"),
    "nwfilter-edit": ((), "nwfilter-edit f1"),
    "nwfilter-binding-create": ((), "nwfilter-binding-create {dir}/b.xml"),
    "nwfilter-binding-delete": ((), "nwfilter-binding-delete vnet0"),
    "nwfilter-binding-dumpxml": ((), "nwfilter-binding-dumpxml vnet0"),
    "nwfilter-binding-list": ((), "nwfilter-binding-list"),
    "version": ((), "version"),
    "net-autostart": ((), "net-autostart default"),
    "net-create": ((), "net-create {dir}/n2.xml"),
    "net-define": ((), "net-define {dir}/n2.xml"),
    "net-destroy": ((), "net-destroy default"),
    "net-dumpxml": ((), "net-dumpxml default"),
    "net-event": ((), "net-event --event lifecycle --timeout 1"),
    "net-dhcp-leases": ((), "net-dhcp-leases default"),
    "net-info": ((), "net-info default"),
    "net-list": ((), "net-list --all"),
    "net-start": (("net-destroy default",), "net-start default"),
    "net-undefine": (("net-destroy default",), "net-undefine default"),
    "pool-define": ((), "pool-define {dir}/p2.xml"),
    "pool-destroy": ((), "pool-destroy default-pool"),
    "pool-dumpxml": ((), "pool-dumpxml default-pool"),
    "pool-info": ((), "pool-info default-pool"),
    "pool-list": ((), "pool-list --all"),
    "pool-start": (("pool-destroy default-pool",), "pool-start default-pool"),
    "pool-undefine": (("pool-destroy default-pool",), "pool-undefine default-pool"),
    "vol-create-as": ((), "vol-create-as default-pool v1 1M"),
    "vol-delete": (("vol-create-as default-pool v1 1M",), "vol-delete v1 --pool default-pool"),
    "vol-dumpxml": (("vol-create-as default-pool v1 1M",), "vol-dumpxml v1 --pool default-pool"),
    "vol-info": (("vol-create-as default-pool v1 1M",), "vol-info v1 --pool default-pool"),
    "vol-list": (("vol-create-as default-pool v1 1M",), "vol-list default-pool"),
    "vol-upload": (
        ("vol-create-as default-pool v1 1M",),
        "vol-upload v1 {dir}/d2.xml --pool default-pool",
    ),
    "vol-download": (
        ("vol-create-as default-pool v1 1M",),
        "vol-download v1 {dir}/out.bin --pool default-pool",
    ),
    # the remaining storage commands (issue 10, "store")
    "find-storage-pool-sources": ((), "find-storage-pool-sources logical"),
    "find-storage-pool-sources-as": ((), "find-storage-pool-sources-as netfs --host h"),
    "pool-autostart": ((), "pool-autostart default-pool"),
    "pool-build": (("pool-destroy default-pool",), "pool-build default-pool"),
    "pool-capabilities": ((), "pool-capabilities"),
    "pool-create": ((), "pool-create {dir}/p2.xml"),
    "pool-create-as": ((), "pool-create-as p3 dir --target /p3"),
    "pool-define-as": ((), "pool-define-as p3 dir --target /p3"),
    "pool-delete": (("pool-destroy default-pool",), "pool-delete default-pool"),
    "pool-name": ((), "pool-name dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"),
    "pool-refresh": ((), "pool-refresh default-pool"),
    "pool-uuid": ((), "pool-uuid default-pool"),
    "vol-clone": (("vol-create-as default-pool v1 1M",), "vol-clone v1 v2 --pool default-pool"),
    "vol-create": ((), "vol-create default-pool {dir}/v2.xml"),
    "vol-create-from": (
        ("vol-create-as default-pool v1 1M",),
        "vol-create-from default-pool {dir}/v2.xml v1 --inputpool default-pool",
    ),
    "vol-key": (("vol-create-as default-pool v1 1M",), "vol-key v1 --pool default-pool"),
    "vol-name": (("vol-create-as default-pool v1 1M",), "vol-name /default-pool/v1"),
    "vol-path": (("vol-create-as default-pool v1 1M",), "vol-path v1 --pool default-pool"),
    "vol-pool": (("vol-create-as default-pool v1 1M",), "vol-pool /default-pool/v1"),
    "vol-resize": (("vol-create-as default-pool v1 1M",), "vol-resize v1 2M --pool default-pool"),
    "vol-wipe": (("vol-create-as default-pool v1 1M",), "vol-wipe v1 --pool default-pool"),
    "net-name": ((), "net-name dd8fe884-6c02-601e-7551-cca97df1c5df"),
    "net-uuid": ((), "net-uuid default"),
    "net-update": (
        (),
        "net-update default add ip-dhcp-host "
        "\"<host mac='52:54:00:00:00:01' name='h1' ip='192.168.122.10'/>\"",
    ),
    "net-port-create": ((), "net-port-create default {dir}/port.xml"),
    "net-port-delete": ((), "net-port-delete default 5d744f21-ba4a-4d6e-bdb2-30a35ff3207d"),
    "net-port-dumpxml": ((), "net-port-dumpxml default 5d744f21-ba4a-4d6e-bdb2-30a35ff3207d"),
    "net-port-list": ((), "net-port-list default"),
    # host interfaces and node devices
    "iface-begin": ((), "iface-begin"),
    "iface-commit": (("iface-begin",), "iface-commit"),
    "iface-rollback": (("iface-begin",), "iface-rollback"),
    "iface-define": ((), "iface-define {dir}/i2.xml"),
    "iface-destroy": ((), "iface-destroy eth1"),
    "iface-dumpxml": ((), "iface-dumpxml eth1"),
    "iface-list": ((), "iface-list --all"),
    "iface-mac": ((), "iface-mac eth1"),
    "iface-name": ((), "iface-name aa:bb:cc:dd:ee:ff"),
    "iface-start": (("iface-define {dir}/i2.xml",), "iface-start eth2"),
    "iface-undefine": ((), "iface-undefine eth1"),
    "nodedev-autostart": ((), "nodedev-autostart scsi_host1"),
    "nodedev-create": ((), "nodedev-create {dir}/vhba.xml"),
    "nodedev-define": ((), "nodedev-define {dir}/vhba.xml"),
    "nodedev-destroy": (("nodedev-create {dir}/vhba.xml",), "nodedev-destroy scsi_host12"),
    "nodedev-detach": ((), "nodedev-detach scsi_host1"),
    "nodedev-dumpxml": ((), "nodedev-dumpxml scsi_host1"),
    "nodedev-event": ((), "nodedev-event --event lifecycle --timeout 1"),
    "nodedev-info": ((), "nodedev-info scsi_host11"),
    "nodedev-list": ((), "nodedev-list"),
    "nodedev-reattach": ((), "nodedev-reattach scsi_host1"),
    "nodedev-reset": ((), "nodedev-reset scsi_host1"),
    "nodedev-start": ((), "nodedev-start scsi_host1"),
    "nodedev-undefine": ((), "nodedev-undefine scsi_host1"),
    "complete": ((), "complete -- dominfo t"),
    "completion": ((), "completion bash"),
    "help": ((), "help list"),
    # IOThreads, CPU statistics, jobs, launch security (issue 10, helper "domjobs")
    "iothreadinfo": (("iothreadadd test 3",), "iothreadinfo test"),
    "iothreadadd": ((), "iothreadadd test 3"),
    "iothreaddel": (("iothreadadd test 3",), "iothreaddel test 3"),
    "iothreadpin": (("iothreadadd test 3",), "iothreadpin test 3 0"),
    "iothreadset": (("iothreadadd test 3",), "iothreadset test 3 --poll-max-ns 1000"),
    "cpu-stats": ((), "cpu-stats test"),
    "domjobinfo": ((), "domjobinfo test"),
    "domjobabort": ((), "domjobabort test"),
    "domdirtyrate-calc": ((), "domdirtyrate-calc test"),
    "dom-fd-associate": ((), "dom-fd-associate test group 0"),
    "domlaunchsecinfo": ((), "domlaunchsecinfo test"),
    "domsetlaunchsecstate": (
        (),
        "domsetlaunchsecstate test --secrethdr {dir}/d2.xml --secret {dir}/d2.xml",
    ),
    "migrate": ((), "migrate test test:///default --live"),
    "migrate-setmaxdowntime": ((), "migrate-setmaxdowntime test 100"),
    "migrate-getmaxdowntime": ((), "migrate-getmaxdowntime test"),
    "migrate-compcache": ((), "migrate-compcache test"),
    "migrate-setspeed": ((), "migrate-setspeed test 100"),
    "migrate-getspeed": ((), "migrate-getspeed test"),
    "migrate-postcopy": ((), "migrate-postcopy test"),
    "domdisplay": ((), "domdisplay test"),
    "vncdisplay": ((), "vncdisplay test"),
    "ttyconsole": ((), "ttyconsole test"),
    "connect": ((), "connect test:///default"),
    "echo": ((), "echo hello"),
    "exit": ((), "exit"),
    "quit": ((), "quit"),
    # host pages, CPU models and host tunables (issue 10, "host")
    "allocpages": ((), "allocpages 2M 8 --cellno 0"),
    "freepages": ((), "freepages --all"),
    "node-memory-tune": ((), "node-memory-tune"),
    "nodesevinfo": ((), "nodesevinfo"),
    "cpu-baseline": ((), "cpu-baseline {dir}/cpu.xml"),
    "cpu-compare": ((), "cpu-compare {dir}/cpu.xml"),
    "cpu-models": ((), "cpu-models x86_64"),
    "domcapabilities": ((), "domcapabilities"),
    "hypervisor-cpu-baseline": ((), "hypervisor-cpu-baseline {dir}/cpu.xml"),
    "hypervisor-cpu-compare": ((), "hypervisor-cpu-compare {dir}/cpu.xml"),
    "iface-bridge": ((), "iface-bridge eth1 br0"),
    "iface-unbridge": ((), "iface-unbridge eth1"),
    "iface-edit": ((), "iface-edit eth1"),
}

#: Scenarios that end in an error by design, and the message that says it is the expected one:
#: with nothing happening, the event commands wait out their timeout; the test driver has no
#: screen, host memory statistics or host suspend (the call still reaches the driver, which
#: answers VIR_ERR_NO_SUPPORT, as libvirt's does); a console
#: needs a terminal, which the map's runs have not (virsh refuses it the same way).
EXPECTED_ERRORS = {
    # -- qprog helper (issues 10/11): the test driver serves no libvirt-qemu/-lxc call
    "qemu-monitor-command": "not supported by the connection driver: virDomainQemuMonitorCommand",
    "qemu-agent-command": "not supported by the connection driver: virDomainQemuAgentCommand",
    "qemu-monitor-event": (
        "not supported by the connection driver: virConnectDomainQemuMonitorEventRegister"
    ),
    "qemu-attach": "not supported by the connection driver: virDomainQemuAttach",
    "lxc-enter-namespace": "not supported by the connection driver: virDomainLxcOpenNamespace",
    # -- guest helper (issue 10): libvirt's test driver has no agent nor power management
    "dompmsuspend": "not supported by the connection driver: virDomainPMSuspendForDuration",
    "dompmwakeup": "not supported by the connection driver: virDomainPMWakeup",
    "get-user-sshkeys": "not supported by the connection driver: virDomainAuthorizedSSHKeysGet",
    "set-user-sshkeys": "not supported by the connection driver: virDomainAuthorizedSSHKeysSet",
    "guest-agent-timeout": (
        "not supported by the connection driver: virDomainAgentSetResponseTimeout"
    ),
    "guestinfo": "not supported by the connection driver: virDomainGetGuestInfo",
    "domif-setlink": "not supported by the connection driver: virDomainUpdateDeviceFlags",
    # -- domjobs helper (issue 10): libvirt's test driver has no jobs, dirty-rate or SEV
    "domjobinfo": "not supported by the connection driver: virDomainGetJobInfo",
    "domjobabort": "not supported by the connection driver: virDomainAbortJob",
    "domdirtyrate-calc": "not supported by the connection driver: virDomainStartDirtyRateCalc",
    # -- cpubase (issue 10): libvirt's test driver associates no descriptors
    "dom-fd-associate": "not supported by the connection driver: virDomainFDAssociate",
    "domlaunchsecinfo": "unsupported flags (0x4) in function testDomainGetLaunchSecurityInfo",
    "domsetlaunchsecstate": (
        "not supported by the connection driver: virDomainSetLaunchSecurityState"
    ),
    # -- host (issue 10): libvirt's test driver allocates no pages, compares no CPUs and has
    # no domain capabilities, host memory tunables or SEV
    "allocpages": "not supported by the connection driver: virNodeAllocPages",
    "node-memory-tune": "not supported by the connection driver: virNodeGetMemoryParameters",
    "nodesevinfo": "not supported by the connection driver: virNodeGetSEVInfo",
    "cpu-compare": "not supported by the connection driver: virConnectCompareCPU",
    "domcapabilities": "not supported by the connection driver: "
    "virConnectGetDomainCapabilities",
    "hypervisor-cpu-baseline": "not supported by the connection driver: "
    "virConnectBaselineHypervisorCPU",
    "hypervisor-cpu-compare": "not supported by the connection driver: "
    "virConnectCompareHypervisorCPU",
    # libvirt's test driver refuses the inactive interface XML these start from
    "iface-bridge": "unsupported flags (0x1) in function testInterfaceGetXMLDesc",
    "iface-unbridge": "unsupported flags (0x1) in function testInterfaceGetXMLDesc",
    "iface-edit": "unsupported flags (0x1) in function testInterfaceGetXMLDesc",
    "migrate": "not supported by the connection driver: virDomainMigrate3",
    # the test domain has no graphics and no console tty (ttyconsole fails silently)
    "domdisplay": "No graphical display found",
    "vncdisplay": "Failed to get VNC port. Is this domain using VNC?",
    "ttyconsole": "",
    "migrate-setmaxdowntime": "not supported by the connection driver: virDomainMigrateSetMaxDowntime",
    "migrate-getmaxdowntime": "not supported by the connection driver: virDomainMigrateGetMaxDowntime",
    "migrate-compcache": "not supported by the connection driver: virDomainMigrateGetCompressionCache",
    "migrate-setspeed": "not supported by the connection driver: virDomainMigrateSetMaxSpeed",
    "migrate-getspeed": "not supported by the connection driver: virDomainMigrateGetMaxSpeed",
    "migrate-postcopy": "not supported by the connection driver: virDomainMigrateStartPostCopy",
    "update-memory-device": "no memory device found",
    # -- stats helper (issue 10): libvirt's test driver has no backups
    "backup-begin": "not supported by the connection driver: virDomainBackupBegin",
    "backup-dumpxml": "not supported by the connection driver: virDomainBackupGetXMLDesc",
    "attach-device": "not supported by the connection driver: virDomainAttachDevice",
    "detach-device": "not supported by the connection driver: virDomainDetachDeviceFlags",
    "update-device": "not supported by the connection driver: virDomainUpdateDeviceFlags",
    "detach-device-alias": "not supported by the connection driver: virDomainDetachDeviceAlias",
    "attach-disk": "not supported by the connection driver: virDomainAttachDevice",
    "detach-disk": "not supported by the connection driver: virDomainDetachDevice",
    "attach-interface": "not supported by the connection driver: virDomainAttachDevice",
    "detach-interface": "not supported by the connection driver: virDomainDetachDevice",
    "change-media": "No disk found whose source path or target is vda",
    "managedsave-dumpxml": "not supported by the connection driver: virDomainManagedSaveGetXMLDesc",
    "managedsave-define": "not supported by the connection driver: virDomainManagedSaveDefineXML",
    "managedsave-edit": "not supported by the connection driver: virDomainManagedSaveGetXMLDesc",
    "blockcommit": "not supported by the connection driver: virDomainBlockCommit",
    "blockcopy": "not supported by the connection driver: virDomainBlockRebase",
    "blockjob": "not supported by the connection driver: virDomainGetBlockJobInfo",
    "blockpull": "not supported by the connection driver: virDomainBlockPull",
    "blockresize": "not supported by the connection driver: virDomainBlockResize",
    "domblkthreshold": "not supported by the connection driver: virDomainSetBlockThreshold",
    "domxml-from-native": "not supported by the connection driver: virConnectDomainXMLFromNative",
    "domxml-to-native": "not supported by the connection driver: virConnectDomainXMLToNative",
    "console": "Cannot run interactive console without a controlling TTY",
    "event": "event loop timed out",
    "net-event": "event loop timed out",
    "pool-event": "event loop timed out",
    "cd": "cd: command valid only in interactive mode",
    "net-dhcp-leases": "not supported by the connection driver: virNetworkGetDHCPLeases",
    "nodememstats": "not supported by the connection driver: virNodeGetMemoryStats",
    "nodesuspend": "not supported by the connection driver: virNodeSuspendForDuration",
    "secret-define": "not supported by the connection driver: virSecretDefineXML",
    "secret-dumpxml": "not supported by the connection driver: virSecretLookupByUUID",
    "secret-event": "not supported by the connection driver: virConnectSecretEventRegisterAny",
    "secret-get-value": "not supported by the connection driver: virSecretLookupByUUID",
    "secret-list": "not supported by the connection driver: virConnectNumOfSecrets",
    "secret-set-value": "not supported by the connection driver: virSecretLookupByUUID",
    "secret-undefine": "not supported by the connection driver: virSecretLookupByUUID",
    "nwfilter-define": "not supported by the connection driver: virNWFilterDefineXML",
    "nwfilter-dumpxml": "not supported by the connection driver: virNWFilterLookupByName",
    "nwfilter-list": "not supported by the connection driver: virConnectNumOfNWFilters",
    "nwfilter-undefine": "not supported by the connection driver: virNWFilterLookupByName",
    "nwfilter-edit": "not supported by the connection driver: virNWFilterLookupByName",
    "nwfilter-binding-create": "not supported by the connection driver: virNWFilterBindingCreateXML",
    "nwfilter-binding-delete": "not supported by the connection driver: virNWFilterBindingLookupByPortDev",
    "nwfilter-binding-dumpxml": "not supported by the connection driver: virNWFilterBindingLookupByPortDev",
    "nwfilter-binding-list": "not supported by the connection driver: virConnectListAllNWFilterBindings",
    "setvcpu": "not supported by the connection driver: virDomainSetVcpu",
    "guestvcpus": "not supported by the connection driver: virDomainGetGuestVcpus",
    "vol-download": "not supported by the connection driver: virStorageVolDownload",
    "vol-upload": "not supported by the connection driver: virStorageVolUpload",
    # libvirt's test driver: nodedev-list's ACTIVE filter is refused, iface-destroy exits 1
    # after success (virsh's own quirk), and these node device calls are not implemented
    "nodedev-list": "unsupported flags (0x80000000) in function testConnectListAllNodeDevices",
    "iface-destroy": "",
    "nodedev-event": "event loop timed out",
    "nodedev-autostart": "not supported by the connection driver: virNodeDeviceSetAutostart",
    "nodedev-define": "not supported by the connection driver: virNodeDeviceDefineXML",
    "nodedev-detach": "not supported by the connection driver: virNodeDeviceDettach",
    "nodedev-reattach": "not supported by the connection driver: virNodeDeviceReAttach",
    "nodedev-reset": "not supported by the connection driver: virNodeDeviceReset",
    "nodedev-start": "not supported by the connection driver: virNodeDeviceCreate",
    "nodedev-undefine": "not supported by the connection driver: virNodeDeviceUndefine",
    # libvirt's test driver has no pool capabilities, resizing or wiping (issue 10, "store")
    "pool-capabilities": "not supported by the connection driver: "
    "virConnectGetStoragePoolCapabilities",
    "vol-resize": "not supported by the connection driver: virStorageVolResize",
    "vol-wipe": "not supported by the connection driver: virStorageVolWipe",
    # nor network ports: each port command stops at its first port call (net-port-delete and
    # -dumpxml report the missing port yet exit 0, as virsh 9.0 does: not listed here)
    "net-port-create": "not supported by the connection driver: virNetworkPortCreateXML",
    "net-port-list": "not supported by the connection driver: virNetworkListAllPorts",
}

_SCRATCH_XML = {
    "s.xml": "<secret ephemeral='no' private='no'><usage type='volume'>"
    "<volume>/x</volume></usage></secret>",
    "f.xml": "<filter name='f1' chain='root'><rule action='accept' direction='in'><all/>"
    "</rule></filter>",
    "b.xml": "<filterbinding><owner><name>test</name>"
    "<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></owner><portdev name='vnet0'/>"
    "<mac address='52:54:00:00:00:01'/><filterref filter='f1'/></filterbinding>",
    "d2.xml": "<domain type='test'><name>d2</name><memory>8192</memory>"
    "<os><type>hvm</type></os></domain>",
    "n2.xml": "<network><name>n2</name><bridge name='virbr2'/></network>",
    "p2.xml": "<pool type='dir'><name>p2</name><target><path>{dir}/p2</path></target></pool>",
    "i2.xml": "<interface type='ethernet' name='eth2'/>",
    "cpu.xml": "<cpu><arch>x86_64</arch><model>Haswell</model></cpu>",
    "v2.xml": "<volume><name>v2</name><capacity>1024</capacity></volume>",
    "port.xml": "<networkport><uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid><owner>"
    "<name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></owner>"
    "<mac address='52:54:00:73:7e:18'/><plug type='network' bridge='virbr0'/></networkport>",
    "vhba.xml": "<device><parent>scsi_host1</parent><capability type='scsi_host'>"
    "<capability type='fc_host'><wwnn>2000000012341111</wwnn><wwpn>1000000012341111</wwpn>"
    "</capability></capability></device>",
}


@functools.cache
def contract_methods() -> frozenset[str]:
    """Every method of the driver contract: the per-category tables DriverConnection is made
    of (derived, so a table added to the contract is recorded too)."""
    from pyvirt.driver import DriverConnection

    return frozenset(
        name
        for table in DriverConnection.__mro__[1:]
        if table.__module__ != "builtins"
        for name in vars(table)
        if not name.startswith("_")
    )


class RecordingDriver:
    """Stands in for a driver connection and notes each contract method called on it while
    :attr:`active`.  Every call of the public API, through the generated entries or not
    (close, keepalive, events), reaches the driver through this object, so none is missed."""

    def __init__(self, inner: Any, methods: frozenset[str]) -> None:
        self._inner = inner
        self._methods = methods
        self.active = False
        self.called: list[str] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name not in self._methods or not callable(value):
            return value

        def record(*args: Any, **kwargs: Any) -> Any:
            if self.active:
                self.called.append(name)
            return value(*args, **kwargs)

        return record


def record_command(name: str, scratch: str) -> list[str]:
    """The driver methods pyvirsh's *name* calls, in order (each once), run in process on a
    fresh copy of the test driver's default state as :data:`SCENARIOS` says."""
    import contextlib
    import io
    import os

    import pyvirt._registry as registry
    from pyvirt.cli._control import Control
    from pyvirt.cli._main import parse_commands, run_one
    from pyvirt.cli._parser import StringTokens
    from pyvirt.testing import isolated_test_uri

    setup, command = SCENARIOS[name]
    # The edit commands run $VISUAL: an "editor" that adds a comment after the XML, so the
    # edited text differs and is defined again.
    editor = _path(scratch) / "editor.sh"
    editor.write_text("#!/bin/sh\necho '<!-- edited -->' >> \"$1\"\n")
    editor.chmod(0o755)
    saved_visual = os.environ.get("VISUAL")
    os.environ["VISUAL"] = str(editor)
    recorders: list[RecordingDriver] = []
    real_open = registry.open_driver

    def open_recorded(*args: Any, **kwargs: Any) -> Any:
        driver_class, driver = real_open(*args, **kwargs)
        recorders.append(RecordingDriver(driver, contract_methods()))
        return driver_class, recorders[-1]

    out = io.StringIO()
    ctl = Control()
    ctl.out = ctl.err = out
    ctl.uri = isolated_test_uri(_path(scratch))

    def run(text: str) -> bool:
        cmds = parse_commands(ctl, StringTokens(text.format(dir=scratch), ctl.error))
        return cmds is not None and all(run_one(ctl, p) for p in cmds)

    registry.open_driver = open_recorded  # type: ignore[assignment]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            ctl.connect()  # as pyvirsh -c URI does, before any command
            ready = all(run(text) for text in setup)
            for recorder in recorders:
                recorder.active = True
            ok = ready and run(command)
            for recorder in recorders:
                recorder.active = False
            ctl.close()
    finally:
        registry.open_driver = real_open  # type: ignore[assignment]
        if saved_visual is None:
            del os.environ["VISUAL"]
        else:
            os.environ["VISUAL"] = saved_visual
    if ok == (name in EXPECTED_ERRORS) or EXPECTED_ERRORS.get(name, "") not in out.getvalue():
        raise RuntimeError(f"command map: {command!r} failed: {out.getvalue()}")
    return list(dict.fromkeys(m for r in recorders for m in r.called))


def _path(directory: str) -> Any:
    from pathlib import Path

    return Path(directory)


def command_names() -> list[str]:
    """Every pyvirsh command: the CLI's groups in order, then commands outside any group."""
    from pyvirt.cli._registry import GROUPS, commands, group_commands

    grouped = [cmd.name for keyword, _title in GROUPS for cmd in group_commands(keyword)]
    return grouped + sorted(set(commands()) - set(grouped))


@functools.cache
def command_map_rows() -> dict[str, list[str]]:
    """Every pyvirsh command (the CLI's tables) -> the driver methods it calls."""
    import tempfile

    names = command_names()
    missing = sorted(set(names) - set(SCENARIOS))
    if missing:
        raise RuntimeError(f"command map: no scenario for {missing} in docs/_hooks.py")
    rows: dict[str, list[str]] = {}
    for name in names:
        with tempfile.TemporaryDirectory() as scratch:
            for file, text in _SCRATCH_XML.items():
                (_path(scratch) / file).write_text(text.format(dir=scratch))
            rows[name] = record_command(name, scratch)
    return rows


def command_map() -> str:
    """pyvirsh command -> the driver methods it reaches (and their libvirt APIs), recorded by
    running each command."""
    from pyvirt._procedures import BY_METHOD

    def api(method: str) -> str:
        return f" ({BY_METHOD[method].api})" if method in BY_METHOD else ""

    table = [
        "| command | run as | driver methods, in call order (libvirt API) |",
        "| --- | --- | --- |",
    ]
    for name, methods in command_map_rows().items():
        setup, command = SCENARIOS[name]
        shown = "; ".join(f"`{c.format(dir='DIR')}`" for c in (*setup, command))
        text = ", ".join(f"`{m}`{api(m)}" for m in methods) or "none (no driver call)"
        table.append(f"| `{name}` | {shown} | {text} |")
    return "\n".join(table)


def _implements(cls: type, method: str) -> bool:
    """Whether a driver's connection class answers *method* itself (not the contract's
    VIR_ERR_NO_SUPPORT default)."""
    from pyvirt.driver import DriverConnection

    return getattr(cls, method, None) is not getattr(DriverConnection, method, None)


def support_table() -> str:
    """Every procedure of the table: which bundled driver serves it, whether it crosses
    pyvirtd's wire, and the pyvirsh commands that reach it (from the recorded command map)."""
    from pyvirt._procedures import PROCEDURES
    from pyvirt.rpc._signatures import LOCAL_ONLY
    from pyvirt_qemu._driver import QemuConnection
    from pyvirt_test._connection import TestConnection

    reached: dict[str, list[str]] = {}
    for command, methods in command_map_rows().items():
        for method in methods:
            reached.setdefault(method, []).append(command)
    rows = []
    counts = {"test": 0, "qemu": 0, "cli": 0}
    for proc in sorted(PROCEDURES, key=lambda p: p.key):
        test = _implements(TestConnection, proc.method)
        qemu = _implements(QemuConnection, proc.method)
        commands = reached.get(proc.method, [])
        counts["test"] += test
        counts["qemu"] += qemu
        counts["cli"] += bool(commands)
        wire = "in process only" if proc.method in LOCAL_ONLY else "yes"
        rows.append(
            f"| {proc.number} | {proc.api} | `{proc.method}` | {'yes' if test else ''} | "
            f"{'yes' if qemu else ''} | {wire} | "
            + ", ".join(f"`{c}`" for c in commands)
            + " |"
        )
    summary = (
        f"{len(PROCEDURES)} procedures: the test driver serves {counts['test']}, the QEMU "
        f"driver {counts['qemu']}; pyvirsh commands reach {counts['cli']}.\n\n"
    )
    header = [
        "| # | libvirt API | driver method | test driver | QEMU driver | through pyvirtd "
        "| pyvirsh commands |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    return summary + "\n".join(header + rows)


GENERATORS: dict[str, Callable[[], str]] = {
    "support-table": support_table,
    "config-reference": config_reference,
    "command-map": command_map,
}


def on_page_markdown(markdown: str, **_kwargs: Any) -> str:
    """mkdocs event: replace each generated mark with what its generator writes."""
    return _MARK.sub(lambda m: GENERATORS[m.group(1)](), markdown)
