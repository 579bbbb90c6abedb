"""D10: the mock serves its own openapi.yaml and a Swagger UI page, with no network at run time."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml
from helpers_kit import admin_data, plain_client
from starlette.testclient import TestClient

import mockserver
from mockserver import create_app

SPEC_FILE = Path(__file__).resolve().parents[1] / "openapi.yaml"


@pytest.fixture
def mock() -> TestClient:
    return plain_client(create_app())


def test_openapi_yaml_is_the_contract_file_as_yaml(mock: TestClient) -> None:
    response = mock.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/yaml"
    assert response.content == SPEC_FILE.read_bytes()


def test_the_mocks_own_routes_are_not_in_the_contract() -> None:
    paths = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))["paths"]
    assert not [path for path in paths if path.startswith(("/__mock", "/docs", "/openapi"))]


def test_docs_page_loads_swagger_ui_from_the_mock_itself(mock: TestClient) -> None:
    page = mock.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "the page must not load from the network"
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", page.text)
    assert sorted(assets) == ["docs/static/swagger-ui-bundle.js", "docs/static/swagger-ui.css"]
    assert 'url: "openapi.yaml"' in page.text
    for asset in assets:
        response = mock.get(f"/{asset}")
        assert response.status_code == 200 and len(response.content) > 10_000, asset


def test_a_missing_docs_asset_is_a_404_envelope(mock: TestClient) -> None:
    response = mock.get("/docs/static/nope.js")
    assert response.status_code == 404 and response.json()["code"] == 404


def test_docs_and_spec_stay_with_the_admin_api_off_and_are_not_journalled() -> None:
    quiet = plain_client(create_app(admin=False))
    assert quiet.get("/docs").status_code == quiet.get("/openapi.yaml").status_code == 200
    client = plain_client(create_app())
    client.get("/docs")
    client.get("/openapi.yaml")
    assert admin_data(client.get("/__mock/requests"))["requests"] == []


def test_docs_are_served_over_real_http() -> None:
    with mockserver.running() as mock:
        assert httpx.get(f"{mock.base_url}/docs").status_code == 200
        spec = yaml.safe_load(httpx.get(f"{mock.base_url}/openapi.yaml").content)
        assert spec["info"]["title"] == "GamifyHost Codes API"


def test_an_app_given_its_spec_serves_that_spec() -> None:
    spec = mockserver.load_spec()
    served = plain_client(create_app(spec=spec)).get("/openapi.yaml")
    assert served.status_code == 200
    assert yaml.safe_load(served.content) == yaml.safe_load(SPEC_FILE.read_bytes())
