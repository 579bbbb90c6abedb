"""`gamifyhost-mock`: serve the mock on the bundled fixtures or your own."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from .faults import MAX_DELAY_MS
from .fixtures import DEFAULT_FIXTURES, FixtureError
from .state_file import StateFileError
from .timestamps import parse_timestamp


def bounded(kind: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    """An argparse type: `kind` of the text, from `low` to `high`."""

    def read(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a valid {kind.__name__}: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low:g} and {high:g}")
        return value

    return read


def instant(text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 date-time: {text!r}") from None


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="gamifyhost-mock",
        description="A stateful mock server of the GamifyHost codes API.",
    )
    cli.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    cli.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    cli.add_argument(
        "--fixtures",
        metavar="PATH",
        default=None,
        help=f"YAML fixtures file or directory (default: the bundled {DEFAULT_FIXTURES.name}/)",
    )
    cli.add_argument("--no-access-log", action="store_true", help="do not log one line per request")
    cli.add_argument("--no-admin", action="store_true", help="turn the admin API under /__mock/ off (404)")
    cli.add_argument("--seed", type=int, metavar="N", help="draw codes, ids and failures from seed N")
    cli.add_argument("--freeze-time", type=instant, metavar="T", help="stop the clock at T (RFC 3339)")
    cli.add_argument(
        "--latency-ms",
        type=bounded(int, 0, MAX_DELAY_MS),
        default=0,
        metavar="N",
        help="add N milliseconds to every GamifyHost request",
    )
    cli.add_argument(
        "--error-rate",
        type=bounded(float, 0, 1),
        default=0.0,
        metavar="P",
        help="answer this share (0 to 1) of GamifyHost requests with 503",
    )
    cli.add_argument("--state-file", metavar="PATH", help="keep the state in this file across restarts")
    return cli


def build_app(args: argparse.Namespace) -> Any:
    """The app the parsed command line describes."""
    from .app import create_app

    return create_app(
        args.fixtures,
        seed=args.seed,
        freeze_time=args.freeze_time,
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        admin=not args.no_admin,
        state_file=args.state_file,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    import uvicorn

    from .logs import log_config

    try:
        app = build_app(args)
    except FixtureError as error:
        print(f"gamifyhost-mock: bad fixtures: {error}", file=sys.stderr)
        return 2
    except StateFileError as error:
        print(f"gamifyhost-mock: bad state file: {error}", file=sys.stderr)
        return 2
    # uvicorn shuts down gracefully on SIGTERM (in-flight requests finish, the state file is
    # written), then raises the signal again: handled here, that ends the process with status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=not args.no_access_log,
        log_config=log_config(),
    )
    return 0


def _exit_cleanly(_signal: int, _frame: object) -> None:
    raise SystemExit(0)
