"""A store written before the domain's events (gamifyhost-mock as of issue 20, schema 2) loads,
and answers what it answered then, on SQLite and, its rows copied, on PostgreSQL.

tests/data/store-schema-2.sqlite was written by tests/data/make_store_schema_2.py with that
version: batches generated, codes redeemed and revoked (one after its redemption), a batch
revoked, a partner added with a batch, its campaign paused and a key revoked, the clock moved.
tests/data/store-schema-2.json is what that version answered then.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from stores_kit import postgresql_schema

from mockserver import create_app

DATA = Path(__file__).parent / "data"
FROZEN = "2026-06-01T12:00:00Z"  # as when it was written; the store holds the clock's move since
ACME = {"X-API-Secret": "sk_test_acme_mock_secret"}
TENANT = {"X-API-Secret": "sk_test_kept_tenant_secret"}


def answers(client: TestClient, expected: dict[str, Any]) -> dict[str, Any]:
    """What the store answers now, to the questions the expected answers were given to."""
    found: dict[str, Any] = {"codes": {}, "stats": {}, "batches": {}}
    for code in expected["codes"]:
        headers = TENANT if code.startswith("KEPT") else ACME
        found["codes"][code] = client.post(
            "/v1/campaigns/codes/verify", json={"code": code}, headers=headers
        ).json()["data"]
    found["stats"]["summer-promo"] = client.get(
        "/v1/campaigns/codes/stats?slug=summer-promo", headers=ACME
    ).json()["data"]
    found["stats"]["kept"] = client.get("/v1/campaigns/codes/stats?slug=kept", headers=TENANT).json()["data"]
    found["batches"]["summer-promo"] = client.get(
        "/v1/campaigns/codes/batches?slug=summer-promo&limit=100", headers=ACME
    ).json()["data"]
    found["live_key"] = client.get(
        "/v1/campaigns/codes/stats?slug=kept", headers={"X-API-Secret": "sk_live_kept_tenant_secret"}
    ).json()
    found["clock"] = client.get("/__mock/clock").json()["data"]
    found["partners"] = sorted(
        partner["name"] for partner in client.get("/__mock/partners").json()["data"]["partners"]
    )
    return found


def expected() -> dict[str, Any]:
    return json.loads((DATA / "store-schema-2.json").read_text())


def test_the_store_of_the_version_before_loads_and_answers_as_it_did(tmp_path: Path) -> None:
    copy = tmp_path / "state.db"
    shutil.copyfile(DATA / "store-schema-2.sqlite", copy)
    before = expected()
    assert any(answer["status"] == "REVOKED" for answer in before["codes"].values())  # it holds changes
    with TestClient(create_app(store=f"sqlite:///{copy}", freeze_time=FROZEN)) as client:
        assert answers(client, before) == before
        # And it goes on: a new batch is kept beside the old.
        made = client.post(
            "/v1/campaigns/codes/generate",
            json={"slug": "summer-promo", "batchSize": 2, "pointsValue": 1},
            headers=ACME,
        )
        assert made.status_code == 200
    with TestClient(create_app(store=f"sqlite:///{copy}", freeze_time=FROZEN)) as again:
        listed = again.get("/v1/campaigns/codes/batches?slug=summer-promo&limit=100", headers=ACME).json()[
            "data"
        ]
        assert listed["total"] == before["batches"]["summer-promo"]["total"] + 1


def test_its_rows_copied_into_postgresql_load_the_same(tmp_path: Path) -> None:
    import psycopg

    source = sqlite3.connect(DATA / "store-schema-2.sqlite")
    meta = source.execute("SELECT name, value FROM mock_meta").fetchall()
    events = source.execute("SELECT seq, kind, body, digests FROM events ORDER BY seq").fetchall()
    source.close()
    with postgresql_schema() as url:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE TABLE mock_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            connection.execute(
                "CREATE TABLE events (seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, "
                "digests BYTEA)"
            )
            with connection.cursor() as cursor:
                cursor.executemany("INSERT INTO mock_meta VALUES (%s, %s)", meta)
                cursor.executemany("INSERT INTO events VALUES (%s, %s, %s, %s)", events)
        app = create_app(store=url, freeze_time=FROZEN)
        with TestClient(app) as client:
            assert answers(client, expected()) == expected()


@pytest.mark.parametrize(
    "kind", ["partner", "batch", "redeem", "revoke-code", "revoke-batch", "campaign", "revoke-key", "clock"]
)
def test_the_old_store_holds_every_kind_of_event_this_version_reads(kind: str) -> None:
    source = sqlite3.connect(DATA / "store-schema-2.sqlite")
    try:
        assert source.execute("SELECT count(*) FROM events WHERE kind = ?", (kind,)).fetchone()[0] > 0
    finally:
        source.close()
