"""virsh's ``desc``, ``metadata`` and ``domrename``: a domain's title, description, custom
XML metadata and name.  Options, messages and errors are virsh 9.0's.

``--edit`` (run ``$EDITOR`` on the text) is accepted by the grammar, as virsh's, but pyvirsh
has no editor session yet, so it fails with an error that says so.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._common import BY_NAME, BY_UUID, dom_opt, domain, exclusive, string_req

_DESCRIPTION, _TITLE, _ELEMENT = 0, 1, 2  # VIR_DOMAIN_METADATA_*
_LIVE, _CONFIG = 1, 2  # VIR_DOMAIN_AFFECT_*
_NO_DOMAIN_METADATA = 80  # VIR_ERR_NO_DOMAIN_METADATA


def _impact(p: Parsed) -> int:
    """The AFFECT flags of --live/--config/--current (CURRENT excludes the other two)."""
    exclusive(p, "current", "live")
    exclusive(p, "current", "config")
    return (_CONFIG if p.bool("config") else 0) | (_LIVE if p.bool("live") else 0)


def _no_editor() -> Failure:
    return Failure("--edit is not supported by pyvirsh yet: no editor session is available")


def _current_text(dom: object, kind: int, flags: int) -> str:
    """virshGetDomainDescription: the title or description, "" when there is none."""
    from pyvirt import VirtError

    try:
        return dom.metadata(kind, None, flags)  # type: ignore[attr-defined,no-any-return]
    except VirtError as e:
        if e.code == _NO_DOMAIN_METADATA:
            return ""
        raise


def cmd_desc(ctl: Control, p: Parsed) -> bool:
    flags = _impact(p)
    title = p.bool("title")
    dom, _ = domain(ctl, p)
    if p.bool("edit"):
        raise _no_editor()
    kind = _TITLE if title else _DESCRIPTION
    words: list[str] = p.values.get("new-desc", [])
    # virsh reads the current text with the XML flag INACTIVE for --config (the same bit as
    # AFFECT_CONFIG) and nothing for --live.
    query = flags & _CONFIG
    if words:
        new = " ".join(words).rstrip(" ")
        _current_text(dom, kind, query)
        try:
            dom.set_metadata(kind, new, None, None, flags)
        except Exception as e:
            what = "title" if title else "description"
            raise Failure(f"Failed to set new domain {what}", cause=e) from None
        ctl.print_extra(f"Domain {'title' if title else 'description'} updated successfully")
        return True
    text = _current_text(dom, kind, query)
    if text:
        ctl.print(text)
    else:
        ctl.print_extra(f"No {'title' if title else 'description'} for domain: {dom.name}")
    return True


def cmd_metadata(ctl: Control, p: Parsed) -> bool:
    flags = _impact(p)
    exclusive(p, "edit", "set")
    exclusive(p, "remove", "set")
    exclusive(p, "remove", "edit")
    dom, _ = domain(ctl, p)
    uri = string_req(p, "uri")
    key = string_req(p, "key")
    new = string_req(p, "set")
    edit, remove = p.bool("edit"), p.bool("remove")
    if (new is not None or edit) and key is None:
        raise Failure("namespace key is required when modifying metadata")
    if new is not None or remove:
        dom.set_metadata(_ELEMENT, new, key, uri, flags)
        ctl.print_extra("Metadata removed\n" if remove else "Metadata modified\n")
        return True
    if edit:
        raise _no_editor()
    ctl.print(dom.metadata(_ELEMENT, uri, flags) + "\n")
    return True


def cmd_domrename(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p, BY_UUID | BY_NAME)
    new_name = string_req(p, "new-name")
    assert new_name is not None
    dom.rename(new_name)
    ctl.print_extra("Domain successfully renamed\n")
    return True


_IMPACT_OPTS = (
    Opt("live", T.BOOL, "modify/get running state"),
    Opt("config", T.BOOL, "modify/get persistent configuration"),
    Opt("current", T.BOOL, "modify/get current state configuration"),
)

COMMANDS = [
    Cmd(
        "desc",
        "domain",
        "show or set domain's description or title",
        "Allows setting or modifying the description or title of a domain.",
        (
            dom_opt(),
            *_IMPACT_OPTS,
            Opt("title", T.BOOL, "modify/get the title instead of description"),
            Opt("edit", T.BOOL, "open an editor to modify the description"),
            Opt("new-desc", T.ARGV, "message"),
        ),
        cmd_desc,
    ),
    Cmd(
        "metadata",
        "domain",
        "show or set domain's custom XML metadata",
        "Shows or modifies the XML metadata of a domain.",
        (
            dom_opt(),
            Opt("uri", T.DATA, "URI of the namespace", req=True),
            *_IMPACT_OPTS,
            Opt("edit", T.BOOL, "use an editor to change the metadata"),
            Opt("key", T.STRING, "key to be used as a namespace identifier", req_opt=True),
            Opt("set", T.STRING, "new metadata to set", req_opt=True),
            Opt("remove", T.BOOL, "remove the metadata corresponding to an uri"),
        ),
        cmd_metadata,
    ),
    Cmd(
        "domrename",
        "domain",
        "rename a domain",
        "Rename an inactive domain.",
        (dom_opt("domain name or uuid"), Opt("new-name", T.DATA, "new domain name", req=True)),
        cmd_domrename,
    ),
]
