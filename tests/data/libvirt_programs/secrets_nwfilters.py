"""Secrets, network filters and bindings as a libvirt-python program meets them on the test
driver, read-write and read-only: every result and error (code, domain, message)."""

import os

import libvirt

URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")
U = "00000000-0000-0000-0000-000000000000"
SECRET = (
    "<secret ephemeral='no' private='no'><usage type='volume'><volume>/x</volume></usage></secret>"
)
FILTER = "<filter name='f1' chain='root'><rule action='drop' direction='in'><all/></rule></filter>"
BINDING = "<filterbinding><portdev name='vnet0'/><filterref filter='f1'/></filterbinding>"


def calls(c):
    return [
        ("secretDefineXML", lambda: c.secretDefineXML(SECRET)),
        ("secretDefineXML flags", lambda: c.secretDefineXML(SECRET, 1)),
        ("secretDefineXML bad", lambda: c.secretDefineXML("<bad")),
        ("secretLookupByUUIDString", lambda: c.secretLookupByUUIDString(U)),
        ("secretLookupByUUIDString bad", lambda: c.secretLookupByUUIDString("bad")),
        ("secretLookupByUUIDString None", lambda: c.secretLookupByUUIDString(None)),
        ("secretLookupByUUID", lambda: c.secretLookupByUUID(b"\0" * 16)),
        ("secretLookupByUsage volume", lambda: c.secretLookupByUsage(1, "/x")),
        ("secretLookupByUsage ceph", lambda: c.secretLookupByUsage(2, "pool")),
        ("secretLookupByUsage iscsi", lambda: c.secretLookupByUsage(3, "target")),
        ("secretLookupByUsage tls", lambda: c.secretLookupByUsage(4, "tls")),
        ("secretLookupByUsage vtpm", lambda: c.secretLookupByUsage(5, "vtpm")),
        ("secretLookupByUsage bad type", lambda: c.secretLookupByUsage(99, "/x")),
        ("listAllSecrets", lambda: c.listAllSecrets()),
        (
            "listAllSecrets ephemeral",
            lambda: c.listAllSecrets(libvirt.VIR_CONNECT_LIST_SECRETS_EPHEMERAL),
        ),
        ("listSecrets", lambda: c.listSecrets()),
        ("numOfSecrets", lambda: c.numOfSecrets()),
        ("nwfilterDefineXML", lambda: c.nwfilterDefineXML(FILTER)),
        ("nwfilterDefineXMLFlags", lambda: c.nwfilterDefineXMLFlags(FILTER, 0)),
        ("nwfilterDefineXMLFlags validate", lambda: c.nwfilterDefineXMLFlags(FILTER, 1)),
        ("nwfilterLookupByName", lambda: c.nwfilterLookupByName("f1")),
        ("nwfilterLookupByUUIDString", lambda: c.nwfilterLookupByUUIDString(U)),
        ("nwfilterLookupByUUIDString bad", lambda: c.nwfilterLookupByUUIDString("x")),
        ("nwfilterLookupByUUID", lambda: c.nwfilterLookupByUUID(b"\0" * 16)),
        ("listAllNWFilters", lambda: c.listAllNWFilters()),
        ("listNWFilters", lambda: c.listNWFilters()),
        ("numOfNWFilters", lambda: c.numOfNWFilters()),
        ("listAllNWFilterBindings", lambda: c.listAllNWFilterBindings()),
        ("nwfilterBindingCreateXML", lambda: c.nwfilterBindingCreateXML(BINDING)),
        ("nwfilterBindingCreateXML validate", lambda: c.nwfilterBindingCreateXML(BINDING, 1)),
        ("nwfilterBindingLookupByPortDev", lambda: c.nwfilterBindingLookupByPortDev("vnet0")),
    ]


def main():
    libvirt.registerErrorHandler(lambda *a: None, None)
    for label, conn in (("rw", libvirt.open(URI)), ("ro", libvirt.openReadOnly(URI))):
        for name, call in calls(conn):
            try:
                print(label, name, "->", repr(call()))
            except libvirt.libvirtError as e:
                print(
                    label,
                    name,
                    "!!",
                    e.get_error_code(),
                    e.get_error_domain(),
                    e.get_error_message(),
                )
        conn.close()


main()
