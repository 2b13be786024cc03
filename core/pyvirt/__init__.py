"""pyvirt: virtualization management in Python, libvirt's architecture rebuilt."""
