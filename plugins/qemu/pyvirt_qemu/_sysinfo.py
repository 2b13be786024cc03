"""The host's SMBIOS data as libvirt's ``virsh sysinfo`` shows it: ``dmidecode -q -t
0,1,2,3,4,11,17`` read the way libvirt's virsysinfo.c reads it, formatted as its
``<sysinfo type='smbios'>``.

Why mimic its reading rather than parse dmidecode properly: libvirt looks each field up from
the start of its section to the end of the whole output (a field a section lacks is taken
from a later one) and drops values that are only blanks; management tools compare
``<sysinfo>`` with what libvirt printed, so pyvirt reads the same text the same way.

Like libvirt's qemu driver, which reads it once when it starts, the answer is read once per
process; without dmidecode, or where it cannot read the tables (no /dev/mem, no DMI in
sysfs), there is none, and virConnectGetSysinfo says "Host SMBIOS information is not
available".
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

__all__ = ["format_sysinfo", "host_sysinfo", "parse_dmidecode"]

#: (section title, [(field label, entry name)], repeated?) in libvirt's output order.
Section = tuple[str, str, list[tuple[str, str]], bool]
_SECTIONS: list[Section] = [
    ("BIOS Information", "bios", [("Vendor", "vendor"), ("Version", "version"),
                                  ("Release Date", "date"), ("BIOS Revision", "release")], False),
    ("System Information", "system", [
        ("Manufacturer", "manufacturer"), ("Product Name", "product"), ("Version", "version"),
        ("Serial Number", "serial"), ("UUID", "uuid"), ("SKU Number", "sku"),
        ("Family", "family")], False),
    ("Base Board Information", "baseBoard", [
        ("Manufacturer", "manufacturer"), ("Product Name", "product"), ("Version", "version"),
        ("Serial Number", "serial"), ("Asset Tag", "asset"),
        ("Location In Chassis", "location")], True),
    ("Chassis Information", "chassis", [
        ("Manufacturer", "manufacturer"), ("Version", "version"), ("Serial Number", "serial"),
        ("Asset Tag", "asset"), ("SKU Number", "sku")], False),
    ("Processor Information", "processor", [
        ("Socket Designation", "socket_destination"), ("Type", "type"), ("Family", "family"),
        ("Manufacturer", "manufacturer"), ("Signature", "signature"), ("Version", "version"),
        ("External Clock", "external_clock"), ("Max Speed", "max_speed"),
        ("Status", "status"), ("Serial Number", "serial_number"),
        ("Part Number", "part_number")], True),
    ("Memory Device", "memory_device", [
        ("Size", "size"), ("Form Factor", "form_factor"), ("Locator", "locator"),
        ("Bank Locator", "bank_locator"), ("Type", "type"), ("Type Detail", "type_detail"),
        ("Speed", "speed"), ("Manufacturer", "manufacturer"),
        ("Serial Number", "serial_number"), ("Part Number", "part_number")], True),
]  # fmt: skip
#: One parsed block: its element name and (entry name, value) pairs, in output order.
Block = tuple[str, list[tuple[str, str]]]


def _field(text: str, start: int, label: str) -> str | None:
    """The value after the first ``label: `` from *start* on, up to its line's end, with
    trailing blanks dropped; None when absent or blank."""
    at = text.find(f"{label}: ", start)
    if at < 0:
        return None
    at += len(label) + 2
    eol = text.find("\n", at)
    if eol < 0:
        return None
    value = text[at:eol].rstrip()
    return value or None


def _blocks(text: str, section: Section) -> list[Block]:
    title, element, fields, repeated = section
    out: list[Block] = []
    at = text.find(title)
    while at >= 0:
        values: list[tuple[str, str]] = []
        for label, name in fields:
            value = _field(text, at, label)
            if element == "memory_device" and label == "Size" and value == "No Module Installed":
                values = []  # an empty slot: libvirt skips the rest of it
                break
            if value is not None:
                values.append((name, value))
        if values:
            out.append((element, values))
        if not repeated:
            break
        at = text.find(title, at + len(title))
    return out


def _oem_strings(text: str, dmidecode: str | None) -> list[str] | None:
    """``OEM Strings``' values; one holding a dot is asked again raw (dmidecode prints a
    newline inside a string as a dot)."""
    at = text.find("OEM Strings")
    if at < 0:
        return None
    values = []
    index = 1
    while (at := text.find("String ", at)) >= 0:
        at += 7
        eol = text.find("\n", at)
        while at < len(text) and text[at].isdigit():
            at += 1
        if eol < 0 or text[at:at + 1] != ":":
            raise ValueError("Malformed output of dmidecode")
        value = text[at + 2:eol].rstrip()
        if value:
            if "." in value and dmidecode is not None:
                value = subprocess.run([dmidecode, "--dump", "--oem-string", str(index)],
                                       capture_output=True, text=True, check=True,
                                       timeout=30).stdout  # fmt: skip
            values.append(value)
            index += 1
        at = eol
    return values


def parse_dmidecode(text: str, dmidecode: str | None = None) -> list[Block]:
    """libvirt's reading of ``dmidecode -q`` output, block by block in its output order."""
    blocks = [block for section in _SECTIONS[:4] for block in _blocks(text, section)]
    tail = [block for section in _SECTIONS[4:] for block in _blocks(text, section)]
    oem = _oem_strings(text, dmidecode)
    return blocks + tail + ([("oemStrings", [("", v) for v in oem])] if oem is not None else [])


def _escape(value: str) -> str:
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                        ("'", "&apos;")):  # fmt: skip
        value = value.replace(raw, entity)
    return value


def format_sysinfo(blocks: list[Block]) -> str:
    """``<sysinfo type='smbios'>`` as libvirt formats it (two spaces per level)."""
    if not blocks:
        return "<sysinfo type='smbios'/>\n"
    lines = ["<sysinfo type='smbios'>"]
    for element, values in blocks:
        lines.append(f"  <{element}>")
        for name, value in values:
            attr = f" name='{name}'" if name else ""
            lines.append(f"    <entry{attr}>{_escape(value)}</entry>")
        lines.append(f"  </{element}>")
    lines.append("</sysinfo>")
    return "\n".join(lines) + "\n"


def _dmidecode() -> str | None:
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return shutil.which("dmidecode", path=path)


@functools.cache
def host_sysinfo() -> str | None:
    """The host's ``<sysinfo>``, read once; None when dmidecode is missing or fails."""
    dmidecode = _dmidecode()
    if dmidecode is None:
        return None
    try:
        done = subprocess.run([dmidecode, "-q", "-t", "0,1,2,3,4,11,17"], capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        if done.returncode != 0:
            return None
        return format_sysinfo(parse_dmidecode(done.stdout, dmidecode))
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
