import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

conn = libvirt.open(URI)
net = conn.networkLookupByName("default")
print(
    "default",
    net.name(),
    net.UUIDString(),
    net.bridgeName(),
    net.isActive(),
    net.isPersistent(),
    net.autostart(),
)
print("setAutostart", net.setAutostart(True), net.autostart())
print(
    "destroy",
    net.destroy(),
    net.isActive(),
    conn.listNetworks(),
    conn.listDefinedNetworks(),
    conn.numOfDefinedNetworks(),
)
print("create", net.create(), net.isActive(), conn.numOfNetworks())
xml = """<network>
  <name>compatnet</name>
  <uuid>aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee</uuid>
  <bridge name='virbr9'/>
  <ip address='10.9.0.1' netmask='255.255.255.0'/>
</network>"""
n2 = conn.networkDefineXML(xml)
print("defined", n2.name(), n2.UUIDString(), n2.isActive(), n2.isPersistent(), n2.bridgeName())
print("xml", n2.XMLDesc(0))
print("create", n2.create(), n2.isActive())
try:
    n2.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
except libvirt.libvirtError as e:
    print(
        "inactive flag",
        e.get_error_code(),
        e.get_error_domain(),
        e.get_error_message(),
        e.get_str1(),
        e.get_str2(),
        e.get_int1(),
    )
print("destroy", n2.destroy(), "undefine", n2.undefine())
try:
    n2.isActive()
except libvirt.libvirtError as e:
    print("gone", e.get_error_code(), e.get_error_domain(), e.get_error_message())
t = conn.networkCreateXML(
    xml.replace("compatnet", "transnet")
    .replace("virbr9", "virbr8")
    .replace("aaaaaaaa", "bbbbbbbb")
    .replace("10.9", "10.8")
)
print("transient", t.name(), t.isActive(), t.isPersistent())
print("destroy", t.destroy())
print("names", sorted(conn.listNetworks() + conn.listDefinedNetworks()))
try:
    conn.networkDefineXML(xml.replace("compatnet", "default"))
except libvirt.libvirtError as e:
    print("dup", e.get_error_code(), e.get_error_domain(), e.get_error_message())
try:
    conn.networkDefineXML("<network>")
except libvirt.libvirtError as e:
    print("badxml", e.get_error_code(), e.get_error_domain())
print("default xml", net.XMLDesc())
