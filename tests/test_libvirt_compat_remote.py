"""libvirt's remote-driver client state (pyvirt.libvirt._remote), without a daemon.

The libvirt-python programs check the same rules against the real binding over libvirtd;
these pin them down where libvirtd or the binding is missing.
"""

from __future__ import annotations

import pytest
from pyvirt._errors import VirtError
from pyvirt.libvirt._remote import RemoteClientState


def _fails(call, code: int, domain: int, message: str) -> None:
    with pytest.raises(VirtError) as info:
        call()
    assert (info.value.code, info.value.domain, info.value.message) == (code, domain, message)


def test_keepalive_needs_an_event_loop_at_open() -> None:
    state = RemoteClientState(event_loop=False)
    for interval in (5, 0, -1):
        _fails(
            lambda i=interval: state.set_keep_alive(i, 3),
            1,
            13,
            "internal error: the caller doesn't support keepalive protocol; "
            "perhaps it's missing event loop implementation",
        )


def test_keepalive_starts_once_and_is_configured_for_good() -> None:
    state = RemoteClientState(event_loop=True)
    assert state.set_keep_alive(0, 0) == 0  # stopping what never ran is fine
    assert state.set_keep_alive(5, 3) == 0
    assert state.set_keep_alive(9, 1) == 0  # running: kept as it is
    assert state.set_keep_alive(-1, 0) == 0
    _fails(
        lambda: state.set_keep_alive(5, 3), 1, 7, "internal error: keepalive interval already set"
    )


def test_keepalive_interval_too_large() -> None:
    state = RemoteClientState(event_loop=True)
    _fails(
        lambda: state.set_keep_alive(2147484, 1),
        1,
        7,
        "internal error: keepalive interval 2147484 too large",
    )
    assert state.set_keep_alive(2147483, 1) == 0


def test_one_close_callback_at_a_time() -> None:
    state = RemoteClientState(event_loop=False)
    different = "Requested operation is not valid: A different callback was requested"
    _fails(state.unregister_close_callback, 55, 13, different)
    state.register_close_callback(print, None)
    assert state.holds_connection
    _fails(
        lambda: state.register_close_callback(print, None),
        55,
        13,
        "Requested operation is not valid: A close callback is already registered",
    )
    state.unregister_close_callback()
    assert not state.holds_connection
    _fails(state.unregister_close_callback, 55, 13, different)
