import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

conn = libvirt.open(URI)
print("type", conn.getType())
print("version", conn.getVersion())
print("libversion", conn.getLibVersion())
print("uri", conn.getURI())
print("info", conn.getInfo())
print("maxvcpus", conn.getMaxVcpus(None), conn.getMaxVcpus("test"))
print("freemem", conn.getFreeMemory())
print("secmodel", conn.getSecurityModel())
print("alive", conn.isAlive(), "secure", conn.isSecure(), "encrypted", conn.isEncrypted())
print("sysinfo", conn.getSysinfo().splitlines()[:3])
caps = conn.getCapabilities()
print("caps has testSecurity", "testSecurity" in caps)
print("module version", libvirt.getVersion())
print("close", conn.close())
