"""pyvirt's QEMU driver, hosted by pyvirtd as a state driver (``qemu:///system`` as root,
``qemu:///session`` per user): real qemu-system processes driven over QMP."""

from pyvirt_qemu._driver import QemuConnectDriver
from pyvirt_qemu._statedriver import QemuStateDriver

__all__ = ["QemuConnectDriver", "QemuStateDriver"]
