"""The README's session through a Python client generated from openapi.yaml by openapi-python-client.

`run(client_package, base_url)` drives the generated package (imported by its caller) against a
fresh mock and returns every exchange it made. Each answer, success or error, must come back as
an instance of one of the generated models: no answer is read as plain JSON.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import httpx

ACME = "sk_test_acme_mock_secret"
SLUG = "summer-promo"


def _parsed(response: Any, model: type) -> Any:
    assert isinstance(response.parsed, model), (response.status_code, response.content)
    return response.parsed


def _refused(response: Any, models: ModuleType, status: int, message: str) -> None:
    error = _parsed(response, models.Error)
    assert response.status_code == status and error.code == status, (response.status_code, error)
    assert error.status == "error" and error.message == message, error


def run(package: ModuleType, base_url: str) -> list[httpx.Response]:
    """The session; the answers it got, each with its request."""
    models = package.models
    codes_api = package.api.codes
    exchanges: list[httpx.Response] = []

    def note(response: httpx.Response) -> None:
        response.read()
        exchanges.append(response)

    def client(secret: str | None) -> Any:
        headers = {} if secret is None else {"X-API-Secret": secret}
        return package.Client(
            base_url=base_url, headers=headers, httpx_args={"event_hooks": {"response": [note]}}
        )

    acme = client(ACME)
    asked = models.GenerateCodesRequest(slug=SLUG, batch_size=5, points_value=250, label="Python client")
    generated = _parsed(
        codes_api.generate_codes.sync_detailed(client=acme, body=asked), models.GenerateCodesResponse
    )
    batch = generated.data.batch
    assert generated.data.count == 5 and len(generated.data.codes) == 5
    assert batch.expires_at is None and batch.label == "Python client" and batch.points_value == 250
    code = generated.data.codes[0]

    listed = _parsed(
        codes_api.list_code_batches.sync_detailed(client=acme, slug=SLUG, page=1, limit=10),
        models.ListCodeBatchesResponse,
    )
    assert listed.data.batches[0].id == batch.id and (listed.data.total, listed.data.limit) == (3, 10)
    assert listed.data.batches[-1].expires_at is None  # the docs' second batch never expires

    def verify(secret_client: Any, value: str) -> Any:
        return codes_api.verify_code.sync_detailed(
            client=secret_client, body=models.VerifyCodeRequest(code=value)
        )

    valid = _parsed(verify(acme, code), models.VerifyCodeResponse).data
    assert valid.valid and valid.status == "ACTIVE" and valid.points_value == 250
    assert valid.message == "Code is valid and redeemable"

    def redeem(secret_client: Any, user: str) -> Any:
        body = models.RedeemCodeRequest(code=code, user_id=user)
        return codes_api.redeem_code.sync_detailed(SLUG, client=secret_client, body=body)

    redeemed = _parsed(redeem(acme, "user-42"), models.RedeemCodeResponse).data
    assert redeemed.points_awarded == 250 and redeemed.batch_id == batch.id and redeemed.user_id == "user-42"

    again = _parsed(verify(acme, code), models.VerifyCodeResponse).data
    assert not again.valid and again.status == "REDEEMED" and again.message == "Code status is REDEEMED"
    _refused(redeem(acme, "user-43"), models, 409, "Code status is REDEEMED")

    unknown = _parsed(verify(acme, "SUMM-ZZZZ2222"), models.VerifyCodeResponse).data
    assert not unknown.valid and unknown.status == "" and unknown.points_value == 0
    assert (unknown.campaign_name, unknown.campaign_slug, unknown.message) == ("", "", "Code not found")

    counts = _parsed(
        codes_api.get_code_stats.sync_detailed(client=acme, slug=SLUG), models.CodeStatsResponse
    ).data
    assert (counts.total_codes, counts.active_codes, counts.redeemed_codes) == (155, 52, 2)
    assert (counts.expired_codes, counts.revoked_codes, counts.total_batches) == (100, 1, 3)

    # A documented error of each operation.
    too_many = models.GenerateCodesRequest(slug=SLUG, batch_size=10001, points_value=500)
    _refused(
        codes_api.generate_codes.sync_detailed(client=acme, body=too_many),
        models,
        400,
        "batchSize must be between 1 and 10000",
    )
    _refused(
        codes_api.list_code_batches.sync_detailed(client=acme, slug="no-such-campaign"),
        models,
        404,
        "Campaign not found",
    )
    _refused(verify(client(None), code), models, 401, "Missing X-API-Secret header")
    _refused(
        codes_api.get_code_stats.sync_detailed(client=acme, slug="no-such-campaign"),
        models,
        404,
        "Campaign not found",
    )
    _refused(
        redeem(client("sk_test_acme_revoked_secret"), "user-44"), models, 403, "API key has been revoked"
    )
    return exchanges
