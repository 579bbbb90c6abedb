"""Clients generated from openapi.yaml, as integrators generate them, run the README's session over
real HTTP: every answer parses into the generated types, and openapi-core finds each one the spec's."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import python_session
from clients_kit import NODE, ResponseValidator
from openapi_core.exceptions import OpenAPIError

from mockserver.contract.spec import SPEC_PATH

PACKAGE = "gamifyhost_client"
# No formatting hooks after generating: the client is read by the tests, not by people.
OPERATIONS = ("generate_codes", "list_code_batches", "verify_code", "get_code_stats", "redeem_code")
GENERATOR_CONFIG = f"package_name_override: {PACKAGE}\npost_hooks: []\n"


def test_a_python_client_generated_by_openapi_python_client_runs_the_session(
    mock_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(GENERATOR_CONFIG, encoding="utf-8")
    generator = Path(sys.executable).with_name("openapi-python-client")
    made = subprocess.run(
        [generator, "generate", "--path", SPEC_PATH, "--meta", "none", "--config", config,
         "--output-path", tmp_path / PACKAGE],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Warning" not in made.stdout + made.stderr, made.stdout + made.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module(PACKAGE)
        for module in ("models", *(f"api.codes.{operation}" for operation in OPERATIONS)):
            importlib.import_module(f"{PACKAGE}.{module}")
        exchanges = python_session.run(package, mock_url)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]
    validator = ResponseValidator(mock_url)
    for response in exchanges:
        validator.check(
            {
                "method": response.request.method,
                "url": str(response.request.url),
                "requestHeaders": dict(response.request.headers),
                "requestBody": response.request.content.decode(),
                "status": response.status_code,
                "responseHeaders": dict(response.headers),
                "responseBody": response.text,
            }
        )
    assert len(exchanges) == 13


def test_a_typescript_client_of_openapi_typescript_and_openapi_fetch_runs_the_session(
    node_bin: Path, mock_url: str, tmp_path: Path
) -> None:
    for name in ("session.ts", "tsconfig.json"):
        shutil.copy(NODE / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(NODE / "node_modules")
    (tmp_path / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    steps = [
        [node_bin / "openapi-typescript", SPEC_PATH, "--output", tmp_path / "schema.d.ts"],
        [node_bin / "tsc", "--project", tmp_path / "tsconfig.json", "--outDir", tmp_path],
    ]
    for step in steps:
        done = subprocess.run(step, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{step[0].name}: {done.stdout}{done.stderr}"
    assert "strict" in json.loads((tmp_path / "tsconfig.json").read_text())["compilerOptions"]
    code = re.sub(r"//.*", "", (tmp_path / "session.ts").read_text())
    code = re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', '""', code)  # what strings say is no code
    assert not re.search(r"\sas\s|[\w)\]]!\.|<[A-Z]\w*>\s*[\w(]", code), "a cast or a non-null assertion"
    session = subprocess.run(
        ["node", tmp_path / "session.js", mock_url], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert session.returncode == 0, session.stdout + session.stderr
    *lines, done = session.stdout.strip().splitlines()
    assert done == "session done: 13 answers"
    validator = ResponseValidator(mock_url)
    for line in lines:
        validator.check(json.loads(line))
    assert len(lines) == 13


def test_the_response_validator_refuses_an_answer_the_spec_does_not_allow(mock_url: str) -> None:
    answer = {"status": "success", "data": {"valid": "yes", "message": "Code not found"}}
    exchange = {
        "method": "POST",
        "url": f"{mock_url}/v1/campaigns/codes/verify",
        "requestHeaders": {"Content-Type": "application/json", "X-API-Secret": "sk_test_acme_mock_secret"},
        "requestBody": '{"code": "SUMM-ZZZZ2222"}',
        "status": 200,
        "responseHeaders": {"Content-Type": "application/json"},
        "responseBody": json.dumps(answer),
    }
    with pytest.raises(OpenAPIError):
        ResponseValidator(mock_url).check(exchange)
