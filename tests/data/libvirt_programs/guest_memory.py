import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

# Guest memory calls: memoryPeek, setMemoryStatsPeriod, messages; their answers, the
# definitions they change and every refusal (flags, values, state, read-only, no balloon).
libvirt.registerErrorHandler(lambda ctx, err: None, None)
conn = libvirt.open(URI)
ro = libvirt.openReadOnly(URI)
XML = (
    "<domain type='test'><name>probe-mem</name><memory>1048576</memory>"
    "<os><type>hvm</type></os><devices>%s</devices></domain>"
)
dom = conn.defineXML(XML % "<memballoon model='virtio'/>")
bare = conn.defineXML((XML % "<memballoon model='none'/>").replace("probe-mem", "probe-bare"))


def attempt(label, call):
    try:
        print(label, repr(call()))
    except libvirt.libvirtError as e:
        print(label, "error", e.get_error_code(), e.get_error_domain(), e.get_error_message())
    except (TypeError, OverflowError, MemoryError) as e:
        print(label, type(e).__name__)


def stats(d, flags=0):
    return [line.strip() for line in d.XMLDesc(flags).splitlines() if "stats" in line]


attempt("peek inactive", lambda: dom.memoryPeek(0, 8, libvirt.VIR_MEMORY_VIRTUAL))
attempt("messages inactive", lambda: dom.messages())
attempt("period inactive live", lambda: dom.setMemoryStatsPeriod(5, libvirt.VIR_DOMAIN_AFFECT_LIVE))
attempt("period inactive", lambda: dom.setMemoryStatsPeriod(5))
print("config", stats(dom, libvirt.VIR_DOMAIN_XML_INACTIVE))
dom.create()
for label, args in [
    ("peek virtual", (250, 12, libvirt.VIR_MEMORY_VIRTUAL)),
    ("peek physical", (2**64 - 3, 6, libvirt.VIR_MEMORY_PHYSICAL)),
    ("peek empty", (0, 0, libvirt.VIR_MEMORY_VIRTUAL)),
    ("peek no flags", (0, 8, 0)),
    ("peek both", (0, 8, libvirt.VIR_MEMORY_VIRTUAL | libvirt.VIR_MEMORY_PHYSICAL)),
    ("peek bad flag", (0, 8, 4)),
    ("peek negative start", (-1, 4, libvirt.VIR_MEMORY_VIRTUAL)),
    ("peek string", ("0", 4, libvirt.VIR_MEMORY_VIRTUAL)),
]:
    attempt(label, lambda args=args: dom.memoryPeek(*args))
print("peek 4 MiB", len(dom.memoryPeek(7, 4 * 1024 * 1024, libvirt.VIR_MEMORY_VIRTUAL)))
# (through a daemon, the remote driver's limit; in process, libvirt reads it all)
attempt("peek 4 MiB + 1", lambda: len(dom.memoryPeek(0, 4 * 1024 * 1024 + 1, 1)))
attempt("period live", lambda: dom.setMemoryStatsPeriod(7))
print("live", stats(dom), "config", stats(dom, libvirt.VIR_DOMAIN_XML_INACTIVE))
attempt("period config", lambda: dom.setMemoryStatsPeriod(9, libvirt.VIR_DOMAIN_AFFECT_CONFIG))
print("live", stats(dom), "config", stats(dom, libvirt.VIR_DOMAIN_XML_INACTIVE))
attempt("period off", lambda: dom.setMemoryStatsPeriod(0))
print("live", stats(dom))
attempt("period negative", lambda: dom.setMemoryStatsPeriod(-1))
attempt("period both", lambda: dom.setMemoryStatsPeriod(5, 3))
attempt("period bad flag", lambda: dom.setMemoryStatsPeriod(5, 7))
attempt("period huge", lambda: dom.setMemoryStatsPeriod(2**31))
attempt("period no balloon", lambda: bare.setMemoryStatsPeriod(5))
for flags in (0, libvirt.VIR_DOMAIN_MESSAGE_DEPRECATION, libvirt.VIR_DOMAIN_MESSAGE_TAINTING, 8):
    attempt(f"messages {flags}", lambda flags=flags: dom.messages(flags))
rodom = ro.lookupByName("probe-mem")
attempt("ro peek", lambda: rodom.memoryPeek(0, 8, 3))
attempt("ro period", lambda: rodom.setMemoryStatsPeriod(-1, 3))
attempt("ro messages", lambda: rodom.messages())
dom.destroy()
dom.undefine()
bare.undefine()
