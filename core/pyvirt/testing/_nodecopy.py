"""An isolated test connection: a private copy of ``test:///default``.

``test:///default`` is one state shared by every connection of the process (as in libvirt),
so a test that changes it changes it for the next test.  libvirt's test driver also takes a
node file, ``test:///PATH.xml``, whose every open gets its own private state; this module
writes the default state as such a file.  The file is made from a pristine
``test:///default`` in a child process (whatever this process has done to its own), through
the public API only, so it is whatever the installed test driver's default is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_DUMP = r"""
import sys
import pyvirt
from xml.sax.saxutils import escape

conn = pyvirt.open("test:///default")
info = conn.node_info()
out = ["<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"]
out.append(
    f"<cpu><mhz>{info.mhz}</mhz><model>{escape(info.model)}</model><nodes>{info.nodes}</nodes>"
    f"<sockets>{info.sockets}</sockets><cores>{info.cores}</cores>"
    f"<threads>{info.threads}</threads><active>{info.cpus}</active></cpu>"
)
out.append(f"<memory>{info.memory}</memory>")
for dom in conn.list_domains():
    xml = dom.xml(inactive=True)
    extras = f"<test:runstate>{int(dom.state()[0])}</test:runstate>"
    if not dom.is_persistent():
        extras += "<test:transient/>"
    out.append(xml.rstrip()[: -len("</domain>")] + extras + "</domain>")
for net in conn.list_networks():
    out.append(net.xml_desc())
for pool in conn.list_storage_pools():
    vols = "".join(v.xml_desc() for v in pool.list_volumes()) if pool.is_active() else ""
    xml = pool.xml_desc().rstrip()
    out.append(xml[: -len("</pool>")] + vols + "</pool>")
for iface in conn.list_interfaces(3):
    out.append(iface.xml_desc())
for dev in conn.list_node_devices():
    out.append(dev.xml_desc())
out.append("</node>")
conn.close()
sys.stdout.write("\n".join(out) + "\n")
"""

_cached: str | None = None


def default_node_xml() -> str:
    """``test:///default``'s initial state as a test-driver node file (made once per process)."""
    global _cached
    if _cached is None:
        done = subprocess.run(
            [sys.executable, "-c", _DUMP], capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"cannot copy test:///default:\n{done.stderr}")
        _cached = done.stdout
    return _cached


def isolated_test_uri(directory: Path) -> str:
    """Write the default state into *directory* and return a ``test:///`` URI for it.

    Each ``pyvirt.open`` of the URI gets a fresh private state, as each open of a libvirt
    test node file does.
    """
    node = directory / "pyvirt-test-node.xml"
    node.write_text(default_node_xml())
    return f"test://{node}"
