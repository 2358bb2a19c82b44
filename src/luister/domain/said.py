"""Refusals in two languages: English in ``str(problem)`` (what the API and the CLI show) and Dutch
through :meth:`Said.said` (what the pages show a Dutch reader), as
:class:`~luister.organisation.processes.ProcessProblem` does for the processes."""

from __future__ import annotations


class Said(Exception):
    """A problem with the ``field`` it concerns, said in English (``message``) and Dutch (``nl``)."""

    def __init__(self, field: str, message: str, nl: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.nl = nl or message

    def said(self, language: str | None) -> str:
        """The problem in the reader's language (Dutch or English)."""
        return self.nl if (language or "").startswith("nl") else self.message
