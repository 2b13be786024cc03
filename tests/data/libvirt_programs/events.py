import os
import threading

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

libvirt.virEventRegisterDefaultImpl()
received = []
lock = threading.Condition()


def record(*fields):
    with lock:
        received.append(fields)
        lock.notify_all()


def wait_for(count):
    with lock:
        lock.wait_for(lambda: len(received) >= count, timeout=10)


def run_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=run_loop, daemon=True).start()

conn = libvirt.open(URI)
dom = conn.lookupByName("test")


def lifecycle(c, d, event, detail, opaque):
    record("any", c is conn, d.name(), event, detail, opaque)


def legacy(c, d, event, detail, opaque):
    record("legacy", c is conn, d.name(), event, detail, opaque)


def only_test(c, d, event, detail, opaque):
    record("filtered", d.name(), event, detail, opaque)


def net_cb(c, n, event, detail, opaque):
    record("net", n.name(), event, detail, opaque)


def pool_cb(c, p, event, detail, opaque):
    record("pool", p.name(), event, detail, opaque)


ids = [
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "A"),
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, only_test, "F"),
    conn.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, net_cb, "N"),
    conn.storagePoolEventRegisterAny(
        None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, pool_cb, "P"
    ),
]
print("ids", ids)
print("legacy register", conn.domainEventRegister(legacy, "L"))
try:
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "again")
except libvirt.libvirtError as e:
    print("duplicate", e.get_error_code(), e.get_error_domain(), e.get_error_message())

dom.suspend()
dom.resume()
wait_for(6)
dom.destroy()
dom.create()
wait_for(12)
other = conn.defineXML(
    "<domain type='test'><name>evdom</name><memory>65536</memory><os><type>hvm</type></os></domain>"
)
other.create()
other.destroy()
other.undefine()
wait_for(20)
net = conn.networkLookupByName("default")
net.destroy()
net.create()
pool = conn.storagePoolLookupByName("default-pool")
pool.destroy()
pool.create()
pool.refresh()
wait_for(24)
for fields in received:
    print(*fields)
del received[:]

print("deregister", conn.domainEventDeregisterAny(ids[0]), conn.domainEventDeregister(legacy))
dom.suspend()
dom.resume()
wait_for(2)
for fields in received:
    print(*fields)
try:
    conn.domainEventDeregisterAny(ids[0])
except libvirt.libvirtError as e:
    print("again", e.get_error_code(), e.get_error_domain(), e.get_error_message())
try:
    conn.domainEventRegisterAny(None, 999, lifecycle, None)
except libvirt.libvirtError as e:
    print("bad id", e.get_error_code(), str(e))
print(
    "net dereg",
    conn.networkEventDeregisterAny(ids[2]),
    "pool dereg",
    conn.storagePoolEventDeregisterAny(ids[3]),
)
print("filtered dereg", conn.domainEventDeregisterAny(ids[1]))

# Through a daemon, callbacks sharing a filter share one daemon-side registration, which
# lives as long as one of them does: the legacy callback keeps U1's place ahead of F1.
u1 = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "U1")
f1 = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, only_test, "F1")
conn.domainEventRegister(legacy, "L2")
del received[:]
dom.suspend()
wait_for(3)
conn.domainEventDeregisterAny(u1)
u3 = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "U3")
dom.resume()
wait_for(6)
for fields in received:
    print(*fields)
for callback_id in (u3, f1):
    conn.domainEventDeregisterAny(callback_id)
conn.domainEventDeregister(legacy)
print("close", conn.close())
