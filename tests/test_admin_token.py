"""The admin token (`--admin-token`): `/__mock/` keeps strangers out, in-process and over HTTP, and
every part of the kit (the admin client, `running()`, the pytest fixtures) carries the token."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from helpers_kit import BATCHES, GENERATE, auth, generate, plain_client

import mockserver
from mockserver import AdminClient, AdminError, create_app
from mockserver.http.admin_token import AdminToken
from mockserver.kit.live import shared_mock
from mockserver.kit.serving import free_port

TOKEN = "team-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
README = Path(__file__).resolve().parents[1] / "README.md"
# Every admin route, as a stranger would try it: (method, path, body).
GUARDED = [
    ("GET", "/__mock/partners", None),
    ("POST", "/__mock/partners", {"name": "x"}),
    ("POST", "/__mock/reset", None),
    ("GET", "/__mock/requests", None),
    ("DELETE", "/__mock/requests", None),
    ("GET", "/__mock/clock", None),
    ("POST", "/__mock/clock", {"advanceSeconds": 60}),
    ("POST", "/__mock/revoke", {"code": "SUMM-AX7K9M2P"}),
    ("PATCH", "/__mock/campaigns/c1d2e3f4-a5b6-7890-1234-567890abcdef", {"status": "paused"}),
    ("POST", "/__mock/keys/revoke", {"secret": "sk_test_acme_mock_secret"}),
    ("GET", "/__mock/no-such-thing", None),  # 401 too: a stranger learns nothing of what is there
]


@pytest.fixture(params=["in-process", "over-http"])
def client(request: pytest.FixtureRequest):
    if request.param == "in-process":
        with plain_client(create_app(admin_token=TOKEN)) as client:
            yield client
    else:
        with mockserver.running(admin_token=TOKEN) as mock, httpx.Client(base_url=mock.base_url) as client:
            yield client


@pytest.mark.parametrize(("method", "path", "body"), GUARDED, ids=[f"{m} {p}" for m, p, _ in GUARDED])
def test_without_the_token_every_admin_call_is_401_and_changes_nothing(client, method, path, body) -> None:
    before = client.get(BATCHES, params={"slug": "summer-promo"}, headers=auth()).json()
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": ""},
    ):
        answer = client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.json()["status"] == "error" and answer.json()["code"] == 401
        assert answer.json()["message"].startswith("Unauthorized: ")
        assert answer.headers["www-authenticate"].startswith("Bearer ")
    assert client.get(BATCHES, params={"slug": "summer-promo"}, headers=auth()).json() == before
    assert (
        client.post(
            GENERATE, json={"slug": "summer-promo", "batchSize": 1, "pointsValue": 1}, headers=auth()
        ).status_code
        == 200
    )


def test_with_the_token_the_admin_api_answers(client) -> None:
    assert client.get("/__mock/partners", headers=BEARER).status_code == 200
    assert client.get("/__mock/clock", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    batch = generate(client)
    assert client.post("/__mock/reset", headers=BEARER).json() == {
        "status": "success",
        "data": {"reset": True},
    }
    listed = client.get(BATCHES, params={"slug": "summer-promo"}, headers=auth()).json()["data"]["batches"]
    assert batch["batch"]["id"] not in [b["id"] for b in listed]


def test_health_stays_open_for_probes_and_says_only_whether_it_is_healthy(client) -> None:
    assert client.get("/__mock/health").json() == {"status": "success", "data": {"healthy": True}}
    full = client.get("/__mock/health", headers=BEARER).json()["data"]
    assert full["healthy"] is True and full["store"] == "memory" and "codes" in full


def test_the_dashboards_page_comes_without_data_unless_asked_with_the_token(client) -> None:
    page = client.get("/__mock/")
    assert page.status_code == 200 and 'id="token-form"' in page.text
    assert '<script id="initial-state"' not in page.text and "Summer Promo 2025" not in page.text
    assert '<script id="initial-state"' in client.get("/__mock/", headers=BEARER).text


def test_no_admin_wins_over_a_token() -> None:
    with plain_client(create_app(admin=False, admin_token=TOKEN)) as client:
        assert client.get("/__mock/partners", headers=BEARER).status_code == 404
        assert client.get("/__mock/health").status_code == 404


@pytest.mark.parametrize("token", ["", "two words", "tab\there", "ünicode", "line\nbreak"])
def test_a_token_that_cannot_travel_in_a_header_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        create_app(admin_token=token)


def test_the_guard_compares_digests_of_any_guess() -> None:
    guard = AdminToken(TOKEN)
    assert guard.admits([(b"authorization", f"Bearer {TOKEN}".encode())])
    assert guard.admits([(b"authorization", f"  BEARER   {TOKEN}  ".encode())])
    for guess in (TOKEN[:-1], TOKEN + "x", "", "x" * 10_000, TOKEN.upper()):
        assert not guard.admits([(b"authorization", f"Bearer {guess}".encode())])


def test_the_admin_client_and_running_carry_the_token() -> None:
    with mockserver.running(admin_token=TOKEN) as mock:
        assert mock.token == TOKEN and mock.partners()  # the handle sends it
        stranger = AdminClient(mock.base_url, token="")
        with pytest.raises(AdminError) as refused:
            stranger.reset()
        assert refused.value.status == 401 and "GAMIFYHOST_MOCK_ADMIN_TOKEN" in refused.value.message
        assert AdminClient(mock.base_url, token=TOKEN).clock()
        tenant = mockserver.new_tenant(mock)
        assert tenant.stats()["totalCodes"] == 0 and tenant.pause()["status"] == "paused"


def test_the_admin_client_takes_the_token_from_the_mocks_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with mockserver.running(admin_token=TOKEN) as mock:
        monkeypatch.setenv("GAMIFYHOST_MOCK_ADMIN_TOKEN", TOKEN)
        assert AdminClient(mock.base_url).partners()
        monkeypatch.delenv("GAMIFYHOST_MOCK_ADMIN_TOKEN")
        with pytest.raises(AdminError):
            AdminClient(mock.base_url).partners()


def test_a_shared_mock_without_its_token_is_said_at_once() -> None:
    with mockserver.running(admin_token=TOKEN) as mock:
        started = time.monotonic()
        with pytest.raises(RuntimeError, match=r"asks for its admin token.*--gamifyhost-mock-admin-token"):
            shared_mock(mock.base_url, token="")
        with pytest.raises(RuntimeError, match="refuses the admin token given"):
            shared_mock(mock.base_url, token="not-it")
        assert time.monotonic() - started < 5  # no waiting out the start-up delay
        assert shared_mock(mock.base_url, token=TOKEN).secrets["acme_test"]


def test_the_pytest_fixtures_and_tenants_use_the_token_option(tmp_path: Path) -> None:
    (tmp_path / "test_shared.py").write_text(
        textwrap.dedent(
            """
            import httpx

            def test_tenant(gamifyhost_tenant):
                answer = httpx.post(gamifyhost_tenant.base_url + "/v1/campaigns/codes/generate",
                    json={"slug": gamifyhost_tenant.slug, "batchSize": 2, "pointsValue": 5},
                    headers=gamifyhost_tenant.headers())
                assert answer.status_code == 200
                assert gamifyhost_tenant.stats()["totalCodes"] == 2

            def test_mock(gamifyhost_mock):
                assert gamifyhost_mock.token and gamifyhost_mock.partners()
            """
        )
    )
    with mockserver.running(admin_token=TOKEN) as mock:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GAMIFYHOST_"))}
        common = [sys.executable, "-m", "pytest", str(tmp_path), "-q", "-p", "no:cacheprovider"]
        with_option = subprocess.run(
            [*common, "--gamifyhost-mock-url", mock.base_url, "--gamifyhost-mock-admin-token", TOKEN],
            cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert with_option.returncode == 0, with_option.stdout + with_option.stderr
        with_variable = subprocess.run(
            common,
            cwd=tmp_path,
            env={**environment, "GAMIFYHOST_MOCK_URL": mock.base_url, "GAMIFYHOST_MOCK_ADMIN_TOKEN": TOKEN},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert with_variable.returncode == 0, with_variable.stdout + with_variable.stderr
        without = subprocess.run(
            [*common, "--gamifyhost-mock-url", mock.base_url],
            cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert without.returncode != 0 and "asks for its admin token" in without.stdout, without.stdout
    # With no mock named, the session's own mock asks for the token given, and its handle sends it.
    own = subprocess.run(
        [*common, "--gamifyhost-mock-admin-token", TOKEN], cwd=tmp_path, env=environment,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert own.returncode == 0, own.stdout + own.stderr


def test_the_readmes_shared_mock_starts_with_its_token_and_no_warning(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"\*\*A mock a team shares\*\*.*?```sh\n(.*?)```", text, re.S)
    assert block, "README.md lost its shared-mock example"
    port = free_port()
    # As written; the port comes from its variable, so that it does not clash with another mock.
    process = subprocess.Popen(
        ["bash", "-euc", block.group(1)],
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "GAMIFYHOST_MOCK_PORT": str(port),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/__mock/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
                time.sleep(0.1)
        assert health.json() == {"status": "success", "data": {"healthy": True}}
        assert httpx.get(f"{base}/__mock/partners").status_code == 401
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert "it asks for the admin token" in output and "warning" not in output, output
