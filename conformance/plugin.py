"""pytest plugin of the suite (entry point `gamifyhost-conformance`): options, markers, selection,
each check's outcome, the summary, and keeping the secret out of every report.

It is loaded by every pytest session of an environment that installs the package, and does
nothing unless tests of the `conformance` package are collected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from schemathesis.core.failures import FailureGroup

from .checks import Violation
from .exchange import curl_command, mask
from .ledger import Finding
from .operations import BY_NAME, CREATES_MARKER, OPERATIONS
from .settings import OPTIONS, READ_ONLY_HELP, Settings, SettingsError, option_help, resolve
from .summary import render
from .target import Target

PACKAGE_DIR = Path(__file__).parent
FUZZING_MODULE = "conformance.test_schema"
SETTINGS = pytest.StashKey[Settings]()
APP = pytest.StashKey[Any]()
TARGET = pytest.StashKey[Target]()
QUIET_SUMMARY = pytest.StashKey[bool]()  # the console script prints the summary itself


def pytest_addoption(parser: pytest.Parser) -> None:
    # Prefixed: other plugins (pytest-base-url) own --base-url.
    group = parser.getgroup("gamifyhost", "GamifyHost conformance suite (pytest --pyargs conformance)")
    for name, (metavar, _help) in OPTIONS.items():
        flag = f"--gh-{name.replace('_', '-')}"
        group.addoption(flag, dest=f"gh_{name}", metavar=metavar, help=option_help(name))
    group.addoption("--gh-read-only", dest="gh_read_only", action="store_true", help=READ_ONLY_HELP)


def pytest_configure(config: pytest.Config) -> None:
    for operation in OPERATIONS:
        config.addinivalue_line("markers", f"{operation.name}: conformance checks of {operation.title}")
    config.addinivalue_line(
        "markers", f"{CREATES_MARKER}: the check creates batches or redeems codes; --read-only skips it"
    )


def settings_of(config: pytest.Config) -> Settings:
    """The run's settings: given by the console script, or read from --gh-* options and the environment."""
    if SETTINGS not in config.stash:
        options = {name: config.getoption(f"gh_{name}") for name in [*OPTIONS, "read_only"]}
        try:
            config.stash[SETTINGS] = resolve(options)
        except SettingsError as error:
            raise pytest.UsageError(
                f"conformance: {error} (as pytest options: --gh-base-url and so on)"
            ) from None
    return config.stash[SETTINGS]


def is_conformance_item(item: pytest.Item) -> bool:
    return Path(item.path).is_relative_to(PACKAGE_DIR)


def operation_of(item: pytest.Item) -> str:
    """The operation a test checks: its operation marker."""
    return next((mark.name for mark in item.iter_markers() if mark.name in BY_NAME), "")


def check_name(item: pytest.Item) -> str:
    return getattr(item, "originalname", item.name).removeprefix("test_")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(is_conformance_item(item) for item in items):
        return
    settings = settings_of(config)
    selected = [item for item in items if not is_conformance_item(item) or _selected(item, settings)]
    if len(selected) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in selected])
        items[:] = selected


def _selected(item: pytest.Item, settings: Settings) -> bool:
    operation = operation_of(item)
    return not operation or settings.selects(operation)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if (
        is_conformance_item(item)
        and item.get_closest_marker(CREATES_MARKER)
        and settings_of(item.config).read_only
    ):
        pytest.skip("--read-only: this check creates batches or redeems codes")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if not is_conformance_item(item):
        return report
    target = item.config.stash.get(TARGET, None)
    if target is not None:
        _account(item, call, report, target)
    _mask(report, settings_of(item.config).api_secret)
    return report


def _account(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, target: Target
) -> None:
    """Turn a test's outcome into its check's outcome in the ledger."""
    ledger, operation, name = target.ledger, operation_of(item), check_name(item)
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        ledger.skipped(operation, name, reason.removeprefix("Skipped: "))
        return
    if report.when != "call":
        return
    fuzzing = getattr(item, "module", None) is not None and item.module.__name__ == FUZZING_MODULE
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, Violation):
        curl = curl_command(error.exchange.request, target.settings.api_secret) if error.exchange else None
        case = f"[{item.callspec.id}] " if hasattr(item, "callspec") else ""
        ledger.failed(Finding(operation, name, f"{case}{error}", curl, item.nodeid))
    elif report.failed and not (fuzzing and _is_schemathesis_failure(error)):
        ledger.errors.append(
            f"{item.nodeid}: {call.excinfo.exconly() if call.excinfo else report.longreprtext}"
        )
    elif report.passed and not fuzzing:
        ledger.passed(operation, name)
        observed = ledger.findings_of(item.nodeid)
        if observed:  # a response check failed on an answer this test received
            report.outcome = "failed"
            report.longrepr = "\n\n".join(f"{finding.check}: {finding.message}" for finding in observed)


def _is_schemathesis_failure(error: BaseException | None) -> bool:
    # Its findings were recorded check by check as they happened (after_validate).
    return isinstance(error, FailureGroup | AssertionError)


def _mask(report: pytest.TestReport, secret: str) -> None:
    """Keep the secret out of terminal output and junit XML, whatever the target echoed."""
    if isinstance(report.longrepr, tuple):
        path, line, reason = report.longrepr
        report.longrepr = (path, line, mask(reason, secret))
    elif report.longrepr is not None and secret in str(report.longrepr):
        report.longrepr = mask(str(report.longrepr), secret)
    report.sections = [(title, mask(content, secret)) for title, content in report.sections]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    target = config.stash.get(TARGET, None)
    if target is None or config.stash.get(QUIET_SUMMARY, False):
        return
    terminalreporter.write_sep("=", "GamifyHost conformance")
    terminalreporter.write_line(render(target, int(exitstatus)))


def pytest_unconfigure(config: pytest.Config) -> None:
    """Scrub the junit XML too, in case a report slipped past the masking above."""
    xml_path = getattr(config.option, "xmlpath", None)
    if not xml_path or SETTINGS not in config.stash or not Path(xml_path).is_file():
        return
    secret = config.stash[SETTINGS].api_secret
    text = Path(xml_path).read_text(encoding="utf-8")
    if secret and secret in text:
        Path(xml_path).write_text(mask(text, secret), encoding="utf-8")
