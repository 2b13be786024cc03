"""Key codes of any codeset to QEMU's qnum codes, as libvirt's qemuDomainSendKey translates
them before ``send-key`` (the table: :mod:`pyvirt_qemu._keymaps`, generated from libvirt's
key code manual pages by :mod:`pyvirt_qemu._keymap_gen`).
"""

from __future__ import annotations

import functools

from pyvirt import ErrorCode, ErrorDomain, make_error

__all__ = ["CODESET_NAMES", "SAME_TABLE", "to_qnum"]

#: VIR_KEYCODE_SET_* numbers → libvirt's names for them.
CODESET_NAMES = ("linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32",
                 "qnum")  # fmt: skip
_QNUM = 9
#: Codesets whose codes are another's: libvirt's xt table is its atset1 table.
SAME_TABLE = {"xt": "atset1"}


@functools.cache
def _table(codeset: str) -> dict[int, int] | None:
    from pyvirt_qemu._keymaps import TABLES  # a table: loaded by the first send-key only

    text = TABLES.get(SAME_TABLE.get(codeset, codeset))
    if text is None:
        return None
    pairs = (pair.split(":") for pair in text.split())
    return {0: 0} | {int(code): int(qnum) for code, qnum in pairs}


def to_qnum(codeset: int, keycodes: list[int]) -> list[int]:
    """*keycodes* of *codeset* as qnum codes; a code the codeset's table lacks is libvirt's
    "cannot translate" error.  (The public API has already refused unknown codesets.)"""
    if codeset == _QNUM:
        return list(keycodes)
    name = CODESET_NAMES[codeset]
    table = _table(name)
    if table is None:  # os_x, win32: see pyvirt_qemu._keymap_gen
        raise make_error(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU,
                         f"pyvirt cannot translate the {name} codeset to qnum keycodes; "
                         "use another codeset")  # fmt: skip
    out = []
    for code in keycodes:
        if code not in table:
            raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
                             f"cannot translate keycode {code} of {name} codeset to qnum "
                             "keycode")  # fmt: skip
        out.append(table[code])
    return out
