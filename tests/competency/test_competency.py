"""Competency questions: each ``tests/competency/*.rq`` asks the curated graph a question a
researcher would ask of the source documents and states the answer the text gives.

Header (``#+`` lines, YAML)::

    #+ question: Which organisations co-chair the Legislative Openness Working Group?
    #+ source: open-parliament-e-network-page
    #+ answer: The Congress of Chile and the National Democratic Institute.
    #+ expect:
    #+   - https://w3id.org/ogkg/id/org/congress-of-chile
    #+   - https://w3id.org/ogkg/id/org/ndi

``expect`` is the set of values (IRIs or literal lexical forms) of the query's first
variable, or ``true``/``false`` for an ASK query. docs/competency-questions.md lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from graphkit.load import sync_project
from graphkit.settings import Settings
from graphkit.stores import OxigraphStore, QueryKind
from tests.support import value

HERE = Path(__file__).parent
PROJECT = HERE.parent.parent
QUERIES = sorted(HERE.glob("*.rq"))


def header(path: Path) -> dict[str, Any]:
    lines = [line[3:] for line in path.read_text(encoding="utf-8").splitlines()
             if line.startswith("#+ ")]
    meta = yaml.safe_load("\n".join(lines))
    if not isinstance(meta, dict) or not {"question", "answer", "expect"} <= set(meta):
        raise ValueError(f"{path}: the #+ header needs question, answer and expect")
    return meta


@pytest.fixture(scope="module")
def curated() -> OxigraphStore:
    store = OxigraphStore()
    sync_project(store, Settings(store_path=None, project_root=PROJECT))
    return store


def test_there_are_at_least_30_questions() -> None:
    assert len(QUERIES) >= 30


def test_every_question_is_documented() -> None:
    doc = (PROJECT / "docs" / "competency-questions.md").read_text(encoding="utf-8")
    missing = [p.name for p in QUERIES if p.name not in doc]
    assert missing == []


def test_the_documented_table_is_the_one_the_headers_render() -> None:
    """docs/competency-questions.md states each question and answer as its query's header
    does (regenerate with ``python -m tests.competency.render``)."""
    from tests.competency.render import render

    doc = (PROJECT / "docs" / "competency-questions.md").read_text(encoding="utf-8")
    assert doc == render()
    assert doc.count("\n| ") - 1 == len(QUERIES)  # one table row per query, after the header row


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_question_is_answered_as_the_text_says(path: Path, curated: OxigraphStore) -> None:
    meta = header(path)
    result = curated.query(path.read_text(encoding="utf-8"))
    if result.kind is QueryKind.ASK:
        assert result.boolean is meta["expect"], meta["question"]
        return
    assert result.kind is QueryKind.SELECT
    first = result.variables[0]
    found = {value(row[first]) for row in result.rows() if first in row}
    assert found == {str(v) for v in meta["expect"]}, meta["question"]
