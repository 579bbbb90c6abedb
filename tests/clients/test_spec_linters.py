"""openapi.yaml as linters and validators read it: no error, no warning."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from mockserver.contract.spec import SPEC_PATH


def test_openapi_spec_validator_finds_the_spec_valid() -> None:
    document, _ = read_from_filename(str(SPEC_PATH))
    validate(document)


def test_spectral_oas_ruleset_finds_nothing(node_bin: Path, tmp_path: Path) -> None:
    ruleset = tmp_path / ".spectral.yaml"
    ruleset.write_text('extends: ["spectral:oas"]\n', encoding="utf-8")
    lint = subprocess.run(
        [node_bin / "spectral", "lint", SPEC_PATH, "--ruleset", ruleset, "--fail-severity", "hint"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "No results with a severity of 'hint' or higher found!" in lint.stdout, lint.stdout


def test_redocly_recommended_ruleset_finds_nothing(node_bin: Path, tmp_path: Path) -> None:
    lint = subprocess.run(
        [node_bin / "redocly", "lint", SPEC_PATH, "--extends", "recommended", "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    report = json.loads(lint.stdout)
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, report["problems"]
