"""Errors tinyfw reports to the user as one line (exit status 2 or 3)."""

from __future__ import annotations

from pathlib import Path


class TinyfwError(Exception):
    """Base class: an error with a one-line message for the user."""

    exit_status = 1

    def one_line(self) -> str:
        return " ".join(str(self).split())


class InputError(TinyfwError):
    """Bad input: a file, a field or a value the user supplied. Exit status 2.

    The message names the file (and line and field where there is one).
    """

    exit_status = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class ToolMissing(TinyfwError):
    """A required external tool is not installed. Exit status 3."""

    exit_status = 3


class RunFailed(TinyfwError):
    """A build or simulation failed (compiler error, firmware fault, timeout). Exit status 1."""

    exit_status = 1
