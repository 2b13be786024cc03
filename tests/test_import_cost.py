"""What a command-line run loads: the driver its URI names and no other, and no libzmq.

These are architecture, not speed: a broken or slow QEMU plugin must not touch a run on
``test:///default``, clients and workers speak ZMTP without libzmq, and the entry-point cache
spares a run the metadata scan.  How long start-up takes is measured as time, by
``benchmarks/cli_start.py`` (its budget: 3x virsh), not by lists of modules to avoid here.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

FORBIDDEN = ("pyvirt_qemu", "pyvirt_remote", "pyvirtd", "zmq")

RUN_LIST = (
    "import sys; sys.argv = ['pyvirsh', '-c', 'test:///default', 'list', '--all']\n"
    "from pyvirt.cli import main\n"
    "code = main()\n"
    "sys.exit(code or 0)\n"
)


def imported_modules(code: str, extra_env: dict[str, str] | None = None) -> list[str]:
    """Module names in ``-X importtime`` order for a fresh interpreter running *code*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYVIRT_", "LIBVIRT_"))}
    env.update(extra_env or {})
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and not line.endswith("| imported package")
    ]


def needs(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not built yet")


def test_pyvirsh_list_imports_no_other_driver_nor_the_daemon() -> None:
    needs("pyvirt.cli")
    needs("pyvirt_test")
    loaded = imported_modules(RUN_LIST)
    assert any(m.startswith("pyvirt_test") for m in loaded), "the run should use the test driver"
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert not offenders


def test_opening_the_test_driver_imports_no_other_driver() -> None:
    needs("pyvirt_test")
    loaded = imported_modules(
        "import pyvirt\nwith pyvirt.open('test:///default') as c: c.list_domains()\n"
    )
    assert any(m.startswith("pyvirt_test") for m in loaded)
    assert not [m for m in loaded if m.split(".")[0] in FORBIDDEN]


def test_pyvirsh_list_with_a_warm_entry_point_cache_skips_discovery(tmp_path) -> None:
    """With the entry-point cache written by a first run, the next run finds its driver
    without stevedore's scan of every installed distribution's metadata."""
    needs("pyvirt.cli")
    needs("pyvirt_test")
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    imported_modules(RUN_LIST, env)  # writes the cache
    loaded = imported_modules(RUN_LIST, env)
    assert not [m for m in loaded if m.startswith(("stevedore", "importlib.metadata"))]


def test_embedded_main_leaves_the_garbage_collector_alone() -> None:
    """pyvirsh pauses and freezes the collector only as the process's entry point."""
    needs("pyvirt.cli")
    code = (
        "import gc, io, sys\n"
        "from pyvirt.cli import main\n"
        "sys.stdout = io.StringIO()\n"
        "code = main(['-c', 'test:///default', 'list', '--all'])\n"
        "sys.stdout = sys.__stdout__\n"
        "print(code, gc.isenabled(), gc.get_freeze_count())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYVIRT_", "LIBVIRT_"))}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True", "0"]


def test_a_client_of_the_daemon_imports_no_zmq() -> None:
    """The synchronous remote client speaks ZMTP on a plain socket: libzmq and pyzmq stay out
    of a client process (and the daemon's own modules too)."""
    needs("pyvirt_remote")
    needs("pyvirtd")
    from daemon_helpers import running_daemon

    with running_daemon() as daemon:
        loaded = imported_modules(
            "import pyvirt\nwith pyvirt.open('test+unix:///default') as c: c.list_domains()\n",
            {"PYVIRT_RUNTIME_DIR": str(daemon.rundir), "PYVIRT_AUTOSTART": "0"},
        )
    assert any(m.startswith("pyvirt_remote") for m in loaded)
    assert not [m for m in loaded if m.split(".")[0] in ("zmq", "pyvirtd")]


def test_pyvirsh_list_through_the_daemon_imports_only_what_a_client_needs(pyvirtd) -> None:
    """Through pyvirtd the client decodes records and prints them: it needs neither the
    daemon nor any driver, nor libzmq."""
    needs("pyvirt.cli")
    needs("pyvirt_remote")
    env = {"PYVIRT_RUNTIME_DIR": str(pyvirtd.ensure())}
    loaded = imported_modules(RUN_LIST.replace("test:///default", "test+unix:///default"), env)
    assert "pyvirt_remote._driver" in loaded
    assert not [m for m in loaded if m.split(".")[0] in ("pyvirt_test", "pyvirt_qemu", "pyvirtd")]
    assert not [m for m in loaded if m.split(".")[0] == "zmq"]


def test_a_worker_process_loads_no_zmq() -> None:
    """Workers serve ZMTP themselves (pyvirtd._transport): libzmq stays out of them, and so
    does the daemon's command line."""
    needs("pyvirtd")
    loaded = imported_modules("import pyvirtd._worker\n")
    assert "pyvirtd._transport" in loaded
    assert not [m for m in loaded if m.split(".")[0] == "zmq" or m == "pyvirtd._cli"]


def test_pyvirsh_list_on_the_test_driver_loads_no_xml_parser_nor_dataclasses() -> None:
    """Architecture, not speed: the test driver holds its default state as models
    (pyvirt.driver.model), so listing domains parses no XML (lxml loads only where XML is read
    or written) and needs neither dataclasses nor typing; a driver module that imports them
    at module level puts them on every run (this happened once, by merge, and cost 90 M
    instructions a run).  Nor the ABI enums (some 150 enum classes, which a flag read at
    import time brought back into every run once more, for 80 M instructions)."""
    needs("pyvirt.cli")
    needs("pyvirt_test")
    imported_modules(RUN_LIST)  # a first run may scan the entry points (and import typing)
    loaded = imported_modules(RUN_LIST)
    heavy = {"lxml", "dataclasses", "typing", "inspect"}
    assert not [m for m in loaded if m.split(".")[0] in heavy]
    assert "pyvirt._abi_enums" not in loaded
    assert "pyvirt_test._keycodes" not in loaded  # send-key's table, read when a key is sent

