"""`gamifyhost-mock`: serve the mock on the bundled fixtures or your own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .fixtures import DEFAULT_FIXTURES, FixtureError


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
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    import uvicorn

    from .app import create_app

    try:
        app = create_app(args.fixtures)
    except FixtureError as error:
        print(f"gamifyhost-mock: bad fixtures: {error}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=args.host, port=args.port, access_log=not args.no_access_log)
    return 0
