"""virNetworkUpdate in the test driver (libvirt's testNetworkUpdate and virNetworkObjUpdate):
which definitions an update edits, and when it is refused.

A running persistent network has two definitions, as in libvirt: the live one and the
persistent one (libvirt's newDef, made when the config is first changed while it runs).
VIR_NETWORK_UPDATE_AFFECT_CURRENT means the live one when the network runs, else the persistent
one.  Each is edited on a copy that replaces it only when every requested edit succeeded.  Like
libvirt's test driver, stopping a network does not swap its newDef in: an update of the config
while it ran shows once the stopped network's config is updated again, or after a restart
through that update.
"""

from __future__ import annotations

from pyvirt import ErrorDomain, NetworkRef, conf
from pyvirt.driver import unsupported_flags

from pyvirt_test._state import TestState

# Not typing.TYPE_CHECKING: importing typing costs a pyvirsh run several milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyvirt_test._objects import TestNetwork

_T = ErrorDomain.TEST
_LIVE, _CONFIG = 1, 2  # VIR_NETWORK_UPDATE_AFFECT_LIVE, _CONFIG


class NetworkUpdateOps:
    state: TestState

    if TYPE_CHECKING:

        def _net(self, ref: NetworkRef) -> TestNetwork: ...

    def network_update(
        self, net: NetworkRef, command: int, section: int, parent_index: int, xml: str, flags: int
    ) -> None:
        unsupported_flags(flags, _LIVE | _CONFIG, "testNetworkUpdate", _T)
        with self.state.lock:
            obj = self._net(net)
            flags = conf.update_targets(flags, obj.active, obj.persistent)
            if flags & _CONFIG and obj.active and obj.new_defn is None:
                obj.new_defn = obj.defn.copy()
            live = config = None
            if flags & _LIVE:
                live = obj.defn.copy()
                conf.update_network_section(live, command, section, parent_index, xml)
            if flags & _CONFIG:
                config = (obj.new_defn or obj.defn).copy()
                conf.update_network_section(config, command, section, parent_index, xml)
            if live is not None:
                obj.defn = live
            if config is not None:
                if obj.active:
                    obj.new_defn = config
                else:
                    obj.defn = config
