"""The driver kit (``pyvirt.driver``'s object lists, listAll filters and hook policy) behaves
as libvirt's virDomainObjList, virNetworkObjList and virStoragePoolObjList do.

Where the real libvirt can answer, the same script runs twice: with Debian's libvirt binding
in the system interpreter, and with ``pyvirt.libvirt`` (the compatibility layer over pyvirt's
test driver, which is built on the kit) in this venv; the answers must be identical, error
codes, error domains and messages included.  The rest exercises the kit directly, with
objects of its own, as a third-party driver would.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

import pytest
from pyvirt import (
    DomainRecord,
    DomainRef,
    DomainState,
    ErrorCode,
    ErrorDomain,
    ListDomainsFlags,
    VirtError,
)
from pyvirt.driver import (
    LIST_DOMAINS_ALL_FLAGS,
    DomainHookPhase,
    DomainObjList,
    domain_matches_filter,
    run_domain_hooks,
)
from real_libvirt import SYSTEM_PYTHON, ask_real_libvirt, real_binding_available

# One program, run against both bindings; ``libvirt`` is bound before it starts.
SCENARIO = r"""
import json
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
out = []

def step(label, f):
    try:
        out.append([label, "ok", f()])
    except libvirt.libvirtError as e:
        out.append([label, e.get_error_code(), e.get_error_domain(), e.get_error_message()])

def names(items):
    return sorted(i.name() for i in items)

dx = c.lookupByName("test").XMLDesc(0)
def dom_xml(name, prefix):
    return dx.replace("<name>test<", "<name>%s<" % name).replace("6695eb01", prefix)

# -- domain conflicts (virDomainObjListAdd) ------------------------------------------------
step("define: uuid held by another name", lambda: c.defineXML(dom_xml("other", "6695eb01")).name())
step("define: name held by another uuid", lambda: c.defineXML(dom_xml("test", "6695eb02")).name())
step("create: already active", lambda: c.createXML(dx, 0).name())
step("create: name held by another uuid", lambda: c.createXML(dom_xml("test", "6695eb02"), 0).name())
step("lookup: no such name", lambda: c.lookupByName("nope").name())
step("lookup: no such id", lambda: c.lookupByID(99).name())
step("lookup: no such uuid", lambda: c.lookupByUUIDString("6695eb01-f6a4-8304-79aa-97f2502e1930").name())

# -- domains in every state the filters tell apart ------------------------------------------
off = c.defineXML(dom_xml("off", "6695eb11"))
off.setAutostart(1)
c.createXML(dom_xml("transient", "6695eb12"), 0)
paused = c.defineXML(dom_xml("paused", "6695eb13"))
paused.create()
paused.suspend()
started = c.defineXML(dom_xml("started", "6695eb14"))
step("create: a defined, inactive domain starts it",
     lambda: [c.createXML(dom_xml("started", "6695eb14"), 0).name(), started.isActive(),
              started.isPersistent(), started.ID() > 0])
step("ids are never reused", lambda: [c.lookupByName(n).ID() for n in ("test", "transient", "paused", "started")])

groups = [(1, 2), (4, 8), (16, 32, 64, 128), (256, 512), (1024, 2048), (4096, 8192), (16384, 32768)]
def subsets(group):
    return [sum(g) for n in range(1, len(group) + 1) for g in __import__("itertools").combinations(group, n)]
flag_sets = [f for g in groups for f in subsets(g)]
flag_sets += [a | b for i, g in enumerate(groups) for h in groups[i + 1:] for a in g for b in h]
flag_sets += [4096 | 32768, 8192 | 16384, 1 | 4 | 16, 2 | 8 | 64]
for flags in [0] + flag_sets:
    step("domains %d" % flags, lambda: names(c.listAllDomains(flags)))

# -- networks -------------------------------------------------------------------------------
nx = c.networkLookupByName("default").XMLDesc(0)
def net_xml(name, prefix, bridge):
    return (nx.replace("<name>default<", "<name>%s<" % name).replace("dd8fe884", prefix)
            .replace("virbr0", bridge))
step("net define: uuid held by another name", lambda: c.networkDefineXML(net_xml("other", "dd8fe884", "virbr9")).name())
step("net define: name held by another uuid", lambda: c.networkDefineXML(net_xml("default", "dd8fe885", "virbr0")).name())
step("net create: already active", lambda: c.networkCreateXML(nx).name())
step("net create: name held by another uuid", lambda: c.networkCreateXML(net_xml("default", "dd8fe885", "virbr0")).name())
step("net lookup: no such name", lambda: c.networkLookupByName("nope").name())
n_off = c.networkDefineXML(net_xml("n-off", "dd8fe886", "virbr6"))
n_off.setAutostart(1)
c.networkCreateXML(net_xml("n-transient", "dd8fe887", "virbr7"))
n_start = c.networkDefineXML(net_xml("n-started", "dd8fe888", "virbr8"))
step("net create: a defined, inactive network starts it",
     lambda: [c.networkCreateXML(net_xml("n-started", "dd8fe888", "virbr8")).name(),
              n_start.isActive(), n_start.isPersistent()])
for flags in range(64):
    step("networks %d" % flags, lambda: names(c.listAllNetworks(flags)))

# -- storage pools --------------------------------------------------------------------------
px = c.storagePoolLookupByName("default-pool").XMLDesc(0)
def pool_xml(name, prefix):
    return (px.replace("<name>default-pool<", "<name>%s<" % name).replace("dfe224cb", prefix)
            .replace("<path>/default-pool<", "<path>/%s<" % name))
step("pool define: name held by another uuid", lambda: c.storagePoolDefineXML(pool_xml("default-pool", "dfe224cc").replace("<path>/default-pool<", "<path>/elsewhere<"), 0).name())
step("pool create: already active", lambda: c.storagePoolCreateXML(px, 0).name())
step("pool lookup: no such name", lambda: c.storagePoolLookupByName("nope").name())
p_off = c.storagePoolDefineXML(pool_xml("p-off", "dfe224cd"), 0)
p_off.setAutostart(1)
c.storagePoolCreateXML(pool_xml("p-transient", "dfe224ce"), 0)
for flags in list(range(64)) + [64, 512, 64 | 512, 1 | 64, 2 | 512]:
    step("pools %d" % flags, lambda: names(c.listAllStoragePools(flags)))
print(json.dumps(out))
"""


def _run(python: str, prelude: str) -> list[list[Any]]:
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYVIRT_", "LIBVIRT_"))}
        env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home, XDG_RUNTIME_DIR=home)
        done = subprocess.run(
            [python, "-c", prelude + SCENARIO],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    answers: list[list[Any]] = json.loads(done.stdout)
    return answers


@pytest.fixture(scope="module")
def both() -> tuple[list[list[Any]], list[list[Any]]]:
    if not real_binding_available():
        pytest.skip("the real libvirt binding is missing (apt-get install python3-libvirt)")
    real = _run(SYSTEM_PYTHON, "import libvirt\n")
    ours = _run(sys.executable, "import pyvirt.libvirt as libvirt\n")
    return real, ours


def _section(answers: list[list[Any]], prefix: str) -> list[list[Any]]:
    return [a for a in answers if a[0].startswith(prefix)]


@pytest.mark.parametrize(
    "prefix",
    ["define", "create", "lookup", "ids", "net define", "net create", "net lookup", "pool"],
)
def test_conflicts_and_lookups_answer_as_libvirt(
    both: tuple[list[list[Any]], list[list[Any]]], prefix: str
) -> None:
    real, ours = both
    expected = [a for a in _section(real, prefix) if not a[0].startswith("pools ")]
    assert expected, f"the scenario has no step '{prefix}'"
    assert [a for a in _section(ours, prefix) if not a[0].startswith("pools ")] == expected


@pytest.mark.parametrize("kind", ["domains", "networks", "pools"])
def test_list_all_filters_answer_as_libvirt(
    both: tuple[list[list[Any]], list[list[Any]]], kind: str
) -> None:
    real, ours = both
    expected = _section(real, kind + " ")
    assert len(expected) > 30
    # Not vacuous: the filters do split the objects.
    assert len({json.dumps(a[2]) for a in expected if a[1] == "ok"}) > 4
    assert _section(ours, kind + " ") == expected


# -- the kit on its own objects, as a third-party driver uses it ---------------------------


@dataclass(eq=False)
class Guest:
    name: str
    uuid: str
    persistent: bool = True
    state: DomainState = DomainState.SHUTOFF
    id: int = -1

    @property
    def active(self) -> bool:
        return self.state != DomainState.SHUTOFF

    def record(self) -> DomainRecord:
        return DomainRecord(self.name, self.uuid, self.id, self.state, 1, self.persistent, False)


UUID_A = "6695eb01-f6a4-8304-79aa-97f2502e193f"
UUID_B = "6695eb02-f6a4-8304-79aa-97f2502e193f"


def _error(exc: VirtError) -> list[Any]:
    return [int(exc.code), int(exc.domain), exc.message]


def test_rename_checks_word_as_libvirts() -> None:
    real = ask_real_libvirt(
        [
            "(lambda d: (d.destroy(), d.rename('test', 0)))"
            "(libvirt.open('test:///default').lookupByName('test'))",
            "(lambda c: (c.lookupByName('test').destroy(),"
            " c.defineXML(c.lookupByName('test').XMLDesc(0).replace('<name>test<', '<name>t2<')"
            ".replace('6695eb01', '6695eb03')).rename('test', 0)))(libvirt.open('test:///default'))",
        ]
    )
    doms: DomainObjList[Guest] = DomainObjList(ErrorDomain.TEST)
    test, t2 = Guest("test", UUID_A), Guest("t2", UUID_B)
    doms.add(test)
    doms.add(t2)
    ours = []
    for obj, new in ((test, "test"), (t2, "test")):
        with pytest.raises(VirtError) as info:
            doms.rename(obj, new, lambda: None)
        ours.append(_error(info.value))
    assert ours == [[r["code"], r["domain"], r["message"]] for r in real]

    def apply() -> None:
        t2.name = "t3"

    doms.rename(t2, "t3", apply)
    assert doms.find_by_name("t3") is t2 and doms.find_by_name("t2") is None


def test_add_returns_the_listed_object_of_the_same_name_and_uuid() -> None:
    doms: DomainObjList[Guest] = DomainObjList(ErrorDomain.QEMU)
    first = Guest("a", UUID_A)
    assert doms.add(first) is first
    again = Guest("a", UUID_A)
    assert doms.add(again) is first
    assert len(doms) == 1 and list(doms) == [first]


def test_add_with_check_active_refuses_a_running_or_starting_domain() -> None:
    doms: DomainObjList[Guest] = DomainObjList(ErrorDomain.QEMU)
    running = doms.add(Guest("run", UUID_A))
    doms.assign_id(running)
    running.state = DomainState.RUNNING
    starting = doms.add(Guest("starting", UUID_B, persistent=False))
    answers = []
    for guest in (Guest("run", UUID_A), Guest("starting", UUID_B)):
        with pytest.raises(VirtError) as info:
            doms.add(guest, check_active=True)
        answers.append(_error(info.value))
    assert answers == [
        [55, 20, "Requested operation is not valid: domain 'run' is already active"],
        [55, 20, "Requested operation is not valid: domain 'starting' is already being started"],
    ]
    assert doms.find_by_name("starting") is starting


def test_ids_count_up_are_indexed_and_a_known_id_moves_the_counter() -> None:
    doms: DomainObjList[Guest] = DomainObjList(ErrorDomain.QEMU)
    a, b = doms.add(Guest("a", UUID_A)), doms.add(Guest("b", UUID_B))
    assert doms.assign_id(a) == 1
    assert doms.lookup_by_id(1) is a
    doms.release_id(a)
    assert a.id == -1 and doms.find_by_id(1) is None
    assert doms.assign_id(b, 7) == 7  # found running again after a restart
    assert doms.reserve_id() == 8
    assert doms.assign_id(a) == 9
    doms.remove(a)
    assert doms.find_by_id(9) is None and doms.find_by_uuid(UUID_A) is None


def test_lookup_failures_name_what_was_sought_unless_told_not_to() -> None:
    qemu: DomainObjList[Guest] = DomainObjList(ErrorDomain.QEMU)
    test: DomainObjList[Guest] = DomainObjList(ErrorDomain.TEST, lookup_detail=False)
    answers = []
    for doms in (qemu, test):
        for lookup in (
            lambda d: d.lookup_by_name("x"),
            lambda d: d.lookup_by_uuid(UUID_A),
            lambda d: d.lookup_by_id(3),
            lambda d: d.from_ref(DomainRef("x", UUID_A, -1)),
        ):
            with pytest.raises(LookupError) as info:
                lookup(doms)
            assert isinstance(info.value, VirtError)
            answers.append(_error(info.value))
    assert answers == [
        [42, 10, "Domain not found: no domain with matching name 'x'"],
        [42, 10, f"Domain not found: no domain with matching uuid '{UUID_A}'"],
        [42, 10, "Domain not found: no domain with matching id 3"],
        [42, 10, f"Domain not found: no domain with matching uuid '{UUID_A}' (x)"],
        [42, 12, "Domain not found"],
        [42, 12, "Domain not found"],
        [42, 12, "Domain not found"],
        [42, 12, f"Domain not found: no domain with matching uuid '{UUID_A}' (x)"],
    ]


def test_list_all_refuses_unknown_flags_naming_the_drivers_function() -> None:
    doms: DomainObjList[Guest] = DomainObjList(ErrorDomain.QEMU)
    with pytest.raises(VirtError) as info:
        doms.list_all(1 << 20, "mockConnectListAllDomains")
    assert _error(info.value) == [
        8,
        10,
        "unsupported flags (0x100000) in function mockConnectListAllDomains",
    ]


def test_snapshot_and_checkpoint_groups_filter_separately() -> None:
    """A domain with snapshots but no checkpoint: HAS_SNAPSHOT|NO_CHECKPOINT lists it,
    NO_SNAPSHOT|HAS_CHECKPOINT does not (the groups are independent in libvirt)."""
    rec = Guest("s", UUID_A).record()
    f = ListDomainsFlags
    has_snap_no_check = int(f.HAS_SNAPSHOT | f.NO_CHECKPOINT)
    assert domain_matches_filter(rec, has_snap_no_check, snapshots=2)
    assert not domain_matches_filter(rec, int(f.NO_SNAPSHOT | f.HAS_CHECKPOINT), snapshots=2)
    assert not domain_matches_filter(rec, has_snap_no_check, snapshots=2, checkpoints=1)
    doms: DomainObjList[Guest] = DomainObjList(ErrorDomain.QEMU)
    doms.add(Guest("s", UUID_A))
    doms.add(Guest("t", UUID_B))
    listed = doms.list_all(int(f.HAS_SNAPSHOT), "f", snapshots=lambda g: 1 if g.name == "s" else 0)
    assert [r.name for r in listed] == ["s"]
    assert LIST_DOMAINS_ALL_FLAGS == 0xFFFF


def test_every_state_group_subset_matches_the_definition() -> None:
    """Exhaustive over the state group against libvirt's rule written out plainly."""
    states = {
        DomainState.RUNNING: 16,
        DomainState.PAUSED: 32,
        DomainState.SHUTOFF: 64,
        DomainState.CRASHED: 128,
        DomainState.PMSUSPENDED: 128,
    }
    for n in range(1, 5):
        for combo in itertools.combinations((16, 32, 64, 128), n):
            flags = sum(combo)
            for state, bit in states.items():
                rec = DomainRecord("x", UUID_A, 1, state, 0, True, False)
                assert domain_matches_filter(rec, flags) == bool(flags & bit), (flags, state)


class _Hooks:
    def __init__(self, veto: str | None = None) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.veto = veto

    def _note(self, hook: str, driver: str, name: str, xml: str) -> None:
        self.calls.append((hook, driver, "id=" if " id='" in xml.split(">")[0] else "inactive"))
        if hook == self.veto:
            raise RuntimeError("no")


def _recorder(veto: str | None = None) -> Any:
    import pyvirt

    rec = _Hooks(veto)

    class Plugin:
        @pyvirt.hookimpl
        def pyvirt_domain_prepare(self, driver: str, name: str, uuid: str, xml: str) -> None:
            rec._note("prepare", driver, name, xml)

        @pyvirt.hookimpl
        def pyvirt_domain_start(self, driver: str, name: str, uuid: str, xml: str) -> None:
            rec._note("start", driver, name, xml)

        @pyvirt.hookimpl
        def pyvirt_domain_started(self, driver: str, name: str, uuid: str, xml: str) -> None:
            rec._note("started", driver, name, xml)

        @pyvirt.hookimpl
        def pyvirt_domain_stopped(self, driver: str, name: str, uuid: str, xml: str) -> None:
            rec._note("stopped", driver, name, xml)

        @pyvirt.hookimpl
        def pyvirt_domain_release(self, driver: str, name: str, uuid: str, xml: str) -> None:
            rec._note("release", driver, name, xml)

    return rec, Plugin()


@pytest.fixture
def defn() -> Any:
    from pyvirt.conf import parse_domain_xml

    return parse_domain_xml(
        f"<domain type='test'><name>h</name><uuid>{UUID_A}</uuid>"
        "<memory>1024</memory><os><type>hvm</type></os></domain>"
    )


def test_hook_phases_run_their_hooks_in_order_with_the_right_xml(defn: Any) -> None:
    from pyvirt._hooks import plugin_manager

    rec, plugin = _recorder()
    plugin_manager().register(plugin)
    try:
        run_domain_hooks(DomainHookPhase.PREPARE, driver="Mock", defn=defn)
        run_domain_hooks(DomainHookPhase.STARTED, driver="Mock", defn=defn, live_id=4)
        run_domain_hooks(DomainHookPhase.STOPPED, driver="Mock", defn=defn)
        run_domain_hooks(DomainHookPhase.RELEASE, driver="Mock", defn=defn)
    finally:
        plugin_manager().unregister(plugin)
    assert rec.calls == [
        ("prepare", "Mock", "inactive"),
        ("start", "Mock", "inactive"),
        ("started", "Mock", "id="),
        ("stopped", "Mock", "inactive"),
        ("release", "Mock", "inactive"),
        ("release", "Mock", "inactive"),
    ]


def test_a_failing_hook_vetoes_only_before_anything_happened(
    defn: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from pyvirt._hooks import plugin_manager

    rec, plugin = _recorder(veto="start")
    plugin_manager().register(plugin)
    try:
        with pytest.raises(VirtError) as info:
            run_domain_hooks(DomainHookPhase.PREPARE, driver="Mock", defn=defn)
        rec.veto = "stopped"
        with caplog.at_level("WARNING", logger="pyvirt.hooks"):
            run_domain_hooks(DomainHookPhase.STOPPED, driver="Mock", defn=defn)
    finally:
        plugin_manager().unregister(plugin)
    assert _error(info.value) == [
        int(ErrorCode.HOOK_SCRIPT_FAILED),
        int(ErrorDomain.HOOK),
        "Hook script execution failed: pyvirt_domain_start: no",
    ]
    # release still ran after the failed stopped hook, and the failure was logged.
    assert [c[0] for c in rec.calls] == ["prepare", "start", "stopped", "release"]
    assert "hook pyvirt_domain_stopped of domain 'h' failed: no" in caplog.text
