"""cpu-baseline on qemu:///system: libvirt's x86 CPU driver as the QEMU driver answers it
(--migratable taken, the bits QEMU cannot give a guest filtered out), pyvirsh through
pyvirtd beside virsh through libvirtd, stdout, stderr and exit code equal."""

# ruff: noqa: F811 - fixtures imported from qemu_helpers are test parameters
from __future__ import annotations

import os
from pathlib import Path

from qemu_helpers import (  # noqa: F401 - fixtures
    daemon_env,
    needs_libvirtd_qemu,
    needs_qemu,
    qemu_root,
    scripts_on_both_daemons,
)
from test_cli_cpu_baseline import FILES

pytestmark = [needs_qemu, needs_libvirtd_qemu]


def test_cpu_baseline_on_the_qemu_driver_matches_libvirtd(
    daemon_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    os.chmod(tmp_path, 0o755)
    names = ["host_like.xml", "two.xml", "intel.xml", "mixed.xml", "unknown_feature.xml"]
    for name in names:
        (tmp_path / name).write_text(FILES[name])
    # (--features lists a model's own features: QEMU's and libvirt's models differ there,
    # see test_cli_cpu_baseline; the host-like CPU's model is the same in both)
    flags = {n: ["", "--migratable"] for n in names}
    flags["host_like.xml"] += ["--features", "--features --migratable"]
    script = "; ".join(f"cpu-baseline {tmp_path / n} {f}" for n in names for f in flags[n])
    want, got = scripts_on_both_daemons((script, script), "no-domain", daemon_env, ())
    assert got == want
