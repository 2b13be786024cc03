import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

libvirt.registerErrorHandler(lambda ctx, err: None, None)
conn = libvirt.openReadOnly(URI)
print("uri", conn.getURI(), "alive", conn.isAlive())
dom = conn.lookupByName("test")
print("read", dom.name(), dom.state(), dom.isActive(), len(dom.XMLDesc(0)) > 0, dom.info()[:4])
net = conn.networkLookupByName("default")
pool = conn.storagePoolLookupByName("default-pool")
print("net", net.bridgeName(), "pool", pool.info())
for label, call in [
    ("suspend", dom.suspend),
    ("destroy", dom.destroy),
    ("setMemory", lambda: dom.setMemory(1024)),
    ("setAutostart", lambda: dom.setAutostart(1)),
    ("define", lambda: conn.defineXML("<domain/>")),
    ("createXML", lambda: conn.createXML("<domain/>", 0)),
    ("undefine", dom.undefine),
    ("net destroy", net.destroy),
    ("net define", lambda: conn.networkDefineXML("<network/>")),
    ("net autostart", lambda: net.setAutostart(1)),
    ("pool destroy", pool.destroy),
    ("pool define", lambda: conn.storagePoolDefineXML("<pool/>", 0)),
    ("vol create", lambda: pool.createXML("<volume/>", 0)),
    ("pool refresh", lambda: pool.refresh(0)),
]:
    try:
        call()
        print(label, "allowed?!")
    except libvirt.libvirtError as e:
        print(label, e.get_error_code(), e.get_error_domain(), e.get_error_message())
ro = libvirt.openAuth(
    "test:///default", [[libvirt.VIR_CRED_AUTHNAME], None, None], libvirt.VIR_CONNECT_RO
)
try:
    ro.lookupByName("test").suspend()
except libvirt.libvirtError as e:
    print("openAuth RO", e.get_error_code(), e.get_error_message())
print("close", ro.close())
