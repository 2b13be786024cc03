"""virsh's block-job and native-configuration commands: ``blockcommit``, ``blockcopy``,
``blockjob``, ``blockpull``, ``blockresize``, ``domblkthreshold``, ``domxml-from-native`` and
``domxml-to-native``.

virsh 9.0's option checks, in its order, and the API each form calls (``blockpull --base``
is virDomainBlockRebase, ``blockcopy`` with only a destination is virDomainBlockRebase with
the COPY flag ...), and virsh's waiting for a job's end (``--wait``, ``--pivot`` ...; see
:mod:`pyvirt.cli.commands._block_wait`).  libvirt's test driver serves none of these APIs;
its refusal is reported as virsh reports it.  ``blockcopy`` forms that need virDomainBlockCopy (a destination XML,
granularity, buffer size, a non-raw format, transient or synchronous jobs) are refused
before any call, saying so: pyvirt has no virDomainBlockCopy yet.
"""

from __future__ import annotations

from pyvirt.cli._control import Control, Failure
from pyvirt.cli._parser import Cmd, Opt, Parsed, T
from pyvirt.cli.commands._block_wait import CANCELED, FAILED, JobWatch, print_job_info
from pyvirt.cli.commands._common import dom_opt, domain, exclusive, read_file, require, string_req

_B, _S, _I = T.BOOL, T.STRING, T.INT
_REBASE_SHALLOW, _REBASE_REUSE_EXT, _REBASE_COPY, _REBASE_RELATIVE = 1, 2, 8, 16
_REBASE_COPY_DEV, _REBASE_BANDWIDTH_BYTES = 32, 64
_COMMIT_SHALLOW, _COMMIT_DELETE, _COMMIT_ACTIVE, _COMMIT_RELATIVE = 1, 2, 4, 8
_COMMIT_BANDWIDTH_BYTES = 16
_ABORT_ASYNC, _ABORT_PIVOT = 1, 2
_JOB_SPEED_BANDWIDTH_BYTES = _JOB_INFO_BANDWIDTH_BYTES = _PULL_BANDWIDTH_BYTES = 1
_RESIZE_BYTES = 1


def _scaled(p: Parsed, name: str, label: str, scale: int) -> int | None:
    """vshCommandOptScaledInt with virsh's messages (*label*: how virsh names the option)."""
    from pyvirt.cli._format import ScaleError, scaled

    text = p.str(name)
    if text is None:
        return None
    message = f"Scaled numeric value '{text}' for <{label}> option is malformed or out of range"
    try:
        return scaled(text, scale)
    except ValueError:
        raise Failure(message) from None
    except ScaleError as e:
        from pyvirt import make_error

        raise Failure(message, cause=make_error(e.code, 0, e.message.split(": ", 1)[1])) from None


def _bandwidth(p: Parsed) -> tuple[int, bool]:
    """virshBlockJobOptionBandwidth: MiB/s, or bytes/s with --bytes; a scaled value (with a
    suffix) is bytes, and is given in bytes to the API."""
    text = p.str("bandwidth") or ""
    if text[:1] == "-" and text[1:].isdigit():
        # a plain negative number wraps, as virsh's unsigned long parse lets it
        return int(text) % 2**64, p.bool("bytes")
    value = _scaled(p, "bandwidth", "--bandwidth", 1024 * 1024 if not p.bool("bytes") else 1)
    if value is None:
        return 0, p.bool("bytes")
    if p.bool("bytes") or not text.isdigit():
        return value, True
    return value // (1024 * 1024), False


def _timeout(p: Parsed) -> None:
    """vshCommandOptTimeoutToMs: a positive number of seconds."""
    text = p.str("timeout")
    if text is not None and (not text.isdigit() or int(text) == 0):
        raise Failure(f"Numeric value '{text}' for <timeout> option is malformed or out of range")


def _blocking_required(p: Parsed, stop: str) -> None:
    blocking = any(p.bool(o) for o in ("timeout", "wait", "pivot", stop)) or p.str("timeout")
    for option in ("verbose", "async"):
        if p.bool(option) and not blocking:
            raise Failure(
                f"--{option} requires at least one of --timeout, --wait, --pivot, or --{stop}"
            )


def _path(p: Parsed) -> str:
    path = string_req(p, "path")
    assert path is not None
    return path


def _timeout_ms(p: Parsed) -> int | None:
    _timeout(p)
    text = p.str("timeout")
    return None if text is None else int(text) * 1000


def cmd_blockcommit(ctl: Control, p: Parsed) -> bool:
    exclusive(p, "pivot", "keep-overlay")
    _blocking_required(p, "keep-overlay")
    timeout = _timeout_ms(p)
    bandwidth, in_bytes = _bandwidth(p)
    dom, _ = domain(ctl, p)
    flags = sum(
        bit
        for option, bit in (
            ("shallow", _COMMIT_SHALLOW),
            ("delete", _COMMIT_DELETE),
            ("keep-relative", _COMMIT_RELATIVE),
        )
        if p.bool(option)
    )
    pivot, finish = p.bool("pivot"), p.bool("keep-overlay")
    active = p.bool("active") or pivot or finish
    if active:
        flags |= _COMMIT_ACTIVE
    flags |= _COMMIT_BANDWIDTH_BYTES if in_bytes else 0
    blocking = p.bool("wait") or pivot or finish or timeout is not None
    base, top = string_req(p, "base"), string_req(p, "top")
    path = _path(p)
    watch = JobWatch(ctl, dom, path) if blocking else None
    try:
        dom.block_commit(path, base, top, bandwidth, flags)
        if watch is None:
            ctl.print_extra("Active Block Commit started" if active else "Block Commit started")
            return True
        status = watch.wait("Active Block Commit" if active else "Block commit", verbose=p.bool("verbose"), timeout_ms=timeout,
                            async_abort=p.bool("async"))  # fmt: skip
    finally:
        if watch is not None:
            watch.close()
    _failed_or_aborted(status, "Commit")
    if not active:
        ctl.print_extra("\nCommit complete")
    elif pivot or finish:
        what = "pivot" if pivot else "finish"
        try:
            dom.block_job_abort(path, _ABORT_PIVOT if pivot else 0)
        except Exception as e:
            raise Failure(f"failed to {what} job for disk {path}", cause=e) from None
        ctl.print_extra(
            "\nSuccessfully pivoted" if pivot else "\nCommit complete, overlay image kept"
        )
    else:
        ctl.print_extra("\nNow in synchronized phase")
    return True


def _failed_or_aborted(status: int, what: str) -> None:
    if status == FAILED:
        raise Failure(f"\n{what} failed")
    if status == CANCELED:
        raise Failure(f"\n{what} aborted")


def _copy_xml(dest: str, blockdev: bool, fmt: str | None) -> str:
    kind, attr = ("block", "dev") if blockdev else ("file", "file")
    driver = f"  <driver type='{fmt}'/>\n" if fmt else ""
    return f"<disk type='{kind}'>\n  <source {attr}='{dest}'/>\n{driver}</disk>\n"


def cmd_blockcopy(ctl: Control, p: Parsed) -> bool:
    for a, b in (("dest", "xml"), ("format", "xml"), ("blockdev", "xml"), ("pivot", "finish")):
        exclusive(p, a, b)
    _blocking_required(p, "finish")
    _timeout(p)
    dest, xml_file, fmt = string_req(p, "dest"), string_req(p, "xml"), string_req(p, "format")
    if dest is None and xml_file is None:
        raise Failure("need either --dest or --xml")
    bandwidth, in_bytes = _bandwidth(p)
    dom, _ = domain(ctl, p)
    path = _path(p)
    xml = read_file(xml_file) if xml_file is not None else None
    if p.bool("print-xml"):
        ctl.print(xml if xml is not None else _copy_xml(str(dest), p.bool("blockdev"), fmt))
        return True
    needs_copy_api = (
        xml is not None
        or (fmt is not None and fmt != "raw")
        or any(p.str(o) is not None for o in ("granularity", "buf-size"))
        or p.bool("transient-job")
        or p.bool("synchronous-writes")
    )
    if needs_copy_api:
        from pyvirt import ErrorCode, ErrorDomain, make_error

        raise Failure(
            cause=make_error(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, "virDomainBlockCopy")
        )
    flags = _REBASE_COPY | sum(
        bit
        for option, bit in (
            ("shallow", _REBASE_SHALLOW),
            ("reuse-external", _REBASE_REUSE_EXT),
            ("blockdev", _REBASE_COPY_DEV),
        )
        if p.bool(option)
    )
    flags |= _REBASE_BANDWIDTH_BYTES if in_bytes else 0
    dom.block_rebase(path, dest, bandwidth, flags)
    ctl.print_extra("Block Copy started\n")
    return True


def cmd_blockjob(ctl: Control, p: Parsed) -> bool:
    abort = any(p.bool(o) for o in ("abort", "async", "pivot"))
    raw = p.bool("raw")
    info = p.bool("info") or raw
    has_bandwidth = p.str("bandwidth") is not None
    if abort and info:
        raise Failure("Options --info and --abort are mutually exclusive")
    if info and has_bandwidth:
        raise Failure("Options --info and --bandwidth are mutually exclusive")
    bandwidth, in_bytes = _bandwidth(p)
    dom, _ = domain(ctl, p)
    path = _path(p)
    if has_bandwidth:
        flags = _JOB_SPEED_BANDWIDTH_BYTES if in_bytes else 0
        dom.block_job_set_speed(path, bandwidth, flags)
        return True
    if abort:
        flags = (_ABORT_ASYNC if p.bool("async") else 0) | (_ABORT_PIVOT if p.bool("pivot") else 0)
        dom.block_job_abort(path, flags)
        return True
    # virsh asks in bytes unless --raw alone asks for MiB/s
    in_bytes = p.bool("bytes") or not raw
    job = dom.block_job_info(path, _JOB_INFO_BANDWIDTH_BYTES if in_bytes else 0)
    if not job:
        ctl.print_extra(f"No current block job for {path}")
        return True
    print_job_info(ctl, path, job, raw, in_bytes)
    return True


def cmd_blockpull(ctl: Control, p: Parsed) -> bool:
    require(p, "wait", "verbose")
    require(p, "wait", "async")
    timeout = _timeout_ms(p)
    bandwidth, in_bytes = _bandwidth(p)
    dom, _ = domain(ctl, p)
    path = _path(p)
    base = string_req(p, "base")
    watch = JobWatch(ctl, dom, path) if p.bool("wait") else None
    try:
        if base is not None or p.bool("keep-relative"):
            flags = (_REBASE_RELATIVE if p.bool("keep-relative") else 0) | (
                _REBASE_BANDWIDTH_BYTES if in_bytes else 0
            )
            dom.block_rebase(path, base, bandwidth, flags)
        else:
            dom.block_pull(path, bandwidth, _PULL_BANDWIDTH_BYTES if in_bytes else 0)
        if watch is None:
            ctl.print_extra("Block Pull started")
            return True
        status = watch.wait("Block Pull", verbose=p.bool("verbose"), timeout_ms=timeout,
                            async_abort=p.bool("async"))  # fmt: skip
    finally:
        if watch is not None:
            watch.close()
    _failed_or_aborted(status, "Pull")
    ctl.print_extra("\nPull complete")
    return True


def cmd_blockresize(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    path = _path(p)
    size = _scaled(p, "size", "size", 1024)
    assert size is not None
    flags = 0
    if size % 1024:
        flags = _RESIZE_BYTES
    else:
        size //= 1024
    try:
        dom.block_resize(path, size, flags)
    except Exception as e:
        raise Failure(f"Failed to resize block device '{path}'", cause=e) from None
    ctl.print_extra(f"Block device '{path}' is resized")
    return True


def cmd_domblkthreshold(ctl: Control, p: Parsed) -> bool:
    dom, _ = domain(ctl, p)
    dev = string_req(p, "dev")
    assert dev is not None
    threshold = _scaled(p, "threshold", "threshold", 1)
    assert threshold is not None
    dom.set_block_threshold(dev, threshold)
    return True


def cmd_domxml_from_native(ctl: Control, p: Parsed) -> bool:
    fmt, path = string_req(p, "format"), string_req(p, "config")
    assert fmt is not None and path is not None
    config = read_file(path)
    ctl.print(ctl.conn.domain_xml_from_native(fmt, config))
    return True


def cmd_domxml_to_native(ctl: Control, p: Parsed) -> bool:
    fmt = string_req(p, "format")
    assert fmt is not None
    exclusive(p, "domain", "xml")
    xml_file = string_req(p, "xml")
    if p.str("domain") is not None:
        dom, _ = domain(ctl, p)
        xml = dom.xml_desc()
    elif xml_file is not None:
        xml = read_file(xml_file)
    else:
        raise Failure("need either domain or domain XML")
    ctl.print(ctl.conn.domain_xml_to_native(fmt, xml))
    return True


_PATH = Opt("path", T.DATA, "fully-qualified path of disk", req=True)
_BANDWIDTH = Opt("bandwidth", _I, "bandwidth limit in MiB/s", req_opt=True)
_BYTES = Opt("bytes", _B, "the bandwidth limit is in bytes/s rather than MiB/s")
_TIMEOUT_HELP = "implies --wait, abort if copy exceeds timeout (in seconds)"
_RELATIVE = Opt("keep-relative", _B, "keep the backing chain relatively referenced")

COMMANDS = [
    Cmd(
        "blockcommit",
        "domain",
        "Start a block commit operation.",
        "Commit changes from a snapshot down to its backing image.",
        (
            dom_opt(),
            _PATH,
            _BANDWIDTH,
            Opt("base", _S, "path of base file to commit into (default bottom of chain)"),
            Opt("shallow", _B, "use backing file of top as base"),
            Opt("top", _S, "path of top file to commit from (default top of chain)"),
            Opt("active", _B, "trigger two-stage active commit of top file"),
            Opt("delete", _B, "delete files that were successfully committed"),
            Opt("wait", _B, "wait for job to complete (with --active, wait for job to sync)"),
            Opt("verbose", _B, "with --wait, display the progress"),
            Opt("timeout", _I, _TIMEOUT_HELP, req_opt=True),
            Opt("pivot", _B, "implies --active --wait, pivot when commit is synced"),
            Opt("keep-overlay", _B, "implies --active --wait, quit when commit is synced"),
            Opt("async", _B, "with --wait, don't wait for cancel to finish"),
            _RELATIVE,
            _BYTES,
        ),
        cmd_blockcommit,
    ),
    Cmd(
        "blockcopy",
        "domain",
        "Start a block copy operation.",
        "Copy a disk backing image chain to dest.",
        (
            dom_opt(),
            Opt("path", T.DATA, "fully-qualified path of source disk", req=True),
            Opt("dest", _S, "path of the copy to create"),
            _BANDWIDTH,
            Opt("shallow", _B, "make the copy share a backing chain"),
            Opt("reuse-external", _B, "reuse existing destination"),
            Opt("blockdev", _B, "copy destination is block device instead of regular file"),
            Opt("wait", _B, "wait for job to reach mirroring phase"),
            Opt("verbose", _B, "with --wait, display the progress"),
            Opt("timeout", _I, _TIMEOUT_HELP, req_opt=True),
            Opt("pivot", _B, "implies --wait, pivot when mirroring starts"),
            Opt("finish", _B, "implies --wait, quit when mirroring starts"),
            Opt("async", _B, "with --wait, don't wait for cancel to finish"),
            Opt("xml", _S, "filename containing XML description of the copy destination"),
            Opt("format", _S, "format of the destination file"),
            Opt("granularity", _I, "power-of-two granularity to use during the copy", req_opt=True),
            Opt("buf-size", _I, "maximum amount of in-flight data during the copy", req_opt=True),
            _BYTES,
            Opt("transient-job", _B, "the copy job is not persisted if VM is turned off"),
            Opt(
                "synchronous-writes",
                _B,
                "the copy job forces guest writes to be synchronously written to the destination",
            ),
            Opt(
                "print-xml",
                _B,
                "print the XML used to start the copy job instead of starting the job",
            ),
        ),
        cmd_blockcopy,
    ),
    Cmd(
        "blockjob",
        "domain",
        "Manage active block operations",
        "Query, adjust speed, or cancel active block operations.",
        (
            dom_opt(),
            _PATH,
            Opt("abort", _B, "abort the active job on the specified disk"),
            Opt("async", _B, "implies --abort; request but don't wait for job end"),
            Opt("pivot", _B, "implies --abort; conclude and pivot a copy or commit job"),
            Opt("info", _B, "get active job information for the specified disk"),
            Opt("bytes", _B, "get/set bandwidth in bytes rather than MiB/s"),
            Opt("raw", _B, "implies --info; output details rather than human summary"),
            Opt("bandwidth", _I, "set the bandwidth limit in MiB/s", req_opt=True),
        ),
        cmd_blockjob,
    ),
    Cmd(
        "blockpull",
        "domain",
        "Populate a disk from its backing image.",
        "Populate a disk from its backing image.",
        (
            dom_opt(),
            _PATH,
            _BANDWIDTH,
            Opt("base", _S, "path of backing file in chain for a partial pull"),
            Opt("wait", _B, "wait for job to finish"),
            Opt("verbose", _B, "with --wait, display the progress"),
            Opt(
                "timeout",
                _I,
                "with --wait, abort if pull exceeds timeout (in seconds)",
                req_opt=True,
            ),
            Opt("async", _B, "with --wait, don't wait for cancel to finish"),
            _RELATIVE,
            _BYTES,
        ),
        cmd_blockpull,
    ),
    Cmd(
        "blockresize",
        "domain",
        "Resize block device of domain.",
        "Resize block device of domain.",
        (
            dom_opt(),
            Opt("path", T.DATA, "Fully-qualified path of block device", req=True),
            Opt(
                "size",
                _I,
                "New size of the block device, as scaled integer (default KiB)",
                req=True,
            ),
        ),
        cmd_blockresize,
    ),
    Cmd(
        "domblkthreshold",
        "domain",
        "set the threshold for block-threshold event for a given block device or it's "
        "backing chain element",
        "set threshold for block-threshold event for a block device",
        (
            dom_opt(),
            Opt("dev", T.DATA, "device to set threshold for", req=True),
            Opt("threshold", _I, "threshold as a scaled number (by default bytes)", req=True),
        ),
        cmd_domblkthreshold,
    ),
    Cmd(
        "domxml-from-native",
        "domain",
        "Convert native config to domain XML",
        "Convert native guest configuration format to domain XML format.",
        (
            Opt("format", T.DATA, "source config data format", req=True),
            Opt("config", T.DATA, "config data file to import from", req=True),
        ),
        cmd_domxml_from_native,
    ),
    Cmd(
        "domxml-to-native",
        "domain",
        "Convert domain XML to native config",
        "Convert domain XML config to a native guest configuration format.",
        (
            Opt("format", T.DATA, "target config data type format", req=True),
            Opt("domain", _S, "domain name, id or uuid", req_opt=True),
            Opt("xml", _S, "xml data file to export from", req_opt=True),
        ),
        cmd_domxml_to_native,
    ),
]
