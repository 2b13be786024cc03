"""The test driver holds many domains; listing and lookup go through dictionaries.

Speed is measured by benchmarks/test_driver_scale.py, not asserted here; this checks that
ten thousand domains are all there, findable by every key, after a define loop.
"""

from __future__ import annotations

import pyvirt

XML = "<domain type='test'><name>vm{i}</name><memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>"


def test_ten_thousand_domains_are_listed_and_found():
    with pyvirt.open("test:///default") as conn:
        for i in range(10_000):
            conn.define_domain(XML.format(i=i))
        doms = conn.list_domains()
        assert len(doms) == 10_001
        last = conn.lookup_domain_by_name("vm9999")
        assert conn.lookup_domain_by_uuid(last.uuid).name == "vm9999"
        last.start()
        assert conn.lookup_domain_by_id(last.id).name == "vm9999"
        assert len(conn.list_domains(pyvirt.ListDomainsFlags.ACTIVE)) == 2
