"""Plain-text tables of query answers, for people at a terminal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from graphkit.namespaces import compact

__all__ = ["format_table", "term_text"]


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    """A short readable form of an RDF term: prefixed IRIs, plain literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value}@{term.language}"
        return term.value
    return f"<< {term_text(term.subject)} {term_text(term.predicate)} {term_text(term.object)} >>"


def format_table(columns: Sequence[str], rows: Iterable[Sequence[str]], *,
                 max_width: int = 60) -> str:
    """Columns padded to their widest cell (cut at ``max_width``), with a rule under the head."""
    cells = [[_cut(c, max_width) for c in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
