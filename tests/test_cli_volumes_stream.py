"""``vol-upload`` / ``vol-download``: pyvirsh against virsh byte for byte where libvirt answers.

libvirt's test driver has neither (virStorageVolUpload/Download: "not supported"), so on
test:/// and test+unix:/// the comparisons cover the argument checks, the lookups, the local
file's handling (a download that fails removes only a file it created) and the error.  The
transfers themselves are compared on qemu:///system, virsh to the running libvirtd and
pyvirsh to a pyvirtd of the test's own, each on a dir pool in a temporary directory: same
output, same exit status, same bytes in the volume and in the downloaded file.
"""

from __future__ import annotations

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import VIRSH, compare, needs_virsh, pyvirsh, virsh
from daemon_helpers import start_daemon
from qemu_helpers import daemon_env, needs_qemu, qemu_root  # noqa: F401 - fixtures

MiB = 1 << 20
NEW = "vol-create-as default-pool v1 1M"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "up.txt").write_text("hi\n")
    return tmp_path


@needs_virsh
@pytest.mark.parametrize(
    "commands",
    [
        f"{NEW}; vol-upload v1 up.txt --pool default-pool",
        f"{NEW}; vol-download v1 down.bin --pool default-pool",
        f"{NEW}; vol-upload v1 up.txt --pool default-pool --sparse --offset 3 --length 1",
        f"{NEW}; vol-download v1 down.bin --pool default-pool --sparse",
        "vol-upload nosuch /nonexistent/x --pool default-pool",
        "vol-download nosuch /nonexistent/x --pool default-pool",
        f"{NEW}; vol-upload v1 /nonexistent/x --pool default-pool",
        f"{NEW}; vol-download v1 /nonexistent/x --pool default-pool",
        "vol-upload v1 up.txt --pool default-pool --offset abc",
        "vol-upload v1 up.txt --pool default-pool --offset -5",
        "vol-upload v1 up.txt --pool default-pool --length -1",
        "vol-download v1 down.bin --pool default-pool --length 1x",
        "vol-upload v1 up.txt --pool nosuch",
        "vol-upload",
        "vol-download v1",
        "help vol-upload",
        "help vol-download",
    ],
)
def test_test_driver_answers_as_virsh(uri: str, files: Path, commands: str) -> None:
    compare("-c", uri, commands, cwd=files)
    assert not (files / "down.bin").exists()  # a failed download leaves no file it created


@needs_virsh
def test_a_failed_download_truncates_an_existing_file_as_virsh_does(
    uri: str, tmp_path: Path
) -> None:
    for name, run in (("virsh", virsh), ("pyvirsh", pyvirsh)):
        where = tmp_path / name
        where.mkdir()
        (where / "keep.txt").write_text("keep\n")
        result = run("-c", uri, f"{NEW}; vol-download v1 keep.txt --pool default-pool", cwd=where)
        assert result.rc == 1
    assert (tmp_path / "pyvirsh/keep.txt").read_bytes() == (tmp_path / "virsh/keep.txt").read_bytes()


# -- the transfers, on qemu:///system --------------------------------------------------------
def _libvirtd_qemu_problem() -> str | None:
    if VIRSH is None:
        return "virsh is not installed"
    if os.geteuid() != 0:
        return "qemu:///system needs root"
    done = subprocess.run(
        [VIRSH, "-c", "qemu:///system", "uri"], capture_output=True, text=True, timeout=30
    )
    return None if done.returncode == 0 else f"libvirtd's qemu:///system: {done.stderr.strip()}"


@pytest.fixture
def both_pools(
    daemon_env: tuple[Path, dict[str, str]], qemu_root: Path
) -> Iterator[tuple[str, Path, Path]]:
    """One transient dir pool of the same name in libvirtd and in our pyvirtd; yields the
    name and both directories."""
    problem = _libvirtd_qemu_problem()
    if problem:
        pytest.skip(problem)
    rundir, env = daemon_env
    daemon = start_daemon(rundir, env=env)
    name = f"pvst-{uuid.uuid4().hex[:8]}"
    theirs, ours = qemu_root / "libvirt", qemu_root / "pyvirt"
    theirs.mkdir()
    ours.mkdir()
    os.chmod(qemu_root, 0o755)
    try:
        daemon.wait_worker("qemu")
        for run, path in ((virsh, theirs), (pyvirsh, ours)):
            xml = qemu_root / f"{path.name}.xml"
            xml.write_text(
                f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>"
            )
            created = run("-c", "qemu:///system", f"pool-define {xml}; pool-start {name}")
            assert created.rc == 0, created.err
        yield name, theirs, ours
    finally:
        virsh("-c", "qemu:///system", f"pool-destroy {name}; pool-undefine {name}")
        daemon.stop()


def _sparse_source(path: Path) -> bytes:
    with open(path, "wb") as f:
        f.truncate(4 * MiB)
        f.seek(MiB)
        f.write(os.urandom(100000))
        f.seek(3 * MiB)
        f.write(b"tail")
    return path.read_bytes()


@needs_qemu
@pytest.mark.parametrize(
    "transfer",
    [
        "vol-upload a.img SRC --pool POOL; vol-download a.img out.bin --pool POOL",
        "vol-upload a.img SRC --pool POOL --offset 4096 --length 200000; "
        "vol-download a.img out.bin --pool POOL --offset 4000 --length 300000",
        "vol-upload a.img SRC --pool POOL --sparse; vol-download a.img out.bin --pool POOL --sparse",
        "vol-upload a.img SRC --pool POOL --length 2",
        "vol-download a.img out.bin --pool POOL --offset 9000000",
        "vol-upload nosuch.img SRC --pool POOL",
        # The local file's writes run behind the transfer: their failure still ends it so.
        "vol-download a.img /dev/full --pool POOL",
        "vol-upload a.img /tmp --pool POOL",
    ],
)
def test_transfers_on_qemu_match_libvirtd(
    both_pools: tuple[str, Path, Path], tmp_path: Path, transfer: str
) -> None:
    name, theirs, ours = both_pools
    source = tmp_path / "source.img"
    _sparse_source(source)
    results = {}
    for label, run, pool_dir in (("virsh", virsh, theirs), ("pyvirsh", pyvirsh, ours)):
        where = tmp_path / label
        where.mkdir()
        commands = f"vol-create-as {name} a.img 4M; " + transfer.replace("POOL", name).replace(
            "SRC", str(source)
        )
        results[label] = run("-c", "qemu:///system", commands, cwd=where)
        out = where / "out.bin"
        vol = pool_dir / "a.img"
        results[label + " files"] = (
            out.read_bytes() if out.exists() else None,
            vol.read_bytes() if vol.exists() else None,
        )
        run("-c", "qemu:///system", f"vol-delete a.img --pool {name}")
    a, b = results["virsh"], results["pyvirsh"]
    assert (b.out, b.err, b.rc) == (a.out, a.err, a.rc)
    assert results["pyvirsh files"] == results["virsh files"]


@needs_qemu
def test_a_sparse_download_writes_a_sparse_file(
    both_pools: tuple[str, Path, Path], tmp_path: Path
) -> None:
    name, _theirs, ours = both_pools
    source = tmp_path / "source.img"
    data = _sparse_source(source)
    done = pyvirsh(
        "-c",
        "qemu:///system",
        f"vol-create-as {name} s.img 4M --allocation 0; vol-upload s.img {source} --pool {name} --sparse; "
        f"vol-download s.img {tmp_path / 'out.bin'} --pool {name} --sparse",
    )
    assert done.rc == 0, done.err
    assert (ours / "s.img").read_bytes() == data
    out = tmp_path / "out.bin"
    assert out.read_bytes() == data
    assert out.stat().st_blocks * 512 < MiB  # the holes stayed holes
    assert (ours / "s.img").stat().st_blocks * 512 < MiB


def test_the_progress_bar_is_drawn_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar is pyvirsh's own, on stderr, only when that is a terminal: piped runs (every
    comparison above) stay byte for byte virsh's."""
    import pty

    from pyvirt.cli.commands import volume_stream

    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as tty:
        monkeypatch.setattr("sys.stderr", tty)
        bar = volume_stream._Progress(4 * MiB)
        bar.add(MiB)
        bar.add(MiB)
        bar.end()
    drawn = ""
    while not drawn.endswith("\n"):  # everything was written before: no wait
        drawn += os.read(master, 4096).decode()
    os.close(master)
    assert " 25%" in drawn and " 50%" in drawn and drawn.endswith("\n")

    with open(os.devnull, "w") as pipe:
        monkeypatch.setattr("sys.stderr", pipe)
        bar = volume_stream._Progress(4 * MiB)
        assert not bar.on
