import os

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")

libvirt.registerErrorHandler(lambda ctx, err: None, None)
conn = libvirt.openReadOnly(URI)
dom = conn.lookupByName("test")
print("name", dom.name(), "uuid", dom.UUIDString(), "raw", dom.UUID().hex(), "id", dom.ID())
print("byid", conn.lookupByID(1).name())
print("byuuidstr", conn.lookupByUUIDString(dom.UUIDString()).name())
print("byuuidstr nodash", conn.lookupByUUIDString(dom.UUIDString().replace("-", "")).name())
print("byuuid", conn.lookupByUUID(dom.UUID()).name())
print("connect is conn", dom.connect() is conn)
net = conn.networkLookupByName("default")
print(
    "net",
    net.name(),
    net.UUIDString(),
    conn.networkLookupByUUIDString(net.UUIDString()).name(),
    conn.networkLookupByUUID(net.UUID()).name(),
)
pool = conn.storagePoolLookupByName("default-pool")
print(
    "pool",
    pool.name(),
    pool.UUIDString(),
    conn.storagePoolLookupByUUIDString(pool.UUIDString()).name(),
    conn.storagePoolLookupByUUID(pool.UUID()).name(),
)
for label, call in [
    ("name", lambda: conn.lookupByName("nope")),
    ("id", lambda: conn.lookupByID(99)),
    ("uuid", lambda: conn.lookupByUUIDString("11111111-2222-3333-4444-555555555555")),
    ("baduuid", lambda: conn.lookupByUUIDString("not-a-uuid")),
    ("rawuuid", lambda: conn.lookupByUUID(b"short")),
    ("net", lambda: conn.networkLookupByName("nope")),
    ("netuuid", lambda: conn.networkLookupByUUIDString("11111111-2222-3333-4444-555555555555")),
    ("pool", lambda: conn.storagePoolLookupByName("nope")),
    (
        "pooluuid",
        lambda: conn.storagePoolLookupByUUIDString("11111111-2222-3333-4444-555555555555"),
    ),
    ("volkey", lambda: conn.storageVolLookupByKey("/nope")),
    ("volpath", lambda: conn.storageVolLookupByPath("/nope")),
    ("volname", lambda: pool.storageVolLookupByName("nope")),
    ("null name", lambda: conn.lookupByName(None)),
]:
    try:
        call()
        print(label, "found?!")
    except libvirt.libvirtError as e:
        print(
            label,
            e.get_error_code(),
            e.get_error_domain(),
            e.get_error_level(),
            repr(e.get_error_message()),
            repr(e.get_str1()),
            repr(e.get_str2()),
            e.get_int1(),
            e.get_int2(),
        )
