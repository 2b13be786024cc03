import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

conn = libvirt.open(URI)
pool = conn.storagePoolLookupByName("default-pool")
print(
    "pool",
    pool.name(),
    pool.UUIDString(),
    pool.info(),
    pool.isActive(),
    pool.isPersistent(),
    pool.autostart(),
)
print("volumes", pool.listVolumes(), pool.numOfVolumes(), pool.listAllVolumes())
vol_xml = """<volume>
  <name>disk1.img</name>
  <capacity unit='M'>100</capacity>
  <allocation unit='M'>10</allocation>
</volume>"""
vol = pool.createXML(vol_xml, 0)
print("vol", vol.name(), vol.key(), vol.path(), vol.info())
print("volumes", pool.listVolumes(), pool.numOfVolumes(), [v.name() for v in pool.listAllVolumes()])
print("pool info after", pool.info())
print(
    "bypath",
    conn.storageVolLookupByPath(vol.path()).name(),
    "bykey",
    conn.storageVolLookupByKey(vol.key()).name(),
)
print("byname", pool.storageVolLookupByName("disk1.img").path())
print("pool of vol", vol.storagePoolLookupByVolume().name())
print("vol xml", vol.XMLDesc(0))
try:
    pool.createXML(vol_xml, 0)
except libvirt.libvirtError as e:
    print("dup vol", e.get_error_code(), e.get_error_domain(), e.get_error_message())
print("delete", vol.delete(0), pool.listVolumes())
print("refresh", pool.refresh(0))
print("setAutostart", pool.setAutostart(1), pool.autostart())
print("destroy", pool.destroy(), pool.isActive(), pool.info()[0], conn.listDefinedStoragePools())
try:
    pool.listAllVolumes()
except libvirt.libvirtError as e:
    print("inactive list", e.get_error_code(), e.get_error_domain(), e.get_error_message())
print("create", pool.create(0), pool.isActive())
pool_xml = """<pool type='dir'>
  <name>compatpool</name>
  <uuid>12345678-1234-1234-1234-123456789abc</uuid>
  <target><path>/compat-pool</path></target>
</pool>"""
p2 = conn.storagePoolDefineXML(pool_xml, 0)
print("defined", p2.name(), p2.isActive(), p2.isPersistent(), p2.info()[0])
print("build", p2.build(0), "create", p2.create(0), p2.info())
print("xml", p2.XMLDesc(0))
print("destroy", p2.destroy(), "delete", p2.delete(0), "undefine", p2.undefine())
t = conn.storagePoolCreateXML(
    pool_xml.replace("compatpool", "transpool").replace("12345678-", "87654321-"), 0
)
print("transient", t.name(), t.isActive(), t.isPersistent())
print("destroy", t.destroy())
print(
    "pools",
    sorted(conn.listStoragePools() + conn.listDefinedStoragePools()),
    conn.numOfStoragePools(),
    conn.numOfDefinedStoragePools(),
)
print("default xml", pool.XMLDesc(0))
