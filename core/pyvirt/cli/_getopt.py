"""glibc ``getopt_long`` with optstring ``"+:c:d:e:hk:K:l:qrtvV"``, as virsh uses it.

The stdlib getopt stops at the first non-option too, but it cannot express ``--version``'s
optional argument nor report the errors glibc reports (unknown, ambiguous, missing and
unexpected arguments), which virsh turns into its own messages.  So this is a small re-creation.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Iterator

SHORT_WITH_ARG = set("cdekKl")
SHORT_FLAGS = set("hqrtvV")
#: long name -> (short letter, has_arg: 0 none, 1 required, 2 optional)
LONG = {
    "connect": ("c", 1),
    "debug": ("d", 1),
    "escape": ("e", 1),
    "help": ("h", 0),
    "keepalive-interval": ("k", 1),
    "keepalive-count": ("K", 1),
    "log": ("l", 1),
    "quiet": ("q", 0),
    "readonly": ("r", 0),
    "timing": ("t", 0),
    "version": ("v", 2),
}


class OptError(Exception):
    """kind ':' (missing argument, with the letter) or '?' (unsupported; letter or text)."""

    def __init__(self, kind: str, letter: str = "", text: str = "", long: bool = False) -> None:
        super().__init__(kind, letter, text)
        self.kind = kind
        self.letter = letter
        self.text = text
        self.long = long


class GetOpt:
    """Iterate over leading options as ``(letter, value, was_long)``, raising OptError when
    reaching a bad one (so an earlier ``-h`` wins, as with glibc); ``rest`` holds the operands."""

    def __init__(self, args: list[str]) -> None:
        self.args = args
        self.rest: list[str] = []

    def __iter__(self) -> Iterator[tuple[str, str | None, bool]]:
        args = self.args
        i = 0
        self.rest = []
        while i < len(args):
            a = args[i]
            if a == "--":
                i += 1
                break
            if not a.startswith("-") or a == "-":
                break
            i += 1
            if a.startswith("--"):
                name, eq, value = a[2:].partition("=")
                matches = [n for n in LONG if n == name] or [n for n in LONG if n.startswith(name)]
                if len(matches) != 1:
                    raise OptError("?", text=a)
                letter, has_arg = LONG[matches[0]]
                if has_arg == 0:
                    if eq:
                        raise OptError("?", letter=letter)
                    yield letter, None, True
                elif has_arg == 2:
                    yield letter, (value if eq else None), True
                else:
                    if not eq:
                        if i >= len(args):
                            raise OptError(":", letter=letter, long=True)
                        value = args[i]
                        i += 1
                    yield letter, value, True
                continue
            j = 1
            while j < len(a):
                c = a[j]
                j += 1
                if c in SHORT_FLAGS:
                    yield c, None, False
                elif c in SHORT_WITH_ARG:
                    if j < len(a):
                        value = a[j:]
                    elif i < len(args):
                        value = args[i]
                        i += 1
                    else:
                        raise OptError(":", letter=c)
                    yield c, value, False
                    break
                else:
                    raise OptError("?", letter=c)
        self.rest = args[i:]
