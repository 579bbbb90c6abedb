"""Graceful shutdown of `python -m mockserver` on SIGTERM: the request in flight is answered,
the store keeps everything done before and during it, and the process exits with 0.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from mock_process import mock_process

GENERATE = "/v1/campaigns/codes/generate"
HEADERS = {"X-API-Secret": "sk_test_acme_mock_secret"}
BODY = {"slug": "summer-promo", "batchSize": 3, "pointsValue": 10}
pytestmark = pytest.mark.timeout(60)


def saved_batch_ids(state_file: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(state_file)) as database:
        rows = database.execute("SELECT body FROM events WHERE kind = 'batch'")
        return {json.loads(body)["id"] for (body,) in rows}


def test_sigterm_lets_the_request_in_flight_finish_saves_the_state_and_exits_0(tmp_path: Path) -> None:
    state_file, output = tmp_path / "state.db", tmp_path / "mock.log"
    argv = ("--no-access-log", "--state-file", str(state_file))
    with mock_process(*argv, output=output) as (process, base_url):
        before = httpx.post(f"{base_url}{GENERATE}", json=BODY, headers=HEADERS, timeout=10).json()
        answered: dict[str, Any] = {}
        sending = threading.Event()

        def slow_generate() -> None:
            headers = {**HEADERS, "Prefer": "delay=2000"}  # held in the mock for 2 s, then generated
            sending.set()
            answered["response"] = httpx.post(f"{base_url}{GENERATE}", json=BODY, headers=headers, timeout=15)
            answered["at"] = time.monotonic()

        client = threading.Thread(target=slow_generate)
        client.start()
        assert sending.wait(5)
        time.sleep(0.7)
        signalled_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        client.join(timeout=15)
        assert process.wait(timeout=15) == 0
    response = answered["response"]
    assert response.status_code == 200, response.text
    assert answered["at"] > signalled_at + 0.5, "the slow request was not in flight at SIGTERM"
    in_flight = response.json()["data"]["batch"]["id"]
    assert {before["data"]["batch"]["id"], in_flight} <= saved_batch_ids(state_file)
    # Closed cleanly: SQLite's log went into the file, and nothing is left beside it.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mock.log", "state.db"]
    log = output.read_text(encoding="utf-8")
    assert "Traceback" not in log
    assert "Waiting for application shutdown" in log
