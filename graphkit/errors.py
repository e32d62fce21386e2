"""The one exception tree of graphkit.

Every error graphkit raises on purpose derives from :class:`GraphkitError` and from the
built-in exception a caller would catch without knowing graphkit::

    GraphkitError
    ├── UsageError(ValueError)            bad option or argument (CLI exit 2)
    ├── InputError(ValueError)            unreadable input: file missing, unknown format (exit 2)
    │   ├── RdfSyntaxError(SyntaxError)   RDF that does not parse; carries file, line, column
    │   └── ConversionError               a CSV template or Popolo document that cannot be
    │                                     turned into RDF; carries its located problems
    ├── QueryError(ValueError)            a query or update that failed on the data (exit 1)
    │   ├── QuerySyntaxError(SyntaxError) SPARQL that does not parse; carries line, column
    │   ├── QueryTimeoutError(TimeoutError)  the query ran past its time limit
    │   └── ForbiddenQueryError(PermissionError)  e.g. SERVICE to a host not allowed
    ├── StoreError(OSError)               the store could not be opened, read or written
    │   └── RemoteStoreError              the remote server answered with an error
    │       └── AnswerCutError            it cut the answer at its row cap (Virtuoso's
    │                                     ResultSetMaxRows): a part, not the whole
    └── ConformanceError(ValueError)      data does not conform to the shapes (exit 1)

:class:`GraphkitError.exit_code` gives the CLI exit code documented in the README.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AnswerCutError",
    "ConformanceError",
    "ConversionError",
    "ForbiddenQueryError",
    "GraphkitError",
    "InputError",
    "InputProblem",
    "QueryError",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "RdfSyntaxError",
    "RemoteStoreError",
    "StoreError",
    "UsageError",
]


class GraphkitError(Exception):
    """Root of every error graphkit raises on purpose."""

    exit_code: int = 1


class UsageError(GraphkitError, ValueError):
    """An option or argument that cannot be used as given."""

    exit_code = 2


class InputError(GraphkitError, ValueError):
    """Input that cannot be read: a missing file, an unknown format, a bad encoding."""

    exit_code = 2


class _Located:
    """Mixin for errors that point at a place in a text: file, line and column (1-based)."""

    def _locate(self, message: str, *, file: str | Path | None, line: int | None,
                column: int | None) -> str:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        # the attributes of a built-in SyntaxError, for code that reads those
        self.msg = message
        self.filename = self.file
        self.lineno = line
        self.offset = column
        return self.where() + message

    def __str__(self) -> str:
        return self.where() + self.message

    def where(self) -> str:
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts) + ": " if parts else ""


class RdfSyntaxError(_Located, InputError, SyntaxError):
    """RDF text that does not parse."""

    def __init__(self, message: str, *, file: str | Path | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(self._locate(message, file=file, line=line, column=column))


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with an input, and where: a spreadsheet ``row`` (1 is the header)
    and ``column`` name for a CSV template, a ``line`` and ``column`` number for text that
    does not parse, a ``path`` such as ``memberships[3].person_id`` inside a JSON document."""

    message: str
    row: int | None = None
    line: int | None = None
    column: int | str | None = None
    path: str | None = None

    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}" if isinstance(self.column, int)
                         else f"column {self.column!r}")
        if self.path is not None:
            parts.append(self.path)
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, object]:
        """The problem as JSON-ready data, keys with no value left out."""
        fields = {"row": self.row, "line": self.line, "column": self.column,
                  "path": self.path, "message": self.message}
        return {key: value for key, value in fields.items() if value is not None}


class ConversionError(InputError):
    """A CSV template or Popolo document that cannot be turned into RDF: every problem
    found, each with its place (:class:`InputProblem`). ``str()`` gives the first few."""

    def __init__(self, message: str, *, problems: Sequence[InputProblem] = (),
                 file: str | Path | None = None) -> None:
        self.message = message
        self.problems = tuple(problems)
        self.file = str(file) if file is not None else None
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        prefix = f"{self.file}: " if self.file else ""
        super().__init__(f"{prefix}{message}" + (f": {shown}{more}" if shown else ""))


class QueryError(GraphkitError, ValueError):
    """A SPARQL query or update that failed."""


class QuerySyntaxError(_Located, QueryError, SyntaxError):
    """SPARQL text that does not parse."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(self._locate(message, file=file, line=line, column=column))


class QueryTimeoutError(QueryError, TimeoutError):
    """A query that ran past its time limit and was stopped."""


class ForbiddenQueryError(QueryError, PermissionError):
    """A query asking for something the server does not allow (e.g. SERVICE)."""


class StoreError(GraphkitError, OSError):
    """The store could not be opened, read or written."""


class RemoteStoreError(StoreError):
    """A remote SPARQL or Graph Store server answered with an error."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AnswerCutError(RemoteStoreError):
    """The remote server answered only the first ``rows`` rows (or triples) of a longer
    answer, at its row cap (Virtuoso's ``ResultSetMaxRows``). Callers that page their reads
    catch it to ask for smaller pages; elsewhere it is an error, never a silent part."""

    def __init__(self, message: str, *, rows: int | None = None) -> None:
        super().__init__(message)
        self.rows = rows


class ConformanceError(GraphkitError, ValueError):
    """Data that does not conform to the shapes."""


_POSITION = re.compile(r"(?:at )?line (\d+)(?:,? column (\d+))?|(\d+):(\d+)")


def position_of(error: SyntaxError) -> tuple[int | None, int | None]:
    """Line and column (1-based) of a parser's :class:`SyntaxError`, where it says.

    pyoxigraph sets ``lineno``/``offset``; other parsers put the place into the message.
    """
    line = getattr(error, "lineno", None)
    column = getattr(error, "offset", None)
    if line:
        return int(line), int(column) if column else None
    match = _POSITION.search(str(error))
    if not match:
        return None, None
    groups = match.groups()
    if groups[0]:
        return int(groups[0]), int(groups[1]) if groups[1] else None
    return int(groups[2]), int(groups[3])
