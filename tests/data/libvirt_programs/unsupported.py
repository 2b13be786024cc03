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


def attempt(label, call):
    try:
        print(label, "ok", call())
    except libvirt.libvirtError as e:
        print(label, e.get_error_code(), e.get_error_domain(), e.get_error_message())


# Close callbacks: the test driver keeps none; the remote driver keeps one per connection.
def on_close(c, reason, opaque):
    print("closed", reason, opaque)


attempt("unregisterCloseCallback first", lambda: conn.unregisterCloseCallback())
attempt("registerCloseCallback", lambda: conn.registerCloseCallback(on_close, "x"))
attempt("registerCloseCallback again", lambda: conn.registerCloseCallback(on_close, "y"))
attempt("registerCloseCallback None", lambda: conn.registerCloseCallback(None, None))
attempt("unregisterCloseCallback", lambda: conn.unregisterCloseCallback())
attempt("unregisterCloseCallback again", lambda: conn.unregisterCloseCallback())
attempt("registerCloseCallback after", lambda: conn.registerCloseCallback(on_close, "z"))
attempt("close with callback", lambda: conn.close())
held = libvirt.open(URI)  # no object handles: only the close callback may hold it
attempt("registerCloseCallback held", lambda: held.registerCloseCallback(on_close, "h"))
attempt("close held", lambda: held.close())

# Keepalive needs an event loop registered before the connection is opened.
before = libvirt.openReadOnly(URI)
libvirt.virEventRegisterDefaultImpl()
after = libvirt.open(URI)
attempt("keepalive opened before loop", lambda: before.setKeepAlive(5, 3))
for interval, count in [(5, 3), (10, 1), (0, 0), (-1, 3), (5, 0), (3000000, 1)]:
    attempt(f"keepalive {interval} {count}", lambda i=interval, c=count: after.setKeepAlive(i, c))
fresh = libvirt.open(URI)
attempt("keepalive too large", lambda: fresh.setKeepAlive(3000000, 1))
attempt("keepalive stop first", lambda: fresh.setKeepAlive(0, 5))
attempt("keepalive start after stop", lambda: fresh.setKeepAlive(7, 2))
attempt("keepalive count 0", lambda: libvirt.open(URI).setKeepAlive(1, 0))
attempt("close before", lambda: before.close())
attempt("close after", lambda: after.close())
attempt("close fresh", lambda: fresh.close())
