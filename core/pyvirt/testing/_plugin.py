"""pyvirt's pytest plugin (entry point ``pytest11``: ``pyvirt``): fixtures and the contract run.

Loaded by every pytest run in an environment where pyvirt is installed, so it imports nothing
of pyvirt until a fixture or the contract suite is used.

* ``pyvirt_conn``: an open connection to a private copy of ``test:///default``
  (pyvirt.testing._nodecopy), closed after the test.
* ``pyvirtd``: a real pyvirtd in a temporary runtime directory (pyvirt.testing._daemon),
  stopped after the test; ``pyvirtd.uri("test+unix:///default")`` reaches it.
* ``pytest --pyvirt-driver=URI``: runs the driver contract suite (pyvirt.testing.contract)
  against the driver serving URI; what the driver does not support is skipped and listed at
  the end of the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import pyvirt
    from pyvirt.testing._daemon import PyvirtdProcess

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pyvirt", "pyvirt driver contract")
    group.addoption(
        "--pyvirt-driver",
        metavar="URI",
        default=None,
        help="run pyvirt's driver contract suite against the driver serving URI "
        "(e.g. test:///default, qemu:///session); alone, it runs only that suite",
    )
    group.addoption(
        "--pyvirt-domain-type",
        metavar="TYPE",
        default=None,
        help="<domain type=...> for the contract's test domains (default: from the driver's "
        "type: test, qemu, ...)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pyvirt_contract: a test of pyvirt's driver contract suite")
    if config.getoption("--pyvirt-driver") is None:
        return
    from pyvirt.testing import _contract

    config.pluginmanager.register(_contract, "pyvirt-contract")
    # The suite lives in this package: collect it, alone unless paths were named.
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        config.args.append(str(CONTRACT_DIR))
    else:
        config.args[:] = [str(CONTRACT_DIR)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--pyvirt-driver") is not None:
        return
    # Without a driver the contract files are never collected; if named anyway, skip them.
    skip = pytest.mark.skip(reason="no --pyvirt-driver=URI given")
    for item in items:
        if CONTRACT_DIR in Path(str(item.path)).parents:
            item.add_marker(skip)


#: the start of a contract skip's reason (pyvirt.testing._contract.Contract.feature)
UNSUPPORTED_PREFIX = "unsupported: "


def unsupported_features(reports: list[pytest.TestReport]) -> dict[str, str]:
    """feature -> NO_SUPPORT message, from the contract's skip reports (also under xdist,
    where the skips happen in other processes and only their reports come back)."""
    found: dict[str, str] = {}
    for report in reports:
        longrepr = report.longrepr
        if not isinstance(longrepr, tuple) or len(longrepr) != 3:
            continue
        reason = str(longrepr[2]).removeprefix("Skipped: ")
        if reason.startswith(UNSUPPORTED_PREFIX):
            feature, _, message = reason[len(UNSUPPORTED_PREFIX) :].partition(" -- ")
            found.setdefault(feature, message)
    return found


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    uri = terminalreporter.config.getoption("--pyvirt-driver")
    if uri is None:
        return
    unsupported = unsupported_features(terminalreporter.stats.get("skipped", []))
    terminalreporter.section(f"pyvirt driver contract: {uri}")
    if not unsupported:
        terminalreporter.write_line("every feature of the contract is supported")
        return
    terminalreporter.write_line(f"unsupported (tests skipped): {len(unsupported)} features")
    for feature, message in sorted(unsupported.items()):
        terminalreporter.write_line(f"  {feature}: {message}")


@pytest.fixture
def pyvirt_conn(tmp_path: Path) -> Iterator[pyvirt.Connection]:
    """A connection to a private copy of ``test:///default``: change anything, nobody sees it."""
    import pyvirt
    from pyvirt.testing._nodecopy import isolated_test_uri

    with pyvirt.open(isolated_test_uri(tmp_path)) as conn:
        yield conn


@pytest.fixture
def pyvirtd() -> Iterator[PyvirtdProcess]:
    """A real pyvirtd in a temporary runtime directory; ``pyvirtd.uri(...)`` reaches it."""
    from pyvirt.testing._daemon import PyvirtdNotInstalled, running_pyvirtd

    try:
        with running_pyvirtd() as daemon:
            yield daemon
    except PyvirtdNotInstalled as exc:
        pytest.skip(str(exc))
