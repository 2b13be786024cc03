"""libvirt's parse-time checks of a domain's IOThreads: the ``<iothreads>`` count, the
``<iothreadids>`` ids and thread-pool bounds, and ``<cputune><iothreadpin>``.

Why in the shared parser: libvirt's domain_conf.c refuses these for every driver, before any
driver sees the definition, so a bad id or a pin of a thread the guest does not have is
refused with the same words whichever driver defines it.  The order is libvirt 9.0's: the
count, each listed thread (its id, then its pool bounds), the pins, then the pools' limits.
"""

from __future__ import annotations

from lxml import etree

from pyvirt._codes import ErrorCode, ErrorDomain
from pyvirt._errors import make_error

__all__ = ["check_iothreads"]

_UINT_MAX = 2**32 - 1
_INT_MAX = 2**31 - 1


def _bad_attr(attr: str, element: str, why: str) -> Exception:
    return make_error(ErrorCode.XML_ERROR, ErrorDomain.XML,
                      f"Invalid value for attribute '{attr}' in element '{element}': {why}")  # fmt: skip


def _positive(el: etree._Element, attr: str) -> int:
    """A required non-zero unsigned attribute, as libvirt's virXMLPropUInt reads it."""
    text = el.get(attr)
    if text is None:
        raise make_error(ErrorCode.XML_ERROR, ErrorDomain.XML,
                         f"Missing required attribute '{attr}' in element '{el.tag}'")  # fmt: skip
    if not text.isdigit() or int(text) > _UINT_MAX:
        raise _bad_attr(attr, str(el.tag), f"'{text}'. Expected non-negative integer value")
    if int(text) == 0:
        raise _bad_attr(attr, str(el.tag), "Zero is not permitted")
    return int(text)


def _pool_bound(el: etree._Element, attr: str) -> int:
    """A thread-pool bound: an int, not negative; -1 when absent (QEMU's default)."""
    text = el.get(attr)
    if text is None:
        return -1
    digits = text[1:] if text.startswith("-") else text
    if not digits.isdigit() or not -(2**31) <= int(text) <= _INT_MAX:
        raise _bad_attr(attr, "iothread", f"'{text}'. Expected integer value")
    if int(text) < 0:
        raise _bad_attr(attr, "iothread", f"'{text}'. Expected non-negative value")
    return int(text)


def _count(extra: dict[str, list[etree._Element]]) -> int:
    counted = extra.get("iothreads")
    if not counted:
        return 0
    text = counted[0].text or ""
    if not text.isdigit() or int(text) > _UINT_MAX:
        raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                         f"invalid iothreads count '{text}'")  # fmt: skip
    return int(text)


def _listed(extra: dict[str, list[etree._Element]]) -> list[tuple[int, int, int]]:
    """(id, pool minimum, pool maximum) of each listed ``<iothread>``."""
    listed = extra.get("iothreadids")
    out: list[tuple[int, int, int]] = []
    for el in listed[0] if listed else []:
        if el.tag != "iothread":
            continue
        iothread_id = _positive(el, "id")
        if any(iothread_id == seen for seen, _, _ in out):
            raise make_error(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN,
                             f"duplicate iothread id '{iothread_id}' found")  # fmt: skip
        out.append((iothread_id, _pool_bound(el, "thread_pool_min"),
                    _pool_bound(el, "thread_pool_max")))  # fmt: skip
    return out


def _check_pins(extra: dict[str, list[etree._Element]], ids: set[int]) -> None:
    tune = extra.get("cputune")
    pinned: set[int] = set()
    for pin in tune[0].findall("iothreadpin") if tune else []:
        iothread_id = _positive(pin, "iothread")
        if iothread_id not in ids:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                             f"Cannot find 'iothread' : {iothread_id}")  # fmt: skip
        if pin.get("cpuset") is None:
            raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.DOMAIN,
                             "missing cpuset for iothreadpin")  # fmt: skip
        if iothread_id in pinned:
            raise make_error(ErrorCode.INTERNAL_ERROR, ErrorDomain.DOMAIN,
                             f"duplicate iothreadpin for same iothread '{iothread_id}'")  # fmt: skip
        pinned.add(iothread_id)


def check_iothreads(extra: dict[str, list[etree._Element]]) -> None:
    """Refuse what libvirt refuses in a definition's IOThreads (*extra*: the kept
    top-level elements by tag, before the listed ids are topped up to the count)."""
    count = _count(extra)
    listed = _listed(extra)
    ids = {iothread_id for iothread_id, _, _ in listed}
    candidate = 1
    while len(ids) < count:  # the ids libvirt numbers the unlisted threads with
        if candidate not in ids:
            ids.add(candidate)
        candidate += 1
    _check_pins(extra, ids)
    for _, low, high in listed:
        if high == 0:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                             "thread_pool_max must be a positive integer")  # fmt: skip
        if low > high:
            raise make_error(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                             "thread_pool_min must be smaller or equal to thread_pool_max")  # fmt: skip
