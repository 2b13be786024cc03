"""virsh's ``*-edit`` loop: the XML in a temporary file, the user's editor, then a redefine.

Every edit command (``edit``, ``net-edit``, ``pool-edit``, ``snapshot-edit``, and the ones for
interfaces, filters and checkpoints) does the same dance, which virsh keeps in one place
(``virsh-edit.c``) and so does pyvirsh:

1. get the object's XML and write it to ``$TMPDIR/virshXXXXXX.xml`` (mode 0600);
2. run ``$VISUAL``, else ``$EDITOR``, else the distribution's default editor on it: directly
   when the editor's name holds only harmless characters, else through ``sh -c`` (so
   ``EDITOR='vim -n'`` works), refusing a temporary name with shell metacharacters;
3. read the file back: unchanged → "not changed"; changed → fetch the XML again, and if
   someone else changed the object meanwhile, say so instead of overwriting it; else define
   the edited XML;
4. on failure, when standard input is a terminal: report the error and ask ``Try again?
   [y,n,f,?]`` (``i`` too where validation can be relaxed): edit again, give up, or force
   the define again.  Without a terminal, virsh prints the message and goes on as if the
   define had worked (its success message then names ``(null)``): pyvirsh does the same,
   so that scripts see the same bytes.

The caller supplies the object-specific parts (:class:`EditSpec`).
"""

from __future__ import annotations

import os
import sys

from pyvirt.cli._control import Control, Failure

# Not typing.TYPE_CHECKING: importing typing costs more than pyvirsh's own start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

#: Characters an editor command or temporary file name may hold without a shell (virsh's).
_ACCEPTED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/_.:@")
#: Characters that make libvirt quote an argument for the shell (virBufferEscapeShell).
_SHELL_SPECIAL = frozenset("\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")
_MAX_XML_FILE = 10 * 1024 * 1024


def default_editor() -> str:
    """Debian's virsh falls back to ``sensible-editor``; upstream's to ``vi``."""
    return "sensible-editor" if os.path.exists("/usr/bin/sensible-editor") else "vi"


class EditSpec:
    """What one edit command does with its object.

    ``get_xml()`` fetches the XML to edit; ``define(xml)`` defines the edited text and
    returns the new object's name (raising on failure); ``relax()`` (optional) turns
    validation off for the ``i`` answer.
    """

    def __init__(
        self,
        get_xml: Callable[[], str],
        define: Callable[[str], str],
        relax: Callable[[], None] | None = None,
    ) -> None:
        self.get_xml = get_xml
        self.define = define
        self.relax = relax


def shell_quote(arg: str) -> str:
    """virBufferEscapeShell: as is when nothing needs quoting, else in single quotes (how
    virsh shows a command line, and ``echo --shell``)."""
    if arg and not (set(arg) & _SHELL_SPECIAL):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


def write_temp_file(doc: str) -> str:
    """The XML in a new ``virshXXXXXX.xml`` under ``$TMPDIR`` (or /tmp), readable by the user only."""
    import tempfile

    tmpdir = os.environ.get("TMPDIR") or "/tmp"
    try:
        fd, path = tempfile.mkstemp(prefix="virsh", suffix=".xml", dir=tmpdir)
    except OSError as e:
        raise Failure(f"g_mkstemp_full: failed to create temporary file: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(doc)
    except OSError as e:
        raise Failure(f"write: {path}: failed to write to temporary file: {e.strerror}") from None
    return path


def _find_in_path(name: str) -> str | None:
    """virFindFileInPath: a name with a slash is taken as it is, else looked up in $PATH."""
    import shutil

    if "/" in name:
        return name if os.access(name, os.X_OK) and not os.path.isdir(name) else None
    return shutil.which(name) if name else None


def run_editor(path: str) -> None:
    """Run the user's editor on *path*, on this terminal; raise Failure as virsh reports it."""
    import subprocess

    editor = os.environ.get("VISUAL")
    if editor is None:
        editor = os.environ.get("EDITOR")
    if editor is None:
        editor = default_editor()
    if set(editor) <= _ACCEPTED:
        argv = [editor, path]
    else:
        if not set(path) <= _ACCEPTED:
            raise Failure(
                f"{path}: temporary filename contains shell meta or other unacceptable "
                "characters (is $TMPDIR wrong?)"
            )
        argv = ["sh", "-c", f"{editor} {path}"]
    program = _find_in_path(argv[0])
    if program is None:
        raise Failure(f"Cannot find '{argv[0]}' in path: No such file or directory")
    sys.stdout.flush()
    sys.stderr.flush()
    status = subprocess.call(argv, executable=program)
    if status != 0:
        shown = " ".join(shell_quote(a) for a in argv)
        how = f"fatal signal {-status}" if status < 0 else f"exit status {status}"
        raise Failure(f"internal error: Child process ({shown}) unexpected {how}")


def read_back(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read(_MAX_XML_FILE + 1)
    except OSError as e:
        raise Failure(f"{path}: failed to read temporary file: {e.strerror}") from None
    if len(text) > _MAX_XML_FILE:
        raise Failure(f"{path}: failed to read temporary file: File too large")
    return text


class _RawTerminal:
    """Standard input in raw mode for the whole question, as virsh's vshTTYMakeRaw: keys
    typed while the question is printed again are kept, not flushed by a mode switch."""

    def __enter__(self) -> _RawTerminal:
        import termios
        import tty

        self.fd = sys.stdin.fileno()
        self.saved = termios.tcgetattr(self.fd)
        tty.setraw(self.fd, termios.TCSANOW)
        return self

    def getch(self) -> int:
        """One key (-1 at end of input)."""
        data = os.read(self.fd, 1)
        return data[0] if data else -1

    def __exit__(self, *exc: object) -> None:
        import termios

        termios.tcsetattr(self.fd, termios.TCSAFLUSH, self.saved)


def ask_reedit(ctl: Control, msg: str, error: BaseException | None, relax: bool) -> str | None:
    """vshAskReedit: None without a terminal; else y, n, i or f as the user answers."""
    if not os.isatty(sys.stdin.fileno()):
        return None
    if error is not None:
        ctl.error(str(error))
    choices = "[y,n,i,f,?]" if relax else "[y,n,f,?]"
    with _RawTerminal() as terminal:
        while True:
            ctl.print(f"\r{msg} Try again? {choices}: ")
            ctl.out.flush()
            key = terminal.getch()
            if key < 0:
                answer = "n"  # the terminal went away: nothing more to ask
                break
            answer = chr(key).lower()
            if answer == "?":
                lines = ["", "y - yes, start editor again", "n - no, throw away my changes"]
                if relax:
                    lines.append("i - turn off validation and try to redefine again")
                lines += ["f - force, try to redefine again", "? - print this help"]
                ctl.print("".join(f"{line}\r\n" for line in lines))
                continue
            if answer in ("y", "n", "f") or (relax and answer == "i"):
                break
    ctl.print("\r\n")
    return answer


def edit_object(ctl: Control, spec: EditSpec) -> str | None:
    """The edit loop.  Returns the edited object's name, ``None`` when the text did not
    change, or ``"(null)"`` when, without a terminal to ask, a failed define is passed over as
    virsh passes it; raises Failure when the edit is abandoned."""
    doc = spec.get_xml()
    path = write_temp_file(doc)
    relax_available = spec.relax is not None
    try:
        editing = True
        while True:
            if editing:
                run_editor(path)
                edited = read_back(path)
                if edited == doc:
                    return None
            msg: str | None = None
            error: BaseException | None = None
            reread = spec.get_xml()
            if reread != doc:
                msg = "The XML configuration was changed by another user."
                doc = reread
            else:
                from pyvirt import VirtError

                try:
                    return spec.define(edited)
                except VirtError as e:
                    msg, error = "Failed.", e
            answer = ask_reedit(ctl, msg, error, relax_available)
            if answer == "y":
                editing = True
            elif answer == "f":
                editing = False
            elif answer == "n":
                raise Failure()
            elif answer == "i" and spec.relax is not None:
                spec.relax()
                relax_available = False
                editing = False
            else:
                ctl.error(msg)
                return "(null)"
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
