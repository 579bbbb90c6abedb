"""The schemathesis side of the suite: generated requests, every built-in check, the named checks.

Generated requests are shaped before they are sent (a `before_call` hook, so every phase is
covered and schemathesis re-reads whether the case is still positive or negative): the
campaign slug is pinned to `--slug` wherever it goes (generate's body, the queries of batches
and stats, redeem's path), and batchSize is capped at `--max-batch-size`.
"""

from __future__ import annotations

import uuid
from typing import Any

import requests
import schemathesis
from schemathesis import Case
from schemathesis.checks import CheckContext, CheckResult
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.engine import Status as CheckStatus
from schemathesis.hooks import HookContext
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.schemas import BaseSchema

from .checks import RESPONSE_CHECKS, ResponseCheck
from .contract import Contract
from .exchange import SECRET_HEADER, curl_command, exchange_from
from .ledger import Finding, Ledger
from .operations import OPERATIONS, Operation
from .settings import Settings

RUN_KEY = "x-conformance-run"  # marks the document, so the global hook knows the run it serves
_RUNS: dict[str, Fuzzing] = {}
_OPERATIONS_BY_LABEL = {operation.label: operation for operation in OPERATIONS}
STATEFUL_CHECKS = ("use_after_free", "ensure_resource_availability", "object_level_authorization")


def schemathesis_config(settings: Settings) -> SchemathesisConfig:
    """Generation, phases and checks for the target; remote targets get the careful variant."""
    remote = settings.is_remote
    config: dict[str, Any] = {
        "headers": {SECRET_HEADER: settings.api_secret},
        "request-timeout": 30,
        "suppress-health-check": ["all"],
        "generation": {
            "max-examples": settings.max_examples,
            # A seed alone would replay the example database; without one a seed is the whole story.
            "database": "none",
            # Shrinking replays a failing request hundreds of times: fine on a mock, not on production.
            "no-shrink": remote,
        },
        # These need the stateful phase, which a parametrized pytest run does not have.
        "checks": {name: {"enabled": False} for name in STATEFUL_CHECKS},
        "phases": {
            "stateful": {"enabled": False},
            # Undeclared methods (DELETE, PUT...) might change something on a real deployment.
            **({"coverage": {"unexpected-methods": []}} if remote or settings.read_only else {}),
        },
    }
    if not settings.in_process:
        config["base-url"] = settings.base_url
    if settings.seed is not None:
        config["seed"] = settings.seed
    return SchemathesisConfig.from_dict(config)


class Fuzzing:
    """One run's schemathesis schema, its hooks, and how each generated case is sent and judged."""

    def __init__(
        self,
        settings: Settings,
        contract: Contract,
        ledger: Ledger,
        session: requests.Session,
        app: Any = None,
    ) -> None:
        self.settings, self.contract, self.ledger, self.session = settings, contract, ledger, session
        self.run_id = uuid.uuid4().hex
        document = contract.for_schemathesis({operation.operation_id for operation in OPERATIONS})
        document[RUN_KEY] = self.run_id
        self.config = schemathesis_config(settings)
        self.schema: BaseSchema = schemathesis.openapi.from_dict(document, config=self.config)
        if app is not None:
            self.schema.app = app
        self.schema.hooks.register_hook_with_name(self._record_results, "after_validate")
        self.schema.hooks.register_hook_with_name(self._keep_failure, "filter_failure")
        self.checks = [self._as_schemathesis_check(check) for check in RESPONSE_CHECKS]
        _RUNS[self.run_id] = self

    @property
    def seed(self) -> int:
        return self.config.seed

    def close(self) -> None:
        _RUNS.pop(self.run_id, None)

    def validate(self, case: Case) -> None:
        """Send a generated case and run every built-in check and every named response check."""
        case.call_and_validate(session=self.session, additional_checks=self.checks)

    def shape(self, case: Case) -> None:
        """Pin the campaign and cap the batch, in place; other values stay as generated."""
        if isinstance(case.body, dict):
            self._pin_slug(case.body)
            if "batchSize" in case.body:
                case.body["batchSize"] = capped(case.body["batchSize"], self.settings.max_batch_size)
        if isinstance(case.query, dict):
            self._pin_slug(case.query)
        if isinstance(case.path_parameters, dict):
            self._pin_slug(case.path_parameters)

    def _pin_slug(self, container: dict[str, Any]) -> None:
        # Only a slug that is already valid: a negative case about the slug keeps its point.
        if isinstance(container.get("slug"), str) and container["slug"]:
            container["slug"] = self.settings.slug

    def _as_schemathesis_check(self, check: ResponseCheck) -> Any:
        def run(_ctx: CheckContext, response: Response, case: Case) -> bool | None:
            operation = _OPERATIONS_BY_LABEL.get(case.operation.label)
            if operation is None:
                return True
            exchange = exchange_from(operation, response.request, response.status_code, response.content)
            if not check.applies_to(exchange):
                return True  # "skipped": only applicable checks count as passed
            check.function(exchange, self.ledger)  # a Violation is an AssertionError: a failure
            return None

        run.__name__ = check.name
        return run

    def _record_results(
        self, _context: HookContext, case: Case, response: Response, results: list[CheckResult]
    ) -> None:
        operation = _OPERATIONS_BY_LABEL.get(case.operation.label)
        if operation is None:
            return
        for result in results:
            if result.status == CheckStatus.SUCCESS:
                self.ledger.passed(operation.name, result.name)
            elif result.failure is not None:
                self.ledger.failed(self._finding(operation, result.name, result.failure, response))

    def _finding(self, operation: Operation, check: str, failure: Failure, response: Response) -> Finding:
        if failure.title.startswith("Custom check failed"):  # one of the named checks: its own words
            message = failure.message
        else:
            text = response.content.decode("utf-8", "replace")
            answer = text if len(text) <= 300 else text[:300] + "..."
            said = ": ".join(part for part in (failure.title, failure.message.strip()) if part)
            message = f"{said}\nReceived: {response.status_code} {answer}"
        lines = [line for line in message.strip().splitlines() if line.strip()]
        curl = curl_command(response.request, self.settings.api_secret)
        return Finding(operation.name, check, "\n".join(lines), curl)

    def _keep_failure(self, _context: HookContext, failure: Failure, case: Case, _response: Response) -> bool:
        """Drop a rejection of valid data the contract leaves the deployment free to refuse."""
        if not isinstance(failure, RejectedPositiveData):
            return True
        operation = _OPERATIONS_BY_LABEL.get(case.operation.label)
        if operation is None:
            return True
        return not self.contract.decided_reasons(operation.operation_id, case.body, case.query or {})


def capped(value: Any, cap: int) -> Any:
    """`value` if it asks for at most `cap` codes, else `cap` (in the same JSON type where it is text)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value > cap:
        return cap
    text = value.strip().removeprefix("+") if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and int(text) > cap:
        return str(cap)
    return value


@schemathesis.hook
def before_call(_context: HookContext, case: Case, _kwargs: dict[str, Any]) -> None:
    """Shape generated cases of conformance runs; leave everything else alone."""
    run = _RUNS.get(case.operation.schema.raw_schema.get(RUN_KEY, ""))
    if run is not None and case.meta is not None:
        run.shape(case)
