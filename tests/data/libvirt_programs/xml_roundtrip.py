import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

conn = libvirt.open(URI)
dom = conn.lookupByName("test")
print("== live")
print(dom.XMLDesc(0))
print("== inactive")
print(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
print("== secure")
print(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE) == dom.XMLDesc(0))

xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
copy_xml = xml.replace("<name>test</name>", "<name>copy</name>")
copy_xml = "\n".join(
    line for line in copy_xml.splitlines() if "<uuid>" not in line and "<mac " not in line
)
copy = conn.defineXML(copy_xml)
again = copy.XMLDesc(0)
print("== copy (uuid and mac removed)")
print(
    "\n".join(line for line in again.splitlines() if "<uuid>" not in line and "<mac " not in line)
)
print("redefine same", conn.defineXML(again).name(), conn.defineXML(again).XMLDesc(0) == again)
copy.undefine()

print("== minimal define")
minimal = conn.defineXML(
    "<domain type='test'><name>mini</name><uuid>33333333-4444-5555-6666-777777777777</uuid>"
    "<memory unit='MiB'>256</memory><vcpu placement='static'>2</vcpu>"
    "<os><type arch='i686'>hvm</type><boot dev='hd'/></os>"
    "<devices><disk type='file' device='disk'><source file='/tmp/mini.img'/>"
    "<target dev='vda' bus='virtio'/></disk></devices></domain>"
)
print(minimal.XMLDesc(0))
print("info", minimal.info()[:4], "maxmem", minimal.maxMemory())
