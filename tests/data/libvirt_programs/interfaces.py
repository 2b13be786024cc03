import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")


def fails(label, call):
    try:
        print(label, "->", call())
    except libvirt.libvirtError as e:
        print(label, "!!", e.get_error_code(), e.get_error_domain(), e.get_error_message())


def listing(conn):
    # libvirt lists in hash order, which changes from run to run: print sorted
    everything = sorted((i.name(), i.MACString(), i.isActive()) for i in conn.listAllInterfaces(0))
    active = sorted(i.name() for i in conn.listAllInterfaces(libvirt.VIR_CONNECT_LIST_INTERFACES_ACTIVE))
    return everything, active, sorted(conn.listInterfaces()), sorted(conn.listDefinedInterfaces()), \
        conn.numOfInterfaces(), conn.numOfDefinedInterfaces()


conn = libvirt.open(URI)
print("start", listing(conn))
eth1 = conn.interfaceLookupByName("eth1")
print("eth1", eth1.name(), eth1.MACString(), eth1.isActive(), eth1.connect() is conn)
print(eth1.XMLDesc(0), end="")
by_mac = conn.interfaceLookupByMACString("AA:BB:CC:DD:EE:FF")
print("by mac", by_mac.name(), by_mac.MACString(), by_mac == eth1)
fails("create active", lambda: eth1.create(0))
print("destroy", eth1.destroy(0), eth1.isActive())
fails("destroy inactive", lambda: eth1.destroy(0))
print("create", eth1.create(0), eth1.isActive())
fails("flags", lambda: eth1.XMLDesc(libvirt.VIR_INTERFACE_XML_INACTIVE))
fails("list flags", lambda: conn.listAllInterfaces(4))
fails("no such", lambda: conn.interfaceLookupByName("nope"))
fails("no such mac", lambda: conn.interfaceLookupByMACString("00:11:22:33:44:55"))
fails("bad xml", lambda: conn.interfaceDefineXML("<interface type='ethernet'/>", 0))
fails("not xml", lambda: conn.interfaceDefineXML("<interface", 0))
fails("null name", lambda: conn.interfaceLookupByName(None))

print("begin", conn.changeBegin(0))
fails("begin again", lambda: conn.changeBegin(0))
eth2 = conn.interfaceDefineXML(
    "<interface type='ethernet' name='eth2'><mac address='aa:bb:cc:dd:ee:02'/>"
    "<protocol family='ipv4'><dhcp/></protocol></interface>", 0)
print("defined", eth2.name(), eth2.MACString(), eth2.isActive())
print(eth2.XMLDesc(0), end="")
print("during", listing(conn))
print("rollback", conn.changeRollback(0))
print("after rollback", listing(conn))
fails("eth2 gone", lambda: eth2.XMLDesc(0))
fails("commit none", lambda: conn.changeCommit(0))
print("begin", conn.changeBegin(0), "undefine", conn.interfaceLookupByName("eth1").undefine())
print("commit", conn.changeCommit(0), listing(conn))
fails("undefined", lambda: eth1.isActive())

ro = libvirt.openReadOnly(URI)
fails("ro define", lambda: ro.interfaceDefineXML("<interface type='ethernet' name='x'/>", 0))
fails("ro begin", lambda: ro.changeBegin(0))
print("ro list", listing(ro))
