"""libvirt-python's ``virStream`` over :class:`pyvirt.Stream`.

The loops (``sendAll``, ``recvAll`` and their sparse forms) are pyvirt's
(:class:`pyvirt.Stream`); what is here is libvirt-python's shape around them: handlers that
take an ``opaque`` argument and may answer a negative number to stop (``RuntimeError``, the
stream aborted), ``recv`` answering ``-2`` (would block) or ``-3`` (a hole) instead of bytes,
and libvirt's return values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt._stream import Stream
from pyvirt.libvirt import _args
from pyvirt.libvirt._errors import api, no_support

if TYPE_CHECKING:
    from pyvirt.libvirt._connect import virConnect

__all__ = ["virStream"]


def _checked(ret: object, what: str) -> None:
    """libvirt-python: a handler answering a negative int stops the transfer."""
    if type(ret) is int and ret < 0:
        raise RuntimeError(f"{what} handler returned {ret}")


class virStream:  # noqa: N801 - libvirt-python's name
    """A data stream of a connection (``conn.newStream(flags)``)."""

    def __init__(self, conn: virConnect, flags: int = 0) -> None:
        self._conn = conn
        self._o: Stream = conn._o.new_stream(_args.flags(flags))
        conn._track(self)

    def connect(self) -> virConnect:
        return self._conn

    def c_pointer(self) -> int:
        return id(self._o)

    @api
    def send(self, data: bytes) -> int:
        return self._o.send(bytes(data))

    @api
    def recv(self, nbytes: int) -> bytes | int:
        return self.recvFlags(nbytes, 0)

    @api
    def recvFlags(self, nbytes: int, flags: int = 0) -> bytes | int:  # noqa: N802
        got = self._o.recv(_args.c_ulong(nbytes), _args.flags(flags))
        return got if isinstance(got, bytes) else int(got)

    @api
    def recvHole(self, flags: int = 0) -> int:  # noqa: N802
        return self._o.recv_hole(_args.flags(flags))

    @api
    def sendHole(self, length: int, flags: int = 0) -> int:  # noqa: N802
        self._o.send_hole(_args.c_long_long(length), _args.flags(flags))
        return 0

    @api
    def finish(self) -> int:
        self._o.finish()
        return 0

    @api
    def abort(self) -> int:
        self._o.abort()
        return 0

    @api
    def sendAll(self, handler: Callable[..., bytes], opaque: Any) -> None:  # noqa: N802
        self._o.send_all(lambda _s, nbytes: handler(self, nbytes, opaque))

    @api
    def recvAll(self, handler: Callable[..., object], opaque: Any) -> None:  # noqa: N802
        def each(_s: Stream, data: bytes) -> None:
            _checked(handler(self, data, opaque), "recvAll")

        self._o.recv_all(each)

    @api
    def sparseRecvAll(  # noqa: N802
        self,
        handler: Callable[..., object],
        holeHandler: Callable[..., object],
        opaque: Any,  # noqa: N803
    ) -> None:
        def data(_s: Stream, chunk: bytes) -> None:
            _checked(handler(self, chunk, opaque), "recvAll")

        def hole(_s: Stream, length: int) -> None:
            _checked(holeHandler(self, length, opaque), "recvHole")

        self._o.sparse_recv_all(data, hole)

    @api
    def sparseSendAll(  # noqa: N802
        self,
        handler: Callable[..., bytes],
        holeHandler: Callable[..., object],  # noqa: N803
        skipHandler: Callable[..., object],  # noqa: N803
        opaque: Any,
    ) -> None:
        def where(_s: Stream) -> tuple[bool, int]:
            ret = holeHandler(self, opaque)
            if not isinstance(ret, list | tuple) or len(ret) != 2:
                raise ValueError("The hole handler must return list of two items")
            return bool(ret[0]), int(ret[1])

        def skip(_s: Stream, length: int) -> None:
            _checked(skipHandler(self, length, opaque), "skip")

        self._o.sparse_send_all(lambda _s, nbytes: handler(self, nbytes, opaque), where, skip)

    @api
    def eventAddCallback(self, events: int, cb: Callable[..., object], opaque: Any) -> None:  # noqa: N802
        raise no_support("virStreamEventAddCallback", 38)

    @api
    def eventUpdateCallback(self, events: int) -> None:  # noqa: N802
        raise no_support("virStreamEventUpdateCallback", 38)

    @api
    def eventRemoveCallback(self) -> None:  # noqa: N802
        raise no_support("virStreamEventRemoveCallback", 38)
