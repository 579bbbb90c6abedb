"""Secrets and codes: what the mock keeps, compares, answers and logs.

The D2 table and the first near misses are in test_auth.py, the journal's masking of the
header in test_admin.py, digests instead of codes after generate in test_codes.py. Here:
secrets kept only as digests and compared as such, more near misses, no answer and no log line
that repeats a secret wherever a client put it, and no code kept after verify and redeem.
"""

from __future__ import annotations

import hmac
import json
import logging
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from mock_process import mock_process
from test_codes import visible_text

from mockserver.http.journal import mask_secrets_in
from mockserver.http.logs import SecretMasking, log_config

ACME_TEST = "sk_test_acme_mock_secret"
FIXTURE_SECRETS = [
    ACME_TEST,
    "sk_live_acme_mock_secret",
    "sk_test_acme_revoked_secret",
    "sk_test_globex_mock_secret",
    "sk_test_initech_inactive_app",
]
SECRET_PART = "acme_mock_secr"  # what no answer and no log line may show of the secret
GENERATE = "/v1/campaigns/codes/generate"
VERIFY = "/v1/campaigns/codes/verify"


def test_the_backend_keeps_secrets_as_sha256_digests_only(app: Any) -> None:
    texts = "\x00".join(visible_text(app.state.codes))
    assert [secret for secret in FIXTURE_SECRETS if secret in texts] == []


def test_a_secret_is_compared_as_a_fixed_length_digest_in_constant_time(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[Any, Any]] = []
    compare = hmac.compare_digest

    def spy(left: Any, right: Any) -> bool:
        compared.append((left, right))
        return compare(left, right)

    monkeypatch.setattr("mockserver.domain.service.hmac.compare_digest", spy)
    app.state.codes.authenticate(ACME_TEST)
    assert [(len(left), len(right)) for left, right in compared] == [(32, 32)]
    assert all(ACME_TEST.encode() not in (left, right) for left, right in compared)


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("sk_test_Acme_mock_secret", id="one-letter-upper-cased"),
        pytest.param("sk_test_acme_mock_secreT", id="last-letter-upper-cased"),
        pytest.param("sk_test_acme_mock_secrex", id="last-letter-changed"),
        pytest.param("sk_test_acme_mock_secret\x00", id="trailing-nul"),
        pytest.param("sk_test_\u0430cme_mock_secret", id="cyrillic-a"),
        pytest.param("sk_test_acme%5Fmock_secret", id="percent-encoded"),
        pytest.param("sk_test_acme_mock_secret" * 2, id="doubled"),
    ],
)
def test_more_near_misses_of_a_secret_are_refused(app: Any, client: Any, secret: str) -> None:
    headers = {"X-API-Secret": secret.encode("utf-8")}
    response = client.get("/v1/campaigns/codes/stats", params={"slug": "summer-promo"}, headers=headers)
    assert (response.status_code, response.json()["message"]) == (401, "Invalid API key")


SECRET_PLACES = [
    pytest.param("GET", "/v1/campaigns/codes/stats?slug=" + ACME_TEST, None, {}, id="query-slug"),
    pytest.param("GET", "/v1/campaigns/codes/batches?slug=x&page=" + ACME_TEST, None, {}, id="query-page"),
    pytest.param("GET", "/v1/campaigns/codes/batches?X-API-Secret=" + ACME_TEST, None, {}, id="query-name"),
    pytest.param("POST", f"/v1/campaigns/{ACME_TEST}/redeem", {"code": "x", "userId": "u"}, {}, id="path"),
    pytest.param("POST", GENERATE, {"slug": ACME_TEST, "batchSize": 1, "pointsValue": 1}, {}, id="slug"),
    pytest.param("POST", GENERATE, {"slug": "x", "batchSize": ACME_TEST}, {}, id="batch-size"),
    pytest.param("POST", GENERATE, {"slug": "x", "batchSize": 1, "pointsValue": 1, "label": [ACME_TEST]}, {}),
    pytest.param("POST", VERIFY, {"code": [ACME_TEST]}, {}, id="code"),
    pytest.param("POST", VERIFY, {"code": "x"}, {"Prefer": f"code={ACME_TEST}"}, id="prefer"),
    pytest.param("POST", VERIFY, {"code": "x"}, {"X-API-Secret": ACME_TEST + "x"}, id="near-miss-header"),
    pytest.param("POST", VERIFY, {"code": "x"}, {"Content-Type": f"text/{ACME_TEST}"}, id="content-type"),
    pytest.param("DELETE", GENERATE, None, {}, id="wrong-method"),
]


@pytest.mark.parametrize(("method", "path", "body", "headers"), SECRET_PLACES)
def test_no_answer_repeats_a_secret_wherever_it_was_put(
    client: Any, method: str, path: str, body: Any, headers: dict[str, str]
) -> None:
    sent = {"X-API-Secret": ACME_TEST, "Content-Type": "application/json", **headers}
    content = None if body is None else json.dumps(body)
    response = client.request(method, path, content=content, headers=sent)
    assert SECRET_PART not in response.text
    assert SECRET_PART not in json.dumps(dict(response.headers))


def test_the_journal_masks_secrets_in_paths_and_query_strings(client: Any) -> None:
    client.get("/v1/campaigns/codes/stats?slug=summer-promo&key=" + ACME_TEST)
    client.get("/v1/campaigns/codes/stats?key=sk%5Ftest%5Facme_mock_secret")
    client.get("/v1/campaigns/codes/stats?key=%73k_test_acme_mock_secret")
    client.post(f"/v1/campaigns/{ACME_TEST}/redeem", json={}, headers={"X-API-Secret": ACME_TEST})
    journal = client.app.state.journal.entries()
    assert len(journal) == 4
    assert [entry for entry in journal if SECRET_PART in f"{entry.path}?{entry.query}"] == []
    assert journal[0].query == "slug=summer-promo&key=sk_test_****cret"
    assert journal[3].path == "/v1/campaigns/sk_test_****cret/redeem"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("slug=summer-promo", "slug=summer-promo"),
        ("a=sk_live_acme_mock_secret&b=1", "a=sk_live_****cret&b=1"),
        ("/v1/campaigns/pk_test_acme_public_key/redeem", "/v1/campaigns/pk_test_****_key/redeem"),
        ("k=SK_TEST_ACME_MOCK_SECRET", "k=****CRET"),
        ("k=sk%5ftest%5facme_mock_secret", "k=****cret"),
        ("k=%2573k_test_acme_mock_secret%20x", "k=sk_test_****cret x"),
    ],
)
def test_mask_secrets_in_masks_every_secret_shaped_part_of_a_text(text: str, masked: str) -> None:
    assert mask_secrets_in(text) == masked


def test_the_log_filter_masks_messages_arguments_and_tracebacks() -> None:
    try:
        raise ValueError(f"bad key {ACME_TEST}")
    except ValueError as error:
        record = logging.LogRecord(
            "uvicorn.access", logging.ERROR, __file__, 1, "%s %s", (ACME_TEST, 7), None
        )
        record.exc_info = (ValueError, error, error.__traceback__)
    assert SecretMasking().filter(record)
    assert logging.Formatter().format(record).count("sk_test_****cret") == 2
    assert SECRET_PART not in logging.Formatter().format(record)
    assert all(handler["filters"] == ["mask_secrets"] for handler in log_config()["handlers"].values())


def test_the_command_never_logs_a_secret(tmp_path: Path) -> None:
    output = tmp_path / "mock.log"
    with mock_process(output=output) as (process, base_url), httpx.Client(base_url=base_url) as http:
        headers = {"X-API-Secret": ACME_TEST}
        http.get("/v1/campaigns/codes/stats", params={"slug": "summer-promo"}, headers=headers)
        http.get("/v1/campaigns/codes/stats", params={"slug": "summer-promo", "X-API-Secret": ACME_TEST})
        http.get(f"/v1/campaigns/codes/batches?slug={ACME_TEST.replace('_', '%5F')}", headers=headers)
        http.post(f"/v1/campaigns/{ACME_TEST}/redeem", json={"code": ACME_TEST, "userId": "u"})
        http.post(VERIFY, json={"code": ACME_TEST}, headers=headers)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    log = output.read_text(encoding="utf-8")
    assert '"GET /v1/campaigns/codes/stats?slug=summer-promo&X-API-Secret=sk_test_****cret' in log
    assert log.count("HTTP/1.1") == 6  # the health probe and the five requests: all were logged
    assert SECRET_PART not in log and "acme%5Fmock" not in log


def test_no_code_is_kept_after_verify_and_redeem_answer(api: Any, app: Any) -> None:
    codes = api.generated(batchSize=20, omit=("expiresAt",))["codes"]
    for code in codes[:10]:
        assert api.verdict(f" {code.lower()} ")["valid"] is True
        assert api.redeem("summer-promo", {"code": code, "userId": "u"}).status_code == 200
    api.redeem("summer-promo", {"code": codes[0], "userId": "u"})  # 409: refused ones too
    haystack = "\x00".join(visible_text(app.state)).upper()
    assert [code for code in codes if code[5:] in haystack] == []
