"""pyvirt QEMU driver."""
