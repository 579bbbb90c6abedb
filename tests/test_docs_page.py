"""D10: the mock serves its own openapi.yaml and a Swagger UI page, with no network at run time."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from helpers_browser import launched_chromium
from helpers_kit import admin_data, plain_client
from mock_process import mock_process
from playwright.sync_api import expect
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


def test_try_it_out_sends_requests_to_the_mock_that_serves_the_page() -> None:
    with mockserver.running() as mock, launched_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{mock.base_url}/docs")
        servers = page.locator(".servers select")
        expect(servers).to_have_value(mock.base_url)
        assert servers.locator("option").count() == 1
        stats = page.locator("#operations-codes-getCodeStats")
        stats.locator(".opblock-summary").click()
        stats.get_by_role("button", name="Try it out").click()
        stats.get_by_role("button", name="Execute").click()
        stats.locator(".live-responses-table .response-col_status").first.wait_for()
        [call] = [call for call in mock.requests() if call["path"].startswith("/v1/")]
        assert (call["method"], call["path"], call["status"]) == ("GET", "/v1/campaigns/codes/stats", 401)
        assert call["query"] == "slug=summer-promo"


def test_the_root_leads_to_the_dashboard_or_to_the_docs() -> None:
    with_admin = plain_client(create_app()).get("/", follow_redirects=False)
    assert (with_admin.status_code, with_admin.headers["location"]) == (302, "__mock/")
    without = plain_client(create_app(admin=False)).get("/", follow_redirects=False)
    assert (without.status_code, without.headers["location"]) == (302, "docs")
    landed = plain_client(create_app()).get("/")
    assert "<title>GamifyHost mock: dashboard</title>" in landed.text


def test_the_start_up_log_says_where_the_api_the_dashboard_and_the_docs_are(tmp_path: Path) -> None:
    with mock_process(output=tmp_path / "mock.log") as (_process, base_url):
        logged = (tmp_path / "mock.log").read_text(encoding="utf-8")
        assert httpx.get(f"{base_url}/", follow_redirects=True).url == f"{base_url}/__mock/"
    for url in (f"{base_url}/v1/campaigns/codes/", f"{base_url}/__mock/", f"{base_url}/docs"):
        assert url in logged, logged


def test_a_second_mock_on_a_taken_port_says_so_in_one_line_and_says_nothing_else(tmp_path: Path) -> None:
    with mock_process(output=tmp_path / "first.log") as (_process, base_url):
        port = base_url.rpartition(":")[2]
        second = subprocess.run(
            [sys.executable, "-m", "mockserver", "--port", port], capture_output=True, text=True, timeout=60
        )
        assert httpx.get(f"{base_url}/__mock/health").status_code == 200  # the first one is untouched
    assert second.returncode == 2 and second.stdout == ""
    assert second.stderr == (
        f"gamifyhost-mock: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(is a mock already running there? stop it, or choose another --port)\n"
    )
