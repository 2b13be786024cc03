"""libvirt-python's methods, each called with representative arguments on test:///default by
the real binding and by ``pyvirt.libvirt``: the data and the runner.

``tests/data/libvirt_python_calls.toml`` holds one entry per method of the real binding's
classes that a test:///default connection can reach (virConnect, virDomain, virDomainSnapshot,
virDomainCheckpoint, virNetwork, virStoragePool, virStorageVol, virInterface, virNodeDevice):
the expression that calls it (arguments from :data:`libvirt_python_args.ARGS`, several calls
where several argument texts are given, else no arguments) and, where
pyvirt does not answer as libvirt yet, ``pending`` (in process) and ``pending_daemon``
(through the daemons) with what differs; ``volatile`` marks answers that change from run to
run (clocks, statistics), compared with digits blanked.  Rewrite it from the two bindings:

    .venv/bin/python tests/libvirt_python_surface.py --write

Methods are discovered by introspecting the real binding under /usr/bin/python3; each call
runs on a fresh connection (the default state, plus a volume and a snapshot made first, or a
checkpoint instead of the snapshot for the checkpoint's own methods: libvirt's test driver
refuses the two together), so no call sees another's changes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from libvirt_python_args import ARGS

DATA = Path(__file__).resolve().parent / "data" / "libvirt_python_calls.toml"
SYSTEM_PYTHON = "/usr/bin/python3"

#: Handle name in the runner -> libvirt-python class.
OBJECTS = {
    "c": "virConnect", "d": "virDomain", "s": "virDomainSnapshot", "ck": "virDomainCheckpoint",
    "n": "virNetwork", "p": "virStoragePool", "v": "virStorageVol", "i": "virInterface",
    "nd": "virNodeDevice",
}  # fmt: skip
#: Methods never called: they hand control to the caller (streams, event loops, callbacks) or
#: close the handle the runner needs.
SKIP = {
    "virConnect.close", "virConnect.registerCloseCallback", "virConnect.unregisterCloseCallback",
    "virConnect.newStream", "virConnect.setKeepAlive", "virDomain.openConsole",
    "virDomain.openChannel", "virDomain.openGraphics", "virDomain.openGraphicsFD",
    "virConnect.domainEventRegister", "virConnect.domainEventDeregister",
}  # fmt: skip
# Runs in either interpreter: the module to import comes first on stdin.
RUNNER = r"""
import gc, json, re, shutil, sys, tempfile, time
TMP = tempfile.mkdtemp()
request = json.loads(sys.stdin.read())
if request["module"] == "libvirt":
    import libvirt
    libvirt.registerErrorHandler(lambda *a: None, None)
else:
    import pyvirt.libvirt as libvirt
    libvirt.registerErrorHandler(lambda *a: None, None)
DOMXML = "<domain type='test'><name>probe</name><memory>1024</memory><os><type>hvm</type></os></domain>"
NETXML = "<network><name>probe</name></network>"
POOLXML = "<pool type='dir'><name>probe</name><target><path>/probe</path></target></pool>"
VOLXML = "<volume><name>probe2.img</name><capacity>1024</capacity></volume>"
IFXML = "<interface type='ethernet' name='probe0'/>"

def norm(x):
    if isinstance(x, str):
        return x.replace(TMP, "$TMP")  # (each run has its own)
    if isinstance(x, (bool, int, float, type(None))):
        return x
    if isinstance(x, (bytes, bytearray)):
        return {"bytes": bytes(x).hex()}
    if isinstance(x, (list, tuple)):
        items = [norm(y) for y in x]
        # lists of objects or names: libvirt hands many out in hash order (node devices,
        # domains of a listAll...), which changes from run to run
        if items and all(isinstance(y, str) for y in items):
            return sorted(items)
        if items and all(isinstance(y, dict) and "object" in y for y in items):
            return sorted(items, key=lambda y: str(y["name"]))
        return items
    if isinstance(x, dict):
        return {str(k): norm(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
    name = None
    for attr in ("getName", "name", "UUIDString"):
        try:
            name = getattr(x, attr)()
            break
        except Exception:
            pass
    return {"object": type(x).__name__, "name": name}

def handles(c, expr):
    h = {"c": c}
    # libvirt's test driver refuses a checkpoint while a snapshot exists and a snapshot while
    # a checkpoint exists: the checkpoint is made (and the snapshot not) for calls that use it
    wanted = {"s"} if not re.search(r"\bck\b", expr) else {"ck"}
    steps = [
        ("p", lambda: c.storagePoolLookupByName("default-pool")),
        ("v", lambda: h["p"].createXML("<volume><name>probe.img</name><capacity>1024</capacity></volume>", 0)),
        ("d", lambda: c.lookupByName("test")),
        ("s", lambda: h["d"].snapshotCreateXML("<domainsnapshot><name>probe</name></domainsnapshot>", 0)),
        ("ck", lambda: h["d"].checkpointCreateXML("<domaincheckpoint><name>probe</name></domaincheckpoint>", 0)),
        ("n", lambda: c.networkLookupByName("default")),
        ("i", lambda: c.interfaceLookupByName("eth1")),
        ("nd", lambda: c.nodeDeviceLookupByName("scsi_host1")),
    ]
    missing = set()
    for name, make in steps:
        if name in ("s", "ck") and name not in wanted:
            continue
        try:
            h[name] = make()
        except Exception:
            missing.add(name)
    return h, missing

def close(c, scope):
    # every handle holds the connection: drop them all, or the next open shares this state
    scope.clear()
    gc.collect()
    try:
        c.close()
    except Exception:
        pass
    gc.collect()

out = {}
for key, expr in request["calls"].items():
    # A daemon resets test:///default when its last client has gone, but it learns of the
    # close after close() returns: an open right after it may still see the last call's
    # volume or snapshot, and a handle the call names cannot be made.  Open again then.
    for attempt in range(8):
        c = libvirt.open(request["uri"])
        made, missing = handles(c, expr)
        scope = dict(globals(), **made)
        del made  # the handles live in scope alone, which close() empties
        if attempt == 7 or not any(re.search(rf"\b{n}\b", expr) for n in missing):
            break
        close(c, scope)
        time.sleep(0.1 * (attempt + 1))
    try:
        out[key] = {"value": norm(eval(expr, scope))}
    except libvirt.libvirtError as e:
        out[key] = {"error": [e.get_error_code(), e.get_error_domain(), norm(e.get_error_message())]}
    except Exception as e:
        out[key] = {"exception": type(e).__name__}
    close(c, scope)
    del scope, c
shutil.rmtree(TMP, ignore_errors=True)
print(json.dumps(out))
"""

#: Which interpreter runs which binding.
BINDINGS = {"libvirt": SYSTEM_PYTHON, "pyvirt": sys.executable}


def run(binding: str, uri: str, calls: dict[str, str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Each call's outcome under *binding* ("libvirt": the real one; "pyvirt")."""
    request = json.dumps({"module": binding, "uri": uri, "calls": calls})
    with tempfile.TemporaryDirectory() as home:
        full = {k: v for k, v in os.environ.items() if not k.endswith("DEFAULT_URI")}
        full.update(HOME=home, XDG_CONFIG_HOME=home, **(env or {}))
        done = subprocess.run([BINDINGS[binding], "-c", RUNNER], input=request, text=True,
                              capture_output=True, env=full, timeout=600, check=True)  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def blank(outcome: Any) -> str:
    """*outcome* with every number blanked (for volatile answers)."""
    return re.sub(r"\d+", "#", json.dumps(outcome, sort_keys=True))


def load() -> list[dict[str, Any]]:
    with DATA.open("rb") as f:
        return list(tomllib.load(f)["call"])


def discover() -> dict[str, str]:
    """Each call's expression -> its "Class.method", for every public method of the real
    binding's classes in :data:`OBJECTS` (those in :data:`SKIP` left out), once per argument
    text of :data:`ARGS`."""
    script = (
        "import json, libvirt\n"
        f"classes = {sorted(set(OBJECTS.values()))!r}\n"
        "print(json.dumps({c: sorted(m for m in vars(getattr(libvirt, c)) if not m.startswith('_')"
        " and callable(getattr(getattr(libvirt, c), m))) for c in classes}))\n"
    )
    found = json.loads(subprocess.run([SYSTEM_PYTHON, "-c", script], capture_output=True,
                                      text=True, check=True).stdout)  # fmt: skip
    handle = {cls: var for var, cls in OBJECTS.items()}
    calls = {}
    for cls, methods in found.items():
        for method in methods:
            key = f"{cls}.{method}"
            if key in SKIP:
                continue
            texts = ARGS.get(key, "")
            for text in (texts,) if isinstance(texts, str) else texts:
                calls[f"{handle[cls]}.{method}({text})"] = key
    return calls


def _quote(text: str) -> str:
    return json.dumps(text)


def compare(real: dict[str, Any], ours: dict[str, Any], volatile: bool) -> bool:
    return blank(real) == blank(ours) if volatile else real == ours


def through_daemons(calls: dict[str, str], rundir: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each call through libvirtd (the real binding, holding the tests' libvirtd lock: it
    shares test:///default among its clients) and through the pyvirtd of *rundir*."""
    from cli_helpers import libvirtd_alone

    with libvirtd_alone():
        real = run("libvirt", "test+unix:///default", calls)
    ours = run("pyvirt", "test+unix:///default", calls, {"PYVIRT_RUNTIME_DIR": rundir})
    return real, ours


def write() -> None:
    from pyvirt.testing import start_pyvirtd

    calls = discover()
    exprs = {expr: expr for expr in calls}
    real = run("libvirt", "test:///default", exprs)
    again = run("libvirt", "test:///default", exprs)
    ours = run("pyvirt", "test:///default", exprs)
    with tempfile.TemporaryDirectory() as rundir:
        daemon = start_pyvirtd(Path(rundir))
        try:
            real_d, ours_d = through_daemons(exprs, rundir)
        finally:
            daemon.stop()
    lines = [
        "# libvirt-python's methods called on test:///default by the real binding and by",
        "# pyvirt.libvirt (written by `python tests/libvirt_python_surface.py --write`; checked by",
        "# tests/test_libvirt_python_surface.py).  `pending`: pyvirt does not answer as libvirt",
        "# yet, with what libvirt answers; `volatile`: the answer changes between runs;",
        "# `needs_args`: the real binding raised this for the call as written (arguments the",
        "# table does not give yet), so it is not compared.",
        "",
    ]
    for expr, key in calls.items():
        lines += ["[[call]]", f"method = {_quote(key)}", f"expr = {_quote(expr)}"]
        if "exception" in real[expr] and key not in ARGS:
            # the real binding did not answer: the call needs arguments ARGS does not give yet
            lines += [f"needs_args = {_quote(real[expr]['exception'])}", ""]
            continue
        volatile = real[expr] != again[expr]
        if volatile:
            lines.append("volatile = true")
        if "error" in real[expr]:
            lines.append(f"libvirt_error = {_quote(real[expr]['error'][2][:120])}")
        if not compare(real[expr], ours[expr], volatile):
            lines.append(f"pending = {_quote('libvirt: ' + json.dumps(real[expr])[:150])}")
        if not compare(real_d[expr], ours_d[expr], volatile):
            lines.append(f"pending_daemon = {_quote('libvirtd: ' + json.dumps(real_d[expr])[:150])}")
        lines.append("")
    DATA.write_text("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # cli_helpers
    write()
