"""Hatch metadata hook shared by every pyvirt distribution: the workspace pins itself exactly.

The workspace's version is written once, in the root ``VERSION`` file; each member reads it
through hatch's version source (``VERSION`` in a member is a link to the root one, and the
member's sdist gets the real file).  This hook then turns the member's dependencies, declared
unpinned in ``[tool.hatch.metadata.hooks.custom]``, into the project's ``dependencies`` and
``optional-dependencies``, pinning every sibling distribution to exactly that version:
``pyvirt-test`` 0.2.0 may import private modules of ``pyvirt`` 0.2.0, not of 0.1.0, so
``pyvirt-test==0.2.0`` requires ``pyvirt==0.2.0``.

Each member's ``hatch_pins.py`` is a link to this file, and its sdist carries a copy, so an
sdist builds on its own.
"""

from __future__ import annotations

import re
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

#: The distributions built from this workspace, all released together under one version.
WORKSPACE = frozenset({"pyvirt", "pyvirt-test", "pyvirt-qemu", "pyvirt-remote", "pyvirtd"})

#: Trove classifiers every distribution carries; a member adds its own in ``classifiers``.
CLASSIFIERS = [
    "Development Status :: 3 - Alpha",
    "Intended Audience :: Developers",
    "Intended Audience :: System Administrators",
    "Operating System :: POSIX :: Linux",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Topic :: System :: Emulators",
    "Topic :: System :: Systems Administration",
    "Typing :: Typed",
]

#: One home for the five distributions.  The public repository's address is not settled yet:
#: change it here, once, when it is.
HOME = "https://github.com/pyvirt/pyvirt"
URLS = {
    "Homepage": HOME,
    "Source": HOME,
    "Documentation": f"{HOME}/tree/main/docs",
    "Issues": f"{HOME}/issues",
}

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def pin(requirement: str, version: str) -> str:
    """``pyvirt`` -> ``pyvirt==VERSION``; a third-party requirement is returned unchanged.

    A sibling written with its own version specifier is refused: the point is that nobody
    writes a sibling's version by hand.
    """
    match = _NAME.match(requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    name, extras, rest = match.group(1), match.group(2) or "", match.group(3)
    if re.sub(r"[-_.]+", "-", name).lower() not in WORKSPACE:
        return requirement
    if rest:
        raise ValueError(
            f"{requirement!r}: a workspace sibling is pinned by the build, not by hand"
        )
    return f"{name}{extras}=={version}"


class CustomMetadataHook(MetadataHookInterface):
    """Fills ``dependencies``, ``optional-dependencies``, ``classifiers`` and ``urls`` from the
    hook's configuration and the constants above."""

    def update(self, metadata: dict[str, Any]) -> None:
        version = metadata["version"]
        dynamic = metadata.get("dynamic", [])
        if "classifiers" in dynamic:
            metadata["classifiers"] = sorted({*CLASSIFIERS, *self.config.get("classifiers", [])})
        if "urls" in dynamic:
            metadata["urls"] = dict(URLS)
        if "dependencies" in dynamic:
            metadata["dependencies"] = [
                pin(req, version) for req in self.config.get("dependencies", [])
            ]
        if "optional-dependencies" in dynamic:
            metadata["optional-dependencies"] = {
                extra: [pin(req, version) for req in reqs]
                for extra, reqs in self.config.get("optional-dependencies", {}).items()
            }
