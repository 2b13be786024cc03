"""Where a worker's CPU per ``info()`` goes: the steps of one call, in process, without sockets.

A state driver is served by one worker process, so one busy driver uses one core at most
(docs/internals/multicore.md).  What can move to other cores is the work that does not touch
the driver's state; this prints, per call, the CPU of each step of
``pyvirtd._worker.WorkerServer.handle`` for ``virDomainGetInfo`` on the test driver, and of
the whole of it, with the transport's send replaced by a list append (no socket, no poll):

- ``split_frames``, ``decode`` and ``check_args``: the call's frames, its body, its arguments;
- ``dispatch``: the generated dispatch and the driver method, the only step that needs the
  driver's state (and its lock);
- ``encode``: the result's body; ``reply``: header and ZMTP framing of the reply;
- ``handle``: all of the above, as the worker's loop calls it.

What ``benchmarks/rpc.py`` reports as the daemon's CPU per call, minus ``handle``, is the
transport's share (poll, recv, send and the loop): compare the two.  The best of 5 rounds of
N calls, in CPU time of this process (``time.process_time``), so the load of the machine
disturbs it less than wall time; printed with the conditions.

Run: .venv/bin/python benchmarks/worker_call.py [N]
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _daemons import best_of, conditions  # noqa: E402
from pyvirt import DomainRef  # noqa: E402
from pyvirt.rpc import (  # noqa: E402
    DISPATCH,
    PROC_CONNECT_OPEN,
    PROGRAM_REMOTE,
    VERSION_FRAME,
    Header,
    MessageType,
    Status,
    decode,
    encode,
    signatures,
    split_frames,
)
from pyvirtd._control import WorkerOptions  # noqa: E402
from pyvirtd._worker import WorkerServer, _load_state_driver  # noqa: E402


def frames(proc: int, serial: int, args: list[Any]) -> list[bytes]:
    header = Header(PROGRAM_REMOTE, 1, proc, MessageType.CALL, serial, Status.OK)
    return [VERSION_FRAME, header.pack() + encode(args)]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(f"conditions at start: {conditions()}")
    state = _load_state_driver("test")
    state.initialize(privileged=False, root=None)
    options = WorkerOptions(
        boot_id="bench",
        max_client_requests=5,
        max_workers=2,
        prio_workers=1,
        max_clients=100,
        max_message=1 << 24,
        poll_spin_us=0,
        rw_perms=0o700,
        ro_perms=0o777,
        listen_addr=None,
        log_level="error",
    )
    with tempfile.TemporaryDirectory(prefix="pvworkercall-") as rundir:
        server = WorkerServer("test", state, rundir, options)
        sent: list[bytes] = []
        server.transport.send = lambda _ident, data: sent.append(data)  # type: ignore[method-assign]
        server.handle("rw", b"bench", frames(PROC_CONNECT_OPEN, 1, ["test:///default", 0]))
        session = server.sessions[("rw", b"bench")]
        number = next(k for k, s in signatures().items() if s.procedure.method == "domain_get_info")
        sig = signatures()[number]
        ref = DomainRef("test", "6695eb01-f6a4-8304-79aa-97f2502e193f", 1)
        call = frames(number, 2, [ref])
        header, body = split_frames(call)
        args = sig.check_args(decode(body))
        result = DISPATCH[number](session.conn, args, False)
        result_body = encode(result)

        def handle() -> None:
            server.handle("rw", b"bench", call)
            sent.clear()

        def reply() -> None:
            server._reply(b"bench", header, Status.OK, result_body)
            sent.clear()

        steps: dict[str, Callable[[], object]] = {
            "split_frames": lambda: split_frames(call),
            "decode": lambda: decode(body),
            "check_args": lambda: sig.check_args(args),
            "dispatch (driver state)": lambda: DISPATCH[number](session.conn, args, False),
            "encode": lambda: encode(result),
            "reply": reply,
            "handle (all of it)": handle,
        }
        print(f"{'worker step of one info()':<28}{'CPU us/call':>12}")
        for label, fn in steps.items():
            print(f"  {label:<26}{best_of(fn, n, 5) * 1e6:>12.2f}")
        state.shutdown()
        state.cleanup()
    print(f"conditions at end: {conditions()}")


if __name__ == "__main__":
    main()
