"""The plugin manager for lifecycle hooks, loaded on first use.

Discovering ``pyvirt.hooks`` entry points costs an ``importlib.metadata`` scan, so it happens
the first time a hook fires, not at import: ``pyvirsh --help`` never pays for it.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pluggy

HOOK_GROUP = "pyvirt.hooks"
hookimpl = pluggy.HookimplMarker("pyvirt")

_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide hook manager, with every installed ``pyvirt.hooks`` plugin loaded.

    ``PYVIRT_DISABLE_PLUGIN_AUTOLOAD=1`` skips the entry-point scan (plugins can still be
    registered by hand), as pytest's ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` does.
    """
    global _manager
    with _lock:
        if _manager is None:
            from pyvirt import hookspecs

            manager = pluggy.PluginManager("pyvirt")
            manager.add_hookspecs(hookspecs)
            if not os.environ.get("PYVIRT_DISABLE_PLUGIN_AUTOLOAD"):
                manager.load_setuptools_entrypoints(HOOK_GROUP)
            manager.check_pending()
            _manager = manager
        return _manager


def call_hook(name: str, **kwargs: Any) -> list[Any]:
    """Call hook *name* on every registered plugin."""
    return list(getattr(plugin_manager().hook, name)(**kwargs))
