"""The library, the service, the benchmarks and the tests are mypy clean under the project's
strict settings (``[tool.mypy]`` in pyproject.toml, with pydantic's plugin), as the style
guide asks."""

from __future__ import annotations

import subprocess
import sys

from tests.support import PROJECT


def test_the_code_is_mypy_clean() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy", "graphkit", "service", "bench", "tests"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert "Success: no issues found" in done.stdout
