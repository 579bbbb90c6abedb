"""The import contracts of pyproject.toml hold on the package, and would catch a break: a copy of
the package where the domain imports a store, or a store the API's errors, fails them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    program = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(program), "--config", str(folder / "pyproject.toml")],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_package_keeps_its_contracts() -> None:
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 4 kept, 0 broken." in run.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("domain/records.py", "from ..stores import memory", "the domain imports no web, storage or kit"),
        ("domain/service.py", "import starlette", "the domain imports no web, storage or kit"),
        ("stores/memory.py", "from ..domain import errors", "the stores know nothing of HTTP"),
        ("stores/sql.py", "from ..http import wire", "the stores know nothing of HTTP"),
        ("domain/ports.py", "from ..contract import spec", "the rooms stack without circles"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    shutil.copytree(
        ROOT / "mockserver", tmp_path / "mockserver", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / "mockserver" / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    run = lint_imports(tmp_path)
    assert run.returncode != 0
    assert broken in run.stdout and "BROKEN" in run.stdout, run.stdout
