"""virsh's credential prompt (libvirt's ``virConnectAuthPtrDefault``), for pyvirsh.

When a daemon asks for a login, the remote driver calls the auth callback with (type, prompt)
pairs; virsh answers each on the terminal: it prints ``"<prompt>: "`` on stdout, reads a line
for a name, and reads a passphrase without echo (from the terminal; a line of stdin when
stdin is not one, so that scripts and tests can pipe it in).  End of input answers "".
"""

from __future__ import annotations

import sys

#: VIR_CRED_* whose answer is secret: read without echo.
_SECRET = (5, 7)  # VIR_CRED_PASSPHRASE, VIR_CRED_NOECHOPROMPT


def _line() -> str:
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def prompt_credentials(requests: list[tuple[int, str]]) -> list[str]:
    """Ask the user for each credential in *requests*, as virsh does."""
    answers = []
    for cred, prompt in requests:
        sys.stdout.write(f"{prompt}: ")
        sys.stdout.flush()
        if cred in _SECRET and sys.stdin.isatty():
            import getpass

            answers.append(getpass.getpass(""))
        else:
            answers.append(_line())
    return answers
