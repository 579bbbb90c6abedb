"""Deployments that honour the docs and decide otherwise where they are silent are CONFORMANT, on every seed.

Documented strictly, decided leniently: the suite fails a target only on what the docs state.
Each double of legit_servers.py makes one choice the docs leave open differently from the mock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conformance_kit import ALL_OPERATIONS, SEEDS, with_seed
from har_kit import run_three_ways
from legit_servers import LEGITIMATE

from conformance.reports import render
from mockserver import create_app


# Two seeds each: seed 2 in process here, seed 1 over HTTP through the proxy below.
@pytest.mark.parametrize("make_app", LEGITIMATE.values(), ids=LEGITIMATE.keys())
def test_a_legitimate_alternative_conforms(check_in_process: Callable, make_app: Callable) -> None:
    report = check_in_process(make_app(), *ALL_OPERATIONS, base=with_seed(SEEDS[1]))
    assert report.exit_code == 0, report.summary
    assert report.summary.endswith("Verdict: CONFORMANT")


@pytest.mark.parametrize("make_app", LEGITIMATE.values(), ids=LEGITIMATE.keys())
def test_a_legitimate_alternative_conforms_through_the_proxy_and_from_its_recording(
    make_app: Callable, tmp_path: Path
) -> None:
    seen = run_three_ways(make_app(), with_seed(1), tmp_path)
    assert seen.active.exit_code == 0, seen.active.summary
    for verdict in (seen.proxy, seen.har.session):
        assert verdict is not None and verdict.exit_code == 0, (
            render(verdict) if verdict else seen.har.summary
        )


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_the_mock_conforms_on_every_seed(check_in_process: Callable, seed: int) -> None:
    report = check_in_process(create_app(), *ALL_OPERATIONS, base=with_seed(seed))
    assert report.exit_code == 0, report.summary
    assert "documented rules judged: 42 of 42" in report.summary, report.summary


def test_there_are_at_least_ten_legitimate_alternatives() -> None:
    assert len(LEGITIMATE) >= 10
