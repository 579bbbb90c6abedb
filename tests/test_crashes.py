"""kill -9 on the durable stores: a write answered 200 is there after the restart, and a write
cut off half-way is there whole or not at all.

Each trial kills the mock the moment the last answer arrives, restarts it on the same store and
looks for everything acknowledged so far. The mock runs as its own process (`python -m
mockserver`) on a free loopback port; every trial ends by itself.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_kit import FROZEN, admin_data, auth, batches, generate, redeem, stats, verify
from mock_process import mock_process
from stores_kit import DURABLE

pytestmark = pytest.mark.parametrize("store_kind", DURABLE)

TRIALS = 20


def killed(process: Any) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_no_acknowledged_write_is_lost_to_kill_9(store_url: str, tmp_path: Path) -> None:
    argv = ("--store", store_url, "--freeze-time", FROZEN, "--no-access-log")
    generated: list[str] = []  # batch ids answered 200
    redeemed: list[str] = []
    revoked: list[str] = []
    acknowledged = missing = 0
    for trial in range(TRIALS):
        with mock_process(*argv, output=tmp_path / f"run-{trial}.log") as (process, base_url):
            with httpx.Client(base_url=base_url, timeout=10) as http:
                missing += len(lost(http, generated, redeemed, revoked, clock_moves=trial))
                made = generate(http, count=5, label=f"trial {trial}")
                generated.append(made["batch"]["id"])
                assert redeem(http, made["codes"][0]).status_code == 200
                redeemed.append(made["codes"][0])
                admin_data(http.post("/__mock/revoke", json={"code": made["codes"][1]}))
                revoked.append(made["codes"][1])
                admin_data(http.post("/__mock/clock", json={"advanceSeconds": 60}))
                acknowledged += 4
            killed(process)  # the moment the last 200 is read
    with (
        mock_process(*argv, output=tmp_path / "last.log") as (_, base_url),
        httpx.Client(base_url=base_url) as http,
    ):
        missing += len(lost(http, generated, redeemed, revoked, clock_moves=TRIALS))
    kind = store_url.partition(":")[0]
    print(f"\n{kind}: {TRIALS} kill -9 trials, {acknowledged} acknowledged writes, {missing} missing")
    assert missing == 0


def lost(
    http: httpx.Client, generated: list[str], redeemed: list[str], revoked: list[str], clock_moves: int
) -> list[str]:
    """What the restarted mock does not show of the writes it acknowledged before."""
    missing = []
    listed = {batch["id"] for batch in batches(http)}
    missing += [f"batch {batch_id}" for batch_id in generated if batch_id not in listed]
    missing += [f"redeem of {code}" for code in redeemed if verify(http, code)["status"] != "REDEEMED"]
    missing += [f"revoke of {code}" for code in revoked if verify(http, code)["status"] != "REVOKED"]
    offset = admin_data(http.get("/__mock/clock"))["offsetSeconds"]
    if offset != 60 * clock_moves:
        missing.append(f"clock moves: offset {offset}, not {60 * clock_moves}")
    return missing


def every_batch(http: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        query = {"slug": "summer-promo", "limit": 100, "page": len(found) // 100 + 1}
        response = http.get("/v1/campaigns/codes/batches", params=query, headers=auth())
        data = response.json()["data"]
        found += data["batches"]
        if len(found) >= data["total"]:
            return found


def test_a_kill_in_the_middle_of_writes_leaves_whole_batches_and_a_store_that_loads(
    store_url: str, tmp_path: Path
) -> None:
    argv = ("--store", store_url, "--no-access-log")
    answered: set[str] = set()
    rng = random.Random(7)
    for trial in range(5):
        with mock_process(*argv, output=tmp_path / f"run-{trial}.log") as (process, base_url):
            stop = threading.Event()

            def write(base_url: str = base_url, stop: threading.Event = stop) -> None:
                with httpx.Client(base_url=base_url, timeout=10) as http:
                    while not stop.is_set():
                        body = {"slug": "summer-promo", "batchSize": 2_000, "pointsValue": 1}
                        try:
                            response = http.post("/v1/campaigns/codes/generate", json=body, headers=auth())
                        except httpx.TransportError:
                            return  # killed while this one was in flight
                        assert response.status_code == 200, response.text
                        answered.add(response.json()["data"]["batch"]["id"])

            writers = [threading.Thread(target=write) for _ in range(4)]
            for writer in writers:
                writer.start()
            time.sleep(0.2 + rng.random() * 0.4)
            killed(process)
            stop.set()
            for writer in writers:
                writer.join(timeout=20)
    with mock_process(*argv, output=tmp_path / "last.log") as (process, base_url):
        with httpx.Client(base_url=base_url, timeout=30) as http:
            assert admin_data(http.get("/__mock/health"))["healthy"] is True
            listed = every_batch(http)
            ids = {batch["id"] for batch in listed}
            assert answered <= ids, f"acknowledged batches missing: {answered - ids}"
            # Whole or absent: the counts are those of the listed batches, code for code.
            assert stats(http)["totalCodes"] == sum(batch["batchSize"] for batch in listed)
            assert stats(http)["totalBatches"] == len(listed)
            kind = store_url.partition(":")[0]
            print(
                f"\n{kind}: 5 kills mid-write, {len(answered)} batches answered, {len(listed)} listed whole"
            )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert len(answered) >= 5, "too few writes were answered for the trials to mean much"
    if store_url.startswith("sqlite:"):
        assert sorted(path.name for path in tmp_path.iterdir() if not path.name.endswith(".log")) == [
            "state.db"
        ]
