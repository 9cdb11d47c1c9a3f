"""What can go wrong with a dataset, in words a person can act on.

Every problem found in a file names the file, and where it can, the row and the column.
Rows are counted as a spreadsheet shows them: the header is row 1, the first data row is
row 2. An import either succeeds completely or raises :class:`ImportFailed` carrying every
problem found (up to :data:`MAX_PROBLEMS`), so a person can fix them all in one go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: How many problems one failed import reports before summarising the rest.
MAX_PROBLEMS = 20


class DatasetError(Exception):
    """Base class for every datasets error with a message meant for the person using Accord."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, row, column) and what (message).

    ``message`` is a complete sentence that already names the place, so it can be shown on
    its own; ``file``, ``row`` and ``column`` are there for tables and tests.
    """

    message: str
    file: str = ""
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


def where(file: str, row: int | None = None, column: str | None = None) -> str:
    """``"stops.csv, row 7, column 'Gender'"``: the start of a problem message."""
    parts = [file]
    if row is not None:
        parts.append(f"row {row:,}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


def problem(message: str, file: str, row: int | None = None, column: str | None = None) -> Problem:
    """A :class:`Problem` whose message starts with where it is."""
    return Problem(f"{where(file, row, column)}: {message}", file=file, row=row, column=column)


class ImportFailed(DatasetError):
    """The import did not happen. Nothing was stored; ``problems`` says why."""

    def __init__(self, problems: Sequence[Problem], *, more: int = 0) -> None:
        if not problems:
            raise ValueError("ImportFailed needs at least one problem.")
        self.problems: list[Problem] = list(problems)[:MAX_PROBLEMS]
        self.more = more + max(0, len(problems) - MAX_PROBLEMS)
        super().__init__(self.summary)

    @classmethod
    def one(
        cls, message: str, file: str = "", row: int | None = None, column: str | None = None
    ) -> ImportFailed:
        """A failure with a single problem (the message is prefixed with where it is)."""
        if file:
            return cls([problem(message, file, row, column)])
        return cls([Problem(message)])

    @property
    def summary(self) -> str:
        """Every problem on its own line, then how many more were not listed."""
        lines = [p.message for p in self.problems]
        if self.more:
            lines.append(f"... and {self.more:,} more problems of the same kinds.")
        return "\n".join(lines)

    def as_list(self) -> list[dict[str, Any]]:
        """The problems as JSON-ready dicts (what ``Upload.errors`` stores)."""
        listed = [p.as_dict() for p in self.problems]
        if self.more:
            listed.append(
                {
                    "file": "",
                    "row": None,
                    "column": None,
                    "message": f"... and {self.more:,} more problems of the same kinds.",
                }
            )
        return listed


class DatasetImmutable(DatasetError):
    """An imported dataset was about to be changed or deleted; new data means a new version."""


class UploadStateError(DatasetError):
    """The upload is not in a state that allows what was asked (e.g. importing it twice)."""
