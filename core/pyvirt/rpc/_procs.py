"""Procedure numbers the daemon serves itself (not driver methods).

CONNECT_OPEN/CLOSE keep libvirt's numbers; the event channel uses libvirt's callback
register/deregister numbers; EVENT is the lifecycle event message.  Daemon-control procedures
(program DAEMON) route a client to the worker that hosts its driver.
"""

PROC_CONNECT_OPEN = 1
PROC_CONNECT_CLOSE = 2
PROC_EVENT_ATTACH = 316
PROC_EVENT_DETACH = 317
PROC_EVENT = 318

# program DAEMON
PROC_ROUTE = 1  # args [uri or "", flags] -> {"driver", "endpoint", "uri", "boot_id"}
PROC_NOTICE = 2  # EVENT from the daemon: {"worker": name, "state": "died" | "started"}
