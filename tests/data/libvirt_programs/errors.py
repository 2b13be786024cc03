import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

seen = []
libvirt.registerErrorHandler(lambda ctx, err: seen.append((ctx, err[0], err[1])), "ctx")
conn = libvirt.open(URI)
dom = conn.lookupByName("test")


def attempt(label, call):
    try:
        result = call()
        print(label, "ok", repr(result))
    except libvirt.libvirtError as e:
        print(
            label,
            "libvirtError",
            e.get_error_code(),
            e.get_error_domain(),
            e.get_error_level(),
            repr(str(e)),
            repr(e.get_str1()),
            repr(e.get_str2()),
            repr(e.get_str3()),
            e.get_int1(),
            e.get_int2(),
        )
        print(
            "  last",
            libvirt.virGetLastError() == e.err,
            libvirt.virGetLastErrorCode(),
            libvirt.virGetLastErrorDomain(),
        )
    except Exception as e:
        print(label, type(e).__name__, str(e))


attempt("start running", dom.create)
attempt("resume running", dom.resume)
attempt("bad flags", lambda: conn.listAllDomains(1 << 20))
attempt("negative flags", lambda: conn.listAllDomains(-1))
attempt("huge flags", lambda: len(conn.listAllDomains(1 << 40)))
attempt("str flags", lambda: conn.listAllDomains("1"))
attempt("float flags", lambda: dom.XMLDesc(1.0))
attempt("none flags", lambda: dom.XMLDesc(None))
attempt("missing arg", lambda: conn.lookupByName())
attempt("extra arg", lambda: conn.lookupByName("test", 1))
attempt("int name", lambda: conn.lookupByName(5))
attempt("str id", lambda: conn.lookupByID("1"))
attempt("str memory", lambda: dom.setMemory("1024"))
attempt("negative memory", lambda: dom.setMemory(-1))
attempt("huge memory", lambda: dom.setMemory(2**64))
attempt("zero memory", lambda: dom.setMemory(0))
attempt("too much memory", lambda: dom.setMemory(2**40))
attempt("zero vcpus", lambda: dom.setVcpus(0))
attempt("too many vcpus", lambda: dom.setVcpus(1000))
attempt("str autostart", lambda: dom.setAutostart("yes"))
attempt("max mem active", lambda: dom.setMaxMemory(1024))
attempt("define garbage", lambda: conn.defineXML("<domain"))
attempt(
    "define no name",
    lambda: conn.defineXML(
        "<domain type='test'><memory>1024</memory><os><type>hvm</type></os></domain>"
    ),
)
attempt(
    "define dup uuid",
    lambda: conn.defineXML(
        "<domain type='test'><name>other</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>1024</memory><os><type>hvm</type></os></domain>"
    ),
)
attempt(
    "create dup",
    lambda: conn.createXML(
        "<domain type='test'><name>test</name><memory>1024</memory><os><type>hvm</type></os></domain>",
        0,
    ),
)
attempt("bad open", lambda: libvirt.open("test:///"))
attempt("missing file", lambda: libvirt.open("test:///nonexistent-dir/none.xml"))
attempt("open int", lambda: libvirt.open(5))
attempt("negative id", lambda: conn.lookupByID(-1))
attempt("bogus vcpu type", lambda: conn.getMaxVcpus("bogus"))
attempt("state flags", lambda: dom.state(1))
attempt("autostart 2", lambda: dom.setAutostart(2))
attempt("xml flags", lambda: len(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)) > 0)
attempt("sysinfo flags", lambda: conn.getSysinfo(1))
attempt(
    "undefine transient",
    lambda: conn.createXML(
        "<domain type='test'><name>tt</name><memory>1024</memory><os><type>hvm</type></os></domain>",
        0,
    ).undefine(),
)
attempt(
    "vcpus inactive",
    lambda: conn.defineXML(
        "<domain type='test'><name>off</name><memory>1024</memory><os><type>hvm</type></os></domain>"
    ).maxVcpus(),
)
attempt("suspend inactive", lambda: conn.lookupByName("off").suspend())
attempt("bad uuid type", lambda: conn.lookupByUUIDString(12))
attempt("deregister unknown", lambda: conn.domainEventDeregisterAny(42))
print("handler calls", len(seen), seen[0])
libvirt.virResetLastError()
print("after reset", libvirt.virGetLastError(), libvirt.virGetLastErrorMessage())
own = libvirt.libvirtError("my own failure")
print("own", str(own), own.err, own.get_error_code(), own.get_str1())
print("issubclass", issubclass(libvirt.libvirtError, Exception))
conn.getURI()
print("ok call clears", libvirt.virGetLastError())
print("close", conn.close())
attempt("after close", conn.getURI)
