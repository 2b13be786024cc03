"""The QEMU driver's secrets (libvirt's secret driver): the ``<secret>`` XML, the store on
disk, every call of the SecretDriver contract, and virsh's secret commands through pyvirtd
compared byte for byte with virsh through libvirtd 9.0.

The in-process tests keep the driver under a temporary root; the comparisons define their
secrets on libvirtd's ``qemu:///system`` too and undefine every one of them again.
"""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvirt
from pyvirt import ErrorCode, ErrorDomain, VirtError
from pyvirt.testing import PyvirtdProcess
from pyvirt_qemu._secret_xml import SecretDef, format_secret_xml, parse_secret_xml
from qemu_helpers import (  # noqa: F401
    InProcessDriver,
    daemon_env,
    needs_libvirtd_qemu,
    qemu_root,
    virsh_script,
    wait_for,
)

U1 = "5ec7e700-0000-4000-8000-000000000001"
U2 = "5ec7e700-0000-4000-8000-000000000002"
U3 = "5ec7e700-0000-4000-8000-000000000003"
U4 = "5ec7e700-0000-4000-8000-000000000004"
CEPH = f"""<secret ephemeral='no' private='yes'>
  <uuid>{U1}</uuid>
  <description>ceph &amp; &apos;friends&apos;</description>
  <usage type='ceph'>
    <name>pyvirt-test client.admin secret</name>
  </usage>
</secret>
"""
ISCSI = (f"<secret ephemeral='yes' private='no'><uuid>{U2}</uuid><usage type='iscsi'>"
         "<target>pyvirt-test-iscsi</target></usage></secret>")  # fmt: skip
VOLUME = (f"<secret><uuid>{U3}</uuid><usage type='volume'>"
          "<volume>/var/lib/pyvirt-test/x.img</volume></usage></secret>")  # fmt: skip
PLAIN = f"<secret><uuid>{U4}</uuid></secret>"


@pytest.fixture
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="pqs-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def driver(root: Path) -> Iterator[InProcessDriver]:
    drv = InProcessDriver(root)
    try:
        yield drv
    finally:
        drv.stop()


def _files(root: Path) -> dict[str, bytes]:
    d = root / "secrets"
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())} if d.exists() else {}


def _fails(code: ErrorCode, message: str, call, *args):  # type: ignore[no-untyped-def]
    with pytest.raises(VirtError) as info:
        call(*args)
    assert (info.value.code, info.value.domain, str(info.value)) == (
        code,
        ErrorDomain.SECRET,
        message,
    )


# -- the XML -------------------------------------------------------------------------------
def test_parse_and_format_keep_libvirts_layout() -> None:
    d = parse_secret_xml(CEPH)
    assert d == SecretDef(U1, False, True, "ceph & 'friends'", 2, "pyvirt-test client.admin secret")
    assert format_secret_xml(d) == CEPH
    plain = parse_secret_xml("<secret><uuid>5EC7E7000000400080000000000000FF</uuid></secret>")
    assert format_secret_xml(plain) == (
        "<secret ephemeral='no' private='no'>\n"
        "  <uuid>5ec7e700-0000-4000-8000-0000000000ff</uuid>\n"
        "</secret>\n"
    )
    for kind, tag, number in (("volume", "volume", 1), ("iscsi", "target", 3), ("tls", "name", 4),
                              ("vtpm", "name", 5)):  # fmt: skip
        d = parse_secret_xml(f"<secret><usage type='{kind}'><{tag}>x</{tag}></usage></secret>")
        assert (d.usage_type, d.usage_id) == (number, "x")
        assert f"  <usage type='{kind}'>\n    <{tag}>x</{tag}>\n  </usage>\n" in format_secret_xml(
            d
        )


def test_a_secret_without_uuid_gets_one() -> None:
    a, b = parse_secret_xml("<secret/>"), parse_secret_xml("<secret><uuid></uuid></secret>")
    assert a.uuid != b.uuid and len(a.uuid) == 36 and pyvirt.conf.parse_uuid(a.uuid) == a.uuid


@pytest.mark.parametrize(
    ("xml", "code", "message"),
    [
        ("<secret><usage type='bogus'/></secret>", ErrorCode.CONFIG_UNSUPPORTED,
         "unsupported configuration: unknown secret usage type bogus"),
        ("<secret><usage/></secret>", ErrorCode.XML_ERROR,
         "XML error: unknown secret usage type"),
        ("<secret ephemeral='maybe'/>", ErrorCode.XML_ERROR,
         "XML error: invalid value of 'ephemeral'"),
        ("<secret private='1'/>", ErrorCode.XML_ERROR, "XML error: invalid value of 'private'"),
        ("<secret><usage type='ceph'/></secret>", ErrorCode.INTERNAL_ERROR,
         "internal error: Ceph usage specified, but name is missing"),
        ("<secret><usage type='ceph'><name></name></usage></secret>", ErrorCode.INTERNAL_ERROR,
         "internal error: Ceph usage specified, but name is missing"),
        ("<secret><usage type='volume'/></secret>", ErrorCode.INTERNAL_ERROR,
         "internal error: volume usage specified, but volume path is missing"),
        ("<secret><usage type='iscsi'/></secret>", ErrorCode.INTERNAL_ERROR,
         "internal error: iSCSI usage specified, but target is missing"),
        ("<secret><usage type='tls'/></secret>", ErrorCode.INTERNAL_ERROR,
         "internal error: TLS usage specified, but name is missing"),
        ("<secret><usage type='vtpm'/></secret>", ErrorCode.INTERNAL_ERROR,
         "internal error: vTPM usage specified, but name is missing"),
        ("<notsecret/>", ErrorCode.XML_ERROR,
         "XML error: expecting root element of 'secret', not 'notsecret'"),
        ("<secret><uuid>bad</uuid></secret>", ErrorCode.INTERNAL_ERROR,
         "internal error: malformed uuid element"),
        ("<secret>\n", ErrorCode.XML_DETAIL,
         "(definition_of_secret):2: Premature end of data in tag secret line 1\n(null)\n^"),
    ],
)  # fmt: skip
def test_bad_xml_is_refused_with_libvirts_error(xml: str, code: ErrorCode, message: str) -> None:
    _fails(code, message, parse_secret_xml, xml)


# -- the store, in process -----------------------------------------------------------------
def test_persistent_secrets_are_two_private_files_that_survive_a_restart(root: Path) -> None:
    drv = InProcessDriver(root)
    conn = drv.connect()
    s = conn.define_secret(CEPH)
    conn.define_secret(ISCSI).set_value(b"ephemeral value")
    s.set_value(b"\x00\xffbinary")
    files = _files(root)
    assert files == {f"{U1}.base64": b"AP9iaW5hcnk=", f"{U1}.xml": CEPH.encode()}
    for name in files:
        assert stat.S_IMODE((root / "secrets" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "secrets").stat().st_mode) == 0o700
    drv.stop()
    drv = InProcessDriver(root)
    try:
        conn = drv.connect()
        assert [x.uuid for x in conn.list_secrets()] == [U1]  # the ephemeral one is gone
        found = conn.lookup_secret_by_usage(2, "pyvirt-test client.admin secret")
        assert found.xml_desc() == CEPH
        _fails(ErrorCode.INVALID_SECRET, "Invalid secret: secret is private", found.value)
        assert drv.state._driver is not None
        assert drv.state._driver.secrets.get_value(U1, internal=True) == b"\x00\xffbinary"
    finally:
        drv.stop()


def test_every_call_of_the_contract(driver: InProcessDriver, root: Path) -> None:
    conn = driver.connect()
    for xml in (CEPH, ISCSI, VOLUME, PLAIN):
        conn.define_secret(xml, 1)  # VIR_SECRET_DEFINE_VALIDATE is accepted
    assert conn.count_secrets() == 4
    assert sorted(conn.list_secret_uuids(10)) == [U1, U2, U3, U4]
    assert len(conn.list_secret_uuids(2)) == 2 and conn.list_secret_uuids(0) == []

    def listed(flags: int) -> list[str]:
        return sorted(s.uuid for s in conn.list_secrets(flags))

    assert listed(0) == [U1, U2, U3, U4]
    assert listed(1) == [U2] and listed(2) == [U1, U3, U4] and listed(1 | 2) == listed(0)
    assert listed(4) == [U1] and listed(8) == [U2, U3, U4] and listed(2 | 8) == [U3, U4]
    _fails(ErrorCode.INVALID_ARG, "unsupported flags (0x10) in function "
           "secretConnectListAllSecrets", conn.list_secrets, 16)  # fmt: skip
    vol = conn.lookup_secret_by_usage(1, "/var/lib/pyvirt-test/x.img")
    assert (vol.uuid, vol.usage_type, vol.usage_id) == (U3, 1, "/var/lib/pyvirt-test/x.img")
    assert conn.lookup_secret_by_uuid(U4).usage_type == 0
    _fails(ErrorCode.NO_SECRET, "Secret not found: no secret with matching usage ''",
           conn.lookup_secret_by_usage, 0, "")  # fmt: skip
    _fails(ErrorCode.NO_SECRET, "Secret not found: no secret with matching usage 'x'",
           conn.lookup_secret_by_usage, 2, "x")  # fmt: skip
    gone = "5ec7e700-0000-4000-8000-0000000000ff"
    _fails(ErrorCode.NO_SECRET, f"Secret not found: no secret with matching uuid '{gone}'",
           conn.lookup_secret_by_uuid, gone)  # fmt: skip
    _fails(ErrorCode.NO_SECRET, f"Secret not found: secret '{U3}' does not have a value",
           vol.value)  # fmt: skip
    _fails(ErrorCode.INVALID_ARG, "value in virSecretSetValue must not be NULL", vol.set_value,
           b"")  # fmt: skip
    _fails(ErrorCode.INVALID_ARG, "value in virSecretSetValue must not be NULL",
           conn._calls.secret_set_value, vol.ref, b"", 0)  # fmt: skip
    vol.set_value(b"v1")
    vol.set_value(b"v2")
    assert vol.value() == b"v2"
    assert (root / "secrets" / f"{U3}.base64").read_bytes() == b"djI="
    for call, name in ((vol.xml_desc, "secretGetXMLDesc"), (vol.value, "secretGetValue")):
        _fails(ErrorCode.INVALID_ARG, f"unsupported flags (0x1) in function {name}", call, 1)
    _fails(ErrorCode.INVALID_ARG, "unsupported flags (0x2) in function secretDefineXML",
           conn.define_secret, PLAIN, 2)  # fmt: skip
    vol.undefine()
    assert f"{U3}.xml" not in _files(root) and f"{U3}.base64" not in _files(root)
    _fails(ErrorCode.NO_SECRET, f"Secret not found: no secret with matching uuid '{U3}'",
           vol.value)  # fmt: skip


def test_redefining_follows_libvirts_rules(driver: InProcessDriver, root: Path) -> None:
    conn = driver.connect()
    conn.define_secret(CEPH)
    conn.define_secret(PLAIN)
    before = _files(root)
    clash = CEPH.replace(U1, U3)
    _fails(ErrorCode.INTERNAL_ERROR, f"internal error: a secret with UUID {U1} already defined "
           "for use with pyvirt-test client.admin secret", conn.define_secret, clash)  # fmt: skip
    other = CEPH.replace("pyvirt-test client.admin secret", "other")
    _fails(ErrorCode.INTERNAL_ERROR, f"internal error: a secret with UUID {U1} is already "
           "defined for use with pyvirt-test client.admin secret", conn.define_secret, other)  # fmt: skip
    _fails(ErrorCode.INTERNAL_ERROR, f"internal error: a secret with UUID {U4} is already "
           "defined for use with (null)", conn.define_secret, ISCSI.replace(U2, U4))  # fmt: skip
    public = CEPH.replace("private='yes'", "private='no'")
    _fails(ErrorCode.INTERNAL_ERROR, "internal error: cannot change private flag on existing "
           "secret", conn.define_secret, public)  # fmt: skip
    assert _files(root) == before  # nothing changed on disk
    # the usage type may change when the usage id stays, as libvirt allows
    tls = CEPH.replace("type='ceph'", "type='tls'").replace(
        "<description>ceph &amp; &apos;friends&apos;</description>\n  ", ""
    )
    conn.define_secret(tls)
    assert conn.lookup_secret_by_uuid(U1).usage_type == 4
    conn.lookup_secret_by_uuid(U1).set_value(b"kept")
    # persistent -> ephemeral removes both files; back again writes them, value kept
    conn.define_secret(tls.replace("ephemeral='no'", "ephemeral='yes'"))
    assert sorted(_files(root)) == [f"{U4}.xml"]
    conn.define_secret(tls)
    assert _files(root)[f"{U1}.base64"] == b"a2VwdA=="


def test_events_of_define_value_and_undefine(driver: InProcessDriver) -> None:
    conn = driver.connect()
    seen: list[tuple[str, str, str, int, int]] = []
    token = conn._calls.connect_event_subscribe(
        lambda ev: seen.append((ev.kind, ev.uuid, ev.name, ev.event_id, ev.event))
    )
    s = conn.define_secret(VOLUME)
    s.set_value(b"x")
    s.undefine()
    conn._calls.connect_event_unsubscribe(token)
    path = "/var/lib/pyvirt-test/x.img"
    assert seen == [("secret", U3, path, 0, 0), ("secret", U3, path, 1, 0),
                    ("secret", U3, path, 0, 1)]  # fmt: skip


def test_unreadable_files_are_skipped_naming_no_value(root: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    d = root / "secrets"
    d.mkdir(mode=0o700)
    (d / f"{U1}.xml").write_text(CEPH)
    (d / f"{U1}.base64").write_text("pyvirt-canary not base64!")
    (d / f"{U2}.xml").write_text(CEPH)  # named for another UUID
    (d / "junk.xml").write_text("<secret")
    drv = InProcessDriver(root)
    try:
        assert drv.connect().list_secrets() == []
    finally:
        drv.stop()
    assert "pyvirt-canary" not in caplog.text


def test_a_failed_write_changes_nothing(driver: InProcessDriver, root: Path) -> None:
    """A file the driver cannot replace (here a directory in its place) fails the call with
    the system error and leaves the secret as it was, in memory and on disk."""
    conn = driver.connect()
    (root / "secrets" / f"{U3}.xml").mkdir()
    with pytest.raises(VirtError) as info:
        conn.define_secret(VOLUME)
    assert info.value.code == ErrorCode.SYSTEM_ERROR and "cannot create file" in str(info.value)
    assert conn.list_secrets() == []
    (root / "secrets" / f"{U3}.xml").rmdir()
    ephemeral = VOLUME.replace("<secret>", "<secret ephemeral='yes'>")
    conn.define_secret(ephemeral).set_value(b"old")
    (root / "secrets" / f"{U3}.xml").mkdir()
    with pytest.raises(VirtError):
        conn.define_secret(VOLUME)  # ephemeral -> persistent: the value file is undone too
    assert conn.lookup_secret_by_uuid(U3).xml_desc() == format_secret_xml(
        parse_secret_xml(ephemeral)
    )
    assert sorted(_files_or_dirs(root)) == [f"{U3}.xml"]
    (root / "secrets" / f"{U3}.xml").rmdir()
    conn.define_secret(VOLUME)
    assert (root / "secrets" / f"{U3}.base64").read_bytes() == b"b2xk"  # the value went along
    (root / "secrets" / f"{U3}.base64").unlink()
    (root / "secrets" / f"{U3}.base64").mkdir()
    with pytest.raises(VirtError):
        conn.lookup_secret_by_uuid(U3).set_value(b"new")
    assert conn.lookup_secret_by_uuid(U3).value() == b"old"


def _files_or_dirs(root: Path) -> list[str]:
    return [p.name for p in (root / "secrets").iterdir()]


# -- through pyvirtd, against libvirtd ------------------------------------------------------
VIRSH = shutil.which("virsh") or "virsh"
PYVIRSH = shutil.which("pyvirsh", path=os.path.dirname(sys.executable)) or "pyvirsh"
#: virsh's environment for libvirtd: no default URI of a test's own.
LIBVIRTD_ENV = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}


@contextlib.contextmanager
def _pyvirtd(
    daemon_env: tuple[Path, dict[str, str]], config: str | None = None
) -> Iterator[PyvirtdProcess]:
    """A pyvirtd of the test's own whose QEMU worker is up; stopped on exit."""
    from daemon_helpers import start_daemon

    rundir, env = daemon_env
    daemon = start_daemon(rundir, config=config, env=env)
    try:
        daemon.wait_worker("qemu")
        yield daemon
    finally:
        daemon.stop()


def _undefine_on_libvirtd(*uuids: str) -> None:
    for uuid in uuids:
        subprocess.run([VIRSH, "-c", "qemu:///system", f"secret-undefine {uuid}"],
                       capture_output=True, timeout=60, check=False)  # fmt: skip


def _virsh_on_libvirtd(script: str) -> tuple[int, str, str]:
    try:
        return virsh_script([VIRSH], script, "NONAME", LIBVIRTD_ENV)
    finally:
        _undefine_on_libvirtd(U1, U2, U3, U4)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, text in (("ceph.xml", CEPH), ("iscsi.xml", ISCSI), ("volume.xml", VOLUME),
                       ("plain.xml", PLAIN), ("bogus.xml", "<secret><usage type='bogus'/></secret>"),
                       ("public.xml", CEPH.replace("private='yes'", "private='no'")),
                       ("clash.xml", CEPH.replace(U1, U3)), ("value.b64", "aGVsbG8gd29ybGQ=\n"),
                       ("value.txt", "plain text value")):  # fmt: skip
        (tmp_path / name).write_text(text)
    (tmp_path / "value.bin").write_bytes(b"\x01\x02binary\xff")
    return tmp_path


def _script(d: Path) -> str:
    lists = "; ".join(f"secret-list {f}" for f in ("", "--ephemeral", "--no-ephemeral",
                                                   "--private", "--no-private",
                                                   "--ephemeral --no-private"))  # fmt: skip
    return "; ".join([
        f"secret-define {d}/ceph.xml", f"secret-define {d}/iscsi.xml",
        f"secret-define {d}/volume.xml", f"secret-define {d}/plain.xml",
        f"secret-define {d}/bogus.xml", f"secret-define {d}/public.xml",
        f"secret-define {d}/clash.xml", lists,
        f"secret-dumpxml {U1}", f"secret-dumpxml {U2}", f"secret-dumpxml {U4}",
        f"secret-dumpxml {U1} --xpath //usage/name",
        f"secret-get-value {U3}", f"secret-set-value {U3} --base64 aGVsbG8=",
        f"secret-get-value {U3}", f"secret-get-value --plain {U3}",
        f"secret-set-value {U3} --file {d}/value.b64", f"secret-get-value {U3}",
        f"secret-set-value {U3} --file {d}/value.txt --plain", f"secret-get-value --plain {U3}",
        f"secret-set-value {U2} --file {d}/value.bin --plain", f"secret-get-value {U2}",
        f"secret-set-value {U1} --base64 aGVsbG8=", f"secret-get-value {U1}",
        f"secret-set-value {U4} --base64 '!!'",
        # (filtered to a secret nothing changes: other tests' secrets on libvirtd stay unheard)
        f"secret-event --event lifecycle --timeout 1 --secret {U4}",
        f"secret-undefine {U3}", f"secret-get-value {U3}", f"secret-undefine {U3}",
        f"secret-undefine {U1}", f"secret-undefine {U2}", f"secret-undefine {U4}",
        "secret-list", "secret-event --list", "secret-event --event bogus",
    ])  # fmt: skip


@needs_libvirtd_qemu
def test_virsh_secret_commands_through_pyvirtd_as_through_libvirtd(files: Path, daemon_env) -> None:  # type: ignore[no-untyped-def]
    script = _script(files)
    want = _virsh_on_libvirtd(script)
    with _pyvirtd(daemon_env):
        got = virsh_script([PYVIRSH], script, "NONAME", {**os.environ, **daemon_env[1]})
    if got != want:  # the differing lines, readable in the failure
        import difflib

        for i in (1, 2):
            print("".join(difflib.unified_diff(want[i].splitlines(True), got[i].splitlines(True))))
    assert got == want


#: The event test's own secrets (the script test may run at the same time on libvirtd).
UP = "5ec7e700-0000-4000-8000-0000000000ee"
UE = "5ec7e700-0000-4000-8000-0000000000e3"
PROBE = f"<secret ephemeral='yes'><uuid>{UP}</uuid></secret>"
WATCHED = (f"<secret><uuid>{UE}</uuid><usage type='tls'><name>pyvirt-test-events</name>"
           "</usage></secret>")  # fmt: skip


def _events_heard(program: str, env: dict[str, str], d: Path) -> tuple[list[str], str]:
    """The lifecycle lines a looping ``secret-event`` watcher prints while *program* defines,
    sets and undefines secrets, and the whole output of a one-shot value-changed watcher.

    Each watcher is known to listen once it heard a throwaway secret's event: waits, never
    sleeps."""
    stdbuf = shutil.which("stdbuf")  # virsh's stdout to a pipe is block-buffered
    (d / "probe.xml").write_text(PROBE)
    (d / "watched.xml").write_text(WATCHED)

    def virsh(cmd: str) -> None:
        subprocess.run([program, "-c", "qemu:///system", cmd], capture_output=True, text=True,
                       env=env, timeout=120, check=False)  # fmt: skip

    def watch(*args: str) -> tuple[subprocess.Popen[str], list[str], threading.Thread]:
        proc = subprocess.Popen([*([stdbuf, "-oL"] if stdbuf else []), program, "-c",
                                 "qemu:///system", "secret-event", *args, "--timeout", "600"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env)  # fmt: skip
        heard: list[str] = []
        reader = threading.Thread(target=lambda: heard.extend(proc.stdout or []), daemon=True)
        reader.start()
        return proc, heard, reader

    loop, heard, _ = watch("--event", "lifecycle", "--loop")
    try:
        assert wait_for(lambda: virsh(f"secret-define {d}/probe.xml; secret-undefine {UP}")
                        or any(UP in line for line in heard), 120)  # fmt: skip
        virsh(f"secret-define {d}/watched.xml; secret-set-value {UE} --base64 aGVsbG8=; "
              f"secret-define {d}/watched.xml; secret-undefine {UE}")  # fmt: skip
        assert wait_for(lambda: any(f"{UE}: Undefined" in line for line in heard), 120)
    finally:
        loop.kill()
        loop.wait()
    virsh(f"secret-define {d}/probe.xml")
    once, printed, reader = watch("--event", "value-changed", "--secret", UP)
    try:
        assert wait_for(lambda: virsh(f"secret-set-value {UP} --base64 aGVsbG8=")
                        or once.poll() is not None, 120)  # fmt: skip
        rc = once.wait()
        reader.join()  # everything it printed, up to the end of its output
        out = "".join(printed) + f"rc={rc}"
    finally:
        once.kill()
        virsh(f"secret-undefine {UP}; secret-undefine {UE}")
    return [line for line in heard if UE in line], out


@needs_libvirtd_qemu
def test_secret_event_through_pyvirtd_as_through_libvirtd(files: Path, daemon_env) -> None:  # type: ignore[no-untyped-def]
    want = _events_heard(VIRSH, LIBVIRTD_ENV, files)
    with _pyvirtd(daemon_env):
        got = _events_heard(PYVIRSH, {**os.environ, **daemon_env[1]}, files)
    assert want == (
        [f"event 'lifecycle' for secret {UE}: Defined\n"] * 2
        + [f"event 'lifecycle' for secret {UE}: Undefined\n"],
        f"event 'value-changed' for secret {UP}\nevents received: 1\n\nrc=0",
    )
    assert got == want


#: A value no log line would hold by chance, with binary bytes around it.
CANARY = b"\x00\xffpyvirt-secret-canary-51c3\x01"


def test_values_survive_a_pyvirtd_restart_ephemeral_secrets_do_not(
    daemon_env, qemu_root: Path
) -> None:  # type: ignore[no-untyped-def]
    """Through pyvirtd (its log at debug level): a persistent secret's value is read back
    after a restart, an ephemeral secret is gone, a read-only connection reads no value and
    changes nothing, and the value appears in no log line."""
    config = 'log_level = "DEBUG"\n'
    uri = "qemu:///session" if os.geteuid() else "qemu:///system"
    with _pyvirtd(daemon_env, config), pyvirt.open(uri) as conn:
        conn.define_secret(VOLUME).set_value(CANARY)
        conn.define_secret(ISCSI).set_value(CANARY)
    with _pyvirtd(daemon_env, config) as daemon:
        with pyvirt.open(uri, read_only=True) as ro:
            found = ro.lookup_secret_by_uuid(U3)
            assert [s.uuid for s in ro.list_secrets()] == [U3]
            assert found.xml_desc() == format_secret_xml(parse_secret_xml(VOLUME))
            for call, args, api in ((found.value, (), "virSecretGetValue"),
                                    (found.set_value, (b"x",), "virSecretSetValue"),
                                    (found.undefine, (), "virSecretUndefine"),
                                    (ro.define_secret, (PLAIN,), "virSecretDefineXML")):  # fmt: skip
                with pytest.raises(VirtError) as info:
                    call(*args)
                assert info.value.code == ErrorCode.OPERATION_DENIED
                assert str(info.value) == f"operation forbidden: read only access prevents {api}"
        with pyvirt.open(uri) as conn:
            assert conn.lookup_secret_by_uuid(U3).value() == CANARY
            _fails(ErrorCode.NO_SECRET, f"Secret not found: no secret with matching uuid '{U2}'",
                   conn.lookup_secret_by_uuid, U2)  # fmt: skip
            conn.lookup_secret_by_uuid(U3).undefine()
    logged = daemon.log.read_bytes()
    assert b"worker qemu ready" in logged  # the log is the one the workers write to
    assert b"pyvirt-secret-canary" not in logged
    assert b"\x00\xffpyvirt" not in logged and b"AP9weXZpcnQt" not in logged  # nor base64
    assert _files(qemu_root) == {}


@needs_libvirtd_qemu
def test_read_only_virsh_through_pyvirtd_as_through_libvirtd(files: Path, daemon_env) -> None:  # type: ignore[no-untyped-def]
    # its own secret: the other comparisons may run on libvirtd at the same time
    ur = "5ec7e700-0000-4000-8000-0000000000d0"
    (files / "ro.xml").write_text(ISCSI.replace(U2, ur).replace("-iscsi", "-read-only"))
    setup = f"secret-define {files}/ro.xml; secret-set-value {ur} --base64 aGVsbG8="
    script = "; ".join([
        f"secret-dumpxml {ur}", f"secret-get-value {ur}",
        f"secret-set-value {ur} --base64 aGVsbG8=", f"secret-define {files}/plain.xml",
        f"secret-undefine {ur}",
    ])  # fmt: skip
    try:
        virsh_script([VIRSH], setup, "NONAME", LIBVIRTD_ENV)
        want = virsh_script([VIRSH, "-r"], script, "NONAME", LIBVIRTD_ENV)
    finally:
        _undefine_on_libvirtd(ur)
    env = {**os.environ, **daemon_env[1]}
    with _pyvirtd(daemon_env):
        virsh_script([PYVIRSH], setup, "NONAME", env)
        got = virsh_script([PYVIRSH, "-r"], script, "NONAME", env)
    assert "read only access prevents virSecretGetValue" in want[2]
    assert got == want


BINDING_PROBE = r"""
import sys
mod, uuid = sys.argv[1], sys.argv[2]
if mod == "real":
    import libvirt
else:
    import pyvirt.libvirt as libvirt
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open("qemu:///system")
seen = []
# the any-secret callbacks hear what other tests do on the same daemon meanwhile: this
# probe's own secret only
def lifecycle(conn, secret, event, detail, opaque):
    if secret.UUIDString() != uuid:
        return
    seen.append(("lifecycle", secret.UUIDString(), secret.usageType(), secret.usageID(),
                 event, detail, opaque))
def changed(conn, secret, opaque):
    if secret.UUIDString() != uuid:
        return
    seen.append(("value-changed", secret.UUIDString(), secret.usageType(), secret.usageID(),
                 opaque))
ids = [c.secretEventRegisterAny(None, 0, lifecycle, "all"),
       c.secretEventRegisterAny(None, 1, changed, "values")]
xml = ("<secret ephemeral='yes'><uuid>%s</uuid><usage type='vtpm'><name>pyvirt-binding</name>"
       "</usage></secret>" % uuid)
s = c.secretDefineXML(xml)
while not seen:  # (its Defined event, delivered before the next registration exists)
    libvirt.virEventRunDefaultImpl()
ids.append(c.secretEventRegisterAny(s, 0, lifecycle, "one"))
s.setValue(b"v")
s.undefine()
while len(seen) < 4:
    libvirt.virEventRunDefaultImpl()
for i in ids:
    c.secretEventDeregisterAny(i)
try:
    c.secretEventDeregisterAny(ids[0])
except libvirt.libvirtError as e:
    seen.append((e.get_error_code(), e.get_error_message()))
for line in seen:
    print(line)
"""


@needs_libvirtd_qemu
def test_secret_event_callbacks_of_pyvirt_libvirt_as_of_the_real_binding(daemon_env) -> None:  # type: ignore[no-untyped-def]
    from real_libvirt import SYSTEM_PYTHON, real_binding_available

    if not real_binding_available():
        pytest.skip("the real libvirt binding (python3-libvirt) is missing")
    ub = "5ec7e700-0000-4000-8000-0000000000b1"

    def run(python: str, mod: str, env: dict[str, str]) -> str:
        done = subprocess.run([python, "-c", BINDING_PROBE, mod, ub], capture_output=True,
                              text=True, timeout=120, env=env, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    try:
        want = run(SYSTEM_PYTHON, "real", LIBVIRTD_ENV)
    finally:
        _undefine_on_libvirtd(ub)
    with _pyvirtd(daemon_env):
        got = run(sys.executable, "pyvirt", {**os.environ, **daemon_env[1]})
    assert f"('value-changed', '{ub}', 5, 'pyvirt-binding', 'values')" in want
    assert got == want


def test_access_rules_hide_a_secret_its_calls_and_its_events(daemon_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With pyvirtd's rules denying ``secret:getattr`` on one secret (named by UUID, as
    libvirt's rules name secrets), listings leave it out, its lookup is refused, and its
    events reach nobody, while another secret's do."""
    rules = tmp_path / "acl.toml"
    rules.write_text(f'default = "socket"\n[[rule]]\npermissions = ["secret:getattr"]\n'
                     f'objects = ["{U3}"]\naction = "deny"\n')  # fmt: skip
    uri = "qemu:///session" if os.geteuid() else "qemu:///system"
    heard: list[tuple[str, int, int]] = []
    with _pyvirtd(daemon_env, f'access_rules = "{rules}"\n'), pyvirt.open(uri) as conn:
        conn.register_event_callback(
            lambda _c, ev: heard.append((ev.uuid, ev.event_id, ev.event)), kind="secret"
        )
        conn.define_secret(VOLUME)  # hidden
        conn.define_secret(PLAIN).set_value(b"x")
        conn.lookup_secret_by_uuid(U4).undefine()
        assert wait_for(lambda: (U4, 0, 1) in heard, 60)
        assert [s.uuid for s in conn.list_secrets()] == [] and conn.count_secrets() == 1
        with pytest.raises(VirtError) as info:
            conn.lookup_secret_by_uuid(U3)
        assert str(info.value) == "access denied: 'QEMU' denied access"
    assert heard == [(U4, 0, 0), (U4, 1, 0), (U4, 0, 1)]
