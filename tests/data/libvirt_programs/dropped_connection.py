# A connection dropped without close() is closed by the binding (virConnect.__del__): the
# next program step sees test:///default as its last close leaves it, pristine again.
import gc
import os

import libvirt

uri = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")
conn = libvirt.open(uri)
dom = conn.lookupByName("test")
dom.destroy()
dom.undefine()
print("after undefine:", sorted(conn.listDefinedDomains()), conn.listDomainsID())
del dom, conn  # no close()
gc.collect()
conn = libvirt.open(uri)
print("a new connection:", [d.name() for d in conn.listAllDomains()])
print("close:", conn.close())
