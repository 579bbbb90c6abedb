"""One active run: the preflight, the probes and the generated requests side by side, the probes that
compare counts alone, and the session the reports read.

Requests whose order does not matter run concurrently, at most --workers at a time: the probes
and every generated request. The probes that compare counts before and after (quiet) run
afterwards, one by one, each in a window of the judge's: nothing else of the run touches --slug
meanwhile, so the judge holds their counts to exactly what happened.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from ...judge import Judge
from ...judge.contract import Contract
from ...judge.operations import BATCHES, OPERATIONS, Operation
from ...judge.roles import API, FOREIGN, OTHER_ENV
from ..session import ProbeOutcome, Session
from ..settings import BY_INPUT, Settings
from .fuzzing import PHASES, Fuzzing
from .probes import PROBES, Context, Probe, Shared, Skip
from .target import HeldBack, Target

READ_ONLY_NEEDS = "a run without --read-only"
PROBES_PHASE, QUIET = "probes", "counts"  # the phases of probes, beside schemathesis's


class Progress(Protocol):
    """Where a run says how it goes (reports.progress.Progress, or nothing)."""

    def begin(self, session: Session) -> None: ...
    def line(self, text: str) -> None: ...
    def expect(self, operation: str, phase: str, noun: str, count: int) -> None: ...
    def finished(self, operation: str, phase: str, outcome: str) -> None: ...
    def start(self, requests_sent: Callable[[], int]) -> None: ...
    def stop(self) -> None: ...


class Silent:
    def begin(self, session: Session) -> None:
        pass

    def line(self, text: str) -> None:
        pass

    def expect(self, operation: str, phase: str, noun: str, count: int) -> None:
        pass

    def finished(self, operation: str, phase: str, outcome: str) -> None:
        pass

    def start(self, requests_sent: Callable[[], int]) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass(frozen=True)
class Unit:
    """One thing to run: a case of a probe, or a generated request."""

    operation: str
    phase: str
    name: str  # "generate.batch_size_0[case]", or the request's phase
    run: Callable[[], str]  # returns the outcome: ran, skipped or errors

    @property
    def alone(self) -> bool:
        """Whether it runs alone, after everything else (a probe that compares counts)."""
        return self.phase == QUIET


class Run:
    """Everything one run shares: settings, the judge, the target, the probes' helpers.

    `execute()` runs it all; the pytest plugin calls `start()`, runs the units one by one, and
    calls `finish()`.
    """

    def __init__(self, settings: Settings, app: Any = None, progress: Progress | None = None) -> None:
        self.settings = settings
        self.judge = Judge(settings.roles(), settings.slugs(), own_codes=True)
        self.target = Target(settings, self.judge, app)
        self.shared = Shared(self.target)
        self.fuzzing = Fuzzing(settings, Contract.load(), self.target, app)
        self.progress: Progress = progress or Silent()
        self.session = Session(settings, self.judge, self.fuzzing.seed, self.target.traffic)
        self.started: bool | None = None

    def execute(self) -> Session:
        try:
            if self.start():
                self._run_all()
        finally:
            self.finish()
        return self.session

    def start(self) -> bool:
        """The preflight and the inputs' check; True when the run may go on."""
        self.started = False
        self.progress.begin(self.session)
        reason, unreachable = preflight(self.target)
        if unreachable:
            self.session.unreachable = reason
            return False
        if reason is not None:
            self.session.preflight_failure = reason
            self.progress.line("  preflight FAILED: nothing else is checked")
            return False
        self.progress.line("  preflight: the secret reaches --slug")
        for name, role in (("foreign_secret", FOREIGN), ("other_env_secret", OTHER_ENV)):
            if (
                getattr(self.settings, name)
                and (exchange := self.target.list_batches(secret=role)).status == 401
            ):
                # A secret the target refuses outright is a wrong input: its probes are skipped.
                answered = exchange.describe_answer(80)
                self.shared.unusable[name] = (
                    f"the target answered {answered} to {BY_INPUT[name].option}: is it right?"
                )
        self.started = True
        return True

    def finish(self) -> Session:
        self.fuzzing.close()
        self.target.close()
        return self.session

    def _run_all(self) -> None:
        units = self.probe_units()
        self.progress.start(lambda: self.target.traffic.requests_sent)
        try:
            with ThreadPoolExecutor(self.settings.workers, thread_name_prefix="conformance") as pool:
                futures = [pool.submit(self.run_unit, unit) for unit in units if not unit.alone]
                for operation, phase in self.fuzz_groups():
                    futures += [
                        pool.submit(self.run_unit, unit) for unit in self.fuzz_units(operation, phase)
                    ]
                for future in futures:
                    future.result()
            for unit in units:
                if unit.alone:
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
        try:
            self.fuzzing.send(case)
        except requests.RequestException as error:
            self.judge.books.error(
                f"{case.operation.label}: the request failed: {type(error).__name__}: {error}"
            )
            return "errors"
        except Exception:
            self.judge.books.error(f"{case.operation.label}: {traceback.format_exc(limit=3).strip()}")
            return "errors"
        return "ran"

    def probe_units(self) -> list[Unit]:
        """Every case of every probe of the selected operations, those that run alone last."""
        units = []
        for probe in PROBES:
            if not self.settings.selects(probe.operation):
                continue
            phase = QUIET if probe.quiet else PROBES_PHASE
            for case_id, call in probe.runs():
                name = f"{probe.key}[{case_id}]" if case_id else probe.key
                units.append(Unit(probe.operation, phase, name, self._probe(probe, call)))
        for operation, phase in dict.fromkeys((unit.operation, unit.phase) for unit in units):
            count = sum(1 for unit in units if (unit.operation, unit.phase) == (operation, phase))
            self.progress.expect(operation, phase, "probe", count)
        return sorted(units, key=lambda unit: unit.alone)

    def _probe(self, probe: Probe, call: Callable[[Context], None]) -> Callable[[], str]:
        operation = next(operation for operation in OPERATIONS if operation.name == probe.operation)
        context = Context(self.target, self.settings, self.shared, operation)
        shows = tuple(rule.id for rule in probe.shows)
        outcome = self.session.probes.setdefault((probe.operation, probe.name), ProbeOutcome(shows))

        def skipped(reason: str, needs: str = "") -> str:
            if not outcome.ran:
                outcome.skipped, outcome.needs = reason, needs
            return "skipped"

        def run() -> str:
            if probe.creates and self.settings.read_only:
                return skipped("--read-only: this probe creates", READ_ONLY_NEEDS)
            try:
                if probe.quiet:
                    with self.target.window():
                        call(context)
                else:
                    call(context)
            except Skip as skip:
                return skipped(skip.reason, skip.needs)
            except HeldBack as held:
                self.target.traffic.hold_back(str(held))
                return skipped(f"held back: {held}")
            except requests.RequestException as error:
                self.judge.books.error(f"{probe.key}: the request failed: {type(error).__name__}: {error}")
                return "errors"
            except Exception:
                self.judge.books.error(f"{probe.key}: {traceback.format_exc(limit=4).strip()}")
                return "errors"
            outcome.ran += 1
            outcome.skipped = outcome.needs = ""
            return "ran"

        return run


def preflight(target: Target) -> tuple[str | None, bool]:
    """(why the secret does not reach a 2xx on --slug, whether the target could not be reached at all);
    (None, False) when it does."""
    settings = target.settings
    asked = f"GET {BATCHES.path}?slug={settings.slug} with the given secret"
    try:
        exchange = target.list_batches(secret=API)
    except requests.RequestException as error:
        return f"cannot reach {settings.base_url}: {cause_of(error)}", True
    if exchange.succeeded:
        return None, False
    return (
        f"{asked} answered {exchange.describe_answer()}; expected a 2xx. Check --base-url, "
        "--api-secret and --slug (the secret must own the campaign): nothing else was checked.",
        False,
    )


def cause_of(error: requests.RequestException) -> str:
    """What stopped a request, in a few words."""
    text = str(error)
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    if "Connection refused" in text:
        return "connection refused (nothing listens there: is it running, on that port?)"
    if any(
        sign in text for sign in ("Name or service not known", "name resolution", "nodename nor servname")
    ):
        return "its host name does not resolve"
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS failed: {text[:160]}"
    return f"{type(error).__name__}: {text[:160]}"
