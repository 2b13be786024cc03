"""pyvirsh's --json: the documented schema (docs/cli-json.md), checked against the API."""

from __future__ import annotations

import json

import pytest
import pyvirt
from cli_helpers import URI, pyvirsh


def run_json(*commands: str) -> list:
    """Run commands (each with --json) in one quiet invocation; one document per command."""
    r = pyvirsh("-q", "-c", URI, "; ".join(commands))
    assert r.rc == 0, r.err
    decoder = json.JSONDecoder()
    docs, pos, text = [], 0, r.out
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos < len(text):
            doc, pos = decoder.raw_decode(text, pos)
            docs.append(doc)
    assert len(docs) == len(commands)
    return docs


@pytest.fixture
def conn():
    with pyvirt.open(URI) as c:
        yield c


def test_list_and_dominfo(conn):
    lst, info, state, paused = _runs()
    dom = conn.lookup_domain_by_name("test")
    info_api = dom.info()
    assert lst == [
        {
            "id": 1,
            "name": "test",
            "uuid": dom.uuid,
            "state": "running",
            "state_code": 1,
            "reason": "unknown",
            "reason_code": 0,
            "persistent": True,
            "autostart": False,
            "managed_save": False,
        }
    ]
    assert info["max_memory_kib"] == info_api.max_memory
    assert info["memory_kib"] == info_api.memory
    assert info["vcpus"] == info_api.nr_virt_cpu
    assert isinstance(info["cpu_time_ns"], int)
    assert info["os_type"] == dom.os_type()
    assert info["security_model"] == conn.security_model().model
    assert info["security_label"] == dom.security_label().label
    assert info["security_enforcing"] is True
    assert state == {"state": "running", "state_code": 1, "reason": "unknown", "reason_code": 0}
    assert paused == {"state": "paused", "state_code": 3, "reason": "user", "reason_code": 1}


def _runs() -> tuple:
    lst, info, state = run_json("list --all --json", "dominfo test --json", "domstate test --json")
    r = pyvirsh("-q", "-c", URI, "suspend test; domstate --json test")
    return lst, info, state, json.loads(r.out)


def test_inactive_domain_has_null_id():
    r = pyvirsh("-q", "-c", URI, "destroy test; list --all --json")
    doms = json.loads(r.out)
    assert doms[0]["id"] is None and doms[0]["state"] == "shut off"
    assert doms[0]["reason"] == "destroyed" and doms[0]["state_code"] == 5


def test_host(conn):
    node, version = run_json("nodeinfo --json", "version --daemon --json")
    api = conn.node_info()
    assert node == {
        "cpu_model": api.model,
        "cpus": api.cpus,
        "mhz": api.mhz,
        "sockets": api.sockets,
        "cores_per_socket": api.cores,
        "threads_per_core": api.threads,
        "numa_cells": api.nodes,
        "memory_kib": api.memory,
    }
    assert version["library_version"] == "9.0.0"
    assert version["library_version_code"] == 9000000
    assert version["hypervisor_type"] == conn.get_type()
    assert version["hypervisor_version_code"] == conn.version()
    assert version["daemon_version_code"] == conn.lib_version()


def test_networks(conn):
    nets, info = run_json("net-list --all --json", "net-info default --json")
    net = conn.lookup_network_by_name("default")
    assert nets == [
        {
            "name": "default",
            "uuid": net.uuid,
            "state": "active",
            "active": True,
            "persistent": True,
            "autostart": False,
        }
    ]
    assert info == {
        "name": "default",
        "uuid": net.uuid,
        "active": True,
        "persistent": True,
        "autostart": False,
        "bridge": net.bridge_name(),
    }


def test_storage(conn):
    r = pyvirsh(
        "-q",
        "-c",
        URI,
        "vol-create-as default-pool v1 1G --allocation 1M; pool-list --all --json; "
        "pool-info default-pool --json; vol-list default-pool --json; "
        "vol-info v1 --pool default-pool --json; pool-destroy default-pool; "
        "pool-info --json default-pool",
    )
    assert r.rc == 0, r.err
    # the messages of vol-create-as / pool-destroy are quiet (-q): only documents remain
    decoder = json.JSONDecoder()
    docs, pos, text = [], 0, r.out
    while pos < len(text.rstrip()):
        while text[pos].isspace():
            pos += 1
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)
    pools, info, vols, vol, inactive = docs
    sp = conn.lookup_storage_pool_by_name("default-pool")
    api = sp.info()
    assert pools == [info]
    assert info == {
        "name": "default-pool",
        "uuid": sp.uuid,
        "state": "running",
        "state_code": 2,
        "active": True,
        "persistent": True,
        "autostart": False,
        "capacity": api.capacity,
        "allocation": 1048576,
        "available": api.capacity - 1048576,
    }
    assert vols == [vol]
    assert vol == {
        "name": "v1",
        "pool": "default-pool",
        "key": "/default-pool/v1",
        "path": "/default-pool/v1",
        "type": "file",
        "type_code": 0,
        "capacity": 1073741824,
        "allocation": 1048576,
    }
    assert inactive["state"] == "inactive" and inactive["capacity"] is None


def test_errors_stay_virsh_text():
    r = pyvirsh("-c", URI, "dominfo nope --json")
    assert (r.out, r.err, r.rc) == ("\n", "error: failed to get domain 'nope'\n", 1)
    r = pyvirsh("-c", URI, "net-info nope --json")
    assert r.rc == 1 and r.err.startswith("error: failed to get network 'nope'\n")


def test_json_listed_in_help():
    out = pyvirsh("help", "list").out
    assert "[--title] [--json]\n" in out
    assert "    --json           print JSON instead of text (see docs/cli-json.md)\n" in out
    assert "--json" not in pyvirsh("help", "start").out  # only where it is accepted
