"""The driver's secrets: kept as libvirt's secret driver keeps them (virsecretobj.c).

A persistent secret is two files in the secret directory: ``<uuid>.xml`` (its ``<secret>``
document) and, once it has a value, ``<uuid>.base64`` (the value, base64), both mode 0600
and written atomically; they are read back when the driver starts.  An ephemeral secret
lives in memory only and is gone with the daemon.  Redefining a UUID keeps its value and
follows libvirt's rules: the usage id may not change, nor may a private secret become
public; turning a persistent secret ephemeral removes its files, the other way writes them.

Why values never reach a log: a warning about an unreadable file names the file, never its
content, and no error message here carries a value.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pyvirt import ErrorCode, ErrorDomain, ObjectEvent, SecretRef, VirtError, make_error

from pyvirt_qemu._config import atomic_write, remove_file
from pyvirt_qemu._listeners import deliver
from pyvirt_qemu._secret_xml import SecretDef, format_secret_xml, parse_secret_xml

__all__ = ["SecretStore"]

log = logging.getLogger("pyvirt.qemu")

_SECRET = ErrorDomain.SECRET
#: VIR_SECRET_EVENT_ID_LIFECYCLE / _VALUE_CHANGED, VIR_SECRET_EVENT_DEFINED / _UNDEFINED.
EVENT_LIFECYCLE, EVENT_VALUE_CHANGED = 0, 1
DEFINED, UNDEFINED = 0, 1
#: VIR_CONNECT_LIST_SECRETS_EPHEMERAL, _NO_EPHEMERAL, _PRIVATE, _NO_PRIVATE.
LIST_EPHEMERAL, LIST_NO_EPHEMERAL, LIST_PRIVATE, LIST_NO_PRIVATE = 1, 2, 4, 8


@dataclass
class _Secret:
    defn: SecretDef
    value: bytes | None = None

    def ref(self) -> SecretRef:
        return SecretRef(self.defn.uuid, self.defn.usage_type, self.defn.usage_id or "")


def _no_secret(message: str) -> VirtError:
    return make_error(ErrorCode.NO_SECRET, _SECRET, message)


def _internal(message: str) -> VirtError:
    return make_error(ErrorCode.INTERNAL_ERROR, _SECRET, message)


def _matches(d: SecretDef, flags: int) -> bool:
    """virConnectListAllSecrets' filter groups: within a group either bit may match."""
    if flags & (LIST_EPHEMERAL | LIST_NO_EPHEMERAL) and not (
        (flags & LIST_EPHEMERAL and d.ephemeral) or (flags & LIST_NO_EPHEMERAL and not d.ephemeral)
    ):
        return False
    return not (
        flags & (LIST_PRIVATE | LIST_NO_PRIVATE)
        and not (
            (flags & LIST_PRIVATE and d.private) or (flags & LIST_NO_PRIVATE and not d.private)
        )
    )


class SecretStore:
    """Every secret of the driver, by UUID; one lock makes each call one step."""

    def __init__(self, config_dir: Path, listeners: list[Callable[[ObjectEvent], None]]) -> None:
        self.config_dir = config_dir
        self.listeners = listeners
        self.lock = threading.Lock()
        self._secrets: dict[str, _Secret] = {}

    # -- files ----------------------------------------------------------------------------
    def _xml_path(self, uuid: str) -> Path:
        return self.config_dir / f"{uuid}.xml"

    def _value_path(self, uuid: str) -> Path:
        return self.config_dir / f"{uuid}.base64"

    def _save_value(self, s: _Secret) -> None:
        path = self._value_path(s.defn.uuid)
        if s.value is None:
            remove_file(path)
        else:
            atomic_write(path, base64.b64encode(s.value).decode("ascii"))

    def _delete_files(self, uuid: str) -> None:
        remove_file(self._xml_path(uuid))
        remove_file(self._value_path(uuid))

    def initialize(self) -> None:
        """Create the directory (0700) and load every persistent secret in it."""
        try:
            self.config_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise make_error(ErrorCode.SYSTEM_ERROR, _SECRET,
                             f"cannot create config directory '{self.config_dir}': "
                             f"{exc.strerror or exc}") from exc  # fmt: skip
        for path in sorted(self.config_dir.glob("*.xml")):
            loaded = self._load(path)
            if loaded is not None:
                self._secrets[loaded.defn.uuid] = loaded

    def _load(self, path: Path) -> _Secret | None:
        """One secret from its files, or None (logged, naming the file only)."""
        try:
            defn = parse_secret_xml(path.read_text())
        except (OSError, VirtError) as exc:
            log.warning("skipping unreadable secret %s: %s", path, exc)
            return None
        if path.name != f"{defn.uuid}.xml" or defn.ephemeral:
            log.warning("skipping secret %s: not named for its UUID, or ephemeral", path)
            return None
        found = _Secret(defn)
        value_path = self._value_path(defn.uuid)
        if value_path.exists():
            try:
                found.value = base64.b64decode(value_path.read_bytes(), validate=True)
            except (OSError, binascii.Error, ValueError):
                log.warning("skipping secret %s: its value file is unreadable", path)
                return None
        return found

    # -- lookups --------------------------------------------------------------------------
    def _by_uuid(self, uuid: str) -> _Secret:
        found = self._secrets.get(uuid)
        if found is None:
            raise _no_secret(f"no secret with matching uuid '{uuid}'")
        return found

    def _by_usage(self, usage_type: int, usage_id: str | None) -> _Secret | None:
        if usage_type == 0:
            return None  # a secret for nothing is never found by its usage
        for s in self._secrets.values():
            if s.defn.usage_type == usage_type and s.defn.usage_id == usage_id:
                return s
        return None

    def lookup_by_uuid(self, uuid: str) -> SecretRef:
        with self.lock:
            return self._by_uuid(uuid).ref()

    def lookup_by_usage(self, usage_type: int, usage_id: str) -> SecretRef:
        with self.lock:
            found = self._by_usage(usage_type, usage_id)
            if found is None:
                raise _no_secret(f"no secret with matching usage '{usage_id}'")
            return found.ref()

    def list_all(self, flags: int) -> list[SecretRef]:
        with self.lock:
            return [s.ref() for s in self._secrets.values() if _matches(s.defn, flags)]

    def uuids(self) -> list[str]:
        with self.lock:
            return list(self._secrets)

    # -- changes --------------------------------------------------------------------------
    def define(self, xml: str) -> SecretRef:
        """virSecretDefineXML: add or redefine, on disk first when persistent; a failed
        write leaves the previous definition (or none) in memory and on disk."""
        defn = parse_secret_xml(xml)
        with self.lock:
            old = self._secrets.get(defn.uuid)
            if old is not None:
                if old.defn.usage_id != defn.usage_id:
                    shown = old.defn.usage_id if old.defn.usage_id is not None else "(null)"
                    raise _internal(f"a secret with UUID {defn.uuid} is already defined for "
                                    f"use with {shown}")  # fmt: skip
                if old.defn.private and not defn.private:
                    raise _internal("cannot change private flag on existing secret")
            else:
                clash = self._by_usage(defn.usage_type, defn.usage_id)
                if clash is not None:
                    raise _internal(f"a secret with UUID {clash.defn.uuid} already defined for "
                                    f"use with {defn.usage_id}")  # fmt: skip
            new = _Secret(defn, old.value if old is not None else None)
            self._persist(new, old)
            self._secrets[defn.uuid] = new
            ref = new.ref()
        self._emit(ref, EVENT_LIFECYCLE, DEFINED)
        return ref

    def _persist(self, new: _Secret, old: _Secret | None) -> None:
        """Bring the files in line with *new* (replacing *old*)."""
        uuid = new.defn.uuid
        if new.defn.ephemeral:
            if old is not None and not old.defn.ephemeral:
                self._delete_files(uuid)
            return
        wrote_value = old is not None and old.defn.ephemeral
        if wrote_value:
            self._save_value(new)
        try:
            atomic_write(self._xml_path(uuid), format_secret_xml(new.defn))
        except VirtError:
            if wrote_value:
                remove_file(self._value_path(uuid))
            raise

    def xml_desc(self, uuid: str) -> str:
        with self.lock:
            return format_secret_xml(self._by_uuid(uuid).defn)

    def set_value(self, uuid: str, value: bytes) -> None:
        """virSecretSetValue: on disk first for a persistent secret."""
        with self.lock:
            s = self._by_uuid(uuid)
            if not s.defn.ephemeral:
                self._save_value(replace(s, value=bytes(value)))
            s.value = bytes(value)
            ref = s.ref()
        self._emit(ref, EVENT_VALUE_CHANGED, 0)

    def get_value(self, uuid: str, *, internal: bool = False) -> bytes:
        """virSecretGetValue: a private secret's value is never given to a client, only to
        the driver itself (*internal*, libvirt's VIR_SECRET_GET_VALUE_INTERNAL_CALL: a
        disk's passphrase handed to QEMU)."""
        with self.lock:
            s = self._by_uuid(uuid)
            if s.defn.private and not internal:
                raise make_error(ErrorCode.INVALID_SECRET, _SECRET, "secret is private")
            if s.value is None:
                raise _no_secret(f"secret '{uuid}' does not have a value")
            return s.value

    def undefine(self, uuid: str) -> None:
        with self.lock:
            s = self._by_uuid(uuid)
            if not s.defn.ephemeral:
                self._delete_files(uuid)
            del self._secrets[uuid]
            ref = s.ref()
        self._emit(ref, EVENT_LIFECYCLE, UNDEFINED)

    def _emit(self, ref: SecretRef, event_id: int, event: int) -> None:
        """A secret event to every subscriber.  libvirt's secret events carry the secret's
        {uuid, usageType, usageID}: the usage id is the event's name, the usage type its id
        (a secret has no run id)."""
        ev = ObjectEvent("secret", ref.usage_id, ref.uuid, ref.usage_type, event, 0,
                         event_id=event_id)  # fmt: skip
        deliver(self.listeners, ev)
