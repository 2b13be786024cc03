"""pyvirt's pytest plugin, for driver authors and for users of pyvirt.

Installed with pyvirt and loaded by pytest on its own (entry point ``pytest11``, name
``pyvirt``); ``pip install 'pyvirt[testing]'`` brings pytest.  It offers

* the fixture ``pyvirt_conn``: a connection to a private copy of ``test:///default`` (a test
  node file in the test's temporary directory), so a test may change anything;
* the fixture ``pyvirtd``: a real pyvirtd in a temporary runtime directory
  (:class:`PyvirtdProcess`; ``pyvirtd.uri("test+unix:///default")`` reaches it);
* the driver contract suite, ``pytest --pyvirt-driver=URI``: open/close, the connection's
  self-description, domain lookups and errors, the life cycle, listAll filters, XML round
  trips, networks and pools, read-only refusals, flag checks.  What the driver answers with
  ``VIR_ERR_NO_SUPPORT`` is skipped and listed in the terminal summary.

The helpers below are the same code, for a fixture of another scope or a script.  The daemon
is found through its ``pyvirtd`` console-script entry point, never imported.
"""

from pyvirt.testing._daemon import (
    PyvirtdNotInstalled,
    PyvirtdProcess,
    pyvirtd_command,
    running_pyvirtd,
    start_pyvirtd,
)
from pyvirt.testing._nodecopy import default_node_xml, isolated_test_uri

__all__ = [
    "PyvirtdNotInstalled",
    "PyvirtdProcess",
    "default_node_xml",
    "isolated_test_uri",
    "pyvirtd_command",
    "running_pyvirtd",
    "start_pyvirtd",
]
