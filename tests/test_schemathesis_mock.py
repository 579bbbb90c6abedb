"""A schemathesis run of the mock, in-process: every phase, positive and negative data, every
built-in check, more than 1,000 generated requests, and nothing found.

The run is what `schemathesis run` does (schemathesis.engine), seeded so CI sees the same
requests each time. Generated requests are shaped before they are sent, keeping whether each
is valid or not: batchSize is capped at 50 (the coverage phase sends 10000), most valid slugs
become `summer-promo` and half the codes become real ones, so that 2xx answers, redemptions and
409s are reached, not only 404s.
"""

from __future__ import annotations

import collections
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import StopReason, events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER, unregister

from mockserver import create_app

SPEC_FILE = Path(__file__).resolve().parents[1] / "openapi.yaml"
ACME_TEST = "sk_test_acme_mock_secret"
RUN_KEY = "x-mock-schemathesis-run"
MAX_BATCH = 50
pytestmark = pytest.mark.timeout(240)


class Run:
    """One schemathesis run of a fresh mock: how requests are shaped, and what was sent."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex
        self.app = create_app(seed=7)
        backend = self.app.state.codes
        self.codes = backend.generate_codes(backend.authenticate(ACME_TEST), "summer-promo", 200, 10).codes
        self.codes_before = backend.code_count
        self.sent: collections.Counter[tuple[str, str]] = collections.Counter()  # (operation, phase)
        self.statuses: collections.Counter[tuple[str, int]] = collections.Counter()
        self.modes: collections.Counter[str] = collections.Counter()  # positive, negative

    def shape(self, case: Any) -> None:
        """Cap, pin and normalise values in place, only where the value is valid already."""
        for container in (case.body, case.query, case.path_parameters):
            if not isinstance(container, dict):
                continue
            if _nonempty_text(container.get("slug")) and _share(container["slug"], 4) != 0:
                container["slug"] = "summer-promo"
            if _nonempty_text(container.get("code")) and _share(container["code"], 2) == 0:
                container["code"] = self.codes[_share(container["code"], len(self.codes))]
            size = container.get("batchSize")
            # 2.0 is the integer 2 (decided): a whole float is capped as well.
            if type(size) in (int, float) and MAX_BATCH < size <= 10_000 and size == int(size):
                container["batchSize"] = MAX_BATCH


def _nonempty_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _share(text: str, buckets: int) -> int:
    """A bucket of `text` that is the same on every run (unlike hash())."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % buckets


def schema_for(run: Run) -> Any:
    document = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    document[RUN_KEY] = run.id
    config = SchemathesisConfig.from_dict(
        {
            "headers": {"X-API-Secret": ACME_TEST},
            "seed": 20261123,
            "suppress-health-check": ["all"],
            "generation": {"max-examples": 140, "database": "none"},
        }
    )
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.app = run.app

    def note_status(_context: Any, case: Any, response: Any) -> None:
        if case.operation.schema.raw_schema.get(RUN_KEY) == run.id:
            run.statuses[(case.operation.label, response.status_code)] += 1

    schema.hooks.register_hook_with_name(note_status, "after_call")
    return schema


@pytest.fixture
def run() -> Iterator[Run]:
    """A run whose requests a global before_call hook shapes and counts (before_call is global only)."""
    current = Run()

    def before_call(_context: Any, case: Any, _kwargs: Any) -> None:
        if case.operation.schema.raw_schema.get(RUN_KEY) == current.id:
            phase = case.meta.phase.name.value if case.meta is not None else "explicit"
            current.sent[(case.operation.label, phase)] += 1
            if case.meta is not None:
                current.modes[case.meta.generation.mode.value] += 1
            current.shape(case)

    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
    try:
        yield current
    finally:
        unregister(before_call)


def findings(stream: Any) -> tuple[list[str], list[str], Any]:
    """The failed checks and the errors of a run, and how it stopped."""
    failed, errors, finished = [], [], None
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            for checks in event.recorder.checks.values():
                failed += [
                    f"{check.name}: {info.failure.title}\n{info.failure.message}\n{info.code_sample}"
                    for check in checks
                    if (info := check.failure_info) is not None
                ]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(repr(event))
        elif isinstance(event, events.EngineFinished):
            finished = event.stop_reason
    return failed, errors, finished


def test_a_schemathesis_run_of_1000_requests_and_more_finds_nothing(run: Run) -> None:
    failed, errors, stopped = findings(from_schema(schema_for(run)).execute())
    assert failed == [], "\n\n".join(sorted(set(failed))[:10])
    assert errors == []
    assert stopped == StopReason.COMPLETED
    phases = {phase for _, phase in run.sent}
    assert {"examples", "coverage", "fuzzing", "stateful"} <= phases
    assert run.modes["positive"] > 0 and run.modes["negative"] > 0
    assert sum(run.sent.values()) >= 1000, run.sent
    operations = {label for label, _ in run.sent}
    assert len(operations) == 5
    # A wrong secret would make a green run of 401s: every operation must have succeeded too.
    assert {label for label, status in run.statuses if 200 <= status < 300} == operations
    redeemed = run.statuses[("POST /v1/campaigns/{slug}/redeem", 200)]
    assert redeemed > 0 and run.statuses[("POST /v1/campaigns/{slug}/redeem", 409)] > 0
    # The cap held in every phase, the coverage phase's batchSize=10000 included.
    generated = run.statuses[("POST /v1/campaigns/codes/generate", 200)]
    assert run.app.state.codes.code_count - run.codes_before <= MAX_BATCH * generated
