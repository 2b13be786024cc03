"""The DAC security driver: QEMU runs as an unprivileged user that owns the guest's files.

Why: a QEMU process exploited by its guest should hold no more than that guest's own images.
As libvirt's privileged QEMU driver does, every guest's QEMU runs as the configured user and
group (``qemu.conf``'s ``user``/``group``; Debian's ``libvirt-qemu``), and with
``dynamic_ownership`` the files it must open (disk images and their backing chains, the
kernel, initrd and dtb) are chowned to it at start and given back at stop.

The owner a file had is remembered as libvirt remembers it, in extended attributes of the
file itself (``trusted.libvirt.security.dac``, a reference count, and the host's boot time so
that attributes left by a crash before a reboot are ignored): two guests sharing a read-only
base image then give it back only when the last stops, and libvirtd and pyvirtd agree on
files they share.  A file system without extended attributes gets root:root back, libvirt's
answer when it cannot remember.

Per domain, ``<seclabel model='dac'>`` decides: ``dynamic`` (the default, added to the live
XML as libvirt adds it), ``static`` with a ``user:group`` label of its own (names or
``+uid``), ``none``; a disk's ``<source><seclabel relabel='no'/></source>`` leaves that
image alone.  The session driver (qemu:///session) has no DAC driver, as libvirt's has none.
"""

from __future__ import annotations

import contextlib
import errno
import grp
import json
import os
import pwd
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from pyvirt import ErrorCode, ErrorDomain, VirtError, make_error
from pyvirt.conf import DomainDef
from pyvirt.driver import parse_conf

from pyvirt_qemu._disks import disk_layers

__all__ = [
    "DacConfig",
    "DacLabel",
    "apply_seclabel_defaults",
    "dac_label_text",
    "label_domain",
    "label_new_file",
    "load_dac_config",
    "restore_domain",
]

#: Debian's build of libvirt runs QEMU as this user and group (--with-qemu-user/-group).
DEFAULT_USER = "libvirt-qemu"
DEFAULT_GROUP = "libvirt-qemu"
_XATTR_OWNER = "trusted.libvirt.security.dac"
_XATTR_REFS = "trusted.libvirt.security.ref_dac"
_XATTR_STAMP = "trusted.libvirt.security.timestamp_dac"
#: Written into the run's directory: what start chowned, so stop gives back exactly that
#: even after a pyvirtd restart or when a pool's volume no longer resolves.
LABELS_FILE = "dac-labels.json"


def _bad(code: ErrorCode, message: str, domain: ErrorDomain = ErrorDomain.NONE) -> VirtError:
    return make_error(code, domain, message)


def _numeric_id(name: str, lookup: Callable[[str], int], what: str) -> int:
    """libvirt's virGetUserID/virGetGroupID: a name, or ``+N`` for a number unlooked-up."""
    if not name.startswith("+"):
        with contextlib.suppress(KeyError):
            return lookup(name)
    text = name.removeprefix("+")
    if not text.isdigit():
        raise _bad(ErrorCode.INVALID_ARG, f"Failed to parse {what} '{text}'")
    return int(text)


def _uid(user: str) -> int:
    return _numeric_id(user, lambda n: pwd.getpwnam(n).pw_uid, "user")


def _gid(group: str) -> int:
    return _numeric_id(group, lambda n: grp.getgrnam(n).gr_gid, "group")


def _groups_of(user: str, gid: int) -> tuple[int, ...]:
    """The supplementary groups QEMU gets: the named user's (``kvm`` for /dev/kvm)."""
    if user.startswith("+"):
        return ()
    try:
        return tuple(os.getgrouplist(user, gid))
    except (KeyError, OSError):
        return ()


@dataclass(frozen=True)
class DacLabel:
    """Who one guest's QEMU runs as, and whether its files are chowned to it."""

    uid: int
    gid: int
    groups: tuple[int, ...]
    relabel: bool

    @property
    def text(self) -> str:
        return f"+{self.uid}:+{self.gid}"


def parse_owner(label: str) -> tuple[int, int, tuple[int, ...]]:
    """``user:group`` (names or ``+N``) → uid, gid, supplementary groups."""
    user, sep, group = label.partition(":")
    if not sep:
        raise _bad(ErrorCode.INVALID_ARG, f"Failed to parse uid and gid from '{label}'")
    uid, gid = _uid(user), _gid(group)
    return uid, gid, _groups_of(user, gid)


@dataclass(frozen=True)
class DacConfig:
    """The DAC settings of ``qemu.conf`` as the driver resolved them at initialise."""

    #: False for the session driver, which (as libvirt's) stacks no DAC driver.
    active: bool
    uid: int
    gid: int
    groups: tuple[int, ...]
    dynamic_ownership: bool
    #: The primary security model node_get_security_model reports ("none" or "dac").
    primary: str

    @property
    def label(self) -> DacLabel:
        return DacLabel(self.uid, self.gid, self.groups, self.dynamic_ownership)


def _conf_str(conf: dict[str, object], key: str, path: Path) -> str | None:
    value = conf.get(key)
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else value
    if not isinstance(value, str):
        raise _bad(ErrorCode.CONF_SYNTAX, f"{path}: {key}: expected a string",
                   ErrorDomain.CONF)  # fmt: skip
    return value


def load_dac_config(path: Path, *, privileged: bool) -> DacConfig:
    """Read ``user``, ``group``, ``dynamic_ownership`` and ``security_driver`` from the
    driver's ``qemu.conf`` (absent: libvirt's defaults).

    The default user is Debian's ``libvirt-qemu`` where that account exists, root where it
    does not (a libvirt built without a QEMU user); a user or group the file names that does
    not exist is libvirt's "Failed to parse user" error and the driver does not start.
    """
    conf: dict[str, object] = {}
    if path.exists():
        try:
            conf = dict(parse_conf(path.read_text(), str(path)))
        except OSError as exc:
            raise _bad(ErrorCode.SYSTEM_ERROR, f"cannot read {path}: {exc.strerror}",
                       ErrorDomain.CONF) from exc  # fmt: skip
    primary = _conf_str(conf, "security_driver", path) or "none"
    if primary not in ("none", "dac"):
        raise _bad(ErrorCode.CONFIG_UNSUPPORTED, f"Security driver {primary} not enabled",
                   ErrorDomain.SECURITY)  # fmt: skip
    dynamic = bool(conf.get("dynamic_ownership", 1))
    if not privileged:
        return DacConfig(False, os.getuid(), os.getgid(), (), False, "none")
    user = _conf_str(conf, "user", path)
    group = _conf_str(conf, "group", path)
    if user is None:
        user = DEFAULT_USER if _exists(pwd.getpwnam, DEFAULT_USER) else "root"
    if group is None:
        group = DEFAULT_GROUP if _exists(grp.getgrnam, DEFAULT_GROUP) else "root"
    uid, gid, groups = parse_owner(f"{user}:{group}")
    return DacConfig(True, uid, gid, groups, dynamic, primary)


def _exists(lookup: object, name: str) -> bool:
    try:
        lookup(name)  # type: ignore[operator]
    except KeyError:
        return False
    return True


# ---------------------------------------------------------------- the domain's label


def apply_seclabel_defaults(d: DomainDef) -> None:
    """Define-time defaults libvirt writes: ``<seclabel type='none'/>`` names the primary
    model (``none``), and a static label is not relabelled unless it says so."""
    for el in d.extra.get("seclabel", []):
        if el.get("type") == "none" and el.get("model") is None:
            el.set("model", "none")
        if el.get("type") == "static" and el.get("relabel") is None:
            el.set("relabel", "no")


def _dac_element(live: DomainDef) -> etree._Element | None:
    return next((el for el in live.extra.get("seclabel", []) if el.get("model") == "dac"), None)


def domain_label(live: DomainDef, cfg: DacConfig) -> DacLabel | None:
    """Who this guest's QEMU runs as (None: the daemon's own user, no DAC driver), adding
    the dynamic ``<seclabel model='dac'>`` to the live definition as libvirt does."""
    if not cfg.active:
        return None
    el = _dac_element(live)
    if el is None:
        label = cfg.label
        el = etree.Element("seclabel", type="dynamic", model="dac", relabel="yes")
        etree.SubElement(el, "label").text = label.text
        etree.SubElement(el, "imagelabel").text = label.text
        live.extra.setdefault("seclabel", []).append(el)
        return label
    kind = el.get("type", "dynamic")
    relabel = el.get("relabel", "yes") == "yes" and cfg.dynamic_ownership
    if kind == "none":
        return DacLabel(cfg.uid, cfg.gid, cfg.groups, False)
    text = el.findtext("label")
    if kind == "static" and text:
        uid, gid, groups = parse_owner(text)
        return DacLabel(uid, gid, groups, relabel)
    return DacLabel(cfg.uid, cfg.gid, cfg.groups, relabel)


def dac_label_text(live: DomainDef) -> str:
    """The ``<label>`` of a running guest's DAC seclabel ("" without one)."""
    el = _dac_element(live)
    return (el.findtext("label") or "") if el is not None else ""


def _disk_relabel(disk_source_children: list[etree._Element]) -> bool:
    for el in disk_source_children:
        if el.tag == "seclabel" and el.get("model", "dac") == "dac":
            return el.get("relabel", "yes") == "yes"
    return True


def files_to_label(live: DomainDef, disk_files: dict[str, str]) -> list[tuple[str, bool]]:
    """(path, give back at stop) for every file QEMU opens by name: each disk's chain
    (read-only and shareable images are kept, as libvirt keeps them, since another guest
    may still use them), then the kernel, initrd and dtb."""
    out: list[tuple[str, bool]] = []
    for disk in live.disks:
        if not _disk_relabel(disk.source_children):
            continue
        path = disk_files.get(disk.target_dev)
        give_back = not (disk.readonly or disk.shareable)
        out += [(layer.path, give_back) for layer in disk_layers(disk, path, 0) if layer.path]
    out += [(p, True) for p in (live.kernel, live.initrd, live.dtb) if p]
    return out


# ---------------------------------------------------------------- owners and xattrs


def _boot_stamp() -> str:
    """The host's boot time (btime of /proc/stat): remembered owners older than it are
    stale (libvirt's timestamp_dac)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return line.split()[1]
    return "0"


def _get(path: str, name: str) -> str | None:
    try:
        return os.getxattr(path, name).decode()
    except OSError:
        return None


def _remember(path: str, st: os.stat_result) -> None:
    """Record *path*'s owner before the first chown, count every later one."""
    refs = _get(path, _XATTR_REFS)
    try:
        if refs is not None and refs.isdigit() and _get(path, _XATTR_STAMP) == _boot_stamp():
            os.setxattr(path, _XATTR_REFS, str(int(refs) + 1).encode())
            return
        os.setxattr(path, _XATTR_OWNER, f"+{st.st_uid}:+{st.st_gid}".encode())
        os.setxattr(path, _XATTR_REFS, b"1")
        os.setxattr(path, _XATTR_STAMP, _boot_stamp().encode())
    except OSError as exc:
        if exc.errno not in (errno.ENOTSUP, errno.EPERM, errno.EROFS):
            raise


def _recall(path: str) -> tuple[int, int] | None:
    """The owner to give back, or None while other users still hold the file."""
    refs = _get(path, _XATTR_REFS)
    owner = _get(path, _XATTR_OWNER)
    if refs is None or owner is None or _get(path, _XATTR_STAMP) != _boot_stamp():
        return 0, 0  # nothing remembered: libvirt's root:root
    if refs.isdigit() and int(refs) > 1:
        os.setxattr(path, _XATTR_REFS, str(int(refs) - 1).encode())
        return None
    for name in (_XATTR_OWNER, _XATTR_REFS, _XATTR_STAMP):
        with contextlib.suppress(OSError):
            os.removexattr(path, name)
    user, _, group = owner.partition(":")
    return int(user.lstrip("+")), int(group.lstrip("+"))


def _chown(path: str, uid: int, gid: int) -> None:
    try:
        os.chown(path, uid, gid)
    except OSError as exc:
        raise _bad(ErrorCode.SYSTEM_ERROR,
                   f"unable to set user and group to '{uid}:{gid}' on '{path}': "
                   f"{exc.strerror or exc}", ErrorDomain.SECURITY) from exc  # fmt: skip


def label_domain(live: DomainDef, cfg: DacConfig, lib_dir: Path,
                 disk_files: dict[str, str]) -> DacLabel | None:  # fmt: skip
    """At start: decide the guest's label, give its run directory and files to it (the
    list written into *lib_dir* for :func:`restore_domain`); undone here on a failure."""
    label = domain_label(live, cfg)
    if label is None:
        return None
    _chown(str(lib_dir), label.uid, label.gid)
    os.chmod(lib_dir, 0o750)
    if not label.relabel:
        return label
    done: list[tuple[str, bool]] = []
    try:
        for path, give_back in files_to_label(live, disk_files):
            try:
                st = os.stat(path)
            except OSError as exc:
                raise _bad(ErrorCode.SYSTEM_ERROR,
                           f"unable to stat: {path}: {exc.strerror or exc}",
                           ErrorDomain.SECURITY) from exc  # fmt: skip
            if give_back:
                _remember(path, st)
            done.append((path, give_back))
            if (st.st_uid, st.st_gid) != (label.uid, label.gid):
                _chown(path, label.uid, label.gid)
        (lib_dir / LABELS_FILE).write_text(json.dumps(done))
    except BaseException:
        _give_back(done)
        raise
    return label


def label_new_file(live: DomainDef, lib_dir: Path, path: str) -> bool:
    """A file the running guest opens from now on (an external snapshot's overlay): give
    it to the guest's user as its disks were, and back at stop.  True when relabelled."""
    el = _dac_element(live)
    text = el.findtext("label") if el is not None else None
    if el is None or not text or el.get("relabel", "yes") != "yes":
        return False
    uid, gid, _ = parse_owner(text)
    _remember(path, os.stat(path))
    _chown(path, uid, gid)
    labels = lib_dir / LABELS_FILE
    try:
        done = json.loads(labels.read_text())
    except (OSError, ValueError):
        done = []
    labels.write_text(json.dumps([*done, (path, True)]))
    return True


def _give_back(labelled: list[tuple[str, bool]]) -> None:
    for path, give_back in reversed(labelled):
        if not give_back:
            continue
        with contextlib.suppress(OSError, VirtError):
            owner = _recall(path)
            if owner is not None:
                _chown(path, *owner)


def restore_domain(lib_dir: Path) -> None:
    """At stop: give every file start chowned back to its remembered owner (best effort:
    a file removed meanwhile is no reason to keep a stopped guest half-cleaned)."""
    try:
        labelled = json.loads((lib_dir / LABELS_FILE).read_text())
    except (OSError, ValueError):
        return
    _give_back([(str(p), bool(b)) for p, b in labelled])
