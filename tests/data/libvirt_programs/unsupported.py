import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

libvirt.registerErrorHandler(lambda ctx, err: None, None)
conn = libvirt.open(URI)
dom = conn.lookupByName("test")
for label, call in [
    ("blockPeek", lambda: dom.blockPeek("vda", 0, 16)),
    ("blockPeek arity", lambda: dom.blockPeek("vda")),
    ("migrateGetMaxSpeed", lambda: dom.migrateGetMaxSpeed()),
    ("migrateSetMaxDowntime", lambda: dom.migrateSetMaxDowntime(10)),
    ("setKeepAlive", lambda: conn.setKeepAlive(5, 3)),
    ("setKeepAlive arity", lambda: conn.setKeepAlive(5)),
    ("nwfilters", lambda: conn.listAllNWFilters()),
    ("secrets", lambda: conn.listAllSecrets()),
]:
    try:
        print(label, "ok", call())
    except libvirt.libvirtError as e:
        print(label, e.get_error_code(), e.get_error_domain(), e.get_error_message(), e.get_str2())
    except TypeError as e:
        print(label, "TypeError", e)
print("registerCloseCallback", conn.registerCloseCallback(lambda c, reason, opaque: None, None))
print("unregisterCloseCallback", conn.unregisterCloseCallback(), conn.unregisterCloseCallback())
