"""Run the suite from Python: `run(argv)` for the console script, `evaluate(argv)` for a structured result."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .plugin import APP, QUIET_SUMMARY, SETTINGS, TARGET
from .settings import Settings, SettingsError, resolve
from .summary import conforms, render
from .target import Target

PACKAGE = Path(__file__).parent
USAGE_ERROR = 2


@dataclass(frozen=True)
class Report:
    """What a run found: its exit code (0 iff the target conforms) and the printable summary."""

    exit_code: int
    summary: str
    target: Target | None = None


class _RunOptions:
    """Hands the parsed settings (and an in-process app) to the plugin, and takes back the target."""

    def __init__(self, settings: Settings, app: Any) -> None:
        self.settings, self.app = settings, app
        self.target: Target | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[SETTINGS] = self.settings
        config.stash[APP] = self.app
        config.stash[QUIET_SUMMARY] = True

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.target = session.config.stash.get(TARGET, None)


def evaluate(
    argv: Sequence[str] | None = None, *, app: Any = None, environ: Mapping[str, str] | None = None
) -> Report:
    """Check a target; `app` runs an ASGI application in process instead of calling --base-url."""
    from .cli import parser

    cli = parser()
    args = cli.parse_args(argv)
    try:
        settings = resolve(vars(args), environ, in_process=app is not None)
    except SettingsError as error:
        return Report(USAGE_ERROR, f"gamifyhost-conformance: error: {error}")
    options = _RunOptions(settings, app)
    status = pytest.main(pytest_arguments(args.junit_xml), plugins=[options])
    if options.target is None:
        return Report(
            int(status) or USAGE_ERROR,
            f"gamifyhost-conformance: nothing was checked (pytest exit status {status})",
        )
    target = options.target
    code = 0 if conforms(target.ledger, int(status)) else max(int(status), 1)
    return Report(code, render(target, int(status)), target)


def pytest_arguments(junit_xml: str | None) -> list[str]:
    """The suite in the installed package, shielded from the configuration of the current directory."""
    arguments = [
        "--pyargs", "conformance",
        "-c", os.devnull, "--rootdir", str(PACKAGE.parent),
        "-p", "no:cacheprovider",
        "-q", "--no-header", "--tb=no", "-rN",
        # In process, plugins imported before pytest starts cannot be rewritten; that is fine here.
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
    ]  # fmt: skip
    if junit_xml:
        arguments += ["--junit-xml", junit_xml]
    return arguments


def run(argv: Sequence[str] | None = None, *, app: Any = None) -> int:
    """Check a target and print the summary; the exit code is 0 iff it conforms."""
    report = evaluate(argv, app=app)
    stream = sys.stdout if report.exit_code != USAGE_ERROR or report.target else sys.stderr
    print(report.summary, file=stream, flush=True)
    return report.exit_code
