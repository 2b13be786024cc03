"""Which distribution would take a URI that no installed driver takes.

``pip install pyvirt`` installs the core alone: no driver.  libvirt's answer to a URI nobody
takes is "no connection driver available for URI", which does not tell a pyvirt user that the
driver is simply not installed.  The error keeps libvirt's code and words, and ends with the
distribution to install, when one of ours would take the URI and is missing.

The core imports no plugin: this only knows the plugins' distribution names (data), and asks
``importlib.metadata`` whether they are installed, on the error path only.
"""

from __future__ import annotations

from pyvirt._uri import URI

#: Distributions of the daemon side, by the base scheme it serves.
_HOSTED_BY = {"test": "pyvirt-test", "qemu": "pyvirt-qemu"}


def _installed(distribution: str) -> bool:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import distribution as find

    try:
        find(distribution)
    except PackageNotFoundError:
        return False
    return True


def install_hint(uri: URI) -> str:
    """The advice appended to NO_CONNECT for *uri*, or "" when no missing distribution of
    ours would take it."""
    base, plus, _transport = uri.scheme.partition("+")
    remote = bool(plus or uri.server or base == "qemu")
    if not remote:
        if base != "test" or _installed("pyvirt-test"):
            return ""
        return "; install pyvirt-test to use it (pip install 'pyvirt[test]')"
    if _installed("pyvirt-remote"):
        return ""
    hosted = _HOSTED_BY.get(base)
    if hosted is None:
        return "; install pyvirt-remote to reach it through pyvirtd (pip install 'pyvirt[remote]')"
    extra = "qemu" if base == "qemu" else "remote"
    return (
        f"; install pyvirt-remote to reach it through pyvirtd, and pyvirtd with {hosted} where"
        f" the daemon runs (pip install 'pyvirt[{extra}]'"
        + (" installs all three)" if extra == "qemu" else ")")
    )


#: Appended to NO_CONNECT when no URI was given and no driver at all is installed.
NO_DRIVER_HINT = "; no pyvirt driver is installed (pip install 'pyvirt[test]' or 'pyvirt[remote]')"
