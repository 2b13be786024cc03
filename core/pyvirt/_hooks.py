"""The plugin manager for lifecycle hooks, loaded only when a hook has somewhere to go.

Every ``pyvirt.open`` fires ``pyvirt_connection_open``, so this sits on the path of every
``pyvirsh`` run.  pluggy is therefore imported only when a hook plugin exists: one installed
under the ``pyvirt.hooks`` entry-point group (found through :mod:`pyvirt._entrypoints`' cache,
else stevedore's scan) or one registered by hand through :func:`plugin_manager`.  With no
plugins, firing a hook costs one cached lookup.
"""

from __future__ import annotations

import os
import threading

from pyvirt import _entrypoints
from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, overload

    import pluggy

    _F = TypeVar("_F", bound=Callable[..., object])

HOOK_GROUP = "pyvirt.hooks"
PROJECT = "pyvirt"

_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_installed: list[tuple[str, object]] | None = None


if TYPE_CHECKING:  # the signatures type checkers see

    @overload
    def hookimpl(
        function: _F,
        *,
        hookwrapper: bool = ...,
        optionalhook: bool = ...,
        tryfirst: bool = ...,
        trylast: bool = ...,
        specname: str | None = ...,
        wrapper: bool = ...,
    ) -> _F: ...

    @overload
    def hookimpl(
        function: None = ...,
        *,
        hookwrapper: bool = ...,
        optionalhook: bool = ...,
        tryfirst: bool = ...,
        trylast: bool = ...,
        specname: str | None = ...,
        wrapper: bool = ...,
    ) -> Callable[[_F], _F]: ...


def hookimpl(function: Any = None, **options: Any) -> Any:
    """Mark a hook implementation: ``pluggy.HookimplMarker("pyvirt")``, created on first use.

    Plugin modules apply it when they are imported, which happens when hooks are loaded, so
    pluggy is imported then and not by ``import pyvirt``.
    """
    import pluggy

    return pluggy.HookimplMarker(PROJECT)(function, **options)


def _raise_load_failure(manager: object, entrypoint: object, exc: BaseException) -> None:
    # stevedore would only log a plugin that fails to import; a hook that silently never runs
    # is worse than an error naming the plugin.
    name = getattr(entrypoint, "name", "?")
    raise make_error(
        ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, f"failed to load hook plugin '{name}': {exc}"
    ) from exc


def installed_plugins() -> list[tuple[str, object]]:
    """The (name, plugin) pairs under ``pyvirt.hooks``, imported once per process.

    ``PYVIRT_DISABLE_PLUGIN_AUTOLOAD=1`` skips them (plugins can still be registered by hand),
    as pytest's ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` does.
    """
    global _installed
    with _lock:
        if _installed is None:
            if os.environ.get("PYVIRT_DISABLE_PLUGIN_AUTOLOAD"):
                _installed = []
            elif _entrypoints.cached_group(HOOK_GROUP) == []:
                _installed = []  # the entry-point cache knows there is none: skip stevedore
            else:
                from stevedore import ExtensionManager

                try:
                    manager: ExtensionManager[object] = ExtensionManager(
                        HOOK_GROUP, on_load_failure_callback=_raise_load_failure
                    )
                finally:
                    _entrypoints.store()
                _installed = [(ext.name, ext.plugin) for ext in manager]
        return _installed


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide hook manager, with every installed ``pyvirt.hooks`` plugin registered."""
    global _manager
    with _lock:
        if _manager is None:
            import pluggy

            from pyvirt import hookspecs

            manager = pluggy.PluginManager(PROJECT)
            manager.add_hookspecs(hookspecs)
            for name, plugin in installed_plugins():
                if not manager.is_registered(plugin):
                    manager.register(plugin, name=name)
            manager.check_pending()
            _manager = manager
        return _manager


def hooks_active() -> bool:
    """Whether any plugin could receive a hook, so callers can skip building its arguments."""
    return _manager is not None or bool(installed_plugins())


def call_hook(hook: str, /, **kwargs: Any) -> list[Any]:
    """Call hook *name* on every registered plugin; without plugins, return [] at once."""
    if not hooks_active():
        return []
    return list(getattr(plugin_manager().hook, hook)(**kwargs))
