"""One conformance run: the header, the preflight, the checks and fuzzing side by side, the quiet
checks alone, and the verdict.

Requests whose order does not matter run concurrently, at most --workers at a time: the
behaviour checks and every generated request. The checks that compare counts before and after
(quiet) run afterwards, one by one, so that nothing else of the run changes --slug meanwhile.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TextIO

import requests

from ._threads import compiling_one_at_a_time
from .api import FOREIGN, OTHER_ENV, Api, HeldBack, Sessions
from .behaviour import BEHAVIOUR_CHECKS, BehaviourCheck, Context, Shared, Skip
from .checks import Violation
from .contract import Contract
from .exchange import CONFIGURED
from .fuzzing import PHASES, Fuzzing
from .ledger import Ledger
from .operations import BATCHES, OPERATIONS, Operation
from .progress import Progress
from .report import write_html, write_junit
from .rules import SCHEMATHESIS_CHECKS
from .settings import BY_INPUT, Settings, SettingsError, resolve
from .summary import heading, render

USAGE_ERROR = 2
READ_ONLY_NEEDS = "a run without --read-only"
CHECKS, QUIET = "checks", "counts"  # the phases of behaviour checks, beside schemathesis's


@dataclass(frozen=True)
class Report:
    """What a run found: its exit code (0 iff the target conforms), the printable summary, the books."""

    exit_code: int
    summary: str
    ledger: Ledger | None = None
    settings: Settings | None = None
    seed: int | None = None


@dataclass(frozen=True)
class Unit:
    """One thing to run: a case of a behaviour check, or a generated request."""

    operation: str
    phase: str
    name: str  # what it checks: "generate.batch_size_0_rejected[case]", or the request's phase
    run: Callable[[], str]  # returns the outcome: passed, failed, skipped or errors


class Run:
    """Everything one run shares: settings, the target's session, the books, and the checks' helpers.

    `execute()` runs it all; the pytest plugin calls `start()`, runs the units one by one, and
    calls `finish()`.
    """

    def __init__(self, settings: Settings, app: Any = None, stream: TextIO | None = None) -> None:
        self.settings = settings
        self.ledger = Ledger()
        self.sessions = Sessions(settings, self.ledger, app)
        self.api = Api(settings, self.sessions, self.ledger)
        self.shared = Shared(self.api)
        self.contract = Contract.load()
        self.fuzzing = Fuzzing(settings, self.contract, self.ledger, self.api, app)
        self.progress = Progress(stream)
        self.progress.requests = lambda: self.ledger.requests_sent

    def execute(self) -> Report:
        try:
            if self.start():
                self._run_all()
        finally:
            report = self.finish()
        return report

    def start(self) -> bool:
        """The heading, the preflight and the inputs' check; True when the run may go on."""
        self.progress.line(heading(self.settings, self.fuzzing.seed))
        self.ledger.preflight_failure = preflight(self.api)
        if self.ledger.preflight_failure is not None:
            self.progress.line("  preflight FAILED: nothing else is checked")
            return False
        self.progress.line("  preflight: the secret reaches --slug")
        for name, identity in (("foreign_secret", FOREIGN), ("other_env_secret", OTHER_ENV)):
            if (
                getattr(self.settings, name)
                and (exchange := self.api.list_batches(secret=identity)).status == 401
            ):
                # A secret the target refuses outright is a wrong input: its checks are skipped, not failed.
                answered = exchange.describe_answer(80)
                self.shared.unusable[name] = (
                    f"the target answered {answered} to {BY_INPUT[name].option}: is it right?"
                )
        return True

    def finish(self) -> Report:
        self.fuzzing.close()
        self.sessions.close()
        summary = render(self.settings, self.ledger, self.fuzzing.seed)
        if self.settings.html:
            write_html(self.settings.html, self.settings, self.ledger, self.fuzzing.seed)
        if self.settings.junit_xml:
            write_junit(self.settings.junit_xml, self.settings, self.ledger)
        return Report(
            0 if self.ledger.conforms else 1, summary, self.ledger, self.settings, self.fuzzing.seed
        )

    def _run_all(self) -> None:
        units = self.behaviour_units()
        self.progress.start()
        try:
            with ThreadPoolExecutor(self.settings.workers, thread_name_prefix="conformance") as pool:
                futures = [pool.submit(self.run_unit, unit) for unit in units if unit.phase == CHECKS]
                for operation, phase in self.fuzz_groups():
                    futures += [
                        pool.submit(self.run_unit, unit) for unit in self.fuzz_units(operation, phase)
                    ]
                for future in futures:
                    future.result()
            for unit in units:
                if unit.phase == QUIET:
                    self.run_unit(unit)
        finally:
            self.progress.stop()

    def run_unit(self, unit: Unit) -> str:
        outcome = unit.run()
        self.progress.finished(unit.operation, unit.phase, outcome)
        return outcome

    def fuzz_groups(self) -> list[tuple[Operation, str]]:
        """(operation, phase) of the generated requests to send; --read-only skips those that create."""
        groups = []
        for operation in OPERATIONS:
            if not self.settings.selects(operation.name):
                continue
            if operation.creates and self.settings.read_only:
                for check in SCHEMATHESIS_CHECKS:
                    reason = "--read-only: generated requests of it create"
                    self.ledger.skipped(operation.name, check, reason, READ_ONLY_NEEDS)
                self.progress.line(f"  {operation.name:<9} generated requests skipped: --read-only")
                continue
            groups += [(operation, phase) for phase in PHASES]
        return groups

    def fuzz_units(self, operation: Operation, phase: str) -> list[Unit]:
        cases = self.fuzzing.cases(operation, phase)
        self.progress.expect(operation.name, phase, "request", len(cases))
        name = f"{operation.name}.{phase}"
        return [Unit(operation.name, phase, name, lambda case=case: self._fuzz(case)) for case in cases]

    def _fuzz(self, case: Any) -> str:
        found = self.ledger.begin_unit()
        try:
            self.fuzzing.check(case)
        except requests.RequestException as error:
            self.ledger.error(f"{case.operation.label}: the request failed: {type(error).__name__}: {error}")
            return "errors"
        except Exception:
            self.ledger.error(f"{case.operation.label}: {traceback.format_exc(limit=3).strip()}")
            return "errors"
        return "failed" if found() else "passed"

    def behaviour_units(self) -> list[Unit]:
        """Every case of every behaviour check of the selected operations, those that run alone last."""
        units = []
        for check in BEHAVIOUR_CHECKS:
            if not self.settings.selects(check.operation):
                continue
            phase = QUIET if check.quiet else CHECKS
            for case_id, call in check.runs():
                name = f"{check.key}[{case_id}]" if case_id else check.key
                units.append(Unit(check.operation, phase, name, self._behaviour(check, case_id, call)))
        for operation, phase in dict.fromkeys((unit.operation, unit.phase) for unit in units):
            count = sum(1 for unit in units if (unit.operation, unit.phase) == (operation, phase))
            self.progress.expect(operation, phase, "check", count)
        return sorted(units, key=lambda unit: unit.phase == QUIET)

    def _behaviour(
        self, check: BehaviourCheck, case_id: str, call: Callable[[Context], None]
    ) -> Callable[[], str]:
        operation = next(operation for operation in OPERATIONS if operation.name == check.operation)
        context = Context(self.api, self.settings, self.ledger, self.shared, operation)
        prefix = f"[{case_id}] " if case_id else ""

        def run() -> str:
            if check.creates and self.settings.read_only:
                self.ledger.skipped(
                    check.operation, check.name, "--read-only: this check creates", READ_ONLY_NEEDS
                )
                return "skipped"
            try:
                call(context)
            except Skip as skip:
                self.ledger.skipped(check.operation, check.name, skip.reason, skip.needs)
                return "skipped"
            except Violation as violation:
                finding = self.api.finding(
                    check.operation, check.name, f"{prefix}{violation}", violation.exchange
                )
                self.ledger.failed(finding)
                return "failed"
            except HeldBack as held:
                self.ledger.hold_back(str(held))
                self.ledger.skipped(check.operation, check.name, f"held back: {held}")
                return "skipped"
            except requests.RequestException as error:
                self.ledger.error(
                    f"{check.key} {prefix}: the request failed: {type(error).__name__}: {error}"
                )
                return "errors"
            except Exception:
                self.ledger.error(f"{check.key} {prefix}: {traceback.format_exc(limit=4).strip()}")
                return "errors"
            self.ledger.passed(check.operation, check.name)
            return "passed"

        return run


def preflight(api: Api) -> str | None:
    """Why the secret does not reach a 2xx on --slug, or None when it does."""
    asked = f"GET {BATCHES.path}?slug={api.settings.slug} with the given secret"
    try:
        exchange = api.call(BATCHES, query={"slug": api.settings.slug}, judge=False, secret=CONFIGURED)
    except Exception as error:
        return f"{asked} failed: {type(error).__name__}: {error}"
    if exchange.succeeded:
        return None
    return (
        f"{asked} answered {exchange.describe_answer()}; expected a 2xx. Check --base-url, "
        "--api-secret and --slug (the secret must own the campaign): nothing else was checked."
    )


def evaluate(
    argv: Sequence[str] | None = None,
    *,
    app: Any = None,
    environ: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> Report:
    """Check a target; `app` runs an ASGI application in process instead of calling --base-url.

    Progress lines go to `stream` as the run goes (none when it is None).
    """
    from .cli import parser

    args = parser().parse_args(argv)
    try:
        settings = resolve(vars(args), environ, in_process=app is not None)
    except SettingsError as error:
        return Report(USAGE_ERROR, f"gamifyhost-conformance: error: {error}")
    # Hypothesis would keep what it learns under ./.hypothesis: a check of a deployment leaves
    # nothing in the directory it was started from.
    with tempfile.TemporaryDirectory(prefix="gamifyhost-conformance-") as scratch:
        previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = scratch
        try:
            with compiling_one_at_a_time():
                return Run(settings, app, stream).execute()
        finally:
            if previous is None:
                os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
            else:
                os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous


def run(argv: Sequence[str] | None = None, *, app: Any = None) -> int:
    """Check a target, printing as it goes and the summary at the end; 0 iff it conforms."""
    report = evaluate(argv, app=app, stream=sys.stdout)
    if report.ledger is None:
        print(report.summary, file=sys.stderr, flush=True)
    else:
        print("\n" + report.summary.split("\n\n", 1)[-1], flush=True)
    return report.exit_code
