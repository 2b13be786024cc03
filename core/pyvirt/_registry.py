"""Finding and opening drivers: the analogue of libvirt's driver table and virConnectOpen.

Drivers are entry points in the group ``pyvirt.drivers``, named by the URI scheme they serve
(one entry point per scheme).  A driver that may accept URIs of any scheme — the remote
driver — registers under a name starting with ``*`` (``*remote``).  Opening imports the driver
the URI's scheme names; only when it is missing or declines are the ``*`` drivers tried, local
before remote, as libvirt walks its table and ends at its remote driver.  So
``test+unix:///default`` imports the remote driver only, never the test driver.
"""

from __future__ import annotations

import threading

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error
from pyvirt._uri import URI, parse_uri

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt.driver import AuthCallback, ConnectDriver, DriverConnection

DRIVER_GROUP = "pyvirt.drivers"
#: Entry-point names starting with this are tried for URIs no named driver takes.
WILDCARD = "*"

_lock = threading.Lock()
_loaded: dict[str, type[ConnectDriver]] = {}
_all_loaded = False


def _raise_load_failure(manager: object, entrypoint: object, exc: BaseException) -> None:
    # stevedore would only log a driver that fails to import; a user must see the cause.
    name = getattr(entrypoint, "name", "?")
    raise make_error(
        ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, f"failed to load driver '{name}': {exc}"
    ) from exc


class _CachedEntryPoint:
    """What :func:`_raise_load_failure` reads of an entry point loaded from the cache."""

    def __init__(self, name: str) -> None:
        self.name = name


def _check_driver(name: str, obj: object) -> type[ConnectDriver]:
    from pyvirt.driver import ConnectDriver

    if not (isinstance(obj, type) and issubclass(obj, ConnectDriver)):
        raise make_error(
            ErrorCode.INTERNAL_ERROR,
            ErrorDomain.NONE,
            f"driver '{name}' does not provide a pyvirt.driver.ConnectDriver subclass",
        )
    return obj


_MISS = object()


def _load_cached(name: str) -> object:
    """The driver object for *name* through the entry-point cache, as stevedore would load it:
    None when the (valid) cache says no such driver is installed, ``_MISS`` when the cache
    cannot answer (absent or stale, a duplicate name, an unusual value): ask stevedore."""
    from pyvirt import _entrypoints

    entries = _entrypoints.cached_group(DRIVER_GROUP)
    if entries is None:
        return _MISS
    values = [value for entry, value in entries if entry == name]
    if not values:
        return None
    parsed = _entrypoints.parse_value(values[0]) if len(values) == 1 else None
    if parsed is None:
        return _MISS
    try:
        return _entrypoints.load(*parsed)
    except (KeyboardInterrupt, AssertionError):  # as stevedore lets these through
        raise
    except Exception as exc:
        _raise_load_failure(None, _CachedEntryPoint(name), exc)
        raise  # not reached: the callback always raises


def load_driver(name: str) -> type[ConnectDriver] | None:
    """The driver registered under entry-point *name*, imported on first use; None if absent.

    The entry-point cache (:mod:`pyvirt._entrypoints`) answers first, so a run that opens one
    driver need not import stevedore; when it cannot answer, stevedore does and the cache is
    rewritten for the next run.
    """
    with _lock:
        if name in _loaded:
            return _loaded[name]
    obj = _load_cached(name)
    if obj is None:
        return None
    if obj is _MISS:
        obj = _load_with_stevedore(name)
        if obj is None:
            return None
    driver = _check_driver(name, obj)
    with _lock:
        _loaded[name] = driver
    return driver


def _load_with_stevedore(name: str) -> object:
    from stevedore import DriverManager
    from stevedore.exception import NoMatches

    from pyvirt import _entrypoints

    try:
        manager: DriverManager[object] = DriverManager(
            DRIVER_GROUP, name, on_load_failure_callback=_raise_load_failure
        )
    except NoMatches:
        return None
    finally:
        _entrypoints.store()
    return manager.driver


def all_drivers() -> list[type[ConnectDriver]]:
    """Every installed driver, local ones first and remote ones last (registration order)."""
    global _all_loaded
    if not _all_loaded:
        from stevedore import ExtensionManager

        manager: ExtensionManager[object] = ExtensionManager(
            DRIVER_GROUP, on_load_failure_callback=_raise_load_failure
        )
        with _lock:
            for ext in manager:
                _loaded.setdefault(ext.name, _check_driver(ext.name, ext.plugin))
            _all_loaded = True
    with _lock:
        drivers = list(_loaded.values())
    return sorted(drivers, key=lambda d: d.is_remote)


def _group_names() -> list[str]:
    """Entry-point names of the driver group, without importing any driver."""
    from pyvirt import _entrypoints

    cached = _entrypoints.cached_group(DRIVER_GROUP)
    if cached is None:
        _entrypoints.store()
        cached = _entrypoints.cached_group(DRIVER_GROUP)
    if cached is None:  # the cache cannot be written here: ask importlib.metadata directly
        from importlib.metadata import entry_points

        return [ep.name for ep in entry_points(group=DRIVER_GROUP)]
    return [name for name, _ in cached]


def wildcard_drivers() -> list[type[ConnectDriver]]:
    """The ``*`` drivers (tried when no driver is named by the scheme), local before remote."""
    drivers = []
    for name in _group_names():
        if name.startswith(WILDCARD):
            driver = load_driver(name)
            if driver is not None:
                drivers.append(driver)
    return sorted(drivers, key=lambda d: d.is_remote)


def _accepts(driver: type[ConnectDriver], uri: URI) -> bool:
    if driver.uri_schemes is not None and uri.scheme not in driver.uri_schemes:
        return False
    return not (driver.local_only and uri.server)


class RemoteNeeded(Exception):
    """Raised by :func:`open_driver` with ``local_only``: no local driver took the URI and the
    walk reached a remote driver, which the caller opens its own way (the asyncio API opens
    an asyncio client).  *uri* is the resolved URI, None when probing."""

    def __init__(self, uri: URI | None) -> None:
        super().__init__(str(uri))
        self.uri = uri


def open_driver(
    name: str | None,
    *,
    read_only: bool,
    auth: AuthCallback | None,
    no_aliases: bool = False,
    local_only: bool = False,
) -> tuple[type[ConnectDriver], DriverConnection]:
    """Resolve *name* to a URI and open it with the first driver that accepts it (with
    *local_only*, raise :class:`RemoteNeeded` instead of opening a remote driver)."""
    from pyvirt import _log
    from pyvirt._defaulturi import default_uri, load_client_config, resolve_alias

    # PYVIRT_DEBUG and friends are read here, as virInitialize reads LIBVIRT_DEBUG.
    _log.debug("pyvirt.registry", "open %r read_only=%s", name, read_only)

    config = load_client_config()
    if not name:
        name = default_uri(config)
    if name and not no_aliases:
        name = resolve_alias(name, config)
    if not name:
        return _open_probed(read_only=read_only, auth=auth, local_only=local_only)
    uri = parse_uri(name)
    _check_missing_slash(name, uri)
    first = load_driver(uri.scheme)
    tried: list[type[ConnectDriver]] = []
    if first is not None:
        tried.append(first)
        if _accepts(first, uri):
            conn = first.open(uri, read_only=read_only, auth=auth)
            _log.debug("pyvirt.registry", "driver %r answered %s", uri.scheme, conn is not None)
            if conn is not None:
                return first, conn
    for driver in wildcard_drivers():
        if driver in tried or not _accepts(driver, uri):
            continue
        if local_only and driver.is_remote:
            raise RemoteNeeded(uri)
        conn = driver.open(uri, read_only=read_only, auth=auth)
        _log.debug("pyvirt.registry", "driver %s answered %s", driver.__name__, conn is not None)
        if conn is not None:
            return driver, conn
    from pyvirt._install_hint import install_hint

    error = make_error(ErrorCode.NO_CONNECT, ErrorDomain.NONE, name)
    error.message += install_hint(uri)  # libvirt's words, then which distribution would take it
    raise error


def _check_missing_slash(name: str, uri: URI) -> None:
    """``qemu://system`` names a host called "system": say what was surely meant, as libvirt
    does for the drivers whose URIs need a /system or /session path."""
    if uri.scheme in ("qemu", "vbox", "vz") and uri.server in ("system", "session"):
        raise make_error(
            ErrorCode.INTERNAL_ERROR,
            ErrorDomain.NONE,
            f"invalid URI {name} (maybe you want {uri.scheme}:///{uri.server})",
        )


def _open_probed(
    *, read_only: bool, auth: AuthCallback | None, local_only: bool = False
) -> tuple[type[ConnectDriver], DriverConnection]:
    """No URI given: ask each driver what it would open; remote drivers get an empty name."""
    drivers = all_drivers()
    for driver in drivers:
        if driver.is_remote:
            if local_only:
                raise RemoteNeeded(None)
            conn = driver.open(None, read_only=read_only, auth=auth)
            if conn is not None:
                return driver, conn
            continue
        probed = driver.probe()
        if probed:
            conn = driver.open(parse_uri(probed), read_only=read_only, auth=auth)
            if conn is not None:
                return driver, conn
    error = make_error(ErrorCode.NO_CONNECT, ErrorDomain.NONE, None)
    if not drivers:
        from pyvirt._install_hint import NO_DRIVER_HINT

        error.message += NO_DRIVER_HINT
    raise error
