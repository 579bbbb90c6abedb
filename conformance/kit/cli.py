"""`gamifyhost-conformance`: judge an implementation of the GamifyHost codes API against its documented
contract, by sending requests (the default), from recorded HAR files (--har), or as a proxy in
front of it (--proxy).

Exit status: 0 when the traffic conforms, 1 when it breaks a documented rule, 2 for a usage
error (a missing input, an unreadable HAR file), 3 when the target could not be reached at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from ..judge import Finding, Judge
from ..reports import Progress, render, violation_line, write_files
from ..reports.json import report as json_report
from ..sources import Session, SettingsError, resolve
from ..sources.active import run_active
from ..sources.har import HarError, HarWriter, judge_har
from ..sources.session import UNREACHABLE, USAGE
from ..sources.settings import HAR, INPUTS, PROXY, READ_ONLY_HELP, RECORD_HELP, SOLE_CLIENT_HELP, Settings

PROG = "gamifyhost-conformance"


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog=PROG,
        description="Judge whether an implementation of the GamifyHost codes API honours its documented "
        "contract: by sending requests of its own (the default), from recorded traffic (--har), or as "
        "a proxy in front of it (--proxy). Exit status 0 iff the traffic conforms, 1 if it breaks a "
        "documented rule, 2 for a usage error, 3 when the target cannot be reached.",
    )
    for item in INPUTS:
        cli.add_argument(item.option, dest=item.name, metavar=item.metavar, help=item.describe())
    cli.add_argument("--read-only", action="store_true", help=READ_ONLY_HELP)
    cli.add_argument("--sole-client", action="store_true", help=SOLE_CLIENT_HELP)
    cli.add_argument(
        "--har",
        metavar="FILE",
        action="append",
        help="judge the traffic recorded in this HAR 1.2 file (repeat for several); nothing is sent",
    )
    cli.add_argument(
        "--proxy",
        metavar="HOST:PORT",
        help="listen there as a reverse proxy to --base-url, judging every exchange that passes; "
        "Ctrl-C (or SIGTERM) ends it with the summary",
    )
    cli.add_argument("--record", metavar="FILE", help=RECORD_HELP)
    return cli


@dataclass(frozen=True)
class Report:
    """What a run found: its exit code (0 iff the traffic conforms), the printable summary, the session."""

    exit_code: int
    summary: str
    session: Session | None = None

    @property
    def judge(self) -> Judge | None:
        return None if self.session is None else self.session.judge


def evaluate(
    argv: Sequence[str] | None = None,
    *,
    app: Any = None,
    environ: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> Report:
    """Judge what the arguments say; `app` runs an ASGI application in process instead of calling
    --base-url. Progress lines (and the proxy's violations) go to `stream` as they come."""
    args = parser().parse_args(argv)
    try:
        settings = resolve(vars(args), environ, in_process=app is not None)
    except SettingsError as error:
        return Report(USAGE, f"{PROG}: error: {error}")
    try:
        if settings.mode == HAR:
            session = _recorded(settings)
        elif settings.mode == PROXY:
            session = serve_proxy(settings, stream)
        else:
            session = run_active(settings, app=app, progress=Progress(stream))
    except HarError as error:
        return Report(USAGE, f"{PROG}: error: {error}")
    if session.unreachable:
        return Report(UNREACHABLE, f"{PROG}: {session.unreachable}", session)
    write_files(session)
    return Report(session.exit_code, render(session), session)


def _recorded(settings: Settings) -> Session:
    judge = Judge(settings.roles(), settings.slugs(), sole_client=settings.sole_client, keep_log=True)
    judge_har(settings.har, judge)
    return Session(settings, judge, sources=settings.har)


def serve_proxy(settings: Settings, stream: TextIO | None) -> Session:
    """The proxy, until SIGINT or SIGTERM; every violation is printed the moment it is seen."""
    from ..sources.proxy import CheckingProxy

    judge = Judge(settings.roles(), settings.slugs(), sole_client=settings.sole_client, keep_log=True)
    session = Session(settings, judge)
    out = stream or sys.stdout

    def say(finding: Finding, _exchange: object) -> None:
        out.write(violation_line(finding) + "\n")
        out.flush()

    def report() -> bytes:
        with judge.locked():
            return json.dumps(json_report(session), indent=2).encode()

    def started() -> None:
        out.write(
            f"{PROG}: a proxy on http://{host}:{port} in front of {settings.base_url}; judging every "
            f"exchange (report so far: http://{host}:{port}/__conformance/report); Ctrl-C ends it\n"
            + (f"{PROG}: recording what passes in {settings.record}\n" if settings.record else "")
        )
        out.flush()

    judge.listeners.append(say)
    recorder = HarWriter(settings.record, PROG) if settings.record else None
    host, port = settings.proxy  # type: ignore[misc]
    if not CheckingProxy(settings.base_url, judge, report, recorder).run(host, port, started):
        session.unreachable = f"the proxy could not listen on {host}:{port}"
    return session


def run(argv: Sequence[str] | None = None, *, app: Any = None) -> int:
    """Judge, printing as it goes and the summary at the end; the exit status."""
    report = evaluate(argv, app=app, stream=sys.stdout)
    session = report.session
    if session is None or session.unreachable:
        print(report.summary, file=sys.stderr, flush=True)
    elif session.settings.mode == HAR or session.settings.mode == PROXY:
        print(report.summary, flush=True)
    else:  # the heading was printed as the run began
        print("\n" + report.summary.split("\n\n", 1)[-1], flush=True)
    return report.exit_code


def main() -> None:
    sys.exit(run(sys.argv[1:]))
