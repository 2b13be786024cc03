import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

conn = libvirt.open(URI)
for i in range(3):
    conn.defineXML(
        f"<domain type='test'><name>list{i}</name><memory>65536</memory>"
        "<os><type>hvm</type></os></domain>"
    )
conn.lookupByName("list1").create()
conn.lookupByName("list2").create()
conn.lookupByName("list2").suspend()
conn.lookupByName("list0").setAutostart(1)


def names(flags):
    return sorted(d.name() for d in conn.listAllDomains(flags))


print("all", names(0))
for flag in [
    "ACTIVE",
    "INACTIVE",
    "PERSISTENT",
    "TRANSIENT",
    "RUNNING",
    "PAUSED",
    "SHUTOFF",
    "OTHER",
    "AUTOSTART",
    "NO_AUTOSTART",
    "MANAGEDSAVE",
    "NO_MANAGEDSAVE",
]:
    print(flag, names(getattr(libvirt, "VIR_CONNECT_LIST_DOMAINS_" + flag)))
print(
    "active|inactive",
    names(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE | libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE),
)
print("ids", len(conn.listDomainsID()), conn.numOfDomains())
print("defined", sorted(conn.listDefinedDomains()), conn.numOfDefinedDomains())
print(
    "networks",
    sorted(n.name() for n in conn.listAllNetworks()),
    conn.listNetworks(),
    conn.listDefinedNetworks(),
)
print(
    "pools",
    sorted(p.name() for p in conn.listAllStoragePools()),
    conn.listStoragePools(),
    conn.listDefinedStoragePools(),
)
print(
    "active pools",
    [p.name() for p in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)],
)
print(
    "dir pools",
    [p.name() for p in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_DIR)],
)
print(
    "inactive nets",
    [n.name() for n in conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_INACTIVE)],
)
