"""pyvirt's test driver: ``test:///default`` and ``test:///PATH.xml``, as libvirt's test driver.

Registered under the ``pyvirt.drivers`` entry-point group exactly as a third-party driver
would be.  Importing this package must stay cheap: pyvirsh imports it on every run.
"""

from pyvirt_test._connection import TestConnection
from pyvirt_test._driver import TestDriver
from pyvirt_test._statedriver import TestStateDriver

__all__ = ["TestConnection", "TestDriver", "TestStateDriver"]
