"""Reading :func:`~graphkit.analytics.snapshot.fetch`'s SELECT answers from a store that is
not the embedded one: in pages well under any server's row cap, in a deterministic order.

Servers cap answers (Virtuoso never returns more than 1,048,576 rows, whatever its
``ResultSetMaxRows``; Debian's ``virtuoso.ini`` says 10,000), and ``ORDER BY`` with
``LIMIT``/``OFFSET`` sorts the whole answer again for every page, which is slow at
millions of rows. So a query is split by a hash of its rows:

1. ``COUNT(*)`` of the query's pattern says how many rows to expect;
2. up to ``page_size`` rows: one request (``LIMIT page_size + 1``);
3. more: ``ceil(2 * count / page_size)`` buckets, each the rows whose values'
   ``MD5(CONCAT(STR(?s), STR(?p), ...))`` begins within one range of 4-hex-digit prefixes
   (a blank node, which has no string form, counting as ``""``), each asked with ``LIMIT page_size + 1``: the buckets are disjoint and together hold every row, and
   equal rows share a bucket, so ``DISTINCT`` stays exact;
4. a bucket that comes back fuller than ``page_size`` (unlucky hashing, or rows added
   meanwhile) is split in four and asked again; one that cannot be split (rows that
   differ in blank nodes alone hash alike) is read with ``ORDER BY`` every variable and
   ``LIMIT``/``OFFSET``;
   a page the server marks as cut at its own row cap is split likewise;
5. fewer rows in all than the count (a server that cut a page without saying so) raises
   :class:`~graphkit.errors.StoreError` too: never a silently shorter snapshot.

The rows are then sorted, so the snapshot built from them is the same whether it was read
in one request or in many, and from whichever server.

>>> bucket_filter("s", 0, 65_536)
'FILTER(true)'
"""

from __future__ import annotations

from collections.abc import Iterator

from graphkit.errors import AnswerCutError, StoreError, UsageError
from graphkit.stores.base import Store

__all__ = ["DEFAULT_PAGE_SIZE", "bucket_filter", "paged_rows", "values"]

#: Rows per request: under half Virtuoso's hard ceiling (1,048,576), so that a bucket that
#: hashes unevenly is still far from it, and large enough that each relation of the
#: ≈5 M-triple graph (at most about 700,000 rows per predicate) takes two or three scans:
#: every bucket is a scan of the whole relation, so smaller pages cost time quadratically.
#: A server whose cap is lower (its answer marked as cut) gets smaller buckets.
DEFAULT_PAGE_SIZE = 400_000
#: The hash space the buckets share: the first 4 hex digits of an MD5.
HASH_SPACE = 16 ** 4
_SPLIT = 4


def values(store: Store, query: str, names: list[str]) -> Iterator[tuple[str, ...]]:
    """Rows of a SELECT as tuples of lexical values (unbound: empty string).

    Solutions are read by position, which is several times faster than by name.
    """
    result = store.query(query)
    positions = [result.variables.index(n) for n in names]
    for solution in result:
        terms = [solution[i] for i in positions]
        yield tuple("" if term is None else term.value for term in terms)


def bucket_filter(key: str, low: int, high: int) -> str:
    """The FILTER keeping the rows whose ``?key`` hashes into ``[low, high)`` of
    :data:`HASH_SPACE`. A blank node, which has no string form, hashes as ``""``: a
    function of the row all the same, so every row falls in exactly one bucket."""
    digest = f'SUBSTR(MD5(COALESCE(STR(?{key}), "")), 1, 4)'
    bounds = []
    if low > 0:
        bounds.append(f'{digest} >= "{low:04x}"')
    if high < HASH_SPACE:
        bounds.append(f'{digest} < "{high:04x}"')
    return f"FILTER({' && '.join(bounds) or 'true'})"


def paged_rows(store: Store, query: str, names: list[str], *,
               page_size: int | None) -> list[tuple[str, ...]]:
    """Every row of ``query`` (a ``SELECT [DISTINCT] ?vars WHERE { ... }`` projecting
    ``names``, the first the subject to split by), sorted; in pages of at most ``page_size`` rows
    (``None``: one request)."""
    if page_size is None:
        return sorted(values(store, query, names))
    if page_size < 1:
        raise UsageError(f"page_size must be at least 1 row, got {page_size}")
    head, pattern = _split(query)
    expected = _count(store, head, pattern)
    if expected <= page_size:
        rows = _page(store, query, names, page_size)
        if rows is None:  # rows were added since the count
            rows = _buckets(store, head, pattern, names, page_size, 2)
    else:
        rows = _buckets(store, head, pattern, names, page_size,
                        min(HASH_SPACE, -(-5 * expected // (4 * page_size))))
    if len(rows) < expected:
        raise StoreError(
            f"{store!r} sent {len(rows):,} of the {expected:,} rows it counted for "
            f"{_name(query)}: it cut a page without saying so (a row cap below {page_size:,}?)"
            " or data was removed meanwhile; read again, or lower the page size")
    rows.sort()
    return rows


def _split(query: str) -> tuple[str, str]:
    """``query`` as (prologue and projection, ``{ pattern }``)."""
    where = query.index("WHERE")
    return query[:where], query[where + len("WHERE"):].strip()


def _count(store: Store, head: str, pattern: str) -> int:
    prologue = head[:head.index("SELECT")]
    projection = head[head.index("SELECT"):]
    if "DISTINCT" in projection:  # the distinct rows, as the query returns them
        inner = f"{{ {projection} WHERE {pattern} }}"
    else:
        inner = pattern
    rows = list(values(store, f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {inner}", ["n"]))
    if len(rows) != 1 or not rows[0][0].isdigit():
        raise StoreError(f"{store!r} answered a COUNT with {rows[:2]!r}, not one number")
    return int(rows[0][0])


def _page(store: Store, query: str, names: list[str],
          page_size: int) -> list[tuple[str, ...]] | None:
    """The rows of ``query`` if there are at most ``page_size`` of them, else ``None``."""
    try:
        rows = list(values(store, f"{query} LIMIT {page_size + 1}", names))
    except AnswerCutError:  # the server's row cap is below the page size: split further
        return None
    return rows if len(rows) <= page_size else None


def _buckets(store: Store, head: str, pattern: str, names: list[str], page_size: int,
             count: int) -> list[tuple[str, ...]]:
    body = pattern.rstrip()
    if not body.endswith("}"):
        raise UsageError(f"cannot page a query whose pattern does not end in '}}': {body!r}")
    rows: list[tuple[str, ...]] = []
    ranges = [(HASH_SPACE * i // count, HASH_SPACE * (i + 1) // count) for i in range(count)]
    while ranges:
        low, high = ranges.pop()
        query = f"{head}WHERE {body[:-1]} {bucket_filter(names[0], low, high)} }}"
        page = _page(store, query, names, page_size)
        if page is not None:
            rows.extend(page)
            continue
        if high - low == 1:
            rows.extend(_ordered(store, query, names, page_size))
            continue
        step = max(1, (high - low) // _SPLIT)
        ranges.extend((start, min(start + step, high)) for start in range(low, high, step))
    return rows


def _ordered(store: Store, query: str, names: list[str],
             page_size: int) -> Iterator[tuple[str, ...]]:
    """The rows of one bucket that hashing cannot split (rows that differ in blank nodes
    alone, or the same row from several graphs), in pages of ``ORDER BY`` every variable:
    a total order up to equal rows, which are interchangeable."""
    order = " ".join(f"?{name}" for name in names)
    offset = 0
    while True:
        page = list(values(store, f"{query} ORDER BY {order} LIMIT {page_size} "
                                  f"OFFSET {offset}", names))
        yield from page
        if len(page) < page_size:
            return
        offset += page_size


def _name(query: str) -> str:
    """A short name of one of fetch()'s queries for messages."""
    select = query[query.index("SELECT"):]
    return " ".join(select.split())[:90]
