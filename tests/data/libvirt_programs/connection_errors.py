import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

# virConnGetLastError is the connection's own record of its last failure, apart from the
# thread's: kept across later successful calls, reset only by virConnResetLastError.
libvirt.registerErrorHandler(lambda ctx, err: None, None)
conn = libvirt.open(URI)
other = libvirt.open(URI)
print("fresh", conn.virConnGetLastError())
try:
    conn.lookupByName("nosuch")
except libvirt.libvirtError:
    pass
print("after lookup", conn.virConnGetLastError()[:3])
dom = conn.lookupByName("test")
print("after success", conn.virConnGetLastError()[:3], "thread", libvirt.virGetLastError())
try:
    dom.setMemory(-5)
except libvirt.libvirtError:
    pass
print("through a domain", conn.virConnGetLastError()[:3])
print("other connection", other.virConnGetLastError())
conn.virConnResetLastError()
print("reset", conn.virConnGetLastError())
try:
    libvirt.virDomain.create(dom)
except libvirt.libvirtError:
    pass
print("after create", conn.virConnGetLastError()[:3])
