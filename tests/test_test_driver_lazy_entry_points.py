"""The test connection imports each area's entry points when one is first used.

``pyvirsh -c test:///default list`` must not pay for snapshots, IOThreads and guest-agent
calls it never makes (see pyvirt_test._lazy_ops); what a connection answers must not change
for it: the name table is the one Python's MRO gives over the mixins, and a method of a
module not yet imported works on first use, through the class and through an instance.
"""

from __future__ import annotations

import subprocess
import sys

from pyvirt.driver import DriverConnection
from pyvirt_test import TestConnection as Connection
from pyvirt_test._lazy_ops import MIXINS
from pyvirt_test._lazy_table import TABLE
from pyvirt_test._lazy_table_gen import compute_table


def test_the_name_table_is_what_inheriting_every_mixin_would_give() -> None:
    assert compute_table(DriverConnection) == TABLE, (
        "pyvirt_test/_lazy_table.py is stale: python -m pyvirt_test._lazy_table_gen --write"
    )


def test_every_name_resolves_to_what_inheriting_the_mixins_would() -> None:
    from pyvirt_test._lazy_ops import _load

    eager = type("Eager", (*(_load(w) for w in MIXINS), DriverConnection), {})
    own = {n for n in vars(Connection) if not n.startswith("__")}
    for name in TABLE.keys() - own:
        assert getattr(Connection, name) == getattr(eager, name), name


_FIRST_USE = r"""
import sys
import pyvirt
conn = pyvirt.open("test:///default")
names = [d.name for d in conn.list_domains()]
before = "pyvirt_test._snapshot_ops" in sys.modules
dom = conn.lookup_domain_by_name("test")
snap = dom.snapshot_create_xml("<domainsnapshot><name>s1</name></domainsnapshot>")
after = "pyvirt_test._snapshot_ops" in sys.modules
print(names, before, after, snap.name, [s.name for s in dom.list_snapshots()])
"""


def test_the_type_checkers_bases_are_the_mixins_in_the_same_order() -> None:
    """_connection.py lists the mixins again for mypy (inside TYPE_CHECKING): that list
    and MIXINS must name the same classes in the same order, or mypy checks another MRO."""
    import inspect
    import re

    import pyvirt_test._connection as module

    block = inspect.getsource(module).split("class _Mixins(", 1)[1].split("):", 1)[0]
    bases = re.findall(r"\b(\w+),", block)
    assert bases == [where.split(":")[1] for where in MIXINS] + ["DriverConnection"]


def test_a_listing_run_leaves_other_areas_unimported_until_they_are_used() -> None:
    done = subprocess.run([sys.executable, "-c", _FIRST_USE], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert done.stdout.strip() == "['test'] False True s1 ['s1']"
