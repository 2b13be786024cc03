"""Access control: the rules file, ``pyvirt-admin acl explain``, and the matrix on a real pyvirtd.

The matrix walks the whole procedure table (every row, every flag that changes its
permissions) for three identities - an admin, a reader, and a user limited to domains named
``dev-*`` - through the unix socket (each identity a real uid, known to the daemon by
SO_PEERCRED: the probe runs under ``setpriv``) and through tcp with SCRAM (each identity a
SCRAM user).  What each identity may do is written out here by hand (:func:`expected_denied`),
not asked of the policy code under test; every call it may make must pass the check, every
other one must get libvirt's "access denied".  Real objects then show lookups of unseen
objects refused, list calls filtered and defines checked on the XML's name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import pyvirt
from daemon_helpers import as_nobody_prefix, running_daemon
from pyvirt._access import required_permissions
from pyvirt._acl import AccessPolicy, AclError, Identity, parse_policy
from pyvirt._procedures import PROCEDURES, Procedure
from pyvirt.rpc._signatures import LOCAL_ONLY, signature

pytestmark = pytest.mark.xdist_group("acl-matrix")

ADMIN = ["*:*"]
READ = ["*:getattr", "*:read", "*:search_*"]
DEV_CONNECT = ["connect:getattr", "connect:read", "connect:search_domains"]
DEV_UID = 4242


def _rules() -> str:
    out = ['default = "deny"']

    def rule(who: str, perms: list[str], objects: list[str] | None = None) -> None:
        out.append(f"[[rule]]\n{who}\npermissions = {json.dumps(perms)}")
        if objects:
            out.append(f"objects = {json.dumps(objects)}")

    rule('user = "root"', ADMIN)
    rule('scram_user = "admin"', ADMIN)
    rule('user = "nobody"', READ)
    rule('scram_user = "reader"', READ)
    for who in (f'uid = "{DEV_UID}"', 'scram_user = "dev"'):
        rule(who, ["domain:*"], ["dev-*"])
        rule(who, DEV_CONNECT)
    return "\n".join(out) + "\n"


RULES = _rules()


# -- the rules file ---------------------------------------------------------------------
def test_first_matching_rule_decides_and_explains() -> None:
    policy = parse_policy(
        {
            "rule": [
                {"user": "alice", "permissions": "domain:start", "objects": "prod-*", "action": "deny"},
                {"group": "devs", "permissions": ["domain:*"]},
            ]
        },
        "rules.toml",
    )
    alice = Identity(socket="rw", user="alice", groups=("devs",))
    assert not policy.allows(alice, "domain:start", "prod-1")
    assert policy.allows(alice, "domain:start", "dev-1")
    decision = policy.decide(alice, "domain:start", "prod-1")
    assert decision.rule is not None and decision.rule.index == 1
    # unmatched: libvirt's socket policy by default
    assert policy.allows(Identity(socket="rw"), "network:write")
    assert not policy.allows(Identity(socket="ro"), "network:write")
    assert policy.allows(Identity(socket="ro"), "network:read")


def test_a_read_only_socket_never_gains_write_permissions() -> None:
    policy = parse_policy({"rule": [{"user": "bob", "permissions": "*:*"}]}, "r")
    assert not policy.allows(Identity(socket="ro", user="bob"), "domain:start")
    assert policy.allows(Identity(socket="rw", user="bob"), "domain:start")


def test_object_rules_never_cover_the_connection_nor_unknown_objects() -> None:
    policy = parse_policy(
        {"default": "deny", "rule": [{"uid": 5, "permissions": "*:*", "objects": "*"}]}, "r"
    )
    who = Identity(socket="tcp", uid=5)
    assert policy.allows(who, "domain:start", "anything")
    assert not policy.allows(who, "domain:start", None)
    assert not policy.allows(who, "connect:getattr")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colour": 1}, "r: unknown key 'colour'"),
        ({"default": "allow"}, "r: 'default' must be \"socket\" or \"deny\""),
        ({"rule": {"user": "x"}}, "r: 'rule' must be an array of tables ([[rule]])"),
        ({"rule": [{"user": "x"}]}, "r: rule 1: 'permissions' is missing"),
        ({"rule": [{"permissions": "start"}]}, "r: rule 1: permission 'start' is not"),
        ({"rule": [{"permissions": "disk:read"}]}, "r: rule 1: permission 'disk:read' names no object type"),
        ({"rule": [{"permissions": "*:*", "action": "maybe"}]}, "r: rule 1: 'action' must be"),
        ({"rule": [{"permissions": "*:*", "who": "x"}]}, "r: rule 1: unknown key 'who'"),
        ({"rule": [{"permissions": [], "user": "x"}]}, "r: rule 1: 'permissions' must be"),
        ({"rule": [{"permissions": "*:*", "user": 3}]}, "r: rule 1: 'user' must be a non-empty"),
    ],
)
def test_bad_rules_are_named(data, message) -> None:
    with pytest.raises(AclError) as info:
        parse_policy(data, "r")
    assert str(info.value).startswith(message)


def test_pyvirtd_refuses_to_start_with_a_bad_rules_file(tmp_path) -> None:
    rules = tmp_path / "acl.toml"
    rules.write_text("[[rule]]\npermissions = 'domain:fly'\nuser = 'x'\naction = 'sometimes'\n")
    conf = tmp_path / "pyvirtd.toml"
    conf.write_text(f'access_rules = "{rules}"\n')
    done = subprocess.run(
        [sys.executable, "-m", "pyvirtd", "--config", str(conf)],
        capture_output=True, text=True, timeout=30,
        env={**os.environ, "PYVIRT_RUNTIME_DIR": str(tmp_path / "run")},
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "'access_rules' is unusable" in done.stderr and "'action' must be" in done.stderr


# -- pyvirt-admin acl explain -----------------------------------------------------------
def _explain(rules: Path, *args: str) -> subprocess.CompletedProcess[str]:
    admin = str(Path(sys.executable).parent / "pyvirt-admin")
    return subprocess.run(
        [admin, "acl", "explain", "--rules", str(rules), *args],
        capture_output=True, text=True, timeout=30,
    )


def test_explain_names_the_deciding_rule(tmp_path) -> None:
    rules = tmp_path / "acl.toml"
    rules.write_text(RULES)
    done = _explain(rules, "scram:dev", "domain:start", "dev-7")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "domain:start on 'dev-7' for scram_user=dev on the tcp socket: allowed by rule 7 "
        "(allow scram_user='dev': ['domain:*'] on ['dev-*'])\n"
    )
    done = _explain(rules, "scram:dev", "domain:start", "prod-1")
    assert done.returncode == 1
    assert done.stdout.endswith(f'denied by no rule matches: default "deny" of {rules}\n')
    done = _explain(rules, "user:nobody", "domain:read", "x", "--socket", "ro")
    assert done.returncode == 0 and "allowed by rule 3 (allow user='nobody'" in done.stdout
    done = _explain(rules, "user:root", "domain:start", "--socket", "ro")
    assert done.returncode == 1
    assert "denied by the read-only socket holds only read permissions" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scram:dev", "domain:fly"], "unknown permission 'domain:fly'"),
        (["robot:x", "domain:start"], "unknown identity kind 'robot'"),
        (["nocolon", "domain:start"], "is not KIND:VALUE"),
        (["user:no-such-user-here", "domain:start"], "no local user"),
    ],
)
def test_explain_bad_input(tmp_path, args, message) -> None:
    rules = tmp_path / "acl.toml"
    rules.write_text(RULES)
    done = _explain(rules, *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr


# -- the matrix -------------------------------------------------------------------------
#: Rows the walk leaves out: opening and closing, and virConnectSetIdentity, which would
#: change who the probe is halfway through (tests/test_set_identity.py checks its rules).
ROWS = [
    p for p in PROCEDURES
    if p.method not in ("connect_open", "connect_close", "connect_set_identity")
    and p.method not in LOCAL_ONLY
]


def probe_flags(proc: Procedure) -> list[int]:
    bits = {0}
    for rule in proc.flag_acl:
        bits.update(1 << i for i in range(32) if rule.mask & (1 << i))
    return sorted(bits)


def _is_read(permission: str) -> bool:
    perm = permission.split(":")[1]
    return perm in ("getattr", "read") or perm.startswith("search_")


def _deferred_lookup(proc: Procedure) -> bool:
    """A lookup whose object is known only from its result (by UUID, id, key, path)."""
    names = signature(proc.key).names
    return "lookup" in proc.method and "name" not in names and not (
        proc.object == "storage_vol" and "vol" in names
    )


#: Calls whose domain is the one held in a save image (libvirt checks its ACL on the definition
#: read from the file, inside the driver): the daemon's check before the call cannot name it,
#: so a rule limited to named domains refuses them (closed, not open).
IMAGE_HELD = {"domain_restore_flags", "domain_save_image_get_xml_desc"}


def expected_denied(who: str, proc: Procedure, flags: int, target: str) -> bool:
    """What each identity may do, written out: admin everything; reader the read
    permissions; dev every domain permission on dev-* and three connection ones."""
    needed = required_permissions(proc, flags)
    if who == "admin":
        return False
    if who == "reader":
        return not all(map(_is_read, needed))
    if _deferred_lookup(proc):
        return False  # the probe's object does not exist: "not found", checked on nothing
    if proc.method in IMAGE_HELD:
        return True  # the domain is known only from inside a file: a named rule cannot match
    for permission in needed:
        if permission in DEV_CONNECT:
            continue
        if permission.startswith("domain:") and proc.object == "domain" and target.startswith("dev-"):
            continue
        return True
    return False


PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import pyvirt
from daemon_helpers import dummy_args
from pyvirt.rpc._signatures import signature
job = json.load(sys.stdin)
def auth(creds):
    return [job["user"] if c == 2 else job["password"] for c, _p in creds]
def named(value, target):
    import dataclasses
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: named(getattr(value, f.name), target) for f in dataclasses.fields(value)}
        if "name" in changes:
            changes["name"] = target
        return dataclasses.replace(value, **changes)
    return value
out = {}
with pyvirt.open(job["uri"], auth=auth) as conn:
    for number, flags, target in job["cases"]:
        sig = signature(number)
        args = [named(a, target) for a in dummy_args(sig)]
        for i, name in enumerate(sig.names):
            if name == "flags":
                args[i] = flags
            elif name == "name":
                args[i] = target
            elif name == "xml":
                args[i] = f"<x><name>{target}</name></x>"
        try:
            getattr(conn.driver, sig.procedure.method)(*args)
            out[f"{number}/{flags}/{target}"] = "ok"
        except pyvirt.VirtError as exc:
            denied = exc.code == pyvirt.ErrorCode.ACCESS_DENIED
            out[f"{number}/{flags}/{target}"] = str(exc) if denied else "ok"
json.dump(out, sys.stdout)
"""

CASES = [
    (proc.key, flags, target)
    for proc in ROWS
    for flags in probe_flags(proc)
    for target in ("dev-probe", "prod-probe")
]
BY_NUMBER = {p.key: p for p in ROWS}
DENIED = "access denied: 'Test' denied access"


@pytest.fixture(scope="module")
def acl_daemon(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("acl")
    os.chmod(tmp, 0o755)
    rules = tmp / "acl.toml"
    rules.write_text(RULES)
    creds = tmp / "passwd.scram"
    from pyvirtd._auth import make_verifier, save_credentials

    save_credentials(creds, {u: make_verifier(f"{u}-pw") for u in ("admin", "reader", "dev")})
    port = _free_port()
    config = (
        f'access_rules = "{rules}"\nscram_credentials = "{creds}"\ntcp_port = {port}\n'
        'listen_tcp = true\nlisten_tls = false\n'
        'unix_sock_rw_perms = "0777"\n'
    )
    # The probes' home: reachable by every uid (pytest's own tmp is root's alone), so that
    # no probe reads root's config or writes caches outside the test.
    home = Path(tempfile.mkdtemp(prefix="pvacl-", dir="/tmp"))
    os.chmod(home, 0o1777)
    try:
        with running_daemon("--listen", config=config) as daemon:
            os.chmod(daemon.rundir.parent, 0o755)
            daemon.tcp_port = port
            daemon.home = home
            yield daemon
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _probe(
    home: Path, uri: str, prefix: list[str], user: str = "", password: str = ""
) -> dict[str, str]:
    tests_dir = str(Path(__file__).resolve().parent)
    job = {"uri": uri, "user": user, "password": password, "cases": CASES}
    done = subprocess.run(
        [*prefix, sys.executable, "-c", PROBE, tests_dir],
        input=json.dumps(job), capture_output=True, text=True, timeout=300,
        # another uid cannot read root's config: a home of the test's own, open to every uid
        env={**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
             "XDG_CACHE_HOME": str(home / "cache")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _check_matrix(who: str, got: dict[str, str]) -> None:
    wrong = []
    for number, flags, target in CASES:
        proc = BY_NUMBER[number]
        outcome = got[f"{number}/{flags}/{target}"]
        want = DENIED if expected_denied(who, proc, flags, target) else "ok"
        if outcome != want:
            wrong.append(f"{proc.method} flags={flags} on {target}: got {outcome!r}, want {want!r}")
    assert not wrong, f"{who}: {len(wrong)} of {len(CASES)} wrong:\n" + "\n".join(wrong[:40])


def _setpriv(uid: int) -> list[str]:
    prefix = as_nobody_prefix()  # skips where another uid cannot run this interpreter
    return [prefix[0], f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]


@pytest.mark.parametrize("who", ["admin", "reader", "dev"])
def test_matrix_through_the_unix_socket_by_peer_credentials(acl_daemon, who) -> None:
    prefix = {"admin": [], "reader": _setpriv(65534), "dev": _setpriv(DEV_UID)}[who]
    got = _probe(acl_daemon.home, acl_daemon.uri(), prefix)
    _check_matrix(who, got)


@pytest.mark.parametrize("who", ["admin", "reader", "dev"])
def test_matrix_through_tcp_by_scram_user(acl_daemon, who) -> None:
    uri = f"test+tcp://127.0.0.1:{acl_daemon.tcp_port}/default"
    got = _probe(acl_daemon.home, uri, [], who, f"{who}-pw")
    _check_matrix(who, got)


def test_the_matrix_refuses_and_allows_something_for_each_limited_identity() -> None:
    for who in ("reader", "dev"):
        outcomes = {expected_denied(who, BY_NUMBER[n], f, t) for n, f, t in CASES}
        assert outcomes == {True, False}, who


# -- real objects -----------------------------------------------------------------------
DOMXML = "<domain type='test'><name>{}</name><memory>1024</memory><os><type>hvm</type></os></domain>"


def _scram(daemon, who: str) -> pyvirt.Connection:
    def auth(creds):
        return [who if c == 2 else f"{who}-pw" for c, _p in creds]

    return pyvirt.open(f"test+tcp://127.0.0.1:{daemon.tcp_port}/default", auth=auth)


def test_lists_lookups_and_defines_on_real_objects(acl_daemon) -> None:
    with _scram(acl_daemon, "admin") as admin:
        for name in ("dev-a", "prod-b"):
            admin.define_domain(DOMXML.format(name))
        prod_uuid = admin.lookup_domain_by_name("prod-b").uuid
        dev_uuid = admin.lookup_domain_by_name("dev-a").uuid
        try:
            with _scram(acl_daemon, "reader") as reader:
                assert {"dev-a", "prod-b", "test"} <= {d.name for d in reader.list_domains()}
            with _scram(acl_daemon, "dev") as dev:
                assert {d.name for d in dev.list_domains()} == {"dev-a"}
                # virConnectGetAllDomainStats' @aclfilter is domain:read
                assert [d.name for d, _ in dev.get_all_domain_stats()] == ["dev-a"]
                assert dev.lookup_domain_by_uuid(dev_uuid).name == "dev-a"
                for lookup in (
                    lambda: dev.lookup_domain_by_uuid(prod_uuid),
                    lambda: dev.lookup_domain_by_name("prod-b"),
                    lambda: dev.lookup_domain_by_id(1),  # "test", running
                ):
                    with pytest.raises(pyvirt.VirtError) as info:
                        lookup()
                    assert info.value.code == pyvirt.ErrorCode.ACCESS_DENIED
                    assert str(info.value) == DENIED
                dom = dev.lookup_domain_by_name("dev-a")
                dom.start()
                dom.destroy()
                with pytest.raises(pyvirt.VirtError) as info:
                    dev.define_domain(DOMXML.format("prod-sneaky"))
                assert info.value.code == pyvirt.ErrorCode.ACCESS_DENIED
                assert "prod-sneaky" not in {d.name for d in admin.list_domains()}
                assert _denied(dev.list_networks)  # no connect:search_networks
        finally:
            for name in ("dev-a", "prod-b"):
                admin.lookup_domain_by_name(name).undefine()
    log = acl_daemon.log.read_text()
    assert "access denied: scram_user=dev on the tcp socket called virDomainLookupByName" in log


def _denied(call) -> bool:
    try:
        call()
    except pyvirt.VirtError as exc:
        return exc.code == pyvirt.ErrorCode.ACCESS_DENIED
    return False


def test_without_rules_the_policy_is_libvirts_default() -> None:
    policy = AccessPolicy()
    for proc in PROCEDURES:
        for permission in required_permissions(proc, 0):
            assert policy.allows(Identity(socket="rw"), permission)
            assert policy.allows(Identity(socket="ro"), permission) == _is_read(permission)


def test_events_go_only_to_who_may_see_their_object(acl_daemon) -> None:
    import asyncio

    import pyvirt.aio

    uri = f"test+tcp://127.0.0.1:{acl_daemon.tcp_port}/default"

    def auth_for(who: str):
        return lambda creds: [who if c == 2 else f"{who}-pw" for c, _p in creds]

    async def first_event_names() -> tuple[str, str]:
        dev = await pyvirt.aio.open_driver(uri, auth=auth_for("dev"))
        reader = await pyvirt.aio.open_driver(uri, auth=auth_for("reader"))
        try:
            dev_next = asyncio.ensure_future(dev.events().__anext__())
            reader_next = asyncio.ensure_future(reader.events().__anext__())
            await asyncio.sleep(0.3)  # both attached (a late attach only misses prod-e)
            with _scram(acl_daemon, "admin") as admin:
                for name in ("prod-e", "dev-e"):
                    await asyncio.to_thread(admin.define_domain, DOMXML.format(name))
                try:
                    got_dev = await asyncio.wait_for(dev_next, 30)
                    got_reader = await asyncio.wait_for(reader_next, 30)
                finally:
                    for name in ("prod-e", "dev-e"):
                        await asyncio.to_thread(admin.lookup_domain_by_name(name).undefine)
            return got_dev.name, got_reader.name
        finally:
            await dev.connect_close()
            await reader.connect_close()

    assert asyncio.run(first_event_names()) == ("dev-e", "prod-e")


def test_sighup_reloads_the_rules_and_a_broken_file_keeps_the_old_ones(tmp_path) -> None:
    import signal
    import time

    from pyvirtd._auth import make_verifier, save_credentials

    rules = tmp_path / "acl.toml"
    rules.write_text('default = "deny"\n[[rule]]\nscram_user = "ann"\npermissions = ["*:*"]\n')
    creds = tmp_path / "passwd.scram"
    save_credentials(str(creds), {"ann": make_verifier("ann-pw")})
    port = _free_port()
    config = (
        f'access_rules = "{rules}"\nscram_credentials = "{creds}"\ntcp_port = {port}\n'
        'listen_tcp = true\nlisten_tls = false\n'
        'log_level = "INFO"\n'  # the reload's log line is how the test knows it happened
    )
    uri = f"test+tcp://127.0.0.1:{port}/default"

    def ann_may_look() -> bool:
        def look() -> None:
            auth = lambda creds: ["ann" if c == 2 else "ann-pw" for c, _ in creds]  # noqa: E731
            with pyvirt.open(uri, auth=auth) as conn:
                conn.lookup_domain_by_name("test")

        return not _denied(look)  # refused at open or at the lookup

    def reload_and_wait(daemon, marker: str) -> None:
        before = daemon.log.read_text().count(marker)
        daemon.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30  # a bound on a hang: the worker logs at once
        while daemon.log.read_text().count(marker) == before:
            assert time.monotonic() < deadline, daemon.log.read_text()[-2000:]
            time.sleep(0.05)

    with running_daemon("--listen", config=config) as daemon:
        assert ann_may_look()
        rules.write_text('default = "deny"\n')
        reload_and_wait(daemon, "access rules reloaded")
        assert not ann_may_look()
        rules.write_text('[[rule]]\npermissions = "nonsense"\n')
        reload_and_wait(daemon, "reload: keeping the access rules")
        assert not ann_may_look()  # the last good rules still hold


def test_who_holds_nothing_is_refused_at_open(acl_daemon) -> None:
    # scram user "nobody-here" is unknown to the rules: default "deny", no connect:getattr
    from pyvirtd._auth import load_credentials, make_verifier, save_credentials

    uri = f"test+tcp://127.0.0.1:{acl_daemon.tcp_port}/default"
    config_creds = next(
        line.split('"')[1]
        for line in (acl_daemon.rundir.parent / f"{acl_daemon.rundir.name}.toml").read_text().splitlines()
        if line.startswith("scram_credentials")
    )
    users = load_credentials(config_creds)
    save_credentials(config_creds, {**users, "stranger": make_verifier("stranger-pw")})
    with pytest.raises(pyvirt.VirtError) as info:
        pyvirt.open(uri, auth=lambda creds: ["stranger" if c == 2 else "stranger-pw" for c, _ in creds])
    assert info.value.code == pyvirt.ErrorCode.ACCESS_DENIED
    assert str(info.value) == DENIED
