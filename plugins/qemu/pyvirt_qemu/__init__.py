"""pyvirt's QEMU driver (hosted by pyvirtd as a state driver).

Only its registration exists so far: initialisation reports SKIPPED, which a daemon treats as
"driver not available", until the driver itself is built.
"""

from pyvirt_qemu._state import QemuStateDriver

__all__ = ["QemuStateDriver"]
