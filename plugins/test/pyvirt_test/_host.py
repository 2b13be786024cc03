"""Connection and host entry points of the test driver, and its capabilities document."""

from __future__ import annotations

from pyvirt import ErrorDomain, NodeInfo, SecurityModel
from pyvirt.driver import unsupported_flags

from pyvirt_test._state import TestState

LIB_VERSION = 9000000  # the libvirt API level pyvirt mirrors
HV_VERSION = 2  # libvirt's test "hypervisor" reports 0.0.2
MAX_VCPUS = 32

_SYSINFO = """\
<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
"""


def capabilities_xml(info: NodeInfo) -> str:
    """The capabilities document for a node: NUMA cells split the CPUs evenly.

    Cell *i* has ``(i + 1) * 2`` GiB and pages of ``4 * (i + 1)`` KiB, as libvirt's test driver
    invents them.
    """
    cells = max(info.nodes, 1)
    per_cell = max(info.cpus // cells, 1) if info.cpus else 0
    base_pages = sorted({4 * (i + 1) for i in range(cells)})
    out = [
        "<capabilities>",
        "",
        "  <host>",
        "    <cpu>",
        f"      <arch>{info.model if info.model in ('i686', 'x86_64') else 'i686'}</arch>",
    ]
    out += ["      <features>", "        <pae/>", "        <nonpae/>", "      </features>"]
    for size in [*base_pages, 2048, 1048576]:
        out.append(f"      <pages unit='KiB' size='{size}'/>")
    out += ["    </cpu>", "    <power_management/>", "    <iommu support='no'/>", "    <topology>"]
    out.append(f"      <cells num='{cells}'>")
    for i in range(cells):
        mem = (i + 1) * 2048 * 1024
        page = 4 * (i + 1)
        out.append(f"        <cell id='{i}'>")
        out.append(f"          <memory unit='KiB'>{mem}</memory>")
        out.append(f"          <pages unit='KiB' size='{page}'>{mem // page}</pages>")
        out.append("          <pages unit='KiB' size='2048'>0</pages>")
        out.append("          <pages unit='KiB' size='1048576'>0</pages>")
        out.append(f"          <cpus num='{per_cell}'>")
        for j in range(per_cell):
            cpu = i * per_cell + j
            out.append(
                f"            <cpu id='{cpu}' socket_id='{i}' die_id='0' core_id='{j}' siblings='{cpu}'/>"
            )
        out += ["          </cpus>", "        </cell>"]
    out += [
        "      </cells>",
        "    </topology>",
        "    <secmodel>",
        "      <model>testSecurity</model>",
    ]
    out += ["      <doi></doi>", "    </secmodel>", "  </host>", ""]
    for os_type in ("hvm", "xen"):
        out += ["  <guest>", f"    <os_type>{os_type}</os_type>", "    <arch name='i686'>"]
        out += ["      <wordsize>32</wordsize>", "      <emulator>/usr/bin/test-hv</emulator>"]
        out += ["      <domain type='test'/>", "    </arch>", "    <features>", "      <pae/>"]
        out += ["      <nonpae/>", "    </features>", "  </guest>", ""]
    out.append("</capabilities>")
    return "\n".join(out) + "\n"


class HostOps:
    state: TestState
    uri_text: str

    def connect_get_type(self) -> str:
        return "TEST"

    def connect_get_version(self) -> int:
        return HV_VERSION

    def connect_get_lib_version(self) -> int:
        return LIB_VERSION

    def connect_get_hostname(self) -> str:
        import socket  # here: importing it costs every pyvirsh run a few ms

        return socket.gethostname()

    def connect_get_uri(self) -> str:
        return self.uri_text

    def connect_get_capabilities(self) -> str:
        return capabilities_xml(self.state.node_info)

    def connect_get_max_vcpus(self, type: str | None) -> int:
        return MAX_VCPUS

    def connect_get_sysinfo(self, flags: int) -> str:
        unsupported_flags(flags, 0, "testConnectGetSysinfo", ErrorDomain.TEST)
        return _SYSINFO

    def connect_is_secure(self) -> bool:
        return True

    def node_get_info(self) -> NodeInfo:
        return self.state.node_info

    def node_get_free_memory(self) -> int:
        return self.state.node_info.memory

    def node_get_security_model(self) -> SecurityModel:
        return SecurityModel("testSecurity", "")
