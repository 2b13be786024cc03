import os
import select
import threading
import time

import libvirt

# test:///default, or test+unix:///default through a daemon (set by the test runner).
URI = os.environ.get("LIBVIRT_PROGRAM_URI", "test:///default")


class Loop:
    """The application's own event loop (as asyncio's or GLib's would be), handed to libvirt
    with virEventRegisterImpl instead of running libvirt's default one."""

    def __init__(self):
        self.lock = threading.Lock()
        self.next_id = 1
        self.handles = {}  # watch -> [fd, events, cb, opaque]
        self.timers = {}  # timer -> [interval ms, due, cb, opaque]
        self.removed = []

    def _id(self):
        self.next_id += 1
        return self.next_id

    def add_handle(self, fd, events, cb, opaque):
        with self.lock:
            watch = self._id()
            self.handles[watch] = [fd, events, cb, opaque]
        return watch

    def update_handle(self, watch, events):
        with self.lock:
            if watch in self.handles:
                self.handles[watch][1] = events

    def remove_handle(self, watch):
        with self.lock:
            entry = self.handles.pop(watch, None)
        if entry is not None:
            self.removed.append(entry[3])
        return 0

    def add_timeout(self, interval, cb, opaque):
        with self.lock:
            timer = self._id()
            self.timers[timer] = [interval, self._due(interval), cb, opaque]
        return timer

    def update_timeout(self, timer, interval):
        with self.lock:
            if timer in self.timers:
                self.timers[timer][0:2] = [interval, self._due(interval)]

    def remove_timeout(self, timer):
        with self.lock:
            entry = self.timers.pop(timer, None)
        if entry is not None:
            self.removed.append(entry[3])
        return 0

    @staticmethod
    def _due(interval):
        return None if interval < 0 else time.monotonic() + interval / 1000

    def run_once(self):
        with self.lock:
            watched = [(w, h[0], h[1]) for w, h in self.handles.items() if h[1]]
        poller = select.poll()
        for _, fd, events in watched:
            poller.register(fd, select.POLLIN if events & libvirt.VIR_EVENT_HANDLE_READABLE else 0)
        ready = dict(poller.poll(20))
        for watch, fd, _ in watched:
            if fd in ready:
                with self.lock:
                    entry = self.handles.get(watch)
                if entry is not None:
                    entry[2](watch, fd, libvirt.VIR_EVENT_HANDLE_READABLE, entry[3])
        now = time.monotonic()
        with self.lock:
            due = [(t, e) for t, e in self.timers.items() if e[1] is not None and e[1] <= now]
            for _, entry in due:
                entry[1] = self._due(entry[0])
        for timer, entry in due:
            entry[2](timer, entry[3])
        while self.removed:
            libvirt.virEventInvokeFreeCallback(self.removed.pop())


loop = Loop()
libvirt.virEventRegisterImpl(
    loop.add_handle, loop.update_handle, loop.remove_handle,
    loop.add_timeout, loop.update_timeout, loop.remove_timeout,
)  # fmt: skip
try:
    libvirt.virEventRegisterImpl(*[lambda *a: 0] * 6)
except RuntimeError as e:
    print("second registration:", e)
print("default loop after ours:", libvirt.virEventRegisterDefaultImpl())

received = []
done = threading.Event()


def run_loop():
    while not done.is_set():
        loop.run_once()


threading.Thread(target=run_loop, daemon=True).start()

# a timer of the program's own, through libvirt's API and so through its loop
fired = threading.Event()
own = libvirt.virEventAddTimeout(0, lambda timer, opaque: fired.set(), "mine")
fired.wait(10)
print("own timer fired:", fired.is_set())
libvirt.virEventRemoveTimeout(own)

conn = libvirt.open(URI)
dom = conn.lookupByName("test")


def lifecycle(conn, dom, event, detail, opaque):
    received.append((dom.name(), event, detail, opaque))


cid = conn.domainEventRegisterAny(
    dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "opaque"
)
dom.suspend()
dom.resume()
deadline = time.monotonic() + 10
while len(received) < 2 and time.monotonic() < deadline:
    time.sleep(0.02)
for event in received:
    print("event:", event)
conn.domainEventDeregisterAny(cid)
done.set()
