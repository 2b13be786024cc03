"""virsh's host CPU commands: ``cpu-models``, ``cpu-baseline``, ``cpu-compare``, ``hypervisor-cpu-compare``,
``hypervisor-cpu-baseline`` and ``domcapabilities``, with virsh 9.0's options, output and
messages (virsh-host.c).

The CPU commands read their file as virsh does (vshExtractCPUDefXMLs): an XML declaration
is dropped, the rest wrapped in one ``<container>`` element and searched for a bare
``<cpu>``, a domain's, a host capabilities' or, in domain capabilities, the supported
host-model mode (renamed ``<cpu>``, its attributes dropped); each one found is sent.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import exclusive, flag_bits, read_file, string_req

_B, _S, _D = T.BOOL, T.STRING, T.DATA
#: VIR_CPU_COMPARE_*
_INCOMPATIBLE, _IDENTICAL, _SUPERSET = 0, 1, 2
#: VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE, VIR_CONNECT_COMPARE_CPU_VALIDATE_XML
_COMPARE_FLAGS = {"error": 1, "validate": 2}
#: VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES, VIR_CONNECT_BASELINE_CPU_MIGRATABLE
_BASELINE_FLAGS = {"features": 1, "migratable": 2}
_CPU_PATHS = (
    "/container/cpu",
    "/container/domain/cpu",
    "/container/capabilities/host/cpu",
    "/container/domainCapabilities/cpu/mode[@name='host-model' and @supported='yes']",
)


def extract_cpus(path: str) -> list[str]:
    """The ``<cpu>`` elements of the file at *path*, as virsh finds them."""
    from lxml import etree

    from pyvirt import ErrorDomain, VirtError
    from pyvirt._xml import parse_document

    text = read_file(path)
    if text.startswith("<?xml") and "?>" in text:
        text = text[text.index("?>") + 2 :]
    try:
        root = parse_document(
            f"<container>{text}</container>", path, ErrorDomain.NONE, file_name=True
        )
    except VirtError as e:
        raise Failure(cause=e) from None
    nodes = root.xpath("|".join(_CPU_PATHS))
    assert isinstance(nodes, list)
    if not nodes:
        raise Failure(
            f"File '{path}' does not contain any <cpu> element or valid domain XML, host "
            "capabilities XML, or domain capabilities XML"
        )
    cpus = []
    for node in nodes:
        assert isinstance(node, etree._Element)
        if node.tag == "mode":
            node.tag = "cpu"
            node.attrib.clear()
        node.tail = None
        cpus.append(etree.tostring(node, encoding="unicode"))
    return cpus


def _hypervisor_args(p: Parsed) -> dict[str, str | None]:
    """--virttype, --emulator, --arch and --machine, checked in virsh's order."""
    return {name: string_req(p, name) for name in ("virttype", "emulator", "arch", "machine")}


# -- cpu-models ----------------------------------------------------------------------------
def cmd_cpu_models(ctl: Control, p: Parsed) -> bool:
    arch = string_req(p, "arch")
    if arch is None:
        raise Failure("--arch must be provided")
    try:
        models = ctl.conn.cpu_model_names(arch)
    except Exception as e:
        raise Failure("failed to get CPU model names", cause=e) from None
    if not models:
        ctl.print_extra("all CPU models are accepted\n")
    for model in models:
        ctl.print(f"{model}\n")
    return True


# -- cpu-compare, hypervisor-cpu-compare ---------------------------------------------------
def _report_comparison(ctl: Control, result: int, texts: tuple[str, str, str]) -> bool:
    incompatible, identical, superset = texts
    if result == _INCOMPATIBLE:
        ctl.print(incompatible)
        return False
    ctl.print(identical if result == _IDENTICAL else superset)
    return True


def cmd_cpu_compare(ctl: Control, p: Parsed) -> bool:
    flags = flag_bits(p, _COMPARE_FLAGS)
    path = string_req(p, "file")
    assert path is not None
    cpus = extract_cpus(path)
    try:
        result = ctl.conn.compare_cpu(cpus[0], flags)
    except Exception as e:
        raise Failure(f"Failed to compare host CPU with {path}", cause=e) from None
    if result not in (_INCOMPATIBLE, _IDENTICAL, _SUPERSET):
        raise Failure(f"Failed to compare host CPU with {path}")
    return _report_comparison(
        ctl,
        result,
        (
            f"CPU described in {path} is incompatible with host CPU\n",
            f"CPU described in {path} is identical to host CPU\n",
            f"Host CPU is a superset of CPU described in {path}\n",
        ),
    )


def cmd_hypervisor_cpu_compare(ctl: Control, p: Parsed) -> bool:
    flags = flag_bits(p, _COMPARE_FLAGS)
    path = string_req(p, "file")
    assert path is not None
    hv = _hypervisor_args(p)
    cpus = extract_cpus(path)
    failed = f"Failed to compare hypervisor CPU with {path}"
    try:
        result = ctl.conn.compare_hypervisor_cpu(
            cpus[0], hv["emulator"], hv["arch"], hv["machine"], hv["virttype"], flags
        )
    except Exception as e:
        raise Failure(failed, cause=e) from None
    if result not in (_INCOMPATIBLE, _IDENTICAL, _SUPERSET):
        raise Failure(failed)
    host = "the CPU provided by hypervisor on the host"
    return _report_comparison(
        ctl,
        result,
        (
            f"CPU described in {path} is incompatible with {host}\n",
            f"CPU described in {path} is identical to {host}\n",
            f"The CPU provided by hypervisor on the host is a superset of CPU described in "
            f"{path}\n",
        ),
    )


# -- cpu-baseline ---------------------------------------------------------------------------
def cmd_cpu_baseline(ctl: Control, p: Parsed) -> bool:
    flags = flag_bits(p, _BASELINE_FLAGS)
    path = string_req(p, "file")
    assert path is not None
    cpus = extract_cpus(path)
    try:
        result = ctl.conn.baseline_cpu(cpus, flags)
    except Exception as e:
        raise Failure(cause=e) from None
    ctl.print(result)
    return True


# -- hypervisor-cpu-baseline ---------------------------------------------------------------
def cmd_hypervisor_cpu_baseline(ctl: Control, p: Parsed) -> bool:
    from pyvirt._xml import escape

    exclusive(p, "file", "model")
    path = string_req(p, "file")
    model = string_req(p, "model")
    hv = _hypervisor_args(p)
    flags = flag_bits(p, _BASELINE_FLAGS)
    if path is None and model is None:
        raise Failure("Either --file or --model must be provided")
    cpus = (
        extract_cpus(path)
        if path is not None
        else [f"<cpu><model>{escape(model or '')}</model></cpu>"]
    )
    try:
        result = ctl.conn.baseline_hypervisor_cpu(
            cpus, hv["emulator"], hv["arch"], hv["machine"], hv["virttype"], flags
        )
    except Exception as e:
        raise Failure(cause=e) from None
    ctl.print(result)
    return True


# -- domcapabilities -----------------------------------------------------------------------
def cmd_domcapabilities(ctl: Control, p: Parsed) -> bool:
    virttype = string_req(p, "virttype")
    emulatorbin = string_req(p, "emulatorbin")
    arch = string_req(p, "arch")
    machine = string_req(p, "machine")
    try:
        caps = ctl.conn.domain_capabilities(emulatorbin, arch, machine, virttype)
    except Exception as e:
        raise Failure("failed to get emulator capabilities", cause=e) from None
    ctl.print(caps + "\n")
    return True


_VIRTTYPE = Opt("virttype", _S, "virtualization type (/domain/@type)")
_EMULATOR = Opt("emulator", _S, "path to emulator binary (/domain/devices/emulator)")
_CPU_ARCH = Opt("arch", _S, "CPU architecture (/domain/os/type/@arch)")
_MACHINE = Opt("machine", _S, "machine type (/domain/os/type/@machine)")
_ERROR = Opt("error", _B, "report error if CPUs are incompatible")
_VALIDATE = Opt("validate", _B, "validate the XML document against schema")

_FEATURES = Opt("features", _B, "Show features that are part of the CPU model type")
_MIGRATABLE = Opt("migratable", _B, "Do not include features that block migration")

COMMANDS = [
    Cmd(
        "cpu-baseline",
        "host",
        "compute baseline CPU",
        "Compute baseline CPU for a set of given CPUs.",
        (
            Opt("file", _D, "file containing XML CPU descriptions", req=True),
            _FEATURES,
            _MIGRATABLE,
        ),
        cmd_cpu_baseline,
    ),
    Cmd(
        "cpu-compare",
        "host",
        "compare host CPU with a CPU described by an XML file",
        "compare CPU with host CPU",
        (
            Opt("file", _D, "file containing an XML CPU description", req=True),
            _ERROR,
            _VALIDATE,
        ),
        cmd_cpu_compare,
    ),
    Cmd(
        "cpu-models",
        "host",
        "CPU models",
        "Get the CPU models for an arch.",
        (Opt("arch", _D, "architecture", req=True),),
        cmd_cpu_models,
    ),
    Cmd(
        "domcapabilities",
        "host",
        "domain capabilities",
        "Returns capabilities of emulator with respect to host and libvirt.",
        (
            _VIRTTYPE,
            Opt("emulatorbin", _S, "path to emulator binary (/domain/devices/emulator)"),
            Opt("arch", _S, "domain architecture (/domain/os/type/@arch)"),
            _MACHINE,
        ),
        cmd_domcapabilities,
    ),
    Cmd(
        "hypervisor-cpu-baseline",
        "host",
        "compute baseline CPU usable by a specific hypervisor",
        "Compute baseline CPU for a set of given CPUs. The result will be tailored to the "
        "specified hypervisor.",
        (
            Opt("file", _S, "file containing XML CPU descriptions"),
            _VIRTTYPE,
            _EMULATOR,
            _CPU_ARCH,
            _MACHINE,
            _FEATURES,
            _MIGRATABLE,
            Opt(
                "model",
                _S,
                "Shortcut for calling the command with a single CPU model and no additional "
                "features",
            ),
        ),
        cmd_hypervisor_cpu_baseline,
    ),
    Cmd(
        "hypervisor-cpu-compare",
        "host",
        "compare a CPU with the CPU created by a hypervisor on the host",
        "compare CPU with hypervisor CPU",
        (
            Opt("file", _D, "file containing an XML CPU description", req=True),
            _VIRTTYPE,
            _EMULATOR,
            _CPU_ARCH,
            _MACHINE,
            _ERROR,
            _VALIDATE,
        ),
        cmd_hypervisor_cpu_compare,
    ),
]
