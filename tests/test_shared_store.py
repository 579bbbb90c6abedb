"""Several mock processes on one store act as one mock.

Two `python -m mockserver` processes, A and B, share a PostgreSQL schema (or a SQLite file,
which `--workers N` relies on): what one acknowledges the other shows, a code is redeemed once
whichever of them the attempts reach, codes stay unique even when both draw from the same seed,
and a reset or a move of the clock is both processes'.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers_kit import FROZEN, admin_data, batches, generate, redeem, stats, verify
from mock_process import mock_process, wait_until_up
from stores_kit import DURABLE

from mockserver.kit.serving import free_port

durable = pytest.mark.parametrize("store_kind", DURABLE)

RACES = 10  # codes raced for
RACERS = 8  # attempts on each, half through A, half through B


@pytest.fixture
def pair(store_url: str, tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Clients of two mock processes on the one store, both frozen at FROZEN and seeded alike."""
    argv = ("--store", store_url, "--freeze-time", FROZEN, "--seed", "7", "--no-access-log")
    with (
        mock_process(*argv, output=tmp_path / "a.log") as (_, a_url),
        mock_process(*argv, output=tmp_path / "b.log") as (_, b_url),
        httpx.Client(base_url=a_url, timeout=30) as a,
        httpx.Client(base_url=b_url, timeout=30) as b,
    ):
        yield a, b


@durable
def test_what_a_generates_b_lists_verifies_counts_and_redeems(
    pair: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = pair
    made = generate(a, count=5, label="made on A")
    assert made["batch"]["id"] in {batch["id"] for batch in batches(b)}
    assert verify(b, made["codes"][0])["status"] == "ACTIVE"
    assert stats(b)["totalCodes"] == 150 + 5 and stats(b) == stats(a)
    assert redeem(b, made["codes"][0]).status_code == 200
    assert verify(a, made["codes"][0])["status"] == "REDEEMED"
    assert redeem(a, made["codes"][0]).status_code == 409
    admin_data(a.post("/__mock/revoke", json={"code": made["codes"][1]}))
    assert verify(b, made["codes"][1])["status"] == "REVOKED"


@durable
def test_of_concurrent_redemptions_over_both_exactly_one_succeeds(
    pair: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = pair
    codes = generate(a, count=RACES)["codes"]
    outcomes: dict[str, list[int]] = {code: [] for code in codes}
    start = threading.Barrier(RACERS)

    def race(code: str, http: httpx.Client) -> None:
        start.wait()
        response = redeem(http, code, user_id=f"racer-{threading.get_ident()}")
        if response.status_code == 409:
            assert response.json()["message"] == "Code status is REDEEMED"
        outcomes[code].append(response.status_code)

    for code in codes:
        racers = [threading.Thread(target=race, args=(code, (a, b)[i % 2])) for i in range(RACERS)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=60)
    tally = Counter(tuple(sorted(Counter(statuses).items())) for statuses in outcomes.values())
    print(f"\n{RACES} codes, {RACERS} concurrent redemptions each over A and B: {dict(tally)}")
    assert all(sorted(statuses) == [200] + [409] * (RACERS - 1) for statuses in outcomes.values()), outcomes
    assert stats(b)["redeemedCodes"] == 1 + RACES  # the fixtures' one, and one each


@durable
def test_codes_stay_unique_when_both_draw_from_the_same_seed(pair: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = pair
    found: list[list[str]] = []

    def draw(http: httpx.Client) -> None:
        for _ in range(10):
            found.append(generate(http, count=500)["codes"])

    drawers = [threading.Thread(target=draw, args=(http,)) for http in (a, b)]
    for drawer in drawers:
        drawer.start()
    for drawer in drawers:
        drawer.join(timeout=120)
    every = [code for batch in found for code in batch]
    assert len(found) == 20 and len(every) == len(set(every)) == 10_000
    assert stats(a)["totalCodes"] == 150 + 10_000 and stats(a)["totalBatches"] == 2 + 20


@durable
def test_reset_and_the_clock_act_on_the_shared_state(pair: tuple[httpx.Client, httpx.Client]) -> None:
    a, b = pair
    made = generate(a, count=2, expiresAt="2025-06-02T00:00:00Z")
    admin_data(a.post("/__mock/clock", json={"now": "2025-06-03T00:00:00Z"}))
    assert admin_data(b.get("/__mock/clock"))["now"] == "2025-06-03T00:00:00Z"
    assert verify(b, made["codes"][0])["status"] == "EXPIRED"
    admin_data(b.post("/__mock/clock", json={"advanceSeconds": -86400 * 2}))
    assert admin_data(a.get("/__mock/clock"))["now"] == "2025-06-01T00:00:00Z"
    assert verify(a, made["codes"][0])["status"] == "ACTIVE"
    admin_data(b.post("/__mock/reset"))
    assert len(batches(a)) == 2 and verify(a, made["codes"][0])["message"] == "Code not found"
    assert admin_data(a.get("/__mock/clock"))["now"] == FROZEN


# -- --workers N: processes of one command, sharing the store ----------------------------------


@contextlib.contextmanager
def workers(store_url: str, tmp_path: Path, count: int) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    argv = ["--port", str(port), "--store", store_url, "--workers", str(count), "--no-access-log"]
    with open(tmp_path / "workers.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", *argv], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(process, base_url, tmp_path / "workers.log")
            yield process, base_url
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


@durable
def test_workers_share_the_store(store_url: str, tmp_path: Path) -> None:
    with workers(store_url, tmp_path, 3) as (_, base_url):
        processes, made = set(), []
        for _ in range(40):  # a new connection each time: the operating system spreads them
            with httpx.Client(base_url=base_url, timeout=30) as http:
                processes.add(admin_data(http.get("/__mock/health"))["process"])
                made.append(generate(http, count=3)["batch"]["id"])
        assert len(processes) >= 2, "one worker answered everything"
        with httpx.Client(base_url=base_url, timeout=30) as http:
            assert set(made) <= {batch["id"] for batch in batches(http)}


def test_workers_of_a_memory_store_are_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--workers", "2", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers (GAMIFYHOST_MOCK_WORKERS) needs a store the processes share" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@durable
def test_a_write_is_checked_against_what_the_other_instance_kept_even_when_idle(
    pair: tuple[httpx.Client, httpx.Client],
) -> None:
    """On PostgreSQL a write skips the query a read makes first, and is kept only if nothing
    another process kept reached the store since its checks: A stays idle while B adds a
    partner, revokes a key and moves the clock; each of A's next writes answers as one mock."""
    a, b = pair
    added = admin_data(
        b.post(
            "/__mock/partners",
            json={
                "name": "Idle check",
                "applications": [
                    {
                        "name": "app",
                        "keys": [{"secret": "sk_test_idle_check_1"}, {"secret": "sk_test_idle_check_2"}],
                    }
                ],
                "campaigns": [{"slug": "idle", "environment": "TEST"}],
            },
        )
    )
    assert added["partner"]["name"] == "Idle check"
    first = {"X-API-Secret": "sk_test_idle_check_1"}
    made = a.post(
        "/v1/campaigns/codes/generate", json={"slug": "idle", "batchSize": 2, "pointsValue": 1}, headers=first
    )
    assert made.status_code == 200, made.text  # a key A's replica did not know yet
    assert b.post("/__mock/keys/revoke", json={"secret": "sk_test_idle_check_1"}).status_code == 200
    refused = a.post(
        "/v1/campaigns/codes/generate", json={"slug": "idle", "batchSize": 2, "pointsValue": 1}, headers=first
    )
    assert (refused.status_code, refused.json()["message"]) == (403, "API key has been revoked")
    second = {"X-API-Secret": "sk_test_idle_check_2"}
    code = made.json()["data"]["codes"][0]
    assert b.post("/__mock/clock", json={"advanceSeconds": 86400}).status_code == 200
    redeemed = a.post("/v1/campaigns/idle/redeem", json={"code": code, "userId": "u"}, headers=second)
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["data"]["redeemedAt"] == "2025-06-02T12:00:00Z"  # B's clock, a day on
    again = a.post("/v1/campaigns/idle/redeem", json={"code": code, "userId": "u"}, headers=second)
    assert (again.status_code, again.json()["message"]) == (409, "Code status is REDEEMED")


def test_after_a_write_finds_another_process_changed_the_store_writes_look_first_for_a_while(
    tmp_path: Path,
) -> None:
    """Two apps on one PostgreSQL schema, in process: B's write makes A's next optimistic write
    find the store moved (answered all the same), and A's writes then catch up first."""
    from starlette.testclient import TestClient
    from stores_kit import postgresql_schema

    from mockserver import create_app

    body = {"slug": "summer-promo", "batchSize": 1, "pointsValue": 1}
    headers = {"X-API-Secret": "sk_test_acme_mock_secret"}
    with (
        postgresql_schema() as url,
        TestClient(create_app(store=url)) as a,
        TestClient(create_app(store=url)) as b,
    ):
        state = a.app.state  # type: ignore[attr-defined]
        assert a.post("/v1/campaigns/codes/generate", json=body, headers=headers).status_code == 200
        assert state.moved_at == float("-inf")  # nobody else wrote: kept at once
        assert b.post("/v1/campaigns/codes/generate", json=body, headers=headers).status_code == 200
        looks: list[int] = []
        real = state.codes.refreshed

        async def counted() -> None:
            looks.append(1)
            await real()

        state.codes.refreshed = counted
        assert a.post("/v1/campaigns/codes/generate", json=body, headers=headers).status_code == 200
        assert state.moved_at > float("-inf") and looks == [1]  # found moved, looked, kept
        assert a.post("/v1/campaigns/codes/generate", json=body, headers=headers).status_code == 200
        assert looks == [1, 1]  # within the while (dispatch.CONTENDED_SECONDS): looked first
        listed = a.get("/v1/campaigns/codes/batches?slug=summer-promo&limit=100", headers=headers).json()
        assert listed["data"]["total"] == 2 + 4
