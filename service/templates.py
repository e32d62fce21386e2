"""The Jinja2 environment of the service's pages (autoescaping on)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

__all__ = ["templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
