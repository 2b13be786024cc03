"""The command index agrees with the command modules, and a command imports only its module."""

from __future__ import annotations

import subprocess
import sys

from pyvirt.cli import _registry


def test_the_index_names_exactly_the_commands_each_module_declares() -> None:
    for module, names in _registry.MODULES.items():
        declared = [cmd.name for cmd in _registry.module_commands(module)]
        assert declared == list(names), module


def test_lookup_finds_every_command_and_nothing_else() -> None:
    table = _registry.commands()
    for name, cmd in table.items():
        assert _registry.lookup(name) is cmd
    assert _registry.lookup("bogus") is None
    assert _registry.lookup("COMMANDS") is None


def test_looking_up_list_imports_no_other_command_module() -> None:
    code = (
        "import sys\n"
        "from pyvirt.cli._registry import lookup\n"
        "assert lookup('list') is not None\n"
        "print(' '.join(m for m in sys.modules if m.startswith('pyvirt.cli.commands.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(out.stdout.split()) == {
        "pyvirt.cli.commands.monitor",
        "pyvirt.cli.commands._common",
    }
