"""A store that cannot write: a 503 in the error envelope, an unhealthy health check, nothing
half-written, and an exit status that says so.

SQLite's disk fills up for real: the mock runs under a file-size limit (RLIMIT_FSIZE), so its
writes fail with EFBIG as on a full disk. PostgreSQL's disk full is its own error (SQLSTATE
53100), raised by a trigger on the events table, the way the server raises it when it cannot
extend a file.
"""

from __future__ import annotations

import resource
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_kit import auth, redeem, verify
from mock_process import mock_process
from stores_kit import execute

GENERATE = "/v1/campaigns/codes/generate"
LIMIT = 8 * 1024 * 1024  # bytes any file of the mock may grow to


def limited_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def fill_the_disk(store_url: str) -> None:
    execute(
        store_url,
        "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
        "END $$",
    )
    execute(store_url, "CREATE TRIGGER full_disk BEFORE INSERT ON events EXECUTE FUNCTION full_disk()")


def free_the_disk(store_url: str) -> None:
    execute(store_url, "DROP TRIGGER full_disk ON events")


def generate_until_refused(http: httpx.Client, acknowledged: list[dict[str, object]]) -> httpx.Response:
    """Generate batches of 5,000 codes until one is refused; the refusal."""
    for _ in range(400):
        response = http.post(
            GENERATE, json={"slug": "summer-promo", "batchSize": 5000, "pointsValue": 1}, headers=auth()
        )
        if response.status_code != 200:
            return response
        acknowledged.append(response.json()["data"]["batch"])
    raise AssertionError("the store never filled up")


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "message"} and (body["status"], body["code"]) == ("error", 503)
    assert body["message"].startswith("Service unavailable: the mock's store could not keep it"), body
    assert "Traceback" not in response.text


def kept_totals(http: httpx.Client) -> tuple[int, int, set[str]]:
    """totalCodes and the codes of the listed batches, summed; the batch ids."""
    stats = http.get("/v1/campaigns/codes/stats", params={"slug": "summer-promo"}, headers=auth()).json()[
        "data"
    ]
    listed: list[dict[str, Any]] = []
    while True:
        query = {"slug": "summer-promo", "limit": 100, "page": len(listed) // 100 + 1}
        data = http.get("/v1/campaigns/codes/batches", params=query, headers=auth()).json()["data"]
        listed += data["batches"]
        if len(listed) >= data["total"]:
            break
    return stats["totalCodes"], sum(batch["batchSize"] for batch in listed), {batch["id"] for batch in listed}


@pytest.mark.parametrize("store_kind", ["sqlite", "postgresql"])
def test_a_full_disk_is_a_503_an_unhealthy_mock_and_a_failed_exit(
    store_kind: str, store_url: str, tmp_path: Path
) -> None:
    popen: dict[str, Callable[[], None]] = {"preexec_fn": limited_file_size} if store_kind == "sqlite" else {}
    acknowledged: list[dict[str, object]] = []
    argv = ("--store", store_url, "--no-access-log", "--freeze-time", "2025-06-01T12:00:00Z")
    with mock_process(*argv, output=tmp_path / "full.log", **popen) as (process, base_url):
        with httpx.Client(base_url=base_url, timeout=30) as http:
            code = http.post(
                GENERATE, json={"slug": "summer-promo", "batchSize": 1, "pointsValue": 1}, headers=auth()
            ).json()["data"]["codes"][0]
            if store_kind == "postgresql":
                fill_the_disk(store_url)
            refused = generate_until_refused(http, acknowledged)
            assert_unavailable(refused)
            health = http.get("/__mock/health")
            assert health.status_code == 503 and "store" in health.json()["message"], health.text
            if store_kind == "postgresql":  # every write to codes fails (on a full file system,
                assert_unavailable(redeem(http, code))  # a small one may still fit)
            # Reads go on, and show nothing of what was refused.
            total, listed_total, ids = kept_totals(http)
            assert total == listed_total
            assert {str(batch["id"]) for batch in acknowledged} <= ids
            assert verify(http, code)["status"] == "ACTIVE"
            if store_kind == "postgresql":  # room again: the next write succeeds, health follows
                free_the_disk(store_url)
                assert redeem(http, code).status_code == 200
                assert http.get("/__mock/health").status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 1  # some writes were not kept: whoever started it is told
    log = (tmp_path / "full.log").read_text()
    assert "gamifyhost-mock: the store" in log and "could not keep" in log and "Traceback" not in log
    # Started again with room: all that was answered 200 is there, the refused batch is not.
    with (
        mock_process(*argv, output=tmp_path / "again.log") as (_, base_url),
        httpx.Client(base_url=base_url) as http,
    ):
        total, listed_total, ids = kept_totals(http)
        assert total == listed_total == 150 + 1 + 5000 * len(acknowledged)
        assert {str(batch["id"]) for batch in acknowledged} <= ids
    print(f"\n{store_kind}: {len(acknowledged)} batches kept before the disk was full; then 503s, exit 1")
