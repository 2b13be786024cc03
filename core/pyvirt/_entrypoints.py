"""A small on-disk cache of pyvirt's entry-point groups, so a CLI run can skip stevedore.

Why: stevedore (through ``importlib.metadata``, which pulls in email, zipfile, csv, pathlib...)
costs about 30 ms to import and scan, while a ``pyvirsh`` run that opens ``test:///default``
needs only one answer from it: which ``module:attr`` the ``test`` entry point names.  This
module keeps that answer, for the groups ``pyvirt.drivers`` and ``pyvirt.hooks``, in
``$XDG_CACHE_HOME/pyvirt/`` (else ``~/.cache/pyvirt/``), one file per interpreter and path
(named by a hash of ``sys.prefix``, ``sys.executable`` and ``sys.path``).

Stevedore stays the source of truth: the cache is only ever written from what
``importlib.metadata`` (stevedore's own source) reports, right after stevedore has been asked.
Callers consult :func:`cached_group` first; on ``None`` (no cache, a stale one, an unreadable
one) they use stevedore exactly as before and then call :func:`store`.

Validity is checked the way stevedore checks its own cache, by modification times: the file
records ``sys.path`` (relative entries resolved against the working directory), the mtime of
every path entry, and of every ``*.dist-info``/``*.egg-info`` directory in them and its
``entry_points.txt``.  Installing or removing a distribution changes its path entry's mtime;
rewriting a distribution's entry points changes its ``entry_points.txt`` (or, when rewritten by
rename, its directory's) mtime; a different ``sys.path`` (``PYTHONPATH``, another venv) does not
match.  Checking costs one ``stat`` per recorded path and imports nothing.

Every failure to read or write the cache (unwritable directory, corrupt file, odd ``sys.path``
entries) degrades silently to stevedore; the cache can make a run faster, never different.
"""

from __future__ import annotations

import os
import sys

#: The groups kept; others are answered by stevedore alone.
GROUPS = ("pyvirt.drivers", "pyvirt.hooks")

#: First token of a cache file; bump when the layout changes.
_MAGIC = "pyvirt-entry-points-1"
#: Tokens are NUL-separated: NUL cannot occur in paths, entry-point names or values.
_SEP = "\0"

#: Per process: (resolved sys.path, groups) of the cache file once found valid.
_memo: tuple[tuple[str, ...], dict[str, list[tuple[str, str]]]] | None = None


def cache_file() -> str:
    """Where this interpreter's cache lives (the file may not exist)."""
    import zlib

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    # sys.path is part of the key so that runs with different paths (the console script, a
    # test runner, PYTHONPATH) keep separate files instead of rewriting one in turn.  Relative
    # entries stay unresolved here: every working directory shares a file, validated inside.
    material = _SEP.join([sys.prefix, sys.executable, *map(str, sys.path)])
    key = zlib.crc32(material.encode("utf-8", "surrogateescape"))
    return os.path.join(base, "pyvirt", f"entry-points-{key:08x}")


def _resolved_path() -> tuple[str, ...] | None:
    """``sys.path`` with relative entries (``''`` is the working directory) made absolute, as
    ``importlib.metadata`` would search them; None when an entry is not a plain string."""
    resolved: list[str] = []
    cwd: str | None = None
    for entry in sys.path:
        if not isinstance(entry, str):
            return None
        if not os.path.isabs(entry):
            if cwd is None:
                try:
                    cwd = os.getcwd()
                except OSError:
                    return None
            entry = os.path.join(cwd, entry) if entry else cwd
        resolved.append(entry)
    return tuple(resolved)


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except (OSError, ValueError):
        return -1


def _stamps(path: tuple[str, ...]) -> list[tuple[str, int]]:
    """The (path, mtime) pairs whose change would invalidate the cache for *path*."""
    stamps: list[tuple[str, int]] = []
    for entry in path:
        stamps.append((entry, _mtime(entry)))
        try:
            names = sorted(os.listdir(entry))
        except (OSError, ValueError):
            continue  # absent, a file (zip) or unreadable: its own mtime covers it
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                info = os.path.join(entry, name)
                points = os.path.join(info, "entry_points.txt")
                stamps.append((info, _mtime(info)))
                stamps.append((points, _mtime(points)))
    return stamps


def _read(path: tuple[str, ...]) -> dict[str, list[tuple[str, str]]] | None:
    """The groups in the cache file if it was written for this interpreter and *path* and
    nothing it stamped has changed since; None otherwise."""
    try:
        with open(cache_file(), encoding="utf-8", errors="surrogateescape") as handle:
            tokens = handle.read().split(_SEP)
    except (OSError, ValueError):
        return None
    try:
        it = iter(tokens)
        if (next(it), next(it), next(it)) != (_MAGIC, sys.prefix, sys.executable):
            return None
        if tuple(next(it) for _ in range(int(next(it)))) != path:
            return None
        for _ in range(int(next(it))):
            stamped, mtime = next(it), int(next(it))
            if _mtime(stamped) != mtime:
                return None
        groups: dict[str, list[tuple[str, str]]] = {}
        for _ in range(int(next(it))):
            group = next(it)
            groups[group] = [(next(it), next(it)) for _ in range(int(next(it)))]
        if next(it, None) is not None:
            return None
    except (StopIteration, ValueError):
        return None
    if set(groups) != set(GROUPS):
        return None
    return groups


def cached_group(group: str) -> list[tuple[str, str]] | None:
    """(name, value) of each entry point in *group*, in ``importlib.metadata``'s order, from a
    valid cache; None when there is none (the caller then asks stevedore, then :func:`store`)."""
    global _memo
    if group not in GROUPS:
        return None
    path = _resolved_path()
    if path is None:
        return None
    if _memo is None or _memo[0] != path:
        groups = _read(path)
        if groups is None:
            return None
        _memo = (path, groups)
    return list(_memo[1][group])


def store() -> None:
    """Rewrite the cache from ``importlib.metadata``; silently nothing when it cannot be written.

    Called after stevedore answered from a missing or stale cache, when ``importlib.metadata``
    is imported already.  The stamps are taken before the scan, so a distribution installed
    during it leaves a cache that the next run finds stale, never one that hides it.
    """
    global _memo
    path = _resolved_path()
    if path is None:
        return
    target = cache_file()
    # The cache directory's parent (the home directory, or $XDG_CACHE_HOME's parent) must
    # exist: a service account's home is often a placeholder such as /nonexistent, which a
    # run as root would otherwise create.
    folder = os.path.dirname(target)  # .../pyvirt, in ~/.cache or $XDG_CACHE_HOME
    if not os.path.isdir(os.path.dirname(os.path.dirname(folder))):
        return
    try:
        os.makedirs(folder, exist_ok=True)
    except (OSError, ValueError):
        return  # unwritable: do not pay for a scan that cannot be kept
    if not os.access(folder, os.W_OK):
        return
    try:
        stamps = _stamps(path)
        from importlib.metadata import entry_points

        every = entry_points()
        groups: dict[str, list[tuple[str, str]]] = {}
        for group in GROUPS:
            entries: list[tuple[str, str]] = []
            for ep in every.select(group=group):
                # stevedore drops exact duplicates (a distribution seen twice on the path).
                if (ep.name, ep.value) not in entries:
                    entries.append((ep.name, ep.value))
            groups[group] = entries
    except Exception:  # noqa: BLE001 - a cache must never break discovery
        return
    tokens = [_MAGIC, sys.prefix, sys.executable, str(len(path)), *path, str(len(stamps))]
    for stamped, mtime in stamps:
        tokens += [stamped, str(mtime)]
    tokens.append(str(len(groups)))
    for group, entries in groups.items():
        tokens += [group, str(len(entries))]
        for name, value in entries:
            tokens += [name, value]
    if any(_SEP in token for token in tokens):
        return
    temporary = f"{target}.{os.getpid()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(_SEP.join(tokens))
        os.replace(temporary, target)  # atomic: concurrent runs never read half a file
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return
    _memo = (path, groups)


def parse_value(value: str) -> tuple[str, list[str]] | None:
    """(module, attribute chain) of an entry-point *value* such as ``pkg.mod:Class.attr``, by
    ``importlib.metadata.EntryPoint``'s own pattern; None when *value* does not match it (the
    caller then leaves the entry point to stevedore)."""
    # The usual form, "module:attr" of word characters and dots, without compiling the pattern.
    module, colon, attrs = value.partition(":")
    if _dotted(module) and (not colon or _dotted(attrs)):
        return module, [a for a in attrs.split(".") if a]
    import re

    match = re.match(
        r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$", value
    )
    if match is None:
        return None
    return match.group("module"), [a for a in (match.group("attr") or "").split(".") if a]


def _dotted(text: str) -> bool:
    """Whether *text* matches ``[\\w.]+`` (word characters are alphanumerics and ``_``)."""
    return bool(text) and all(c.isalnum() or c in "._" for c in text)


def load(module: str, attrs: list[str]) -> object:
    """Import *module* and follow *attrs*, as ``EntryPoint.load`` does; errors propagate."""
    __import__(module)  # (importlib.import_module would import importlib for this alone)
    obj: object = sys.modules[module]
    for attr in attrs:
        obj = getattr(obj, attr)
    return obj
