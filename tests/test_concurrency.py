"""Concurrency over real HTTP (uvicorn in a thread): parallel writers lose nothing and never clash,
and readers running beside them always see pages and counts that are consistent in themselves.

Thread counts and request counts are bounded, and so is every wait (client timeouts, barrier
timeouts, pytest-timeout).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

ACME_TEST = "sk_test_acme_mock_secret"
GENERATE = "/v1/campaigns/codes/generate"
BATCHES = "/v1/campaigns/codes/batches"
STATS = "/v1/campaigns/codes/stats"
pytestmark = pytest.mark.timeout(120)


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"X-API-Secret": ACME_TEST}, timeout=30)


def in_parallel(count: int, work: Callable[[httpx.Client, int], Any], base_url: str) -> list[Any]:
    """`work(client, i)` for i in range(count), each in its own thread, started together."""
    start = threading.Barrier(count, timeout=10)

    def run(i: int) -> Any:
        with client(base_url) as http:
            start.wait()
            return work(http, i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def generate(http: httpx.Client, size: int, slug: str = "summer-promo") -> dict[str, Any]:
    response = http.post(GENERATE, json={"slug": slug, "batchSize": size, "pointsValue": 5})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def stats(http: httpx.Client, slug: str = "summer-promo") -> dict[str, int]:
    response = http.get(STATS, params={"slug": slug})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def page(http: httpx.Client, number: int, limit: int, slug: str = "summer-promo") -> dict[str, Any]:
    response = http.get(BATCHES, params={"slug": slug, "page": number, "limit": limit})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def codes_held(base_url: str) -> int:
    return int(httpx.get(f"{base_url}/__mock/health", timeout=10).json()["data"]["codes"])


def test_32_concurrent_generates_of_500_give_16000_distinct_codes_and_32_batches(live_server: str):
    with client(live_server) as http:
        before, held_before = stats(http), codes_held(live_server)
    batches = in_parallel(32, lambda http, _: generate(http, 500), live_server)
    codes = [code for batch in batches for code in batch["codes"]]
    assert len(codes) == len(set(codes)) == 16_000
    assert len({batch["batch"]["id"] for batch in batches}) == 32
    with client(live_server) as http:
        after = stats(http)
        listed = page(http, 1, 100)
    assert after["totalBatches"] - before["totalBatches"] == 32
    assert listed["total"] - before["totalBatches"] == 32
    assert after["totalCodes"] - before["totalCodes"] == 16_000
    assert codes_held(live_server) - held_before == 16_000


def check_page(data: dict[str, Any], number: int, limit: int) -> None:
    """A page that is consistent in itself: its size follows its total, newest first, no repeats."""
    batches = data["batches"]
    assert (data["page"], data["limit"]) == (number, limit)
    assert len(batches) == max(0, min(limit, data["total"] - (number - 1) * limit))
    assert len({batch["id"] for batch in batches}) == len(batches)
    created = [batch["createdAt"] for batch in batches]
    assert created == sorted(created, reverse=True)


def test_readers_beside_writers_always_see_consistent_pages_and_counts(live_server: str) -> None:
    # Only this test writes to spring-launch, all batches of `size` codes: so in any consistent
    # answer totalCodes is exactly what the fixtures hold plus size for each new batch.
    writers, readers, rounds, size = 4, 4, 15, 7
    done = threading.Event()
    with client(live_server) as http:
        start = stats(http, "spring-launch")
        fixture_ids = {batch["id"] for batch in page(http, 1, 100, "spring-launch")["batches"]}
    seen_ids: set[str] = set(fixture_ids)

    def write(http: httpx.Client, _: int) -> list[str]:
        return [generate(http, size, "spring-launch")["batch"]["id"] for _ in range(rounds)]

    def read(http: httpx.Client, i: int) -> int:
        reads, last_total = 0, 0
        while not done.is_set() or reads < 10:
            data = stats(http, "spring-launch")
            new_batches = data["totalBatches"] - start["totalBatches"]
            assert data["totalCodes"] == start["totalCodes"] + size * new_batches
            number, limit = 1 + reads % 3, (5, 7, 100)[i % 3]
            listed = page(http, number, limit, "spring-launch")
            check_page(listed, number, limit)
            assert listed["total"] >= last_total, "a reader saw the batch count go back"
            last_total = listed["total"]
            seen_ids.update(batch["id"] for batch in listed["batches"])
            reads += 1
        return reads

    def both(http: httpx.Client, i: int) -> Any:
        if i < writers:
            try:
                return write(http, i)
            finally:
                if i == 0:
                    done.set()
        return read(http, i)

    results = in_parallel(writers + readers, both, live_server)
    written = {batch_id for ids in results[:writers] for batch_id in ids}
    assert len(written) == writers * rounds
    assert seen_ids <= written | fixture_ids, "a reader saw a batch nobody wrote"
    assert all(reads >= 10 for reads in results[writers:])
    with client(live_server) as http:
        final = page(http, 1, 100, "spring-launch")
    assert {batch["id"] for batch in final["batches"]} == written | fixture_ids
