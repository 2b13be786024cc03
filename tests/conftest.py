"""Fixtures shared by several test files (each defined in the helper module named)."""

from cli_helpers import daemon_uri, pyvirtd, uri  # noqa: F401 (fixtures: uri, daemon_uri)
from qemu_guest import accel, kvm_boots, linux_guest  # noqa: F401 (fixtures of the real guest)
