"""D10: `--seed` and `--freeze-time` make every response reproducible, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from helpers_kit import (
    BATCHES,
    FIXTURE_CODE,
    FROZEN,
    GENERATE,
    REDEEM,
    STATS,
    VERIFY,
    admin_data,
    auth,
    generate,
    plain_client,
)
from starlette.testclient import TestClient

import mockserver
from mockserver import create_app
from mockserver.kit.cli import build_app, parser


def session(http: Any) -> list[Any]:
    """One integrator's session: every operation, successes and failures, in a fixed order."""
    generated = http.post(
        GENERATE,
        json={
            "slug": "summer-promo",
            "batchSize": 20,
            "pointsValue": 75,
            "label": "Launch",
            "expiresAt": FROZEN,
        },
        headers=auth(),
    )
    code = generated.json()["data"]["codes"][3]
    return [
        generated,
        http.post(GENERATE, json={"slug": "winter-sale", "batchSize": 3, "pointsValue": 1},
                  headers=auth("sk_test_globex_mock_secret")),
        http.post(GENERATE, json={"slug": "summer-promo", "batchSize": 0, "pointsValue": 1}, headers=auth()),
        http.get(BATCHES, params={"slug": "summer-promo", "limit": 2}, headers=auth()),
        http.post(VERIFY, json={"code": code}, headers=auth()),
        http.post(VERIFY, json={"code": FIXTURE_CODE}, headers=auth()),
        http.post(REDEEM, json={"code": FIXTURE_CODE, "userId": "u-1"}, headers=auth()),
        http.post(REDEEM, json={"code": FIXTURE_CODE, "userId": "u-2"}, headers=auth()),
        http.get(STATS, params={"slug": "summer-promo"}, headers=auth()),
        http.get(BATCHES, params={"slug": "summer-promo"}, headers=auth("sk_test_acme_revoked_secret")),
    ]  # fmt: skip


def raw(responses: list[Any]) -> list[tuple[int, list[tuple[bytes, bytes]], bytes]]:
    """Status, headers and body bytes of each response."""
    return [(r.status_code, r.headers.raw, r.content) for r in responses]


def seeded(seed: int = 2024) -> TestClient:
    return plain_client(create_app(seed=seed, freeze_time=FROZEN))


def test_same_seed_and_frozen_time_give_byte_identical_responses() -> None:
    first, second = raw(session(seeded())), raw(session(seeded()))
    assert first == second
    assert [status for status, _, _ in first] == [200, 200, 400, 200, 200, 200, 200, 409, 200, 403]


def test_another_seed_draws_other_codes_and_ids() -> None:
    first, other = generate(seeded(1)), generate(seeded(2))
    assert first["batch"]["createdAt"] == other["batch"]["createdAt"] == FROZEN
    assert first["batch"]["id"] != other["batch"]["id"]
    assert set(first["codes"]).isdisjoint(other["codes"])


def test_without_a_seed_codes_differ_between_runs() -> None:
    assert generate(plain_client(create_app()))["codes"] != generate(plain_client(create_app()))["codes"]


def test_after_a_reset_the_same_session_gives_the_same_bytes_again() -> None:
    client = seeded()
    first = raw(session(client))
    admin_data(client.post("/__mock/reset"))
    assert raw(session(client)) == first


def test_a_given_randomness_and_clock_reset_to_their_seed_and_instant() -> None:
    clock = mockserver.Clock(frozen_at=datetime(2030, 1, 1, tzinfo=UTC))
    client = plain_client(create_app(randomness=mockserver.Randomness(8), clock=clock))
    first = generate(client)
    admin_data(client.post("/__mock/reset"))
    assert generate(client) == first


def test_seed_and_randomness_together_are_refused() -> None:
    with pytest.raises(ValueError):
        create_app(seed=1, randomness=mockserver.Randomness(1))
    with pytest.raises(ValueError):
        create_app(freeze_time=FROZEN, clock=mockserver.Clock())


def test_the_command_line_seed_and_freeze_time_give_the_same_bytes() -> None:
    args = parser().parse_args(["--seed", "2024", "--freeze-time", "2025-06-01T14:00:00+02:00"])
    assert raw(session(plain_client(build_app(args)))) == raw(session(seeded()))


def test_same_seed_gives_the_same_bodies_over_real_http() -> None:
    def bodies(run: Callable[..., Any]) -> list[bytes]:
        with run(seed=77, freeze_time=FROZEN) as mock, httpx.Client(base_url=mock.base_url) as http:
            return [response.content for response in session(http)]

    first = bodies(mockserver.running)
    assert first == bodies(mockserver.running)
    assert b"SUMM-" in first[0]
