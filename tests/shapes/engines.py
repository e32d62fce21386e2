"""The validation engines every shapes case runs on: ``@pytest.mark.parametrize("engine",
ENGINES)``.  The SPARQL engine joins by adding ``"sparql"`` here."""

from __future__ import annotations

ENGINES = ["pyshacl", "sparql"]
