import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

conn = libvirt.open(URI)
dom = conn.lookupByName("test")


def show(label):
    info = dom.info()
    print(label, "state", dom.state(), "info", info[:4], "active", dom.isActive(), "id", dom.ID())


show("start")
print("suspend", dom.suspend())
show("suspended")
print("resume", dom.resume())
show("resumed")
print("reboot", dom.reboot(), "reset", dom.reset())
print("shutdown", dom.shutdown())
show("shutdown")
print("create", dom.create())
show("created")
print("destroy", dom.destroy())
show("destroyed")
print("createWithFlags", dom.createWithFlags(0))
show("started-with-flags")
print("destroyFlags", dom.destroyFlags())
try:
    dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
except libvirt.libvirtError as e:
    print(
        "paused start",
        e.get_error_code(),
        e.get_error_domain(),
        e.get_error_message(),
        e.get_str1(),
        e.get_str2(),
    )
print("persistent", dom.isPersistent(), "autostart", dom.autostart())
print("setAutostart", dom.setAutostart(1), dom.autostart())
print(
    "os",
    dom.OSType(),
    "maxmem",
    dom.maxMemory(),
    "vcpus",
    dom.vcpusFlags(libvirt.VIR_DOMAIN_VCPU_MAXIMUM | libvirt.VIR_DOMAIN_AFFECT_CONFIG),
)
print("setMaxMemory", dom.setMaxMemory(4194304), dom.maxMemory())
print(
    "setMemoryFlags", dom.setMemoryFlags(1048576, libvirt.VIR_DOMAIN_AFFECT_CONFIG), dom.info()[2]
)
print(
    "setVcpusFlags",
    dom.setVcpusFlags(1, libvirt.VIR_DOMAIN_AFFECT_CONFIG),
    dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG),
)
print("create", dom.create())
print("setMemory", dom.setMemory(2097152), dom.info()[2])
print("setVcpus", dom.setVcpus(1), dom.vcpusFlags(), dom.maxVcpus())
print("managedsave", dom.hasManagedSaveImage(), "seclabel", dom.securityLabel())

xml = """<domain type='test'>
  <name>compat-new</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory>524288</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>"""
new = conn.defineXML(xml)
print("defined", new.name(), new.UUIDString(), new.ID(), new.isActive(), new.state())
print("create", new.create(), new.ID() > 0, new.state())
print("destroy", new.destroy(), new.ID())
print("undefineFlags", new.undefineFlags(0))
try:
    new.isActive()
except libvirt.libvirtError as e:
    print("gone", e.get_error_code(), e.get_error_domain(), e.get_error_message())
tr = conn.createXML(xml.replace("compat-new", "compat-transient"), 0)
print("transient", tr.name(), tr.isPersistent(), tr.isActive(), tr.state())
print("destroy transient", tr.destroy())
try:
    conn.lookupByName("compat-transient")
except libvirt.libvirtError as e:
    print("transient gone", e.get_error_code(), e.get_error_message())
print("close", conn.close())
