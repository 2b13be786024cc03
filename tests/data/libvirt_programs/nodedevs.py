import os
import threading

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

libvirt.virEventRegisterDefaultImpl()
received = []
lock = threading.Condition()


def run_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=run_loop, daemon=True).start()


def fails(label, call):
    try:
        print(label, "->", call())
    except libvirt.libvirtError as e:
        print(label, "!!", e.get_error_code(), e.get_error_domain(), e.get_error_message())


def names(devices):
    # libvirt lists in hash order, which changes from run to run: print sorted
    return sorted(d.name() for d in devices)


def record(c, dev, event, detail, opaque):
    with lock:
        received.append((dev.name(), event, detail, opaque))
        lock.notify_all()


def settle():
    """Wait until the event loop has finished the dispatch it is in.

    libvirt only marks a callback deleted while it dispatches events, so a second
    deregistration during a dispatch would succeed; a timer runs after it ends."""
    done = threading.Event()
    timer = libvirt.virEventAddTimeout(0, lambda t, o: done.set(), None)
    done.wait(10)
    libvirt.virEventRemoveTimeout(timer)


conn = libvirt.open(URI)
print("all", names(conn.listAllDevices(0)), conn.numOfDevices(None, 0))
for cap in ("system", "scsi_host", "fc_host", "vports", "net", "bogus"):
    print(cap, sorted(conn.listDevices(cap, 0)), conn.numOfDevices(cap, 0))
for flag in ("SYSTEM", "SCSI_HOST", "FC_HOST", "VPORTS", "PCI_DEV"):
    value = getattr(libvirt, "VIR_CONNECT_LIST_NODE_DEVICES_CAP_" + flag)
    print("listAll", flag, names(conn.listAllDevices(value)))
fails("active filter", lambda: conn.listAllDevices(libvirt.VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE))
fails("list flags", lambda: conn.listDevices(None, 1))
for name in ("computer", "scsi_host1", "scsi_host2", "scsi_host11"):
    dev = conn.nodeDeviceLookupByName(name)
    print(name, dev.name(), dev.parent(), dev.numOfCaps(), dev.listCaps(), dev.connect() is conn)
    print(dev.XMLDesc(0), end="")
dev = conn.nodeDeviceLookupByName("scsi_host1")
for label, call in (("isActive", dev.isActive), ("isPersistent", dev.isPersistent),
                    ("autostart", dev.autostart), ("setAutostart", lambda: dev.setAutostart(1)),
                    ("create", lambda: dev.create(0)), ("undefine", lambda: dev.undefine(0)),
                    ("dettach", dev.dettach), ("detachFlags", lambda: dev.detachFlags("vfio", 0)),
                    ("reAttach", dev.reAttach), ("reset", dev.reset),
                    ("xml flags", lambda: dev.XMLDesc(1)),
                    ("define", lambda: conn.nodeDeviceDefineXML("<device/>", 0)),
                    ("wwn", lambda: conn.nodeDeviceLookupSCSIHostByWWN("2000000012341234",
                                                                        "1000000012341234", 0)),
                    ("no such", lambda: conn.nodeDeviceLookupByName("nope")),
                    ("null", lambda: conn.nodeDeviceLookupByName(None)),
                    ("no caps", lambda: conn.nodeDeviceCreateXML("<device/>", 0)),
                    ("not xml", lambda: conn.nodeDeviceCreateXML("<device", 0))):  # fmt: skip
    fails(label, call)

callback = conn.nodeDeviceEventRegisterAny(None, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
                                           record, "any")
vhba = ("<device><parent>scsi_host2</parent><capability type='scsi_host'>"
        "<capability type='fc_host'><wwnn>2000000012341111</wwnn><wwpn>1000000012341111</wwpn>"
        "</capability></capability></device>")
created = conn.nodeDeviceCreateXML(vhba, 0)
print("created", created.name(), created.parent(), created.listCaps())
print(created.XMLDesc(0), end="")
with lock:  # the creation's event first, so the filtered callback sees only the deletion
    lock.wait_for(lambda: len(received) >= 1, timeout=10)
only = conn.nodeDeviceEventRegisterAny(created, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE,
                                       record, "only")
print("destroy", created.destroy(), names(conn.listAllDevices(0)))
fails("destroyed", lambda: created.XMLDesc(0))
print("destroy computer", conn.nodeDeviceLookupByName("computer").destroy())
with lock:
    lock.wait_for(lambda: len(received) >= 3, timeout=10)
print("events", sorted(received))
settle()
conn.nodeDeviceEventDeregisterAny(callback)
conn.nodeDeviceEventDeregisterAny(only)
fails("deregister twice", lambda: conn.nodeDeviceEventDeregisterAny(only))
try:
    conn.nodeDeviceEventRegisterAny(None, 7, record, None)
except libvirt.libvirtError as e:
    print("bad event id", e.get_error_code())

ro = libvirt.openReadOnly(URI)
fails("ro create", lambda: ro.nodeDeviceCreateXML(vhba, 0))
fails("ro destroy", lambda: ro.nodeDeviceLookupByName("scsi_host11").destroy())
fails("ro autostart", lambda: ro.nodeDeviceLookupByName("scsi_host11").autostart())
print("ro names", names(ro.listAllDevices(0)))
