"""Fixtures files: loud failures at start-up, directories merged; and the command line end to end."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_kit import ACME_TEST, DOCS_BODY

from mockserver import FixtureError, create_app
from mockserver.kit.serving import free_port

GLOBEX_TEST = "sk_test_globex_mock_secret"


def document(**top: Any) -> dict[str, Any]:
    """A valid fixtures document: Acme with summer-promo and one batch holding a known code."""
    batch = {
        "batchSize": 10,
        "pointsValue": 5,
        "createdAt": "2025-07-15T10:00:00Z",
        "codes": ["SUMM-AX7K9M2P"],
    }
    campaign = {"slug": "summer-promo", "name": "Summer", "environment": "TEST", "status": "active"}
    acme = {
        "name": "Acme",
        "applications": [{"name": "Acme app", "keys": [{"secret": ACME_TEST}]}],
        "campaigns": [{**campaign, "batches": [batch]}],
    }
    return {"partners": [acme], **top}


def acme_campaign(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["partners"][0]["campaigns"][0]


def with_batch(**changes: Any) -> dict[str, Any]:
    doc = document()
    acme_campaign(doc)["batches"][0].update(changes)
    return doc


def with_campaign(**changes: Any) -> dict[str, Any]:
    doc = document()
    acme_campaign(doc).update(changes)
    return doc


def duplicate_secret() -> dict[str, Any]:
    doc = document()
    doc["partners"].append(
        {"name": "Globex", "applications": [{"name": "G", "keys": [{"secret": ACME_TEST}]}]}
    )
    return doc


def duplicate_campaign() -> dict[str, Any]:
    doc = document()
    doc["partners"][0]["campaigns"].append(
        {"slug": "summer-promo", "name": "Again", "environment": "TEST", "status": "paused"}
    )
    return doc


def duplicate_code() -> dict[str, Any]:
    doc = document()
    acme_campaign(doc)["batches"].append(acme_campaign(doc)["batches"][0])
    return doc


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("partners: [\n  - name: Acme\n   bad: [", r"YAML", id="invalid-yaml"),
        pytest.param(document(colour="red"), r"colour", id="unknown-top-level-key"),
        pytest.param(with_campaign(budget=10), r"budget", id="unknown-campaign-key"),
        pytest.param(with_batch(batchSize=0), r"batchSize", id="batch-size-0"),
        pytest.param(with_batch(pointsValue=0), r"pointsValue", id="points-value-0"),
        pytest.param(with_batch(createdAt="yesterday"), r"createdAt", id="bad-created-at"),
        pytest.param(with_batch(codes=["SUMM-AX7K9M2O"]), r"SUMM-AX7K9M2O", id="code-with-letter-o"),
        pytest.param(with_batch(codes=["SUMM-ax7k9m2p"]), r"SUMM-ax7k9m2p", id="code-lower-case"),
        pytest.param(with_batch(codes=["WINT-AX7K9M2P"]), r"WINT-AX7K9M2P", id="code-of-another-prefix"),
        pytest.param(
            with_batch(batchSize=1, codes=["SUMM-AX7K9M2P", "SUMM-BF3D8N4Q"]),
            r"batchSize|codes",
            id="too-many",
        ),
        pytest.param(duplicate_code(), r"repeat|twice|duplicate|already", id="duplicate-code"),
        pytest.param(duplicate_secret(), r"secret.*(twice|duplicate|more than once)", id="duplicate-secret"),
        pytest.param(duplicate_campaign(), r"summer-promo", id="duplicate-campaign-slug"),
        pytest.param(with_campaign(status="archived"), r"archived|status", id="unknown-status"),
        pytest.param(
            {
                "partners": [
                    {"name": "X", "applications": [{"name": "A", "keys": [{"secret": "pk_test_abcdefgh"}]}]}
                ]
            },
            r"pk_test|secret",
            id="public-key",
        ),
        pytest.param("", r"object|empty|top level", id="empty-file"),
    ],
)
def test_bad_fixtures_stop_start_up_naming_file_and_problem(
    write_fixtures: Callable[..., Path], content: Any, problem: str
) -> None:
    path = write_fixtures(content, name="broken.yaml")
    with pytest.raises(FixtureError) as raised:
        create_app(path)
    message = str(raised.value)
    assert str(path) in message
    assert re.search(problem, message.replace(str(path), ""), re.IGNORECASE), message


def test_duplicate_secret_error_does_not_reveal_the_secret(write_fixtures: Callable[..., Path]) -> None:
    with pytest.raises(FixtureError) as raised:
        create_app(write_fixtures(duplicate_secret()))
    assert ACME_TEST not in str(raised.value)


def test_valid_fixture_document_starts(
    write_fixtures: Callable[..., Path], api_for: Callable[..., Any]
) -> None:
    api = api_for(create_app(write_fixtures(document())))
    assert api.total() == 1
    assert api.list_batches(slug="summer-promo").json()["data"]["batches"][0]["label"] is None


def test_missing_fixtures_path_is_a_fixture_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(FixtureError, match=re.escape(str(missing))):
        create_app(missing)


def test_empty_fixtures_directory_is_a_fixture_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FixtureError, match=re.escape(str(tmp_path / "empty"))):
        create_app(tmp_path / "empty")


def test_fixtures_directory_merges_its_files(
    tmp_path: Path, write_fixtures: Callable[..., Path], api_for: Callable[..., Any]
) -> None:
    folder = tmp_path / "many"
    write_fixtures(document(), name="acme.yaml", folder=folder)
    globex = {"name": "Globex", "applications": [{"name": "G", "keys": [{"secret": GLOBEX_TEST}]}]}
    globex["campaigns"] = [
        {"slug": "winter-sale", "name": "Winter", "environment": "TEST", "status": "active"}
    ]
    write_fixtures({"partners": [globex]}, name="globex.yml", folder=folder)
    (folder / "notes.txt").write_text("not a fixtures file", encoding="utf-8")
    api = api_for(create_app(folder))
    assert api.total("summer-promo", ACME_TEST) == 1
    assert api.total("winter-sale", GLOBEX_TEST) == 0
    assert api.list_batches(GLOBEX_TEST, slug="summer-promo").status_code == 404


def test_fixtures_public_base_url_sets_the_game_url(
    write_fixtures: Callable[..., Path], api_for: Callable[..., Any]
) -> None:
    api = api_for(create_app(write_fixtures(document(publicBaseUrl="https://play.example.test"))))
    data = api.generated(batchSize=1)
    assert data["gameUrl"] == "https://play.example.test/campaign/summer-promo"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=30, cwd=cwd
    )


def test_cli_help_lists_its_options(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--host", "--port", "--fixtures", "--no-access-log"):
        assert option in result.stdout


@pytest.mark.parametrize("content", ["partners: [", None], ids=["invalid-yaml", "missing-file"])
def test_cli_refuses_bad_fixtures_naming_the_file(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "bad-fixtures.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run_cli("--fixtures", str(path), "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode != 0
    assert "bad-fixtures.yaml" in result.stderr


def wait_until_answering(base_url: str, process: subprocess.Popen[str], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited with {process.returncode}"
        try:
            httpx.get(f"{base_url}/v1/campaigns/codes/batches", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"the server did not answer on {base_url} within {seconds} s")


def test_cli_serves_the_docs_curl_example_end_to_end(
    tmp_path: Path, http_client_for: Callable[[str], httpx.Client]
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_answering(base_url, process)
        http = http_client_for(base_url)
        response = http.post(
            "/v1/campaigns/codes/generate",
            json=DOCS_BODY,
            headers={"X-API-Secret": ACME_TEST, "Content-Type": "application/json"},
        )
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["count"] == len(data["codes"]) == 100
        assert all(re.fullmatch(r"SUMM-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}", code) for code in data["codes"])
        listed = http.get(
            "/v1/campaigns/codes/batches",
            params={"slug": "summer-promo"},
            headers={"X-API-Secret": ACME_TEST},
        )
        assert listed.json()["data"]["batches"][0] == data["batch"]
    finally:
        process.terminate()
        try:
            _, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    assert "POST /v1/campaigns/codes/generate" not in stderr  # --no-access-log
    assert ACME_TEST not in stderr  # D2: secrets are never logged
