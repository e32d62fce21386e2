"""The foundation a newcomer meets first: the package, `make run`/`make test`, `.ci/run`,
the skip-or-fail rule of the tests, and the one settings object."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import SecretStr

from graphkit.settings import Settings, load_settings
from tests.support import PROJECT, need, require_all


# -- the package ----------------------------------------------------------------------------
def test_distribution_metadata() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert project["project"]["name"] == "opengov-kg"
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["graphkit*",
                                                                            "service*"]
    installed = importlib.metadata.distribution("opengov-kg")
    assert installed.metadata["Requires-Python"] == ">=3.11"
    assert "test" in (installed.metadata.get_all("Provides-Extra") or [])
    scripts = {e.name: e.value for e in installed.entry_points if e.group == "console_scripts"}
    assert scripts == {"graphkit": "graphkit.cli:main"}


def test_the_console_script_runs() -> None:
    script = Path(sys.executable).parent / "graphkit"
    need(script.is_file(), f"{script} is not installed (pip install -e .)")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0
    for command in ("load", "query", "export", "synth", "serve"):
        assert command in done.stdout


# -- the two commands -------------------------------------------------------------------------
def test_readme_starts_with_the_two_commands() -> None:
    lines = [line for line in (PROJECT / "README.md").read_text().splitlines() if line.strip()]
    assert lines[1] == "```sh"
    assert lines[2].startswith("make run ") and lines[3].startswith("make test ")


def dry_run(target: str, tmp_path: Path) -> list[str]:
    """What `make TARGET` would run on a machine without the virtual environment."""
    make = shutil.which("make")
    need(make, "make is not installed")
    assert make is not None
    # as a top-level make would (under `make test` a nested make prints the directories)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    done = subprocess.run([make, "-n", "--no-print-directory", target,
                           f"VENV={tmp_path / 'fresh-venv'}"], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("target", ["run", "test"])
def test_make_creates_the_venv_and_installs_first(target: str, tmp_path: Path) -> None:
    venv = tmp_path / "fresh-venv"
    commands = dry_run(target, tmp_path)
    assert commands[0] == f"python3 -m venv {venv}"
    assert f"{venv}/bin/python -m pip install -q -e '.[test,docs]'" in commands
    last = commands[-1]
    if target == "run":
        assert last == f"{venv}/bin/graphkit serve --sync --store var/store --host 127.0.0.1 " \
                       "--port 8000"
    else:
        assert last == f"{venv}/bin/python -m pytest"


# -- CI ---------------------------------------------------------------------------------------
def fake_tools(folder: Path, present: list[str], make_exit: int) -> Path:
    """A PATH of stand-ins: the tools of ``present``, an ``apt-get`` and a ``make`` that
    write what they were asked to ``calls`` (and ``make`` exits with ``make_exit``)."""
    calls = folder / "calls"
    scripts = {name: "#!/bin/sh\nexit 0\n" for name in present}
    scripts["apt-get"] = f'#!/bin/sh\necho "apt-get $*" >> {calls}\n'
    scripts["make"] = (f'#!/bin/sh\necho "make $* REQUIRE_ALL=$GRAPHKIT_REQUIRE_ALL" >> {calls}\n'
                       f"exit {make_exit}\n")
    for name, text in scripts.items():
        (folder / name).write_text(text)
        (folder / name).chmod(stat.S_IRWXU)
    (folder / "dirname").symlink_to(shutil.which("dirname") or "/usr/bin/dirname")
    return calls


def ci(folder: Path) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    need(bash, "bash is not installed")
    assert bash is not None
    return subprocess.run([bash, str(PROJECT / ".ci" / "run")], capture_output=True, text=True,
                          timeout=60, check=False,
                          env={"PATH": str(folder), "HOME": str(folder)})


def test_ci_installs_what_is_missing_then_runs_every_test_requiring_all(tmp_path: Path) -> None:
    calls = fake_tools(tmp_path, ["virtuoso-t"], make_exit=0)  # no python3 that makes venvs
    done = ci(tmp_path)
    assert done.returncode == 0, done.stderr
    assert calls.read_text().splitlines() == [
        "apt-get update -qq", "apt-get install -y -qq python3-venv chromium npm",
        "make test REQUIRE_ALL=1"]


def test_ci_fails_when_no_test_ran(tmp_path: Path) -> None:
    """pytest exits 5 when it collected nothing: CI fails, it does not pass."""
    calls = fake_tools(tmp_path, ["python3", "virtuoso-t", "chromium", "npm"], make_exit=5)
    done = ci(tmp_path)
    assert done.returncode == 5
    assert calls.read_text().splitlines() == ["make test REQUIRE_ALL=1"]  # nothing installed


@pytest.mark.parametrize("value", ["1", ""])
def test_a_missing_requirement_skips_or_fails(monkeypatch: pytest.MonkeyPatch,
                                              value: str) -> None:
    monkeypatch.setenv("GRAPHKIT_REQUIRE_ALL", value)
    assert require_all() is (value == "1")
    expected = pytest.fail.Exception if value == "1" else pytest.skip.Exception
    with pytest.raises(expected, match="the server is not here"):
        need(False, "the server is not here")
    need(True, "not raised: the requirement is met")


# -- settings ---------------------------------------------------------------------------------
def test_settings_come_from_graphkit_variables(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    for key in [k for k in os.environ if k.startswith("GRAPHKIT_")]:
        monkeypatch.delenv(key)
    before = load_settings()
    assert (before.store_path, before.endpoint, before.write_token) == (
        Path("var/store"), None, None)
    monkeypatch.setenv("GRAPHKIT_STORE_PATH", str(tmp_path / "store"))
    monkeypatch.setenv("GRAPHKIT_ENDPOINT", "http://127.0.0.1:7878/query")
    monkeypatch.setenv("GRAPHKIT_REMOTE_USER", "dba")
    monkeypatch.setenv("GRAPHKIT_REMOTE_PASSWORD", "pw-8d1f")
    monkeypatch.setenv("GRAPHKIT_BASE_IRI", "https://example.org/kg/")
    monkeypatch.setenv("GRAPHKIT_WRITE_TOKEN", "tk-5c2e")
    monkeypatch.setenv("GRAPHKIT_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("GRAPHKIT_MAX_QUERY_LENGTH", "1000")
    monkeypatch.setenv("GRAPHKIT_MAX_BODY_BYTES", "2048")
    settings = load_settings()
    assert settings.store_path == tmp_path / "store" and settings.is_remote
    assert settings.remote_user == "dba" and isinstance(settings.remote_password, SecretStr)
    assert settings.base_iri == "https://example.org/kg/"
    assert settings.graph_iri("meta") == "https://example.org/kg/graph/meta"
    assert isinstance(settings.write_token, SecretStr)
    assert settings.write_token.get_secret_value() == "tk-5c2e"
    assert "tk-5c2e" not in repr(settings) and "pw-8d1f" not in repr(settings)
    assert (settings.query_timeout, settings.max_query_length, settings.max_body_bytes) == (
        2.5, 1000, 2048)
    assert before.base_iri == "https://w3id.org/ogkg/"  # built once; later changes not seen
    assert load_settings(store_path="", endpoint=None).store_path is None  # in memory
    with pytest.raises(ValueError, match="base_iri"):
        Settings(base_iri="https://example.org/no-slash")


def test_nothing_reads_the_environment_at_import_time() -> None:
    """Settings that do not validate break nothing until they are built."""
    env = {**os.environ, "GRAPHKIT_QUERY_TIMEOUT": "-1", "GRAPHKIT_BASE_IRI": "no-slash"}
    done = subprocess.run([sys.executable, "-c", "import graphkit, graphkit.cli, service.app"],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
