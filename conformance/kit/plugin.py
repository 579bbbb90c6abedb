"""pytest plugin of the suite (entry point `gamifyhost-conformance`): `pytest --pyargs conformance`.

Loaded by every pytest session of an environment that installs the package, it only adds its
`--gh-*` options until tests of the `conformance` package are collected. Then each probe (each
case of it) and each phase of generated requests of each operation is one test, run one after
the other: it fails when the judge found a documented rule broken by its traffic. The run's
summary ends the session's report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ..sources.settings import INPUTS, READ_ONLY_HELP, SettingsError, resolve

if TYPE_CHECKING:
    from ..sources.active.run import Run, Unit

RUN = pytest.StashKey["Run"]()
REPORT = pytest.StashKey[str]()
UNIT_FIXTURE = "conformance_unit"


def pytest_addoption(parser: pytest.Parser) -> None:
    # Prefixed: other plugins (pytest-base-url) own --base-url.
    group = parser.getgroup("gamifyhost", "GamifyHost conformance suite (pytest --pyargs conformance)")
    for item in INPUTS:
        group.addoption(
            f"--gh-{item.option.removeprefix('--')}",
            dest=f"gh_{item.name}",
            metavar=item.metavar,
            help=item.describe(),
        )
    group.addoption("--gh-read-only", dest="gh_read_only", action="store_true", help=READ_ONLY_HELP)


def _run(config: pytest.Config) -> Run:
    if RUN not in config.stash:
        from ..sources.active.run import Run

        options = {item.name: config.getoption(f"gh_{item.name}") for item in INPUTS}
        options["read_only"] = config.getoption("gh_read_only")
        try:
            settings = resolve(options)
        except SettingsError as error:
            raise pytest.UsageError(
                f"conformance: {error} (as pytest options: --gh-base-url and so on)"
            ) from None
        config.stash[RUN] = Run(settings)
    return config.stash[RUN]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if UNIT_FIXTURE not in metafunc.fixturenames:
        return
    run = _run(metafunc.config)
    probes = run.probe_units()
    units: list[Any] = [unit for unit in probes if not unit.alone]
    units += [("fuzz", operation, phase) for operation, phase in run.fuzz_groups()]
    units += [unit for unit in probes if unit.alone]
    ids = [unit.name if not isinstance(unit, tuple) else f"{unit[1].name}.{unit[2]}" for unit in units]
    metafunc.parametrize(UNIT_FIXTURE, units, ids=ids)


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Run:
    """The run, past its preflight; a failed preflight fails every test."""
    run = _run(request.config)
    if run.started is None:
        run.start()
    reason = run.session.preflight_failure or run.session.unreachable
    if reason:
        pytest.fail(f"preflight: {reason}", pytrace=False)
    return run


def run_unit(run: Run, unit: Any) -> None:
    """Run one test's unit (a probe's case, or a phase of generated requests); fail on what the judge
    found in its traffic."""
    units: list[Unit] = run.fuzz_units(unit[1], unit[2]) if isinstance(unit, tuple) else [unit]
    books = run.judge.books
    before, errors = len(books.findings), len(books.errors)
    outcomes = [run.run_unit(each) for each in units]
    found = [finding for finding in books.findings[before:] if finding.documented]
    if found:
        pytest.fail("\n\n".join(f"{finding.key}: {finding.message}" for finding in found), pytrace=False)
    if len(books.errors) > errors:
        pytest.fail(books.errors[-1], pytrace=False)
    if outcomes and set(outcomes) == {"skipped"}:
        operation, _, name = units[0].name.split("[")[0].partition(".")
        pytest.skip(run.session.probes[(operation, name)].skipped)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if RUN in session.config.stash and session.config.stash[RUN].started is not None:
        from ..reports import render, write_files

        finished = session.config.stash[RUN].finish()
        write_files(finished)
        session.config.stash[REPORT] = render(finished)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if REPORT in config.stash:
        terminalreporter.write_sep("=", "GamifyHost conformance")
        terminalreporter.write_line(config.stash[REPORT])
