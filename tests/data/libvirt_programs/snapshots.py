import os
import re
import threading

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

libvirt.virEventRegisterDefaultImpl()
libvirt.registerErrorHandler(lambda ctx, err: None, None)
received = []
lock = threading.Condition()


def run_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=run_loop, daemon=True).start()


def lifecycle(c, d, event, detail, opaque):
    with lock:
        received.append((d.name(), event, detail))
        lock.notify_all()


def events(count):
    """The next *count* lifecycle events (waits for them), then clears the list."""
    with lock:
        lock.wait_for(lambda: len(received) >= count, timeout=10)
        got = list(received)
        received.clear()
    return got


def clockless(text):
    """A snapshot's creation time, and a name made from it, differ from run to run."""
    text = re.sub(r"<creationTime>\d+</creationTime>", "<creationTime>T</creationTime>", text)
    return re.sub(r"\b1\d{9}\b", "EPOCH", text)


def attempt(label, call):
    try:
        result = call()
        if isinstance(result, libvirt.virDomainSnapshot):
            result = "snapshot " + clockless(result.getName())
        elif isinstance(result, list):
            result = sorted(
                clockless(r.getName() if isinstance(r, libvirt.virDomainSnapshot) else r)
                for r in result
            )
        print(label, "ok", repr(result))
    except libvirt.libvirtError as e:
        print(label, "error", e.get_error_code(), e.get_error_domain(), repr(str(e)))


conn = libvirt.open(URI)
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, None)
dom = conn.lookupByName("test")

attempt("none yet", lambda: dom.hasCurrentSnapshot())
attempt("no current", lambda: dom.snapshotCurrent())
attempt("no such", lambda: dom.snapshotLookupByName("nosuch"))
attempt("NULL name", lambda: dom.snapshotLookupByName(None))
attempt("NULL xml", lambda: dom.snapshotCreateXML(None))
attempt("bad root", lambda: dom.snapshotCreateXML("<snapshot/>"))
attempt("truncated", lambda: dom.snapshotCreateXML("<domainsnapshot>"))
attempt(
    "bad memory",
    lambda: dom.snapshotCreateXML("<domainsnapshot><memory snapshot='x'/></domainsnapshot>"),
)
attempt(
    "bad disk",
    lambda: dom.snapshotCreateXML(
        "<domainsnapshot><disks><disk name='sdq'/></disks></domainsnapshot>"
    ),
)
attempt("unknown flag", lambda: dom.snapshotCreateXML("<domainsnapshot/>", 1 << 20))
attempt(
    "no metadata",
    lambda: dom.snapshotCreateXML(
        "<domainsnapshot/>", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA
    ),
)

a = dom.snapshotCreateXML(
    "<domainsnapshot><name>a</name><description>one &amp; two</description></domainsnapshot>"
)
b = dom.snapshotCreateXML(
    "<domainsnapshot><name>b</name></domainsnapshot>", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
)
print("halt", dom.state(), events(1))
attempt(
    "duplicate", lambda: dom.snapshotCreateXML("<domainsnapshot><name>a</name></domainsnapshot>")
)
unnamed = dom.snapshotCreateXML("<domainsnapshot/>")
print("unnamed", clockless(unnamed.getName()) == "EPOCH", clockless(unnamed.getXMLDesc()))
print("xml", clockless(b.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE)))
print(
    "same domain",
    b.getDomain().name(),
    b.domain().UUIDString() == dom.UUIDString(),
    b.getConnect() is conn,
)
attempt("all", lambda: dom.listAllSnapshots())
attempt("roots", lambda: dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS))
attempt("leaves", lambda: dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES))
attempt("inactive", lambda: dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE))
attempt("no-metadata", lambda: dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA))
attempt("bad list flag", lambda: dom.listAllSnapshots(1 << 20))
attempt("names", lambda: dom.snapshotListNames())
attempt("num", lambda: dom.snapshotNum())
attempt("num roots", lambda: dom.snapshotNum(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS))
attempt("current", lambda: dom.snapshotCurrent())
attempt("parent of b", lambda: b.getParent())
attempt("parent of a", lambda: a.getParent())
attempt("children of a", lambda: a.listAllChildren())
attempt("descendants of a", lambda: a.listAllChildren(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS))
attempt("children names", lambda: a.listChildrenNames(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS))
attempt("num children", lambda: a.numChildren(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS))
attempt("is current", lambda: (a.isCurrent(), unnamed.isCurrent(), a.hasMetadata()))

attempt("revert both", lambda: dom.revertToSnapshot(a, 3))
attempt("revert bad flag", lambda: dom.revertToSnapshot(a, 1 << 9))
attempt("revert to a", lambda: dom.revertToSnapshot(a))
print("after revert", dom.state(), events(1))
attempt(
    "revert to a paused", lambda: dom.revertToSnapshot(a, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)
)
print("after paused revert", dom.state(), events(3))
attempt("revert to b", lambda: dom.revertToSnapshot(b))
print("after revert to b", dom.state(), events(2))
attempt(
    "revert to b running",
    lambda: dom.revertToSnapshot(b, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING),
)
print("after revert to b running", dom.state(), events(2))

attempt("delete metadata only", lambda: a.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY))
attempt("delete a (children move up)", lambda: a.delete())
attempt("parent of b now", lambda: b.getParent())
attempt("deleted", lambda: a.getXMLDesc())
attempt("delete children", lambda: b.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN))
attempt("left", lambda: dom.listAllSnapshots())

transient = conn.createXML(
    "<domain type='test'><name>tr</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e0001</uuid>"
    "<memory>1024</memory><os><type>hvm</type></os></domain>"
)
events(1)
attempt(
    "halt transient",
    lambda: transient.snapshotCreateXML(
        "<domainsnapshot/>", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
    ),
)
t1 = transient.snapshotCreateXML("<domainsnapshot><name>t1</name></domainsnapshot>")
attempt("revert transient", lambda: transient.revertToSnapshot(t1))
print("transient", transient.state(), events(2))
transient.destroy()
events(1)
attempt("gone", lambda: transient.revertToSnapshot(t1))

off = dom.snapshotCreateXML(
    "<domainsnapshot><name>off</name></domainsnapshot>", libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
)
events(1)
shutoff = dom.snapshotCreateXML("<domainsnapshot><name>shutoff</name></domainsnapshot>")
print("shut-off snapshot", clockless(shutoff.getXMLDesc()).splitlines()[:6])
dom.create()
events(1)
attempt("revert to shut-off", lambda: dom.revertToSnapshot(shutoff))
print("stopped", dom.state(), events(1))
attempt(
    "revert to shut-off paused",
    lambda: dom.revertToSnapshot(shutoff, libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED),
)
print("announced only", dom.state(), events(2))

ro = libvirt.openReadOnly(URI)
rdom = ro.lookupByName("test")
attempt("ro create", lambda: rdom.snapshotCreateXML("<domainsnapshot/>"))
attempt("ro list", lambda: rdom.listAllSnapshots())

# Leave test:///default as found, for whoever shares the daemon next.
for snap in dom.listAllSnapshots():
    snap.delete()
dom.create()
print("left", dom.listAllSnapshots(), dom.state())
