"""The exceptions rlopt raises, so that every command can turn them into one clear line on stderr."""

from __future__ import annotations


class RloptError(Exception):
    """Base of every error rlopt reports to a user (one line, no traceback)."""


class ToolchainError(RloptError):
    """No supported LLVM installation was found, or a tool is missing from it."""


class InputError(RloptError):
    """The input file is missing, unreadable, or not LLVM IR."""


class OutputError(RloptError):
    """The output could not be written."""


class ToolError(RloptError):
    """An LLVM tool (or the in-process engine) failed; carries the tool's own message."""

    def __init__(self, tool: str, message: str, returncode: int | None = None):
        self.tool = tool
        self.returncode = returncode
        self.detail = message.strip()
        first = _first_meaningful_line(self.detail) or f"exit status {returncode}"
        super().__init__(f"{tool}: {first}")


class PipelineError(ToolError):
    """LLVM cannot parse a pipeline text. Worded alike whichever backend found it (the engine or ``opt``):
    ``invalid pipeline 'TEXT': LLVM's reason``."""

    def __init__(self, tool: str, pipeline: str, reason: str):
        self.pipeline, self.reason = pipeline, _first_meaningful_line(reason)
        text = f"invalid pipeline '{pipeline}'"
        super().__init__(tool, text if self.reason in ("", text) else f"{text}: {self.reason}")

    def __str__(self) -> str:
        return self.detail


class ToolTimeout(ToolError):
    """An LLVM tool did not finish within its time limit (a hanging pass)."""

    def __init__(self, tool: str, seconds: float):
        super().__init__(tool, f"timed out after {seconds:g} s")
        self.seconds = seconds


class ToolCrash(ToolError):
    """An LLVM tool died from a signal (a crashing pass)."""


class Terminated(BaseException):
    """A signal that ends the process (SIGTERM from ``timeout``, ``kill`` or make's cleanup; SIGHUP, SIGQUIT):
    raised from its handler so that the work unwinds like Ctrl-C (children stopped, temporary files removed, no
    partial output); the entry point then ends as the signal would (``rlopt``: exit 143; ``rlopt-cc``: dies of
    it, as clang would have)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @staticmethod
    def handler(signum: int, frame: object) -> None:
        """A signal handler that raises it."""
        raise Terminated(signum)


def _first_meaningful_line(text: str) -> str:
    """LLVM prints 'tool: file:line: error: msg' and then context; the first error line is the useful one.

    Some fatal messages say no "error" and follow warnings ("unrecognized architecture"): then the first line
    that is not a warning.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if "error" in ln.lower():
            return ln
    serious = [ln for ln in lines if "warning:" not in ln.lower()]
    return (serious or lines or [""])[0]
