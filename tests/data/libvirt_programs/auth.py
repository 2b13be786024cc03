import os
import tempfile

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)
node = """<node>
  <domain type='test'><name>guarded</name><uuid>22222222-3333-4444-5555-666666666666</uuid>
    <memory>65536</memory><os><type>hvm</type></os></domain>
  <auth><user password='s3cret'>alice</user><user>bob</user></auth>
</node>"""
fd, path = tempfile.mkstemp(suffix=".xml")
with os.fdopen(fd, "w") as f:
    f.write(node)
uri = "test://" + path

asked = []


def answer(creds, opaque):
    for cred in creds:
        asked.append((cred[0], cred[1]))
        if cred[0] == libvirt.VIR_CRED_AUTHNAME:
            cred[4] = opaque[0]
        elif cred[0] == libvirt.VIR_CRED_PASSPHRASE:
            cred[4] = opaque[1]
    return 0


def refuse(creds, opaque):
    return -1


types = [libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE]
for label, auth in [
    ("good", [types, answer, ("alice", "s3cret")]),
    ("no password user", [types, answer, ("bob", "")]),
    ("wrong password", [types, answer, ("alice", "nope")]),
    ("unknown user", [types, answer, ("mallory", "x")]),
    ("refused", [types, refuse, None]),
]:
    del asked[:]
    try:
        conn = libvirt.openAuth(uri, auth, 0)
        print(
            label,
            "opened",
            conn.listDefinedDomains()
            + [d.name() for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)],
        )
        conn.close()
    except libvirt.libvirtError as e:
        print(label, "failed", e.get_error_code(), e.get_error_domain(), e.get_error_message())
    print("  asked", [(t, p.replace(path, "PATH")) for t, p in asked])
os.unlink(path)
