"""Schemathesis's own command line, every check and every phase, finds nothing in the mock.

An independent reading of openapi.yaml: `st run` with no hook and no filter of this project's,
against `gamifyhost-mock` on its bundled fixtures, today and at a date past every fixture's
expiry. Seeded, so CI sends the same requests each time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers_kit import ACME_TEST, SPEC_FILE, STATS
from mock_process import mock_process

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize(
    ("clock", "seed"),
    [
        pytest.param([], 20261206, id="today"),
        pytest.param(["--freeze-time", "2031-06-01T00:00:00Z"], 7, id="2031"),
    ],
)
def test_schemathesis_cli_finds_nothing(tmp_path: Path, clock: list[str], seed: int) -> None:
    with mock_process("--no-access-log", *clock, output=tmp_path / "mock.log") as (_process, base_url):
        before = httpx.get(
            base_url + STATS, params={"slug": "summer-promo"}, headers={"X-API-Secret": ACME_TEST}
        )
        command = [sys.executable, "-m", "schemathesis.cli", "run", str(SPEC_FILE), "--url", base_url]
        command += ["--header", f"X-API-Secret: {ACME_TEST}", "--checks", "all"]
        command += ["--phases", "examples,coverage,fuzzing,stateful", "--seed", str(seed)]
        command += ["--generation-database", "none"]
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=240)
        after = httpx.get(
            base_url + STATS, params={"slug": "summer-promo"}, headers={"X-API-Secret": ACME_TEST}
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in run.stdout, run.stdout[-3000:]
    # The link from generate to redeem: stateful runs redeem codes they generated, beyond the
    # one code of the redeem example.
    redeemed = after.json()["data"]["redeemedCodes"] - before.json()["data"]["redeemedCodes"]
    assert redeemed >= 2, run.stdout[-3000:]
